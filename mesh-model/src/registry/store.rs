//! The source objects the registry was built from, with the reverse indexes that tell an
//! update which derived entries it touches. Pods are not kept here: a pod is held once, as
//! its workload (see `workload_table`), which is all the registry reads of it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use crate::kube::{EndpointSlice, Ingress, IngressClass, Namespace, Node, Service};
use crate::networking::{ServiceEntry, WorkloadEntry, WorkloadGroup};

/// A namespace and a name.
pub(crate) type NsName = (String, String);

/// Values by namespace, then name, so that lookups borrow their key.
#[derive(Debug, Clone)]
pub(crate) struct NsMap<V> {
    by_ns: HashMap<String, HashMap<String, V>>,
}

impl<V> Default for NsMap<V> {
    fn default() -> Self {
        Self { by_ns: HashMap::new() }
    }
}

impl<V> NsMap<V> {
    pub(crate) fn get(&self, ns: &str, name: &str) -> Option<&V> {
        self.by_ns.get(ns)?.get(name)
    }

    pub(crate) fn insert(&mut self, ns: &str, name: &str, v: V) -> Option<V> {
        match self.by_ns.get_mut(ns) {
            Some(m) => match m.get_mut(name) {
                Some(slot) => Some(std::mem::replace(slot, v)),
                None => m.insert(name.to_string(), v),
            },
            None => {
                self.by_ns.insert(ns.to_string(), HashMap::from([(name.to_string(), v)]));
                None
            }
        }
    }

    pub(crate) fn remove(&mut self, ns: &str, name: &str) -> Option<V> {
        let m = self.by_ns.get_mut(ns)?;
        let v = m.remove(name);
        if m.is_empty() {
            self.by_ns.remove(ns);
        }
        v
    }

    /// Runs `f` on the value of `ns/name` (the default when absent) and drops the value when
    /// `f` leaves it empty by `is_empty`.
    pub(crate) fn update(
        &mut self,
        ns: &str,
        name: &str,
        f: impl FnOnce(&mut V),
        is_empty: impl Fn(&V) -> bool,
    ) where
        V: Default,
    {
        match self.by_ns.get_mut(ns).and_then(|m| m.get_mut(name)) {
            Some(v) => {
                f(v);
                if is_empty(v) {
                    self.remove(ns, name);
                }
            }
            None => {
                let mut v = V::default();
                f(&mut v);
                if !is_empty(&v) {
                    self.insert(ns, name, v);
                }
            }
        }
    }
}

/// Services referring to an object, each with how many references it holds, by service.
pub(crate) type Refs = Vec<(Arc<NsName>, u32)>;

fn count_ref(refs: &mut Refs, svc: &Arc<NsName>, delta: i64) {
    match refs.binary_search_by(|(k, _)| (**k).cmp(&**svc)) {
        Ok(pos) => {
            let n = i64::from(refs[pos].1) + delta;
            if n <= 0 {
                refs.remove(pos);
            } else {
                refs[pos].1 = u32::try_from(n).unwrap_or(u32::MAX);
            }
        }
        Err(pos) if delta > 0 => {
            if refs.is_empty() {
                refs.reserve_exact(1);
            }
            refs.insert(pos, (Arc::clone(svc), u32::try_from(delta).unwrap_or(u32::MAX)));
        }
        Err(_) => {}
    }
}

