//! The period-end table (`view=table`): every stream as of the moment in force (`t=`, or each
//! stream's latest event), in the columns `cols=` names (or the fields most states have). A
//! stream's name opens it at that moment; a cell opens the event that last set it, with that
//! field's history; the table exports as CSV with its moment and source. The table is the
//! engine's answer to `table`, and its CSV the engine's file; this panel shows the rows in
//! view (all of them up to `ALL_ROWS_UP_TO`, so that the browser's find works on a small table;
//! past that, a window, however many streams there are). The table's buttons are one Tab stop
//! (`roving`, the grid pattern): the arrow keys, Home and End move the focus from cell to cell.

use chronoscope_core::query::parse_state_query;
use chronoscope_core::table::{cell_text, parse_columns};
use chronoscope_core::time::parse_instant;
use chronoscope_core::view::shown::shown_id;
use chronoscope_core::view::text::{count, counted, decimal};
use chronoscope_protocol::{Answer, ExportKind, Request, Table, TableRow};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::as_of_box::AsOfBox;
use super::context::{use_app, AppCtx};
use super::download::download;
use super::engine::{ask_file, NotDone};
use super::format::utc;
use super::roving::{cell_name, Roving};
use super::virtual_rows::{use_virtual_rows, UseVirtualRowsReturn};

/// Up to this many rows, every row is in the page; past it, only those in view.
const ALL_ROWS_UP_TO: usize = 1_000;
/// A row's height in pixels (`.period-table tbody tr` in the style sheet).
const ROW_HEIGHT: f64 = 26.0;
/// Rows drawn beyond the visible ones, above and below.
const OVERSCAN: usize = 10;

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
    // The table as a whole (its columns, moment and counts): its answer for no rows. Working
    // it out over millions of streams takes seconds, which the page says.
    let (answer, working) = ctx
        .engine
        .answer_and_wait(move || Some(table_request(ctx, 0, 0)));
    let table = Memo::new(move |_| match answer.get() {
        Some(Answer::Table(table)) => Some(table),
        _ => None,
    });
    let n_streams = move || ctx.opened.with(|o| o.as_ref().map_or(0, |o| o.n_streams));
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
    let export = move |_| {
        failed.set(None);
        spawn_local(export_csv(ctx, failed));
    };
    let summary = move || table.with(|t| t.as_ref().map(|t| summary(ctx, t)));
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
                <button type="button" data-testid="table-csv" on:click=export>"Export CSV"</button>
                <button type="button" data-testid="table-close" on:click=move |_| ctx.view.update(|v| { v.panel = None; v.where_query = None; })>"Back to the stream"</button>
            </div>
            <p class="table-summary" data-testid="table-summary">{summary}</p>
            {move || working.get().then(|| view! {
                <p class="table-working" role="status" data-testid="table-working">
                    {format!("Reading {} streams as of this moment…", count(n_streams()))}
                </p>
            })}
            {move || failed.get().or_else(|| query().err().map(|e| format!("where: {e}")))
                .map(|why| view! { <p class="export-failed" role="alert" data-testid="where-error">{why}</p> })}
            <TableRows table/>
        </section>
    }
}

/// Asks for up to `len` rows of the table from row `from`, at the view's moment, in its
/// columns, with its query (left out while it cannot be read, whose error is shown).
fn table_request(ctx: AppCtx, from: usize, len: usize) -> Request {
    let (time, columns, where_query) = ctx
        .view
        .with(|v| (v.time.clone(), v.columns.clone(), v.where_query.clone()));
    Request::Table {
        at: time.filter(|t| parse_instant(t).is_ok()),
        columns,
        query: where_query.filter(|text| parse_state_query(text).is_ok()),
        from,
        len: Some(len),
    }
}

/// The summary line: how many streams, at which moment, how many began later or did not
/// match.
fn summary(ctx: AppCtx, table: &Table) -> String {
    let moment = match &table.at {
        Some(at) => format!("as of {} · {}", utc(at), ctx.in_zone(at)),
        None => "as of each stream's latest event".into(),
    };
    let later = match table.n_not_yet {
        0 => String::new(),
        n => format!("; {} began later", count(n)),
    };
    let matched = match ctx.view.with(|v| v.where_query.is_some()) {
        true => format!(" of {} match", count(table.n_rows + table.n_unmatched)),
        false => String::new(),
    };
    format!(
        "{}{matched} {moment}{later}",
        counted(table.n_rows, "stream")
    )
}

