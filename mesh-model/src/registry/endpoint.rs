//! Endpoints: the addresses behind a service port, with the locality, health, labels and
//! identity that load balancing and policy read (`pilot/pkg/serviceregistry/kube/controller/
//! endpointslice.go`, `endpoint_builder.go`).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::locality::Locality;
use super::service::{Service, TargetPort};
use super::workload::{Labels, Workload, WorkloadKey};
use super::workload_table::WorkloadRecord;
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

/// What building a ServiceEntry's endpoints reads besides the service.
pub(crate) trait EndpointContext {
    /// Augmented labels for the endpoints of a workload the registry does not hold (an
    /// inline endpoint).
    fn labels_for(&self, w: &Workload) -> Labels;
    /// The system namespace's network.
    fn system_network(&self) -> Option<&str>;
}

fn from_workload(w: &Workload, labels: Labels, address: &str, port: u32, port_name: &str) -> Endpoint {
    Endpoint {
        address: address.to_string(),
        port,
        service_port_name: port_name.to_string(),
        weight: 1,
        locality: w.locality.clone(),
        health: Health::Healthy,
        labels,
        network: w.network.clone(),
        service_account: w.service_account.clone(),
        tls_mode: w.tls_mode.clone(),
        namespace: w.namespace.clone(),
        workload: Some(w.key()),
        node_name: w.node_name.clone(),
    }
}

// === endpoints as derived, written in place ===

/// An endpoint as derived, borrowing everything from its sources. [`sync`] writes specs into
/// a service's endpoint list in place, so that re-deriving a service whose endpoints barely
/// changed allocates (almost) nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spec<'a> {
    address: &'a str,
    port: u32,
    port_name: &'a str,
    weight: u32,
    health: Health,
    source: Source<'a>,
}

/// Where an endpoint's identity comes from.
#[derive(Debug, Clone, Copy)]
enum Source<'a> {
    /// A workload the registry holds.
    Workload(&'a WorkloadRecord),
    /// No known workload; the node named by the slice, if any.
    Bare { node_name: Option<&'a str> },
}

/// What endpoints without a workload carry: the cluster's labels and the system network.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BareContext<'a> {
    pub(crate) labels: &'a Labels,
    pub(crate) network: Option<&'a str>,
}

fn set_str(dst: &mut String, src: &str) {
    if dst != src {
        dst.clear();
        dst.push_str(src);
    }
}

fn set_opt(dst: &mut Option<String>, src: Option<&str>) {
    match (dst, src) {
        (Some(d), Some(s)) => set_str(d, s),
        (None, None) => {}
        (dst, src) => *dst = src.map(str::to_string),
    }
}

fn set_labels(dst: &mut Labels, src: &Labels) {
    if !Arc::ptr_eq(dst, src) {
        *dst = Arc::clone(src);
    }
}

fn set_locality(dst: &mut Locality, src: &Locality) {
    set_str(&mut dst.region, &src.region);
    set_str(&mut dst.zone, &src.zone);
    set_str(&mut dst.subzone, &src.subzone);
}

fn set_workload_key(dst: &mut Option<WorkloadKey>, src: Option<&WorkloadKey>) {
    match (dst, src) {
        (Some(d), Some(s)) => {
            d.kind = s.kind;
            set_str(&mut d.namespace, &s.namespace);
            set_str(&mut d.name, &s.name);
        }
        (None, None) => {}
        (dst, src) => *dst = src.cloned(),
    }
}

