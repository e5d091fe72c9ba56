//! Validation of [`NetworkPolicy`](crate::kube::NetworkPolicy), as Istio's admission webhook performs it.

use crate::kube::NetworkPolicy;

use super::Report;

/// Checks a NetworkPolicy; diagnostics go to `report`.
pub(crate) fn validate(_r: &NetworkPolicy, _report: &mut Report) {}
