//! Times for the page: UTC, the browser's local time (which only the browser knows), and the
//! short form of the event list. Counts and sizes are the core's (`core::view::text`).

use chrono::{DateTime, Datelike, Local, TimeZone, Timelike, Utc};

use chronoscope_core::time::format_utc;

/// `2026-03-04T10:15:00Z`, the primary time.
pub fn utc(time: &DateTime<Utc>) -> String {
    format_utc(time)
}

/// The UTC time, or "—" for an event the source gave no time.
pub fn utc_or_dash(time: Option<DateTime<Utc>>) -> String {
    time.map_or_else(|| "—".to_string(), |time| utc(&time))
}

/// The same instant in the browser's time zone, e.g. `2026-03-04 11:15:00 +01:00`.
pub fn local(time: &DateTime<Utc>) -> String {
    let local = time.with_timezone(&Local);
    format!(
        "{} {:02}:{:02}:{:02} {}",
        date(&local),
        local.hour(),
        local.minute(),
        local.second(),
        local.offset()
    )
}

/// A short time for the event list, marked as UTC: `2026-03-04 10:15Z`.
pub fn short_utc(time: &DateTime<Utc>) -> String {
    format!("{} {:02}:{:02}Z", date(time), time.hour(), time.minute())
}

/// `2026-03-04`. Written out rather than with chrono's `format`, whose format-string machinery
/// costs the bundle more than these lines.
fn date<Tz: TimeZone>(time: &DateTime<Tz>) -> String {
    format!("{:04}-{:02}-{:02}", time.year(), time.month(), time.day())
}

/// Said where a time would be shown, of an event the source gave no time.
pub const NO_TIME: &str = "no time in the source";
