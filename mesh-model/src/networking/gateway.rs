//! A Gateway: a load balancer at the edge of the mesh and the ports it exposes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A Gateway: a load balancer at the edge of the mesh and the ports it exposes.
pub type Gateway = IstioObject<GatewaySpec>;

/// The `spec` of a [`Gateway`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {}
