//! Workloads: the Pods and WorkloadEntries that services select and endpoints run on, and
//! the WorkloadGroups that template WorkloadEntries.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::locality::Locality;
use crate::kube::{Node, Pod};
use crate::networking::{WorkloadEntry, WorkloadGroup};

/// The label naming a workload's network (on a pod, a WorkloadEntry or the system namespace).
pub const LABEL_TOPOLOGY_NETWORK: &str = "topology.istio.io/network";
/// The label carrying a workload's mTLS mode (`istio` when it runs a sidecar).
pub const LABEL_TLS_MODE: &str = "security.istio.io/tlsMode";

/// Labels, shared between a workload and its endpoints.
pub type Labels = Arc<BTreeMap<String, String>>;

/// The kind of a workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// A Kubernetes Pod.
    Pod,
    /// An Istio WorkloadEntry (a VM or other non-Kubernetes workload).
    WorkloadEntry,
}

impl WorkloadKind {
    /// `Pod` or `WorkloadEntry`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pod => "Pod",
            Self::WorkloadEntry => "WorkloadEntry",
        }
    }
}

/// Identifies a workload: kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WorkloadKey {
    /// The kind.
    pub kind: WorkloadKind,
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
}

/// A workload: what policy needs to know about the server behind a host (namespace, labels,
/// service account) and what load balancing needs about where it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// The kind.
    pub kind: WorkloadKind,
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// The workload's labels (a WorkloadEntry's `metadata.labels` merged over `spec.labels`),
    /// as selectors see them.
    pub labels: Labels,
    /// The service account it runs as: a pod's `serviceAccountName` (default `default`), a
    /// WorkloadEntry's `serviceAccount` (`None` when unset).
    pub service_account: Option<String>,
    /// Its addresses: a pod's IPs, a WorkloadEntry's address. Empty when unassigned.
    pub addresses: Vec<String>,
    /// The node a pod runs on.
    pub node_name: Option<String>,
    /// Where it runs (empty when unknown).
    pub locality: Locality,
    /// Its network, when known.
    pub network: Option<String>,
    /// Named ports: a pod's named TCP container ports (first wins), a WorkloadEntry's `ports`.
    pub ports: BTreeMap<String, u32>,
    /// `istio` when it runs a sidecar (`security.istio.io/tlsMode`, or a WorkloadEntry with a
    /// service account), else `disabled`.
    pub tls_mode: String,
    /// Whether a pod is ready (its `Ready` condition); WorkloadEntries are ready.
    pub ready: bool,
    /// The load-balancing weight a WorkloadEntry sets (0 when unset, as for pods).
    pub weight: u32,
}

impl Workload {
    /// The key identifying this workload.
    pub fn key(&self) -> WorkloadKey {
        WorkloadKey { kind: self.kind, namespace: self.namespace.clone(), name: self.name.clone() }
    }

    /// The first address, when there is one.
    pub fn address(&self) -> Option<&str> {
        self.addresses.first().map(String::as_str)
    }

    /// The workload's SPIFFE identity in `trust_domain`, when it has a service account:
    /// `spiffe://<trustDomain>/ns/<namespace>/sa/<serviceAccount>`.
    pub fn spiffe_id(&self, trust_domain: &str) -> Option<String> {
        let sa = self.service_account.as_deref()?;
        Some(format!("spiffe://{trust_domain}/ns/{}/sa/{sa}", self.namespace))
    }
}

/// A network from workload labels, else the system namespace's network.
pub(crate) fn network_of(labels: &BTreeMap<String, String>, system_network: Option<&str>) -> Option<String> {
    labels
        .get(LABEL_TOPOLOGY_NETWORK)
        .map(String::as_str)
        .filter(|n| !n.is_empty())
        .or(system_network)
        .map(str::to_string)
}

/// The locality of a pod: its own labels' (`topology.istio.io/locality`, `istio-locality`),
/// else its node's, else empty.
pub(crate) fn pod_locality(labels: &BTreeMap<String, String>, node: Option<&Node>) -> Locality {
    Locality::from_labels(labels).unwrap_or_else(|| node.map(Locality::of_node).unwrap_or_default())
}

