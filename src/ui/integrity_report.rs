//! The integrity report under the status line: its top line (the result first), and, opened,
//! every finding with a link to its event and what was not checked; the check of a pinned
//! link's `h=`; and, for data opened from an evidence pack, whether its files match their
//! manifest. The checks themselves are the core's (`core::integrity`, `core::evidence`).

use leptos::prelude::*;

use super::context::{use_app, PackInfo};
use super::dom::{append_element, clicked_number};
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

/// How many findings are listed in the page; the rest are counted, and all of them are in the
/// evidence pack's `integrity.json`.
const MAX_LISTED: usize = 500;

/// The report: a summary line that opens the list of findings, each with a button to its
/// event. Written with DOM text calls rather than `view!`, for the bundle's budget (see
/// `period_table`).
#[component]
fn IntegrityReport() -> impl IntoView {
    let ctx = use_app();
    let report_box = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(report_box) = report_box.get() {
            report_box.set_text_content(None);
            // Only element creation can fail here, which a browser does not refuse.
            let _ = ctx.report.with(|r| write_report(&report_box, r.as_deref()));
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(idx) = clicked_number(&ev, "button", "data-log-idx") {
            ctx.select_log_event(idx);
        }
    };
    view! { <div node_ref=report_box on:click=on_click></div> }
}

/// Writes the report, or, until the checks have run, a line of the same height that holds its
/// place, so that the panes below do not move when it comes (a list scrolled to a linked event
/// stays).
fn write_report(parent: &web_sys::Element, report: Option<&Report>) -> Result<(), JsValue> {
    let Some(report) = report else {
        let pending = [
            ("class", "integrity pending"),
            ("data-testid", "integrity-pending"),
        ];
        let words = "Integrity: checked once the load is complete";
        return append_element(parent, "p", &pending, Some(words)).map(drop);
    };
    let details = [("class", "integrity"), ("data-testid", "integrity")];
    let details = append_element(parent, "details", &details, None)?;
    let summary = append_element(&details, "summary", &[], None)?;
    let result = [
        ("class", "integrity-result"),
        ("data-testid", "integrity-summary"),
        ("data-result", report.result.as_str()),
    ];
    append_element(&summary, "span", &result, Some(&report.summary))?;
    let list = append_element(&details, "ul", &[("class", "findings")], None)?;
    write_findings(&list, report.findings.iter().take(MAX_LISTED))?;
    let n_more = report.findings.len().saturating_sub(MAX_LISTED);
    if n_more > 0 {
        let more = format!("and {n_more} more; the evidence pack's integrity.json lists them all");
        append_element(&details, "p", &[("class", "findings-more")], Some(&more))?;
    }
    let not_checked = format!("Not checked: {}", report.not_checked.join("; "));
    append_element(
        &details,
        "p",
        &[("class", "not-checked")],
        Some(&not_checked),
    )
    .map(drop)
}

/// Writes one item per finding into the list, as text.
fn write_findings<'a>(
    list: &web_sys::Element,
    findings: impl Iterator<Item = &'a Finding>,
) -> Result<(), JsValue> {
    for finding in findings {
        let place = match (&finding.stream, finding.version) {
            (Some(stream), Some(version)) => format!("{stream} v{version}"),
            _ => "source".to_string(),
        };
        let severity = finding.severity.as_str();
        let (class, version) = (
            format!("finding {severity}"),
            finding.version.map(|v| v.to_string()).unwrap_or_default(),
        );
        let item = [
            ("data-testid", "integrity-finding"),
            ("data-kind", finding.kind.as_str()),
            ("data-stream", finding.stream.as_deref().unwrap_or_default()),
            ("data-version", &version),
            ("class", &class),
        ];
        let item = append_element(list, "li", &item, None)?;
        append_element(&item, "span", &[("class", "severity")], Some(severity))?;
        let button = append_element(
            &item,
            "button",
            &[("type", "button"), ("class", "link-button")],
            Some(&place),
        )?;
        match finding.log_idx {
            Some(idx) => button.set_attribute("data-log-idx", &idx.to_string())?,
            None => button.set_attribute("disabled", "")?,
        }
        item.append_child(&document().create_text_node(&format!(" {}", finding.message)))?;
    }
    Ok(())
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
