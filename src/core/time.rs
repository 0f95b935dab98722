//! Instants as Chronoscope reads and shows them.
//!
//! The primary time is always UTC, written as RFC 3339. Parsing accepts any offset and any number
//! of fractional digits up to nanoseconds, and converts to UTC, so that times from different
//! sources compare correctly.

use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};

/// Why a text is not a time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("`{text}` is not an RFC 3339 time: {reason}")]
    NotRfc3339 { text: String, reason: String },
    #[error("`{text}` is not a time (RFC 3339, or `YYYY-MM-DD HH:MM:SS`)")]
    NotATime { text: String },
    #[error("`{text}` does not exist at offset {offset}")]
    NoSuchLocalTime { text: String, offset: FixedOffset },
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

/// An instant read from a database export, and whether it carried a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DbTime {
    pub time: DateTime<Utc>,
    /// True when the text had no offset and `naive_offset` was assumed.
    pub naive: bool,
}

/// Parses the times database exports write: RFC 3339, psql's `2024-01-01 10:00:00.123+00`
/// (space, short offset: chrono's `%#z` takes `+00`, `+0530` and `+05:30`), and naive
/// `2024-01-01 10:00:00` (no zone), which is read in `naive_offset` and flagged so that the page
/// can say so.
pub fn parse_db_time(text: &str, naive_offset: FixedOffset) -> Result<DbTime, TimeError> {
    let text = text.trim();
    let zoned = DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%#z"));
    if let Ok(time) = zoned {
        return Ok(DbTime {
            time: time.with_timezone(&Utc),
            naive: false,
        });
    }
    let not_a_time = || TimeError::NotATime {
        text: text.to_string(),
    };
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .map_err(|_| not_a_time())?;
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
    fn rejects_text_that_is_not_a_time() {
        let err = parse_instant("last tuesday").unwrap_err();
        assert!(matches!(&err, TimeError::NotRfc3339 { text, .. } if text == "last tuesday"));
        assert!(err.to_string().contains("last tuesday"), "{err}");
    }
}
