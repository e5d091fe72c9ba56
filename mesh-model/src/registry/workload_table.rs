//! The workloads the registry holds, by namespace, kind and name, with the indexes that answer
//! selectors (by label) and node changes (pods by node) without a scan.
//!
//! Every record carries one shared [`WorkloadKey`]; the indexes hold that key, so a record can
//! be replaced (a pod's labels or locality change) while the indexes change only where the
//! workload's labels or node did. Lookups borrow their key (`&str` namespace and name).

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::workload::{Labels, Workload, WorkloadKey, WorkloadKind};

/// A workload and the labels its endpoints carry, under the key every index shares.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WorkloadRecord {
    /// The key, shared with the label, node and IP indexes.
    pub(crate) key: Arc<WorkloadKey>,
    /// The workload.
    pub(crate) workload: Workload,
    /// Its endpoints' labels (Istio's `AugmentLabels`).
    pub(crate) endpoint_labels: Labels,
}

/// A workload key ordered and looked up by name alone (within one namespace and kind).
#[derive(Debug, Clone)]
struct ByName(Arc<WorkloadKey>);

impl PartialEq for ByName {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for ByName {}

impl PartialOrd for ByName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ByName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.name.cmp(&other.0.name)
    }
}

impl Borrow<str> for ByName {
    fn borrow(&self) -> &str {
        &self.0.name
    }
}

impl Hash for ByName {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

/// The workloads of one kind in one namespace: hashed by name for lookups, and in name order.
#[derive(Debug, Clone, Default, PartialEq)]
struct KindTable {
    by_name: HashMap<ByName, Arc<WorkloadRecord>>,
    order: BTreeSet<ByName>,
}

impl KindTable {
    fn get(&self, name: &str) -> Option<&Arc<WorkloadRecord>> {
        self.by_name.get(name)
    }

    fn remove(&mut self, name: &str) -> Option<Arc<WorkloadRecord>> {
        let r = self.by_name.remove(name)?;
        self.order.remove(name);
        Some(r)
    }

    fn insert(&mut self, record: Arc<WorkloadRecord>) {
        let k = ByName(Arc::clone(&record.key));
        self.order.insert(k.clone());
        self.by_name.insert(k, record);
    }

    fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The records in name order.
    fn values(&self) -> impl Iterator<Item = &Arc<WorkloadRecord>> {
        self.order.iter().filter_map(|k| self.by_name.get(k))
    }

    fn keys(&self) -> impl Iterator<Item = &Arc<WorkloadKey>> {
        self.order.iter().map(|k| &k.0)
    }
}

/// Workloads by label key, then value.
type Postings = HashMap<String, HashMap<String, BTreeSet<Arc<WorkloadKey>>>>;

/// The workloads of one namespace.
#[derive(Debug, Clone, Default, PartialEq)]
struct NsWorkloads {
    pods: KindTable,
    entries: KindTable,
    by_label: Postings,
}

impl NsWorkloads {
    fn of_kind(&self, kind: WorkloadKind) -> &KindTable {
        match kind {
            WorkloadKind::Pod => &self.pods,
            WorkloadKind::WorkloadEntry => &self.entries,
        }
    }

    fn of_kind_mut(&mut self, kind: WorkloadKind) -> &mut KindTable {
        match kind {
            WorkloadKind::Pod => &mut self.pods,
            WorkloadKind::WorkloadEntry => &mut self.entries,
        }
    }

    fn is_empty(&self) -> bool {
        self.pods.is_empty() && self.entries.is_empty()
    }

    fn add_posting(&mut self, k: &str, v: &str, key: &Arc<WorkloadKey>) {
        if !self.by_label.contains_key(k) {
            self.by_label.insert(k.to_string(), HashMap::new());
        }
        let Some(values) = self.by_label.get_mut(k) else { return };
        match values.get_mut(v) {
            Some(set) => {
                set.insert(Arc::clone(key));
            }
            None => {
                values.insert(v.to_string(), BTreeSet::from([Arc::clone(key)]));
            }
        }
    }

    fn remove_posting(&mut self, k: &str, v: &str, key: &WorkloadKey) {
        let Some(values) = self.by_label.get_mut(k) else { return };
        if let Some(set) = values.get_mut(v) {
            set.remove(key);
            if set.is_empty() {
                values.remove(v);
            }
        }
        if values.is_empty() {
            self.by_label.remove(k);
        }
    }
}

/// The registry's workloads (pods and WorkloadEntries).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct WorkloadTable {
    by_ns: BTreeMap<String, NsWorkloads>,
    /// node -> pods on it.
    by_node: HashMap<String, BTreeSet<Arc<WorkloadKey>>>,
}

impl WorkloadTable {
    /// The workload of `kind` named `namespace/name`.
    pub(crate) fn get(&self, kind: WorkloadKind, namespace: &str, name: &str) -> Option<&WorkloadRecord> {
        self.by_ns.get(namespace)?.of_kind(kind).get(name).map(Arc::as_ref)
    }

    /// The workload with this key.
    pub(crate) fn get_key(&self, key: &WorkloadKey) -> Option<&WorkloadRecord> {
        self.get(key.kind, &key.namespace, &key.name)
    }

