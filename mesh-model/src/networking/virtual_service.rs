//! A VirtualService: how requests to a set of hosts are routed.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A VirtualService: how requests to a set of hosts are routed.
pub type VirtualService = IstioObject<VirtualServiceSpec>;

/// The `spec` of a [`VirtualService`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {}
