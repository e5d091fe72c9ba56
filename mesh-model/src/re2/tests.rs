use proptest::prelude::*;

use super::*;

fn full(re: &str, value: &str) -> bool {
    full_match(re).unwrap_or_else(|e| panic!("{re:?}: {e}")).is_match(value)
}

// RE2 syntax (re2/syntax): \d \w \s are ASCII classes; Rust's are Unicode.
#[test]
fn perl_classes_are_ascii() {
    assert!(full(r"\d+", "0123456789"));
    assert!(!full(r"\d", "\u{0661}"), "Arabic-Indic one is not an RE2 digit");
    assert!(!full(r"\w", "é"));
    assert!(full(r"\w+", "a_Z9"));
    assert!(!full(r"\s", "\u{a0}"), "no-break space is not RE2 space");
    assert!(!full(r"\s", "\u{0b}"), "RE2's \\s has no vertical tab");
    assert!(full(r"\s", "\u{0c}"));
    assert!(full(r"\D", "\u{0661}"));
    assert!(full(r"\W", "é"));
    assert!(full(r"\S", "\u{0b}"));
    // Inside a class too.
    assert!(full(r"[\d_]+", "12_3"));
    assert!(!full(r"[\d]", "\u{0661}"));
    assert!(full(r"[^\s]", "x"));
    assert!(!full(r"[^\s]", " "));
    assert!(full(r"[a\D]", "é"));
    // \b is an ASCII word boundary.
    // (é is no ASCII word character, so "xé" has a boundary after x; not so in Unicode.)
    assert!(regex(r"x\b").unwrap_or_else(|e| panic!("{e}")).is_match("xé"));
    assert!(!regex(r"x\B").unwrap_or_else(|e| panic!("{e}")).is_match("xé"));
}

// RE2 \Q...\E: literal text.
#[test]
fn quoted_literals() {
    assert!(full(r"\Q/a.b*\E", "/a.b*"));
    assert!(!full(r"\Q/a.b*\E", "/aXb"));
    assert!(full(r"x\Qa.b", "xa.b"), "an unterminated \\Q runs to the end");
    assert!(full(r"[\Q]-\E]+", "]-]"));
}

// RE2 reads [, &&, -- and ~~ inside a class as literals (Rust: nesting and set operations).
#[test]
fn class_literals() {
    assert!(full(r"[a[]+", "a[a"));
    assert!(full(r"[a&&b]+", "a&b&"));
    assert!(full(r"[a--b]+", "a-b"));
    assert!(full(r"[a~~b]+", "a~b"));
    assert!(full(r"[]a]+", "]a"));
    assert!(full(r"[^]a]", "b"));
    assert!(full(r"[[:alpha:]]+", "abc"));
    assert!(!full(r"[[:alpha:]]", "1"));
}

// Go regexp/syntax: "invalid repeat count" above 1000, "invalid nested repetition operator".
#[test]
fn repeat_counts_are_bounded() {
    assert!(check("a{1000}").is_ok());
    assert!(check("a{1001}").is_err());
    assert!(check("a{2,1001}").is_err());
    assert!(check("a{1001,}").is_err());
    assert!(check("(a{10}){100}").is_ok());
    assert!(check("a**").is_err());
    assert!(check("a+*").is_err());
    assert!(check("(a*)*").is_ok());
    assert!(check("a*?").is_ok());
}

#[test]
fn re2_rejections_stay_rejections() {
    for bad in ["(?!foo)bar", "(?<=a)b", r"(a)\1", "[", "a**", "(?P<n>a)(?P<n>b)"] {
        assert!(check(bad).is_err(), "{bad:?}");
    }
    for good in ["^/api/v[0-9]+", "(?i)ab", "(?P<n>a)", r"\pL+", r"\x{41}", "a|", ""] {
        assert!(check(good).is_ok(), "{good:?}");
    }
}

proptest! {
    // A pattern without Perl classes, \Q, or class-literal quirks means the same before and
    // after translation.
    #[test]
    fn translation_keeps_plain_patterns(re in "[a-z.*+?|()]{0,12}") {
        prop_assert_eq!(translate(&re), re);
    }

    // Translating never panics and only makes an invalid pattern valid where RE2 reads it so.
    #[test]
    fn translation_never_panics(re in "\\PC{0,24}") {
        let _ = translate(&re);
        let _ = check(&re);
    }
}
