//! The structural diff: readable changes, arrays matched by identity key.

use chronoscope::core::diff::{diff, Difference, Op};
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
            ("replace", "/lines/1/qty".to_string())
        ]
    );
    assert_eq!(changes[1].before, Some(json!(2)));
    assert_eq!(changes[1].after, Some(json!(3)));
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
    use chronoscope::core::diff::ReadablePaths;
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
