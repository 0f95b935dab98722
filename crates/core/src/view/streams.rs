//! The stream shortlist: a source can have tens of thousands of streams, so a list shows those
//! whose name contains the filter, up to a limit, with the selected one always among them.

use crate::event_query::{contains_folded, fold_case};
use crate::timeline::StreamSummary;

/// The streams to list, and how many match the filter in all; letters match in either case.
pub fn shortlist(
    all: &[StreamSummary],
    filter: &str,
    selected: Option<&str>,
    max: usize,
) -> (Vec<StreamSummary>, usize) {
    let needle = fold_case(filter);
    let matching: Vec<&StreamSummary> = all
        .iter()
        .filter(|s| contains_folded(&s.name, &needle))
        .collect();
    let n_matching = matching.len();
    let mut listed: Vec<StreamSummary> = matching.into_iter().take(max).cloned().collect();
    if let Some(selected) = selected {
        if !listed.iter().any(|s| s.name == selected) {
            // Last, not first: after filtering, the first row is the first match, where the
            // keyboard goes; the selected stream stays listed for the picker to show it.
            if let Some(summary) = all.iter().find(|s| s.name == selected) {
                listed.push(summary.clone());
            }
        }
    }
    (listed, n_matching)
}
