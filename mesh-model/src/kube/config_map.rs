//! A Kubernetes ConfigMap (the mesh reads `istio` in the root namespace).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// A Kubernetes ConfigMap (the mesh reads `istio` in the root namespace).
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
}
