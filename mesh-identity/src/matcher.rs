//! Which peer SPIFFE IDs a TLS endpoint accepts once the peer's SVID has verified.

use std::fmt;
use std::sync::Arc;

use crate::spiffe_id::SpiffeId;
use crate::trust_domain::TrustDomain;

/// Authorizes a verified peer's SPIFFE ID (go-spiffe `tlsconfig.Authorizer`). Fails closed:
/// an empty `OneOf` accepts nobody.
#[derive(Clone)]
pub enum IdMatcher {
    /// Any ID (verification against the bundles still applies).
    Any,
    /// Exactly this ID.
    Exact(SpiffeId),
    /// Any of these IDs.
    OneOf(Vec<SpiffeId>),
    /// Any ID of this trust domain.
    MemberOf(TrustDomain),
    /// Whatever the predicate accepts.
    Predicate(Arc<dyn Fn(&SpiffeId) -> bool + Send + Sync>),
}

// === impl IdMatcher ===

impl IdMatcher {
    /// Whether `id` is accepted.
    ///
    /// ```
    /// use mesh_identity::{IdMatcher, SpiffeId, TrustDomain};
    /// let id = SpiffeId::parse("spiffe://example.org/ns/a/sa/b")?;
    /// assert!(IdMatcher::MemberOf(TrustDomain::parse("example.org")?).matches(&id));
    /// assert!(!IdMatcher::OneOf(vec![]).matches(&id));
    /// # Ok::<(), mesh_identity::SpiffeIdError>(())
    /// ```
    pub fn matches(&self, id: &SpiffeId) -> bool {
        match self {
            IdMatcher::Any => true,
            IdMatcher::Exact(want) => want == id,
            IdMatcher::OneOf(list) => list.contains(id),
            IdMatcher::MemberOf(td) => id.is_member_of(td),
            IdMatcher::Predicate(f) => f(id),
        }
    }
}

impl fmt::Debug for IdMatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdMatcher::Any => f.write_str("Any"),
            IdMatcher::Exact(id) => f.debug_tuple("Exact").field(id).finish(),
            IdMatcher::OneOf(ids) => f.debug_tuple("OneOf").field(ids).finish(),
            IdMatcher::MemberOf(td) => f.debug_tuple("MemberOf").field(td).finish(),
            IdMatcher::Predicate(_) => f.write_str("Predicate(..)"),
        }
    }
}
