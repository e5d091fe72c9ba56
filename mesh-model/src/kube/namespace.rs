//! A Kubernetes Namespace.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// A Kubernetes Namespace. Its labels are what the mesh reads (`istio-injection`,
/// `istio.io/rev`, `topology.istio.io/network`, NetworkPolicy `namespaceSelector`s).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `Namespace`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state: finalizers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<NamespaceSpec>,
    /// The observed state: the lifecycle phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<NamespaceStatus>,
}

/// The desired state of a Namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSpec {
    /// Finalizers that must run before the namespace is removed (such as `kubernetes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub finalizers: Vec<String>,
}

/// The observed state of a Namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceStatus {
    /// `Active`, or `Terminating` while the namespace is being deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}
