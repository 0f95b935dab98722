//! Numbers read exactly as stored (issue 13): an amount, a 30-digit id, `-0` and `1e400` keep
//! their text through ingest, replay and the diff; the diff and the state query compare them by
//! value; a projection's `increment` adds them exactly and never wraps.

use crate::common;

use std::sync::Arc;

use chronoscope_core::decode::Format;
use chronoscope_core::diff::{diff, Op};
use chronoscope_core::ingest::index::project;
use chronoscope_core::ingest::{Ingest, Setup};
use chronoscope_core::number::{same_value, Decimal};
use chronoscope_core::projection::Projection;
use chronoscope_core::query::parse_state_query;
use common::events;
use proptest::prelude::*;
use serde_json::Value;

/// Each field as the source writes it, and as Chronoscope shows it: every digit is kept, and the
/// only change is serde_json's one spelling of an exponent (`e`, with its sign).
const AS_STORED: [(&str, &str, &str); 6] = [
    ("total", "1250.50", "1250.50"),
    (
        "id",
        "123456789012345678901234567890",
        "123456789012345678901234567890",
    ),
    ("refund", "-0", "-0"),
    ("huge", "1e400", "1e+400"),
    ("tiny", "0.1", "0.1"),
    ("rate", "2.500E-3", "2.500e-3"),
];

fn number(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn numbers_keep_their_text_through_ingest_and_replay() {
    let fields: Vec<String> = AS_STORED
        .iter()
        .map(|(key, text, _)| format!(r#""{key}":{text}"#))
        .collect();
    let line = format!(
        r#"{{"stream":"po-1","type":"PoCreated","time":"2026-01-01T00:00:00Z","data":{{{}}}}}"#,
        fields.join(",")
    );
    let setup = Setup {
        format: Some(Format::Canonical),
        ..Setup::default()
    };
    let outcome = Ingest::read_all(setup, &line);
    assert_eq!(outcome.problems, vec![]);
    assert_eq!(outcome.timeline.problems(), &[]);
    let state = outcome.timeline.state_after("po-1", Some(0));
    for (key, _, shown) in AS_STORED {
        assert_eq!(state[key].to_string(), shown, "{key}");
    }
    let pretty = serde_json::to_string_pretty(&state).unwrap();
    assert!(pretty.contains(r#""total": 1250.50,"#), "{pretty}");
    assert!(pretty.contains(r#""huge": 1e+400,"#), "{pretty}");
}

#[test]
fn the_diff_compares_numbers_by_value_and_shows_them_as_written() {
    let before = serde_json::json!({"total": number("1250.5"), "refund": number("-0")});
    let same = serde_json::json!({"total": number("1250.50"), "refund": number("0")});
    assert_eq!(diff(&before, &same), vec![]);

    let changed = serde_json::json!({"total": number("1250.51"), "refund": number("0")});
    let changes = diff(&same, &changed);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].op, Op::Replace);
    assert_eq!(changes[0].path, "/total");
    assert_eq!(changes[0].before.as_ref().unwrap().to_string(), "1250.50");
    assert_eq!(changes[0].after.as_ref().unwrap().to_string(), "1250.51");

    // Two 30-digit ids that f64 would make equal differ in their last digit.
    let a = serde_json::json!({"id": number("123456789012345678901234567890")});
    let b = serde_json::json!({"id": number("123456789012345678901234567891")});
    assert_eq!(diff(&a, &b).len(), 1);
}

#[test]
fn keyed_lines_match_by_a_30_digit_key_without_rounding_two_keys_together() {
    let line = |id: &str, qty: u32| serde_json::json!({"lineId": number(id), "qty": qty});
    let before = serde_json::json!({"lines": [
        line("123456789012345678901234567890", 1),
        line("123456789012345678901234567891", 1),
    ]});
    let after = serde_json::json!({"lines": [
        line("123456789012345678901234567891", 1),
        line("123456789012345678901234567890", 2),
    ]});
    let changes = diff(&before, &after);
    // Matched by key: the second line moved ahead, and the first one's quantity changed.
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].op, Op::Move);
    assert_eq!(changes[0].from.as_deref(), Some("/lines/1"));
    assert_eq!(changes[1].path, "/lines/1/qty");
}

#[test]
fn the_state_query_compares_amounts_exactly() {
    let state = serde_json::json!({
        "total": number("1250.50"),
        "id": number("123456789012345678901234567891"),
        "stored": "0010.5",
    });
    let holds = |text: &str| parse_state_query(text).unwrap().matches(&state);
    assert!(holds("total=1250.5"));
    assert!(holds("total>=1250.50 total<1250.51"));
    assert!(!holds("total>1250.5"));
    assert!(holds("id>123456789012345678901234567890"));
    assert!(!holds("id=123456789012345678901234567890"));
    assert!(holds("stored=0010.5"));
    assert!(holds("stored<10.51"));
}

const COUNTING: &str = r#"{"rules": {
  "Paid": [{"op": "increment", "path": "/paid", "value": "/data/amount"}]
}}"#;

fn paid(amounts: &[&str]) -> (Value, Vec<String>) {
    let ndjson: Vec<String> = amounts
        .iter()
        .enumerate()
        .map(|(i, amount)| {
            format!(
                r#"{{"stream":"po-1","type":"Paid","time":"2026-01-01T00:00:{i:02}Z","data":{{"amount":{amount}}}}}"#
            )
        })
        .collect();
    let projection = Arc::new(Projection::parse(COUNTING).unwrap());
    let timeline = project(events(&ndjson.join("\n")), Some(projection));
    let problems = timeline.problems().iter().map(|p| p.to_string()).collect();
    let state = timeline.state_after("po-1", Some(amounts.len() - 1));
    (state["paid"].clone(), problems)
}

#[test]
fn increment_adds_exactly_and_never_wraps() {
    for (amounts, total) in [
        (&["1250.50", "10"][..], "1260.50"),
        (&["0.1", "0.2"], "0.3"),
        (&["9223372036854775807", "1"], "9223372036854775808"),
        (&["-5", "2"], "-3"),
        (&["2", "-5"], "-3"),
        (&["2.50", "-2.5"], "0.00"),
        (&["1e400", "1"], &format!("1{}1", "0".repeat(399))),
    ] {
        let (sum, problems) = paid(amounts);
        assert_eq!(problems, Vec::<String>::new(), "{amounts:?}");
        assert_eq!(sum.to_string(), total, "{amounts:?}");
    }
}

#[test]
fn an_addition_that_would_write_a_megabyte_of_zeros_is_a_problem_on_its_event() {
    let (sum, problems) = paid(&["1", "1e999999"]);
    assert_eq!(sum.to_string(), "1", "the state before the event is kept");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("cannot add 1e+999999 to 1"),
        "{problems:?}"
    );
}

