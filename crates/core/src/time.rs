//! Instants as Chronoscope reads and shows them.
//!
//! The primary time is always UTC, written as RFC 3339. Parsing accepts any offset and any number
//! of fractional digits up to nanoseconds, and converts to UTC, so that times from different
//! sources compare correctly.

use chrono::{DateTime, FixedOffset, Offset, SecondsFormat, TimeZone, Utc};

/// Why a text is not a time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{text}` is not an RFC 3339 time: {reason}")]
    NotRfc3339 { text: String, reason: String },
    #[error("`{text}` is not a time (RFC 3339, or `YYYY-MM-DD HH:MM:SS`)")]
    NotATime { text: String },
    #[error("`{text}` does not exist at offset {offset}")]
    NoSuchLocalTime { text: String, offset: FixedOffset },
    #[error("`{text}` does not exist in {zone}: its clocks skip it")]
    SkippedInZone { text: String, zone: String },
}

/// Parses an RFC 3339 instant (`2026-03-31T23:59:59Z`, `2026-04-01T01:59:59+02:00`) into UTC.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, TimeError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|err| TimeError::NotRfc3339 {
            text: text.to_string(),
            reason: err.to_string(),
        })
}

/// Reads a time typed by a person who shows times in `zone`: with an offset (`…Z`, `…+08:00`) it
/// is that instant; without one (`2026-03-31 23:59:59`, `2026-03-31T23:59:59.5`) it is the zone's
/// wall-clock time, whose offset at each instant `offset_at` gives (the zone's rules, which the
/// browser knows). Where the clocks went back and the wall time happened twice, the earlier
/// instant is meant; where they skipped it, it is refused.
pub fn parse_in_zone(
    text: &str,
    zone: &str,
    offset_at: impl Fn(DateTime<Utc>) -> Option<FixedOffset>,
) -> Result<DateTime<Utc>, TimeError> {
    let read = parse_db_time(text, Utc.fix())?;
    if !read.naive {
        return Ok(read.time);
    }
    let wall = read.time.naive_utc();
    let day = chrono::TimeDelta::days(1);
    // The offsets in force a day either side cover any one change of the zone's clocks.
    let offsets = [wall - day, wall + day].map(|near| offset_at(near.and_utc()));
    offsets
        .into_iter()
        .flatten()
        .filter_map(|offset| {
            let time = offset
                .from_local_datetime(&wall)
                .single()?
                .with_timezone(&Utc);
            (offset_at(time) == Some(offset)).then_some(time)
        })
        .min()
        .ok_or_else(|| TimeError::SkippedInZone {
            text: text.trim().to_string(),
            zone: zone.to_string(),
        })
}

/// An instant read from a database export, and whether it carried a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbTime {
    pub time: DateTime<Utc>,
    /// True when the text had no offset and `naive_offset` was assumed.
    pub naive: bool,
}

/// Parses the times database exports write: RFC 3339, psql's `2024-01-01 10:00:00.123+00`
/// (space, short offset: `+00`, `+0530` and `+05:30`), and naive `2024-01-01 10:00:00` (no
/// zone), which is read in `naive_offset` and flagged so that the page can say so.
///
/// Every form is rewritten as RFC 3339 and read by chrono's RFC 3339 parser. chrono's
/// `parse_from_str` would read them as written, but its format-string machinery (`StrftimeItems`,
/// the generic parser) added about 40 KB to the app before optimisation, for four formats.
pub fn parse_db_time(text: &str, naive_offset: FixedOffset) -> Result<DbTime, TimeError> {
    let text = text.trim();
    let not_a_time = || TimeError::NotATime {
        text: text.to_string(),
    };
    let (date_time, offset) = split_offset(text);
    let date_time = match date_time.as_bytes().get(10) {
        Some(b' ') => format!("{}T{}", &date_time[..10], &date_time[11..]),
        _ => date_time.to_string(),
    };
    if let Some(offset) = offset {
        let time = DateTime::parse_from_rfc3339(&format!("{date_time}{offset}"))
            .map_err(|_| not_a_time())?;
        return Ok(DbTime {
            time: time.with_timezone(&Utc),
            naive: false,
        });
    }
    let naive = DateTime::parse_from_rfc3339(&format!("{date_time}Z"))
        .map_err(|_| not_a_time())?
        .naive_utc();
    let time = naive_offset
        .from_local_datetime(&naive)
        .single()
        .ok_or_else(|| TimeError::NoSuchLocalTime {
            text: text.to_string(),
            offset: naive_offset,
        })?;
    Ok(DbTime {
        time: time.with_timezone(&Utc),
        naive: true,
    })
}

/// A database time's date and time, and its offset written as RFC 3339 wants it (`Z`,
/// `+05:30`), if it has one: `Z`, or a sign after the time followed by `HH`, `HHMM` or `HH:MM`.
fn split_offset(text: &str) -> (&str, Option<String>) {
    if let Some(rest) = text.strip_suffix(['Z', 'z']) {
        return (rest, Some("Z".into()));
    }
    let Some(at) = text.rfind(['+', '-']).filter(|&at| at > 10) else {
        return (text, None);
    };
    let digits: String = text[at + 1..].chars().filter(|&c| c != ':').collect();
    let offset = match digits.len() {
        2 => format!("{}{digits}:00", &text[at..at + 1]),
        4 => format!("{}{}:{}", &text[at..at + 1], &digits[..2], &digits[2..]),
        _ => return (text, None),
    };
    (text[..at].trim_end(), Some(offset))
}

