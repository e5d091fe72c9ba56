//! ServiceEntries: one service per host, and their endpoints
//! (`pilot/pkg/serviceregistry/serviceentry/conversion.go`).

use super::RegistryOptions;
use super::endpoint::{Endpoint, EndpointContext, Health, for_entry_ports};
use super::protocol::Protocol;
use super::service::{ExportTo, Origin, Resolution, Service, ServicePort, TargetPort, created_nanos};
use super::workload::from_workload_entry_spec;
use super::workload_table::WorkloadRecord;
use crate::networking::{self, Location, ServiceEntry};

/// The services of a ServiceEntry, one per host, as Istio's `convertServices` builds them:
/// every host gets every address (a CIDR with a full mask becomes a plain IP; other CIDRs are
/// kept; anything else is dropped), the ports with `protocol.Parse` of their protocol, and
/// the entry's location, resolution, `exportTo` (mesh default when unset),
/// `workloadSelector` and `subjectAltNames`.
pub(crate) fn services_of(se: &ServiceEntry, options: &RegistryOptions) -> Vec<Service> {
    let spec = &se.spec;
    let namespace = se.metadata.namespace().to_string();
    let resolution = match spec.resolution.unwrap_or_default() {
        networking::Resolution::None => Resolution::Passthrough,
        networking::Resolution::Static => Resolution::ClientSideLb,
        networking::Resolution::Dns => Resolution::DnsLb,
        networking::Resolution::DnsRoundRobin => Resolution::DnsRoundRobinLb,
        networking::Resolution::DynamicDns => Resolution::DynamicDns,
    };
    let ports: Vec<ServicePort> = spec
        .ports
        .iter()
        .map(|p| ServicePort {
            name: p.name.clone(),
            number: p.number,
            protocol: Protocol::parse(p.protocol.as_deref().unwrap_or("")),
            target_port: p.target_port.filter(|t| *t != 0).map(TargetPort::Number),
            app_protocol: None,
        })
        .collect();
    let addresses: Vec<String> = spec.addresses.iter().filter_map(|a| normalize_address(a)).collect();
    let export_to = if spec.export_to.is_empty() {
        ExportTo::parse(options.default_export_to.iter().map(String::as_str), &namespace)
    } else {
        ExportTo::parse(spec.export_to.iter().map(String::as_str), &namespace)
    };
    let selector = spec.workload_selector.as_ref().map(|s| s.labels.clone());
    spec.hosts
        .iter()
        .map(|host| Service {
            hostname: host.clone(),
            namespace: namespace.clone(),
            name: se.metadata.name().to_string(),
            origin: Origin::ServiceEntry,
            addresses: addresses.clone(),
            ports: ports.clone(),
            resolution,
            location: spec.location.unwrap_or(Location::MeshExternal),
            export_to: export_to.clone(),
            labels: se.metadata.labels.clone(),
            selector: selector.clone(),
            service_accounts: spec.subject_alt_names.clone(),
            service_type: None,
            external_name: None,
            external_addresses: Vec::new(),
            node_local: false,
            publish_not_ready_addresses: false,
            creation_timestamp: se.metadata.creation_timestamp.clone(),
            created: created_nanos(se.metadata.creation_timestamp.as_deref()),
        })
        .collect()
}

/// An IP stays; a CIDR with a full mask becomes its IP; another valid CIDR stays; anything
/// else is dropped.
fn normalize_address(a: &str) -> Option<String> {
    if a.parse::<std::net::IpAddr>().is_ok() {
        return Some(a.to_string());
    }
    let (ip, bits) = a.split_once('/')?;
    let ip: std::net::IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let full = if ip.is_ipv4() { 32 } else { 128 };
    match bits {
        b if b == full => Some(ip.to_string()),
        b if b < full => Some(a.to_string()),
        _ => None,
    }
}

/// The endpoints of one service of a ServiceEntry (`convertServiceEntryToInstances`, and the
/// workloads its selector picks):
/// - no inline endpoints, no selector, and DNS or DNS_ROUND_ROBIN resolution: the host itself,
///   once per port, on the port's target port (else its number);
/// - otherwise each inline endpoint, once per port;
/// - then, with a `workloadSelector`, every WorkloadEntry and pod of the entry's namespace
///   carrying its labels (`selected`, in key order).
pub(crate) fn endpoints_of<'a>(
    ctx: &dyn EndpointContext,
    se: &ServiceEntry,
    svc: &Service,
    selected: impl IntoIterator<Item = &'a WorkloadRecord>,
) -> Vec<Endpoint> {
    let spec = &se.spec;
    let mut out = Vec::new();
    let ns = se.metadata.namespace();
    if spec.endpoints.is_empty()
        && spec.workload_selector.is_none()
        && matches!(svc.resolution, Resolution::DnsLb | Resolution::DnsRoundRobinLb)
    {
        for sp in &svc.ports {
            let port = match sp.target_port {
                Some(TargetPort::Number(t)) => t,
                _ => sp.number,
            };
            out.push(Endpoint {
                address: svc.hostname.clone(),
                port,
                service_port_name: sp.name.clone(),
                weight: 1,
                locality: Default::default(),
                health: Health::Healthy,
                labels: Default::default(),
                network: None,
                service_account: None,
                tls_mode: "disabled".to_string(),
                namespace: ns.to_string(),
                workload: None,
                node_name: None,
            });
        }
        return out;
    }
    for (i, inline) in spec.endpoints.iter().enumerate() {
        let name = format!("{}-{i}", se.metadata.name());
        let w = from_workload_entry_spec(inline, &Default::default(), ns, &name, ctx.system_network());
        let start = out.len();
        for_entry_ports(svc, &w, &ctx.labels_for(&w), &mut out);
        for ep in &mut out[start..] {
            ep.workload = None;
        }
    }
    if spec.workload_selector.is_some() {
        for r in selected {
            for_entry_ports(svc, &r.workload, &r.endpoint_labels, &mut out);
        }
    }
    out
}
