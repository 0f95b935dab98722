//! The export menu: an evidence pack, the state, the diff and the event list as files, each
//! with its scope said beside it and inside it (`core::export`, `core::evidence`).

use leptos::prelude::*;
use wasm_bindgen::JsValue;

use super::context::{use_app, AppCtx};
use super::dom::{append_element, clicked_button};
use super::download::download;
use super::url::{pin_of, pinned_link};
use chronoscope_core::event_query::filtered_positions;
use chronoscope_core::evidence::{evidence_files, write_pack, EvidenceInput};
use chronoscope_core::export::{
    self, diff_csv, diff_json, events_csv, events_jsonl, file_name, state_json, Scope,
};

/// One export: its test id, its label, and what it does.
type Export = (&'static str, &'static str, fn(AppCtx) -> Result<(), String>);

/// What is exported at the selected moment (the stream up to it).
const MOMENT_EXPORTS: [Export; 5] = [
    ("export-evidence", "Evidence pack (.zip)", |ctx| {
        export_evidence(ctx, false)
    }),
    (
        "export-evidence-all",
        "Evidence pack, whole source",
        |ctx| export_evidence(ctx, true),
    ),
    ("export-state", "State (JSON)", export_state),
    ("export-diff-json", "Diff (JSON)", |ctx| {
        export_diff(ctx, false)
    }),
    ("export-diff-csv", "Diff (CSV)", |ctx| {
        export_diff(ctx, true)
    }),
];

/// What is exported of the event list as filtered.
const LIST_EXPORTS: [Export; 2] = [
    ("export-events-csv", "Event list (CSV)", |ctx| {
        export_events(ctx, false)
    }),
    ("export-events-jsonl", "Event list (JSONL)", |ctx| {
        export_events(ctx, true)
    }),
];

/// The "Export ▾" button and its menu. The menu's lines are written with DOM calls, like the
/// change list's, which costs the bundle less than a `view!` per button.
#[component]
pub fn ExportMenu() -> impl IntoView {
    let ctx = use_app();
    let open = RwSignal::new(false);
    let failed = RwSignal::new(None::<String>);
    let actions = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        let Some(actions) = actions.get() else {
            return;
        };
        actions.set_text_content(None);
        if open.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_actions(&actions, ctx);
        }
    });
    let run = move |ev: leptos::ev::MouseEvent| {
        let id = clicked_button(&ev).and_then(|button| button.get_attribute("data-testid"));
        let mut exports = MOMENT_EXPORTS.iter().chain(&LIST_EXPORTS);
        if let Some((_, _, export)) = exports.find(|(testid, ..)| Some(*testid) == id.as_deref()) {
            failed.set(export(ctx).err());
        }
    };
    let toggle = move |_| {
        open.update(|o| *o = !*o);
        failed.set(None);
    };
    view! {
        <div class="export-menu">
            <button type="button" data-testid="export-toggle" aria-controls="export-actions"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=toggle>"Export ▾"</button>
            <div id="export-actions" class="export-actions" role="group" aria-label="Exports"
                hidden=move || !open.get()>
                <div class="export-lines" node_ref=actions on:click=run></div>
                {move || failed.get().map(|why| view! { <p class="export-failed" role="alert">{why}</p> })}
            </div>
        </div>
    }
}

/// The menu: each group's scope in words, then its buttons.
fn write_actions(actions: &web_sys::Element, ctx: AppCtx) -> Result<(), JsValue> {
    let list_scope = list_scope(ctx).map(|(scope, _)| scope);
    let groups = [
        (
            "At this moment: ",
            "export-moment-scope",
            moment_scope(ctx),
            &MOMENT_EXPORTS[..],
        ),
        (
            "The event list as shown: ",
            "export-list-scope",
            list_scope,
            &LIST_EXPORTS[..],
        ),
    ];
    for (words, testid, scope, exports) in groups {
        let line = append_element(actions, "p", &[("class", "export-scope")], Some(words))?;
        let scope = scope.map(|scope| scope.text());
        append_element(&line, "span", &[("data-testid", testid)], scope.as_deref())?;
        for (testid, label, _) in exports {
            let attributes = [("type", "button"), ("data-testid", testid)];
            append_element(actions, "button", &attributes, Some(label))?;
        }
    }
    Ok(())
}

/// The scope of what is exported at the selected moment: the stream up to it.
fn moment_scope(ctx: AppCtx) -> Option<Scope> {
    let selection = ctx.selection.get();
    let (stream, pos) = (selection.stream.as_deref()?, selection.pos?);
    ctx.loaded
        .with(|loaded| export::moment_scope(&loaded.as_ref()?.timeline, stream, pos))
}

