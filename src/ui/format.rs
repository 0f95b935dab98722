//! Small formatting helpers for the page: counts with separators, UTC and local times.

use chrono::{DateTime, Local, Utc};

use crate::core::time::format_utc;

/// `2013` -> `2,013`.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `2026-03-04T10:15:00Z`, the primary time.
pub fn utc(time: &DateTime<Utc>) -> String {
    format_utc(time)
}

/// The same instant in the browser's time zone, e.g. `2026-03-04 11:15:00 +01:00`.
pub fn local(time: &DateTime<Utc>) -> String {
    time.with_timezone(&Local)
        .format("%Y-%m-%d %H:%M:%S %:z")
        .to_string()
}

/// A short time for the event list: `2026-03-04 10:15`.
pub fn short_utc(time: &DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

/// Byte counts for progress: `1.2 MB`.
pub fn bytes(n: u64) -> String {
    match n {
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.0} KB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}
