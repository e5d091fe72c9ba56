//! `@request.auth.claims.<name>` header keys: Istio turns them into dynamic-metadata matches
//! on the JWT claims the request was authenticated with (`jwt.ToRoutingClaim`). Nested claims
//! are written `a.b` or `[a][b]`; a list claim matches when any of its strings matches.

use mesh_model::networking::StringMatch;

use super::{MatchError, StrMatch};
use crate::request::RouteRequest;

const PREFIX: &str = "@request.auth.claims";

/// One JWT-claim condition.
#[derive(Debug, Clone)]
pub struct ClaimMatcher {
    path: Box<[Box<str>]>,
    value: StrMatch,
    invert: bool,
}

impl ClaimMatcher {
    /// The claim path of a header key, or `None` when the key is an ordinary header.
    ///
    /// ```
    /// use mesh_routing::matcher::ClaimMatcher;
    /// assert_eq!(ClaimMatcher::parse_name("@request.auth.claims.group.id"), Some(vec!["group", "id"]));
    /// assert_eq!(ClaimMatcher::parse_name("@request.auth.claims[a.b][c]"), Some(vec!["a.b", "c"]));
    /// assert_eq!(ClaimMatcher::parse_name("x-user"), None);
    /// ```
    pub fn parse_name(name: &str) -> Option<Vec<&str>> {
        if name.len() < PREFIX.len() || !name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
            return None;
        }
        let rest = &name[PREFIX.len()..];
        if let Some(dotted) = rest.strip_prefix('.').filter(|r| !r.is_empty()) {
            return Some(dotted.split('.').collect());
        }
        if rest.len() > 2 && rest.starts_with('[') && rest.ends_with(']') {
            return Some(rest[1..rest.len() - 1].split("][").collect());
        }
        None
    }

    /// Compiles a claim condition (`invert` for `withoutHeaders`).
    pub fn new(path: Vec<&str>, sm: &StringMatch, invert: bool, errors: &mut Vec<MatchError>) -> Self {
        Self { path: path.into_iter().map(Into::into).collect(), value: StrMatch::new(sm, errors), invert }
    }

    /// Whether the request's claims satisfy the condition; without claims the claim is absent.
    pub fn matches(&self, req: &RouteRequest<'_>) -> bool {
        let mut path: [&str; 8] = [""; 8];
        let n = self.path.len().min(path.len());
        for (d, s) in path.iter_mut().zip(self.path.iter()) {
            *d = s;
        }
        let mut hit = false;
        if let Some(claims) = req.claims {
            claims.for_each_string(&path[..n], &mut |v| hit |= self.value.matches(v));
        }
        hit != self.invert
    }
}
