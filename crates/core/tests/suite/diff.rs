//! The structural diff: readable changes, arrays matched by identity key.

use crate::common;

use chronoscope_core::diff::{diff, diff_touched, Difference, Op};
use chronoscope_core::timeline::Timeline;
use proptest::prelude::*;
use serde_json::json;

fn summary(changes: &[Difference]) -> Vec<(&'static str, String)> {
    changes
        .iter()
        .map(|c| (c.op.as_str(), c.path.clone()))
        .collect()
}

#[test]
fn inserting_a_line_at_the_top_is_one_added_line() {
    let before = json!({"lines": [{"lineId": "L1", "qty": 2}, {"lineId": "L2", "qty": 5}]});
    let after = json!({"lines": [{"lineId": "L3", "qty": 1}, {"lineId": "L1", "qty": 2}, {"lineId": "L2", "qty": 5}]});
    let changes = diff(&before, &after);
    assert_eq!(summary(&changes), vec![("add", "/lines/0".to_string())]);
    assert_eq!(changes[0].after, Some(json!({"lineId": "L3", "qty": 1})));
    assert_eq!(changes[0].before, None);
}

#[test]
fn keyed_elements_are_compared_field_by_field_wherever_they_moved() {
    let before =
        json!({"lines": [{"sku": "A", "qty": 2}, {"sku": "B", "qty": 5}, {"sku": "C", "qty": 1}]});
    let after = json!({"lines": [{"sku": "C", "qty": 1}, {"sku": "A", "qty": 3}]});
    let changes = diff(&before, &after);
    assert_eq!(
        summary(&changes),
        vec![
            ("remove", "/lines/1".to_string()),
            ("move", "/lines/0".to_string()),
            ("replace", "/lines/1/qty".to_string())
        ]
    );
    // C moved ahead of A, which kept its place among the lines that stayed.
    assert_eq!(changes[1].from.as_deref(), Some("/lines/2"));
    assert_eq!(changes[2].before, Some(json!(2)));
    assert_eq!(changes[2].after, Some(json!(3)));
}

#[test]
fn arrays_without_identity_keys_are_compared_by_position() {
    let changes = diff(
        &json!({"tags": ["a", "b"]}),
        &json!({"tags": ["a", "c", "d"]}),
    );
    assert_eq!(
        summary(&changes),
        vec![
            ("replace", "/tags/1".to_string()),
            ("add", "/tags/2".to_string())
        ]
    );
    let changes = diff(&json!([1, 2, 3]), &json!([1]));
    assert_eq!(
        summary(&changes),
        vec![("remove", "/2".to_string()), ("remove", "/1".to_string())]
    );
}

#[test]
fn duplicate_ids_fall_back_to_positions() {
    let before = json!([{"id": 1, "x": 1}, {"id": 1, "x": 2}]);
    let after = json!([{"id": 1, "x": 1}, {"id": 1, "x": 3}]);
    assert_eq!(
        summary(&diff(&before, &after)),
        vec![("replace", "/1/x".to_string())]
    );
}

#[test]
fn nested_objects_give_leaf_paths_and_keys_are_escaped() {
    let before = json!({"approval": {"by": "li", "level": 1}, "a/b": 1, "m~n": true});
    let after = json!({"approval": {"by": "dana", "level": 1}, "a/b": 2, "status": "approved"});
    let changes = diff(&before, &after);
    assert_eq!(
        summary(&changes),
        vec![
            ("replace", "/approval/by".to_string()),
            ("replace", "/a~1b".to_string()),
            ("remove", "/m~0n".to_string()),
            ("add", "/status".to_string()),
        ]
    );
}

#[test]
fn a_new_aggregate_shows_its_fields_added_and_a_deleted_one_removed() {
    let state = json!({"status": "draft", "total": 0});
    assert_eq!(
        summary(&diff(&json!(null), &state)),
        vec![
            ("add", "/status".to_string()),
            ("add", "/total".to_string())
        ]
    );
    let removed = diff(&state, &json!(null));
    assert!(removed.iter().all(|c| c.op == Op::Remove));
    assert_eq!(removed.len(), 2);
}

