//! The destination workload of a request, as the server side sees it: its namespace, labels
//! and service account, and the workload port the client's port maps to. Taken from the
//! request's `destination.workload` when given, else derived from the Kubernetes Service (or
//! the ServiceEntry) of `destination.host`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::kube::{IntOrString, Pod, Service};
use mesh_model::networking::ServiceEntry;
use mesh_model::snapshot::resolve_short_name;
use mesh_model::{Kind, Resource, Snapshot};

use crate::request::Request;

/// The registry entry the destination host resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Registry {
    /// A Kubernetes Service `namespace/name`.
    Service { namespace: String, name: String },
    /// A ServiceEntry `namespace/name`.
    ServiceEntry { namespace: String, name: String },
}

/// The server workload of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DestinationWorkload {
    pub(crate) namespace: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) service_account: Option<String>,
    /// The port the workload receives the request on (the Service's target port).
    pub(crate) port: u16,
    /// The FQDN of the host (or the host itself when it is an IP or unknown).
    pub(crate) fqdn: String,
    /// The Service or ServiceEntry the host resolved to.
    pub(crate) registry: Option<Registry>,
}

fn pods_selected<'s>(
    snapshot: &'s Snapshot,
    namespace: &str,
    selector: &BTreeMap<String, String>,
) -> impl Iterator<Item = &'s Pod> {
    let selector = selector.clone();
    let namespace = namespace.to_string();
    snapshot.of_kind(Kind::Pod).iter().filter_map(move |r| match r {
        Resource::Pod(p)
            if p.metadata.namespace() == namespace
                && !selector.is_empty()
                && selector.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v)) =>
        {
            Some(p)
        }
        _ => None,
    })
}

fn service_by_ip<'s>(snapshot: &'s Snapshot, ip: &str) -> Option<&'s Service> {
    snapshot.of_kind(Kind::Service).iter().find_map(|r| match r {
        Resource::Service(s)
            if s.spec.cluster_ip.as_deref() == Some(ip) || s.spec.cluster_ips.iter().any(|c| c == ip) =>
        {
            Some(s)
        }
        _ => None,
    })
}

/// The target port a Service maps `port` to, resolving a named target port against the
/// selected pods' container ports.
fn service_target_port(snapshot: &Snapshot, svc: &Service, port: u16) -> u16 {
    let Some(sp) = svc.spec.ports.iter().find(|p| p.port == i32::from(port)) else { return port };
    match sp.effective_target_port() {
        IntOrString::Int(n) => u16::try_from(n).unwrap_or(port),
        IntOrString::String(name) => pods_selected(snapshot, svc.metadata.namespace(), &svc.spec.selector)
            .flat_map(|p| p.spec.containers.iter().flat_map(|c| &c.ports))
            .find(|cp| cp.name.as_deref() == Some(name.as_str()))
            .and_then(|cp| u16::try_from(cp.container_port).ok())
            .unwrap_or(port),
    }
}

fn service_entry_target_port(se: &ServiceEntry, port: u16) -> u16 {
    se.spec
        .ports
        .iter()
        .find(|p| p.number == u32::from(port))
        .and_then(|p| p.target_port)
        .and_then(|t| u16::try_from(t).ok())
        .unwrap_or(port)
}

/// Resolves the destination of `req` against `snapshot`; `default_namespace` resolves short
/// names when the source has no namespace.
pub(crate) fn resolve(snapshot: &Snapshot, req: &Request, default_namespace: &str) -> DestinationWorkload {
    let host = req.destination.host.as_str();
    let client_port = req.destination.port.unwrap_or(0);
    let source_ns = req.source.namespace.as_deref().unwrap_or(default_namespace);
    let is_ip = host.parse::<IpAddr>().is_ok();
    let fqdn =
        if is_ip { host.to_string() } else { resolve_short_name(host, source_ns, snapshot.domain_suffix()) };

    let service = if is_ip {
        service_by_ip(snapshot, host)
    } else {
        snapshot.by_host(Kind::Service, &fqdn).find_map(|r| match r {
            Resource::Service(s) => Some(s),
            _ => None,
        })
    };
    let mut out = if let Some(svc) = service {
        let ns = svc.metadata.namespace().to_string();
        let sa =
            pods_selected(snapshot, &ns, &svc.spec.selector).next().map(|p| p.service_account().to_string());
        DestinationWorkload {
            namespace: ns.clone(),
            labels: svc.spec.selector.clone(),
            service_account: sa,
            port: service_target_port(snapshot, svc, client_port),
            fqdn,
            registry: Some(Registry::Service { namespace: ns, name: svc.metadata.name().to_string() }),
        }
    } else if let Some(se) = snapshot.by_host(Kind::ServiceEntry, &fqdn).find_map(|r| match r {
        Resource::ServiceEntry(se) => Some(se),
        _ => None,
    }) {
        let ns = se.metadata.namespace().to_string();
        DestinationWorkload {
            namespace: ns.clone(),
            labels: se.spec.workload_selector.as_ref().map(|s| s.labels.clone()).unwrap_or_default(),
            service_account: None,
            port: service_entry_target_port(se, client_port),
            fqdn,
            registry: Some(Registry::ServiceEntry { namespace: ns, name: se.metadata.name().to_string() }),
        }
    } else {
        // An unknown host: a Kubernetes-style FQDN still names its namespace.
        let suffix = format!(".svc.{}", snapshot.domain_suffix());
        let ns = fqdn
            .strip_suffix(&suffix)
            .and_then(|rest| rest.rsplit_once('.'))
            .map_or(source_ns.to_string(), |(_, ns)| ns.to_string());
        DestinationWorkload {
            namespace: ns,
            labels: BTreeMap::new(),
            service_account: None,
            port: client_port,
            fqdn,
            registry: None,
        }
    };
    if let Some(w) = &req.destination.workload {
        out.namespace = w.namespace.clone();
        out.labels = w.labels.clone();
        out.service_account = w.service_account.clone();
    }
    out
}
