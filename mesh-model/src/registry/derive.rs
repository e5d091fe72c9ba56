//! Re-deriving the registry's entries from its stored objects: workloads and what depends on
//! them, services and their endpoints, and the Ingress output. [`Registry::apply`] and the
//! full build both go through these functions, so that the two agree.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::endpoint::{self, AddressCounter, BareContext, EndpointContext, PodLookup, Spec};
use super::incremental::Changes;
use super::index::IpIndex;
use super::ingress::{self, RuleRef};
use super::service::{self, KeyParts, Origin, Resolution, Service, ServiceKey, SvcId, created_nanos};
use super::service_entry;
use super::store::{NsName, Store};
use super::workload::{self, Labels, Workload, WorkloadKey, WorkloadKind};
use super::workload_table::{WorkloadRecord, WorkloadTable};
use super::{Endpoint, Registry};
use crate::kube::Pod;
use crate::networking::Location;

// === contexts for endpoint building ===

impl EndpointContext for Registry {
    fn labels_for(&self, w: &Workload) -> Labels {
        self.endpoint_labels_for(w)
    }

    fn system_network(&self) -> Option<&str> {
        self.system_network.as_deref()
    }
}

/// Finds pods for slice endpoints: by reference in the workload table, by IP in the IP index.
struct Pods<'a, 'i> {
    table: &'a WorkloadTable,
    ips: &'i IpIndex,
}

impl<'a> PodLookup<'a> for Pods<'a, '_> {
    fn pod(&self, namespace: &str, name: &str) -> Option<&'a WorkloadRecord> {
        self.table.get(WorkloadKind::Pod, namespace, name)
    }

    fn pod_by_ip(&self, namespace: &str, ip: &str) -> Option<&'a WorkloadRecord> {
        // The IP index lists workloads in key order: pods first, by namespace, then name.
        let k = self
            .ips
            .get(ip)?
            .workloads
            .iter()
            .find(|k| k.kind == WorkloadKind::Pod && k.namespace == namespace)?;
        self.table.get_key(k)
    }
}

/// Counts a service's endpoints per address in the IP index.
struct IpCounter<'a> {
    ips: &'a mut IpIndex,
    key: &'a Arc<ServiceKey>,
}

impl AddressCounter for IpCounter<'_> {
    fn add(&mut self, address: &str) {
        self.ips.add_endpoint(address, self.key);
    }

    fn remove(&mut self, address: &str) {
        self.ips.remove_endpoint(address, self.key);
    }
}

// === dependency tracking ===

/// What a workload change makes stale.
#[derive(Debug, Default)]
pub(super) struct Deps {
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

fn pairs(labels: &BTreeMap<String, String>) -> impl Iterator<Item = (&str, &str)> {
    labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))
}

impl Registry {
    /// Augmented labels of a workload's endpoints.
    pub(super) fn endpoint_labels_for(&self, w: &Workload) -> Labels {
        endpoint::augmented_labels(
            &w.labels,
            &self.options.cluster_id,
            &w.locality,
            w.node_name.as_deref().filter(|_| w.kind == WorkloadKind::Pod),
            w.network.as_deref(),
        )
    }

