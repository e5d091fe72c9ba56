//! Validation of [`VirtualService`](crate::networking::VirtualService), as Istio's admission webhook performs it.

use crate::networking::VirtualService;

use super::Report;

/// Checks a VirtualService; diagnostics go to `report`.
pub(crate) fn validate(_r: &VirtualService, _report: &mut Report) {}
