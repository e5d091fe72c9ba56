//! The service registry: Services, EndpointSlices, Pods, Nodes, ServiceEntries,
//! WorkloadEntries and WorkloadGroups as the mesh sees them, plus Kubernetes Ingress converted
//! to Gateway and VirtualServices. Routing (host resolution), load balancing (endpoints with
//! locality), policy (the workload behind a host) and `meshctl explain` all read this one
//! registry, so no crate derives it again.
//!
//! Like the rest of `mesh-model`, the registry performs no I/O, reads no clock and spawns
//! nothing. A [`Registry`] is a plain value: queries take `&self` and never allocate on the
//! host path; [`Registry::apply`] takes `&mut self` and updates only what one object's change
//! touches (share it behind an `Arc` and swap, or clone, as suits the caller).
//!
//! ```
//! use mesh_model::{load_str, Snapshot};
//! use mesh_model::registry::{Event, Health, Protocol, Registry};
//!
//! let yaml = r#"
//! apiVersion: v1
//! kind: Node
//! metadata: {name: n1, labels: {topology.kubernetes.io/region: us-east1, topology.kubernetes.io/zone: us-east1-b}}
//! ---
//! apiVersion: v1
//! kind: Service
//! metadata: {name: reviews, namespace: default}
//! spec:
//!   clusterIP: 10.96.0.11
//!   selector: {app: reviews}
//!   ports: [{name: http, port: 9080, targetPort: http}]
//! ---
//! apiVersion: v1
//! kind: Pod
//! metadata: {name: reviews-v1, namespace: default, labels: {app: reviews, version: v1}}
//! spec: {serviceAccountName: bookinfo-reviews, nodeName: n1}
//! status: {podIP: 10.0.1.20}
//! ---
//! apiVersion: discovery.k8s.io/v1
//! kind: EndpointSlice
//! metadata: {name: reviews-abc, namespace: default, labels: {kubernetes.io/service-name: reviews}}
//! addressType: IPv4
//! ports: [{name: http, port: 9080}]
//! endpoints:
//! - addresses: [10.0.1.20]
//!   conditions: {ready: true}
//!   targetRef: {kind: Pod, namespace: default, name: reviews-v1}
//! "#;
//! let loaded = load_str(yaml, &Default::default());
//! let snap = Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
//! let mut reg = Registry::from_snapshot(&snap);
//!
//! // Routing: a short name resolves against the client's namespace.
//! let svc = reg.resolve("reviews", "default").unwrap();
//! assert_eq!(svc.hostname, "reviews.default.svc.cluster.local");
//! assert_eq!(svc.port(9080).unwrap().protocol, Protocol::Http);
//!
//! // Load balancing: endpoints with locality and health.
//! let ep = &reg.endpoints(svc)[0];
//! assert_eq!((ep.address.as_str(), ep.port), ("10.0.1.20", 9080));
//! assert_eq!(ep.locality.to_string(), "us-east1/us-east1-b/");
//! assert_eq!(ep.health, Health::Healthy);
//!
//! // Policy: the workload behind the host.
//! let w = reg.workloads_of(svc);
//! assert_eq!(w[0].service_account.as_deref(), Some("bookinfo-reviews"));
//!
//! // Incremental: delete the pod; its endpoint goes.
//! let pod = snap.get(mesh_model::Kind::Pod, "default", "reviews-v1").unwrap().clone();
//! reg.apply(Event::delete(&pod));
//! let svc = reg.resolve("reviews.default.svc.cluster.local", "default").unwrap();
//! assert!(reg.endpoints(svc).is_empty());
//! ```

mod derive;
mod endpoint;
mod incremental;
mod index;
pub mod ingress;
mod locality;
mod protocol;
mod service;
mod service_entry;
mod store;
mod workload;
mod workload_table;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

