//! Istio's `StringMatch` as Envoy's `StringMatcher` applies it: `exact` and `prefix` compare
//! bytes, `regex` must match the whole value (RE2 `FullMatch`).

use mesh_model::networking::StringMatch;
use regex::Regex;

use super::MatchError;

/// A compiled string match.
#[derive(Debug, Clone)]
pub enum StrMatch {
    /// The whole value equals the string.
    Exact(Box<str>),
    /// The value starts with the string.
    Prefix(Box<str>),
    /// The whole value matches the regex (compiled anchored at both ends).
    Regex(Regex),
    /// Any value (`{}`, or Istio's `regex: "*"` turned into a presence match).
    Any,
    /// Nothing: a regex that did not compile.
    Never,
}

impl StrMatch {
    /// Compiles `sm`; `{}` and `regex: "*"` (Istio's `canBeConvertedToPresentMatch`) are
    /// [`StrMatch::Any`].
    pub fn new(sm: &StringMatch, errors: &mut Vec<MatchError>) -> Self {
        match sm {
            StringMatch::Exact(s) => Self::Exact(s.as_str().into()),
            StringMatch::Prefix(s) => Self::Prefix(s.as_str().into()),
            StringMatch::Regex(r) if r == "*" => Self::Any,
            StringMatch::Regex(r) => Self::regex(r, errors),
            StringMatch::Unset => Self::Any,
        }
    }

    /// A full-match regex, or [`StrMatch::Never`] (recording the error) when it does not compile.
    pub fn regex(r: &str, errors: &mut Vec<MatchError>) -> Self {
        match full_match_regex(r) {
            Ok(re) => Self::Regex(re),
            Err(reason) => {
                errors.push(MatchError::Regex { regex: r.to_string(), reason });
                Self::Never
            }
        }
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(s) => value == &**s,
            Self::Prefix(s) => value.starts_with(&**s),
            Self::Regex(re) => re.is_match(value),
            Self::Any => true,
            Self::Never => false,
        }
    }

    /// Whether this is a presence-only match.
    pub fn is_any(&self) -> bool {
        matches!(self, Self::Any)
    }
}

/// Compiles `r` so that it must match a whole value, as RE2's `FullMatch` does.
/// The pattern has RE2's meaning (`mesh_model::re2`: ASCII `\d \w \s \b`, `\Q...\E`).
pub(crate) fn full_match_regex(r: &str) -> Result<Regex, String> {
    mesh_model::re2::full_match(r)
}
