//! Validation of [`ServiceEntry`](crate::networking::ServiceEntry), as Istio's admission webhook performs it.

use std::collections::BTreeSet;

use crate::networking::{Location, Resolution, ServiceEntry, ServicePort};
use crate::registry::Protocol;

use super::common::dns::{is_partial_wildcard, validate_fqdn, validate_wildcard_domain};
use super::common::export_to::{ExportToOwner, validate_export_to};
use super::common::ip::{is_ip_address, validate_ip_subnet};
use super::common::ports::{validate_port, validate_port_name};
use super::common::selector::{LabelValueLimit, check_selector_labels};
use super::workload_entry::{validate_endpoint_labels, validate_endpoint_ports, validate_entry};
use super::{Path, Report};

/// Label opting a ServiceEntry out of automatic VIP allocation (`"false"`).
const AUTOALLOCATE_LABEL: &str = "networking.istio.io/enable-autoallocate-ip";
/// Label binding a resource to a waypoint proxy (`"none"` opts out).
const USE_WAYPOINT_LABEL: &str = "istio.io/use-waypoint";

/// Checks a ServiceEntry; diagnostics go to `report`.
pub(crate) fn validate(r: &ServiceEntry, report: &mut Report) {
    let se = &r.spec;
    let root = Path::Root;
    let spec = root.field("spec");
    let resolution = se.resolution.unwrap_or_default();

    // Upstream rejects a bad selector before any other check and reports nothing else.
    if let Some(sel) = &se.workload_selector {
        let ws = spec.field("workloadSelector");
        let labels = ws.field("labels");
        if check_selector_labels(&sel.labels, &labels, LabelValueLimit::Unchecked, report) {
            return;
        }
        if sel.labels.is_empty() {
            report.warning(
                &ws,
                "service entry: workload selector specified without labels, will be applied to all services in namespace",
            );
        }
        if !se.endpoints.is_empty() {
            report.error(
                &spec.field("endpoints"),
                "only one of workloadSelector or endpoints is allowed in a ServiceEntry",
            );
        }
    }

    let hosts = spec.field("hosts");
    if se.hosts.is_empty() {
        report.error(&hosts, "service entry must have at least one host");
    }
    for (i, host) in se.hosts.iter().enumerate() {
        let h = hosts.index(i);
        if host == "*" {
            report.error(&h, "invalid host \"*\": a ServiceEntry host cannot be the full wildcard");
            continue;
        }
        if let Err(e) = validate_wildcard_domain(host) {
            report.error(&h, e);
        }
        if resolution != Resolution::DynamicDns && is_partial_wildcard(host) {
            report.warning(
                &h,
                format!("partial wildcard {host:?} not allowed: only a leading \"*.\" is supported"),
            );
        }
    }

    let addresses = spec.field("addresses");
    let mut first_cidr = None;
    for (i, address) in se.addresses.iter().enumerate() {
        if address.contains('/') && first_cidr.is_none() {
            first_cidr = Some(i);
        }
        if let Err(e) = validate_ip_subnet(address) {
            report.error(&addresses.index(i), e);
        }
    }
    if let Some(i) = first_cidr
        && !matches!(resolution, Resolution::None | Resolution::Static)
    {
        report.error(
            &addresses.index(i),
            format!("CIDR address {:?} is allowed only for NONE/STATIC resolution types", se.addresses[i]),
        );
    }

    let auto_allocation = should_auto_allocate_ip(r);
    let ports = spec.field("ports");
    let mut port_names: BTreeSet<&str> = BTreeSet::new();
    let mut port_numbers: BTreeSet<u32> = BTreeSet::new();
    for (i, port) in se.ports.iter().enumerate() {
        let p = ports.index(i);
        let name = p.field("name");
        let number = p.field("number");
        if !port_names.insert(port.name.as_str()) {
            report.error(&name, format!("service entry port name {:?} already defined", port.name));
        }
        if !port_numbers.insert(port.number) {
            report.error(&number, format!("service entry port {} already defined", port.number));
        }
        if let Some(tp) = port.target_port
            && tp != 0
            && let Err(e) = validate_port(tp)
        {
            report.error(&p.field("targetPort"), e);
        }
        let proto = port.protocol.as_deref().unwrap_or("");
        if se.addresses.is_empty() && !auto_allocation && (proto.is_empty() || proto == "TCP") {
            report.warning(
                &protocol_path(port, &p),
                "addresses are required for ports serving TCP (or unset) protocol when IP autoallocation is not enabled",
            );
        }
        if let Err(e) = validate_port_name(&port.name) {
            report.error(&name, e);
        }
        if !proto.is_empty() && Protocol::parse(proto) == Protocol::Unsupported {
            report.error(&p.field("protocol"), format!("unsupported protocol: {proto}"));
        }
        if let Err(e) = validate_port(port.number) {
            report.error(&number, e);
        }
    }

    let endpoints = spec.field("endpoints");
    match resolution {
        Resolution::None => {
            if !se.endpoints.is_empty() {
                report.error(&endpoints, "no endpoints should be provided for resolution type NONE");
            }
            if se.workload_selector.is_some() {
                report.warning(
                    &spec.field("workloadSelector"),
                    "workloadSelector should not be set when resolution mode is NONE",
                );
            }
        }
        Resolution::Static => {
            for (i, ep) in se.endpoints.iter().enumerate() {
                validate_entry(ep, &endpoints.index(i), Some(&port_names), false, report);
            }
        }
        Resolution::Dns | Resolution::DnsRoundRobin => {
            let mode = resolution_name(resolution);
            if se.endpoints.is_empty()
                && let Some((i, err)) =
                    se.hosts.iter().enumerate().find_map(|(i, h)| validate_fqdn(h).err().map(|e| (i, e)))
            {
                report.error(
                    &hosts.index(i),
                    format!(
                        "hosts must be FQDN if no endpoints are provided for resolution mode {mode}: {err}"
                    ),
                );
            }
            if resolution == Resolution::DnsRoundRobin && se.endpoints.len() > 1 {
                report.error(
                    &endpoints,
                    format!("there must only be 0 or 1 endpoint for resolution mode {mode}"),
                );
            }
            for (i, ep) in se.endpoints.iter().enumerate() {
                let e = endpoints.index(i);
                let addr = ep.address.as_deref().unwrap_or("");
                if !is_ip_address(addr) && validate_fqdn(addr).is_err() {
                    report.error(
                        &e.field("address"),
                        format!("endpoint address {addr:?} is not a valid FQDN or an IP address"),
                    );
                }
                validate_endpoint_labels(ep, &e.field("labels"), report);
                validate_endpoint_ports(ep, &e.field("ports"), Some(&port_names), report);
            }
            if !se.addresses.is_empty()
                && se.hosts.len() > 1
                && se.ports.iter().any(|p| Protocol::parse(p.protocol.as_deref().unwrap_or("")).is_tcp())
            {
                report.warning(
                    &hosts,
                    "service entry can not have more than one host specified simultaneously with address and tcp port",
                );
            }
        }
        Resolution::DynamicDns => {
            let mode = resolution_name(resolution);
            if se.hosts.is_empty() {
                report.error(
                    &hosts,
                    format!("at least one wildcard host must be provided for resolution type {mode}"),
                );
            }
            for (i, host) in se.hosts.iter().enumerate() {
                if !host.starts_with('*') {
                    report.error(
                        &hosts.index(i),
                        format!("host {host:?} must be wildcarded for resolution mode {mode}"),
                    );
                }
            }
            if !se.addresses.is_empty() {
                report.error(
                    &addresses,
                    format!("addresses cannot be set for resolution type {mode}: HTTP route domains are only generated from the hosts"),
                );
            }
            if !se.endpoints.is_empty() {
                report.error(
                    &endpoints,
                    format!("endpoints cannot be set for resolution type {mode}: the destination address is determined from the hosts"),
                );
            }
            for (i, port) in se.ports.iter().enumerate() {
                let proto = Protocol::parse(port.protocol.as_deref().unwrap_or(""));
                if !matches!(proto, Protocol::Http | Protocol::Tls | Protocol::Grpc | Protocol::Http2) {
                    report.error(
                        &protocol_path(port, &ports.index(i)),
                        format!("only HTTP, TLS, GRPC, and HTTP2 protocols are supported for resolution type {mode}"),
                    );
                }
            }
            if se.location == Some(Location::MeshInternal) && uses_waypoint(r) {
                report.error(
                    &spec.field("location"),
                    format!("location MESH_INTERNAL with resolution type {mode} is not supported when using waypoints"),
                );
            }
        }
    }

    // Plain TCP cannot tell several hosts apart, unless the hosts are ignored (NONE).
    if resolution != Resolution::None && se.hosts.len() > 1 {
        for (i, port) in se.ports.iter().enumerate() {
            let proto = Protocol::parse(port.protocol.as_deref().unwrap_or(""));
            if !proto.is_http() && !proto.is_tls() {
                report.error(
                    &protocol_path(port, &ports.index(i)),
                    "multiple hosts provided with non-HTTP, non-TLS ports",
                );
                break;
            }
        }
    }

    let namespace = r.metadata.namespace.as_deref().filter(|n| !n.is_empty());
    let export_to = spec.field("exportTo");
    validate_export_to(namespace, &se.export_to, ExportToOwner::ServiceEntry, &export_to, report);
}

