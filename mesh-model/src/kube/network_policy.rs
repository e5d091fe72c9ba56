//! A Kubernetes NetworkPolicy (networking.k8s.io/v1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// A Kubernetes NetworkPolicy (networking.k8s.io/v1).
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
}
