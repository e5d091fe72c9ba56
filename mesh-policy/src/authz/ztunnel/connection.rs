//! A connection as ztunnel sees it, and its matching (istio/ztunnel `rbac.rs`
//! `Authorization::matches`).
//!
//! ztunnel knows the peer's identity only from mTLS (HBONE); a plaintext connection has none,
//! so it matches no principal, namespace or service account, not even `*`, while every `not`
//! form of those holds for it. The namespace of a plaintext peer reads as `""`.

use std::net::IpAddr;

use super::model::{Group, Match, ServiceAccountMatch, ZtunnelPolicy};

/// A peer identity of Istio's form `spiffe://<td>/ns/<ns>/sa/<sa>` (ztunnel `Identity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    principal: &'a str,
    trust_domain: &'a str,
    namespace: &'a str,
    service_account: &'a str,
}

/// Why a string is not an Istio workload identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The value is not `spiffe://<td>/ns/<ns>/sa/<sa>` (or, for
    /// [`Identity::from_principal`], `<td>/ns/<ns>/sa/<sa>`): exactly five `/`-separated parts
    /// with `ns` and `sa` in the second and fourth place (`spiffe://td/ns/a/sa/b` is one,
    /// `spiffe://td/a/b` is not).
    #[error(
        "{value:?} is not an Istio workload identity of the form spiffe://<trust domain>/ns/<namespace>/sa/<service account>"
    )]
    NotIstioIdentity {
        /// The value given.
        value: String,
    },
}

impl<'a> Identity<'a> {
    /// Parses a SPIFFE ID as ztunnel does (`Identity::from_str`).
    ///
    /// ```
    /// use mesh_policy::authz::ztunnel::Identity;
    /// let id = Identity::parse("spiffe://cluster.local/ns/default/sa/sleep").unwrap();
    /// assert_eq!(id.namespace(), "default");
    /// assert_eq!(id.principal(), "cluster.local/ns/default/sa/sleep");
    /// assert!(Identity::parse("cluster.local/ns/default/sa/sleep").is_err());
    /// ```
    pub fn parse(spiffe_id: &'a str) -> Result<Identity<'a>, IdentityError> {
        match spiffe_id.strip_prefix("spiffe://") {
            Some(p) => Self::from_principal(p),
            None => Err(IdentityError::NotIstioIdentity { value: spiffe_id.to_string() }),
        }
    }

    /// Reads an Istio principal, the SPIFFE ID without `spiffe://` (`td/ns/<ns>/sa/<sa>`).
    pub fn from_principal(principal: &'a str) -> Result<Identity<'a>, IdentityError> {
        let mut parts = principal.split('/');
        let mut next = || parts.next();
        let (td, ns_kw, ns, sa_kw, sa) = (next(), next(), next(), next(), next());
        match (td, ns_kw, ns, sa_kw, sa, next()) {
            (Some(trust_domain), Some("ns"), Some(namespace), Some("sa"), Some(service_account), None) => {
                Ok(Identity { principal, trust_domain, namespace, service_account })
            }
            _ => Err(IdentityError::NotIstioIdentity { value: principal.to_string() }),
        }
    }

    /// The principal, `td/ns/<ns>/sa/<sa>` (what `principals` match against).
    pub fn principal(&self) -> &'a str {
        self.principal
    }

    /// The trust domain.
    pub fn trust_domain(&self) -> &'a str {
        self.trust_domain
    }

    /// The namespace (what `namespaces` match against).
    pub fn namespace(&self) -> &'a str {
        self.namespace
    }

    /// The service account.
    pub fn service_account(&self) -> &'a str {
        self.service_account
    }
}

/// An inbound connection at ztunnel (ztunnel `rbac::Connection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connection<'a> {
    /// The peer identity from mTLS; `None` for plaintext.
    pub source_identity: Option<Identity<'a>>,
    /// The source address; `None` (unknown) lies in no network.
    pub source_ip: Option<IpAddr>,
    /// The destination address; `None` (unknown) lies in no network.
    pub destination_ip: Option<IpAddr>,
    /// The destination port (the workload's port).
    pub destination_port: u16,
}

impl ServiceAccountMatch {
    /// Whether the identity has this namespace and service account (never without one).
    pub fn matches(&self, id: Option<&Identity<'_>>) -> bool {
        id.is_some_and(|id| *self.namespace == *id.namespace && *self.service_account == *id.service_account)
    }
}

/// A positive and a negative list: the positive holds when empty or any value matches, the
/// negative when empty or none matches.
fn field<T>(pos: &[T], neg: &[T], mut pred: impl FnMut(&T) -> bool) -> bool {
    (pos.is_empty() || pos.iter().any(&mut pred)) && !neg.iter().any(pred)
}

impl Match {
    /// Whether this (non-empty) match holds for `conn`; every field must.
    pub fn matches(&self, conn: &Connection<'_>) -> bool {
        let id = conn.source_identity.as_ref();
        let principal = |p: &super::model::StringMatch| id.is_some_and(|i| p.matches(i.principal));
        let namespace = id.map_or("", |i| i.namespace);
        let ip = |ip: Option<IpAddr>| move |n: &super::model::IpNet| ip.is_some_and(|ip| n.contains(ip));
        field(&self.destination_ips, &self.not_destination_ips, ip(conn.destination_ip))
            && field(&self.source_ips, &self.not_source_ips, ip(conn.source_ip))
            && field(&self.destination_ports, &self.not_destination_ports, |p| *p == conn.destination_port)
            && field(&self.service_accounts, &self.not_service_accounts, |s| s.matches(id))
            && field(&self.principals, &self.not_principals, principal)
            && field(&self.namespaces, &self.not_namespaces, |n| n.matches(namespace))
    }
}

impl Group {
    /// Whether every clause matches: a clause without matches does, otherwise one of its
    /// non-empty matches must (empty matches are skipped).
    pub fn matches(&self, conn: &Connection<'_>) -> bool {
        self.clauses.iter().all(|c| c.is_empty() || c.iter().any(|m| !m.is_empty() && m.matches(conn)))
    }
}

impl ZtunnelPolicy {
    /// The first group that matches `conn`, if any; a policy without groups matches nothing.
    pub fn first_match(&self, conn: &Connection<'_>) -> Option<&Group> {
        self.groups.iter().find(|g| g.matches(conn))
    }

    /// Whether some group matches `conn`.
    pub fn matches(&self, conn: &Connection<'_>) -> bool {
        self.first_match(conn).is_some()
    }
}