pub use endpoint::{Endpoint, Health, LABEL_HOSTNAME, LABEL_MCS_SERVICE_NAME, LABEL_TOPOLOGY_CLUSTER};
pub use incremental::{Changes, Event};
pub use locality::{
    LABEL_FAILURE_DOMAIN_REGION, LABEL_FAILURE_DOMAIN_ZONE, LABEL_ISTIO_LOCALITY, LABEL_TOPOLOGY_LOCALITY,
    Locality,
};
pub use protocol::Protocol;
pub use service::{
    ANNOTATION_CANONICAL_SERVICE_ACCOUNTS, ANNOTATION_EXPORT_TO, ANNOTATION_KUBERNETES_SERVICE_ACCOUNTS,
    ExportTo, LABELS_PERSISTENT_SESSION, Origin, Resolution, Service, ServiceKey, ServicePort, TargetPort,
    kube_hostname,
};
pub use workload::{
    LABEL_TLS_MODE, LABEL_TOPOLOGY_NETWORK, Labels, Workload, WorkloadGroupSummary, WorkloadKey, WorkloadKind,
};

use crate::kube::LabelSelector;
use crate::mesh_config::MeshConfig;
use crate::networking::{Gateway, VirtualService};
use crate::resource::Resource;
use crate::snapshot::Snapshot;
use index::{HostIndex, IpIndex};
use service::{KeyParts, SvcId};
use store::{NsMap, NsName, Store};
use workload_table::WorkloadTable;

/// Istio's default cluster ID, which endpoint labels carry as `topology.istio.io/cluster`.
pub const DEFAULT_CLUSTER_ID: &str = "Kubernetes";

/// The settings a registry is built with.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryOptions {
    /// The cluster's DNS suffix (`cluster.local`).
    pub domain_suffix: String,
    /// The trust domain, for service accounts named by annotation.
    pub trust_domain: String,
    /// The cluster's ID (`Kubernetes`), added to endpoint labels.
    pub cluster_id: String,
    /// `exportTo` of services that set none (MeshConfig `defaultServiceExportTo`, `*`).
    pub default_export_to: Vec<String>,
    /// The namespace whose `topology.istio.io/network` label gives the network of workloads
    /// without one (Istio's system namespace; the mesh's root namespace here).
    pub system_namespace: String,
    /// The namespace of Gateways generated from Ingresses (`istio-system`).
    pub ingress_namespace: String,
    /// The mesh settings (Ingress class and mode, ingress selector).
    pub mesh: MeshConfig,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        Self::from_mesh(&MeshConfig::default(), "cluster.local")
    }
}

impl RegistryOptions {
    /// Options from mesh settings and a domain suffix.
    pub fn from_mesh(mesh: &MeshConfig, domain_suffix: &str) -> Self {
        Self {
            domain_suffix: domain_suffix.to_string(),
            trust_domain: mesh.trust_domain().to_string(),
            cluster_id: DEFAULT_CLUSTER_ID.to_string(),
            default_export_to: mesh.default_service_export_to().to_vec(),
            system_namespace: mesh.root_namespace().to_string(),
            ingress_namespace: crate::mesh_config::DEFAULT_ROOT_NAMESPACE.to_string(),
            mesh: mesh.clone(),
        }
    }
}

/// What an IP address is in the registry ([`Registry::lookup_ip`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IpLookup<'a> {
    /// Services with this virtual IP (cluster IP or ServiceEntry address).
    pub services: Vec<&'a Service>,
    /// Services with an endpoint at this address.
    pub endpoint_of: Vec<&'a Service>,
    /// Workloads with this address.
    pub workloads: Vec<&'a Workload>,
}

