//! Keeping the registry current: [`Event`]s of single objects applied without rebuilding the
//! world, and the full build they must agree with.
//!
//! Each event updates the stored object, then re-derives only what depends on it:
//!
//! | object | re-derived |
//! |---|---|
//! | Service | that service; the Ingress hosts of its namespace (named ports) |
//! | EndpointSlice | the endpoints of the service(s) it names (before and after) |
//! | Pod | its workload; the endpoints of services whose slices reference it (by target or IP) and of ServiceEntries whose selector matched it before or after |
//! | Node | the workloads of its pods, and their dependents as for a Pod |
//! | Namespace | everything, when the system namespace's network label changes |
//! | ServiceEntry | its services and their endpoints |
//! | WorkloadEntry | its workload; endpoints of ServiceEntries and Services of its namespace that selected it before or after |
//! | WorkloadGroup | its summary |
//! | Ingress | its Gateway; the VirtualServices of the hosts it names before and after |

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::endpoint::{self, Endpoint, EndpointContext};
use super::index::IpRole;
use super::ingress::{self, RuleRef};
use super::service::{self, Origin, Resolution, Service, ServiceKey, created_nanos};
use super::service_entry;
use super::store::{NsName, Store, pod_ips, slice_service};
use super::workload::{self, LABEL_TOPOLOGY_NETWORK, Labels, Workload, WorkloadKey, WorkloadKind};
use super::{Registry, WorkloadRecord};
use crate::networking::Location;
use crate::resource::{Kind, Resource};

/// A change to one object, as a watch delivers it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
// An event is built once and moved into `apply`; boxing the resource would cost an
// allocation per event for no gain.
#[allow(clippy::large_enum_variant)]
pub enum Event {
    /// The object was added or updated (the registry tells the two apart itself).
    Upsert(Resource),
    /// The object of `kind` named `namespace/name` was deleted (`namespace` is empty for
    /// Nodes and Namespaces).
    Delete {
        /// The kind.
        kind: Kind,
        /// The namespace.
        namespace: String,
        /// The name.
        name: String,
    },
}

impl Event {
    /// The deletion of `resource`.
    pub fn delete(resource: &Resource) -> Self {
        Self::Delete {
            kind: resource.kind(),
            namespace: resource.namespace().to_string(),
            name: resource.name().to_string(),
        }
    }
}

/// What an event changed: the services whose attributes or endpoints were re-derived, and
/// whether the Ingress output was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Services re-derived (added, updated, removed, or their endpoints recomputed).
    pub services: BTreeSet<ServiceKey>,
    /// Whether Ingress Gateways or VirtualServices were re-derived.
    pub ingress: bool,
    /// Whether the event concerned a kind the registry reads.
    pub relevant: bool,
}

fn nsname(ns: &str, name: &str) -> NsName {
    (ns.to_string(), name.to_string())
}

// === impl EndpointContext for Registry ===

impl EndpointContext for Registry {
    fn pod(&self, namespace: &str, name: &str) -> Option<&Workload> {
        let key =
            WorkloadKey { kind: WorkloadKind::Pod, namespace: namespace.to_string(), name: name.to_string() };
        self.workloads.get(&key).map(|r| &r.workload)
    }

    fn pod_by_ip(&self, namespace: &str, ip: &str) -> Option<&Workload> {
        let name = self.store.pods_by_ip.get(&nsname(namespace, ip))?.iter().next()?;
        self.pod(namespace, name)
    }

    fn endpoint_labels(&self, w: &Workload) -> Labels {
        match self.workloads.get(&w.key()) {
            Some(r) => Arc::clone(&r.endpoint_labels),
            None => self.labels_for(w),
        }
    }

    fn bare_labels(&self) -> Labels {
        let mut l = (*self.bare_labels).clone();
        if let Some(nw) = &self.system_network {
            l.insert(LABEL_TOPOLOGY_NETWORK.to_string(), nw.clone());
        }
        Arc::new(l)
    }

