//! Validation of [`Gateway`](crate::networking::Gateway), as Istio's admission webhook performs it.

use crate::networking::Gateway;

use super::Report;

/// Checks a Gateway; diagnostics go to `report`.
pub(crate) fn validate(_r: &Gateway, _report: &mut Report) {}
