//! The engine's Web Worker: `chronoscope-core`'s `Engine` behind `postMessage`, built for speed
//! (the `worker` profile, opt-level 3) and loaded beside the panel rather than inside it.
//!
//! Each message the worker is sent is one request of the engine protocol as JSON text; it
//! answers each with the answer as JSON text, the request's id repeated. When its wasm has
//! loaded it says `ready` (id 0), since a worker's messages sent before that are lost. The one
//! other shape of message is `{request, bytes}`: `open_attached` as JSON text with its source's
//! bytes as an `ArrayBuffer` (best transferred), copied once, straight into the ingest. Any
//! other message is refused like text that is not a request, with its place. An answer with
//! bytes beside it (an evidence pack) is sent the same way, `{answer, bytes}`, its buffer
//! transferred.
//!
//! Between requests it does its background work a slice at a time (`Engine::work`): folding
//! the open source, and working out a table over every stream. Each slice is queued behind any
//! request that came meanwhile, so that a request waits for one slice at most. A request that
//! needs that work done (`integrity` and `evidence` every stream folded, `table` its streams)
//! waits for its last slice, and the requests after it are answered meanwhile
//! (`Engine::answer_json_or_wait`). Slices are queued as messages on a channel of the
//! worker's own, not as timers, which browsers hold back by 4 ms each once they nest.

mod read;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Answer, Envelope, VERSION};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageChannel, MessageEvent, MessagePort};

/// Talc rather than Rust's default wasm allocator (dlmalloc). Measured on the benchmark's 1M
/// events in three interleaved runs each (`bench/worker-engine.mjs`): open-then-check medians
/// 7.19 s against 7.29 s (within the machine's noise), the worker's memory at the end 444 MB
/// against 467 MB (`bench/app-worker.mjs`), and its wasm 17 KB smaller after brotli.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// The most events one background slice folds. In this worker the benchmark's million events
/// were folded and checked in 3.3 s after they were indexed (`bench/worker-engine.mjs`), about
/// 0.3 M a second, so a slice takes some 15 ms.
const SLICE: usize = 5_000;

/// The engine and whether a slice of its background work is queued.
struct Worker {
    engine: RefCell<Engine>,
    slice_queued: Cell<bool>,
    /// How many reads were asked for (`read`): only the last may begin its source.
    n_reads: Cell<u64>,
    /// The read (by its place in `n_reads`) whose following the page stopped (`unfollow`).
    unfollowed: Cell<u64>,
    scope: DedicatedWorkerGlobalScope,
    /// Where a message queues the next slice (`None` where the channel could not be made: the
    /// slices then wait for timers).
    slices: Option<MessagePort>,
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let mut engine = Engine::new();
    engine.set_memory_gauge(memory_bytes);
    let channel = MessageChannel::new().ok();
    let worker = Rc::new(Worker {
        engine: RefCell::new(engine),
        slice_queued: Cell::new(false),
        n_reads: Cell::new(0),
        unfollowed: Cell::new(0),
        scope: scope.clone(),
        slices: channel.as_ref().map(MessageChannel::port2),
    });
    if let Some(channel) = &channel {
        let next = Rc::clone(&worker);
        let on_slice = Closure::<dyn FnMut(MessageEvent)>::new(move |_| run_slice(&next));
        channel
            .port1()
            .set_onmessage(Some(on_slice.as_ref().unchecked_ref()));
        on_slice.forget();
    }
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some((id, ask)) = read::ask_of(&ev.data()) {
            return read::start(&worker, id, ask);
        }
        let mut engine = worker.engine.borrow_mut();
        if let Some(answer) = answer(&mut engine, &ev.data()) {
            post_answer(&worker.scope, &answer, engine.take_attachment());
        }
        // A request may have ended a wait (another source opened, another table asked for):
        // what waited is answered now.
        post_ready(&worker.scope, &mut engine);
        drop(engine);
        queue_slice(&worker);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Envelope::new(0, Answer::Ready { version: VERSION });
    if let Ok(text) = serde_json::to_string(&ready) {
        post(&scope, &text);
    }
}