impl Spec<'_> {
    /// Writes this endpoint into `ep`, copying only what differs.
    fn assign(&self, ep: &mut Endpoint, bare: BareContext<'_>) {
        set_str(&mut ep.address, self.address);
        ep.port = self.port;
        set_str(&mut ep.service_port_name, self.port_name);
        ep.weight = self.weight;
        ep.health = self.health;
        match self.source {
            // Records are immutable and each has its own endpoint labels, so an endpoint that
            // holds them was written from this very record: nothing else can differ.
            Source::Workload(r) if Arc::ptr_eq(&ep.labels, &r.endpoint_labels) => {}
            Source::Workload(r) => {
                let w = &r.workload;
                set_locality(&mut ep.locality, &w.locality);
                set_labels(&mut ep.labels, &r.endpoint_labels);
                set_opt(&mut ep.network, w.network.as_deref());
                set_opt(&mut ep.service_account, w.service_account.as_deref());
                set_str(&mut ep.tls_mode, &w.tls_mode);
                set_str(&mut ep.namespace, &w.namespace);
                set_workload_key(&mut ep.workload, Some(&r.key));
                set_opt(&mut ep.node_name, w.node_name.as_deref());
            }
            Source::Bare { node_name } => {
                set_locality(&mut ep.locality, &Locality::default());
                set_labels(&mut ep.labels, bare.labels);
                set_opt(&mut ep.network, bare.network);
                set_opt(&mut ep.service_account, None);
                set_str(&mut ep.tls_mode, "disabled");
                set_str(&mut ep.namespace, "");
                set_workload_key(&mut ep.workload, None);
                set_opt(&mut ep.node_name, node_name);
            }
        }
    }

    /// A new endpoint from this spec.
    fn build(&self, bare: BareContext<'_>) -> Endpoint {
        let mut ep = match self.source {
            Source::Workload(r) => from_workload(
                &r.workload,
                Arc::clone(&r.endpoint_labels),
                self.address,
                self.port,
                self.port_name,
            ),
            Source::Bare { node_name } => Endpoint {
                address: self.address.to_string(),
                port: self.port,
                service_port_name: self.port_name.to_string(),
                weight: 1,
                locality: Locality::default(),
                health: self.health,
                labels: Arc::clone(bare.labels),
                network: bare.network.map(str::to_string),
                service_account: None,
                tls_mode: "disabled".to_string(),
                namespace: String::new(),
                workload: None,
                node_name: node_name.map(str::to_string),
            },
        };
        ep.weight = self.weight;
        ep.health = self.health;
        ep
    }
}

/// Where endpoint changes are reported: the IP index, counting a service's endpoints per
/// address.
pub(crate) trait AddressCounter {
    /// One more endpoint at `address`.
    fn add(&mut self, address: &str);
    /// One endpoint fewer at `address`.
    fn remove(&mut self, address: &str);
}

