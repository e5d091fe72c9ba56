//! Compiled match conditions of an `HTTPMatchRequest`, each kind in its own file, with the
//! semantics Envoy gives the route Istio generates from it (`TranslateRouteMatch`).
//!
//! Every condition of a match must hold; a route applies when any of its matches holds.

mod claims;
mod header;
mod path;
mod query;
pub(crate) mod source;
mod string;
#[cfg(test)]
mod tests;

pub use claims::ClaimMatcher;
pub use header::HeaderMatcher;
pub use path::PathMatch;
pub use query::{QueryMatcher, query_first_value};
pub use source::{L4Predicate, Scope, SourcePredicate};
pub use string::StrMatch;

use mesh_model::networking::HttpMatchRequest;

use crate::request::RouteRequest;

/// Why a value did not compile (an invalid regex); the condition then never matches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    /// A `regex` is not valid RE2 syntax, such as `a(`.
    #[error("the regex {regex:?} does not compile: {reason}")]
    Regex {
        /// The regex as written.
        regex: String,
        /// The compiler's reason.
        reason: String,
    },
}

/// The conditions of one `HTTPMatchRequest` other than `uri`: headers (with `:method`,
/// `:authority` and `:scheme`), `withoutHeaders`, `queryParams`, JWT claims and the
/// source/port/gateway predicate.
#[derive(Debug, Clone, Default)]
pub struct Conditions {
    /// Header matchers, sorted by name as Istio sorts them, then the pseudo headers.
    pub headers: Box<[HeaderMatcher]>,
    /// Query parameter matchers.
    pub query: Box<[QueryMatcher]>,
    /// `@request.auth.claims` matchers.
    pub claims: Box<[ClaimMatcher]>,
    /// `port`, `sourceLabels`, `sourceNamespace` and `gateways`.
    pub source: SourcePredicate,
}

impl Conditions {
    /// Compiles the non-path conditions of `m` (resolving `gateways` against `namespace`).
    pub fn compile(m: &HttpMatchRequest, namespace: &str, errors: &mut Vec<MatchError>) -> Self {
        let mut headers = Vec::new();
        let mut claims = Vec::new();
        for (name, sm) in &m.headers {
            match ClaimMatcher::parse_name(name) {
                Some(path) => claims.push(ClaimMatcher::new(path, sm, false, errors)),
                None => headers.push(HeaderMatcher::new(name, sm, false, errors)),
            }
        }
        for (name, sm) in &m.without_headers {
            match ClaimMatcher::parse_name(name) {
                Some(path) => claims.push(ClaimMatcher::new(path, sm, true, errors)),
                None => headers.push(HeaderMatcher::new(name, sm, true, errors)),
            }
        }
        headers.sort_by(|a, b| a.name().cmp(b.name()));
        for (name, sm) in [(":method", &m.method), (":authority", &m.authority), (":scheme", &m.scheme)] {
            if let Some(sm) = sm {
                headers.push(HeaderMatcher::new(name, sm, false, errors));
            }
        }
        let query = m.query_params.iter().map(|(k, v)| QueryMatcher::new(k, v, errors)).collect();
        Self {
            headers: headers.into(),
            query,
            claims: claims.into(),
            source: SourcePredicate::from_http(m, namespace),
        }
    }

    /// Whether the request-level conditions (headers, query, claims) hold.
    pub fn matches_request(&self, req: &RouteRequest<'_>) -> bool {
        self.headers.iter().all(|h| h.matches(req))
            && (self.query.is_empty() || {
                let q = req.query().unwrap_or("");
                self.query.iter().all(|m| m.matches(q))
            })
            && self.claims.iter().all(|c| c.matches(req))
    }

    /// Whether the route Istio builds from this match is a catch-all (`IsCatchAllRoute`):
    /// no header, query or claim condition (the path is checked by the caller).
    pub fn is_request_independent(&self) -> bool {
        self.headers.is_empty() && self.query.is_empty() && self.claims.is_empty()
    }
}
