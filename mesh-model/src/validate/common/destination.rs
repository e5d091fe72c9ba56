//! A route destination (istio/istio `validateDestination`): VirtualService routes and
//! mirrors, and the Sidecar's egress proxy.

use super::dns::{is_dns1123_label, validate_wildcard_domain};
use super::ports::validate_port;
use crate::networking::Destination;
use crate::validate::{Path, Report};

/// `validateDestination`: a host other than `*` that is a (wildcard) domain, a subset name
/// that is a DNS-1123 label, and a valid port number when a port is given.
pub(crate) fn validate_destination(d: &Destination, at: &Path<'_>, report: &mut Report) {
    let hp = at.field("host");
    if d.host == "*" {
        report.error(&hp, format!("invalid destination host {}", d.host));
    } else if let Err(e) = validate_wildcard_domain(&d.host) {
        report.error(&hp, e);
    }
    if let Some(subset) = d.subset.as_deref().filter(|s| !s.is_empty())
        && !is_dns1123_label(subset)
    {
        report.error(&at.field("subset"), format!("subset name is invalid: {subset}"));
    }
    if let Some(port) = &d.port
        && let Err(e) = validate_port(port.number.unwrap_or(0))
    {
        let port_at = at.field("port");
        report.error(&port_at.field("number"), e);
    }
}
