//! Validation of [`WorkloadGroup`](crate::networking::WorkloadGroup), as Istio's admission webhook performs it.

use crate::networking::WorkloadGroup;

use super::Report;

/// Checks a WorkloadGroup; diagnostics go to `report`.
pub(crate) fn validate(_r: &WorkloadGroup, _report: &mut Report) {}
