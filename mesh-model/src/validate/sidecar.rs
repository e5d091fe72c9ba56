//! Validation of [`Sidecar`](crate::networking::Sidecar), as Istio's admission webhook performs it.

use crate::networking::Sidecar;

use super::Report;

/// Checks a Sidecar; diagnostics go to `report`.
pub(crate) fn validate(_r: &Sidecar, _report: &mut Report) {}
