//! PostgreSQL's `hstore` in its text form, as psql, `COPY … CSV` and `::text` write it:
//! `"total"=>"140.00", "approved_by"=>NULL`. Keys and values are double-quoted (or bare words),
//! a backslash escapes the next character, and a bare `NULL` is a null value.
//!
//! Hand-written: the Rust hstore crates (elephantry's, diesel_pg_hstore) read hstore's binary
//! form only, and the grammar (PostgreSQL's `hstore_io.c`) is a few lines.

use serde_json::{Map, Value};

use super::DecodeError;

/// The pairs of an hstore's text, in the order written; values are text or null.
pub fn parse(text: &str) -> Result<Map<String, Value>, DecodeError> {
    let mut reader = Reader {
        chars: text.char_indices().peekable(),
        text,
    };
    let mut pairs = Map::new();
    loop {
        reader.skip_spaces();
        if reader.at_end() {
            return Ok(pairs);
        }
        let key = reader
            .word()?
            .ok_or_else(|| reader.wrong("a key", "NULL, which cannot be a key"))?;
        reader.skip_spaces();
        reader.expect("=>")?;
        reader.skip_spaces();
        let value = reader.word()?.map_or(Value::Null, Value::String);
        pairs.insert(key, value);
        reader.skip_spaces();
        if reader.at_end() {
            return Ok(pairs);
        }
        reader.expect(",")?;
    }
}

struct Reader<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    text: &'a str,
}

impl Reader<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
    }

    fn at_end(&mut self) -> bool {
        self.chars.peek().is_none()
    }

    /// The byte the reader is at, for a problem's place.
    fn at(&mut self) -> usize {
        self.chars.peek().map_or(self.text.len(), |&(at, _)| at)
    }

    fn wrong(&mut self, expected: &str, found: &str) -> DecodeError {
        DecodeError::Refused(format!(
            "not hstore text: expected {expected} at byte {}, found {found}",
            self.at()
        ))
    }

    fn expect(&mut self, token: &str) -> Result<(), DecodeError> {
        for want in token.chars() {
            match self.chars.peek() {
                Some(&(_, c)) if c == want => {
                    self.chars.next();
                }
                Some(&(_, c)) => return Err(self.wrong(&format!("`{token}`"), &format!("`{c}`"))),
                None => return Err(self.wrong(&format!("`{token}`"), "the end")),
            }
        }
        Ok(())
    }

    /// A quoted or bare word; `None` for a bare `NULL` (in any case).
    fn word(&mut self) -> Result<Option<String>, DecodeError> {
        match self.chars.peek() {
            Some((_, '"')) => {
                self.chars.next();
                self.quoted().map(Some)
            }
            Some(_) => {
                let bare = self.bare();
                if bare.is_empty() {
                    let found = self
                        .chars
                        .peek()
                        .map_or("the end".into(), |(_, c)| format!("`{c}`"));
                    return Err(self.wrong("a key or value", &found));
                }
                Ok((!bare.eq_ignore_ascii_case("null")).then_some(bare))
            }
            None => Err(self.wrong("a key or value", "the end")),
        }
    }

    fn quoted(&mut self) -> Result<String, DecodeError> {
        let mut word = String::new();
        loop {
            match self.chars.next() {
                Some((_, '"')) => return Ok(word),
                Some((_, '\\')) => match self.chars.next() {
                    Some((_, escaped)) => word.push(escaped),
                    None => return Err(self.wrong("an escaped character", "the end")),
                },
                Some((_, c)) => word.push(c),
                None => return Err(self.wrong("a closing `\"`", "the end")),
            }
        }
    }

    fn bare(&mut self) -> String {
        let mut word = String::new();
        while let Some((_, c)) = self
            .chars
            .next_if(|&(_, c)| !c.is_whitespace() && c != ',' && c != '=' && c != '"')
        {
            word.push(c);
        }
        word
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_pairs_escapes_bare_words_and_null() {
        let pairs = parse(r#""id"=>"4001", "q\"uote"=>"a\\b", bare=>word, "none"=>NULL, x=>null"#)
            .expect("hstore");
        let pairs: Vec<(&str, Value)> =
            pairs.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        assert_eq!(
            pairs,
            [
                ("id", Value::from("4001")),
                ("q\"uote", Value::from("a\\b")),
                ("bare", Value::from("word")),
                ("none", Value::Null),
                ("x", Value::Null),
            ]
        );
        assert_eq!(parse("  ").expect("empty").len(), 0);
    }

    #[test]
    fn broken_text_is_named_with_its_byte() {
        let err = parse(r#""a"=>"1" "b"=>"2""#).expect_err("no comma");
        assert_eq!(
            err.to_string(),
            "not hstore text: expected `,` at byte 9, found `\"`"
        );
        assert!(parse(r#""a"=>"1"#).is_err(), "an open quote");
        assert!(parse(r#""a"="1""#).is_err(), "no arrow");
        assert!(parse(r#"NULL=>"1""#).is_err(), "a null key");
    }
}
