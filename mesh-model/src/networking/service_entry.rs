//! A ServiceEntry: a service added to the mesh's registry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A ServiceEntry: a service added to the mesh's registry.
pub type ServiceEntry = IstioObject<ServiceEntrySpec>;

/// The `spec` of a [`ServiceEntry`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {}
