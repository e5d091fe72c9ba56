//! TLS and TCP routes.

use crate::networking::{TcpRoute, TlsRoute, VirtualServiceSpec};
use crate::validate::common::dns::validate_wildcard_domain;
use crate::validate::common::ip::{is_ip_address, validate_ip_subnet};
use crate::validate::common::labels::validate_label_map;
use crate::validate::common::ports::validate_port;
use crate::validate::{Path, Report};

use super::hosts::{host_subset_of, validate_gateway_names, validate_wildcard_domain_for_gateway};
use super::http::validate_route_destinations;
use super::is_gateway;

pub(super) fn validate_tls_route(
    t: &TlsRoute,
    vs: &VirtualServiceSpec,
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mp = path.field("match");
    if t.matches.is_empty() {
        report.error(&mp, "TLS route must have at least one match condition");
    }
    for (j, m) in t.matches.iter().enumerate() {
        let p = mp.index(j);
        let sp = p.field("sniHosts");
        if m.sni_hosts.is_empty() {
            report.error(&sp, "TLS match must have at least one SNI host");
        }
        for (k, sni) in m.sni_hosts.iter().enumerate() {
            validate_sni_host(sni, vs, &sp.index(k), report);
        }
        validate_subnets(&m.destination_subnets, &p.field("destinationSubnets"), report);
        validate_match_port(m.port, &p.field("port"), report);
        validate_label_map(&m.source_labels, &p.field("sourceLabels"), report);
        validate_gateway_names(&m.gateways, false, &p.field("gateways"), report);
    }
    if t.route.is_empty() {
        report.error(&path.field("route"), "TLS route is required");
    }
    validate_route_destinations(&t.route, gateway_semantics, &path.field("route"), report);
}

/// Istio's `validateSniHost`: a (wildcard) domain covered by one of the VirtualService's hosts;
/// an IP address is only warned about.
fn validate_sni_host(sni: &str, vs: &VirtualServiceSpec, path: &Path<'_>, report: &mut Report) {
    let res = if is_gateway(vs) {
        validate_wildcard_domain_for_gateway(true, sni)
    } else {
        validate_wildcard_domain(sni)
    };
    if let Err(e) = res {
        if is_ip_address(sni) {
            report.warning(
                path,
                format!(
                    "using an IP address ({sni:?}) goes against SNI spec and most clients do not support this"
                ),
            );
        } else {
            report.error(path, e);
        }
        return;
    }
    if vs.hosts.iter().any(|h| host_subset_of(sni, h)) {
        return;
    }
    report.error(
        path,
        format!(
            "SNI host {sni:?} is not a compatible subset of any of the virtual service hosts: [{}]",
            vs.hosts.join(", ")
        ),
    );
}

pub(super) fn validate_tcp_route(
    t: &TcpRoute,
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mp = path.field("match");
    for (j, m) in t.matches.iter().enumerate() {
        let p = mp.index(j);
        validate_subnets(&m.destination_subnets, &p.field("destinationSubnets"), report);
        validate_match_port(m.port, &p.field("port"), report);
        validate_label_map(&m.source_labels, &p.field("sourceLabels"), report);
        validate_gateway_names(&m.gateways, false, &p.field("gateways"), report);
    }
    if t.route.is_empty() {
        report.error(&path.field("route"), "TCP route is required");
    }
    validate_route_destinations(&t.route, gateway_semantics, &path.field("route"), report);
}

fn validate_match_port(port: Option<u32>, path: &Path<'_>, report: &mut Report) {
    if let Some(p) = port.filter(|p| *p != 0)
        && let Err(e) = validate_port(p)
    {
        report.error(path, e);
    }
}

fn validate_subnets(subnets: &[String], path: &Path<'_>, report: &mut Report) {
    for (i, s) in subnets.iter().enumerate() {
        if let Err(e) = validate_ip_subnet(s) {
            report.error(&path.index(i), e);
        }
    }
}
