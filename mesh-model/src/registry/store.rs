//! The source objects the registry was built from, with the reverse indexes that tell an
//! update which derived entries it touches.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::kube::{EndpointSlice, Ingress, Namespace, Node, Pod, Service};
use crate::networking::{ServiceEntry, WorkloadEntry, WorkloadGroup};

/// A namespace and a name.
pub(crate) type NsName = (String, String);

/// Every object the registry reads, by key, plus reverse indexes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    pub(crate) services: BTreeMap<NsName, Service>,
    pub(crate) slices: BTreeMap<NsName, EndpointSlice>,
    pub(crate) pods: BTreeMap<NsName, Pod>,
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) namespaces: BTreeMap<String, Namespace>,
    pub(crate) service_entries: BTreeMap<NsName, ServiceEntry>,
    pub(crate) workload_entries: BTreeMap<NsName, WorkloadEntry>,
    pub(crate) workload_groups: BTreeMap<NsName, WorkloadGroup>,
    pub(crate) ingresses: BTreeMap<NsName, Ingress>,
    /// (namespace, service name) -> names of its EndpointSlices.
    pub(crate) slices_by_service: HashMap<NsName, BTreeSet<String>>,
    /// (namespace, pod name) -> Services whose slices reference the pod.
    pub(crate) pod_refs: HashMap<NsName, BTreeSet<NsName>>,
    /// (namespace, IP) -> Services whose slices hold that address without a pod reference.
    pub(crate) ip_refs: HashMap<NsName, BTreeSet<NsName>>,
    /// (namespace, IP) -> pods with that IP.
    pub(crate) pods_by_ip: HashMap<NsName, BTreeSet<String>>,
    /// node -> pods on it.
    pub(crate) pods_by_node: HashMap<String, BTreeSet<NsName>>,
    /// namespace -> ServiceEntries with a workload selector.
    pub(crate) selecting_entries: HashMap<String, BTreeSet<String>>,
    /// host -> Ingresses with a rule for it.
    pub(crate) ingress_hosts: BTreeMap<String, BTreeSet<NsName>>,
}

fn key(ns: &str, name: &str) -> NsName {
    (ns.to_string(), name.to_string())
}

fn remove_from<K: std::hash::Hash + Eq, V: Ord>(map: &mut HashMap<K, BTreeSet<V>>, k: &K, v: &V) {
    if let Some(set) = map.get_mut(k) {
        set.remove(v);
        if set.is_empty() {
            map.remove(k);
        }
    }
}

/// The service an EndpointSlice belongs to, when it names one.
pub(crate) fn slice_service(slice: &EndpointSlice) -> Option<NsName> {
    slice.service_name().filter(|n| !n.is_empty()).map(|n| key(slice.metadata.namespace(), n))
}

/// The (namespace, IP)s a pod is found under.
pub(crate) fn pod_ips(pod: &Pod) -> Vec<NsName> {
    let ns = pod.metadata.namespace();
    let mut out: Vec<NsName> = Vec::new();
    if let Some(s) = &pod.status {
        for ip in s.pod_ip.iter().chain(s.pod_ips.iter().map(|p| &p.ip)) {
            let k = key(ns, ip);
            if !ip.is_empty() && !out.contains(&k) {
                out.push(k);
            }
        }
    }
    out
}

impl Store {
    // --- EndpointSlices ---

