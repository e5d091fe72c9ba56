//! A Sidecar: the ingress and egress a sidecar proxy accepts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A Sidecar: the ingress and egress a sidecar proxy accepts.
pub type Sidecar = IstioObject<SidecarSpec>;

/// The `spec` of a [`Sidecar`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SidecarSpec {}