/// `value` with `scale` decimals, as an amount is written (`-12.50`).
fn written(value: i64, scale: u32) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let digits = format!(
        "{:0>width$}",
        value.unsigned_abs(),
        width = scale as usize + 1
    );
    let (whole, fraction) = digits.split_at(digits.len() - scale as usize);
    if scale == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{fraction}")
    }
}

proptest! {
    /// Against i128 arithmetic: the sum, the order and equality of random amounts at random
    /// scales, also written with an exponent.
    #[test]
    fn decimals_add_and_compare_as_integers_do(
        a in -1_000_000_000_000i64..1_000_000_000_000,
        b in -1_000_000_000_000i64..1_000_000_000_000,
        scale_a in 0u32..5,
        scale_b in 0u32..5,
    ) {
        let scale = scale_a.max(scale_b);
        let a_scaled = i128::from(a) * 10i128.pow(scale - scale_a);
        let b_scaled = i128::from(b) * 10i128.pow(scale - scale_b);
        let (x, y) = (Decimal::parse(&written(a, scale_a)).unwrap(), Decimal::parse(&written(b, scale_b)).unwrap());
        let sum = x.add(&y).unwrap().to_string();
        let expected = written(i64::try_from(a_scaled + b_scaled).unwrap(), scale);
        prop_assert_eq!(sum, expected);
        prop_assert_eq!(x.cmp(&y), a_scaled.cmp(&b_scaled));
        prop_assert_eq!(same_value(&written(a, scale_a), &written(b, scale_b)), a_scaled == b_scaled);
        let exponent_form = format!("{a}e-{scale_a}");
        prop_assert!(same_value(&exponent_form, &written(a, scale_a)), "{} {}", exponent_form, written(a, scale_a));
    }
}

#[test]
fn text_that_is_not_a_number_is_not_read_as_one() {
    for text in [
        "",
        "-",
        "1.",
        ".5",
        "1e",
        "1e+",
        "0x10",
        "1,5",
        "NaN",
        "1e99999999999999999999",
    ] {
        assert!(Decimal::parse(text).is_none(), "{text:?}");
    }
}