impl Worker {
    /// After a read moved the engine on: answers the requests whose wait that ended, and
    /// queues the background work it brought.
    fn after_engine_moved(self: &Rc<Worker>) {
        post_ready(&self.scope, &mut self.engine.borrow_mut());
        queue_slice(self);
    }

    /// Posts the answer to request `id` to the page, as the protocol's JSON.
    fn post_answer(&self, id: u64, answer: Answer) {
        let text = serde_json::to_string(&Envelope::new(id, answer)).unwrap_or_default();
        post(&self.scope, &text);
    }
}

/// The engine's answer to one message: text, or a request with bytes beside it. Anything else
/// is answered as the empty text, which is no request either. `None` for a request that waits
/// for background work.
fn answer(engine: &mut Engine, data: &JsValue) -> Option<String> {
    if let Some(text) = data.as_string() {
        return engine.answer_json_or_wait(&text);
    }
    let field = |name: &str| js_sys::Reflect::get(data, &JsValue::from_str(name)).ok();
    let request = field("request").and_then(|r| r.as_string());
    let bytes = field("bytes").and_then(|b| b.dyn_into::<js_sys::ArrayBuffer>().ok());
    match (request, bytes) {
        (Some(request), Some(bytes)) => {
            let bytes = js_sys::Uint8Array::new(&bytes);
            let len = bytes.length() as usize;
            Some(engine.answer_json_attached(&request, len, |into| bytes.copy_to(into)))
        }
        _ => Some(engine.answer_json("")),
    }
}

/// Queues one slice of background work behind whatever messages came, unless one is queued or
/// nothing is left to do; each slice queues the next.
fn queue_slice(worker: &Rc<Worker>) {
    if worker.slice_queued.get() || !worker.engine.borrow().has_work() {
        return;
    }
    let queued = match &worker.slices {
        Some(port) => port.post_message(&JsValue::NULL).is_ok(),
        None => {
            let next = Rc::clone(worker);
            let slice = Closure::once_into_js(move || run_slice(&next));
            let scope = &worker.scope;
            scope
                .set_timeout_with_callback_and_timeout_and_arguments_0(slice.unchecked_ref(), 0)
                .is_ok()
        }
    };
    worker.slice_queued.set(queued);
}

/// Does one slice of background work, answers the requests whose wait it ended, and queues
/// the next slice.
fn run_slice(worker: &Rc<Worker>) {
    worker.slice_queued.set(false);
    let mut engine = worker.engine.borrow_mut();
    engine.work(SLICE);
    post_ready(&worker.scope, &mut engine);
    drop(engine);
    queue_slice(worker);
}

/// Posts the answers to the requests whose background work is done.
fn post_ready(scope: &DedicatedWorkerGlobalScope, engine: &mut Engine) {
    for (answer, bytes) in engine.answers_ready() {
        post_answer(scope, &answer, bytes);
    }
}

/// Posts an answer, with the bytes that go beside it where it has some.
fn post_answer(scope: &DedicatedWorkerGlobalScope, text: &str, bytes: Option<Vec<u8>>) {
    match bytes {
        Some(bytes) => post_with_bytes(scope, text, &bytes),
        None => post(scope, text),
    }
}

/// Posts an answer with its bytes beside it, `{answer, bytes}`, the buffer transferred.
fn post_with_bytes(scope: &DedicatedWorkerGlobalScope, text: &str, bytes: &[u8]) {
    let buffer = js_sys::Uint8Array::from(bytes).buffer();
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"answer".into(), &JsValue::from_str(text));
    let _ = js_sys::Reflect::set(&message, &"bytes".into(), &buffer);
    let transfer = js_sys::Array::of1(&buffer);
    let _ = scope.post_message_with_transfer(&message, &transfer);
}

/// The size of the worker's WebAssembly memory, in bytes: what the memory ceiling (`mem=`)
/// is measured against.
fn memory_bytes() -> u64 {
    core::arch::wasm32::memory_size(0) as u64 * 65_536
}

/// Posts an answer to the page; a page that is gone cannot be told anything.
fn post(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let _ = scope.post_message(&JsValue::from_str(text));
}
