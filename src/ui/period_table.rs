//! The period-end table (`view=table`): every stream as of the moment in force (`t=`, or each
//! stream's latest event), in the columns `cols=` names (or the fields most states have). A
//! stream's name opens it at that moment; a cell opens the event that last set it, with that
//! field's history; the table exports as CSV with its moment and source.

use leptos::prelude::*;

use super::as_of_box::AsOfBox;
use super::context::{use_app, AppCtx};
use super::dom::{append_element, clicked_button};
use super::download::download;
use super::format::utc;
use chronoscope_core::link::ViewState;
use chronoscope_core::query::parse_state_query;
use chronoscope_core::table::{
    cell_text, last_set, parse_columns, period_table, table_csv, PeriodTable,
};
use chronoscope_core::time::parse_instant;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::count;

/// The table, with its moment, its columns and its export.
#[component]
pub fn PeriodTableView() -> impl IntoView {
    let ctx = use_app();
    // The state query, read; an error is shown and the table is not filtered.
    let query = move || {
        ctx.view
            .with(|v| v.where_query.as_deref().map(parse_state_query))
            .transpose()
    };
    let table = Memo::new(move |_| {
        let (time, columns) = ctx.view.with(|v| (v.time.clone(), v.columns.clone()));
        let query = query().ok().flatten();
        let at = query
            .as_ref()
            .and_then(|q| q.as_of)
            .or_else(|| time.and_then(|t| parse_instant(&t).ok()));
        let columns = columns.map(|c| parse_columns(&c));
        ctx.loaded.with(|l| {
            l.as_ref()
                .map(|l| period_table(&l.timeline, at, columns, query.as_ref()))
        })
    });
    let columns_text = RwSignal::new(String::new());
    Effect::new(move |_| {
        columns_text
            .set(table.with(|t| t.as_ref().map(|t| t.columns.join(", ")).unwrap_or_default()))
    });
    let where_text = RwSignal::new(
        ctx.view
            .with_untracked(|v| v.where_query.clone())
            .unwrap_or_default(),
    );
    // Both boxes are read together: the columns shown, and the streams listed.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let columns = parse_columns(&columns_text.get_untracked()).join(",");
        let text = where_text.get_untracked();
        ctx.view.update(|v| {
            v.columns = (!columns.is_empty()).then_some(columns);
            v.where_query = (!text.trim().is_empty()).then_some(text);
        });
    };
    let failed = RwSignal::new(None::<String>);
    let table_el = NodeRef::<leptos::html::Table>::new();
    Effect::new(move |_| {
        let Some(element) = table_el.get() else {
            return;
        };
        let row_id = match ctx.view.with(|v| v.where_query.is_some()) {
            true => "match-row",
            false => "table-row",
        };
        table.with(|t| {
            let written = t.as_ref().map(|t| fill_table(&element, t, row_id));
            if let Some(Err(_)) = written {
                failed.set(Some("the table could not be drawn".into()));
            }
        });
    });
    let summary = move || {
        table.with(|t| {
            let t = t.as_ref()?;
            let moment = match &t.at {
                Some(at) => format!("as of {}", utc(at)),
                None => "as of each stream's latest event".into(),
            };
            let later = match t.n_not_yet {
                0 => String::new(),
                n => format!("; {} began later", count(n)),
            };
            let matched = match ctx.view.with(|v| v.where_query.is_some()) {
                true => format!(" of {} match", count(t.rows.len() + t.n_unmatched)),
                false => String::new(),
            };
            Some(format!(
                "{} streams{matched} {moment}{later}",
                count(t.rows.len())
            ))
        })
    };
    view! {
        <section class="period-table" aria-label="Every stream as of the moment" data-testid="period-table">
            <div class="table-head">
                <h2>"All streams"</h2>
                <AsOfBox/>
                <form class="table-cols" on:submit=on_submit>
                    <label>"Columns " <input type="text" data-testid="table-cols" bind:value=columns_text
                        placeholder="/status, /total"/></label>
                    <label>"Where " <input type="text" data-testid="where" bind:value=where_text
                        placeholder="status=approved /total>10000"/></label>
                    <button type="submit">"Show"</button>
                </form>
                <button type="button" data-testid="table-csv" on:click=move |_| failed.set(export_csv(ctx, table).err())>"Export CSV"</button>
                <button type="button" data-testid="table-close" on:click=move |_| ctx.view.update(|v| { v.panel = None; v.where_query = None; })>"Back to the stream"</button>
            </div>
            <p class="table-summary" data-testid="table-summary">{summary}</p>
            {move || failed.get().or_else(|| query().err().map(|e| format!("where: {e}")))
                .map(|why| view! { <p class="export-failed" role="alert" data-testid="where-error">{why}</p> })}
            <div class="table-scroll">
                <table node_ref=table_el on:click=move |ev| on_table_click(ctx, table, &ev)></table>
            </div>
        </section>
    }
}

