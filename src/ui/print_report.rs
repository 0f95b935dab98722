//! The printed report, what an auditor files. *Printed report* (the export menu) or Ctrl+P / ⌘P
//! asks the engine for the report of the moment shown (`report`: the source, the integrity
//! verdict, the moment and its pinned link, the stream's events up to the moment with what each
//! changed, the state then and what changed), draws its lines where only the print style sheet
//! shows them, and opens the browser's print dialog. Each line's instant is written here, in UTC
//! and in the display zone. Printing from the browser's own menu prints the report made for the
//! moment shown, or else the page, uncut, with a note that says how to make one.

use std::sync::Arc;

use chronoscope_protocol::{Answer, ReportLine, Request};
use leptos::prelude::*;

use super::context::{use_app, AppCtx};
use super::format::utc;

/// A report made for one moment of one stream.
#[derive(Debug, PartialEq, Eq)]
pub struct Printed {
    /// The stream and the position it was made at, so that it is printed for that moment only.
    moment: (Option<String>, Option<usize>),
    lines: Vec<ReportLine>,
}

/// The stream and position shown now.
fn moment_shown(ctx: AppCtx) -> (Option<String>, Option<usize>) {
    (ctx.stream.get(), ctx.shown.selection.with(|s| s.pos))
}

/// Makes the report of the moment shown, then opens the print dialog once it is drawn; says why
/// where the engine cannot make it.
pub async fn print_report(ctx: AppCtx) -> Result<(), super::engine::NotDone> {
    let moment = moment_shown(ctx);
    let request = Request::Report {
        link: ctx.view.with_untracked(|v| v.to_query()),
        page: super::url::page_address(),
        link_base: ctx.host_link_base.get_untracked(),
        printed: chrono::Utc::now(),
    };
    let lines = match ctx.engine.ask(request).await {
        Answer::Report { lines } => lines,
        other => return Err(super::engine::unexpected(&other)),
    };
    ctx.printed.set(Some(Arc::new(Printed { moment, lines })));
    // Leptos draws on its next tick; the dialog prints what is drawn by then.
    set_timeout(
        || {
            let _ = window().print();
        },
        std::time::Duration::from_millis(50),
    );
    Ok(())
}

/// The report, drawn for print only: the print style sheet alone shows `.print-report`, alone
/// once it has lines, and says how to make one where none was made for the moment shown.
#[component]
pub fn PrintReport() -> impl IntoView {
    let ctx = use_app();
    let lines = move || {
        let printed = ctx.printed.get()?;
        let lines = printed.lines.iter().map(|line| report_line(ctx, line));
        (printed.moment == moment_shown(ctx)).then(|| lines.collect_view())
    };
    view! { <section class="print-report" data-testid="print-report">{lines}</section> }
}

/// One line, in its kind's style, with its instant in UTC and in the display zone.
fn report_line(ctx: AppCtx, line: &ReportLine) -> impl IntoView {
    let text = match line.time {
        Some(time) => format!("{} {} · {}", line.text, utc(&time), ctx.in_zone(&time)),
        None => line.text.clone(),
    };
    view! { <p class=line.kind.class()>{text}</p> }
}
