//! The selected event: who did what and when (UTC and local), and its stored payload.
//!
//! The card is written with DOM calls rather than `view!`, for the bundle's budget (see
//! `follow_bar`), and its payloads a window at a time (`dom::append_long_text`): a 50 MB record
//! written whole would hold the tab for seconds.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::context::{use_app, AppCtx};
use super::dom::{append_element, append_long_text, show_more, target_within};
use super::format::{local, utc, NO_TIME};
use chronoscope_core::event::Event;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::change_words;

/// A card describing the event whose after-state is shown.
#[component]
pub fn EventDetail() -> impl IntoView {
    let ctx = use_app();
    let event = Memo::new(move |_| ctx.event_at(ctx.selection.get().pos));
    // The card's long texts, which its *show more* buttons continue.
    let texts = StoredValue::new(Vec::<String>::new());
    let card = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(card) = card.get() {
            card.set_text_content(None);
            let event = event.get();
            // Only element creation can fail here, which a browser does not refuse.
            let _ = match event {
                None => write_empty(&card),
                Some(event) => write_card(ctx, &card, &event).map(|t| texts.set_value(t)),
            };
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(button) = target_within(&ev, "button.more") {
            let which = button
                .get_attribute("data-text")
                .and_then(|n| n.parse().ok());
            texts.with_value(|texts| {
                if let Some(text) = which.and_then(|n: usize| texts.get(n)) {
                    let _ = show_more(&button, text);
                }
            });
        }
    };
    view! { <div class="event-detail" node_ref=card on:click=on_click></div> }
}

fn write_empty(card: &web_sys::Element) -> Result<(), JsValue> {
    card.set_class_name("event-detail empty");
    card.remove_attribute("data-testid")?;
    card.set_text_content(Some(
        "Before the stream's first event: the aggregate does not exist yet.",
    ));
    Ok(())
}

/// Writes the card of `event`, and returns its long texts: the record, then, for an upcast
/// event, its stored and upcast data.
fn write_card(ctx: AppCtx, card: &web_sys::Element, event: &Event) -> Result<Vec<String>, JsValue> {
    card.set_class_name("event-detail");
    card.set_attribute("data-testid", "event-detail")?;
    let headline = append_element(card, "div", &[("class", "headline")], None)?;
    let version = format!("v{}", event.version);
    append_element(&headline, "span", &[("class", "version")], Some(&version))?;
    append_element(&headline, "strong", &[("class", "kind")], Some(&event.kind))?;
    headline.append_with_str_1(" by ")?;
    let user = shown_id(event.user().unwrap_or("unknown"));
    let user_attrs = [("class", "user"), ("data-testid", "event-user")];
    append_element(&headline, "span", &user_attrs, Some(&user))?;
    write_times(card, event)?;
    let (how, record) = ctx.loaded.with_untracked(|l| {
        let timeline = l.as_ref().map(|l| &l.timeline);
        let projection = timeline.and_then(|t| t.projection());
        let pos = ctx.selection.get_untracked().pos;
        let record = timeline
            .zip(pos)
            .and_then(|(t, pos)| t.record_text_at(&event.stream, pos).map(str::to_string));
        (change_words(&event.change, &event.kind, projection), record)
    });
    append_element(
        card,
        "div",
        &[("class", "change-rule"), ("data-testid", "change-rule")],
        Some(&how),
    )?;
    let (record_title, record) = match record {
        Some(text) => ("Stored record, as in the source", text),
        None => ("Event as decoded from the source", decoded_payload(event)),
    };
    let payload = append_element(card, "details", &[("class", "payload")], None)?;
    append_element(&payload, "summary", &[], Some(record_title))?;
    append_long_text(
        &payload,
        "pre",
        &[("data-testid", "stored-record")],
        &record,
        ("data-text", "0"),
    )?;
    let mut texts = vec![record];
    if let Some(stored) = &event.stored {
        texts.extend(write_upcast(card, event, stored)?);
    }
    Ok(texts)
}

fn write_times(card: &web_sys::Element, event: &Event) -> Result<(), JsValue> {
    let times = append_element(
        card,
        "div",
        &[("class", "times"), ("data-testid", "event-time")],
        None,
    )?;
    if event.meta.contains_key("time_absent") {
        times.set_text_content(Some(&format!("— ({NO_TIME})")));
    } else {
        append_element(&times, "span", &[("title", "UTC")], Some(&utc(&event.time)))?;
        let local = format!("local {}", local(&event.time));
        append_element(
            &times,
            "span",
            &[("class", "local"), ("title", "Your local time")],
            Some(&local),
        )?;
    }
    Ok(())
}

/// The stored and the upcast data side by side; returns both texts.
fn write_upcast(
    card: &web_sys::Element,
    event: &Event,
    stored: &serde_json::Value,
) -> Result<[String; 2], JsValue> {
    let pretty = |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let to = event
        .meta
        .get("upcast_to")
        .map(|v| v.to_string())
        .unwrap_or_default();
    let texts = [pretty(stored), pretty(&event.data)];
    let versions = append_element(
        card,
        "div",
        &[("class", "versions"), ("data-testid", "upcast")],
        None,
    )?;
    let forms = [
        ("Stored data".to_string(), "stored-form"),
        (format!("Upcast to schema v{to}"), "upcast-form"),
    ];
    for (n, ((title, testid), text)) in forms.iter().zip(&texts).enumerate() {
        let column = append_element(&versions, "div", &[], None)?;
        append_element(&column, "h4", &[], Some(title))?;
        let label = if n == 0 { "Stored data" } else { "Upcast data" };
        let attrs = [
            ("data-testid", *testid),
            ("tabindex", "0"),
            ("aria-label", label),
        ];
        let which = (n + 1).to_string();
        append_long_text(&column, "pre", &attrs, text, ("data-text", &which))?;
    }
    Ok(texts)
}

/// An event kept decoded (its source's bytes are not kept), as it was before any upcasting, and
/// without the fields Chronoscope adds itself (`core::event::ADDED_META`, the change).
fn decoded_payload(event: &Event) -> String {
    let (data, meta) = event.stored_data_and_meta();
    let payload = serde_json::json!({
        "id": event.id,
        "data": data,
        "meta": meta,
    });
    serde_json::to_string_pretty(&payload).unwrap_or_default()
}