/// Converts a pod, taking its strings rather than copying them. `node` is the pod's node
/// when known.
pub(crate) fn from_pod(pod: Pod, node: Option<&Node>, system_network: Option<&str>) -> Workload {
    let service_account = pod.service_account().to_string();
    let ready = pod.status.as_ref().is_some_and(|s| s.is_ready());
    let Pod { metadata, spec, status, .. } = pod;
    let labels = metadata.labels;
    let mut ports = BTreeMap::new();
    for c in &spec.containers {
        for p in &c.ports {
            let Some(name) = p.name.as_deref().filter(|n| !n.is_empty()) else { continue };
            if p.protocol.as_deref().is_some_and(|proto| proto != "TCP") {
                continue;
            }
            ports.entry(name.to_string()).or_insert(u32::try_from(p.container_port).unwrap_or(0));
        }
    }
    let mut addresses: Vec<String> = Vec::new();
    if let Some(status) = status {
        if let Some(ip) = status.pod_ip.filter(|ip| !ip.is_empty()) {
            addresses.push(ip);
        }
        for ip in status.pod_ips {
            if !ip.ip.is_empty() && !addresses.contains(&ip.ip) {
                addresses.push(ip.ip);
            }
        }
    }
    addresses.shrink_to_fit();
    Workload {
        kind: WorkloadKind::Pod,
        namespace: metadata.namespace.unwrap_or_default(),
        name: metadata.name.unwrap_or_default(),
        service_account: Some(service_account),
        addresses,
        node_name: spec.node_name.filter(|n| !n.is_empty()),
        locality: pod_locality(&labels, node),
        network: network_of(&labels, system_network),
        ports,
        tls_mode: labels.get(LABEL_TLS_MODE).cloned().unwrap_or_else(|| "disabled".to_string()),
        ready,
        weight: 0,
        labels: Arc::new(labels),
    }
}

/// Converts a WorkloadEntry (or a ServiceEntry's inline endpoint, named `name`) as Istio's
/// `convertWorkloadEntryToWorkloadInstance` does: `metadata.labels` win over `spec.labels`;
/// the locality is `spec.locality`, else the locality labels; the network is `spec.network`,
/// else the labels, else the system namespace's.
pub(crate) fn from_workload_entry_spec(
    spec: &crate::networking::WorkloadEntrySpec,
    metadata_labels: &BTreeMap<String, String>,
    namespace: &str,
    name: &str,
    system_network: Option<&str>,
) -> Workload {
    let mut labels = spec.labels.clone();
    labels.extend(metadata_labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let locality = match spec.locality.as_deref().filter(|l| !l.is_empty()) {
        Some(l) => Locality::parse(l),
        None => Locality::from_labels(&labels).unwrap_or_default(),
    };
    let network = match spec.network.as_deref().filter(|n| !n.is_empty()) {
        Some(n) => Some(n.to_string()),
        None => network_of(&labels, system_network),
    };
    let service_account = spec.service_account.clone().filter(|s| !s.is_empty());
    let tls_mode = match labels.get(LABEL_TLS_MODE) {
        Some(m) => m.clone(),
        None if service_account.is_some() => "istio".to_string(),
        None => "disabled".to_string(),
    };
    Workload {
        kind: WorkloadKind::WorkloadEntry,
        namespace: namespace.to_string(),
        name: name.to_string(),
        labels: Arc::new(labels),
        service_account,
        addresses: spec.address.iter().filter(|a| !a.is_empty()).cloned().collect(),
        node_name: None,
        locality,
        network,
        ports: spec.ports.clone(),
        tls_mode,
        ready: true,
        weight: spec.weight.unwrap_or(0),
    }
}

/// Converts a WorkloadEntry.
pub(crate) fn from_workload_entry(we: &WorkloadEntry, system_network: Option<&str>) -> Workload {
    from_workload_entry_spec(
        &we.spec,
        &we.metadata.labels,
        we.metadata.namespace(),
        we.metadata.name(),
        system_network,
    )
}

/// What a WorkloadGroup says about the WorkloadEntries it generates (VMs registering).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadGroupSummary {
    /// The namespace.
    pub namespace: String,
    /// The name.
    pub name: String,
    /// Labels of the generated entries (`metadata.labels` over `template.labels`).
    pub labels: BTreeMap<String, String>,
    /// The service account of the generated entries.
    pub service_account: Option<String>,
    /// The network of the generated entries.
    pub network: Option<String>,
    /// The locality of the generated entries, when set.
    pub locality: Option<Locality>,
    /// Named ports of the generated entries.
    pub ports: BTreeMap<String, u32>,
}

pub(crate) fn from_workload_group(wg: &WorkloadGroup) -> WorkloadGroupSummary {
    let template = wg.spec.template.clone().unwrap_or_default();
    let mut labels = template.labels.clone();
    if let Some(m) = &wg.spec.metadata {
        labels.extend(m.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    WorkloadGroupSummary {
        namespace: wg.metadata.namespace().to_string(),
        name: wg.metadata.name().to_string(),
        labels,
        service_account: template.service_account.filter(|s| !s.is_empty()),
        network: template.network.filter(|s| !s.is_empty()),
        locality: template.locality.as_deref().filter(|l| !l.is_empty()).map(Locality::parse),
        ports: template.ports,
    }
}
