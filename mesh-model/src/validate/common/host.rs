//! `namespace/dnsName` host entries of Gateway servers and Sidecar egress listeners
//! (istio/istio `agent.ValidateNamespaceSlashWildcardHostname`).

use super::dns::{is_dns1123_label, is_partial_wildcard, validate_wildcard_domain};
use super::ip::is_ip_address;

/// The host part of a gateway or sidecar host entry (`validateSidecarOrGatewayHostnamePart`):
/// a (wildcard) FQDN, or for gateways also an IP address; no partial wildcard.
fn validate_hostname_part(hostname: &str, is_gateway: bool) -> Result<(), String> {
    let mut errs = Vec::new();
    if hostname != "*" && !hostname.contains('.') {
        errs.push(format!("short names (non FQDN) are not allowed: {hostname:?}"));
    }
    if let Err(e) = validate_wildcard_domain(hostname) {
        // Gateways also accept an IP address as the host.
        if !is_gateway || !is_ip_address(hostname) {
            errs.push(e);
        }
    }
    if is_partial_wildcard(hostname) {
        errs.push(format!("partial wildcard {hostname:?} not allowed"));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}

/// A `namespace/dnsName` host of a gateway server or sidecar egress listener
/// (`ValidateNamespaceSlashWildcardHostname`). Gateways also accept a bare `dnsName`, and
/// `~/` when the gateway was generated from the Gateway API (`gateway_semantics`).
pub(crate) fn validate_namespace_slash_wildcard_hostname(
    hostname: &str,
    is_gateway: bool,
    gateway_semantics: bool,
) -> Result<(), String> {
    let Some((ns, host)) = hostname.split_once('/') else {
        if is_gateway {
            return validate_hostname_part(hostname, true);
        }
        return Err(format!("host {hostname:?} must be of form namespace/dnsName"));
    };
    let mut errs = Vec::new();
    if ns.is_empty() || host.is_empty() {
        errs.push(format!("config namespace and dnsName in host entry {hostname:?} cannot be empty"));
    }
    if !is_gateway {
        // `*`, `.`, or a DNS label, optionally `~`-prefixed to exclude it.
        let n = ns.strip_prefix('~').unwrap_or(ns);
        if !n.is_empty() && n != "*" && n != "." && !is_dns1123_label(n) {
            errs.push(format!("invalid namespace value {ns:?} in sidecar"));
        }
    } else if ns != "*" && ns != "." && (ns != "~" || !gateway_semantics) && !is_dns1123_label(ns) {
        errs.push(format!("invalid namespace value {ns:?} in gateway"));
    }
    if let Err(e) = validate_hostname_part(host, is_gateway) {
        errs.push(e);
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}