/// Writes the table's rows into the `<table>` element as text. Built with DOM calls rather than
/// a `view!` per row and cell: the generic view code for a table cost 16 KB of the bundle, over
/// its budget. Every value is set with `textContent`, never as HTML.
fn fill_table(
    element: &web_sys::Element,
    table: &PeriodTable,
    row_id: &str,
) -> Result<(), wasm_bindgen::JsValue> {
    element.set_text_content(None);
    let head = append_element(
        &append_element(element, "thead", &[], None)?,
        "tr",
        &[],
        None,
    )?;
    let fixed = ["Stream", "Version", "Time (UTC)"].map(String::from);
    for name in fixed.iter().chain(&table.columns) {
        append_element(&head, "th", &[("scope", "col")], Some(name))?;
    }
    let body = append_element(element, "tbody", &[], None)?;
    for row in &table.rows {
        let (version, pos) = (row.version.to_string(), row.pos.to_string());
        let tr = [
            ("data-testid", row_id),
            ("data-stream", &row.stream),
            ("data-version", &version),
        ];
        let tr = append_element(&body, "tr", &tr, None)?;
        let name = [("class", "cell"), ("data-stream", &row.stream)];
        append_element(
            &append_element(&tr, "th", &[], None)?,
            "button",
            &name,
            Some(&shown_id(&row.stream)),
        )?;
        append_element(&tr, "td", &[], Some(&format!("v{version}")))?;
        let time = row.time.as_ref().map(utc).unwrap_or_else(|| "—".into());
        append_element(&tr, "td", &[], Some(&time))?;
        for (idx, value) in row.cells.iter().enumerate() {
            let column = idx.to_string();
            let cell = [
                ("class", "cell"),
                ("data-testid", "table-cell"),
                ("data-stream", &row.stream),
                ("data-pos", &pos),
                ("data-column", &column),
                (
                    "title",
                    "Open the event that set this, with the field's history",
                ),
            ];
            let td = append_element(&tr, "td", &[], None)?;
            append_element(&td, "button", &cell, Some(&cell_text(value)))?;
        }
    }
    Ok(())
}

/// A click in the table: a stream's name opens it at the moment; a cell opens the event that
/// last set it.
fn on_table_click(ctx: AppCtx, table: Memo<Option<PeriodTable>>, ev: &web_sys::MouseEvent) {
    let Some(button) = clicked_button(ev) else {
        return;
    };
    let Some(stream) = button.get_attribute("data-stream") else {
        return;
    };
    let pos = button
        .get_attribute("data-pos")
        .and_then(|p| p.parse().ok());
    let column = button
        .get_attribute("data-column")
        .and_then(|c| c.parse::<usize>().ok())
        .and_then(|c| table.with_untracked(|t| t.as_ref()?.columns.get(c).cloned()));
    match (pos, column) {
        (Some(pos), Some(column)) => open_setter(ctx, &stream, pos, &column),
        _ => open_stream(ctx, &stream),
    }
}

/// Opens a stream at the table's moment (leaving the table and its query).
fn open_stream(ctx: AppCtx, stream: &str) {
    ctx.view.update(|view| {
        view.panel = None;
        view.where_query = None;
        view.stream = Some(stream.to_string());
        view.version = None;
        view.dup = None;
    });
}

/// Opens the event that last set a cell, with the field's history beside it.
fn open_setter(ctx: AppCtx, stream: &str, pos: usize, column: &str) {
    let version = ctx.loaded.with_untracked(|l| {
        let timeline = &l.as_ref()?.timeline;
        let set_at = last_set(timeline, stream, pos, column).unwrap_or(pos);
        timeline.head_at(stream, set_at).map(|head| head.version)
    });
    ctx.view.update(|view: &mut ViewState| {
        view.panel = None;
        view.where_query = None;
        view.stream = Some(stream.to_string());
        view.version = version;
        view.dup = None;
        view.time = None;
        view.blame = Some(column.to_string());
    });
}

/// Saves the table as CSV; says why when the browser refuses.
fn export_csv(ctx: AppCtx, table: Memo<Option<PeriodTable>>) -> Result<(), String> {
    let source = ctx
        .loaded
        .with_untracked(|l| l.as_ref().map(|l| l.label.clone()))
        .unwrap_or_default();
    let Some(csv) = table.with_untracked(|t| t.as_ref().map(|t| table_csv(t, &source))) else {
        return Err("nothing is loaded".into());
    };
    let moment = ctx
        .view
        .with_untracked(|v| v.time.clone())
        .unwrap_or_else(|| "latest".into());
    let name = format!("period-end-{}.csv", moment.replace(':', ""));
    download(&name, "text/csv", csv.as_bytes())
        .map_err(|_| format!("the browser refused to save {name}"))
}
