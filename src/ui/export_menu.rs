//! The export menu: the printed report, an evidence pack, the state, the diff and the event list
//! as files, each with its scope said beside it and inside it. The engine writes every file
//! (`export`, `evidence`, `report`) and says each scope (`scopes`); this menu asks, and saves
//! what it is given.

use chronoscope_protocol::{Answer, EvidenceRequest, ExportKind, Request};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::context::{use_app, AppCtx};
use super::download::download;
use super::engine::{ask_file, NotDone};
use super::print_report::print_report;
use super::url::page_address;

/// What a button of the menu asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wanted {
    Evidence {
        whole_source: bool,
    },
    File(ExportKind),
    /// The printed report (`print_report`), which the browser's print dialog makes a PDF of.
    Report,
}

/// One export: its test id, its label, and what it asks for.
type Export = (&'static str, &'static str, Wanted);

/// What is exported at the selected moment (the stream up to it).
const MOMENT_EXPORTS: [Export; 6] = [
    ("print-report-button", "Printed report", Wanted::Report),
    (
        "export-evidence",
        "Evidence pack (.zip)",
        Wanted::Evidence {
            whole_source: false,
        },
    ),
    (
        "export-evidence-all",
        "Evidence pack, whole source",
        Wanted::Evidence { whole_source: true },
    ),
    (
        "export-state",
        "State (JSON)",
        Wanted::File(ExportKind::State),
    ),
    (
        "export-diff-json",
        "Diff (JSON)",
        Wanted::File(ExportKind::DiffJson),
    ),
    (
        "export-diff-csv",
        "Diff (CSV)",
        Wanted::File(ExportKind::DiffCsv),
    ),
];

/// What is exported of the event list as filtered.
const LIST_EXPORTS: [Export; 2] = [
    (
        "export-events-csv",
        "Event list (CSV)",
        Wanted::File(ExportKind::EventsCsv),
    ),
    (
        "export-events-jsonl",
        "Event list (JSONL)",
        Wanted::File(ExportKind::EventsJsonl),
    ),
];

/// The "Export ▾" button and its menu.
#[component]
pub fn ExportMenu() -> impl IntoView {
    let ctx = use_app();
    let open = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let scopes = ctx.engine.answer_memo(
        move || {
            let link = ctx.view.with(|v| v.to_query());
            open.get().then_some(Request::Scopes { link })
        },
        |answer| match answer {
            Answer::Scopes { moment, list } => Some((moment, list)),
            _ => None,
        },
    );
    let scope = move |moment: bool| {
        let (m, l) = scopes.get()?;
        if moment {
            m
        } else {
            l
        }
    };
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        failed.set(None);
    };
    let group = move |words: &'static str, testid: &'static str, exports: &'static [Export]| {
        let moment = testid == "export-moment-scope";
        let buttons = exports
            .iter()
            .map(|&(testid, label, wanted)| {
                let run = move |_| {
                    failed.set(None);
                    spawn_local(save(ctx, wanted, failed));
                };
                view! { <button type="button" data-testid=testid on:click=run>{label}</button> }
            })
            .collect::<Vec<_>>();
        view! {
            <p class="export-scope">{words}<span data-testid=testid>{move || scope(moment)}</span></p>
            {buttons}
        }
    };
    view! {
        <div class="export-menu">
            <button type="button" data-testid="export-toggle" aria-controls="export-actions"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=toggle>"Export ▾"</button>
            <div id="export-actions" class="export-actions" role="group" aria-label="Exports"
                hidden=move || !open.get()>
                <div class="export-lines">
                    {group("At this moment: ", "export-moment-scope", &MOMENT_EXPORTS)}
                    {group("The event list as shown: ", "export-list-scope", &LIST_EXPORTS)}
                </div>
                {move || failed.get().map(|why| view! { <p class="export-failed" role="alert">{why}</p> })}
            </div>
        </div>
    }
}

/// Asks the engine for the file and offers it for download, or says why there is none.
async fn save(ctx: AppCtx, wanted: Wanted, failed: RwSignal<Option<String>>) {
    let link = ctx.view.with_untracked(|v| v.to_query());
    let request = match wanted {
        Wanted::Report => return failed.set(print_report(ctx).await.err().map(|e| e.to_string())),
        Wanted::File(what) => Request::Export { what, link },
        Wanted::Evidence { whole_source } => Request::Evidence(evidence_request(
            link,
            whole_source,
            ctx.zone.get_untracked(),
        )),
    };
    let saved = ask_file(ctx, request).await.and_then(|(file, bytes)| {
        download(&file.name, &file.mime, &bytes).map_err(|_| NotDone::NotSaved(file.name))
    });
    failed.set(saved.err().map(|why| why.to_string()));
}

/// What a pack holds beside the data: the page's address, for its link, and the time now, in
/// UTC and in the display zone, named.
fn evidence_request(link: String, whole_source: bool, zone: Option<String>) -> EvidenceRequest {
    let page = page_address();
    let exported = chrono::Utc::now();
    EvidenceRequest {
        link,
        page,
        whole_source,
        exported,
        exported_local: super::format::zoned(&exported, zone.as_deref()),
        app_version: env!("CARGO_PKG_VERSION").into(),
    }
}
