//! The integrity report under the status line: its top line (the result first), and, opened,
//! every finding with a link to its event and what was not checked; the check of a pinned
//! link's `h=`; and, for data opened from an evidence pack, whether its files match their
//! manifest. The checks themselves are the core's (`core::integrity`, `core::evidence`).

use leptos::prelude::*;

use super::context::use_app;
use super::dom::{append_element, clicked_number};
use crate::core::integrity::Finding;

/// The evidence pack's status, the link's check and the integrity report, one under another.
#[component]
pub fn IntegrityBar() -> impl IntoView {
    view! {
        <PackStatus/>
        <LinkCheck/>
        <IntegrityReport/>
    }
}

/// How many findings are listed in the page; the rest are counted, and all of them are in the
/// evidence pack's `integrity.json`.
const MAX_LISTED: usize = 500;

/// The report: a summary line that opens the list of findings.
#[component]
fn IntegrityReport() -> impl IntoView {
    let ctx = use_app();
    // Until the checks have run, a line of the same height holds their place, so that the
    // panes below do not move when the report comes (a list scrolled to a linked event stays).
    move || {
        ctx.report.with(|report| {
            let Some(report) = report.as_deref() else {
                return view! {
                    <p class="integrity pending" data-testid="integrity-pending">"Integrity: checked once the load is complete"</p>
                }
                .into_any();
            };
            let n_more = report.findings.len().saturating_sub(MAX_LISTED);
            let findings: Vec<Finding> = report.findings.iter().take(MAX_LISTED).cloned().collect();
            let not_checked = report.not_checked.join("; ");
            let (result, summary) = (report.result, report.summary.clone());
            view! {
                <details class="integrity" data-testid="integrity">
                    <summary>
                        <span class="integrity-result" data-testid="integrity-summary" data-result=result>
                            {summary}
                        </span>
                    </summary>
                    <FindingList findings/>
                    {(n_more > 0).then(|| view! {
                        <p class="findings-more">{format!("and {n_more} more; the evidence pack's integrity.json lists them all")}</p>
                    })}
                    <p class="not-checked">"Not checked: " {not_checked}</p>
                </details>
            }
            .into_any()
        })
    }
}

/// The findings, each with its severity, a button to its event, and what was found. Written
/// with DOM text calls rather than a `view!` per finding, for the bundle's budget (see
/// `period_table`).
#[component]
fn FindingList(findings: Vec<Finding>) -> impl IntoView {
    let ctx = use_app();
    let list = NodeRef::<leptos::html::Ul>::new();
    Effect::new(move |_| {
        if let Some(list) = list.get() {
            // Only element creation can fail here, which a browser does not refuse.
            let _ = write_findings(&list, &findings);
        }
    });
    let on_click = move |ev: leptos::ev::MouseEvent| {
        if let Some(idx) = clicked_number(&ev, "button", "data-log-idx") {
            ctx.select_log_event(idx);
        }
    };
    view! { <ul class="findings" node_ref=list on:click=on_click></ul> }
}

/// Writes one item per finding into the list, as text.
fn write_findings(
    list: &web_sys::Element,
    findings: &[Finding],
) -> Result<(), wasm_bindgen::JsValue> {
    list.set_text_content(None);
    for finding in findings {
        let place = match (&finding.stream, finding.version) {
            (Some(stream), Some(version)) => format!("{stream} v{version}"),
            _ => "source".to_string(),
        };
        let severity = finding.severity.singular();
        let (class, version) = (
            format!("finding {severity}"),
            finding.version.map(|v| v.to_string()).unwrap_or_default(),
        );
        let item = [
            ("data-testid", "integrity-finding"),
            ("data-kind", finding.kind.key()),
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

/// What checking the link's `h=` found, while the view is at the link's moment.
#[component]
fn LinkCheck() -> impl IntoView {
    let ctx = use_app();
    move || {
        ctx.link_check.get().map(|check| {
            let key = check.key();
            notice("link-check", key, key == "same", check.message())
        })
    }
}

/// For data opened from an evidence pack: whether every file matches the manifest.
#[component]
fn PackStatus() -> impl IntoView {
    let ctx = use_app();
    move || {
        ctx.pack.get().map(|pack| {
            let intact = pack.tampered.is_empty();
            let text = match intact {
                true => format!(
                    "Evidence pack {}: verified, all {} files match the SHA-256 in its manifest",
                    pack.name,
                    pack.n_files.saturating_sub(1)
                ),
                false => format!(
                    "Evidence pack {}: tampered: {}",
                    pack.name,
                    pack.tampered.join("; ")
                ),
            };
            let result = if intact { "verified" } else { "tampered" };
            notice("pack-status", result, intact, text)
        })
    }
}

/// A line that says a check's result: a status when it is good news, an alert when not.
fn notice(testid: &'static str, result: &'static str, good: bool, text: String) -> impl IntoView {
    view! {
        <p class="notice" class:alert=!good data-testid=testid data-result=result
            role=if good { "status" } else { "alert" }>
            {text}
        </p>
    }
}
