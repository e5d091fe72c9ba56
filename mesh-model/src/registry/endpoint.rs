//! Endpoints: the addresses behind a service port, with the locality, health, labels and
//! identity that load balancing and policy read (`pilot/pkg/serviceregistry/kube/controller/
//! endpointslice.go`, `endpoint_builder.go`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::locality::Locality;
use super::service::{Service, TargetPort};
use super::workload::{Labels, Workload, WorkloadKey};
use crate::kube::{EndpointConditions, EndpointSlice};

/// The label on EndpointSlices that multi-cluster services (MCS) write; Istio ignores them.
pub const LABEL_MCS_SERVICE_NAME: &str = "multicluster.kubernetes.io/service-name";
/// The label Istio adds to endpoint labels naming the cluster.
pub const LABEL_TOPOLOGY_CLUSTER: &str = "topology.istio.io/cluster";
/// The node hostname label Istio adds to a pod endpoint's labels.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";

/// An endpoint's health, as Istio derives it from EndpointSlice conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Health {
    /// Ready (or readiness unknown).
    Healthy,
    /// Not ready, and not terminating.
    Unhealthy,
    /// Not ready but still serving while terminating, on a service with persistent sessions.
    Draining,
    /// Not ready and terminating.
    Terminating,
}

impl Health {
    /// `healthy`, `unhealthy`, `draining` or `terminating`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Unhealthy => "unhealthy",
            Self::Draining => "draining",
            Self::Terminating => "terminating",
        }
    }

    /// Istio's `endpointHealthStatus`: an unset or true `ready` is healthy; otherwise a
    /// service with persistent sessions sees an endpoint that is serving and terminating
    /// (either unset counts as true) as draining; otherwise a terminating endpoint (unset
    /// counts as true) is terminating; otherwise unhealthy.
    pub fn from_conditions(conditions: Option<&EndpointConditions>, supports_draining: bool) -> Self {
        let c = conditions.cloned().unwrap_or_default();
        if c.ready.unwrap_or(true) {
            return Self::Healthy;
        }
        let terminating = c.terminating.unwrap_or(true);
        if supports_draining && c.serving.unwrap_or(true) && terminating {
            return Self::Draining;
        }
        if terminating { Self::Terminating } else { Self::Unhealthy }
    }
}

/// One endpoint of one service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The address: an IP, a DNS name (DNS resolution) or a socket path (`unix://` removed).
    /// Empty for a WorkloadEntry reached through its network's gateway.
    pub address: String,
    /// The port on the endpoint (the resolved target port); 0 for a socket.
    pub port: u32,
    /// The name of the service port this endpoint serves.
    pub service_port_name: String,
    /// The load-balancing weight (1 unless a WorkloadEntry sets one).
    pub weight: u32,
    /// Where it runs (empty when unknown).
    pub locality: Locality,
    /// Its health.
    pub health: Health,
    /// Its labels, with Istio's topology labels added (`topology.istio.io/cluster`,
    /// `topology.kubernetes.io/region|zone`, `topology.istio.io/subzone`,
    /// `kubernetes.io/hostname`, `topology.istio.io/network`), as subsets match them.
    pub labels: Labels,
    /// Its network, when known.
    pub network: Option<String>,
    /// The service account it runs as, when known.
    pub service_account: Option<String>,
    /// `istio` when it runs a sidecar, else `disabled`.
    pub tls_mode: String,
    /// The namespace of the workload (or of the ServiceEntry for its inline endpoints).
    pub namespace: String,
    /// The workload behind it, when known.
    pub workload: Option<WorkloadKey>,
    /// The node it runs on.
    pub node_name: Option<String>,
}

/// The labels Istio gives endpoints of `w` (`AugmentLabels`).
pub(crate) fn augmented_labels(
    base: &BTreeMap<String, String>,
    cluster_id: &str,
    locality: &Locality,
    node: Option<&str>,
    network: Option<&str>,
) -> Labels {
    let mut out = base.clone();
    if !locality.region.is_empty() {
        out.insert(crate::kube::LABEL_TOPOLOGY_REGION.to_string(), locality.region.clone());
    }
    if !locality.zone.is_empty() {
        out.insert(crate::kube::LABEL_TOPOLOGY_ZONE.to_string(), locality.zone.clone());
    }
    if !locality.subzone.is_empty() {
        out.insert(crate::kube::LABEL_TOPOLOGY_SUBZONE.to_string(), locality.subzone.clone());
    }
    if !cluster_id.is_empty() {
        out.insert(LABEL_TOPOLOGY_CLUSTER.to_string(), cluster_id.to_string());
    }
    if let Some(n) = node.filter(|n| !n.is_empty()) {
        out.insert(LABEL_HOSTNAME.to_string(), n.to_string());
    }
    if let Some(nw) = network.filter(|n| !n.is_empty()) {
        let key = super::workload::LABEL_TOPOLOGY_NETWORK;
        if out.get(key).is_none_or(String::is_empty) {
            out.insert(key.to_string(), nw.to_string());
        }
    }
    Arc::new(out)
}

/// What endpoint building reads besides the service: workloads and cluster-wide settings.
pub(crate) trait EndpointContext {
    /// The workload of a pod.
    fn pod(&self, namespace: &str, name: &str) -> Option<&Workload>;
    /// The pod with this IP in `namespace` (the first by name), for endpoints without a
    /// target reference.
    fn pod_by_ip(&self, namespace: &str, ip: &str) -> Option<&Workload>;
    /// Augmented labels of a workload's endpoints.
    fn endpoint_labels(&self, w: &Workload) -> Labels;
    /// The labels of an endpoint without a workload.
    fn bare_labels(&self) -> Labels;
    /// The system namespace's network.
    fn system_network(&self) -> Option<&str>;
}

