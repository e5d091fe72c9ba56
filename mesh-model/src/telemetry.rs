//! A Telemetry resource: metrics, tracing and access logging settings.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A Telemetry resource: metrics, tracing and access logging settings.
pub type Telemetry = IstioObject<TelemetrySpec>;

/// The `spec` of a [`Telemetry`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TelemetrySpec {}