/// The service registry: immutable to readers, indexed by host (exact, wildcard, suffix),
/// namespace, IP and workload label, and updated one object at a time by [`Registry::apply`].
///
/// Two registries compare equal when every derived entry (services, endpoints, workloads,
/// indexes, Ingress output) is equal.
#[derive(Debug, Clone)]
pub struct Registry {
    options: RegistryOptions,
    store: Store,
    system_network: Option<String>,
    /// The labels of endpoints without a workload (cluster ID, system network).
    bare_labels: Labels,
    services: BTreeMap<Arc<ServiceKey>, Arc<Service>>,
    /// The keys of Kubernetes Services, by namespace and name.
    kube_services: NsMap<Arc<ServiceKey>>,
    endpoints: HashMap<SvcId, Vec<Endpoint>>,
    /// Where each EndpointSlice's endpoints sit in its Kubernetes Service's list.
    slice_segments: HashMap<SvcId, Vec<endpoint::Segment>>,
    hosts: HostIndex,
    by_namespace: HashMap<String, BTreeSet<Arc<ServiceKey>>>,
    ips: IpIndex,
    /// Pods (held only here: a pod is its workload) and WorkloadEntries, with their label
    /// and node indexes.
    workloads: WorkloadTable,
    gateways: BTreeMap<NsName, Gateway>,
    virtual_services: BTreeMap<String, VirtualService>,
    workload_groups: BTreeMap<NsName, WorkloadGroupSummary>,
}

impl PartialEq for Registry {
    fn eq(&self, other: &Self) -> bool {
        self.options == other.options
            && self.system_network == other.system_network
            && self.services == other.services
            && self.endpoints == other.endpoints
            && self.slice_segments == other.slice_segments
            && self.hosts == other.hosts
            && self.by_namespace == other.by_namespace
            && self.ips == other.ips
            && self.workloads == other.workloads
            && self.gateways == other.gateways
            && self.virtual_services == other.virtual_services
            && self.workload_groups == other.workload_groups
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new(RegistryOptions::default())
    }
}

// === impl Registry: construction ===

impl Registry {
    /// An empty registry.
    pub fn new(options: RegistryOptions) -> Self {
        Self {
            bare_labels: bare_labels(&options, None),
            options,
            store: Store::default(),
            system_network: None,
            services: BTreeMap::new(),
            kube_services: NsMap::default(),
            endpoints: HashMap::new(),
            slice_segments: HashMap::new(),
            hosts: HostIndex::default(),
            by_namespace: HashMap::new(),
            ips: IpIndex::default(),
            workloads: WorkloadTable::default(),
            gateways: BTreeMap::new(),
            virtual_services: BTreeMap::new(),
            workload_groups: BTreeMap::new(),
        }
    }

    /// Builds the registry from the objects of a snapshot, with its mesh settings and domain
    /// suffix.
    pub fn from_snapshot(snapshot: &Snapshot) -> Self {
        let options = RegistryOptions::from_mesh(snapshot.mesh_config(), snapshot.domain_suffix());
        Self::build(options, snapshot.iter().cloned())
    }

    /// Builds the registry from `resources` at once. Kinds the registry does not read are
    /// ignored; of two objects with the same kind, namespace and name the later wins.
    pub fn build(options: RegistryOptions, resources: impl IntoIterator<Item = Resource>) -> Self {
        let mut reg = Self::new(options);
        for r in resources {
            reg.store_put(r);
        }
        reg.rebuild();
        reg
    }

    /// The settings the registry was built with.
    pub fn options(&self) -> &RegistryOptions {
        &self.options
    }
}

// === impl Registry: queries ===

impl Registry {
    /// Every service, ordered by origin, namespace, name and host.
    pub fn services(&self) -> impl Iterator<Item = &Service> {
        self.services.values().map(Arc::as_ref)
    }

    /// How many services the registry holds.
    pub fn len(&self) -> usize {
        self.services.len()
    }

    /// Whether the registry holds no service.
    pub fn is_empty(&self) -> bool {
        self.services.is_empty()
    }

    /// The service with this key.
    pub fn service(&self, key: &ServiceKey) -> Option<&Service> {
        self.services.get(key).map(Arc::as_ref)
    }

    /// The services named exactly `host`, in Istio's precedence order (oldest first), all
    /// namespaces and visibilities included. A wildcard host is matched only by itself.
    pub fn by_host(&self, host: &str) -> impl Iterator<Item = &Service> {
        self.hosts.exact(host).iter().map(Arc::as_ref)
    }

