//! RE2 semantics on Rust's `regex` engine, for the regular expressions of Istio resources
//! (Envoy compiles them with RE2; Istio's webhook checks them with Go's `regexp`, which has
//! RE2's syntax).
//!
//! The two engines share their syntax but not all of its meaning. Where they differ, a
//! pattern is rewritten before Rust compiles it:
//! - Perl classes are ASCII in RE2: `\d` is `[0-9]`, `\w` is `[0-9A-Za-z_]`, `\s` is
//!   `[\t\n\f\r ]` (no `\v`), `\b`/`\B` are ASCII word boundaries. Rust's are Unicode.
//! - `\Q...\E` quotes literal text in RE2; Rust has no such escape.
//!
//! and [`check`] adds the rules Go's parser has that Rust's lacks: a repetition count is at
//! most 1000, and a repetition operator cannot apply to another (`a**`).
//!
//! ```
//! use mesh_model::re2;
//! let re = re2::full_match(r"v\d+").unwrap();
//! assert!(re.is_match("v12"));
//! // RE2's \d is ASCII: Arabic-Indic digits are not digits to Envoy.
//! assert!(!re.is_match("v\u{0661}\u{0662}"));
//! assert!(re2::check("a{1001}").is_err());
//! ```

use regex::{Regex, RegexBuilder};
use regex_syntax::ast::{self, Ast, RepetitionKind, RepetitionRange};

/// The largest repetition count RE2 (and Go) accept.
pub const MAX_REPEAT: u32 = 1000;

/// The compiled-size bound for one regex (Rust's default is 10 MiB; RE2 programs are far
/// smaller, so this only guards memory).
const SIZE_LIMIT: usize = 1 << 22;

/// `re` rewritten so that Rust's engine gives it RE2's meaning (see the module docs).
///
/// ```
/// assert_eq!(mesh_model::re2::translate(r"\d+\.\w"), r"[0-9]+\.[0-9A-Za-z_]");
/// assert_eq!(mesh_model::re2::translate(r"\Qa.b\E"), r"a\.b");
/// ```
pub fn translate(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 8);
    let mut chars = re.chars().peekable();
    // Inside a bracketed class (nesting is not RE2 syntax, so one level).
    let mut in_class = false;
    // Just after `[` or `[^`, where `]` is a literal.
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_class_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                match (e, in_class) {
                    ('Q', _) => {
                        // Literal text up to `\E` (or the end).
                        let mut literal = String::new();
                        while let Some(l) = chars.next() {
                            if l == '\\' && chars.peek() == Some(&'E') {
                                chars.next();
                                break;
                            }
                            literal.push(l);
                        }
                        if in_class {
                            for l in literal.chars() {
                                push_class_literal(&mut out, l);
                            }
                        } else {
                            out.push_str(&regex::escape(&literal));
                        }
                    }
                    ('d', false) => out.push_str("[0-9]"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    ('s', false) => out.push_str(r"[\t\n\f\r ]"),
                    ('S', false) => out.push_str(r"[^\t\n\f\r ]"),
                    ('b', false) => out.push_str(r"(?-u:\b)"),
                    ('B', false) => out.push_str(r"(?-u:\B)"),
                    ('d', true) => out.push_str("0-9"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('s', true) => out.push_str(r"\t\n\f\r "),
                    // A negated class inside a class: Rust's nested class says the same.
                    ('D', true) => out.push_str("[^0-9]"),
                    ('W', true) => out.push_str("[^0-9A-Za-z_]"),
                    ('S', true) => out.push_str(r"[^\t\n\f\r ]"),
                    _ => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            '[' if chars.peek() == Some(&':') => {
                // A POSIX class `[:alpha:]` inside a class: copy it whole.
                out.push('[');
                for p in chars.by_ref() {
                    out.push(p);
                    if p == ']' {
                        break;
                    }
                }
            }
            // A `[` inside a class is a literal in RE2; Rust would open a nested class.
            '[' => out.push_str(r"\["),
            ']' if in_class && !at_class_start => {
                in_class = false;
                out.push(']');
            }
            // `]` first in a class is a literal in RE2.
            ']' if in_class => out.push_str(r"\]"),
            // Rust reads `&&`, `--` and `~~` in a class as set operations; RE2 as literals.
            '&' | '-' | '~' if in_class && chars.peek() == Some(&c) => {
                chars.next();
                out.push('\\');
                out.push(c);
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn push_class_literal(out: &mut String, c: char) {
    if matches!(c, '\\' | ']' | '[' | '^' | '-' | '&' | '~') {
        out.push('\\');
    }
    out.push(c);
}

/// Checks `re` as RE2 (and Go's `regexp`) parse it: Rust's parser on the translated
/// pattern, plus RE2's bound on repetition counts. The message names the problem.
pub fn check(re: &str) -> Result<(), String> {
    let translated = translate(re);
    let parsed = ast::parse::Parser::new().parse(&translated).map_err(|e| last_line(&e.to_string()))?;
    ast::visit(&parsed, RepeatLimit)?;
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(&translated)
        .map(|_| ())
        .map_err(|e| last_line(&e.to_string()))
}

/// Compiles `re` with RE2's meaning, matching anywhere in a value.
pub fn regex(re: &str) -> Result<Regex, String> {
    check(re)?;
    build(&translate(re))
}

/// Compiles `re` with RE2's meaning so that it must match a whole value, as RE2's
/// `FullMatch` (Envoy's `safe_regex` matchers) does.
pub fn full_match(re: &str) -> Result<Regex, String> {
    check(re)?;
    build(&format!("^(?:{})$", translate(re)))
}

fn build(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern).size_limit(SIZE_LIMIT).build().map_err(|e| last_line(&e.to_string()))
}

/// The last line of a multi-line parser error (the one that names the problem).
fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim().trim_start_matches("error: ").to_string()
}

/// Refuses repetition counts above [`MAX_REPEAT`] ("invalid repeat count") and a
/// repetition of a repetition such as `a**` ("invalid nested repetition operator"), as Go's
/// parser does.
struct RepeatLimit;

impl ast::Visitor for RepeatLimit {
    type Output = ();
    type Err = String;

    fn finish(self) -> Result<(), String> {
        Ok(())
    }

    fn visit_pre(&mut self, ast: &Ast) -> Result<(), String> {
        if let Ast::Repetition(rep) = ast
            && matches!(*rep.ast, Ast::Repetition(_))
        {
            return Err("invalid nested repetition operator".to_string());
        }
        if let Ast::Repetition(rep) = ast
            && let RepetitionKind::Range(range) = &rep.op.kind
        {
            let (RepetitionRange::Exactly(n) | RepetitionRange::AtLeast(n) | RepetitionRange::Bounded(_, n)) =
                *range;
            let low = match *range {
                RepetitionRange::Bounded(m, _) => m,
                _ => n,
            };
            if n > MAX_REPEAT || low > MAX_REPEAT {
                return Err(format!("invalid repeat count: the most RE2 allows is {MAX_REPEAT}"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
