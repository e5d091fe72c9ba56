//! The structured result of a check: allowed or not, which policy and rule decided, and why.

use std::fmt;

use super::request::Layer;

/// An AuthorizationPolicy action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Delegated to an external authorizer; evaluated first.
    Custom,
    /// Denies a matching request; evaluated before ALLOW.
    Deny,
    /// Allows a matching request; when ALLOW policies apply, anything else is denied.
    Allow,
    /// Records a matching request; never decides.
    Audit,
}

impl Action {
    /// The action as Istio spells it (`ALLOW`, `DENY`, `AUDIT`, `CUSTOM`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Custom => "CUSTOM",
            Action::Deny => "DENY",
            Action::Allow => "ALLOW",
            Action::Audit => "AUDIT",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy, by namespace and name; displays as `namespace/name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PolicyRef<'a> {
    /// The policy's namespace.
    pub namespace: &'a str,
    /// The policy's name.
    pub name: &'a str,
}

impl fmt::Display for PolicyRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// The policy rule whose match decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Matched<'a> {
    /// The policy's action.
    pub action: Action,
    /// The policy.
    pub policy: PolicyRef<'a>,
    /// The index of the rule in `spec.rules`.
    pub rule: usize,
}

/// A CUSTOM policy that matched, and its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomMatch<'a> {
    /// The extension provider's name.
    pub provider: &'a str,
    /// The CUSTOM policy.
    pub policy: PolicyRef<'a>,
}

/// Why the check decided as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// No ALLOW policy applies to the workload and no CUSTOM or DENY policy matched: allowed.
    NoAllowPolicy,
    /// An ALLOW rule matched.
    AllowMatched,
    /// A DENY rule matched. `dropped_http`: on a TCP connection the rule's HTTP-only
    /// conditions were left out (Istio's sidecar does so, so that the DENY still denies).
    DenyMatched {
        /// Whether HTTP-only conditions were left out of the matching rule.
        dropped_http: bool,
    },
    /// ALLOW policies apply to the workload and none of their rules matched: denied.
    /// `http_rules_skipped`: on a TCP connection, ALLOW rules with HTTP-only conditions
    /// never match.
    NoAllowMatched {
        /// Whether some ALLOW rule was skipped because it needs HTTP fields.
        http_rules_skipped: bool,
    },
    /// A CUSTOM rule matched and its provider denied.
    CustomDenied,
    /// A CUSTOM rule matched and its provider is not declared in the mesh config (or is not
    /// an ext_authz provider): Istio generates a deny for it.
    CustomProviderInvalid,
    /// CUSTOM policies naming different providers apply to the workload (Istio needs
    /// `PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS`, off by default): a CUSTOM match denies.
    CustomMultipleProviders,
    /// The path cannot be normalised: Envoy answers 400 before any filter runs.
    InvalidPath,
    /// The path does not start with `/`: Envoy answers 404 before any filter runs.
    PathNotAbsolute,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::NoAllowPolicy => f.write_str("no ALLOW policy applies to the workload and no DENY or CUSTOM policy matched, so the request is allowed"),
            Reason::AllowMatched => f.write_str("an ALLOW rule matched"),
            Reason::DenyMatched { dropped_http: false } => f.write_str("a DENY rule matched"),
            Reason::DenyMatched { dropped_http: true } => f.write_str("a DENY rule matched on a TCP connection, where its HTTP-only conditions are left out (as Istio's sidecar does, and istiod for ztunnel, where an entry with only HTTP conditions never matches)"),
            Reason::NoAllowMatched { http_rules_skipped: false } => f.write_str("ALLOW policies apply to the workload and none of their rules matched, so the request is denied"),
            Reason::NoAllowMatched { http_rules_skipped: true } => f.write_str("ALLOW policies apply to the workload and none of their rules matched (rules with HTTP-only conditions never match a TCP connection), so the request is denied"),
            Reason::CustomDenied => f.write_str("a CUSTOM rule matched and its external authorizer denied the request"),
            Reason::CustomProviderInvalid => f.write_str("a CUSTOM rule matched but its provider is not an ext_authz provider declared in the mesh config, so Istio denies the request"),
            Reason::CustomMultipleProviders => f.write_str("a CUSTOM rule matched but CUSTOM policies with different providers apply to the workload, which Istio does not support by default, so the request is denied"),
            Reason::InvalidPath => f.write_str("the path cannot be normalised, so Envoy answers 400 before authorization"),
            Reason::PathNotAbsolute => f.write_str("the path does not start with '/', so Envoy answers 404 before authorization"),
        }
    }
}

/// The result of [`Authorizer::check`](super::Authorizer::check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision<'a> {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// The policy rule whose match decided; `None` when no match decided.
    pub decider: Option<Matched<'a>>,
    /// The CUSTOM policy that matched, if any (also when its provider allowed).
    pub custom: Option<CustomMatch<'a>>,
    /// The first matching AUDIT policy (as Envoy logs it); see
    /// [`Authorizer::audits`](super::Authorizer::audits) for all of them.
    pub audit: Option<PolicyRef<'a>>,
    /// Why.
    pub reason: Reason,
    /// The layer the request was evaluated on.
    pub layer: Layer,
}

impl Decision<'_> {
    /// Where every evaluation starts: allowed, as when no policy applies, on `layer`.
    pub(crate) fn no_policy(layer: Layer) -> Self {
        Decision {
            allowed: true,
            decider: None,
            custom: None,
            audit: None,
            reason: Reason::NoAllowPolicy,
            layer,
        }
    }
}
