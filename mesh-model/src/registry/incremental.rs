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
//! | IngressClass | the Gateways and VirtualServices of the Ingresses that name it |
//!
//! Re-deriving is itself incremental: a service's endpoint list is rewritten in place (see
//! `endpoint::sync`), so an unchanged endpoint costs a few comparisons and no allocation; the
//! reverse indexes of a slice are left alone when its references did not change; a workload's
//! label and node postings change only where its labels or node did.

use std::collections::BTreeSet;

use super::Registry;
use super::derive::Deps;
use super::service::ServiceKey;
use super::store::{NsName, Store, same_refs, slice_service};
use super::workload;
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
        ch.relevant = true;
        match kind {
            Kind::Service => {
                let k = nsname(&ns, &name);
                self.store.services.remove(&k);
                if let Some(Resource::Service(s)) = new {
                    self.store.services.insert(k.clone(), s);
                }
                self.refresh_kube_service(&k, &mut ch);
                self.refresh_ingress_of_namespace(&ns, &mut ch);
            }
            Kind::EndpointSlice => {
                let new = match new {
                    Some(Resource::EndpointSlice(s)) => Some(s),
                    _ => None,
                };
                let old = self.store.slices.remove(&ns, &name);
                let (old_svc, new_svc) =
                    (old.as_ref().and_then(slice_service), new.as_ref().and_then(slice_service));
                // An update within one service re-derives that slice's endpoints alone when it
                // can (see `refresh_kube_slice`).
                let in_place = old_svc.is_some() && old_svc == new_svc;
                let mut touched: Vec<NsName> = Vec::with_capacity(2);
                touched.extend(old_svc);
                if let Some(svc) = new_svc
                    && !touched.contains(&svc)
                {
                    touched.push(svc);
                }
                let unchanged_refs = matches!((&old, &new), (Some(o), Some(n)) if same_refs(o, n));
                if !unchanged_refs {
                    if let Some(o) = &old {
                        self.store.index_slice(o, false);
                    }
                    if let Some(n) = &new {
                        self.store.index_slice(n, true);
                    }
                }
                if let Some(s) = new {
                    self.store.slices.insert(&ns, &name, s);
                }
                for (sns, sname) in &touched {
                    if in_place {
                        self.refresh_kube_slice(sns, sname, &name, &mut ch);
                    } else {
                        self.refresh_kube_endpoints(sns, sname, &mut ch);
                    }
                }
            }
            Kind::Pod => {
                let pod = match new {
                    Some(Resource::Pod(p)) => Some(p),
                    _ => None,
                };
                let mut deps = Deps::default();
                self.put_pod(&ns, &name, pod, Some(&mut deps));
                self.refresh_deps(deps, &mut ch);
            }
            Kind::Node => {
                self.store.nodes.remove(&name);
                if let Some(Resource::Node(n)) = new {
                    self.store.nodes.insert(name.clone(), n);
                }
                let mut deps = Deps::default();
                for key in self.workloads.pods_on_node(&name) {
                    self.rederive_pod(&key, Some(&mut deps));
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
                    ch.services.extend(self.services.keys().map(|k| (**k).clone()));
                    ch.ingress = true;
                }
            }
            Kind::ServiceEntry => {
                let k = nsname(&ns, &name);
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
                let k = nsname(&ns, &name);
                self.store.workload_entries.remove(&k);
                if let Some(Resource::WorkloadEntry(we)) = new {
                    self.store.workload_entries.insert(k.clone(), we);
                }
                let mut deps = Deps::default();
                self.refresh_workload_entry(&k, Some(&mut deps));
                self.refresh_deps(deps, &mut ch);
            }
            Kind::WorkloadGroup => {
                let k = nsname(&ns, &name);
                self.store.workload_groups.remove(&k);
                self.workload_groups.remove(&k);
                if let Some(Resource::WorkloadGroup(wg)) = new {
                    self.workload_groups.insert(k.clone(), workload::from_workload_group(&wg));
                    self.store.workload_groups.insert(k, wg);
                }
            }
            Kind::Ingress => {
                let k = nsname(&ns, &name);
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
            Kind::IngressClass => {
                self.store.ingress_classes.remove(&name);
                if let Some(Resource::IngressClass(c)) = new {
                    self.store.ingress_classes.insert(name.clone(), c);
                }
                // Every Ingress naming the class may be served or dropped now.
                let naming: Vec<NsName> = self
                    .store
                    .ingresses
                    .iter()
                    .filter(|(_, ing)| ing.spec.ingress_class_name.as_deref() == Some(name.as_str()))
                    .map(|(k, _)| k.clone())
                    .collect();
                let mut hosts = BTreeSet::new();
                for k in &naming {
                    self.refresh_gateway(k);
                    if let Some(ing) = self.store.ingresses.get(k) {
                        hosts.extend(Store::hosts_of(ing));
                    }
                }
                for h in hosts {
                    self.refresh_ingress_host(&h);
                }
                ch.ingress = !naming.is_empty();
            }
            _ => ch.relevant = false,
        }
        ch
    }

    /// Stores an object without deriving services (the first half of a full build). A pod
    /// becomes its workload at once: that is all the registry keeps of it.
    pub(super) fn store_put(&mut self, r: Resource) {
        let s = &mut self.store;
        match r {
            Resource::Service(v) => {
                s.services.insert(nsname(v.metadata.namespace(), v.metadata.name()), v);
            }
            Resource::EndpointSlice(v) => {
                let (ns, name) = (v.metadata.namespace().to_string(), v.metadata.name().to_string());
                if let Some(old) = s.slices.remove(&ns, &name) {
                    s.index_slice(&old, false);
                }
                s.index_slice(&v, true);
                s.slices.insert(&ns, &name, v);
            }
            Resource::Pod(v) => {
                let (ns, name) = (v.metadata.namespace().to_string(), v.metadata.name().to_string());
                self.put_pod(&ns, &name, Some(v), None);
            }
            Resource::Node(v) => {
                s.nodes.insert(v.metadata.name().to_string(), v);
            }
            Resource::Namespace(v) => {
                s.namespaces.insert(v.metadata.name().to_string(), v);
            }
            Resource::ServiceEntry(v) => {
                let k = nsname(v.metadata.namespace(), v.metadata.name());
                if let Some(old) = s.service_entries.remove(&k) {
                    s.index_service_entry(&old, false);
                }
                s.index_service_entry(&v, true);
                s.service_entries.insert(k, v);
            }
            Resource::WorkloadEntry(v) => {
                s.workload_entries.insert(nsname(v.metadata.namespace(), v.metadata.name()), v);
            }
            Resource::WorkloadGroup(v) => {
                s.workload_groups.insert(nsname(v.metadata.namespace(), v.metadata.name()), v);
            }
            Resource::Ingress(v) => {
                let k = nsname(v.metadata.namespace(), v.metadata.name());
                if let Some(old) = s.ingresses.remove(&k) {
                    s.index_ingress(&old, false);
                }
                s.index_ingress(&v, true);
                s.ingresses.insert(k, v);
            }
            Resource::IngressClass(v) => {
                s.ingress_classes.insert(v.metadata.name().to_string(), v);
            }
            _ => {}
        }
    }

    /// Derives everything from the stored objects (the second half of a full build, and what
    /// a change of the system namespace's network needs). Pods are re-derived in place: their
    /// locality and network follow the nodes and the system network now known.
    pub(super) fn rebuild(&mut self) {
        self.services.clear();
        self.kube_services = Default::default();
        self.endpoints.clear();
        self.slice_segments.clear();
        self.hosts = Default::default();
        self.by_namespace.clear();
        self.ips.clear_services();
        self.gateways.clear();
        self.virtual_services.clear();
        self.workload_groups.clear();
        self.system_network = self.compute_system_network();
        self.bare_labels = super::bare_labels(&self.options, self.system_network.as_deref());
        for key in self.workloads.pod_keys() {
            self.rederive_pod(&key, None);
        }
        let wes: Vec<NsName> = self.store.workload_entries.keys().cloned().collect();
        for w in wes {
            self.refresh_workload_entry(&w, None);
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

    pub(super) fn compute_system_network(&self) -> Option<String> {
        self.store
            .namespaces
            .get(&self.options.system_namespace)
            .and_then(|n| n.metadata.labels.get(workload::LABEL_TOPOLOGY_NETWORK))
            .filter(|n| !n.is_empty())
            .cloned()
    }
}