    /// Replaces a workload (removing it when `new` is `None`), keeps the IP index in step,
    /// and records in `deps` which ServiceEntries and Services of its namespace selected it
    /// before or after, and (for a pod) its addresses.
    fn put_workload(
        &mut self,
        kind: WorkloadKind,
        ns: &str,
        name: &str,
        new: Option<Workload>,
        deps: Option<&mut Deps>,
    ) {
        let new = new.map(|w| {
            let labels = self.endpoint_labels_for(&w);
            (w, labels)
        });
        let (old, key) = self.workloads.replace(kind, ns, name, new);
        let cur = self.workloads.get(kind, ns, name);
        let no_addresses: &[String] = &[];
        let old_addrs = old.as_ref().map_or(no_addresses, |o| &o.workload.addresses);
        let new_addrs = cur.map_or(no_addresses, |r| &r.workload.addresses);
        for a in old_addrs.iter().filter(|a| !new_addrs.contains(a)) {
            self.ips.remove_workload(a, &key);
        }
        for a in new_addrs.iter().filter(|a| !old_addrs.contains(a)) {
            self.ips.add_workload(a, &key);
        }
        let Some(deps) = deps else { return };
        let label_sets: Vec<&Labels> =
            old.iter().map(|o| &o.workload.labels).chain(cur.map(|r| &r.workload.labels)).collect();
        workload_deps(&self.store, &self.services, &self.by_namespace, kind, ns, &label_sets, deps);
        if kind == WorkloadKind::Pod {
            for a in old_addrs.iter().chain(new_addrs) {
                deps.pod_ips.push((ns.to_string(), a.clone()));
            }
        }
    }

    /// Converts and stores a pod (removes it when `pod` is `None`).
    pub(super) fn put_pod(&mut self, ns: &str, name: &str, pod: Option<Pod>, mut deps: Option<&mut Deps>) {
        let new = pod.map(|p| {
            let node = p.spec.node_name.as_deref().and_then(|n| self.store.nodes.get(n));
            workload::from_pod(p, node, self.system_network.as_deref())
        });
        self.put_workload(WorkloadKind::Pod, ns, name, new, deps.as_deref_mut());
        if let Some(deps) = deps {
            pod_ref_deps(&self.store, ns, name, deps);
        }
    }

    /// Re-derives a pod's locality (its node may have changed) and network (the system
    /// network may have); the record is replaced only when one of them changed.
    pub(super) fn rederive_pod(&mut self, key: &WorkloadKey, deps: Option<&mut Deps>) {
        let Some(r) = self.workloads.get_key(key) else { return };
        let w = &r.workload;
        let node = w.node_name.as_deref().and_then(|n| self.store.nodes.get(n));
        let locality = workload::pod_locality(&w.labels, node);
        let network = workload::network_of(&w.labels, self.system_network.as_deref());
        if locality != w.locality || network != w.network {
            let new = Workload { locality, network, ..w.clone() };
            let (ns, name) = (key.namespace.clone(), key.name.clone());
            let mut deps = deps;
            self.put_workload(WorkloadKind::Pod, &ns, &name, Some(new), deps.as_deref_mut());
            if let Some(deps) = deps {
                pod_ref_deps(&self.store, &ns, &name, deps);
            }
        } else if let Some(deps) = deps {
            // Unchanged: its dependents are still re-derived, as for any update of it.
            let labels = [&w.labels];
            workload_deps(
                &self.store,
                &self.services,
                &self.by_namespace,
                key.kind,
                &key.namespace,
                &labels,
                deps,
            );
            for a in &w.addresses {
                deps.pod_ips.push((key.namespace.clone(), a.clone()));
            }
            pod_ref_deps(&self.store, &key.namespace, &key.name, deps);
        }
    }

    pub(super) fn refresh_workload_entry(&mut self, k: &NsName, deps: Option<&mut Deps>) {
        let new = self
            .store
            .workload_entries
            .get(k)
            .map(|we| workload::from_workload_entry(we, self.system_network.as_deref()));
        self.put_workload(WorkloadKind::WorkloadEntry, &k.0, &k.1, new, deps);
    }

    pub(super) fn refresh_deps(&mut self, mut deps: Deps, ch: &mut Changes) {
        for (ns, ip) in &deps.pod_ips {
            if let Some(refs) = self.store.ip_refs.get(ns, ip) {
                deps.services.extend(refs.iter().map(|(s, _)| (**s).clone()));
            }
        }
        for (ns, name) in &deps.services {
            self.refresh_kube_endpoints(ns, name, ch);
        }
        for e in &deps.entries {
            self.refresh_entry_endpoints(e, ch);
        }
    }
}