/// The scope of the event list as filtered, and the log positions of its events.
fn list_scope(ctx: AppCtx) -> Option<(Scope, Vec<usize>)> {
    let stream = ctx.stream.get()?;
    let filter = ctx.view.with(|v| v.filter.clone()).unwrap_or_default();
    ctx.loaded.with(|loaded| {
        let timeline = &loaded.as_ref()?.timeline;
        let all = timeline.stream_log_positions(&stream);
        // A filter that cannot be read is not applied, in the list as here.
        let shown = filtered_positions(timeline, &stream, &filter)
            .ok()
            .flatten();
        let filter = shown.is_some().then_some(filter);
        let positions: Vec<usize> = match shown {
            Some(shown) => shown
                .iter()
                .filter_map(|&pos| all.get(pos).copied())
                .collect(),
            None => all.to_vec(),
        };
        let scope = Scope {
            n_events: positions.len(),
            stream: Some(stream.clone()),
            filter,
            as_of: None,
        };
        Some((scope, positions))
    })
}

/// The selected version, for file names.
fn version(ctx: AppCtx) -> Option<u64> {
    ctx.cursor.get_untracked().map(|c| c.version)
}

fn save(name: String, mime: &str, bytes: &[u8]) -> Result<(), String> {
    download(&name, mime, bytes).map_err(|_| format!("the browser refused to save {name}"))
}

fn export_state(ctx: AppCtx) -> Result<(), String> {
    let scope = untrack(|| moment_scope(ctx)).ok_or("no moment is selected")?;
    let text = ctx.state.with_untracked(|state| state_json(state, &scope));
    let name = file_name(scope.stream.as_deref(), version(ctx), "state.json");
    save(name, "application/json", text.as_bytes())
}

fn export_diff(ctx: AppCtx, csv: bool) -> Result<(), String> {
    let scope = untrack(|| moment_scope(ctx)).ok_or("no moment is selected")?;
    let from = compared_with(ctx);
    let text = ctx.changes.with_untracked(|changes| match csv {
        true => diff_csv(changes, &from, &scope),
        false => diff_json(changes, &from, &scope),
    });
    let (what, mime) = match csv {
        true => ("diff.csv", "text/csv"),
        false => ("diff.json", "application/json"),
    };
    save(
        file_name(scope.stream.as_deref(), version(ctx), what),
        mime,
        text.as_bytes(),
    )
}

fn export_events(ctx: AppCtx, jsonl: bool) -> Result<(), String> {
    let (scope, positions) = untrack(|| list_scope(ctx)).ok_or("no stream is selected")?;
    let text = ctx.loaded.with_untracked(|loaded| {
        let timeline = &loaded.as_ref()?.timeline;
        Some(match jsonl {
            true => events_jsonl(timeline, &positions, &scope),
            false => events_csv(timeline, &positions, &scope),
        })
    });
    let text = text.ok_or("nothing is loaded")?;
    let (what, mime) = match jsonl {
        true => ("events.jsonl", "application/x-ndjson"),
        false => ("events.csv", "text/csv"),
    };
    save(
        file_name(scope.stream.as_deref(), None, what),
        mime,
        text.as_bytes(),
    )
}

/// The comparison point in words: `v56`, or "the empty state" before the first event.
fn compared_with(ctx: AppCtx) -> String {
    let selection = ctx.selection.get_untracked();
    let (Some(stream), Some(pos)) = (selection.stream.as_deref(), selection.compare) else {
        return "the empty state before the first event".into();
    };
    ctx.loaded
        .with_untracked(|loaded| {
            let head = loaded.as_ref()?.timeline.head_at(stream, pos)?;
            Some(format!("v{}", head.version))
        })
        .unwrap_or_default()
}

fn export_evidence(ctx: AppCtx, whole_source: bool) -> Result<(), String> {
    let selection = ctx.selection.get_untracked();
    let (stream, pos) = match (selection.stream.clone(), selection.pos) {
        (Some(stream), Some(pos)) => (stream, pos),
        _ => return Err("no moment is selected".into()),
    };
    let view = ctx.view.get_untracked();
    let link = pinned_link(
        &view,
        &selection,
        ctx.cursor.get_untracked(),
        pin_of(ctx, &selection),
    );
    let compared = compared_with(ctx);
    let exported = chrono::Utc::now();
    let bytes = ctx.loaded.with_untracked(|loaded| {
        let loaded = loaded.as_ref().ok_or("nothing is loaded")?;
        let report = ctx.report.get_untracked();
        let report = report
            .as_deref()
            .ok_or("the integrity checks have not finished")?;
        let state = ctx.state.get_untracked();
        let changes = ctx.changes.get_untracked();
        let input = EvidenceInput {
            timeline: &loaded.timeline,
            stream: &stream,
            pos,
            whole_source,
            state: &state,
            diff: &changes,
            compared_with: compared,
            projection: loaded.projection_text.as_deref(),
            mapping: view.mapping.as_deref(),
            report,
            link,
            app_version: env!("CARGO_PKG_VERSION"),
            exported,
            exported_local: super::format::local(&exported),
            source: loaded.label.clone(),
            format: loaded.detection.format,
        };
        write_pack(&evidence_files(&input)).map_err(|err| err.to_string())
    })?;
    let what = match whole_source {
        true => "evidence-whole.zip",
        false => "evidence.zip",
    };
    save(
        file_name(Some(&stream), version(ctx), what),
        "application/zip",
        &bytes,
    )
}
