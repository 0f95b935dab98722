//! The engine's Web Worker: `chronoscope-core`'s `Engine` behind `postMessage`, built for speed
//! (the `worker` profile, opt-level 3) and loaded beside the panel rather than inside it.
//!
//! Each message the worker is sent is one request of the engine protocol as JSON text; it
//! answers each with the answer as JSON text, the request's id repeated. When its wasm has
//! loaded it says `ready` (id 0), since a worker's messages sent before that are lost. A message
//! that is not text is refused like any text that is not a request, with its place.

use std::cell::RefCell;

use chronoscope_core::engine::Engine;
use chronoscope_protocol::{Answer, Envelope, VERSION};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

fn main() {
    console_error_panic_hook::set_once();
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let engine = RefCell::new(Engine::new());
    let replies = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        // Not text: answered as the empty text, which is no request either.
        let text = ev.data().as_string().unwrap_or_default();
        let answer = engine.borrow_mut().answer_json(&text);
        post(&replies, &answer);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let ready = Envelope::new(0, Answer::Ready { version: VERSION });
    if let Ok(text) = serde_json::to_string(&ready) {
        post(&scope, &text);
    }
}

/// Posts an answer to the page; a page that is gone cannot be told anything.
fn post(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let _ = scope.post_message(&JsValue::from_str(text));
}