/// Every object the registry reads (but pods), by key, plus reverse indexes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Store {
    pub(crate) services: BTreeMap<NsName, Service>,
    pub(crate) slices: NsMap<EndpointSlice>,
    pub(crate) nodes: BTreeMap<String, Node>,
    pub(crate) namespaces: BTreeMap<String, Namespace>,
    pub(crate) service_entries: BTreeMap<NsName, ServiceEntry>,
    pub(crate) workload_entries: BTreeMap<NsName, WorkloadEntry>,
    pub(crate) workload_groups: BTreeMap<NsName, WorkloadGroup>,
    pub(crate) ingresses: BTreeMap<NsName, Ingress>,
    /// IngressClasses by name (cluster-scoped).
    pub(crate) ingress_classes: BTreeMap<String, IngressClass>,
    /// (namespace, service name) -> names of its EndpointSlices.
    pub(crate) slices_by_service: NsMap<BTreeSet<String>>,
    /// (namespace, pod name) -> Services whose slices reference the pod.
    pub(crate) pod_refs: NsMap<Refs>,
    /// (namespace, IP) -> Services whose slices hold that address without a pod reference.
    pub(crate) ip_refs: NsMap<Refs>,
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
    slice_service_name(slice).map(|n| key(slice.metadata.namespace(), n))
}

fn slice_service_name(slice: &EndpointSlice) -> Option<&str> {
    slice.service_name().filter(|n| !n.is_empty())
}

/// What a slice's endpoint refers to: a pod (namespace, name) or, without a pod reference,
/// its addresses in the slice's namespace.
enum SliceRef<'a> {
    Pod(&'a str, &'a str),
    Ips(&'a [String]),
}

fn slice_refs(slice: &EndpointSlice) -> impl Iterator<Item = SliceRef<'_>> {
    let ns = slice.metadata.namespace();
    slice.endpoints.iter().map(move |e| {
        match e.target_ref.as_ref().filter(|r| r.kind.as_deref() == Some("Pod")) {
            Some(r) => SliceRef::Pod(
                r.namespace.as_deref().filter(|n| !n.is_empty()).unwrap_or(ns),
                r.name.as_deref().unwrap_or(""),
            ),
            None => SliceRef::Ips(&e.addresses),
        }
    })
}

/// Whether two slices index the same way: same namespace and service, same references.
pub(crate) fn same_refs(a: &EndpointSlice, b: &EndpointSlice) -> bool {
    a.metadata.namespace() == b.metadata.namespace()
        && slice_service_name(a) == slice_service_name(b)
        && a.endpoints.len() == b.endpoints.len()
        && slice_refs(a).zip(slice_refs(b)).all(|pair| match pair {
            (SliceRef::Pod(n1, p1), SliceRef::Pod(n2, p2)) => n1 == n2 && p1 == p2,
            (SliceRef::Ips(a1), SliceRef::Ips(a2)) => a1 == a2,
            _ => false,
        })
}

impl Store {
    // --- EndpointSlices ---

    /// Adds (or removes) a slice's entries in the reverse indexes.
    pub(crate) fn index_slice(&mut self, slice: &EndpointSlice, add: bool) {
        let ns = slice.metadata.namespace();
        let Some(svc) = slice_service(slice) else { return };
        let svc = Arc::new(svc);
        let name = slice.metadata.name();
        self.slices_by_service.update(
            &svc.0,
            &svc.1,
            |set| {
                if add {
                    set.insert(name.to_string());
                } else {
                    set.remove(name);
                }
            },
            BTreeSet::is_empty,
        );
        let delta = if add { 1 } else { -1 };
        for r in slice_refs(slice) {
            match r {
                SliceRef::Pod(rns, pod) => {
                    self.pod_refs.update(rns, pod, |refs| count_ref(refs, &svc, delta), Vec::is_empty);
                }
                SliceRef::Ips(addrs) => {
                    for a in addrs {
                        self.ip_refs.update(ns, a, |refs| count_ref(refs, &svc, delta), Vec::is_empty);
                    }
                }
            }
        }
    }

    /// The slices of a Service, in name order.
    pub(crate) fn slices_of<'a>(&'a self, ns: &'a str, svc: &str) -> impl Iterator<Item = &'a EndpointSlice> {
        self.slices_by_service.get(ns, svc).into_iter().flatten().filter_map(move |n| self.slices.get(ns, n))
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

    /// The IngressClass an Ingress names, when it exists.
    pub(crate) fn class_of(&self, ing: &Ingress) -> Option<&IngressClass> {
        self.ingress_classes.get(ing.spec.ingress_class_name.as_deref()?)
    }

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