    fn system_network(&self) -> Option<&str> {
        self.system_network.as_deref()
    }
}

// === impl Registry: events ===

impl Registry {
    /// Applies one add, update or delete, re-deriving only what depends on the object (see
    /// the module docs), and says what changed. Afterwards the registry equals a full build
    /// from the objects it now holds.
    pub fn apply(&mut self, event: Event) -> Changes {
        let mut ch = Changes::default();
        let (kind, ns, name, new) = match event {
            Event::Upsert(r) => (r.kind(), r.namespace().to_string(), r.name().to_string(), Some(r)),
            Event::Delete { kind, namespace, name } => (kind, namespace, name, None),
        };
        let k = nsname(&ns, &name);
        ch.relevant = true;
        match kind {
            Kind::Service => {
                self.store.services.remove(&k);
                if let Some(Resource::Service(s)) = new {
                    self.store.services.insert(k.clone(), s);
                }
                self.refresh_kube_service(&k, &mut ch);
                self.refresh_ingress_of_namespace(&ns, &mut ch);
            }
            Kind::EndpointSlice => {
                let mut touched = BTreeSet::new();
                if let Some(old) = self.store.slices.remove(&k) {
                    self.store.index_slice(&old, false);
                    touched.extend(slice_service(&old));
                }
                if let Some(Resource::EndpointSlice(s)) = new {
                    touched.extend(slice_service(&s));
                    self.store.slices.insert(k.clone(), s.clone());
                    self.store.index_slice(&s, true);
                }
                for svc in touched {
                    self.refresh_kube_endpoints(&svc, &mut ch);
                }
            }
            Kind::Pod => {
                let mut deps = Deps::default();
                if let Some(old) = self.store.pods.remove(&k) {
                    self.store.index_pod(&old, false);
                    deps.pod_ips.extend(pod_ips(&old));
                }
                if let Some(Resource::Pod(p)) = new {
                    deps.pod_ips.extend(pod_ips(&p));
                    self.store.index_pod(&p, true);
                    self.store.pods.insert(k.clone(), p);
                }
                self.refresh_pod(&k, &mut deps);
                self.refresh_deps(deps, &mut ch);
            }
            Kind::Node => {
                self.store.nodes.remove(&name);
                if let Some(Resource::Node(n)) = new {
                    self.store.nodes.insert(name.clone(), n);
                }
                let pods: Vec<NsName> =
                    self.store.pods_by_node.get(&name).into_iter().flatten().cloned().collect();
                let mut deps = Deps::default();
                for p in pods {
                    self.refresh_pod(&p, &mut deps);
                }
                self.refresh_deps(deps, &mut ch);
            }
            Kind::Namespace => {
                self.store.namespaces.remove(&name);
                if let Some(Resource::Namespace(n)) = new {
                    self.store.namespaces.insert(name.clone(), n);
                }
                if name == self.options.system_namespace
                    && self.compute_system_network() != self.system_network
                {
                    self.rebuild();
                    ch.services.extend(self.services.keys().cloned());
                    ch.ingress = true;
                }
            }
            Kind::ServiceEntry => {
                if let Some(old) = self.store.service_entries.remove(&k) {
                    self.store.index_service_entry(&old, false);
                }
                if let Some(Resource::ServiceEntry(se)) = new {
                    self.store.index_service_entry(&se, true);
                    self.store.service_entries.insert(k.clone(), se);
                }
                self.refresh_service_entry(&k, &mut ch);
            }
            Kind::WorkloadEntry => {
                self.store.workload_entries.remove(&k);
                if let Some(Resource::WorkloadEntry(we)) = new {
                    self.store.workload_entries.insert(k.clone(), we);
                }
                let mut deps = Deps::default();
                self.refresh_workload_entry(&k, &mut deps);
                self.refresh_deps(deps, &mut ch);
            }
            Kind::WorkloadGroup => {
                self.store.workload_groups.remove(&k);
                self.workload_groups.remove(&k);
                if let Some(Resource::WorkloadGroup(wg)) = new {
                    self.workload_groups.insert(k.clone(), workload::from_workload_group(&wg));
                    self.store.workload_groups.insert(k, wg);
                }
            }
            Kind::Ingress => {
                let mut hosts = BTreeSet::new();
                if let Some(old) = self.store.ingresses.remove(&k) {
                    self.store.index_ingress(&old, false);
                    hosts.extend(Store::hosts_of(&old));
                }
                if let Some(Resource::Ingress(ing)) = new {
                    hosts.extend(Store::hosts_of(&ing));
                    self.store.index_ingress(&ing, true);
                    self.store.ingresses.insert(k.clone(), ing);
                }
                self.refresh_gateway(&k);
                for h in hosts {
                    self.refresh_ingress_host(&h);
                }
                ch.ingress = true;
            }
            _ => ch.relevant = false,
        }
        ch
    }