#[test]
fn equal_states_have_no_changes_and_type_changes_are_replacements() {
    let state = json!({"lines": [{"id": 1}], "n": 1});
    assert!(diff(&state, &state).is_empty());
    assert_eq!(
        summary(&diff(&json!({"n": 1}), &json!({"n": [1]}))),
        vec![("replace", "/n".to_string())]
    );
    assert_eq!(
        summary(&diff(&json!(1), &json!("1"))),
        vec![("replace", "".to_string())]
    );
}

#[test]
fn a_large_keyed_array_with_one_change_gives_one_change() {
    let items: Vec<_> = (0..20_000)
        .map(|i| json!({"id": i, "qty": i % 7}))
        .collect();
    let mut changed = items.clone();
    changed[12_345]["qty"] = json!(99);
    changed.insert(0, json!({"id": -1, "qty": 0}));
    let changes = diff(&json!(items), &json!(changed));
    assert_eq!(
        summary(&changes),
        vec![
            ("add", "/0".to_string()),
            ("replace", "/12346/qty".to_string())
        ]
    );
}

#[test]
fn paths_name_array_elements_by_their_key_and_keep_positions_otherwise() {
    use chronoscope_core::diff::ReadablePaths;
    let state = json!({"lines": [{"lineId": "L1", "qty": 1}, {"lineId": "L2", "qty": 5}],
        "tags": ["a", "b"], "a/b": {"~x": 1}, "items": [{"sku": 7}, {"sku": 7}]});
    let mut paths = ReadablePaths::default();
    assert_eq!(paths.of(&state, "/lines/1/qty"), "lines[lineId=L2].qty");
    assert_eq!(paths.of(&state, "/lines/0"), "lines[lineId=L1]");
    assert_eq!(paths.of(&state, "/tags/1"), "tags[1]");
    assert_eq!(paths.of(&state, "/a~1b/~0x"), "a/b.~x");
    // Repeated ids do not identify: the position is kept.
    assert_eq!(paths.of(&state, "/items/1/sku"), "items[1].sku");
    assert_eq!(paths.of(&state, ""), "/");
    assert_eq!(paths.of(&state, "/missing/3"), "missing.3");
}

#[test]
fn reordering_one_percent_of_a_keyed_array_is_that_many_moves() {
    let item = |i: usize| json!({"id": i, "sku": format!("SKU-{i}"), "qty": i % 17});
    let before = json!((0..20_000).map(item).collect::<Vec<_>>());
    // Every hundredth item is taken out and put at the end: 200 moves; the rest keep their order.
    let mut order: Vec<usize> = (0..20_000).filter(|i| i % 100 != 0).collect();
    order.extend((0..20_000).step_by(100));
    let after = json!(order.iter().map(|&i| item(i)).collect::<Vec<_>>());
    let changes = diff(&before, &after);
    assert_eq!(changes.len(), 200);
    for (k, change) in changes.iter().enumerate() {
        assert_eq!(change.op, Op::Move);
        assert_eq!(change.path, format!("/{}", 19_800 + k));
        assert_eq!(change.from, Some(format!("/{}", 100 * k)));
        assert_eq!((&change.before, &change.after), (&None, &None));
    }
}

#[test]
fn a_moved_element_that_also_changed_is_a_move_then_its_change() {
    let before = json!([{"id": "a", "qty": 1}, {"id": "b", "qty": 2}, {"id": "c", "qty": 3}]);
    let after = json!([{"id": "c", "qty": 4}, {"id": "a", "qty": 1}, {"id": "b", "qty": 2}]);
    let changes = diff(&before, &after);
    assert_eq!(
        summary(&changes),
        [("move", "/0".into()), ("replace", "/0/qty".into())]
    );
    assert_eq!(changes[0].from.as_deref(), Some("/2"));
}

