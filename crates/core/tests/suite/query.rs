//! The state query: its grammar (accepted queries, and rejected ones with the column named),
//! what matches, and the table it filters against a brute-force check of every stream.

use std::sync::Arc;

use chronoscope_core::blame::value_at;
use chronoscope_core::decode::decode_text;
use chronoscope_core::ingest::index::project;
use chronoscope_core::projection::Projection;
use chronoscope_core::query::{parse_state_query, Condition, Op};
use chronoscope_core::table::period_table;
use chronoscope_core::time::parse_instant;
use chronoscope_samples::demo::{demo_ndjson, demo_projection};
use serde_json::json;

fn condition(path: &str, op: Op, value: &str) -> Condition {
    Condition {
        path: path.into(),
        op,
        value: value.into(),
    }
}

#[test]
fn the_auditors_question_reads_as_three_conditions_and_a_moment() {
    let query = parse_state_query(
        "status=approved approvedBy=dana.reyes /total>10000 asof:2026-03-31T23:59:59Z",
    )
    .expect("a valid query");
    assert_eq!(
        query.conditions,
        [
            condition("/status", Op::Eq, "approved"),
            condition("/approvedBy", Op::Eq, "dana.reyes"),
            condition("/total", Op::Gt, "10000"),
        ]
    );
    assert_eq!(query.as_of, parse_instant("2026-03-31T23:59:59Z").ok());
    let both = parse_state_query(r#"note="two words" /lines/L2/qty>=3 kind!=draft a/b<=1 x<2"#)
        .expect("valid");
    assert_eq!(
        both.conditions,
        [
            condition("/note", Op::Eq, "two words"),
            condition("/lines/L2/qty", Op::Ge, "3"),
            condition("/kind", Op::Ne, "draft"),
            condition("/a~1b", Op::Le, "1"),
            condition("/x", Op::Lt, "2"),
        ]
    );
    assert_eq!(parse_state_query("   ").map(|q| q.conditions.len()), Ok(0));
}

#[test]
fn a_term_that_cannot_be_read_names_its_column() {
    for (text, expected) in [
        ("status=approved total", "column 17: a condition is a field, an operator and a value, such as status=approved or /total>10000"),
        ("=approved", "column 1: the condition has no field before its operator"),
        ("status=ok /total>ten", "column 11: > needs a number, not \"ten\""),
        ("a=1 asof:yesterday", "column 5: asof: needs an RFC 3339 instant, such as 2026-03-31T23:59:59Z"),
        (r#"note="open"#, "column 6: the quote is not closed"),
        ("ü=1 ö<x", "column 5: < needs a number, not \"x\""),
    ] {
        let error = parse_state_query(text).expect_err(text);
        assert_eq!(error.to_string(), expected, "{text}");
    }
}

#[test]
fn conditions_compare_strings_as_written_and_numbers_by_value() {
    let state = json!({"status": "approved", "total": "12500.00", "count": 1e4, "ok": true, "none": null,
                       "lines": [{"lineId": "L2", "qty": 3}]});
    let holds = |text: &str| parse_state_query(text).expect(text).matches(&state);
    assert!(holds("status=approved"));
    assert!(!holds("status=Approved"));
    assert!(
        holds("/total>10000"),
        "an amount stored as a string compares as a number"
    );
    assert!(holds("count=10000"));
    assert!(holds("count>=10000 count<=10000"));
    assert!(!holds("count>10000"));
    assert!(holds("ok=true none=null"));
    assert!(holds("/lines/L2/qty>2"));
    assert!(
        holds("missing!=x"),
        "a field the state lacks is not equal to anything"
    );
    assert!(!holds("missing=x"));
    assert!(!holds("missing>0"));
    assert!(
        !holds("status>0"),
        "a string that holds no number is not greater than anything"
    );
}

#[test]
fn the_table_lists_exactly_the_streams_whose_state_matches() {
    let (decoded, _) = decode_text(&demo_ndjson(), None);
    let projection = Projection::parse(&demo_projection()).expect("the demo projection");
    let demo = project(decoded.events, Some(Arc::new(projection)));
    let query = parse_state_query("status=closed /total>20000").expect("valid");
    let at = parse_instant("2026-03-31T23:59:59Z").ok();
    let table = period_table(&demo, at, None, Some(&query));
    let everything = period_table(&demo, at, None, None);
    let expected: Vec<&str> = everything
        .rows
        .iter()
        .filter(|row| {
            let state = demo.state_after(&row.stream, Some(row.pos));
            value_at(&state, "/status") == Some(&json!("closed"))
                && value_at(&state, "/total")
                    .and_then(|t| t.as_f64())
                    .is_some_and(|t| t > 20000.0)
        })
        .map(|row| row.stream.as_str())
        .collect();
    let listed: Vec<&str> = table.rows.iter().map(|row| row.stream.as_str()).collect();
    assert_eq!(listed, expected);
    assert!(
        !listed.is_empty() && listed.len() < everything.rows.len(),
        "{listed:?}"
    );
    assert_eq!(table.n_unmatched, everything.rows.len() - listed.len());
}
