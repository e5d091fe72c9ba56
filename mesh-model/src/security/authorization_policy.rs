//! An AuthorizationPolicy: access control for workloads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// An AuthorizationPolicy: access control for workloads.
pub type AuthorizationPolicy = IstioObject<AuthorizationPolicySpec>;

/// The `spec` of a [`AuthorizationPolicy`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationPolicySpec {}
