//! Validation of [`WorkloadEntry`](crate::networking::WorkloadEntry), as Istio's admission webhook performs it.
//!
//! The endpoint rules are shared with ServiceEntry `endpoints` (STATIC resolution) through
//! [`validate_entry`], as upstream's `validateWorkloadEntry` is.

use std::collections::BTreeSet;

use crate::networking::{WorkloadEntry, WorkloadEntrySpec};

use super::common::dns::validate_fqdn;
use super::common::ip::is_ip_address;
use super::common::labels::validate_istio_label;
use super::common::ports::{validate_port, validate_port_name};
use super::common::unix::{UNIX_ADDRESS_PREFIX, UnixAddressError, check_unix_address};
use super::{Path, Report};

/// Checks a WorkloadEntry; diagnostics go to `report`.
pub(crate) fn validate(r: &WorkloadEntry, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    // A standalone entry is not tied to a resolution mode: DNS names are allowed, and the
    // port names cannot be checked against a service.
    validate_entry(&r.spec, &spec, None, true, report);
}

/// Istio's `validateWorkloadEntry`: the endpoint at `at`. `service_ports` holds the port names
/// of the owning ServiceEntry (None for a standalone WorkloadEntry); `allow_fqdn` admits DNS
/// names as the address (false under STATIC resolution).
pub(crate) fn validate_entry(
    we: &WorkloadEntrySpec,
    at: &Path<'_>,
    service_ports: Option<&BTreeSet<&str>>,
    allow_fqdn: bool,
    report: &mut Report,
) {
    let addr = we.address.as_deref().unwrap_or("");
    let address = at.field("address");
    if addr.is_empty() {
        match we.network.as_deref().filter(|n| !n.is_empty()) {
            None => {
                report.error(&address, "address is required (unless network is set)");
                return;
            }
            Some(n) => report.warning(
                &address,
                format!("address is unset with network {n:?}: the endpoint is reached through the network's gateway"),
            ),
        }
    }
    let ports = at.field("ports");
    let mut unix = false;
    if let Some(path) = addr.strip_prefix(UNIX_ADDRESS_PREFIX) {
        unix = true;
        match check_unix_address(path) {
            Ok(()) => {}
            Err(UnixAddressError::Empty) => report.error(&address, "unix address must not be empty"),
            Err(UnixAddressError::NotAbsoluteFile) => {
                report.error(&address, format!("unix address {path:?} is not an absolute path to a file"))
            }
        }
        if !we.ports.is_empty() {
            report.error(&ports, format!("unix endpoint {addr:?} must not include ports"));
        }
    } else if !addr.is_empty() && !is_ip_address(addr) {
        if !allow_fqdn {
            report.error(&address, format!("endpoint address {addr:?} is not a valid IP address"));
        } else if validate_fqdn(addr).is_err() {
            report.error(&address, format!("endpoint address {addr:?} is not a valid FQDN or an IP address"));
        }
    }
    validate_endpoint_ports(we, &ports, service_ports, report);
    validate_endpoint_labels(we, &at.field("labels"), report);
    if unix
        && let Some(sp) = service_ports
        && sp.len() != 1
    {
        report.error(
            &address,
            format!(
                "exactly 1 service port is required for unix endpoint {addr:?}, but the service declares {}",
                sp.len()
            ),
        );
    }
}

/// The endpoint's port map: each name declared by the service (when known), each name a
/// DNS-1123 label, each number in 1..=65535.
pub(crate) fn validate_endpoint_ports(
    we: &WorkloadEntrySpec,
    ports: &Path<'_>,
    service_ports: Option<&BTreeSet<&str>>,
    report: &mut Report,
) {
    for (name, &port) in &we.ports {
        let p = ports.key(name);
        if let Some(sp) = service_ports
            && !sp.contains(name.as_str())
        {
            report.error(&p, format!("endpoint port {name:?} ({port}) is not defined by the service entry"));
        }
        if let Err(e) = validate_port_name(name) {
            report.error(&p, e);
        }
        if let Err(e) = validate_port(port) {
            report.error(&p, e);
        }
    }
}

/// The endpoint's labels, as Istio's `labels.Instance.Validate`.
pub(crate) fn validate_endpoint_labels(we: &WorkloadEntrySpec, labels: &Path<'_>, report: &mut Report) {
    for (k, v) in &we.labels {
        if let Err(e) = validate_istio_label(k, v) {
            report.error(&labels.key(k), e);
        }
    }
}