    /// The service a client in `from_namespace` reaches at `host`, as a sidecar with the
    /// default scope resolves it:
    /// - a name without a dot is a short name in `from_namespace`
    ///   (`reviews` -> `reviews.<ns>.svc.<domainSuffix>`);
    /// - services named exactly `host` win over wildcard ServiceEntry hosts, and a more
    ///   specific wildcard (`*.b.example.com`) over a broader one;
    /// - only services whose `exportTo` admits `from_namespace` count; among them those
    ///   exported to it by name (or private to it) come before public ones, each group oldest
    ///   first; the first Kubernetes Service wins, else the first service (Istio's
    ///   precedence of Kubernetes over ServiceEntries for the same host).
    pub fn resolve(&self, host: &str, from_namespace: &str) -> Option<&Service> {
        let short;
        let host = if host != "*" && !host.contains('.') {
            short = kube_hostname(host, from_namespace, &self.options.domain_suffix);
            short.as_str()
        } else {
            host
        };
        pick_visible(self.hosts.exact(host), from_namespace)
            .or_else(|| pick_visible(self.hosts.wildcard(host), from_namespace))
    }

    /// Every service whose host `pattern` covers, visible from `from_namespace` when given:
    /// `reviews.default.svc.cluster.local` covers itself, `*.example.com` covers every host
    /// under `example.com` (and `*.example.com` itself), `*` covers every host. Answered
    /// from the suffix index, host order, then precedence order.
    pub fn matching(&self, pattern: &str, from_namespace: Option<&str>) -> Vec<&Service> {
        let mut out = Vec::new();
        for h in self.hosts.covered(pattern) {
            out.extend(
                self.hosts
                    .exact(h)
                    .iter()
                    .map(Arc::as_ref)
                    .filter(|s| from_namespace.is_none_or(|ns| s.export_to.is_visible_from(ns))),
            );
        }
        out
    }

    /// The services of objects in `namespace`, in key order.
    pub fn services_in_namespace(&self, namespace: &str) -> impl Iterator<Item = &Service> {
        self.by_namespace.get(namespace).into_iter().flatten().filter_map(|k| self.service(k))
    }

    /// The endpoints of a service (every port), in a stable order: EndpointSlices by name,
    /// then selected WorkloadEntries; for ServiceEntries inline endpoints, then selected
    /// workloads. Looked up by the service's key, without building one.
    pub fn endpoints(&self, service: &Service) -> &[Endpoint] {
        self.endpoints.get(service as &dyn KeyParts).map_or(&[], Vec::as_slice)
    }

    /// The endpoints of the service with this key.
    pub fn endpoints_by_key(&self, key: &ServiceKey) -> &[Endpoint] {
        self.endpoints.get(key as &dyn KeyParts).map_or(&[], Vec::as_slice)
    }