/// Epoch milliseconds, given as a number or a string of digits.
pub fn from_epoch_millis(value: &serde_json::Value) -> Option<DateTime<Utc>> {
    let ms = match value {
        serde_json::Value::Number(n) => n.as_i64()?,
        serde_json::Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    DateTime::from_timestamp_millis(ms)
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
    fn reads_psql_and_naive_database_times() {
        let utc = FixedOffset::east_opt(0).unwrap();
        let psql = parse_db_time("2024-01-01 10:00:00.123+00", utc).unwrap();
        assert_eq!(format_utc(&psql.time), "2024-01-01T10:00:00.123Z");
        assert!(!psql.naive);
        let india = parse_db_time("2024-01-01 10:00:00+05:30", utc).unwrap();
        assert_eq!(format_utc(&india.time), "2024-01-01T04:30:00Z");
        let naive =
            parse_db_time("2024-01-01 10:00:00", FixedOffset::east_opt(7200).unwrap()).unwrap();
        assert_eq!(format_utc(&naive.time), "2024-01-01T08:00:00Z");
        assert!(naive.naive);
        assert!(parse_db_time("01/02/2024", utc).is_err());
    }

    #[test]
    fn reads_every_offset_form_and_separator() {
        let utc = FixedOffset::east_opt(0).unwrap();
        for (text, expected) in [
            ("2024-01-01 10:00:00+0530", "2024-01-01T04:30:00Z"),
            ("2024-01-01T10:00:00-03", "2024-01-01T13:00:00Z"),
            ("2024-01-01 10:00:00.5 -03:00", "2024-01-01T13:00:00.500Z"),
            ("2024-01-01 10:00:00z", "2024-01-01T10:00:00Z"),
            (
                "2024-01-01T10:00:00.123456789+00:00",
                "2024-01-01T10:00:00.123456789Z",
            ),
        ] {
            let time = parse_db_time(text, utc).unwrap();
            assert_eq!(format_utc(&time.time), expected, "{text}");
            assert!(!time.naive, "{text}");
        }
        let naive = parse_db_time("2024-01-01T10:00:00.25", utc).unwrap();
        assert_eq!(format_utc(&naive.time), "2024-01-01T10:00:00.250Z");
        assert!(naive.naive);
        for bad in [
            "2024-01-01 10:00",
            "2024-01-01 10:00:00+5",
            "2024-13-01 10:00:00",
            "",
        ] {
            assert!(parse_db_time(bad, utc).is_err(), "{bad}");
        }
    }

    #[test]
    fn rejects_text_that_is_not_a_time() {
        let err = parse_instant("last tuesday").unwrap_err();
        assert!(matches!(&err, TimeError::NotRfc3339 { text, .. } if text == "last tuesday"));
        assert!(err.to_string().contains("last tuesday"), "{err}");
    }

    /// Lisbon's rules in 2026: +00:00, +01:00 from 29 March 01:00 UTC to 25 October 01:00 UTC.
    fn lisbon(time: DateTime<Utc>) -> Option<FixedOffset> {
        let summer = parse_instant("2026-03-29T01:00:00Z").unwrap()
            ..parse_instant("2026-10-25T01:00:00Z").unwrap();
        FixedOffset::east_opt(if summer.contains(&time) { 3600 } else { 0 })
    }

    #[test]
    fn a_time_without_an_offset_is_the_zones_wall_clock() {
        let read = |text| parse_in_zone(text, "Europe/Lisbon", lisbon).map(|t| format_utc(&t));
        assert_eq!(read("2026-03-31 23:59:59").unwrap(), "2026-03-31T22:59:59Z");
        assert_eq!(read("2026-01-15T08:00:00").unwrap(), "2026-01-15T08:00:00Z");
        // An offset written wins over the zone's.
        assert_eq!(
            read("2026-03-31T23:59:59+08:00").unwrap(),
            "2026-03-31T15:59:59Z"
        );
        // Clocks went back at 02:00: 01:30 happened twice; the earlier is meant.
        assert_eq!(read("2026-10-25 01:30:00").unwrap(), "2026-10-25T00:30:00Z");
        let singapore = |_| FixedOffset::east_opt(8 * 3600);
        let quarter_end = parse_in_zone("2026-03-31 23:59:59", "Asia/Singapore", singapore);
        assert_eq!(format_utc(&quarter_end.unwrap()), "2026-03-31T15:59:59Z");
    }

    #[test]
    fn a_wall_time_the_zone_skips_is_refused_naming_the_zone() {
        let err = parse_in_zone("2026-03-29 01:30:00", "Europe/Lisbon", lisbon).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`2026-03-29 01:30:00` does not exist in Europe/Lisbon: its clocks skip it"
        );
        let err = parse_in_zone("31/03/2026", "Europe/Lisbon", lisbon).unwrap_err();
        assert!(matches!(err, TimeError::NotATime { .. }), "{err}");
    }
}
