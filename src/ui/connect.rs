//! Connecting to a native engine (`chronoscope serve`), which a link names with `engine=`: the
//! panel asks the person first, and takes the token from them (it is never in a link), then
//! has that engine answer in place of its worker and opens the source it serves that the link
//! names (`file=`), or its first. Declining reads the link in the browser as it would be read
//! without `engine=`.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::app::load_first;
use super::context::{use_app, AppCtx};
use super::loader::load_served;
use chronoscope_core::decode::{Place, Problem, ProblemKind};

/// Asks before the panel connects to the native engine a link names, with the token field.
#[component]
pub fn AskToConnect() -> impl IntoView {
    let ctx = use_app();
    let token = RwSignal::new(String::new());
    let failed = RwSignal::new(None::<String>);
    let connecting = RwSignal::new(false);
    let connect = move || {
        let Some(address) = ctx.ask_to_connect.get_untracked() else {
            return;
        };
        connecting.set(true);
        failed.set(None);
        spawn_local(async move {
            let connected = ctx.engine.connect(&address, token.get_untracked()).await;
            connecting.try_set(false);
            match connected {
                Ok(sources) => {
                    token.try_set(String::new());
                    ctx.ask_to_connect.set(None);
                    open_served(ctx, &sources);
                }
                Err(why) => {
                    failed.try_set(Some(why.to_string()));
                }
            }
        });
    };
    let decline = move |_| {
        ctx.ask_to_connect.set(None);
        ctx.view.update(|view| view.engine = None);
        ctx.view.with_untracked(|view| load_first(ctx, view));
    };
    move || {
        ctx.ask_to_connect.get().map(|address| {
            view! {
                <form class="needs-file connect" data-testid="ask-to-connect" autocomplete="off"
                    aria-label="Connect to a native engine"
                    on:submit=move |ev| { ev.prevent_default(); connect(); }>
                    "This link has its data read by the engine at "
                    <strong data-testid="connect-address">{address}</strong>
                    ", a program on this computer ("<code>"chronoscope serve"</code>"). "
                    "Give the token it printed when it started; it goes to that engine only. "
                    <input type="password" data-testid="connect-token" aria-label="Engine token"
                        placeholder="token" prop:value=token
                        on:input=move |ev| token.set(event_target_value(&ev))/>
                    " "
                    <button type="submit" data-testid="connect-open" disabled=connecting>"Connect"</button>
                    " "
                    <button type="button" data-testid="connect-cancel" on:click=decline>"Use this browser instead"</button>
                    {move || failed.get().map(|why| view! {
                        <p class="problem" role="alert" data-testid="connect-failed">{why}</p>
                    })}
                </form>
            }
        })
    }
}

/// Opens the source the link names by its file name (`file=`) among those the engine serves,
/// else its first, which the link then names; a name it does not serve is said.
fn open_served(ctx: AppCtx, sources: &[String]) {
    let wanted = ctx.view.with_untracked(|view| view.file.clone());
    let served = |name: &String| sources.contains(name);
    let label = match (wanted, sources.first()) {
        (Some(wanted), _) if served(&wanted) => wanted,
        (wanted, Some(first)) => {
            if let Some(wanted) = wanted {
                let why = format!("the engine serves no file `{wanted}`: showing `{first}`");
                let problem = Problem::new(Place::File(wanted), ProblemKind::Document(why));
                ctx.source_problems
                    .update(|problems| problems.push(problem));
            }
            first.clone()
        }
        (_, None) => return,
    };
    ctx.needs_file.set(None);
    ctx.view.update(|view| view.file = Some(label.clone()));
    spawn_local(load_served(ctx, label));
}