/// Makes `eps` the endpoints `specs` describe, in place: positions whose endpoint is unchanged
/// cost a few comparisons, changed fields are overwritten in their existing buffers, and only
/// new positions allocate. Address changes are reported to `counter`.
pub(crate) fn sync(
    eps: &mut Vec<Endpoint>,
    specs: &[Spec<'_>],
    bare: BareContext<'_>,
    counter: &mut impl AddressCounter,
) {
    grow(eps, specs.len());
    for (i, spec) in specs.iter().enumerate() {
        match eps.get_mut(i) {
            Some(ep) => {
                if ep.address != spec.address {
                    counter.remove(&ep.address);
                    counter.add(spec.address);
                }
                spec.assign(ep, bare);
            }
            None => {
                counter.add(spec.address);
                eps.push(spec.build(bare));
            }
        }
    }
    for ep in eps.drain(specs.len().min(eps.len())..) {
        counter.remove(&ep.address);
    }
    shrink(eps);
}

/// Makes room for `n` endpoints: exactly for a new list (most lists are built once), with
/// the usual amortized growth for one that grows.
fn grow(eps: &mut Vec<Endpoint>, n: usize) {
    if eps.is_empty() {
        eps.reserve_exact(n);
    } else {
        eps.reserve(n.saturating_sub(eps.len()));
    }
}

/// Gives back the room of a list that shrank to less than half its capacity.
fn shrink(eps: &mut Vec<Endpoint>) {
    if eps.capacity() > 2 * eps.len() {
        eps.shrink_to_fit();
    }
}

/// Writes `specs` into `eps` position by position (same length, same addresses: the
/// endpoints of one slice whose (address, port name) pairs did not change).
pub(crate) fn sync_in_place(eps: &mut [Endpoint], specs: &[Spec<'_>], bare: BareContext<'_>) {
    for (ep, spec) in eps.iter_mut().zip(specs) {
        spec.assign(ep, bare);
    }
}

/// Whether `specs` name the same (address, service port name) pairs as `eps`, in order.
pub(crate) fn same_pairs(eps: &[Endpoint], specs: &[Spec<'_>]) -> bool {
    eps.len() == specs.len()
        && eps.iter().zip(specs).all(|(e, s)| e.address == s.address && e.service_port_name == s.port_name)
}

/// Where the endpoints of one EndpointSlice sit in its service's endpoint list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The slice's name.
    pub(crate) slice: Box<str>,
    /// The first position.
    pub(crate) start: usize,
    /// How many endpoints it produced.
    pub(crate) len: usize,
}

/// Makes `segments` equal to `new`, reusing what already matches.
pub(crate) fn record_segments(segments: &mut Vec<Segment>, new: &[(&str, usize, usize)]) {
    let same = segments.len() == new.len()
        && segments.iter().zip(new).all(|(s, (n, a, l))| &*s.slice == *n && s.start == *a && s.len == *l);
    if !same {
        segments.clear();
        segments.extend(new.iter().map(|(n, a, l)| Segment { slice: (*n).into(), start: *a, len: *l }));
        segments.shrink_to_fit();
    }
}

/// Makes `eps` equal to `new`, replacing only the positions that differ; address changes
/// are reported to `counter`.
pub(crate) fn sync_owned(eps: &mut Vec<Endpoint>, new: Vec<Endpoint>, counter: &mut impl AddressCounter) {
    let n = new.len();
    grow(eps, n);
    for (i, ep) in new.into_iter().enumerate() {
        match eps.get_mut(i) {
            Some(old) if *old == ep => {}
            Some(old) => {
                if old.address != ep.address {
                    counter.remove(&old.address);
                    counter.add(&ep.address);
                }
                *old = ep;
            }
            None => {
                counter.add(&ep.address);
                eps.push(ep);
            }
        }
    }
    for ep in eps.drain(n.min(eps.len())..) {
        counter.remove(&ep.address);
    }
    shrink(eps);
}

/// Drops duplicate (address, port name) pairs, the first winning; small lists are scanned,
/// large ones hashed.
struct Dedup<'a> {
    seen: Option<HashSet<(&'a str, &'a str)>>,
}

const DEDUP_SCAN_MAX: usize = 32;

impl<'a> Dedup<'a> {
    fn new() -> Self {
        Self { seen: None }
    }

    /// Whether `(address, name)` is new among `specs` (the pairs accepted so far).
    fn first(&mut self, specs: &[Spec<'a>], address: &'a str, name: &'a str) -> bool {
        if let Some(seen) = &mut self.seen {
            return seen.insert((address, name));
        }
        if specs.iter().any(|s| s.address == address && s.port_name == name) {
            return false;
        }
        if specs.len() >= DEDUP_SCAN_MAX {
            let mut seen: HashSet<(&str, &str)> = specs.iter().map(|s| (s.address, s.port_name)).collect();
            seen.insert((address, name));
            self.seen = Some(seen);
        }
        true
    }
}

/// How the endpoints of a Kubernetes Service find the workloads behind slice addresses.
pub(crate) trait PodLookup<'a> {
    /// The pod `namespace/name`.
    fn pod(&self, namespace: &str, name: &str) -> Option<&'a WorkloadRecord>;
    /// The pod with this IP in `namespace` (the first by name), for endpoints without a
    /// target reference.
    fn pod_by_ip(&self, namespace: &str, ip: &str) -> Option<&'a WorkloadRecord>;
}

/// The endpoints of a Kubernetes Service from its EndpointSlices (in name order), as Istio's
/// `updateEndpointCacheForSlice` builds them, de-duplicated by (address, port name) with the
/// first slice winning; appended to `out`.
///
/// `segments` receives, for each slice, its name and the range of `out` (from where `out`
/// started) that it produced.
pub(crate) fn from_slices<'a>(
    pods: &impl PodLookup<'a>,
    svc: &Service,
    slices: impl IntoIterator<Item = &'a EndpointSlice>,
    out: &mut Vec<Spec<'a>>,
    segments: &mut Vec<(&'a str, usize, usize)>,
) {
    let mut dedup = Dedup::new();
    let start = out.len();
    let draining = svc.supports_draining();
    for slice in slices {
        let seg_start = out.len();
        from_slice(pods, slice, draining, &mut dedup, start, out);
        segments.push((slice.metadata.name(), seg_start - start, out.len() - seg_start));
    }
}

fn from_slice<'a>(
    pods: &impl PodLookup<'a>,
    slice: &'a EndpointSlice,
    draining: bool,
    dedup: &mut Dedup<'a>,
    start: usize,
    out: &mut Vec<Spec<'a>>,
) {
    if slice.address_type == "FQDN" || slice.metadata.labels.contains_key(LABEL_MCS_SERVICE_NAME) {
        return;
    }
    let ns = slice.metadata.namespace();
    for e in &slice.endpoints {
        let health = Health::from_conditions(e.conditions.as_ref(), draining);
        for a in &e.addresses {
            let pod_ref = e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod"));
            let workload = match pod_ref {
                Some(r) => {
                    let rns = r.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(ns);
                    match pods.pod(rns, r.name.as_deref().unwrap_or("")) {
                        Some(w) => Some(w),
                        // A pod that is expected but unknown: skip, as Istio does.
                        None => continue,
                    }
                }
                None => pods.pod_by_ip(ns, a),
            };
            let source = match workload {
                Some(r) => Source::Workload(r),
                None => Source::Bare { node_name: e.node_name.as_deref() },
            };
            for p in &slice.ports {
                let port = p.port.and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
                let name = p.name.as_deref().unwrap_or("");
                if !dedup.first(&out[start..], a, name) {
                    continue;
                }
                out.push(Spec { address: a, port, port_name: name, weight: 1, health, source });
            }
        }
    }
}

