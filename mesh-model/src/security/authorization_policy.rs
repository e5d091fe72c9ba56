//! An AuthorizationPolicy: access control for workloads.
//!
//! Mirrors istio/api `security/v1beta1/authorization_policy.proto` (served as
//! `security.istio.io/v1` and `v1beta1`, which share one schema).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{PolicyTargetReference, WorkloadSelector};
use crate::object::IstioObject;

/// An AuthorizationPolicy: access control for workloads.
pub type AuthorizationPolicy = IstioObject<AuthorizationPolicySpec>;

/// The `spec` of a [`AuthorizationPolicy`].
///
/// A request matches the policy when it matches any of its [`rules`](Self::rules); what then
/// happens depends on the [`action`](Self::action). At most one of `selector`, `targetRef`
/// and `targetRefs` may be set; with none, the policy applies to every workload in its
/// namespace (or the whole mesh in the root namespace).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {
    /// The workloads the policy applies to, by label; absent means every workload in scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// A single resource (Gateway, Service, ...) the policy attaches to; superseded by `targetRefs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// The resources (Gateway, GatewayClass, Service, ServiceEntry) the policy attaches to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// The rules a request is matched against; a request matching any rule matches the policy.
    ///
    /// No rules never matches; one empty rule `{}` always matches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// What to do with a matching request; absent means `ALLOW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<AuthorizationPolicyAction>,
    /// The extension provider that decides a `CUSTOM` action (the only member of the
    /// `action_detail` oneof, hence a plain optional field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ExtensionProvider>,
}

impl AuthorizationPolicySpec {
    /// The effective action: the one set, or `ALLOW` when unset.
    pub fn action(&self) -> AuthorizationPolicyAction {
        self.action.unwrap_or_default()
    }
}

/// The action an [`AuthorizationPolicy`] takes on a matching request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationPolicyAction {
    /// Allow a request only if it matches the rules (the default).
    #[default]
    Allow,
    /// Deny a request if it matches any of the rules.
    Deny,
    /// Audit a request if it matches any of the rules; never affects the decision.
    Audit,
    /// Delegate the decision to the extension provider named in `provider`.
    Custom,
}

/// The extension provider (declared in MeshConfig `extensionProviders`) for a `CUSTOM` action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExtensionProvider {
    /// The name of the extension provider in MeshConfig.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// One rule: a request matches when it matches all of `from`, `to` and `when`
/// (each satisfied by any one of its entries; an absent field always matches).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    /// Where the request comes from; any entry may match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<RuleFrom>,
    /// What the request does; any entry may match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<RuleTo>,
    /// Extra conditions on Istio attributes; all must match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<Condition>,
}

/// One `from` entry of a [`Rule`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleFrom {
    /// The source the request must come from (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// One `to` entry of a [`Rule`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RuleTo {
    /// The operation the request must perform (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<Operation>,
}

/// The source of a request; every field set must match (each field matches when any of its
/// values matches, and its `not` counterpart when none does).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    /// Peer identities (mTLS principals, `<trust-domain>/ns/<ns>/sa/<sa>`); `*` wildcards at an end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<String>,
    /// Peer identities that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_principals: Vec<String>,
    /// Request (JWT) principals, `<iss>/<sub>`; `*` wildcards at an end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_principals: Vec<String>,
    /// Request principals that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_request_principals: Vec<String>,
    /// Namespaces of the peer identity; requires mTLS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Namespaces that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_namespaces: Vec<String>,
    /// Service accounts of the peer, `<sa>` or `<ns>/<sa>` (at most 16, no wildcards).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_accounts: Vec<String>,
    /// Service accounts that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_service_accounts: Vec<String>,
    /// Source IPs or CIDR ranges of the connection (`1.2.3.4`, `10.0.0.0/16`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_blocks: Vec<String>,
    /// Source IPs or CIDR ranges that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ip_blocks: Vec<String>,
    /// Original client IPs or CIDR ranges (from `X-Forwarded-For` or the PROXY protocol).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote_ip_blocks: Vec<String>,
    /// Original client IPs or CIDR ranges that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_remote_ip_blocks: Vec<String>,
    /// Trust domains of the peer identity; `*` wildcards at an end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domains: Vec<String>,
    /// Trust domains that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_trust_domains: Vec<String>,
}

/// The operation a request performs; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// Hosts (the `Host`/`:authority` header), case-insensitive; `*` wildcards at an end. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Hosts that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_hosts: Vec<String>,
    /// Destination ports, as decimal strings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<String>,
    /// Destination ports that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<String>,
    /// HTTP methods (`GET`, ...); for gRPC always `POST`. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    /// HTTP methods that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_methods: Vec<String>,
    /// Request paths (normalized); `*` wildcards at an end, or `{*}`/`{**}` templates. HTTP only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// Request paths that must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_paths: Vec<String>,
}

/// A condition on an Istio attribute (`request.headers[x]`, `source.ip`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// The attribute name, such as `request.auth.claims[iss]` (required).
    #[serde(default)]
    pub key: String,
    /// Values the attribute must match (any one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Values the attribute must not match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_values: Vec<String>,
}