    pub(crate) fn index_slice(&mut self, slice: &EndpointSlice, add: bool) {
        let ns = slice.metadata.namespace();
        let Some(svc) = slice_service(slice) else { return };
        let name = slice.metadata.name().to_string();
        if add {
            self.slices_by_service.entry(svc.clone()).or_default().insert(name);
        } else if let Some(set) = self.slices_by_service.get_mut(&svc) {
            set.remove(&name);
            if set.is_empty() {
                self.slices_by_service.remove(&svc);
            }
        }
        for e in &slice.endpoints {
            match e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod")) {
                Some(r) => {
                    let rns = r.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(ns);
                    let k = key(rns, r.name.as_deref().unwrap_or(""));
                    if add {
                        self.pod_refs.entry(k).or_default().insert(svc.clone());
                    } else {
                        self.unref_if_unused(k, &svc, true);
                    }
                }
                None => {
                    for a in &e.addresses {
                        let k = key(ns, a);
                        if add {
                            self.ip_refs.entry(k).or_default().insert(svc.clone());
                        } else {
                            self.unref_if_unused(k, &svc, false);
                        }
                    }
                }
            }
        }
    }

    /// Drops a reverse reference once no remaining slice of `svc` holds it.
    fn unref_if_unused(&mut self, k: NsName, svc: &NsName, by_pod: bool) {
        let still = self.slices_by_service.get(svc).is_some_and(|names| {
            names.iter().any(|n| {
                self.slices.get(&(svc.0.clone(), n.clone())).is_some_and(|s| {
                    s.endpoints.iter().any(|e| {
                        let pod_ref = e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod"));
                        match (by_pod, pod_ref) {
                            (true, Some(r)) => {
                                let rns = r.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(&svc.0);
                                rns == k.0 && r.name.as_deref().unwrap_or("") == k.1
                            }
                            (false, None) => e.addresses.contains(&k.1),
                            _ => false,
                        }
                    })
                })
            })
        });
        if !still {
            let map = if by_pod { &mut self.pod_refs } else { &mut self.ip_refs };
            remove_from(map, &k, svc);
        }
    }

    /// The slices of a Service, in name order.
    pub(crate) fn slices_of(&self, svc: &NsName) -> impl Iterator<Item = &EndpointSlice> {
        self.slices_by_service
            .get(svc)
            .into_iter()
            .flatten()
            .filter_map(move |n| self.slices.get(&(svc.0.clone(), n.clone())))
    }

    // --- Pods ---

    pub(crate) fn index_pod(&mut self, pod: &Pod, add: bool) {
        let k = key(pod.metadata.namespace(), pod.metadata.name());
        for ip in pod_ips(pod) {
            if add {
                self.pods_by_ip.entry(ip).or_default().insert(k.1.clone());
            } else {
                remove_from(&mut self.pods_by_ip, &ip, &k.1);
            }
        }
        if let Some(node) = pod.spec.node_name.as_deref().filter(|n| !n.is_empty()) {
            if add {
                self.pods_by_node.entry(node.to_string()).or_default().insert(k);
            } else {
                remove_from(&mut self.pods_by_node, &node.to_string(), &k);
            }
        }
    }

    // --- ServiceEntries ---

    pub(crate) fn index_service_entry(&mut self, se: &ServiceEntry, add: bool) {
        if se.spec.workload_selector.is_none() {
            return;
        }
        let (ns, name) = (se.metadata.namespace().to_string(), se.metadata.name().to_string());
        if add {
            self.selecting_entries.entry(ns).or_default().insert(name);
        } else {
            remove_from(&mut self.selecting_entries, &ns, &name);
        }
    }

    // --- Ingresses ---

    pub(crate) fn index_ingress(&mut self, ing: &Ingress, add: bool) {
        let k = key(ing.metadata.namespace(), ing.metadata.name());
        for rule in ing.spec.rules.iter().filter(|r| r.http.is_some()) {
            let host = super::ingress::rule_host(rule).to_string();
            if add {
                self.ingress_hosts.entry(host).or_default().insert(k.clone());
            } else if let Some(set) = self.ingress_hosts.get_mut(&host) {
                // Another rule of the same Ingress may name the host too; the caller removes
                // the whole Ingress, so drop it.
                set.remove(&k);
                if set.is_empty() {
                    self.ingress_hosts.remove(&host);
                }
            }
        }
    }

    /// The hosts the rules of an Ingress name.
    pub(crate) fn hosts_of(ing: &Ingress) -> BTreeSet<String> {
        ing.spec
            .rules
            .iter()
            .filter(|r| r.http.is_some())
            .map(|r| super::ingress::rule_host(r).to_string())
            .collect()
    }
}