/// The table's head and the rows in view, between two spacer rows that stand for the others:
/// the engine's answer for the window in view.
#[component]
fn TableRows(table: Memo<Option<Table>>) -> impl IntoView {
    let ctx = use_app();
    let n_rows = Signal::derive(move || table.with(|t| t.as_ref().map_or(0, |t| t.n_rows)));
    let UseVirtualRowsReturn {
        scroller,
        geometry,
        rows,
        scroll_top,
        on_scroll,
        ..
    } = use_virtual_rows(n_rows, ROW_HEIGHT, OVERSCAN);
    let window = ctx.engine.answer_memo(
        move || {
            let (first, end) = match n_rows.get() {
                n if n <= ALL_ROWS_UP_TO => (0, n),
                _ => rows.get(),
            };
            Some(table_request(ctx, first, end - first))
        },
        |answer| match answer {
            Answer::Table(table) => Some(table),
            _ => None,
        },
    );
    // The spacers' heights: above the first row drawn, and below the last.
    let spacers = move || {
        let (first, n_drawn) =
            window.with(|w| w.as_ref().map_or((0, 0), |w| (w.from, w.rows.len())));
        let geometry = geometry.get();
        let above = match n_rows.get() {
            n if n <= ALL_ROWS_UP_TO => 0.0,
            _ => geometry.row_top(first, scroll_top.get()),
        };
        let below = (geometry.spacer_height() - above - n_drawn as f64 * ROW_HEIGHT).max(0.0);
        (above, below)
    };
    let row_id = move || match ctx.view.with(|v| v.where_query.is_some()) {
        true => "match-row",
        false => "table-row",
    };
    // The rows' own columns, which the head names too.
    let columns = move || {
        window
            .with(|w| w.as_ref().map(|w| w.columns.clone()))
            .or_else(|| table.with(|t| t.as_ref().map(|t| t.columns.clone())))
            .unwrap_or_default()
    };
    let visible = move || {
        window.with(|w| {
            w.as_ref()
                .map(|w| (w.from..).zip(w.rows.clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let span = move || columns().len() + 3;
    let focus = Roving::new(Signal::derive(move || (n_rows.get(), columns().len() + 1)));
    // A cell asked for by a key that was not drawn yet is focused once its row is.
    Effect::new(move |_| {
        window.track();
        if let Some(scroller) = scroller.get() {
            focus.show_pending(&scroller);
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if !focus.key(&ev.key()) {
            return;
        }
        ev.prevent_default();
        if let Some(scroller) = scroller.get_untracked() {
            if !focus.show_pending(&scroller) {
                scroller.set_scroll_top((focus.row() as f64 * ROW_HEIGHT) as i32);
            }
        }
    };
    view! {
        <div class="table-scroll" node_ref=scroller on:scroll=move |_| on_scroll.run(()) on:keydown=on_key>
            <table>
                <thead>
                    <tr>
                        <th scope="col">"Stream"</th>
                        <th scope="col">"Version"</th>
                        <th scope="col">"Time (UTC)"</th>
                        {move || columns().into_iter().map(|c| view! { <th scope="col">{c}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    <tr class="spacer" aria-hidden="true"><td colspan=span style:height=move || format!("{}px", decimal(spacers().0))></td></tr>
                    {move || {
                        let (columns, row_id) = (columns(), row_id());
                        visible().into_iter().map(|(n, row)| table_row(ctx, (n, row), &columns, row_id, focus)).collect_view()
                    }}
                    <tr class="spacer" aria-hidden="true"><td colspan=span style:height=move || format!("{}px", decimal(spacers().1))></td></tr>
                </tbody>
            </table>
        </div>
    }
}

/// One stream's row: its name (which opens it at the moment), its version and time, and a
/// button per cell (which opens the event that last set it).
fn table_row(
    ctx: AppCtx,
    (n, row): (usize, TableRow),
    columns: &[String],
    row_id: &'static str,
    focus: Roving,
) -> impl IntoView {
    let stream = row.stream.clone();
    let cells = row
        .cells
        .iter()
        .zip(columns)
        .enumerate()
        .map(|(c, (value, column))| {
            let (stream, column) = (stream.clone(), column.clone());
            let at = (row.pos, row.version);
            let open = move |_| spawn_local(open_setter(ctx, stream.clone(), at, column.clone()));
            view! {
                <td><button class="cell" data-testid="table-cell" on:click=open data-cell=cell_name((n, c + 1))
                    tabindex=focus.tab_index((n, c + 1)) on:focus=move |_| focus.focused((n, c + 1))
                    title="Open the event that set this, with the field's history">{cell_text(value)}</button></td>
            }
        })
        .collect_view();
    let open = {
        let stream = stream.clone();
        move |_| open_stream(ctx, &stream)
    };
    let time = row.time.as_ref().map(utc).unwrap_or_else(|| "—".into());
    view! {
        <tr data-testid=row_id data-stream=stream.clone() data-version=row.version>
            <th><button class="cell" on:click=open data-cell=cell_name((n, 0)) tabindex=focus.tab_index((n, 0))
                on:focus=move |_| focus.focused((n, 0))>{shown_id(&stream).into_owned()}</button></th>
            <td>{format!("v{}", row.version)}</td>
            <td>{time}</td>
            {cells}
        </tr>
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

/// Opens the event that last set a cell (at or before the row's event `at`, a position and its
/// version, found in the field's history; the row's event where none did), with that history
/// beside it.
async fn open_setter(ctx: AppCtx, stream: String, at: (usize, u64), column: String) {
    let (pos, row_version) = at;
    let request = Request::Blame {
        stream: stream.clone(),
        path: column.clone(),
    };
    let version = match ctx.engine.ask(request).await {
        Answer::Blame { changes } => changes
            .iter()
            .take_while(|change| change.pos <= pos)
            .last()
            .map(|change| change.version),
        _ => None,
    }
    .or(Some(row_version));
    ctx.view.update(|view| {
        view.panel = None;
        view.where_query = None;
        view.stream = Some(stream);
        view.version = version;
        view.dup = None;
        view.time = None;
        view.blame = Some(column);
    });
}

/// Saves the table as CSV, written by the engine; says why when there is none.
async fn export_csv(ctx: AppCtx, failed: RwSignal<Option<String>>) {
    let link = ctx.view.with_untracked(|v| v.to_query());
    let request = Request::Export {
        what: ExportKind::TableCsv,
        link,
    };
    let saved = ask_file(ctx, request).await.and_then(|(file, bytes)| {
        download(&file.name, &file.mime, &bytes).map_err(|_| NotDone::NotSaved(file.name))
    });
    failed.set(saved.err().map(|why| why.to_string()));
}