    /// The endpoints serving port `number` of a service (matched by the service port's name).
    pub fn endpoints_for_port<'a>(
        &'a self,
        service: &'a Service,
        number: u32,
    ) -> impl Iterator<Item = &'a Endpoint> {
        let name = service.port(number).map(|p| p.name.as_str());
        self.endpoints(service).iter().filter(move |e| Some(e.service_port_name.as_str()) == name)
    }

    /// The distinct workloads behind a service's endpoints, in key order: what policy
    /// evaluates for a request to the service's host.
    pub fn workloads_of(&self, service: &Service) -> Vec<&Workload> {
        let keys: BTreeSet<&WorkloadKey> =
            self.endpoints(service).iter().filter_map(|e| e.workload.as_ref()).collect();
        keys.into_iter().filter_map(|k| self.workload(k)).collect()
    }

    /// What `ip` is: services with it as a virtual IP, services with an endpoint there, and
    /// workloads with that address.
    pub fn lookup_ip(&self, ip: &str) -> IpLookup<'_> {
        let Some(e) = self.ips.get(ip) else { return IpLookup::default() };
        IpLookup {
            services: e.vips.iter().filter_map(|k| self.service(k)).collect(),
            endpoint_of: e.endpoints.iter().filter_map(|(k, _)| self.service(k)).collect(),
            workloads: e.workloads.iter().filter_map(|k| self.workload(k)).collect(),
        }
    }

    /// The workload with this key.
    pub fn workload(&self, key: &WorkloadKey) -> Option<&Workload> {
        self.workloads.get_key(key).map(|r| &r.workload)
    }

    /// Every workload (pods, then WorkloadEntries), in key order.
    pub fn workloads(&self) -> impl Iterator<Item = &Workload> {
        self.workloads.iter().map(|r| &r.workload)
    }

    /// The workloads of `namespace` that carry every label of `labels` (a workload selector
    /// or a Service selector), in key order; answered from the label index.
    pub fn select(&self, namespace: &str, labels: &BTreeMap<String, String>) -> Vec<&Workload> {
        self.select_where(namespace, labels.iter().map(|(k, v)| (k.as_str(), v.as_str())), |w| {
            labels.iter().all(|(k, v)| w.labels.get(k) == Some(v))
        })
    }

    /// The workloads of `namespace` a Kubernetes label selector matches, in key order.
    pub fn select_matching(&self, namespace: &str, selector: &LabelSelector) -> Vec<&Workload> {
        self.select_where(
            namespace,
            selector.match_labels.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            |w| selector.matches(&w.labels),
        )
    }

    fn select_where<'q>(
        &self,
        namespace: &str,
        match_labels: impl IntoIterator<Item = (&'q str, &'q str)>,
        keep: impl Fn(&Workload) -> bool,
    ) -> Vec<&Workload> {
        self.workloads.select(namespace, None, match_labels, keep).into_iter().map(|r| &r.workload).collect()
    }

    /// The namespaces that hold workloads, sorted.
    pub fn workload_namespaces(&self) -> Vec<&str> {
        self.workloads.namespaces().collect()
    }

    /// The WorkloadGroups, by namespace and name.
    pub fn workload_groups(&self) -> impl Iterator<Item = &WorkloadGroupSummary> {
        self.workload_groups.values()
    }

    /// The Gateways generated from Istio's Ingresses, by Ingress namespace and name.
    pub fn ingress_gateways(&self) -> impl Iterator<Item = &Gateway> {
        self.gateways.values()
    }

    /// The VirtualServices generated from Istio's Ingresses, one per host, by host.
    pub fn ingress_virtual_services(&self) -> impl Iterator<Item = &VirtualService> {
        self.virtual_services.values()
    }

    /// The generated Gateways and VirtualServices as resources, ready to be added to a
    /// [`Snapshot`] so that routing serves Ingress traffic.
    pub fn ingress_resources(&self) -> Vec<Resource> {
        self.gateways
            .values()
            .cloned()
            .map(Resource::Gateway)
            .chain(self.virtual_services.values().cloned().map(Resource::VirtualService))
            .collect()
    }

    /// How many hosts the registry indexes.
    pub fn host_count(&self) -> usize {
        self.hosts.len()
    }
}

/// The labels of an endpoint without a workload: the cluster ID, and the system network when
/// known.
fn bare_labels(options: &RegistryOptions, system_network: Option<&str>) -> Labels {
    endpoint::augmented_labels(
        &BTreeMap::new(),
        &options.cluster_id,
        &Locality::default(),
        None,
        system_network,
    )
}

/// Istio's choice among services of one host for a client namespace (see
/// [`Registry::resolve`]).
fn pick_visible<'a>(candidates: &'a [Arc<Service>], ns: &str) -> Option<&'a Service> {
    let private = candidates.iter().filter(|s| !s.export_to.is_public() && s.export_to.is_visible_from(ns));
    let public = candidates.iter().filter(|s| s.export_to.is_public());
    let mut first = None;
    for s in private.chain(public) {
        if s.origin == Origin::Kubernetes {
            return Some(s);
        }
        first = first.or(Some(s.as_ref()));
    }
    first
}
