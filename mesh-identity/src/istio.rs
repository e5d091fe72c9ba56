//! Istio identities: `spiffe://<td>/ns/<namespace>/sa/<service-account>`, the authorization
//! principal form `<td>/ns/<namespace>/sa/<service-account>`, and trust domain aliases
//! (istio/istio `pkg/spiffe`, `pilot/pkg/security/trustdomain/bundle.go`).

use std::fmt;

use crate::spiffe_id::{SpiffeId, SpiffeIdError};
use crate::trust_domain::TrustDomain;

/// Istio's default trust domain, which policies also use to mean "the local trust domain".
pub const CLUSTER_LOCAL: &str = "cluster.local";

/// Why a SPIFFE ID or a principal is not an Istio workload identity.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IstioIdentityError {
    /// The ID or a part of it breaks the SPIFFE-ID standard.
    #[error(transparent)]
    Spiffe(#[from] SpiffeIdError),
    /// The path is not `/ns/<namespace>/sa/<service-account>`.
    /// Valid: `spiffe://td/ns/default/sa/web`; invalid: `spiffe://td/web`.
    #[error(
        "the SPIFFE ID {id:?} is not of the form spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>"
    )]
    NotIstioForm {
        /// The offending ID or principal.
        id: String,
    },
}

/// A Kubernetes workload identity as Istio issues it.
///
/// # Examples
/// ```
/// use mesh_identity::{IstioIdentity, TrustDomain};
/// let td = TrustDomain::parse("cluster.local")?;
/// let who = IstioIdentity::new(td, "default", "bookinfo-productpage")?;
/// assert_eq!(who.spiffe_id().as_str(), "spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
/// assert_eq!(who.principal(), "cluster.local/ns/default/sa/bookinfo-productpage");
/// assert_eq!(IstioIdentity::from_principal(&who.principal())?, who);
/// # Ok::<(), mesh_identity::IstioIdentityError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IstioIdentity {
    trust_domain: TrustDomain,
    namespace: String,
    service_account: String,
}

// === impl IstioIdentity ===

impl IstioIdentity {
    /// The identity of `service_account` in `namespace`; both must be valid path segments.
    pub fn new(
        trust_domain: TrustDomain,
        namespace: &str,
        service_account: &str,
    ) -> Result<Self, IstioIdentityError> {
        crate::spiffe_id::validate_segment(namespace)?;
        crate::spiffe_id::validate_segment(service_account)?;
        Ok(IstioIdentity {
            trust_domain,
            namespace: namespace.to_string(),
            service_account: service_account.to_string(),
        })
    }

    /// Reads an identity back from its SPIFFE ID; the path must be exactly
    /// `/ns/<namespace>/sa/<service-account>`.
    pub fn from_spiffe_id(id: &SpiffeId) -> Result<Self, IstioIdentityError> {
        let mut it = id.segments();
        match (it.next(), it.next(), it.next(), it.next(), it.next()) {
            (Some("ns"), Some(ns), Some("sa"), Some(sa), None) => Ok(IstioIdentity {
                trust_domain: id.trust_domain(),
                namespace: ns.to_string(),
                service_account: sa.to_string(),
            }),
            _ => Err(IstioIdentityError::NotIstioForm { id: id.to_string() }),
        }
    }

    /// Reads an identity from the principal form `<td>/ns/<namespace>/sa/<service-account>`.
    pub fn from_principal(principal: &str) -> Result<Self, IstioIdentityError> {
        let id = SpiffeId::parse(&format!("{}{principal}", crate::spiffe_id::SCHEME_PREFIX))?;
        Self::from_spiffe_id(&id)
    }

    /// The SPIFFE ID `spiffe://<td>/ns/<namespace>/sa/<service-account>`.
    pub fn spiffe_id(&self) -> SpiffeId {
        // Segments were validated at construction; the only failure left is the length limit,
        // which three segments of a valid trust domain can still reach.
        SpiffeId::from_segments(&self.trust_domain, &["ns", &self.namespace, "sa", &self.service_account])
            .unwrap_or_else(|_| self.trust_domain.id())
    }