fn from_workload(
    ctx: &dyn EndpointContext,
    w: &Workload,
    address: &str,
    port: u32,
    port_name: &str,
) -> Endpoint {
    Endpoint {
        address: address.to_string(),
        port,
        service_port_name: port_name.to_string(),
        weight: 1,
        locality: w.locality.clone(),
        health: Health::Healthy,
        labels: ctx.endpoint_labels(w),
        network: w.network.clone(),
        service_account: w.service_account.clone(),
        tls_mode: w.tls_mode.clone(),
        namespace: w.namespace.clone(),
        workload: Some(w.key()),
        node_name: w.node_name.clone(),
    }
}

/// The endpoints of a Kubernetes Service from its EndpointSlices (in name order), as Istio's
/// `updateEndpointCacheForSlice` builds them, de-duplicated by (address, port name) with the
/// first slice winning.
pub(crate) fn from_slices<'a>(
    ctx: &dyn EndpointContext,
    svc: &Service,
    slices: impl IntoIterator<Item = &'a EndpointSlice>,
) -> Vec<Endpoint> {
    let mut out = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let draining = svc.supports_draining();
    for slice in slices {
        if slice.address_type == "FQDN" || slice.metadata.labels.contains_key(LABEL_MCS_SERVICE_NAME) {
            continue;
        }
        let ns = slice.metadata.namespace();
        for e in &slice.endpoints {
            let health = Health::from_conditions(e.conditions.as_ref(), draining);
            for a in &e.addresses {
                let pod_ref = e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod"));
                let workload = match pod_ref {
                    Some(r) => {
                        let rns = r.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(ns);
                        match ctx.pod(rns, r.name.as_deref().unwrap_or("")) {
                            Some(w) => Some(w),
                            // A pod that is expected but unknown: skip, as Istio does.
                            None => continue,
                        }
                    }
                    None => ctx.pod_by_ip(ns, a),
                };
                for p in &slice.ports {
                    let port = p.port.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                    let name = p.name.clone().unwrap_or_default();
                    if !seen.insert((a.clone(), name.clone())) {
                        continue;
                    }
                    let mut ep = match workload {
                        Some(w) => from_workload(ctx, w, a, port, &name),
                        None => Endpoint {
                            address: a.clone(),
                            port,
                            service_port_name: name,
                            weight: 1,
                            locality: Locality::default(),
                            health,
                            labels: ctx.bare_labels(),
                            network: ctx.system_network().map(str::to_string),
                            service_account: None,
                            tls_mode: "disabled".to_string(),
                            namespace: String::new(),
                            workload: None,
                            node_name: e.node_name.clone(),
                        },
                    };
                    ep.health = health;
                    out.push(ep);
                }
            }
        }
    }
    out
}

/// Endpoints of a Kubernetes Service from the WorkloadEntries its selector picks
/// (`serviceInstancesFromWorkloadInstances`): only entries with an IP address; a named
/// target port must be among the entry's ports, a numbered one is replaced by the entry's
/// port of the service port's name when it has one.
pub(crate) fn from_selected_entries<'a>(
    ctx: &dyn EndpointContext,
    svc: &Service,
    entries: impl IntoIterator<Item = &'a Workload>,
) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for w in entries {
        let Some(addr) = w.address().filter(|a| a.parse::<std::net::IpAddr>().is_ok()) else { continue };
        for sp in &svc.ports {
            let port = match &sp.target_port {
                Some(TargetPort::Name(name)) => match w.ports.get(name) {
                    Some(&p) if p > 0 => p,
                    _ => continue,
                },
                Some(TargetPort::Number(n)) => {
                    w.ports.get(&sp.name).copied().filter(|&p| p > 0).unwrap_or(*n)
                }
                None => sp.number,
            };
            let mut ep = from_workload(ctx, w, addr, port, &sp.name);
            ep.weight = w.weight.max(1);
            out.push(ep);
        }
    }
    out
}

/// Endpoints of a ServiceEntry service for one workload (an inline endpoint, a selected
/// WorkloadEntry or pod), one per port (`convertWorkloadInstanceToServiceInstance`): a
/// `unix://` address has port 0; else the workload's port of the port's name, else the
/// port's `targetPort`, else its number.
pub(crate) fn for_entry_ports(
    ctx: &dyn EndpointContext,
    svc: &Service,
    w: &Workload,
    out: &mut Vec<Endpoint>,
) {
    let addr = w.address().unwrap_or("");
    for sp in &svc.ports {
        let (address, port) = if let Some(path) = addr.strip_prefix("unix://") {
            (path, 0)
        } else if let Some(&p) = w.ports.get(&sp.name).filter(|&&p| p > 0) {
            (addr, p)
        } else if let Some(TargetPort::Number(t)) =
            sp.target_port.as_ref().filter(|t| **t != TargetPort::Number(0))
        {
            (addr, *t)
        } else {
            (addr, sp.number)
        };
        let mut ep = from_workload(ctx, w, address, port, &sp.name);
        ep.weight = w.weight.max(1);
        if !w.ready {
            ep.health = Health::Unhealthy;
        }
        out.push(ep);
    }
}
