//! `queryParams` conditions, as Envoy's `QueryParameterMatcher`: only the first value of a
//! parameter counts; a missing parameter fails; `{}` (or Istio's `regex: "*"`) only needs the
//! parameter to be present; values are compared as sent (not percent-decoded).

use mesh_model::networking::StringMatch;

use super::{MatchError, StrMatch};

/// One query parameter condition.
#[derive(Debug, Clone)]
pub struct QueryMatcher {
    name: Box<str>,
    value: StrMatch,
}

impl QueryMatcher {
    /// Compiles a `queryParams` entry.
    pub fn new(name: &str, sm: &StringMatch, errors: &mut Vec<MatchError>) -> Self {
        Self { name: name.into(), value: StrMatch::new(sm, errors) }
    }

    /// Whether the query string (without `?`) satisfies the condition.
    pub fn matches(&self, query: &str) -> bool {
        query_first_value(query, &self.name).is_some_and(|v| self.value.matches(v))
    }
}

/// The first value of parameter `name` in `query` (`a=1&b`: `b` has the value `""`), as
/// Envoy's `parseQueryString` splits it.
///
/// ```
/// use mesh_routing::matcher::query_first_value;
/// assert_eq!(query_first_value("a=1&b&a=2", "a"), Some("1"));
/// assert_eq!(query_first_value("a=1&b", "b"), Some(""));
/// assert_eq!(query_first_value("a=1", "c"), None);
/// ```
pub fn query_first_value<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query.split('&').find_map(|param| match param.split_once('=') {
        Some((k, v)) if k == name => Some(v),
        None if param == name && !param.is_empty() => Some(""),
        _ => None,
    })
}