    /// Stores an object without deriving anything (the first half of a full build).
    pub(super) fn store_put(&mut self, r: Resource) {
        let k = nsname(r.namespace(), r.name());
        let s = &mut self.store;
        match r {
            Resource::Service(v) => {
                s.services.insert(k, v);
            }
            Resource::EndpointSlice(v) => {
                if let Some(old) = s.slices.remove(&k) {
                    s.index_slice(&old, false);
                }
                s.index_slice(&v, true);
                s.slices.insert(k, v);
            }
            Resource::Pod(v) => {
                if let Some(old) = s.pods.remove(&k) {
                    s.index_pod(&old, false);
                }
                s.index_pod(&v, true);
                s.pods.insert(k, v);
            }
            Resource::Node(v) => {
                s.nodes.insert(k.1, v);
            }
            Resource::Namespace(v) => {
                s.namespaces.insert(k.1, v);
            }
            Resource::ServiceEntry(v) => {
                if let Some(old) = s.service_entries.remove(&k) {
                    s.index_service_entry(&old, false);
                }
                s.index_service_entry(&v, true);
                s.service_entries.insert(k, v);
            }
            Resource::WorkloadEntry(v) => {
                s.workload_entries.insert(k, v);
            }
            Resource::WorkloadGroup(v) => {
                s.workload_groups.insert(k, v);
            }
            Resource::Ingress(v) => {
                if let Some(old) = s.ingresses.remove(&k) {
                    s.index_ingress(&old, false);
                }
                s.index_ingress(&v, true);
                s.ingresses.insert(k, v);
            }
            _ => {}
        }
    }

    /// Derives everything from the stored objects (the second half of a full build).
    pub(super) fn rebuild(&mut self) {
        let store = std::mem::take(&mut self.store);
        let options = self.options.clone();
        *self = Self::new(options);
        self.store = store;
        self.system_network = self.compute_system_network();
        let mut deps = Deps::default();
        let pods: Vec<NsName> = self.store.pods.keys().cloned().collect();
        for p in pods {
            self.refresh_pod(&p, &mut deps);
        }
        let wes: Vec<NsName> = self.store.workload_entries.keys().cloned().collect();
        for w in wes {
            self.refresh_workload_entry(&w, &mut deps);
        }
        let mut ch = Changes::default();
        let services: Vec<NsName> = self.store.services.keys().cloned().collect();
        for s in services {
            self.refresh_kube_service(&s, &mut ch);
        }
        let entries: Vec<NsName> = self.store.service_entries.keys().cloned().collect();
        for e in entries {
            self.refresh_service_entry(&e, &mut ch);
        }
        let ingresses: Vec<NsName> = self.store.ingresses.keys().cloned().collect();
        for i in ingresses {
            self.refresh_gateway(&i);
        }
        let hosts: Vec<String> = self.store.ingress_hosts.keys().cloned().collect();
        for h in hosts {
            self.refresh_ingress_host(&h);
        }
        self.workload_groups = self
            .store
            .workload_groups
            .iter()
            .map(|(k, wg)| (k.clone(), workload::from_workload_group(wg)))
            .collect();
    }

