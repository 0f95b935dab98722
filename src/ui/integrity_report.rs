//! The integrity report under the status line: its top line (the result first), and, opened,
//! every finding with a link to its event and what was not checked; the check of a pinned
//! link's `h=`; and, for data opened from an evidence pack, whether its files match their
//! manifest. The checks themselves are the core's (`core::integrity`, `core::evidence`).

use leptos::prelude::*;

use super::context::use_app;
use crate::core::integrity::Finding;

/// How many findings are listed in the page; the rest are counted, and all of them are in the
/// evidence pack's `integrity.json`.
const MAX_LISTED: usize = 500;

/// The report: a summary line that opens the list of findings.
#[component]
pub fn IntegrityReport() -> impl IntoView {
    let ctx = use_app();
    let report = Memo::new(move |_| {
        ctx.loaded
            .with(|l| l.as_ref().and_then(|l| l.report.clone()))
    });
    move || {
        report.get().map(|report| {
            let n_more = report.findings.len().saturating_sub(MAX_LISTED);
            let findings: Vec<Finding> = report.findings.iter().take(MAX_LISTED).cloned().collect();
            let not_checked = report.not_checked.join("; ");
            view! {
                <details class="integrity" data-testid="integrity">
                    <summary>
                        <span class="integrity-result" data-testid="integrity-summary" data-result=report.result>
                            {report.summary.clone()}
                        </span>
                    </summary>
                    <ul class="findings">
                        {findings.into_iter().map(|finding| view! { <FindingRow finding/> }).collect_view()}
                    </ul>
                    {(n_more > 0).then(|| view! {
                        <p class="findings-more">{format!("and {n_more} more; the evidence pack's integrity.json lists them all")}</p>
                    })}
                    <p class="not-checked">"Not checked: " {not_checked}</p>
                </details>
            }
        })
    }
}

/// One finding: its severity, a button to its event, and what was found.
#[component]
fn FindingRow(finding: Finding) -> impl IntoView {
    let ctx = use_app();
    let place = match (&finding.stream, finding.version) {
        (Some(stream), Some(version)) => format!("{stream} v{version}"),
        _ => "source".to_string(),
    };
    let log_idx = finding.log_idx;
    let severity = format!("{:?}", finding.severity).to_lowercase();
    let class = format!("finding {severity}");
    view! {
        <li data-testid="integrity-finding" data-kind=finding.kind.key()
            data-stream=finding.stream.clone().unwrap_or_default()
            data-version=finding.version.map(|v| v.to_string()).unwrap_or_default()
            class=class>
            <span class="severity">{severity}</span>
            {match log_idx {
                Some(idx) => view! {
                    <button type="button" class="link-button" on:click=move |_| ctx.select_log_event(idx)>{place}</button>
                }.into_any(),
                None => view! { <span>{place}</span> }.into_any(),
            }}
            " " {finding.message.clone()}
        </li>
    }
}

/// What checking the link's `h=` found, while the view is at the link's moment.
#[component]
pub fn LinkCheck() -> impl IntoView {
    let ctx = use_app();
    move || {
        ctx.link_check.get().map(|check| {
            let alert = check.key() != "same";
            view! {
                <p class="link-check" class:alert=alert data-testid="link-check" data-result=check.key()
                    role=if alert { "alert" } else { "status" }>
                    {check.message()}
                </p>
            }
        })
    }
}

/// For data opened from an evidence pack: whether every file matches the manifest.
#[component]
pub fn PackStatus() -> impl IntoView {
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
            view! {
                <p class="pack-status" class:alert=!intact data-testid="pack-status"
                    data-result=if intact { "verified" } else { "tampered" }
                    role=if intact { "status" } else { "alert" }>
                    {text}
                </p>
            }
        })
    }
}
