//! Validation of [`PeerAuthentication`](crate::security::PeerAuthentication), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` `ValidatePeerAuthentication`.

use crate::security::PeerAuthentication;

use super::common::selector::{LabelValueLimit, validate_workload_selector};
use super::{Path, Report};

/// Checks a PeerAuthentication; diagnostics go to `report`.
pub(crate) fn validate(r: &PeerAuthentication, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    let s = &r.spec;
    let port_level = spec.field("portLevelMtls");

    let empty_selector = s.selector.as_ref().is_none_or(|sel| sel.match_labels.is_empty());
    if let Some(ports) = &s.port_level_mtls {
        if ports.is_empty() {
            report.error(&port_level, "port level mTLS, if defined, must have at least one element");
        } else if empty_selector {
            report.error(
                &port_level,
                "mesh/namespace peer authentication cannot have port level mTLS: set a selector with labels",
            );
        }
        for port in ports.keys() {
            let at = port_level.key(port);
            let digits = !port.is_empty() && port.bytes().all(|c| c.is_ascii_digit());
            match port.parse::<u32>() {
                Ok(p) if digits && (1..=65535).contains(&p) => {}
                Ok(p) if digits => report.error(&at, format!("port {p} must be in range 1..65535")),
                _ => report.error(&at, format!("port {port:?} is not a port number")),
            }
        }
    }

    let selector = spec.field("selector");
    validate_workload_selector(s.selector.as_ref(), &selector, LabelValueLimit::SecurityPolicy, report);
}