/// Services whose slices reference pod `ns/name`.
fn pod_ref_deps(store: &Store, ns: &str, name: &str, deps: &mut Deps) {
    if let Some(refs) = store.pod_refs.get(ns, name) {
        deps.services.extend(refs.iter().map(|(s, _)| (**s).clone()));
    }
}

/// ServiceEntries of `ns` whose selector matches any of `label_sets`, and for a
/// WorkloadEntry the Kubernetes Services of `ns` whose selector does.
fn workload_deps(
    store: &Store,
    services: &BTreeMap<Arc<ServiceKey>, Arc<Service>>,
    by_namespace: &std::collections::HashMap<String, BTreeSet<Arc<ServiceKey>>>,
    kind: WorkloadKind,
    ns: &str,
    label_sets: &[&Labels],
    deps: &mut Deps,
) {
    for name in store.selecting_entries.get(ns).into_iter().flatten() {
        let k = (ns.to_string(), name.clone());
        let Some(se) = store.service_entries.get(&k) else { continue };
        let Some(sel) = se.spec.workload_selector.as_ref() else { continue };
        if label_sets.iter().any(|l| selects(&sel.labels, l)) {
            deps.entries.insert(k);
        }
    }
    if kind == WorkloadKind::WorkloadEntry {
        for sk in by_namespace.get(ns).into_iter().flatten() {
            if sk.origin != Origin::Kubernetes {
                continue;
            }
            let Some(svc) = services.get(&**sk) else { continue };
            if svc.selector.as_ref().is_some_and(|sel| label_sets.iter().any(|l| selects(sel, l))) {
                deps.services.insert((ns.to_string(), sk.name.clone()));
            }
        }
    }
}

// === services and endpoints ===

impl Registry {
    fn insert_service(&mut self, svc: Service) -> Arc<ServiceKey> {
        let key = Arc::new(svc.key());
        let svc = Arc::new(svc);
        for a in &svc.addresses {
            self.ips.add_vip(a, &key);
        }
        self.by_namespace.entry(key.namespace.clone()).or_default().insert(Arc::clone(&key));
        if svc.origin == Origin::Kubernetes {
            self.kube_services.insert(&svc.namespace, &svc.name, Arc::clone(&key));
        }
        self.hosts.insert(Arc::clone(&svc));
        self.services.insert(Arc::clone(&key), svc);
        key
    }

    /// Removes a service. Its endpoints are returned when `keep_endpoints` (still counted in
    /// the IP index, for the caller to put back under an equal key), else dropped.
    fn remove_service(
        &mut self,
        key: &ServiceKey,
        ch: &mut Changes,
        keep_endpoints: bool,
    ) -> Option<Vec<Endpoint>> {
        let (key, svc) = self.services.remove_entry(key)?;
        for a in &svc.addresses {
            self.ips.remove_vip(a, &key);
        }
        if let Some(set) = self.by_namespace.get_mut(&key.namespace) {
            set.remove(&*key);
            if set.is_empty() {
                self.by_namespace.remove(&key.namespace);
            }
        }
        if key.origin == Origin::Kubernetes {
            self.kube_services.remove(&key.namespace, &key.name);
        }
        self.hosts.remove(&key);
        self.slice_segments.remove(&*key as &dyn KeyParts);
        ch.services.insert((*key).clone());
        let eps = self.endpoints.remove(&*key as &dyn KeyParts)?;
        if keep_endpoints {
            return Some(eps);
        }
        for e in &eps {
            self.ips.remove_endpoint(&e.address, &key);
        }
        None
    }

    /// Replaces a service's endpoints with `eps`, position by position, keeping the IP index
    /// in step.
    fn set_endpoints(&mut self, key: &Arc<ServiceKey>, eps: Vec<Endpoint>) {
        let mut counter = IpCounter { ips: &mut self.ips, key };
        match self.endpoints.get_mut(&**key as &dyn KeyParts) {
            Some(cur) => {
                endpoint::sync_owned(cur, eps, &mut counter);
                if cur.is_empty() {
                    self.endpoints.remove(&**key as &dyn KeyParts);
                }
            }
            None if !eps.is_empty() => {
                for e in &eps {
                    counter.add(&e.address);
                }
                self.endpoints.insert(SvcId(Arc::clone(key)), eps);
            }
            None => {}
        }
    }

