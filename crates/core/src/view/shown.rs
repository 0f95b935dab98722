//! Ids as they are shown: a stream name, an event id or an author that holds characters a
//! reader cannot see (a zero-width space, a no-break space, a bidi override such as U+202E,
//! which shows `acct-` U+202E `nimda` as *acct-admin*) is shown with each such character spelled out,
//! `⟨U+202E⟩`, so that two ids that look the same on screen are told apart, and no id can
//! reorder the text around it. Which characters those are is Unicode's own answer
//! (`icu_properties`): the default-ignorable code points (zero-width and bidi formatting
//! characters, variation selectors, tags), every control character, and every white space
//! but the plain space.

use std::borrow::Cow;
use std::fmt::Write as _;

use icu_properties::props::{DefaultIgnorableCodePoint, GeneralCategory, WhiteSpace};
use icu_properties::{CodePointMapData, CodePointSetData};

/// True for a character a reader cannot see, or that reorders or hides text around it.
pub fn is_hidden(c: char) -> bool {
    c != ' '
        && (CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
            || CodePointSetData::new::<WhiteSpace>().contains(c)
            || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Control)
}

/// The id with each hidden character spelled out as `⟨U+XXXX⟩`; borrowed when it has none.
pub fn shown_id(id: &str) -> Cow<'_, str> {
    if !id.chars().any(is_hidden) {
        return Cow::Borrowed(id);
    }
    let mut out = String::with_capacity(id.len() + 16);
    for c in id.chars() {
        match is_hidden(c) {
            true => {
                let _ = write!(out, "⟨U+{:04X}⟩", u32::from(c));
            }
            false => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_spelled_out_and_the_rest_is_kept() {
        assert_eq!(shown_id("acct-\u{202E}nimda"), "acct-⟨U+202E⟩nimda");
        assert_eq!(shown_id("po\u{200B}-1"), "po⟨U+200B⟩-1");
        assert_eq!(shown_id("po\u{00A0}1"), "po⟨U+00A0⟩1");
        assert_eq!(shown_id("tab\there"), "tab⟨U+0009⟩here");
        assert_eq!(shown_id("soft\u{00AD}hyphen"), "soft⟨U+00AD⟩hyphen");
        assert_eq!(
            shown_id("iso\u{2066}late\u{2069}"),
            "iso⟨U+2066⟩late⟨U+2069⟩"
        );
        assert!(matches!(shown_id("po-1042 Zoë 采购 ✓"), Cow::Borrowed(_)));
    }
}
