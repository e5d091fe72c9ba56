//! The form ztunnel receives an AuthorizationPolicy in (istio/istio `workloadapi/security`
//! `Authorization`, read by istio/ztunnel `rbac.rs` as `Authorization`): a scope, an action and
//! rules of clauses of matches. Fields are public so that a ztunnel-like data plane can
//! consume the converted form directly.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use serde_json::{Value, json};

use super::super::decision::Action;

/// Which workloads a converted policy applies to (istio/istio `security.Scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// A policy of the root namespace without a selector: every workload of the mesh.
    Global,
    /// A policy without a selector: every workload of its namespace.
    Namespace,
    /// A policy with a selector: the workloads istiod lists it for (those whose labels the
    /// selector's `matchLabels` select, in its namespace or, from the root namespace, in any).
    WorkloadSelector,
}

impl Scope {
    /// The scope as ztunnel's config dump spells it (`Global`, `Namespace`, `WorkloadSelector`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Scope::Global => "Global",
            Scope::Namespace => "Namespace",
            Scope::WorkloadSelector => "WorkloadSelector",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string match (ztunnel `StringMatch`); istiod reads `*` as presence, a leading `*` as a
/// suffix and a trailing `*` as a prefix, in that order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringMatch {
    /// The whole value.
    Exact(Box<str>),
    /// A value starting with this.
    Prefix(Box<str>),
    /// A value ending with this.
    Suffix(Box<str>),
    /// Any non-empty value.
    Presence,
}

impl StringMatch {
    /// Reads an AuthorizationPolicy value as istiod's `stringToMatch` does.
    ///
    /// ```
    /// use mesh_policy::authz::ztunnel::StringMatch;
    /// assert_eq!(StringMatch::parse("*"), StringMatch::Presence);
    /// assert_eq!(StringMatch::parse("*-sa"), StringMatch::Suffix("-sa".into()));
    /// assert_eq!(StringMatch::parse("ns-*"), StringMatch::Prefix("ns-".into()));
    /// ```
    pub fn parse(v: &str) -> StringMatch {
        if v == "*" {
            StringMatch::Presence
        } else if let Some(s) = v.strip_prefix('*') {
            StringMatch::Suffix(s.into())
        } else if let Some(p) = v.strip_suffix('*') {
            StringMatch::Prefix(p.into())
        } else {
            StringMatch::Exact(v.into())
        }
    }

    /// Whether `value` matches; presence needs a non-empty value, while an empty exact, prefix
    /// or suffix match accepts the empty value.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            StringMatch::Exact(e) => **e == *value,
            StringMatch::Prefix(p) => value.starts_with(&**p),
            StringMatch::Suffix(s) => value.ends_with(&**s),
            StringMatch::Presence => !value.is_empty(),
        }
    }

    fn to_json(&self) -> Value {
        match self {
            StringMatch::Exact(s) => json!({ "Exact": &**s }),
            StringMatch::Prefix(s) => json!({ "Prefix": &**s }),
            StringMatch::Suffix(s) => json!({ "Suffix": &**s }),
            StringMatch::Presence => json!({ "Presence": [] }),
        }
    }
}

/// A service account in a namespace (ztunnel `ServiceAccountMatch`): both must be equal to
/// the peer identity's; the trust domain is not compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceAccountMatch {
    /// The namespace (`ns` of `ns/sa`, or the policy's namespace for a bare `sa`).
    pub namespace: Box<str>,
    /// The service account name.
    pub service_account: Box<str>,
}

/// An IP network (ztunnel `IpNet`): host bits below the prefix are ignored when matching, and
/// an address of the other family never matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// A network; `None` when the prefix is longer than the address family allows.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<IpNet> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(IpNet { addr, prefix })
    }

    /// The address as written (host bits kept).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// One match (ztunnel `RbacMatch`): every non-empty field must hold; within a field any value
