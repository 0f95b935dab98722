//! Small DOM helpers for the lists written with DOM calls rather than `view!` (the period-end
//! table, the field history), which take clicks on the whole list.

use wasm_bindgen::JsCast;

/// The button a click on a list landed in, if any.
pub fn clicked_button(ev: &web_sys::MouseEvent) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest("button").ok().flatten())
}
