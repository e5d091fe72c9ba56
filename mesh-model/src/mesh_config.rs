//! MeshConfig: the mesh-wide settings Istio keeps in the ConfigMap `istio` of the root
//! namespace (`data.mesh`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Mesh-wide settings, with Istio's defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {}
