//! A WorkloadEntry: a non-Kubernetes workload (a VM) in the mesh.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A WorkloadEntry: a non-Kubernetes workload (a VM) in the mesh.
pub type WorkloadEntry = IstioObject<WorkloadEntrySpec>;

/// The `spec` of a [`WorkloadEntry`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadEntrySpec {}
