//! The destination workload of a request, as the server side sees it: its namespace, labels
//! and service account, and the workload port the client's port maps to. Taken from the
//! request's `destination.workload` when given, else derived from the Kubernetes Service (or
//! the ServiceEntry) of `destination.host`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::registry::{Origin, Registry, Service, TargetPort};
use mesh_model::snapshot::resolve_short_name;

use crate::request::Request;

/// The object the destination host resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
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
    pub(crate) registry: Option<Source>,
}

/// The workload port behind service port `port`: what the service's endpoints receive on
/// (named target ports resolved per pod by the registry), else the port's numeric target
/// port, else `port` itself.
fn target_port(registry: &Registry, svc: &Service, port: u16) -> u16 {
    let from_endpoints = registry
        .endpoints_for_port(svc, u32::from(port))
        .find_map(|e| u16::try_from(e.port).ok().filter(|p| *p != 0));
    from_endpoints
        .or_else(|| match svc.port(u32::from(port)).and_then(|p| p.target_port.as_ref()) {
            Some(TargetPort::Number(n)) => u16::try_from(*n).ok(),
            _ => None,
        })
        .unwrap_or(port)
}

/// Resolves the destination of `req` with the service registry, as the client's sidecar
/// resolves the host; `default_namespace` stands for the source namespace when it has none.
pub(crate) fn resolve(registry: &Registry, req: &Request, default_namespace: &str) -> DestinationWorkload {
    let host = req.destination.host.as_str();
    let client_port = req.destination.port.unwrap_or(0);
    let source_ns = req.source.namespace.as_deref().unwrap_or(default_namespace);
    let service = if host.parse::<IpAddr>().is_ok() {
        registry.lookup_ip(host).services.first().copied()
    } else {
        registry.resolve(host, source_ns)
    };
    let mut out = match service {
        Some(svc) => {
            let ns = svc.namespace.clone();
            let name = svc.name.clone();
            DestinationWorkload {
                namespace: ns.clone(),
                labels: svc.selector.clone().unwrap_or_default(),
                service_account: registry.endpoints(svc).iter().find_map(|e| e.service_account.clone()),
                port: target_port(registry, svc, client_port),
                fqdn: svc.hostname.clone(),
                registry: Some(match svc.origin {
                    Origin::ServiceEntry => Source::ServiceEntry { namespace: ns, name },
                    _ => Source::Service { namespace: ns, name },
                }),
            }
        }
        None => {
            let fqdn = if host.parse::<IpAddr>().is_ok() {
                host.to_string()
            } else {
                resolve_short_name(host, source_ns, &registry.options().domain_suffix)
            };
            // An unknown host: a Kubernetes-style FQDN still names its namespace.
            let suffix = format!(".svc.{}", registry.options().domain_suffix);
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
        }
    };
    if let Some(w) = &req.destination.workload {
        out.namespace = w.namespace.clone();
        out.labels = w.labels.clone();
        out.service_account = w.service_account.clone();
    }
    out
}