/// The path of a port's protocol, or of the port itself when the protocol is unset.
fn protocol_path<'a>(port: &ServicePort, p: &'a Path<'a>) -> Path<'a> {
    if port.protocol.is_some() { p.field("protocol") } else { *p }
}

/// Upstream's `ShouldV2AutoAllocateIPFromConfig` with auto-allocation enabled (the default):
/// not for NONE, not when opted out by label, not when addresses are given.
fn should_auto_allocate_ip(r: &ServiceEntry) -> bool {
    r.spec.resolution.unwrap_or_default() != Resolution::None
        && !r.metadata.labels.get(AUTOALLOCATE_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("false"))
        && r.spec.addresses.is_empty()
}

/// Whether the resource is bound to a waypoint by the `istio.io/use-waypoint` label.
fn uses_waypoint(r: &ServiceEntry) -> bool {
    r.metadata
        .labels
        .get(USE_WAYPOINT_LABEL)
        .is_some_and(|v| !v.is_empty() && !v.eq_ignore_ascii_case("none"))
}

/// The wire name of a resolution mode.
fn resolution_name(r: Resolution) -> &'static str {
    match r {
        Resolution::None => "NONE",
        Resolution::Static => "STATIC",
        Resolution::Dns => "DNS",
        Resolution::DnsRoundRobin => "DNS_ROUND_ROBIN",
        Resolution::DynamicDns => "DYNAMIC_DNS",
    }
}
