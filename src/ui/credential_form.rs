//! Where a person types a credential for the source's server: Basic (user, password) or Bearer.
//! It stays in the tab's memory, is sent only as the `Authorization` header and only to the
//! origin it was typed for, and never goes into a link.
//!
//! The fields are written with DOM calls rather than `view!`, for the bundle's budget (see
//! `follow_bar`), and read back from the form on every keystroke.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::context::use_app;
use super::dom::{append_element, element};
use chronoscope_core::origin::{credential_for, resolve, Credential, Secret};

/// The credential types offered: the select's values and their words.
const SCHEMES: [(&str, &str); 3] = [
    ("none", "No credential"),
    ("basic", "Basic (user, password)"),
    ("bearer", "Bearer token"),
];

/// Where the user types a credential for the source's server. It stays in memory, is sent only
/// as the `Authorization` header and only to the origin it was typed for (that of the URL in the
/// source box, or of the source shown), and never goes into a link.
#[component]
pub fn CredentialForm(
    /// The URL typed in the source box: the credential is for its origin.
    url_text: RwSignal<String>,
) -> impl IntoView {
    let ctx = use_app();
    let form = NodeRef::<leptos::html::Form>::new();
    let origin = move || {
        let typed = url_text.get();
        let address = match typed.trim() {
            "" => ctx.view.with(|v| v.src.clone()).unwrap_or_default(),
            typed => typed.to_string(),
        };
        let page = window().location().href().unwrap_or_default();
        resolve(&address, &page).ok()
    };
    Effect::new(move |_| {
        if let Some(form) = form.get() {
            let scheme = match ctx.credential.get_untracked().secret {
                Secret::None => "none",
                Secret::Basic { .. } => "basic",
                Secret::Bearer { .. } => "bearer",
            };
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_fields(&form, scheme);
        }
    });
    // Every keystroke and choice saves, read back from the fields themselves.
    let save = move || {
        let Some(form) = form.get_untracked() else {
            return;
        };
        let secret = read_secret(&form);
        ctx.credential.set(match untrack(origin) {
            Some(url) => credential_for(secret, &url),
            None => Credential {
                secret,
                origin: None,
            },
        });
    };
    let for_origin = move || match ctx.credential.with(|c| c.origin.clone()) {
        Some(origin) => format!("Sent only to {origin}."),
        None => "Type the source's URL first: a credential is sent only to its server.".into(),
    };
    view! {
        <form class="credentials" autocomplete="off" node_ref=form on:input=move |_| save()
            on:submit=move |ev| { ev.prevent_default(); save(); }>
            <span class="hint" data-testid="credential-origin">{for_origin}" Kept in this tab's memory only; never put in a link."</span>
        </form>
    }
}

/// Puts the type's select, the user field and the secret field before the form's hint, showing
/// those the type `scheme` asks for.
fn write_fields(form: &web_sys::Element, scheme: &str) -> Result<(), JsValue> {
    let attrs = [
        ("data-testid", "credential-scheme"),
        ("aria-label", "Credential type"),
    ];
    let select = element("select", &attrs, None)?;
    for (value, words) in SCHEMES {
        let option = append_element(&select, "option", &[("value", value)], Some(words))?;
        option.toggle_attribute_with_force("selected", value == scheme)?;
    }
    let user = [
        ("type", "text"),
        ("data-testid", "credential-user"),
        ("aria-label", "User"),
        ("placeholder", "user"),
    ];
    let secret = [
        ("type", "password"),
        ("data-testid", "credential-secret"),
        ("aria-label", "Password or token"),
    ];
    let user = element("input", &user, None)?;
    let secret = element("input", &secret, None)?;
    form.prepend_with_node_3(&select, &user, &secret)?;
    show_fields(form, scheme)
}

/// Shows the user field for Basic only, the secret field for Basic (a password) and Bearer (a
/// token).
fn show_fields(form: &web_sys::Element, scheme: &str) -> Result<(), JsValue> {
    if let Some(user) = form.query_selector("[type=text]")? {
        user.toggle_attribute_with_force("hidden", scheme != "basic")?;
    }
    if let Some(secret) = form.query_selector("[type=password]")? {
        secret.toggle_attribute_with_force("hidden", scheme == "none")?;
        let words = if scheme == "basic" {
            "password"
        } else {
            "token"
        };
        secret.set_attribute("placeholder", words)?;
    }
    Ok(())
}

/// The credential the fields hold, showing the fields its type asks for.
fn read_secret(form: &web_sys::Element) -> Secret {
    let value = |selector: &str| {
        form.query_selector(selector)
            .ok()
            .flatten()
            .and_then(|field| js_sys::Reflect::get(&field, &JsValue::from_str("value")).ok())
            .and_then(|value| value.as_string())
            .unwrap_or_default()
    };
    let scheme = value("select");
    let _ = show_fields(form, &scheme);
    match scheme.as_str() {
        "basic" => Secret::Basic {
            user: value("[type=text]"),
            password: value("[type=password]"),
        },
        "bearer" => Secret::Bearer {
            token: value("[type=password]"),
        },
        _ => Secret::None,
    }
}
