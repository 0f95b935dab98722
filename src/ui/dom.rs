//! Small DOM helpers for the lists written with DOM calls rather than `view!` (the period-end
//! table, the field history), which take clicks on the whole list.

use wasm_bindgen::JsCast;

/// The button a click on a list landed in, if any.
pub fn clicked_button(ev: &web_sys::MouseEvent) -> Option<web_sys::Element> {
    target_within(ev, "button")
}

/// The number in attribute `name` of the element matching `within` that a click on a list
/// landed in (a row's position, an event's index in the log), if it has one.
pub fn clicked_number(ev: &web_sys::Event, within: &str, name: &str) -> Option<usize> {
    target_within(ev, within)
        .and_then(|element| element.get_attribute(name))
        .and_then(|number| number.parse().ok())
}

/// The element matching `selector` that an event's target is in (or is), if any.
pub fn target_within(ev: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|t| t.closest(selector).ok().flatten())
}

/// A new element with its attributes and, when given, its text (set as text, never as HTML).
pub fn element(
    tag: &str,
    attributes: &[(&str, &str)],
    text: Option<&str>,
) -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let element = leptos::prelude::document().create_element(tag)?;
    for (name, value) in attributes {
        element.set_attribute(name, value)?;
    }
    if text.is_some() {
        element.set_text_content(text);
    }
    Ok(element)
}

/// A new element, as `element` makes it, appended to `parent`.
pub fn append_element(
    parent: &web_sys::Element,
    tag: &str,
    attributes: &[(&str, &str)],
    text: Option<&str>,
) -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let child = element(tag, attributes, text)?;
    parent.append_child(&child)?;
    Ok(child)
}
