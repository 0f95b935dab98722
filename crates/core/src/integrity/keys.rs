//! Keys named twice in one JSON object. JSON readers, serde_json among them, keep the last value
//! and drop the first without a word (RFC 8259 §4 leaves it open), so a record that carries two
//! amounts shows one of them. The integrity checks scan each stored record for this.
//!
//! Hand-written: serde_json has no hook that sees a repeated key, and a visitor of our own would
//! read every record a second time in full (numbers, escapes, nesting into values), where this
//! scanner only has to find strings and the braces around them in text that was read as JSON
//! already.

use rustc_hash::FxHashSet;

/// The first key that an object in `json` names twice, as written between its quotes. Keys are
/// compared as written, so `"a"` and `"\u0061"` are not taken for the same key. `json` is text
/// that was read as JSON; anything else gives no answer that means anything, and no panic.
pub fn repeated_key(json: &str) -> Option<&str> {
    let bytes = json.as_bytes();
    let mut keys = Keys::default();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => keys.open.push(Some(Object::starting_at(keys.names.len()))),
            b'[' => keys.open.push(None),
            b'}' | b']' => keys.close(),
            b'"' => {
                let end = string_end(bytes, at)?;
                let is_key = bytes[end + 1..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|&b| b == b':');
                let text = json.get(at + 1..end)?;
                if is_key && !keys.insert(text) {
                    return Some(text);
                }
                at = end;
            }
            _ => {}
        }
        at += 1;
    }
    None
}

/// Objects with up to this many keys are checked by comparing each new key with the others; a
/// larger one gets a hash set, so that an object of a million keys stays linear.
const SMALL_OBJECT: usize = 32;

/// The keys of the open objects, one list for all, so that a record costs no allocation per
/// object.
#[derive(Default)]
struct Keys<'a> {
    names: Vec<&'a str>,
    /// One entry per open container: an object, or `None` for an array.
    open: Vec<Option<Object<'a>>>,
}

/// An open object: where its keys start in `Keys::names`, and its set once it is large.
struct Object<'a> {
    start: usize,
    set: Option<FxHashSet<&'a str>>,
}

impl<'a> Object<'a> {
    fn starting_at(start: usize) -> Object<'a> {
        Object { start, set: None }
    }
}

impl<'a> Keys<'a> {
    /// Adds a key to the innermost object (nothing inside an array); false when it has it.
    fn insert(&mut self, key: &'a str) -> bool {
        let Some(Some(object)) = self.open.last_mut() else {
            return true;
        };
        let own = &self.names[object.start..];
        let new = match &mut object.set {
            Some(set) => set.insert(key),
            None if own.len() >= SMALL_OBJECT => {
                let mut set: FxHashSet<&str> = own.iter().copied().collect();
                let new = set.insert(key);
                object.set = Some(set);
                new
            }
            None => !own.contains(&key),
        };
        self.names.push(key);
        new
    }

    /// Closes the innermost container, forgetting an object's keys.
    fn close(&mut self) {
        if let Some(Some(object)) = self.open.pop() {
            self.names.truncate(object.start);
        }
    }
}

/// The index of the quote that ends the string whose opening quote is at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => return Some(at),
            _ => at += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_named_twice_in_one_object_is_found_and_the_same_key_in_two_objects_is_not() {
        assert_eq!(
            repeated_key(r#"{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}"#),
            None
        );
        assert_eq!(
            repeated_key(r#"{"data":{"amount":"10.00","amount":"99.00"}}"#),
            Some("amount")
        );
        assert_eq!(repeated_key(r#"{"a":1, "b" : 2 ,"b":3}"#), Some("b"));
        // Strings that are values, and quotes and braces inside strings, are not keys.
        assert_eq!(
            repeated_key(r#"{"a":"a","b":"\"a\":{","c":["a","a"]}"#),
            None
        );
        assert_eq!(repeated_key(r#"{"\"q":1,"\"q":2}"#), Some(r#"\"q"#));
        // Written differently, the same key is not recognised (as the doc says).
        assert_eq!(repeated_key(r#"{"a":1,"\u0061":2}"#), None);
        // Text that is not JSON: no panic.
        for text in ["", "\"", "{\"a", "}}]]", "{\"a\\", "{\"é\":1,\"é\":2}"] {
            let _ = repeated_key(text);
        }
        assert_eq!(repeated_key("{\"é\":1,\"é\":2}"), Some("é"));
        // A large object, past the point where its keys go into a set.
        let keys: Vec<String> = (0..1000).map(|i| format!("\"k{i}\":{i}")).collect();
        let large = format!("{{{},\"inner\":{{\"k1\":1}}}}", keys.join(","));
        assert_eq!(repeated_key(&large), None);
        let repeated = format!("{{{},\"k999\":0}}", keys.join(","));
        assert_eq!(repeated_key(&repeated), Some("k999"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_scanned_without_a_panic(text in ".{0,200}") {
            let _ = repeated_key(&text);
        }

        #[test]
        fn an_object_of_distinct_keys_has_none_and_one_more_of_any_of_them_is_found(
            keys in proptest::collection::btree_set("[a-z\"\\\\{}\\[\\]:, ]{0,6}", 1..60),
            pick in 0usize..60,
        ) {
            let keys: Vec<String> = keys.into_iter().collect();
            let members: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:[{{{}:1}}]", serde_json::json!(k), serde_json::json!(k)))
                .collect();
            let object = format!("{{{}}}", members.join(","));
            proptest::prop_assert_eq!(repeated_key(&object), None);
            let again = serde_json::json!(keys[pick % keys.len()]).to_string();
            let repeated = format!("{{{},{again}:0}}", members.join(","));
            proptest::prop_assert_eq!(repeated_key(&repeated), Some(&again[1..again.len() - 1]));
        }
    }
}
