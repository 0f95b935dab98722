//! The integrity report under the status line: its top line (the result first), and, opened,
//! every finding with a link to its event and what was not checked; the check of a pinned
//! link's `h=`; and, for data opened from an evidence pack, whether its files match their
//! manifest. The checks themselves are the core's (`core::integrity`, `core::evidence`).

use leptos::prelude::*;

use super::context::{use_app, AppCtx, PackInfo};
use super::dom::append_element;
use chronoscope_protocol::{Finding, Integrity as Report};
use wasm_bindgen::JsValue;

/// The evidence pack's status, the link's check and the integrity report, one under another.
#[component]
pub fn IntegrityBar() -> impl IntoView {
    view! {
        <Notices/>
        <IntegrityReport/>
    }
}

/// The report: a summary line that opens the list of findings (the first the engine lists,
/// the rest counted), each with a button to its event; until the checks have run, a line of
/// the same height that holds its place, so that the panes below do not move when it comes (a
/// list scrolled to a linked event stays).
#[component]
fn IntegrityReport() -> impl IntoView {
    let ctx = use_app();
    move || match ctx.load.report.get() {
        None => view! {
            <p class="integrity pending" data-testid="integrity-pending">
                "Integrity: checked once the load is complete"
            </p>
        }
        .into_any(),
        Some(report) => report_view(ctx, &report).into_any(),
    }
}

fn report_view(ctx: AppCtx, report: &Report) -> impl IntoView {
    let n_more = report.n_findings.saturating_sub(report.findings.len());
    let more = (n_more > 0).then(|| {
        let words = format!("and {n_more} more; the evidence pack's integrity.json lists them all");
        view! { <p class="findings-more">{words}</p> }
    });
    let findings = report
        .findings
        .iter()
        .map(|finding| finding_view(ctx, finding))
        .collect_view();
    view! {
        <details class="integrity" data-testid="integrity">
            <summary>
                <span class="integrity-result" data-testid="integrity-summary"
                    data-result=report.result.clone()>{report.summary.clone()}</span>
            </summary>
            <ul class="findings">{findings}</ul>
            {more}
            <p class="not-checked">{format!("Not checked: {}", report.not_checked.join("; "))}</p>
        </details>
    }
}

/// One finding, as text, with a button to its event where it has one.
fn finding_view(ctx: AppCtx, finding: &Finding) -> impl IntoView {
    let place = match (&finding.stream, finding.version) {
        (Some(stream), Some(version)) => format!("{stream} v{version}"),
        _ => "source".to_string(),
    };
    let log_idx = finding.log_idx;
    let select = move |_| {
        if let Some(idx) = log_idx {
            ctx.select_log_event(idx);
        }
    };
    view! {
        <li data-testid="integrity-finding" data-kind=finding.kind.clone()
            data-stream=finding.stream.clone().unwrap_or_default()
            data-version=finding.version.map(|v| v.to_string()).unwrap_or_default()
            class=format!("finding {}", finding.severity)>
            <span class="severity">{finding.severity.clone()}</span>" "
            <button type="button" class="link-button" disabled=log_idx.is_none() on:click=select>
                {place}
            </button>
            {format!(" {}", finding.message)}
        </li>
    }
}

/// What checking the link's `h=` found, while the view is at the link's moment; and, for data
/// opened from an evidence pack, whether every file matches the manifest. Each a line written
/// with DOM calls (see `IntegrityReport`).
#[component]
fn Notices() -> impl IntoView {
    let ctx = use_app();
    let notices = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(notices) = notices.get() {
            notices.set_text_content(None);
            if let Some(pack) = ctx.pack.get() {
                let (result, text) = pack_words(&pack);
                let _ = write_notice(&notices, "pack-status", result, result == "verified", &text);
            }
            if let Some(check) = ctx.link_check.get() {
                let same = check.result == "same";
                let _ = write_notice(&notices, "link-check", &check.result, same, &check.message);
            }
        }
    });
    view! { <div node_ref=notices></div> }
}

/// Whether an evidence pack's files match its manifest: `verified` or `tampered`, in words.
fn pack_words(pack: &PackInfo) -> (&'static str, String) {
    match pack.tampered.is_empty() {
        true => (
            "verified",
            format!(
                "Evidence pack {}: verified, all {} files match the SHA-256 in its manifest",
                pack.name,
                pack.n_files.saturating_sub(1)
            ),
        ),
        false => (
            "tampered",
            format!(
                "Evidence pack {}: tampered: {}",
                pack.name,
                pack.tampered.join("; ")
            ),
        ),
    }
}

/// A line that says a check's result: a status when it is good news, an alert when not.
fn write_notice(
    parent: &web_sys::Element,
    testid: &str,
    result: &str,
    good: bool,
    text: &str,
) -> Result<(), JsValue> {
    let (class, role) = match good {
        true => ("notice", "status"),
        false => ("notice alert", "alert"),
    };
    let attrs = [
        ("class", class),
        ("data-testid", testid),
        ("data-result", result),
        ("role", role),
    ];
    append_element(parent, "p", &attrs, Some(text)).map(drop)
}
