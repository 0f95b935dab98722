//! Keys named twice in one JSON object. JSON readers, serde_json among them, keep the last value
//! and drop the first without a word (RFC 8259 §4 leaves it open), so a record that carries two
//! amounts shows one of them. The integrity checks scan each stored record for this.
//!
//! Hand-written: serde_json has no hook that sees a repeated key, and a second visitor over
//! its reader cost the bundle more than this scanner, which only has to find strings and the
//! braces around them in text that was read as JSON already.

use rustc_hash::FxHashSet;

/// The first key that an object in `json` names twice, as written between its quotes. Keys are
/// compared as written, so `"a"` and `"\u0061"` are not taken for the same key. `json` is text
/// that was read as JSON; anything else gives no answer that means anything, and no panic.
pub fn repeated_key(json: &str) -> Option<&str> {
    let bytes = json.as_bytes();
    // One entry per open container: an object's keys so far, or `None` for an array.
    let mut open: Vec<Option<FxHashSet<&str>>> = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => open.push(Some(FxHashSet::default())),
            b'[' => open.push(None),
            b'}' | b']' => {
                open.pop();
            }
            b'"' => {
                let end = string_end(bytes, at)?;
                let is_key = bytes[end + 1..]
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|&b| b == b':');
                if let (true, Some(Some(keys))) = (is_key, open.last_mut()) {
                    let key = json.get(at + 1..end)?;
                    if !keys.insert(key) {
                        return Some(key);
                    }
                }
                at = end;
            }
            _ => {}
        }
        at += 1;
    }
    None
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
    }
}
