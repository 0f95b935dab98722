//! Where a person types a credential for the source's server: Basic (user, password) or Bearer.
//! It stays in the tab's memory, is sent only as the `Authorization` header and only to the
//! origin it was typed for, and never goes into a link.

use leptos::prelude::*;

use super::context::use_app;
use crate::core::origin::{resolve, Credential, Secret};

/// Where the user types a credential for the source's server. It stays in memory, is sent only
/// as the `Authorization` header and only to the origin it was typed for (that of the URL in the
/// source box, or of the source shown), and never goes into a link.
#[component]
pub fn CredentialForm(
    /// The URL typed in the source box: the credential is for its origin.
    url_text: RwSignal<String>,
) -> impl IntoView {
    let ctx = use_app();
    let scheme = RwSignal::new(match ctx.credential.get_untracked().secret {
        Secret::None => "none",
        Secret::Basic { .. } => "basic",
        Secret::Bearer { .. } => "bearer",
    });
    let user = RwSignal::new(String::new());
    let secret = RwSignal::new(String::new());
    let origin = move || {
        let typed = url_text.get();
        let address = match typed.trim() {
            "" => ctx.view.with(|v| v.src.clone()).unwrap_or_default(),
            typed => typed.to_string(),
        };
        let page = window().location().href().unwrap_or_default();
        resolve(&address, &page).ok()
    };
    let save = move || {
        let secret = match scheme.get_untracked() {
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
            Some(url) => Credential::for_url(secret, &url),
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
    // The fields save on every keystroke, so they set their signals in the same handler rather
    // than through `bind:value`, whose own listener could run after the save.
    view! {
        <form class="credentials" autocomplete="off" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <select data-testid="credential-scheme" aria-label="Credential type" on:change=move |ev| {
                scheme.set(match event_target_value(&ev).as_str() { "basic" => "basic", "bearer" => "bearer", _ => "none" });
                save();
            }>
                <option value="none" selected=move || scheme.get() == "none">"No credential"</option>
                <option value="basic" selected=move || scheme.get() == "basic">"Basic (user, password)"</option>
                <option value="bearer" selected=move || scheme.get() == "bearer">"Bearer token"</option>
            </select>
            <Show when=move || scheme.get() == "basic">
                <input type="text" data-testid="credential-user" aria-label="User" placeholder="user"
                    prop:value=move || user.get() on:input=move |ev| { user.set(event_target_value(&ev)); save(); }/>
            </Show>
            <Show when=move || scheme.get() != "none">
                <input type="password" data-testid="credential-secret" aria-label="Password or token"
                    placeholder=move || if scheme.get() == "basic" { "password" } else { "token" }
                    prop:value=move || secret.get() on:input=move |ev| { secret.set(event_target_value(&ev)); save(); }/>
            </Show>
            <span class="hint" data-testid="credential-origin">{for_origin}" Kept in this tab's memory only; never put in a link."</span>
        </form>
    }
}