    /// The authorization principal `<td>/ns/<namespace>/sa/<service-account>` (the SPIFFE ID
    /// without its scheme), as Istio's AuthorizationPolicy `principals` match it.
    pub fn principal(&self) -> String {
        format!("{}/ns/{}/sa/{}", self.trust_domain, self.namespace, self.service_account)
    }

    /// The trust domain.
    pub fn trust_domain(&self) -> &TrustDomain {
        &self.trust_domain
    }

    /// The Kubernetes namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The Kubernetes service account.
    pub fn service_account(&self) -> &str {
        &self.service_account
    }
}

impl fmt::Display for IstioIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spiffe://{}", self.principal())
    }
}

/// The principal of a SPIFFE ID: the ID without `spiffe://`, as Istio matches principals.
pub fn principal_of(id: &SpiffeId) -> &str {
    &id.as_str()[crate::spiffe_id::SCHEME_PREFIX.len()..]
}

/// The local trust domain and its aliases (MeshConfig `trustDomain` and
/// `trustDomainAliases`): identities of any of them count as local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustDomainAliases {
    domains: Vec<String>,
}

// === impl TrustDomainAliases ===

impl TrustDomainAliases {
    /// The local trust domain first, then its aliases (duplicates dropped).
    pub fn new(trust_domain: &TrustDomain, aliases: &[TrustDomain]) -> Self {
        let mut domains = vec![trust_domain.name().to_string()];
        for a in aliases {
            if !domains.iter().any(|d| d == a.name()) {
                domains.push(a.name().to_string());
            }
        }
        TrustDomainAliases { domains }
    }

    /// The local trust domain.
    pub fn local(&self) -> &str {
        &self.domains[0]
    }

    /// Every trust domain counted as local, the local one first.
    pub fn all(&self) -> &[String] {
        &self.domains
    }

    /// Whether `trust_domain` is the local one or an alias.
    pub fn is_local(&self, trust_domain: &str) -> bool {
        self.domains.iter().any(|d| d == trust_domain)
    }

    /// Expands the principals of a policy over the local trust domain and its aliases, as
    /// Istio's `ReplaceTrustDomainAliases` does: a principal `<td>/ns/<ns>/sa/<sa>` whose trust
    /// domain is local, an alias, or `cluster.local` (which stands for the local trust domain)
    /// becomes one principal per trust domain; a principal whose trust domain is `*`, one
    /// that does not have five `/`-separated parts, or one of a foreign trust domain is kept as
    /// it is. A trust domain pattern with a leading or trailing `*` is kept as it is for the
    /// trust domains it matches.
    pub fn expand_principals<S: AsRef<str>>(&self, principals: &[S]) -> Vec<String> {
        let mut out = Vec::new();
        for p in principals {
            let p = p.as_ref();
            let parts: Vec<&str> = p.split('/').collect();
            if parts.len() != 5 || parts[0] == "*" {
                out.push(p.to_string());
                continue;
            }
            let td = parts[0];
            let known = td == CLUSTER_LOCAL || self.domains.iter().any(|d| pattern_match(d, td));
            if !known {
                out.push(p.to_string());
                continue;
            }
            let mut mine: Vec<String> = Vec::new();
            for d in &self.domains {
                let np = if pattern_match(d, td) {
                    p.to_string()
                } else {
                    format!("{d}/{}", parts[1..].join("/"))
                };
                if !mine.contains(&np) {
                    mine.push(np);
                }
            }
            out.extend(mine);
        }
        out
    }
}

/// Whether the trust domain `td` matches `pattern` (exact, `*suffix`, `prefix*` or `*`).
fn pattern_match(td: &str, pattern: &str) -> bool {
    if pattern == "*" {
        true
    } else if let Some(suffix) = pattern.strip_prefix('*') {
        td.ends_with(suffix)
    } else if let Some(prefix) = pattern.strip_suffix('*') {
        td.starts_with(prefix)
    } else {
        td == pattern
    }
}