/// may match, and a `not_` field holds when none of its values matches. A match with every
/// field empty is skipped by ztunnel: it never matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Match {
    /// Source namespace (from the peer identity; `""` without mTLS).
    pub namespaces: Vec<StringMatch>,
    /// Negated source namespace.
    pub not_namespaces: Vec<StringMatch>,
    /// Source service account and namespace.
    pub service_accounts: Vec<ServiceAccountMatch>,
    /// Negated source service account.
    pub not_service_accounts: Vec<ServiceAccountMatch>,
    /// Source principal `td/ns/<ns>/sa/<sa>` (the identity without `spiffe://`).
    pub principals: Vec<StringMatch>,
    /// Negated source principal.
    pub not_principals: Vec<StringMatch>,
    /// Source address.
    pub source_ips: Vec<IpNet>,
    /// Negated source address.
    pub not_source_ips: Vec<IpNet>,
    /// Destination address.
    pub destination_ips: Vec<IpNet>,
    /// Negated destination address.
    pub not_destination_ips: Vec<IpNet>,
    /// Destination port.
    pub destination_ports: Vec<u16>,
    /// Negated destination port.
    pub not_destination_ports: Vec<u16>,
}

impl Match {
    /// Whether every field is empty (ztunnel skips such a match).
    pub fn is_empty(&self) -> bool {
        self.namespaces.is_empty()
            && self.not_namespaces.is_empty()
            && self.service_accounts.is_empty()
            && self.not_service_accounts.is_empty()
            && self.principals.is_empty()
            && self.not_principals.is_empty()
            && self.source_ips.is_empty()
            && self.not_source_ips.is_empty()
            && self.destination_ips.is_empty()
            && self.not_destination_ips.is_empty()
            && self.destination_ports.is_empty()
            && self.not_destination_ports.is_empty()
    }

    fn to_json(&self) -> Value {
        let mut m = serde_json::Map::new();
        let mut put = |k: &str, v: Vec<Value>| {
            if !v.is_empty() {
                m.insert(k.to_string(), Value::Array(v));
            }
        };
        let strs = |v: &[StringMatch]| v.iter().map(StringMatch::to_json).collect();
        let sas = |v: &[ServiceAccountMatch]| {
            v.iter()
                .map(|s| json!({"namespace": &*s.namespace, "serviceAccount": &*s.service_account}))
                .collect()
        };
        let nets = |v: &[IpNet]| v.iter().map(|n| Value::String(n.to_string())).collect();
        let ports = |v: &[u16]| v.iter().map(|&p| Value::from(p)).collect();
        put("namespaces", strs(&self.namespaces));
        put("notNamespaces", strs(&self.not_namespaces));
        put("serviceAccounts", sas(&self.service_accounts));
        put("notServiceAccounts", sas(&self.not_service_accounts));
        put("principals", strs(&self.principals));
        put("notPrincipals", strs(&self.not_principals));
        put("sourceIps", nets(&self.source_ips));
        put("notSourceIps", nets(&self.not_source_ips));
        put("destinationIps", nets(&self.destination_ips));
        put("notDestinationIps", nets(&self.not_destination_ips));
        put("destinationPorts", ports(&self.destination_ports));
        put("notDestinationPorts", ports(&self.not_destination_ports));
        Value::Object(m)
    }
}

/// The clauses of one AuthorizationPolicy rule (a ztunnel rule): every clause must match. A
/// clause matches when any of its non-empty matches does; a clause without matches always
/// matches, and a group without clauses matches every connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// The index of the rule in `spec.rules` this group was converted from.
    pub rule: usize,
    /// The clauses: the `to` entries (if any), the `from` entries (if any), then one per `when`
    /// condition, in that order.
    pub clauses: Vec<Vec<Match>>,
    /// Whether HTTP-only parts of the rule were left out (only in DENY policies).
    pub http_omitted: bool,
}

/// What istiod's status says about HTTP attributes it could not send to ztunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpWarningKind {
    /// ALLOW: rules that use HTTP attributes were left out (a narrower allow).
    AllowRulesOmitted,
    /// DENY: the HTTP attributes were left out and the policy still has rules that can match
    /// (a wider deny).
    DenyEnforcedWithoutHttp,
    /// DENY: after leaving out the HTTP attributes no rule can match at ztunnel; the policy
    /// has no effect there.
    DenyNoEffect,
}

/// The HTTP attributes istiod found and the consequence it reports (a warning: the policy is
/// still sent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpWarning {
    /// The attributes found (`methods`, `requestPrincipals`, a `when` key, ...), sorted.
    pub attributes: Vec<String>,
    /// The consequence.
    pub kind: HttpWarningKind,
}