    fn compute_system_network(&self) -> Option<String> {
        self.store
            .namespaces
            .get(&self.options.system_namespace)
            .and_then(|n| n.metadata.labels.get(LABEL_TOPOLOGY_NETWORK))
            .filter(|n| !n.is_empty())
            .cloned()
    }

    fn labels_for(&self, w: &Workload) -> Labels {
        endpoint::augmented_labels(
            &w.labels,
            &self.options.cluster_id,
            &w.locality,
            w.node_name.as_deref().filter(|_| w.kind == WorkloadKind::Pod),
            w.network.as_deref(),
        )
    }
}

// === dependency tracking ===

/// What a workload change makes stale.
#[derive(Debug, Default)]
struct Deps {
    /// (namespace, IP)s of the pods before and after.
    pod_ips: Vec<NsName>,
    /// Kubernetes Services whose endpoints must be recomputed.
    services: BTreeSet<NsName>,
    /// ServiceEntries whose endpoints must be recomputed.
    entries: BTreeSet<NsName>,
}

fn selects(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

impl Registry {
    /// Replaces a workload record (removing it when `new` is `None`) and records which
    /// ServiceEntries and Services of its namespace selected it before or after.
    fn put_workload(&mut self, key: WorkloadKey, new: Option<Workload>, deps: &mut Deps) {
        let mut label_sets: Vec<Labels> = Vec::new();
        if let Some(old) = self.workloads.remove(&key) {
            self.labels.remove(&key, old.workload.labels.iter());
            for a in &old.workload.addresses {
                self.ips.remove_workload(a, &key);
            }
            label_sets.push(old.workload.labels);
        }
        if let Some(w) = new {
            self.labels.insert(&key, w.labels.iter());
            for a in &w.addresses {
                self.ips.add_workload(a, &key);
            }
            label_sets.push(Arc::clone(&w.labels));
            let endpoint_labels = self.labels_for(&w);
            self.workloads.insert(key.clone(), WorkloadRecord { workload: w, endpoint_labels });
        }
        let ns = &key.namespace;
        for name in self.store.selecting_entries.get(ns).into_iter().flatten() {
            let Some(se) = self.store.service_entries.get(&nsname(ns, name)) else { continue };
            let Some(sel) = se.spec.workload_selector.as_ref() else { continue };
            if label_sets.iter().any(|l| selects(&sel.labels, l)) {
                deps.entries.insert(nsname(ns, name));
            }
        }
        if key.kind == WorkloadKind::WorkloadEntry {
            for sk in self.by_namespace.get(ns).into_iter().flatten() {
                if sk.origin != Origin::Kubernetes {
                    continue;
                }
                let Some(svc) = self.services.get(sk) else { continue };
                if svc.selector.as_ref().is_some_and(|sel| label_sets.iter().any(|l| selects(sel, l))) {
                    deps.services.insert(nsname(ns, &sk.name));
                }
            }
        }
    }

    fn refresh_pod(&mut self, k: &NsName, deps: &mut Deps) {
        let key = WorkloadKey { kind: WorkloadKind::Pod, namespace: k.0.clone(), name: k.1.clone() };
        let new = self.store.pods.get(k).map(|pod| {
            let node = pod.spec.node_name.as_deref().and_then(|n| self.store.nodes.get(n));
            workload::from_pod(pod, node, self.system_network.as_deref())
        });
        if let Some(p) = self.store.pods.get(k) {
            deps.pod_ips.extend(pod_ips(p));
        }
        if let Some(refs) = self.store.pod_refs.get(k) {
            deps.services.extend(refs.iter().cloned());
        }
        self.put_workload(key, new, deps);
    }

    fn refresh_workload_entry(&mut self, k: &NsName, deps: &mut Deps) {
        let key =
            WorkloadKey { kind: WorkloadKind::WorkloadEntry, namespace: k.0.clone(), name: k.1.clone() };
        let new = self
            .store
            .workload_entries
            .get(k)
            .map(|we| workload::from_workload_entry(we, self.system_network.as_deref()));
        self.put_workload(key, new, deps);
    }

    fn refresh_deps(&mut self, mut deps: Deps, ch: &mut Changes) {
        for ip in &deps.pod_ips {
            if let Some(refs) = self.store.ip_refs.get(ip) {
                deps.services.extend(refs.iter().cloned());
            }
        }
        for s in &deps.services {
            self.refresh_kube_endpoints(s, ch);
        }
        for e in &deps.entries {
            self.refresh_entry_endpoints(e, ch);
        }
    }
}

// === services and endpoints ===

impl Registry {
    fn insert_service(&mut self, svc: Service) {
        let key = svc.key();
        let svc = Arc::new(svc);
        for a in &svc.addresses {
            self.ips.add_service(a, IpRole::Vip, &key);
        }
        self.by_namespace.entry(key.namespace.clone()).or_default().insert(key.clone());
        self.hosts.insert(Arc::clone(&svc));
        self.services.insert(key, svc);
    }

    fn remove_service(&mut self, key: &ServiceKey, ch: &mut Changes) {
        let Some(svc) = self.services.remove(key) else { return };
        for a in &svc.addresses {
            self.ips.remove_service(a, IpRole::Vip, key);
        }
        if let Some(set) = self.by_namespace.get_mut(&key.namespace) {
            set.remove(key);
            if set.is_empty() {
                self.by_namespace.remove(&key.namespace);
            }
        }
        self.hosts.remove(key);
        self.set_endpoints(key, Vec::new());
        ch.services.insert(key.clone());
    }

    /// Replaces a service's endpoints, keeping the IP index in step.
    fn set_endpoints(&mut self, key: &ServiceKey, eps: Vec<Endpoint>) {
        let old =
            if eps.is_empty() { self.endpoints.remove(key) } else { self.endpoints.insert(key.clone(), eps) };
        let old_ips: BTreeSet<&str> = old.iter().flatten().map(|e| e.address.as_str()).collect();
        let new_ips: BTreeSet<&str> =
            self.endpoints.get(key).into_iter().flatten().map(|e| e.address.as_str()).collect();
        for ip in old_ips.difference(&new_ips) {
            self.ips.remove_service(ip, IpRole::Endpoint, key);
        }
        let added: Vec<String> = new_ips.difference(&old_ips).map(|s| s.to_string()).collect();
        for ip in added {
            self.ips.add_service(&ip, IpRole::Endpoint, key);
        }
    }

    fn kube_key(&self, k: &NsName) -> ServiceKey {
        ServiceKey {
            origin: Origin::Kubernetes,
            namespace: k.0.clone(),
            name: k.1.clone(),
            hostname: service::kube_hostname(&k.1, &k.0, &self.options.domain_suffix),
        }
    }

    fn refresh_kube_service(&mut self, k: &NsName, ch: &mut Changes) {
        let key = self.kube_key(k);
        self.remove_service(&key, ch);
        let Some(obj) = self.store.services.get(k) else { return };
        let svc = service::from_kube(obj, &self.options);
        self.insert_service(svc);
        self.refresh_kube_endpoints(k, ch);
    }

    fn refresh_kube_endpoints(&mut self, k: &NsName, ch: &mut Changes) {
        let key = self.kube_key(k);
        let Some(svc) = self.services.get(&key).cloned() else { return };
        let mut eps = endpoint::from_slices(self, &svc, self.store.slices_of(k));
        if svc.resolution == Resolution::ClientSideLb
            && svc.location == Location::MeshInternal
            && let Some(sel) = &svc.selector
        {
            let entries: Vec<&Workload> = self
                .select(&k.0, sel)
                .into_iter()
                .filter(|w| w.kind == WorkloadKind::WorkloadEntry)
                .collect();
            eps.extend(endpoint::from_selected_entries(self, &svc, entries));
        }
        self.set_endpoints(&key, eps);
        ch.services.insert(key);
    }

    fn entry_keys(&self, k: &NsName) -> Vec<ServiceKey> {
        let from = ServiceKey {
            origin: Origin::ServiceEntry,
            namespace: k.0.clone(),
            name: k.1.clone(),
            hostname: String::new(),
        };
        self.services
            .range(from..)
            .take_while(|(sk, _)| sk.origin == Origin::ServiceEntry && sk.namespace == k.0 && sk.name == k.1)
            .map(|(sk, _)| sk.clone())
            .collect()
    }

    fn refresh_service_entry(&mut self, k: &NsName, ch: &mut Changes) {
        for key in self.entry_keys(k) {
            self.remove_service(&key, ch);
        }
        let Some(se) = self.store.service_entries.get(k) else { return };
        for svc in service_entry::services_of(se, &self.options) {
            self.insert_service(svc);
        }
        self.refresh_entry_endpoints(k, ch);
    }

    fn refresh_entry_endpoints(&mut self, k: &NsName, ch: &mut Changes) {
        let Some(se) = self.store.service_entries.get(k) else { return };
        let selected: Vec<&Workload> = match &se.spec.workload_selector {
            Some(sel) => self
                .select(&k.0, &sel.labels)
                .into_iter()
                .filter(|w| w.kind == WorkloadKind::WorkloadEntry || w.address().is_some())
                .collect(),
            None => Vec::new(),
        };
        let mut all = Vec::new();
        for key in self.entry_keys(k) {
            let Some(svc) = self.services.get(&key) else { continue };
            all.push((key, service_entry::endpoints_of(self, se, svc, selected.iter().copied())));
        }
        for (key, eps) in all {
            self.set_endpoints(&key, eps);
            ch.services.insert(key);
        }
    }
}

// === Ingress ===

impl Registry {
    fn refresh_gateway(&mut self, k: &NsName) {
        self.gateways.remove(k);
        let Some(ing) = self.store.ingresses.get(k) else { return };
        if ingress::is_istio_ingress(ing, &self.options.mesh) {
            let gw = ingress::gateway_of(ing, &self.options.mesh, &self.options.ingress_namespace);
            self.gateways.insert(k.clone(), gw);
        }
    }

    fn refresh_ingress_host(&mut self, host: &str) {
        self.virtual_services.remove(host);
        let mut rules = Vec::new();
        for k in self.store.ingress_hosts.get(host).into_iter().flatten() {
            let Some(ing) = self.store.ingresses.get(k) else { continue };
            if !ingress::is_istio_ingress(ing, &self.options.mesh) {
                continue;
            }
            let created = created_nanos(ing.metadata.creation_timestamp.as_deref());
            for (index, rule) in ing.spec.rules.iter().enumerate() {
                if ingress::rule_host(rule) == host {
                    rules.push(RuleRef { ingress: ing, index, created });
                }
            }
        }
        if rules.is_empty() {
            return;
        }
        let services = &self.store.services;
        let lookup = |ns: &str, name: &str| services.get(&nsname(ns, name));
        if let Some(vs) = ingress::virtual_service_for_host(
            host,
            rules,
            &self.options.domain_suffix,
            &self.options.ingress_namespace,
            &lookup,
        ) {
            self.virtual_services.insert(host.to_string(), vs);
        }
    }

    fn refresh_ingress_of_namespace(&mut self, ns: &str, ch: &mut Changes) {
        let from = (ns.to_string(), String::new());
        let hosts: BTreeSet<String> = self
            .store
            .ingresses
            .range(from..)
            .take_while(|((ins, _), _)| ins == ns)
            .flat_map(|(_, ing)| Store::hosts_of(ing))
            .collect();
        for h in &hosts {
            self.refresh_ingress_host(h);
        }
        ch.ingress |= !hosts.is_empty();
    }
}
