//! A RequestAuthentication: the JWTs a workload accepts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A RequestAuthentication: the JWTs a workload accepts.
pub type RequestAuthentication = IstioObject<RequestAuthenticationSpec>;

/// The `spec` of a [`RequestAuthentication`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthenticationSpec {}
