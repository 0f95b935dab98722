//! The engine's Web Worker: `chronoscope-core`'s `Engine` behind `postMessage`, built for speed
//! (the `worker` profile, opt-level 3) and loaded beside the panel rather than inside it.
//!
//! Each message the worker is sent is one request of the engine protocol as JSON text; it
//! answers each with the answer as JSON text, the request's id repeated. When its wasm has
//! loaded it says `ready` (id 0), since a worker's messages sent before that are lost. A message
//! that is not text is refused like any text that is not a request, with its place.
//!
//! Between requests it folds the open source a slice at a time (`Engine::work`), each slice
//! queued behind any request that came meanwhile, so that a request waits for one slice at
//! most.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Answer, Envelope, VERSION};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

/// The most events one background slice folds. Measured in this worker at opt-level 3, the
/// benchmark's events fold at about 0.3 M a second, so a slice takes some 15 ms.
const SLICE: usize = 5_000;

/// The engine and whether a slice of its background work is queued.
struct Worker {
    engine: RefCell<Engine>,
    slice_queued: Cell<bool>,
    scope: DedicatedWorkerGlobalScope,
}

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let worker = Rc::new(Worker {
        engine: RefCell::new(Engine::new()),
        slice_queued: Cell::new(false),
        scope: scope.clone(),
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        // Not text: answered as the empty text, which is no request either.
        let text = ev.data().as_string().unwrap_or_default();
        let answer = worker.engine.borrow_mut().answer_json(&text);
        post(&worker.scope, &answer);
        queue_slice(&worker);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Envelope::new(0, Answer::Ready { version: VERSION });
    if let Ok(text) = serde_json::to_string(&ready) {
        post(&scope, &text);
    }
}

/// Queues one slice of background work behind whatever messages came, unless one is queued or
/// nothing is left to do; each slice queues the next.
fn queue_slice(worker: &Rc<Worker>) {
    if worker.slice_queued.get() || !worker.engine.borrow().has_work() {
        return;
    }
    let next = Rc::clone(worker);
    let slice = Closure::once_into_js(move || {
        next.slice_queued.set(false);
        next.engine.borrow_mut().work(SLICE);
        queue_slice(&next);
    });
    let queued = worker
        .scope
        .set_timeout_with_callback_and_timeout_and_arguments_0(slice.unchecked_ref(), 0);
    worker.slice_queued.set(queued.is_ok());
}

/// Posts an answer to the page; a page that is gone cannot be told anything.
fn post(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let _ = scope.post_message(&JsValue::from_str(text));
}