/// One record of a random stream: merges, JSON Patches (which shift, move, copy and replace
/// elements, some of which fail), and snapshots, over keyed lines whose ids may repeat.
fn change() -> impl Strategy<Value = String> {
    let id = || (1u8..5).prop_map(|n| format!("L{n}"));
    let line =
        move || (id(), 0u8..3).prop_map(|(id, q)| format!(r#"{{"lineId":"{id}","qty":{q}}}"#));
    let patch = |ops: String| format!(r#""patch":[{ops}]"#);
    prop_oneof![
        (0u8..3).prop_map(|n| format!(r#""data":{{"status":"s{n}","vendor":{{"name":"v{n}"}}}}"#)),
        Just(r#""data":{"total":null,"vendor":null}"#.to_string()),
        proptest::collection::vec(line(), 0..4)
            .prop_map(|lines| format!(r#""data":{{"lines":[{}]}}"#, lines.join(","))),
        line().prop_map(move |l| patch(format!(r#"{{"op":"add","path":"/lines/-","value":{l}}}"#))),
        line().prop_map(move |l| patch(format!(r#"{{"op":"add","path":"/lines/0","value":{l}}}"#))),
        line().prop_map(move |l| patch(format!(
            r#"{{"op":"replace","path":"/lines/1","value":{l}}}"#
        ))),
        (0u8..3).prop_map(move |q| patch(format!(
            r#"{{"op":"replace","path":"/lines/0/qty","value":{q}}}"#
        ))),
        Just(patch(r#"{"op":"remove","path":"/lines/0"}"#.into())),
        Just(patch(
            r#"{"op":"move","from":"/lines/0","path":"/lines/-"}"#.into()
        )),
        Just(patch(
            r#"{"op":"copy","from":"/lines/0","path":"/lines/1"}"#.into()
        )),
        Just(patch(
            r#"{"op":"add","path":"/a~1b","value":{"~k":1}}"#.into()
        )),
        Just(patch(
            r#"{"op":"test","path":"/status","value":"s1"},{"op":"remove","path":"/status"}"#
                .into()
        )),
        Just(r#""snapshot":{"status":"s0","lines":[{"lineId":"L1","qty":1}]}"#.to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Between any two moments of a random stream, walking only the paths the events between
    /// them wrote finds exactly the changes the whole diff finds, in the same order.
    #[test]
    fn the_diff_of_the_touched_paths_is_the_whole_diff(changes in proptest::collection::vec(change(), 1..14)) {
        let ndjson: String = changes
            .iter()
            .enumerate()
            .map(|(n, change)| format!(
                "{{\"stream\":\"po\",\"type\":\"T\",\"time\":\"2026-01-01T09:00:{n:02}Z\",{change}}}\n"
            ))
            .collect();
        let timeline = Timeline::build(common::events(&ndjson));
        let moments: Vec<Option<usize>> = std::iter::once(None).chain((0..changes.len()).map(Some)).collect();
        for &a in &moments {
            for &b in &moments {
                let (before, after) = (timeline.state_after("po", a), timeline.state_after("po", b));
                let touched = timeline.touched_between("po", a, b);
                prop_assert_eq!(diff_touched(&before, &after, &touched), diff(&before, &after), "{:?} → {:?}", a, b);
            }
        }
    }
}

#[test]
fn the_touched_paths_are_what_the_events_wrote_and_nothing_else_is_walked() {
    let events = common::events(
        r#"{"stream":"po","type":"A","time":"2026-01-01T09:00:00Z","data":{"status":"draft","lines":[{"lineId":"L1","qty":1},{"lineId":"L2","qty":2}],"vendor":{"id":"V1","name":"Acme"}}}
{"stream":"po","type":"B","time":"2026-01-01T09:01:00Z","patch":[{"op":"replace","path":"/lines/1/qty","value":5}]}
{"stream":"po","type":"C","time":"2026-01-01T09:02:00Z","data":{"vendor":{"name":"Acme Ltd"}}}"#,
    );
    let timeline = Timeline::build(events);
    let touched = timeline.touched_between("po", Some(0), Some(2));
    assert!(!touched.whole);
    let mut written: Vec<&str> = touched
        .children
        .iter()
        .map(|(key, _)| key.as_str())
        .collect();
    written.sort_unstable();
    assert_eq!(written, ["lines", "vendor"]);
    let lines = touched.child("lines").unwrap();
    assert!(lines.child("1").unwrap().child("qty").unwrap().whole);
    assert!(!lines.members_changed);
    // A difference outside the touched paths is not looked at: proof that the walk skips it.
    let before = timeline.state_after("po", Some(0));
    let mut after = timeline.state_after("po", Some(2));
    after["status"] = json!("planted");
    after["lines"][0]["qty"] = json!(99);
    assert_eq!(
        summary(&diff_touched(&before, &after, &touched)),
        [
            ("replace", "/lines/1/qty".into()),
            ("replace", "/vendor/name".into())
        ]
    );
    assert_eq!(diff(&before, &after).len(), 4);
    // From before the first event, everything the first event wrote is touched.
    let from_start = timeline.touched_between("po", None, Some(0));
    assert_eq!(from_start.children.len(), 3);
}

#[test]
fn a_merge_of_many_members_is_walked_whole() {
    use chronoscope_core::diff::touched::{Touched, MAX_MEMBERS};
    use chronoscope_core::event::Change;
    let data: serde_json::Map<String, serde_json::Value> =
        (0..100).map(|i| (format!("k{i}"), json!(i))).collect();
    let mut touched = Touched::default();
    touched.add_change(&Change::Merge, &json!({"a": {"b": 1}}));
    assert!(!touched.whole);
    touched.add_change(&Change::Merge, &serde_json::Value::Object(data));
    assert!(touched.whole);
    assert_eq!(touched.children.len(), MAX_MEMBERS + 1);
}

#[test]
fn touched_elements_are_walked_in_index_order() {
    let items = |changed: &[usize]| {
        json!((0..12)
            .map(|i| json!({"id": i, "qty": if changed.contains(&i) { 9 } else { 0 }}))
            .collect::<Vec<_>>())
    };
    let (before, after) = (items(&[]), items(&[10, 2]));
    let mut touched = chronoscope_core::diff::touched::Touched::default();
    let patch: json_patch::Patch = serde_json::from_value(json!([
        {"op": "replace", "path": "/10/qty", "value": 9},
        {"op": "replace", "path": "/2/qty", "value": 9}
    ]))
    .unwrap();
    touched.add_change(&chronoscope_core::event::Change::Patch(patch), &json!(null));
    let changes = diff_touched(&before, &after, &touched);
    assert_eq!(
        summary(&changes),
        [("replace", "/2/qty".into()), ("replace", "/10/qty".into())]
    );
    assert_eq!(changes, diff(&before, &after));
}

/// A keyed array: one element for each `(id, qty)`, in order; ids as numbers or as text.
fn keyed_items(items: &[(u8, u8)], text_ids: bool) -> serde_json::Value {
    let id = |id: u8| match text_ids {
        true => json!(format!("L{id}")),
        false => json!(id),
    };
    json!(items
        .iter()
        .map(|&(i, qty)| json!({"id": id(i), "qty": qty}))
        .collect::<Vec<_>>())
}

/// The length of a longest increasing run in `seq` (quadratic, for a reference).
fn longest_run(seq: &[usize]) -> usize {
    let mut best = vec![1; seq.len()];
    for i in 0..seq.len() {
        for j in 0..i {
            if seq[j] < seq[i] {
                best[i] = best[i].max(best[j] + 1);
            }
        }
    }
    best.into_iter().max().unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Two arrays of elements with unique ids, the second made from the first by removals,
    /// inserts, moves and changed quantities: the diff removes exactly the ids that went, adds
    /// exactly the ones that came, replaces exactly the quantities that changed, each at its
    /// element's new position, and moves as few elements as can be (those outside a longest run
    /// that kept its order).
    #[test]
    fn keyed_arrays_are_matched_by_id_wherever_the_elements_went(
        n in 0usize..30,
        kept in proptest::collection::vec(any::<bool>(), 30),
        order in proptest::collection::vec(any::<u16>(), 30),
        shuffled in any::<bool>(),
        qty_changes in proptest::collection::vec(0u8..4, 30),
        inserts in proptest::collection::vec((100u8..130, any::<u16>()), 0..6),
        text_ids in any::<bool>(),
    ) {
        let old: Vec<(u8, u8)> = (0..n as u8).map(|i| (i, i % 3)).collect();
        let mut new: Vec<(u8, u8)> = old
            .iter()
            .filter(|(i, _)| kept[usize::from(*i)])
            .map(|&(i, qty)| (i, qty + u8::from(qty_changes[usize::from(i)] == 0)))
            .collect();
        if shuffled {
            // A few elements taken out and put back elsewhere.
            for (k, at) in order.iter().take(3).enumerate() {
                if new.len() > 1 {
                    let item = new.remove(k % new.len());
                    new.insert(usize::from(*at) % new.len(), item);
                }
            }
        }
        let mut inserted = std::collections::BTreeSet::new();
        for (id, at) in inserts {
            if inserted.insert(id) {
                new.insert(usize::from(at) % (new.len() + 1), (id, 0));
            }
        }
        let changes = diff(&keyed_items(&old, text_ids), &keyed_items(&new, text_ids));
        let of = |op: Op| -> Vec<String> {
            let mut paths: Vec<String> = changes.iter().filter(|c| c.op == op).map(|c| c.path.clone()).collect();
            paths.sort();
            paths
        };
        let old_at = |id: u8| old.iter().position(|(i, _)| *i == id);
        let new_at = |id: u8| new.iter().position(|(i, _)| *i == id);
        let mut removed: Vec<String> = old.iter().filter(|(i, _)| new_at(*i).is_none()).filter_map(|(i, _)| old_at(*i)).map(|at| format!("/{at}")).collect();
        removed.sort();
        let mut added: Vec<String> = new.iter().filter(|(i, _)| old_at(*i).is_none()).filter_map(|(i, _)| new_at(*i)).map(|at| format!("/{at}")).collect();
        added.sort();
        let mut replaced: Vec<String> = new.iter().enumerate()
            .filter(|(_, (i, qty))| old_at(*i).is_some_and(|at| old[at].1 != *qty))
            .map(|(at, _)| format!("/{at}/qty"))
            .collect();
        replaced.sort();
        let kept_order: Vec<usize> = new.iter().filter_map(|(i, _)| old_at(*i)).collect();
        let (old_json, new_json) = (keyed_items(&old, text_ids), keyed_items(&new, text_ids));
        prop_assert_eq!(of(Op::Remove), removed, "{} → {}", old_json, new_json);
        prop_assert_eq!(of(Op::Add), added, "{} → {}", old_json, new_json);
        prop_assert_eq!(of(Op::Replace), replaced, "{} → {}", old_json, new_json);
        prop_assert_eq!(of(Op::Move).len(), kept_order.len() - longest_run(&kept_order), "{} → {}", old_json, new_json);
        for change in changes.iter().filter(|c| c.op == Op::Move) {
            let from = change.from.as_deref().and_then(|f| f[1..].parse::<usize>().ok());
            let to = change.path[1..].parse::<usize>().ok();
            prop_assert_eq!(from.map(|f| old[f].0), to.map(|t| new[t].0), "a move keeps its element: {:?}", change);
        }
    }
}