/// Endpoints of a Kubernetes Service from the WorkloadEntries its selector picks
/// (`serviceInstancesFromWorkloadInstances`): only entries with an IP address; a named
/// target port must be among the entry's ports, a numbered one is replaced by the entry's
/// port of the service port's name when it has one. Appended to `out`.
pub(crate) fn from_selected_entries<'a>(
    svc: &'a Service,
    entries: impl IntoIterator<Item = &'a WorkloadRecord>,
    out: &mut Vec<Spec<'a>>,
) {
    for r in entries {
        let w = &r.workload;
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
            out.push(Spec {
                address: addr,
                port,
                port_name: &sp.name,
                weight: w.weight.max(1),
                health: Health::Healthy,
                source: Source::Workload(r),
            });
        }
    }
}

/// Endpoints of a ServiceEntry service for one workload (an inline endpoint, a selected
/// WorkloadEntry or pod), one per port (`convertWorkloadInstanceToServiceInstance`): a
/// `unix://` address has port 0; else the workload's port of the port's name, else the
/// port's `targetPort`, else its number. `labels` are the workload's endpoint labels.
pub(crate) fn for_entry_ports(svc: &Service, w: &Workload, labels: &Labels, out: &mut Vec<Endpoint>) {
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
        let mut ep = from_workload(w, Arc::clone(labels), address, port, &sp.name);
        ep.weight = w.weight.max(1);
        if !w.ready {
            ep.health = Health::Unhealthy;
        }
        out.push(ep);
    }
}
