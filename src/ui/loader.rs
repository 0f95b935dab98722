//! Loading: fetch a URL (with progress), read a file or take pasted text, then decode and replay
//! it in slices so the page never freezes, and publish the result into the context.

use std::sync::Arc;

use gloo_timers::future::TimeoutFuture;
use js_sys::{Reflect, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::context::{AppCtx, Loaded, Progress};
use crate::core::decode::{detect, split_records, Decoder, Place, Problem};
use crate::core::timeline::Timeline;

/// Where the bundled demo is served from.
pub const DEMO_URL: &str = "demo/cambium-demo.ndjson";

/// How many records are decoded between two yields to the browser.
const SLICE: usize = 2_000;

/// Fetches a URL and loads it; a failed fetch becomes a problem naming the URL and status.
pub async fn load_url(ctx: AppCtx, url: String, label: String) {
    ctx.progress.set(Some(Progress {
        label: label.clone(),
        bytes: 0,
        total_bytes: None,
        n_events: 0,
    }));
    match fetch_text(&ctx, &url, &label).await {
        Ok(text) => load_text(ctx, text, label).await,
        Err(problem) => {
            ctx.progress.set(None);
            ctx.loaded.set(None);
            ctx.source_problems
                .update(|problems| problems.push(problem));
        }
    }
}

/// Decodes and replays a source's text in slices, then publishes it.
pub async fn load_text(ctx: AppCtx, text: String, label: String) {
    let (records, mut problems) = split_records(&text);
    let detection = detect(&records);
    let mut decoder = Decoder::new(detection.format);
    let mut timeline = Timeline::default();
    let mut n_events = 0;
    for slice in records.chunks(SLICE) {
        let mut events = Vec::with_capacity(slice.len());
        decoder.decode(slice, &mut events, &mut problems);
        n_events += events.len();
        timeline.push(events);
        ctx.progress.update(|progress| {
            if let Some(progress) = progress {
                progress.n_events = n_events;
            }
        });
        TimeoutFuture::new(0).await;
    }
    ctx.progress.set(None);
    ctx.needs_file.set(None);
    ctx.loaded.set(Some(Arc::new(Loaded {
        timeline,
        problems,
        detection,
        label,
    })));
}

async fn fetch_text(ctx: &AppCtx, url: &str, label: &str) -> Result<String, Problem> {
    let problem = |status: u16, message: String| Problem {
        place: Place::Url {
            url: url.to_string(),
            status,
        },
        message,
    };
    let response = gloo_net::http::Request::get(url)
        .send()
        .await
        .map_err(|err| {
            problem(
                0,
                format!("could not fetch: {err} (the network failed, or the server does not allow cross-origin requests)"),
            )
        })?;
    let status = response.status();
    if !response.ok() {
        return Err(problem(
            status,
            format!("the server answered {status} {}", response.status_text()),
        ));
    }
    let total_bytes = response
        .headers()
        .get("content-length")
        .and_then(|len| len.parse().ok());
    let raw: web_sys::Response = response.into();
    let mut bytes = Vec::new();
    if let Some(body) = raw.body() {
        let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        loop {
            let chunk = JsFuture::from(reader.read()).await.map_err(|err| {
                problem(status, format!("the download broke off: {}", js_text(&err)))
            })?;
            let done = Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true);
            if done {
                break;
            }
            if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
                bytes.extend(Uint8Array::new(&value).to_vec());
            }
            ctx.progress.set(Some(Progress {
                label: label.to_string(),
                bytes: bytes.len() as u64,
                total_bytes,
                n_events: 0,
            }));
        }
    }
    String::from_utf8(bytes).map_err(|err| {
        problem(
            status,
            format!(
                "the response is not UTF-8 text (byte {})",
                err.utf8_error().valid_up_to()
            ),
        )
    })
}

/// Reads a local file the user chose or dropped.
pub async fn load_file(ctx: AppCtx, file: web_sys::File) {
    let name = file.name();
    ctx.progress.set(Some(Progress {
        label: name.clone(),
        bytes: 0,
        total_bytes: Some(file.size() as u64),
        n_events: 0,
    }));
    match JsFuture::from(file.text()).await {
        Ok(text) => load_text(ctx, text.as_string().unwrap_or_default(), name).await,
        Err(err) => {
            ctx.progress.set(None);
            ctx.source_problems.update(|problems| {
                problems.push(Problem {
                    place: Place::Source,
                    message: format!("could not read {name}: {}", js_text(&err)),
                })
            });
        }
    }
}

fn js_text(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|err| String::from(err.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}
