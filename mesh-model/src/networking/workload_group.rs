//! A WorkloadGroup: a template for WorkloadEntries.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A WorkloadGroup: a template for WorkloadEntries.
pub type WorkloadGroup = IstioObject<WorkloadGroupSpec>;

/// The `spec` of a [`WorkloadGroup`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadGroupSpec {}
