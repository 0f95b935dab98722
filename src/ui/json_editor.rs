//! A JSON document a person edits in the app (a projection, a mapping): its title, the text,
//! what can be done with it, and the error that names what is wrong.

use leptos::prelude::*;

/// An editor for one JSON document.
#[component]
pub fn JsonEditor(
    /// The heading above the text.
    title: &'static str,
    /// The name of the document, for assistive technology (`Projection JSON`).
    label: &'static str,
    /// The `data-testid` prefix: the text is `{id}-text`, the error `{id}-error`.
    id: &'static str,
    /// The document's text.
    text: RwSignal<String>,
    /// What is wrong with it, if anything.
    error: RwSignal<Option<String>>,
    /// The buttons and forms that act on it.
    children: Children,
) -> impl IntoView {
    view! {
        <div class="model-column">
            <h3>{title}</h3>
            <textarea data-testid=format!("{id}-text") aria-label=label spellcheck="false" bind:value=text></textarea>
            <div class="model-actions">{children()}</div>
            {move || error.get().map(|e| view! { <p class="model-error" data-testid=format!("{id}-error") role="alert">{e}</p> })}
        </div>
    }
}