    pub(super) fn refresh_kube_service(&mut self, k: &NsName, ch: &mut Changes) {
        let old_key = self.kube_services.get(&k.0, &k.1).cloned();
        let kept = old_key.as_ref().and_then(|key| self.remove_service(key, ch, true));
        let Some(obj) = self.store.services.get(k) else {
            if let (Some(key), Some(eps)) = (&old_key, kept) {
                for e in &eps {
                    self.ips.remove_endpoint(&e.address, key);
                }
            }
            return;
        };
        let svc = service::from_kube(obj, &self.options);
        let key = self.insert_service(svc);
        if let Some(eps) = kept {
            // The same name gives the same key: the endpoints (and their IP counts) carry over
            // and are re-derived in place.
            self.endpoints.insert(SvcId(key), eps);
        }
        self.refresh_kube_endpoints(&k.0, &k.1, ch);
    }

    /// Re-derives the endpoints of Kubernetes Service `ns/name` in place.
    pub(super) fn refresh_kube_endpoints(&mut self, ns: &str, name: &str, ch: &mut Changes) {
        let Some(key) = self.kube_services.get(ns, name).cloned() else { return };
        let Some(svc) = self.services.get(&*key).cloned() else { return };
        let mut specs: Vec<Spec<'_>> = Vec::new();
        let mut segments = Vec::new();
        let pods = Pods { table: &self.workloads, ips: &self.ips };
        endpoint::from_slices(&pods, &svc, self.store.slices_of(ns, name), &mut specs, &mut segments);
        if svc.resolution == Resolution::ClientSideLb
            && svc.location == Location::MeshInternal
            && let Some(sel) = &svc.selector
        {
            let entries = self
                .workloads
                .select(ns, Some(WorkloadKind::WorkloadEntry), pairs(sel), |w| selects(sel, &w.labels));
            endpoint::from_selected_entries(&svc, entries, &mut specs);
        }
        let bare = BareContext { labels: &self.bare_labels, network: self.system_network.as_deref() };
        let mut counter = IpCounter { ips: &mut self.ips, key: &key };
        let eps = self.endpoints.entry(SvcId(Arc::clone(&key))).or_default();
        endpoint::sync(eps, &specs, bare, &mut counter);
        if eps.is_empty() {
            self.endpoints.remove(&*key as &dyn KeyParts);
        }
        if segments.is_empty() {
            self.slice_segments.remove(&*key as &dyn KeyParts);
        } else {
            endpoint::record_segments(
                self.slice_segments.entry(SvcId(Arc::clone(&key))).or_default(),
                &segments,
            );
        }
        ch.services.insert((*key).clone());
    }

    /// Re-derives the endpoints of Kubernetes Service `ns/name` after its slice `slice`
    /// changed: only that slice's positions when it still yields the same (address, port
    /// name) pairs (the rest of the list cannot change then: de-duplication sees the same
    /// pairs), else the whole service.
    pub(super) fn refresh_kube_slice(&mut self, ns: &str, name: &str, slice: &str, ch: &mut Changes) {
        match self.refresh_segment(ns, name, slice) {
            Some(key) => {
                ch.services.insert((*key).clone());
            }
            None => self.refresh_kube_endpoints(ns, name, ch),
        }
    }

