//! A Kubernetes NetworkPolicy (networking.k8s.io/v1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{IntOrString, LabelSelector};
use crate::meta::ObjectMeta;

/// A Kubernetes NetworkPolicy (networking.k8s.io/v1): which L3/L4 traffic the pods it
/// selects may receive (`ingress`) and send (`egress`).
///
/// A pod selected by any policy of a type is isolated for that direction: only traffic some
/// rule of some such policy allows gets through. A pod no policy selects is not isolated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicy {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `NetworkPolicy`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The policy.
    #[serde(default)]
    pub spec: NetworkPolicySpec,
}

/// The rules of a NetworkPolicy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    /// The pods in the policy's namespace the policy applies to; `{}` selects them all.
    #[serde(default)]
    pub pod_selector: LabelSelector,
    /// `Ingress` and/or `Egress`: the directions the policy isolates. When unset, `Ingress`
    /// always, and `Egress` when the policy has egress rules (see [`Self::effective_policy_types`]).
    /// Kept as strings so that validation can report an unknown value at its path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_types: Vec<String>,
    /// Allowed incoming traffic: a connection is allowed if any rule allows it. Empty with
    /// `Ingress` isolation allows nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<NetworkPolicyIngressRule>,
    /// Allowed outgoing traffic: a connection is allowed if any rule allows it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<NetworkPolicyEgressRule>,
}

impl NetworkPolicySpec {
    /// Whether the policy isolates incoming traffic and whether it isolates outgoing
    /// traffic, with Kubernetes' defaulting when `policyTypes` is unset.
    pub fn effective_policy_types(&self) -> (bool, bool) {
        if self.policy_types.is_empty() {
            (true, !self.egress.is_empty())
        } else {
            (
                self.policy_types.iter().any(|t| t == "Ingress"),
                self.policy_types.iter().any(|t| t == "Egress"),
            )
        }
    }
}

/// One rule of allowed incoming traffic: from any of `from`, to any of `ports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyIngressRule {
    /// The ports traffic may reach; empty means every port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<NetworkPolicyPort>,
    /// The sources traffic may come from; empty means every source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<NetworkPolicyPeer>,
}

/// One rule of allowed outgoing traffic: to any of `to`, on any of `ports`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyEgressRule {
    /// The destination ports; empty means every port.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<NetworkPolicyPort>,
    /// The destinations; empty means every destination.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<NetworkPolicyPeer>,
}

/// A port or port range of a NetworkPolicy rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPort {
    /// `TCP` (the default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// A port number or a named container port; unset means every port of the protocol.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<IntOrString>,
    /// With a numeric `port`, the last port of the range `port..=endPort`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<i32>,
}

/// A peer of a NetworkPolicy rule. With `podSelector` alone: those pods in the policy's
/// namespace; with `namespaceSelector` alone: every pod in those namespaces; with both: those
/// pods in those namespaces; with `ipBlock` (which excludes the others): those IPs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPeer {
    /// Selects pods (in the policy's namespace unless `namespaceSelector` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    /// Selects namespaces by their labels; `{}` selects every namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// An IP range (usually outside the cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
}

/// An IP range, minus sub-ranges, that a NetworkPolicy peer allows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IpBlock {
    /// The range, such as `192.168.1.0/24` or `2001:db8::/64`.
    #[serde(default)]
    pub cidr: String,
    /// Sub-ranges of `cidr` that are not allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_round_trips_a_policy() {
        let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  podSelector: {matchLabels: {role: db}}
  policyTypes: [Ingress, Egress]
  ingress:
  - from:
    - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
    - namespaceSelector: {matchLabels: {project: myproject}}
      podSelector: {}
    ports:
    - {protocol: TCP, port: 6379}
    - {protocol: TCP, port: redis-alt}
  egress:
  - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
    ports: [{protocol: TCP, port: 32000, endPort: 32768}]
"#;
        let np: NetworkPolicy = serde_yaml_ng::from_str(yaml).unwrap();
        let rule = &np.spec.ingress[0];
        assert_eq!(rule.ports[0].port, Some(IntOrString::Int(6379)));
        assert_eq!(rule.ports[1].port, Some(IntOrString::String("redis-alt".into())));
        assert_eq!(rule.from[1].pod_selector, Some(LabelSelector::default()));
        assert_eq!(np.spec.egress[0].ports[0].end_port, Some(32768));
        assert_eq!(np.spec.effective_policy_types(), (true, true));
        let json = serde_json::to_value(&np).unwrap();
        assert_eq!(json["spec"]["ingress"][0]["from"][1]["podSelector"], serde_json::json!({}));
        assert_eq!(serde_json::from_value::<NetworkPolicy>(json).unwrap(), np);
    }

    #[test]
    fn policy_types_default_from_rules() {
        let mut spec = NetworkPolicySpec::default();
        assert_eq!(spec.effective_policy_types(), (true, false));
        spec.egress.push(NetworkPolicyEgressRule::default());
        assert_eq!(spec.effective_policy_types(), (true, true));
        spec.policy_types = vec!["Egress".into()];
        assert_eq!(spec.effective_policy_types(), (false, true));
    }
}
