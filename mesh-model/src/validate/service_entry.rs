//! Validation of [`ServiceEntry`](crate::networking::ServiceEntry), as Istio's admission webhook performs it.

use crate::networking::ServiceEntry;

use super::Report;

/// Checks a ServiceEntry; diagnostics go to `report`.
pub(crate) fn validate(_r: &ServiceEntry, _report: &mut Report) {}
