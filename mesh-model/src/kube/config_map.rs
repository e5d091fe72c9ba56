//! A Kubernetes ConfigMap (the mesh reads `istio` in the root namespace).

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// A Kubernetes ConfigMap. The mesh reads `istio` in the root namespace, whose `data.mesh`
/// holds the [`MeshConfig`](crate::MeshConfig) as YAML text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `ConfigMap`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// UTF-8 entries, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, String>,
    /// Binary entries, by key, each base64-encoded as on the wire.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub binary_data: BTreeMap<String, String>,
    /// Whether the data may no longer be changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub immutable: Option<bool>,
}
