//! Small DOM helpers for the lists written with DOM calls rather than `view!` (the period-end
//! table, the field history), which take clicks on the whole list, and long texts written a
//! window at a time.

use wasm_bindgen::JsCast;

use chronoscope_core::view::text::{more_words, text_window};

/// The button a click on a list landed in, if any.
pub fn clicked_button(ev: &web_sys::MouseEvent) -> Option<web_sys::Element> {
    target_within(ev, "button")
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

/// Appends a `tag` element (with `attributes`) to `parent` showing the first window of `text`
/// (`core::view::text::text_window`), and after it, when the text is longer, a *show more*
/// button carrying the attribute `continues`, by which a click handler knows which text it
/// continues.
pub fn append_long_text(
    parent: &web_sys::Element,
    tag: &str,
    attributes: &[(&str, &str)],
    text: &str,
    continues: (&str, &str),
) -> Result<web_sys::Element, wasm_bindgen::JsValue> {
    let (shown, rest) = text_window(text, 0);
    let element = append_element(parent, tag, attributes, Some(shown))?;
    if rest > 0 {
        let more = append_element(
            parent,
            "button",
            &[("type", "button"), ("class", "more"), continues],
            Some(&more_words(rest)),
        )?;
        more.set_attribute("data-shown", &shown.len().to_string())?;
    }
    Ok(element)
}

/// After a click on a *show more* button that `append_long_text` made for `text`: appends the
/// next window to the element before it, and says what is left, or removes the button.
pub fn show_more(button: &web_sys::Element, text: &str) -> Result<(), wasm_bindgen::JsValue> {
    let from = button
        .get_attribute("data-shown")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let (next, rest) = text_window(text, from);
    if let Some(pre) = button.previous_element_sibling() {
        pre.append_with_str_1(next)?;
    }
    match rest {
        0 => button.remove(),
        rest => {
            button.set_attribute("data-shown", &(text.len() - rest).to_string())?;
            button.set_text_content(Some(&more_words(rest)));
        }
    }
    Ok(())
}
