//! Where a person types a credential for the source's server: Basic (user, password) or Bearer.
//! It stays in the tab's memory, is sent only as the `Authorization` header and only to the
//! origin it was typed for, and never goes into a link.
//! What is typed is held in signals and saved on every keystroke.

use leptos::prelude::*;

use super::context::use_app;
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
    let origin = move || {
        let typed = url_text.get();
        let address = match typed.trim() {
            "" => ctx.view.with(|v| v.src.clone()).unwrap_or_default(),
            typed => typed.to_string(),
        };
        let page = window().location().href().unwrap_or_default();
        resolve(&address, &page).ok()
    };
    // The type starts as the credential held; the fields start empty, as a password field does.
    let scheme = RwSignal::new(match ctx.credential.get_untracked().secret {
        Secret::None => "none",
        Secret::Basic { .. } => "basic",
        Secret::Bearer { .. } => "bearer",
    });
    let (user, secret) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    // Every keystroke and choice saves.
    let save = move || {
        let typed = match scheme.get_untracked() {
            "basic" => Secret::Basic {
                user: user.get_untracked(),
                password: secret.get_untracked(),
            },
            "bearer" => Secret::Bearer {
                token: secret.get_untracked(),
            },
            _ => Secret::None,
        };
        ctx.credential.set(match untrack(origin) {
            Some(url) => credential_for(typed, &url),
            None => Credential {
                secret: typed,
                origin: None,
            },
        });
    };
    let choose = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        let known = SCHEMES.iter().find(|(value, _)| *value == chosen);
        scheme.set(known.map_or("none", |(value, _)| value));
        save();
    };
    let options = SCHEMES.map(|(value, words)| {
        view! { <option value=value selected=move || scheme.get() == value>{words}</option> }
    });
    let for_origin = move || match ctx.credential.with(|c| c.origin.clone()) {
        Some(origin) => format!("Sent only to {origin}."),
        None => "Type the source's URL first: a credential is sent only to its server.".into(),
    };
    view! {
        <form class="credentials" autocomplete="off" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <select data-testid="credential-scheme" aria-label="Credential type" on:change=choose>{options}</select>
            <input type="text" data-testid="credential-user" aria-label="User" placeholder="user"
                hidden=move || scheme.get() != "basic" prop:value=user
                on:input=move |ev| { user.set(event_target_value(&ev)); save(); }/>
            <input type="password" data-testid="credential-secret" aria-label="Password or token"
                placeholder=move || if scheme.get() == "basic" { "password" } else { "token" }
                hidden=move || scheme.get() == "none" prop:value=secret
                on:input=move |ev| { secret.set(event_target_value(&ev)); save(); }/>
            <span class="hint" data-testid="credential-origin">{for_origin}" Kept in this tab's memory only; never put in a link."</span>
        </form>
    }
}
