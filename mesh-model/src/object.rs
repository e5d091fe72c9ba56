//! The envelope every Istio custom resource shares.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// An Istio custom resource: `apiVersion`, `kind`, `metadata`, a typed `spec` and an opaque
/// `status` (which Istio writes and the mesh never reads).
///
/// Each Istio kind is an alias of this type, such as
/// [`VirtualService`](crate::networking::VirtualService).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(bound = "S: JsonSchema + Default")]
pub struct IstioObject<S> {
    /// `group/version`, such as `networking.istio.io/v1`.
    pub api_version: String,
    /// The kind, such as `VirtualService`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The typed specification.
    #[serde(default)]
    pub spec: S,
    /// Status as the control plane last wrote it; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
}
