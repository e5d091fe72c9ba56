//! A PeerAuthentication: the mTLS mode a workload accepts.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A PeerAuthentication: the mTLS mode a workload accepts.
pub type PeerAuthentication = IstioObject<PeerAuthenticationSpec>;

/// The `spec` of a [`PeerAuthentication`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {}
