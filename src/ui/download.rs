//! Saving a file the core made: the bytes become a Blob, and a link to it is clicked.

use wasm_bindgen::{JsCast, JsValue};

/// Offers bytes to the person as a file download.
pub fn download(name: &str, mime: &str, bytes: &js_sys::Uint8Array) -> Result<(), JsValue> {
    let parts = js_sys::Array::new();
    parts.push(bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)?;
    let anchor: web_sys::HtmlAnchorElement = leptos::prelude::document()
        .create_element("a")?
        .dyn_into()?;
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    // The browser has taken the file once the click is handled; the URL is let go after.
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}