    /// Every workload in key order: pods, then WorkloadEntries, each by namespace and name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &WorkloadRecord> {
        let of = |kind| self.by_ns.values().flat_map(move |n| n.of_kind(kind).values().map(Arc::as_ref));
        of(WorkloadKind::Pod).chain(of(WorkloadKind::WorkloadEntry))
    }

    /// The keys of every pod.
    pub(crate) fn pod_keys(&self) -> Vec<Arc<WorkloadKey>> {
        self.by_ns.values().flat_map(|n| n.pods.keys().cloned()).collect()
    }

    /// The keys of the pods on `node`.
    pub(crate) fn pods_on_node(&self, node: &str) -> Vec<Arc<WorkloadKey>> {
        self.by_node.get(node).into_iter().flatten().cloned().collect()
    }

    /// The namespaces that hold workloads, in name order.
    pub(crate) fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.by_ns.keys().map(String::as_str)
    }

    /// The workloads of `namespace` (of `kind` only, when given) that carry every label of
    /// `match_labels` and pass `keep`, in key order. Candidates come from the smallest
    /// posting list of `match_labels` (every workload of the namespace when it is empty).
    pub(crate) fn select<'q>(
        &self,
        namespace: &str,
        kind: Option<WorkloadKind>,
        match_labels: impl IntoIterator<Item = (&'q str, &'q str)>,
        keep: impl Fn(&Workload) -> bool,
    ) -> Vec<&WorkloadRecord> {
        let Some(ns) = self.by_ns.get(namespace) else { return Vec::new() };
        let mut best: Option<&BTreeSet<Arc<WorkloadKey>>> = None;
        for (k, v) in match_labels {
            let Some(set) = ns.by_label.get(k).and_then(|vals| vals.get(v)) else { return Vec::new() };
            if best.is_none_or(|b| set.len() < b.len()) {
                best = Some(set);
            }
        }
        match best {
            Some(set) => set
                .iter()
                .filter(|k| kind.is_none_or(|kind| k.kind == kind))
                .filter_map(|k| ns.of_kind(k.kind).get(&k.name))
                .map(Arc::as_ref)
                .filter(|r| keep(&r.workload))
                .collect(),
            None => {
                let pods = kind.is_none_or(|k| k == WorkloadKind::Pod).then_some(&ns.pods);
                let entries = kind.is_none_or(|k| k == WorkloadKind::WorkloadEntry).then_some(&ns.entries);
                pods.into_iter()
                    .chain(entries)
                    .flat_map(KindTable::values)
                    .map(Arc::as_ref)
                    .filter(|r| keep(&r.workload))
                    .collect()
            }
        }
    }

    /// Replaces the workload of `kind` named `namespace/name` by `new` (with its endpoint
    /// labels), or removes it when `new` is `None`, updating the label and node indexes where
    /// labels or node changed. Returns the previous record and the key the workload had or
    /// now has.
    pub(crate) fn replace(
        &mut self,
        kind: WorkloadKind,
        namespace: &str,
        name: &str,
        new: Option<(Workload, Labels)>,
    ) -> (Option<Arc<WorkloadRecord>>, Arc<WorkloadKey>) {
        if new.is_some() && !self.by_ns.contains_key(namespace) {
            self.by_ns.insert(namespace.to_string(), NsWorkloads::default());
        }
        let Some(ns) = self.by_ns.get_mut(namespace) else {
            let key = WorkloadKey { kind, namespace: namespace.to_string(), name: name.to_string() };
            return (None, Arc::new(key));
        };
        let old = ns.of_kind_mut(kind).remove(name);
        let key = match &old {
            Some(o) => Arc::clone(&o.key),
            None => Arc::new(WorkloadKey { kind, namespace: namespace.to_string(), name: name.to_string() }),
        };
        let none = BTreeMap::new();
        let old_labels = old.as_ref().map_or(&none, |o| &*o.workload.labels);
        let new_labels = new.as_ref().map_or(&none, |(w, _)| &*w.labels);
        for (k, v) in old_labels {
            if new_labels.get(k) != Some(v) {
                ns.remove_posting(k, v, &key);
            }
        }
        for (k, v) in new_labels {
            if old_labels.get(k) != Some(v) {
                ns.add_posting(k, v, &key);
            }
        }
        let old_node = old.as_ref().and_then(|o| o.workload.node_name.as_deref());
        let new_node = new.as_ref().and_then(|(w, _)| w.node_name.as_deref());
        if kind == WorkloadKind::Pod && old_node != new_node {
            if let Some(n) = old_node
                && let Some(set) = self.by_node.get_mut(n)
            {
                set.remove(&*key);
                if set.is_empty() {
                    self.by_node.remove(n);
                }
            }
            if let Some(n) = new_node {
                self.by_node.entry(n.to_string()).or_default().insert(Arc::clone(&key));
            }
        }
        match new {
            Some((workload, endpoint_labels)) => {
                let record = WorkloadRecord { key: Arc::clone(&key), workload, endpoint_labels };
                ns.of_kind_mut(kind).insert(Arc::new(record));
            }
            None if ns.is_empty() => {
                self.by_ns.remove(namespace);
            }
            None => {}
        }
        (old, key)
    }
}
