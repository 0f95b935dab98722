//! Times for the page: UTC, and the same instant in the display zone (the link's `zone=`, or the
//! browser's own), named; and the short form of the event list. Counts and sizes are the core's
//! (`core::view::text`).
//!
//! A named zone's offsets are the browser's (`Intl.DateTimeFormat`, which carries the IANA rules):
//! the panel's first load has no room for a zone database of its own (chrono-tz's is some tens of
//! KB after brotli), and the browser's is the one its person keeps up to date. The core reads
//! what the person types with those offsets (`core::time::parse_in_zone`).

use std::cell::RefCell;

use chrono::{DateTime, Datelike, FixedOffset, Local, NaiveDate, TimeZone, Timelike, Utc};
use wasm_bindgen::prelude::*;

use chronoscope_core::time::format_utc;

#[wasm_bindgen]
extern "C" {
    /// An `Intl.DateTimeFormat` that writes the wall-clock fields of one zone.
    type ZoneClock;
    /// `Intl.DateTimeFormat(locale, options)`; throws (here: `Err`) on a zone it does not know.
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = DateTimeFormat)]
    fn zone_clock(locale: &str, options: &js_sys::Object) -> Result<ZoneClock, JsValue>;
    #[wasm_bindgen(method, js_name = formatToParts)]
    fn format_to_parts(this: &ZoneClock, millis: f64) -> js_sys::Array;
    /// `Intl.supportedValuesOf("timeZone")`; older browsers lack it (here: `Err`).
    #[wasm_bindgen(catch, js_namespace = Intl, js_name = supportedValuesOf)]
    fn supported_values_of(key: &str) -> Result<js_sys::Array, JsValue>;
}

thread_local! {
    /// The last zone's clock: making one costs far more than asking it.
    static CLOCK: RefCell<Option<(String, ZoneClock)>> = const { RefCell::new(None) };
}

/// `2026-03-04T10:15:00Z`, the primary time.
pub fn utc(time: &DateTime<Utc>) -> String {
    format_utc(time)
}

/// The UTC time, or "—" for an event the source gave no time.
pub fn utc_or_dash(time: Option<DateTime<Utc>>) -> String {
    time.map_or_else(|| "—".to_string(), |time| utc(&time))
}

/// The same instant in the display zone, named: `Asia/Singapore 2026-03-04 18:15:00 +08:00`,
/// or, with no zone chosen, the browser's: `local 2026-03-04 11:15:00 +01:00`.
pub fn zoned(time: &DateTime<Utc>, zone: Option<&str>) -> String {
    match zone.and_then(|zone| Some((zone, offset_in(zone, time)?))) {
        Some((zone, offset)) => format!("{zone} {}", wall(&time.with_timezone(&offset))),
        None => format!("local {}", wall(&time.with_timezone(&Local))),
    }
}

/// The offset of `zone` at `time`, by the browser's zone rules; `None` for a zone it does not
/// know. Worked out from the zone's wall-clock fields at that instant, to the second.
pub fn offset_in(zone: &str, time: &DateTime<Utc>) -> Option<FixedOffset> {
    let millis = time.timestamp() as f64 * 1000.0;
    let parts = with_clock(zone, |clock| clock.format_to_parts(millis))?;
    let field = |name: &str| {
        parts.iter().find_map(|part| {
            let kind = js_sys::Reflect::get(&part, &"type".into())
                .ok()?
                .as_string()?;
            let value = js_sys::Reflect::get(&part, &"value".into())
                .ok()?
                .as_string()?;
            (kind == name).then(|| value.parse::<u32>().ok()).flatten()
        })
    };
    let wall = NaiveDate::from_ymd_opt(field("year")? as i32, field("month")?, field("day")?)?
        .and_hms_opt(field("hour")?, field("minute")?, field("second")?)?;
    let seconds = (wall - time.naive_utc().with_nanosecond(0)?).num_seconds();
    FixedOffset::east_opt(i32::try_from(seconds).ok()?)
}

/// True when the browser knows `zone`.
pub fn knows_zone(zone: &str) -> bool {
    with_clock(zone, |_| ()).is_some()
}

/// Every zone the browser knows, for the zone picker; empty where it cannot list them.
pub fn zone_names() -> Vec<String> {
    supported_values_of("timeZone")
        .map(|names| names.iter().filter_map(|name| name.as_string()).collect())
        .unwrap_or_default()
}

/// Runs `ask` with the clock of `zone`, made once per zone in a row.
fn with_clock<T>(zone: &str, ask: impl FnOnce(&ZoneClock) -> T) -> Option<T> {
    CLOCK.with(|kept| {
        let mut kept = kept.borrow_mut();
        if kept.as_ref().is_none_or(|(name, _)| name != zone) {
            *kept = Some((zone.to_string(), new_clock(zone)?));
        }
        kept.as_ref().map(|(_, clock)| ask(clock))
    })
}

/// A clock writing every field as a number, on a 24-hour dial (`h23`: midnight is 00, not 24).
fn new_clock(zone: &str) -> Option<ZoneClock> {
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| js_sys::Reflect::set(&options, &key.into(), &value.into());
    set("timeZone", zone).ok()?;
    set("hourCycle", "h23").ok()?;
    for field in ["year", "month", "day", "hour", "minute", "second"] {
        set(field, "numeric").ok()?;
    }
    zone_clock("en-US", &options).ok()
}

/// `2026-03-04 11:15:00 +01:00`.
fn wall<Tz: TimeZone>(time: &DateTime<Tz>) -> String
where
    Tz::Offset: std::fmt::Display,
{
    format!(
        "{} {:02}:{:02}:{:02} {}",
        date(time),
        time.hour(),
        time.minute(),
        time.second(),
        time.offset()
    )
}

/// A short time for the event list, marked as UTC: `2026-03-04 10:15Z`.
pub fn short_utc(time: &DateTime<Utc>) -> String {
    format!("{} {:02}:{:02}Z", date(time), time.hour(), time.minute())
}

/// `2026-03-04`. Written out rather than with chrono's `format`: `format("%Y-%m-%d")` here was
/// the panel's only use of chrono's format strings, and it added 8,210 bytes after brotli to the
/// first load (356,488 B, over its 350,000 B budget; measured on 2026-12-07).
fn date<Tz: TimeZone>(time: &DateTime<Tz>) -> String {
    format!("{:04}-{:02}-{:02}", time.year(), time.month(), time.day())
}

/// Said where a time would be shown, of an event the source gave no time.
pub const NO_TIME: &str = "no time in the source";
