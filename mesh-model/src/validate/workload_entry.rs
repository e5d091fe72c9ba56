//! Validation of [`WorkloadEntry`](crate::networking::WorkloadEntry), as Istio's admission webhook performs it.

use crate::networking::WorkloadEntry;

use super::Report;

/// Checks a WorkloadEntry; diagnostics go to `report`.
pub(crate) fn validate(_r: &WorkloadEntry, _report: &mut Report) {}
