//! Hosts, gateway names and SNI host matching.

use crate::networking::VirtualServiceSpec;
use crate::validate::common::dns::{
    check_dns1123_preconditions, is_dns1123_label, validate_fqdn, validate_wildcard_domain,
};
use crate::validate::common::ip::is_ip_address;
use crate::validate::{Path, Report};

use super::is_sni_host;

pub(super) fn validate_hosts(
    vs: &VirtualServiceSpec,
    applies_to_gateway: bool,
    applies_to_mesh: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mut all_valid = true;
    for (i, host) in vs.hosts.iter().enumerate() {
        let res = if applies_to_gateway {
            validate_wildcard_domain_for_gateway(is_sni_host(vs), host)
        } else {
            validate_wildcard_domain(host)
        };
        match res {
            Err(e) => {
                if !is_ip_address(host) {
                    report.error(&path.index(i), e);
                    all_valid = false;
                }
            }
            Ok(()) if applies_to_mesh && host == "*" => {
                report.error(
                    &path.index(i),
                    "wildcard host * is not allowed for virtual services bound to the mesh gateway",
                );
                all_valid = false;
            }
            Ok(()) => {}
        }
    }
    if all_valid {
        for i in 0..vs.hosts.len() {
            for j in i + 1..vs.hosts.len() {
                if host_matches(&vs.hosts[i], &vs.hosts[j]) {
                    report.error(
                        &path.index(j),
                        format!("duplicate hosts in virtual service: {} & {}", vs.hosts[i], vs.hosts[j]),
                    );
                }
            }
        }
    }
}

/// Istio's `ValidateWildcardDomainForVirtualServiceBoundToGateway`: as `ValidateWildcardDomain`,
/// but SNI hosts may also be Istio's auto-generated `outbound_.<port>_._.<host>` names.
pub(super) fn validate_wildcard_domain_for_gateway(sni: bool, domain: &str) -> Result<(), String> {
    check_dns1123_preconditions(domain)?;
    if sni && domain.starts_with("outbound_") {
        let format = "outbound_.<port>_._.<hostname>";
        let parts: Vec<&str> = domain.split('_').collect();
        if parts.len() < 4 {
            return Err(format!("domain name {domain} invalid, should follow '{format}' format"));
        }
        let direction = parts[0];
        let port = parts[1].trim_matches('.');
        let hostname = parts[3].trim_matches('.');
        if direction != "outbound" {
            return Err(format!("domain name {domain:?} invalid (label {direction:?} invalid)"));
        }
        if !port.bytes().any(|c| c.is_ascii_digit()) {
            return Err(format!(
                "domain name {domain:?} invalid (label {port:?} invalid). should follow {format} format"
            ));
        }
        if !hostname.bytes().any(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "domain name {domain:?} invalid (label {hostname:?} invalid). should follow {format} format"
            ));
        }
        return Ok(());
    }
    validate_wildcard_domain(domain)
}

/// Istio's `host.Name.Matches`: either name covers the other (wildcards on both sides).
fn host_matches(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => {
            if a.len() < b.len() {
                sb.ends_with(sa)
            } else {
                sa.ends_with(sb)
            }
        }
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Istio's `host.Name.SubsetOf`: `a` is covered by `b`.
pub(super) fn host_subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => a.len() >= b.len() && sa.ends_with(sb),
        (Some(_), None) => false,
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Istio's `validateGatewayNames`: `namespace/name` or a legacy FQDN (which ends the check).
pub(super) fn validate_gateway_names(
    names: &[String],
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    for (i, name) in names.iter().enumerate() {
        let p = path.index(i);
        let Some((ns, gw)) = name.split_once('/') else {
            if name.contains('.') {
                let parts: Vec<&str> = name.split('.').collect();
                report.warning(
                    &p,
                    format!(
                        "using legacy gatewayName format {name:?}; prefer the <namespace>/<name> format: \"{}/{}\"",
                        parts[1], parts[0]
                    ),
                );
            }
            if let Err(e) = validate_fqdn(name) {
                report.error(&p, e);
            }
            // Istio stops checking the remaining names here.
            return;
        };
        if ns.is_empty() || gw.is_empty() {
            report.error(&p, format!("config namespace and gateway name cannot be empty in {name:?}"));
        }
        if !is_dns1123_label(ns) {
            report.error(&p, format!("invalid value for namespace: {ns:?}"));
        }
        if !is_dns1123_label(gw) && !gateway_semantics {
            report.error(&p, format!("invalid value for gateway name: {gw:?}"));
        }
    }
}
