//! Validation of [`Telemetry`](crate::telemetry::Telemetry), as Istio's admission webhook performs it.

use crate::telemetry::Telemetry;

use super::Report;

/// Checks a Telemetry; diagnostics go to `report`.
pub(crate) fn validate(_r: &Telemetry, _report: &mut Report) {}
