//! How long Chronoscope waits for a server, and when it tries again (issue 13): a request with
//! no answer, a body that trickles (a slow-loris server), and an answer that asks to be tried
//! later (`Retry-After`). The browser side only keeps the clock and the bytes; the rules are here.

use chrono::{DateTime, Utc};

use crate::problem::ProblemKind;

/// How long a request may go unanswered (no status line and headers). Chromium never settles
/// a request answered 401 with `WWW-Authenticate` when it cannot show its sign-in prompt (an
/// embedded or headless page), so a load would say "Loading… 0 B" forever without this.
pub const ANSWER_WAIT_MS: u32 = 30_000;

/// A body that brings fewer than `STALL_MIN_BYTES` in `STALL_WINDOW_MS` has stalled: what
/// arrived is kept and *Retry* reads on. 1 KB in 10 s is below any network a person uses, and
/// far above a server that sends a byte a second.
pub const STALL_WINDOW_MS: f64 = 10_000.0;
/// See `STALL_WINDOW_MS`.
pub const STALL_MIN_BYTES: u64 = 1_000;

/// The longest `Retry-After` that Chronoscope waits out by itself before reading again; after
/// a longer one, *Retry* waits for the person.
pub const AUTO_RETRY_MAX_S: u64 = 300;
/// How many times in a row a load is tried again by itself, so that a server that always asks
/// to wait is not asked forever.
pub const AUTO_RETRIES: u32 = 3;

/// Watches a body's progress for a stall (see `STALL_WINDOW_MS`): it marks the time whenever
/// another `STALL_MIN_BYTES` have come since the last mark, and a whole window without a new
/// mark is a stall. So a burst followed by a trickle stalls one window after the burst.
#[derive(Debug, Clone, Copy)]
pub struct StallWatch {
    since_ms: f64,
    bytes_then: u64,
}

impl StallWatch {
    /// Starts watching at `now_ms`, with `bytes` received so far.
    pub fn new(now_ms: f64, bytes: u64) -> StallWatch {
        StallWatch {
            since_ms: now_ms,
            bytes_then: bytes,
        }
    }

    /// Called whenever bytes come or a wait for them ends, with the bytes received so far:
    /// the problem (`ProblemKind::Stalled`, how many bytes came in how long) once a whole
    /// window has passed since the last mark.
    pub fn check(&mut self, now_ms: f64, bytes: u64) -> Option<ProblemKind> {
        let n_bytes = bytes.saturating_sub(self.bytes_then);
        if n_bytes >= STALL_MIN_BYTES {
            *self = StallWatch::new(now_ms, bytes);
            return None;
        }
        let elapsed = now_ms - self.since_ms;
        (elapsed >= STALL_WINDOW_MS).then(|| ProblemKind::Stalled {
            n_bytes,
            seconds: (elapsed / 1000.0) as u64,
        })
    }
}

/// The wait a `Retry-After` header asks for, in whole seconds from `now`: delta-seconds
/// (`120`) or an HTTP date (RFC 9110 §5.6.7: `Wed, 21 Oct 2026 07:28:00 GMT`, or the obsolete
/// `Wednesday, 21-Oct-26 07:28:00 GMT` and `Wed Oct 21 07:28:00 2026`). A date in the past is
/// no wait; a value that is none of these is `None`.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    let when = when.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    let now = u64::try_from(now.timestamp()).unwrap_or(0);
    Some(when.saturating_sub(now))
}

/// Whether a load asked to wait `wait_s` seconds is tried again by itself, after `n_tried`
/// automatic tries in a row.
pub fn retries_by_itself(wait_s: u64, n_tried: u32) -> bool {
    wait_s <= AUTO_RETRY_MAX_S && n_tried < AUTO_RETRIES
}

/// A status that says to try again later: 408, 429, 500, 502, 503 or 504.
pub fn is_temporary_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// A problem after which a load waits for a *Retry*: an answer that says to try again later,
/// or none at all.
pub fn is_temporary(kind: &ProblemKind) -> bool {
    matches!(
        kind,
        ProblemKind::TryLater { .. } | ProblemKind::NoAnswer { .. }
    )
}

/// The words of *Retry* while it counts down.
pub fn countdown_words(seconds_left: u64) -> String {
    format!("Retry in {seconds_left} s")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_trickles_stalls_after_a_window_and_a_steady_one_never_does() {
        let mut watch = StallWatch::new(0.0, 0);
        // One byte a second: nothing before the window ends, then a stall.
        for second in 1..10 {
            assert_eq!(watch.check(second as f64 * 1000.0, second), None);
        }
        let stalled = watch.check(10_000.0, 10);
        assert_eq!(
            stalled,
            Some(ProblemKind::Stalled {
                n_bytes: 10,
                seconds: 10
            })
        );
        // 200 bytes a second for a minute: windows pass and start again.
        let mut watch = StallWatch::new(0.0, 0);
        for second in 1..=60u64 {
            assert_eq!(watch.check(second as f64 * 1000.0, second * 200), None);
        }
        // Then the server stops: the next full window of silence is a stall.
        assert_eq!(watch.check(65_000.0, 12_000), None);
        let stalled = watch.check(70_000.0, 12_000);
        assert_eq!(
            stalled,
            Some(ProblemKind::Stalled {
                n_bytes: 0,
                seconds: 10
            })
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = DateTime::parse_from_rfc3339("2026-10-21T07:27:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(retry_after("120", now), Some(120));
        assert_eq!(retry_after(" 0 ", now), Some(0));
        assert_eq!(retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now), Some(60));
        assert_eq!(retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now), Some(0));
        assert_eq!(
            retry_after("Wednesday, 21-Oct-26 07:28:30 GMT", now),
            Some(90)
        );
        assert_eq!(retry_after("Wed Oct 21 07:29:00 2026", now), Some(120));
        assert_eq!(retry_after("Wed, 21 Oct 2026 07:28:00 CET", now), None);
        assert_eq!(retry_after("Wed, 31 Feb 2026 07:28:00 GMT", now), None);
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
        assert!(retries_by_itself(1, 0));
        assert!(!retries_by_itself(1, AUTO_RETRIES));
        assert!(!retries_by_itself(AUTO_RETRY_MAX_S + 1, 0));
        assert_eq!(countdown_words(3), "Retry in 3 s");
    }
}