impl fmt::Display for HttpWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ztunnel cannot evaluate the HTTP attributes {}; a waypoint proxy is needed to enforce them. ",
            self.attributes.join(", ")
        )?;
        f.write_str(match self.kind {
            HttpWarningKind::AllowRulesOmitted => {
                "The ALLOW rules that use them are left out, so the policy allows less than written."
            }
            HttpWarningKind::DenyEnforcedWithoutHttp => {
                "The DENY policy is applied without them, so it denies more than written."
            }
            HttpWarningKind::DenyNoEffect => {
                "Without them no rule of this DENY policy can match at ztunnel, so it has no effect there."
            }
        })
    }
}

/// What istiod converted a [`ZtunnelPolicy`] from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyOrigin {
    /// An AuthorizationPolicy of the same namespace and name.
    AuthorizationPolicy,
    /// A workload PeerAuthentication with `portLevelMtls` (named
    /// `converted_peer_authentication_<name>`).
    PeerAuthentication,
    /// No resource: the static STRICT policy istiod sends once any PeerAuthentication exists
    /// (`istio_converted_static_strict` in the root namespace).
    StaticStrict,
}

/// An authorization policy as istiod sends it to ztunnel: converted from an
/// AuthorizationPolicy, or derived from PeerAuthentication (see [`PolicyOrigin`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZtunnelPolicy {
    /// The policy's namespace.
    pub namespace: String,
    /// The policy's name.
    pub name: String,
    /// Which workloads it applies to.
    pub scope: Scope,
    /// The selector's `matchLabels` (for [`Scope::WorkloadSelector`]); an empty map selects no
    /// workload, since istiod lists a selector policy only for the labels it names.
    pub selector: BTreeMap<String, String>,
    /// [`Action::Allow`] or [`Action::Deny`] (ztunnel has no other).
    pub action: Action,
    /// The rules; an ALLOW rule that uses HTTP attributes has no group.
    pub groups: Vec<Group>,
    /// Whether the policy only logs (`istio.io/dry-run`, when ambient dry-run is enabled).
    pub dry_run: bool,
    /// Indexes of ALLOW rules left out because they use HTTP attributes.
    pub omitted_rules: Vec<usize>,
    /// The HTTP attributes found, sorted and de-duplicated (istiod's status names them).
    pub http_attributes: Vec<String>,
    /// Source fields istiod drops without a word (`trustDomains`, `notTrustDomains`).
    pub ignored_fields: Vec<&'static str>,
    /// What the policy was converted from.
    pub origin: PolicyOrigin,
}

impl ZtunnelPolicy {
    /// `namespace/name`, the key ztunnel stores the policy under.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Whether some group can match at ztunnel (istiod `hasEffectiveRules`): a group without
    /// clauses, or one whose every clause has a non-empty match.
    pub fn has_effective_rules(&self) -> bool {
        self.groups.iter().any(|g| g.clauses.iter().all(|c| c.iter().any(|m| !m.is_empty())))
    }

    /// The status warning istiod writes when the policy uses HTTP attributes.
    pub fn http_warning(&self) -> Option<HttpWarning> {
        if self.http_attributes.is_empty() {
            return None;
        }
        let kind = match self.action {
            Action::Deny if !self.has_effective_rules() => HttpWarningKind::DenyNoEffect,
            Action::Deny => HttpWarningKind::DenyEnforcedWithoutHttp,
            _ => HttpWarningKind::AllowRulesOmitted,
        };
        Some(HttpWarning { attributes: self.http_attributes.clone(), kind })
    }

    /// The policy in the JSON form of ztunnel's `Authorization` (its config dump), which
    /// ztunnel's serde reads back: `name`, `namespace`, `scope`, `action`, `rules` (groups of
    /// clauses of matches), `dryRun`.
    pub fn to_ztunnel_json(&self) -> Value {
        let rules: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                Value::Array(
                    g.clauses.iter().map(|c| Value::Array(c.iter().map(Match::to_json).collect())).collect(),
                )
            })
            .collect();
        json!({
            "name": self.name,
            "namespace": self.namespace,
            "scope": self.scope.as_str(),
            "action": if self.action == Action::Deny { "Deny" } else { "Allow" },
            "rules": rules,
            "dryRun": self.dry_run,
        })
    }
}
