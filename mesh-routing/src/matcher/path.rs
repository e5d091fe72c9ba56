//! The `uri` condition, as Envoy matches the route's path specifier: on the path without its
//! query string and fragment (`PathMatcher::match`); `prefix` and `exact` honour
//! `ignoreUriCase` (ASCII case folding), a `regex` must match the whole path and ignores it.

use mesh_model::networking::StringMatch;
use regex::Regex;

use super::{MatchError, StrMatch};

/// A compiled `uri` condition.
#[derive(Debug, Clone)]
pub enum PathMatch {
    /// No `uri` condition (Envoy's `prefix: /`).
    Any,
    /// `exact`.
    Exact {
        /// The path.
        path: Box<str>,
        /// `ignoreUriCase`.
        ignore_case: bool,
    },
    /// `prefix`.
    Prefix {
        /// The prefix.
        prefix: Box<str>,
        /// `ignoreUriCase`.
        ignore_case: bool,
    },
    /// `regex`: the whole path must match.
    Regex {
        /// The regex as written.
        source: Box<str>,
        /// Compiled, anchored; `None` when it does not compile (never matches).
        regex: Option<Regex>,
    },
}

impl PathMatch {
    /// Compiles a `uri` condition.
    pub fn new(uri: Option<&StringMatch>, ignore_case: bool, errors: &mut Vec<MatchError>) -> Self {
        match uri {
            None | Some(StringMatch::Unset) => Self::Any,
            Some(StringMatch::Exact(p)) => Self::Exact { path: p.as_str().into(), ignore_case },
            Some(StringMatch::Prefix(p)) => Self::Prefix { prefix: p.as_str().into(), ignore_case },
            Some(StringMatch::Regex(r)) => {
                let regex = match StrMatch::regex(r, errors) {
                    StrMatch::Regex(re) => Some(re),
                    _ => None,
                };
                Self::Regex { source: r.as_str().into(), regex }
            }
        }
    }

    /// Whether `path` (without query string) matches.
    pub fn matches(&self, path: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exact { path: p, ignore_case: false } => path == &**p,
            Self::Exact { path: p, ignore_case: true } => path.eq_ignore_ascii_case(p),
            Self::Prefix { prefix, ignore_case: false } => path.starts_with(&**prefix),
            Self::Prefix { prefix, ignore_case: true } => {
                path.len() >= prefix.len()
                    && path.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
            }
            Self::Regex { regex, .. } => regex.as_ref().is_some_and(|r| r.is_match(path)),
        }
    }

    /// Whether the path condition matches every path (Istio's `IsCatchAllRoute`: prefix `/`
    /// or regex `.*`).
    pub fn is_catch_all(&self) -> bool {
        match self {
            Self::Any => true,
            Self::Prefix { prefix, .. } => &**prefix == "/",
            Self::Regex { source, .. } => &**source == ".*",
            Self::Exact { .. } => false,
        }
    }

    /// The length of the part of `path` the route matched, which a `prefix` rewrite
    /// replaces: the prefix for a prefix match, the whole path otherwise (Envoy's
    /// `matched_path`).
    pub fn matched_len(&self, path: &str) -> usize {
        match self {
            Self::Prefix { prefix, .. } => prefix.len().min(path.len()),
            Self::Any => 1.min(path.len()),
            _ => path.len(),
        }
    }
}
