//! Instants as Chronoscope reads and shows them.
//!
//! The primary time is always UTC, written as RFC 3339. Parsing accepts any offset and any number
//! of fractional digits up to nanoseconds, and converts to UTC, so that times from different
//! sources compare correctly.

use chrono::{DateTime, SecondsFormat, Utc};

/// Parses an RFC 3339 instant (`2026-03-31T23:59:59Z`, `2026-04-01T01:59:59+02:00`) into UTC.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| format!("`{text}` is not an RFC 3339 time: {err}"))
}

/// Formats an instant as RFC 3339 in UTC with a `Z`, keeping only the fractional digits it needs.
pub fn format_utc(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_into_utc() {
        let t = parse_instant("2026-04-01T01:59:59+02:00").unwrap();
        assert_eq!(format_utc(&t), "2026-03-31T23:59:59Z");
    }

    #[test]
    fn keeps_fractional_digits_that_matter() {
        let t = parse_instant("2018-04-26T14:48:09.1234Z").unwrap();
        assert_eq!(format_utc(&t), "2018-04-26T14:48:09.123400Z");
    }

    #[test]
    fn rejects_text_that_is_not_a_time() {
        let err = parse_instant("last tuesday").unwrap_err();
        assert!(err.contains("last tuesday"), "{err}");
    }
}
