//! Where a move lands: a step of the keyboard or the buttons, a click on the density strip (a
//! fraction of the stream's time span), and where the cursor is drawn on it.

use chrono::{DateTime, Duration, Utc};

/// The position after moving `delta` events from `pos` (`None`: before the first event) in a
/// stream of `n_events`, staying within it; `None` when there is nowhere to go.
pub fn step_target(pos: Option<usize>, delta: isize, n_events: usize) -> Option<usize> {
    let last = n_events.checked_sub(1)? as isize;
    match pos {
        Some(pos) => Some((pos as isize).saturating_add(delta).clamp(0, last) as usize),
        None if delta > 0 => Some((delta - 1).min(last) as usize),
        None => None,
    }
}

/// The instant at a fraction (0 to 1) of the span from `first` to `last`.
pub fn time_at_fraction(first: DateTime<Utc>, last: DateTime<Utc>, fraction: f64) -> DateTime<Utc> {
    let span = (last - first).num_milliseconds() as f64;
    first + Duration::milliseconds((fraction.clamp(0.0, 1.0) * span) as i64)
}

/// Where an instant falls in the span from `first` to `last`, in percent.
pub fn percent_of_span(first: DateTime<Utc>, last: DateTime<Utc>, time: DateTime<Utc>) -> f64 {
    let span = (last - first).num_milliseconds().max(1) as f64;
    100.0 * (time - first).num_milliseconds() as f64 / span
}
