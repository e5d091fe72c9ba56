//! A Kubernetes Node (its labels carry the locality).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// The label giving a node's region.
pub const LABEL_TOPOLOGY_REGION: &str = "topology.kubernetes.io/region";
/// The label giving a node's zone.
pub const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";
/// The label giving a node's subzone (Istio's own topology level).
pub const LABEL_TOPOLOGY_SUBZONE: &str = "topology.istio.io/subzone";

/// A Kubernetes Node. Its labels carry the locality of the pods it runs:
/// `topology.kubernetes.io/region`, `topology.kubernetes.io/zone` and
/// `topology.istio.io/subzone`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Node {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `Node`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state: the pod address ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<NodeSpec>,
    /// The observed state: the node's addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NodeStatus>,
}

impl Node {
    /// The node's locality as Istio writes it, `region/zone/subzone`, with empty parts kept
    /// (`us-east1/us-east1-b/` when there is no subzone).
    pub fn locality(&self) -> String {
        let get = |k: &str| self.metadata.labels.get(k).map(String::as_str).unwrap_or("");
        format!("{}/{}/{}", get(LABEL_TOPOLOGY_REGION), get(LABEL_TOPOLOGY_ZONE), get(LABEL_TOPOLOGY_SUBZONE))
    }
}

/// The desired state of a Node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeSpec {
    /// The pod IP range assigned to the node (the first of `podCIDRs`).
    #[serde(rename = "podCIDR", default, skip_serializing_if = "Option::is_none")]
    pub pod_cidr: Option<String>,
    /// The pod IP ranges assigned to the node, at most one per IP family.
    #[serde(rename = "podCIDRs", default, skip_serializing_if = "Vec::is_empty")]
    pub pod_cidrs: Vec<String>,
}

/// The observed state of a Node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// The node's addresses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<NodeAddress>,
}

/// One address of a Node.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodeAddress {
    /// `Hostname`, `InternalIP`, `ExternalIP`, `InternalDNS` or `ExternalDNS`.
    #[serde(rename = "type", default)]
    pub type_: String,
    /// The address.
    #[serde(default)]
    pub address: String,
}