    /// The in-place re-derivation of one slice's positions; `None` when it does not apply.
    fn refresh_segment(&mut self, ns: &str, name: &str, slice_name: &str) -> Option<Arc<ServiceKey>> {
        let key = Arc::clone(self.kube_services.get(ns, name)?);
        let svc = Arc::clone(self.services.get(&*key)?);
        let seg =
            self.slice_segments.get(&*key as &dyn KeyParts)?.iter().find(|s| &*s.slice == slice_name)?;
        let range = seg.start..seg.start + seg.len;
        let slice = self.store.slices.get(ns, slice_name)?;
        let mut specs: Vec<Spec<'_>> = Vec::new();
        let pods = Pods { table: &self.workloads, ips: &self.ips };
        endpoint::from_slices(&pods, &svc, [slice], &mut specs, &mut Vec::new());
        if range.is_empty() {
            return specs.is_empty().then_some(key);
        }
        let window = self.endpoints.get_mut(&*key as &dyn KeyParts)?.get_mut(range)?;
        if !endpoint::same_pairs(window, &specs) {
            return None;
        }
        let bare = BareContext { labels: &self.bare_labels, network: self.system_network.as_deref() };
        endpoint::sync_in_place(window, &specs, bare);
        Some(key)
    }

    fn entry_keys(&self, k: &NsName) -> Vec<Arc<ServiceKey>> {
        let from = ServiceKey {
            origin: Origin::ServiceEntry,
            namespace: k.0.clone(),
            name: k.1.clone(),
            hostname: String::new(),
        };
        self.services
            .range(from..)
            .take_while(|(sk, _)| sk.origin == Origin::ServiceEntry && sk.namespace == k.0 && sk.name == k.1)
            .map(|(sk, _)| Arc::clone(sk))
            .collect()
    }

    pub(super) fn refresh_service_entry(&mut self, k: &NsName, ch: &mut Changes) {
        for key in self.entry_keys(k) {
            self.remove_service(&key, ch, false);
        }
        let Some(se) = self.store.service_entries.get(k) else { return };
        for svc in service_entry::services_of(se, &self.options) {
            self.insert_service(svc);
        }
        self.refresh_entry_endpoints(k, ch);
    }

    fn refresh_entry_endpoints(&mut self, k: &NsName, ch: &mut Changes) {
        let Some(se) = self.store.service_entries.get(k) else { return };
        let selected: Vec<&WorkloadRecord> = match &se.spec.workload_selector {
            Some(sel) => self.workloads.select(&k.0, None, pairs(&sel.labels), |w| {
                selects(&sel.labels, &w.labels)
                    && (w.kind == WorkloadKind::WorkloadEntry || w.address().is_some())
            }),
            None => Vec::new(),
        };
        let mut all = Vec::new();
        for key in self.entry_keys(k) {
            let Some(svc) = self.services.get(&*key) else { continue };
            all.push((key, service_entry::endpoints_of(self, se, svc, selected.iter().copied())));
        }
        for (key, eps) in all {
            self.set_endpoints(&key, eps);
            ch.services.insert((*key).clone());
        }
    }
}

// === Ingress ===

impl Registry {
    pub(super) fn refresh_gateway(&mut self, k: &NsName) {
        self.gateways.remove(k);
        let Some(ing) = self.store.ingresses.get(k) else { return };
        if ingress::is_istio_ingress(ing, &self.options.mesh, self.store.class_of(ing)) {
            let gw = ingress::gateway_of(ing, &self.options.mesh, &self.options.ingress_namespace);
            self.gateways.insert(k.clone(), gw);
        }
    }

    pub(super) fn refresh_ingress_host(&mut self, host: &str) {
        self.virtual_services.remove(host);
        let mut rules = Vec::new();
        for k in self.store.ingress_hosts.get(host).into_iter().flatten() {
            let Some(ing) = self.store.ingresses.get(k) else { continue };
            if !ingress::is_istio_ingress(ing, &self.options.mesh, self.store.class_of(ing)) {
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
        let lookup = |ns: &str, name: &str| services.get(&(ns.to_string(), name.to_string()));
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

    pub(super) fn refresh_ingress_of_namespace(&mut self, ns: &str, ch: &mut Changes) {
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
