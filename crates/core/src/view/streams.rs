//! The stream shortlist: a source can have tens of thousands of streams, so a list shows those
//! whose name contains the filter, up to a limit, with the selected one always among them.

use crate::timeline::StreamSummary;

/// The streams to list, and how many match the filter in all; ASCII letters match in either case
/// (see `event_query::contains_ascii_folded` for why only those).
pub fn shortlist(
    all: &[StreamSummary],
    filter: &str,
    selected: Option<&str>,
    max: usize,
) -> (Vec<StreamSummary>, usize) {
    let needle = filter.to_ascii_lowercase();
    let matching: Vec<&StreamSummary> = all
        .iter()
        .filter(|s| needle.is_empty() || s.name.to_ascii_lowercase().contains(&needle))
        .collect();
    let n_matching = matching.len();
    let mut listed: Vec<StreamSummary> = matching.into_iter().take(max).cloned().collect();
    if let Some(selected) = selected {
        if !listed.iter().any(|s| s.name == selected) {
            if let Some(summary) = all.iter().find(|s| s.name == selected) {
                listed.insert(0, summary.clone());
            }
        }
    }
    (listed, n_matching)
}
