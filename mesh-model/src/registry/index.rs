//! The registry's indexes: services by host (exact, wildcard and domain suffix), by IP, and
//! workloads by namespace and label.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use super::service::{Service, ServiceKey};
use super::workload::WorkloadKey;

// === impl HostIndex ===

/// Services by host, each list in Istio's precedence order; and hosts by every domain suffix
/// (`.example.com`), so that a wildcard finds the hosts it covers without a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct HostIndex {
    exact: HashMap<String, Vec<Arc<Service>>>,
    suffix: HashMap<String, BTreeSet<String>>,
}

/// The domain suffixes a host is indexed under: `a.b.c` -> `.b.c`, `.c`; `*.b.c` -> `.b.c`, `.c`.
fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    let body = host.strip_prefix('*').unwrap_or(host);
    body.char_indices().filter(|(_, c)| *c == '.').map(move |(i, _)| &body[i..])
}

impl HostIndex {
    pub(crate) fn insert(&mut self, svc: Arc<Service>) {
        let list = self.exact.entry(svc.hostname.clone()).or_default();
        if list.is_empty() {
            for s in suffixes(&svc.hostname) {
                self.suffix.entry(s.to_string()).or_default().insert(svc.hostname.clone());
            }
        }
        let pos = list.partition_point(|s| (s.precedence(), s.key()) < (svc.precedence(), svc.key()));
        list.insert(pos, svc);
    }

    pub(crate) fn remove(&mut self, key: &ServiceKey) {
        let Some(list) = self.exact.get_mut(&key.hostname) else { return };
        list.retain(|s| s.origin != key.origin || s.namespace != key.namespace || s.name != key.name);
        if list.is_empty() {
            self.exact.remove(&key.hostname);
            for s in suffixes(&key.hostname) {
                if let Some(set) = self.suffix.get_mut(s) {
                    set.remove(&key.hostname);
                    if set.is_empty() {
                        self.suffix.remove(s);
                    }
                }
            }
        }
    }

    /// The services named exactly `host` (a wildcard host only by the same wildcard).
    pub(crate) fn exact(&self, host: &str) -> &[Arc<Service>] {
        self.exact.get(host).map_or(&[], Vec::as_slice)
    }

    /// The services of the most specific wildcard host covering `host` (`*.b.c` before `*.c`
    /// before `*`); empty when none does.
    pub(crate) fn wildcard(&self, host: &str) -> &[Arc<Service>] {
        let mut rest = host.strip_prefix('*').unwrap_or(host);
        // For a wildcard query `*.b.c`, the first candidate is `*.c`.
        if host.starts_with('*') {
            rest = rest.strip_prefix('.').unwrap_or(rest);
            rest = rest.find('.').map_or("", |i| &rest[i..]);
        }
        let mut buf = String::with_capacity(host.len() + 1);
        let mut cur = rest;
        loop {
            if let Some(i) = cur.find('.') {
                cur = &cur[i..];
                buf.clear();
                buf.push('*');
                buf.push_str(cur);
                if let Some(list) = self.exact.get(buf.as_str()) {
                    return list;
                }
                cur = &cur[1..];
            } else {
                return self.exact.get("*").map_or(&[], Vec::as_slice);
            }
        }
    }

    /// Every host `pattern` covers, in name order: the host itself, and for a wildcard every
    /// host under its suffix (the wildcard included); `*` covers every host.
    pub(crate) fn covered(&self, pattern: &str) -> Vec<&str> {
        if pattern == "*" {
            let mut all: Vec<&str> = self.exact.keys().map(String::as_str).collect();
            all.sort_unstable();
            return all;
        }
        match pattern.strip_prefix('*') {
            Some(suffix) => {
                self.suffix.get(suffix).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default()
            }
            None => self.exact.get_key_value(pattern).map(|(k, _)| vec![k.as_str()]).unwrap_or_default(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.exact.len()
    }
}

// === impl IpIndex ===

/// What an IP address is in the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IpEntry {
    /// Services with this virtual IP.
    pub(crate) vips: BTreeSet<ServiceKey>,
    /// Services with an endpoint at this IP.
    pub(crate) endpoints: BTreeSet<ServiceKey>,
    /// Workloads with this address.
    pub(crate) workloads: BTreeSet<WorkloadKey>,
}

impl IpEntry {
    fn is_empty(&self) -> bool {
        self.vips.is_empty() && self.endpoints.is_empty() && self.workloads.is_empty()
    }
}

/// Services and workloads by IP.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IpIndex {
    by_ip: HashMap<String, IpEntry>,
}

/// Which set of an [`IpEntry`] an update touches.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IpRole {
    Vip,
    Endpoint,
}

impl IpIndex {
    pub(crate) fn get(&self, ip: &str) -> Option<&IpEntry> {
        self.by_ip.get(ip)
    }

    pub(crate) fn add_service(&mut self, ip: &str, role: IpRole, key: &ServiceKey) {
        let e = self.by_ip.entry(ip.to_string()).or_default();
        match role {
            IpRole::Vip => e.vips.insert(key.clone()),
            IpRole::Endpoint => e.endpoints.insert(key.clone()),
        };
    }

    pub(crate) fn remove_service(&mut self, ip: &str, role: IpRole, key: &ServiceKey) {
        if let Some(e) = self.by_ip.get_mut(ip) {
            match role {
                IpRole::Vip => e.vips.remove(key),
                IpRole::Endpoint => e.endpoints.remove(key),
            };
            if e.is_empty() {
                self.by_ip.remove(ip);
            }
        }
    }

    pub(crate) fn add_workload(&mut self, ip: &str, key: &WorkloadKey) {
        self.by_ip.entry(ip.to_string()).or_default().workloads.insert(key.clone());
    }

    pub(crate) fn remove_workload(&mut self, ip: &str, key: &WorkloadKey) {
        if let Some(e) = self.by_ip.get_mut(ip) {
            e.workloads.remove(key);
            if e.is_empty() {
                self.by_ip.remove(ip);
            }
        }
    }
}

// === impl LabelIndex ===

#[derive(Debug, Clone, Default, PartialEq)]
struct NamespaceLabels {
    all: BTreeSet<WorkloadKey>,
    /// label key -> value -> workloads.
    by_label: HashMap<String, HashMap<String, BTreeSet<WorkloadKey>>>,
}

/// Workloads by namespace and by label, so that a selector is answered from the smallest
/// posting list of its `matchLabels` instead of a scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LabelIndex {
    by_ns: HashMap<String, NamespaceLabels>,
}

impl LabelIndex {
    pub(crate) fn insert<'a>(
        &mut self,
        key: &WorkloadKey,
        labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) {
        let ns = self.by_ns.entry(key.namespace.clone()).or_default();
        ns.all.insert(key.clone());
        for (k, v) in labels {
            ns.by_label.entry(k.clone()).or_default().entry(v.clone()).or_default().insert(key.clone());
        }
    }

    pub(crate) fn remove<'a>(
        &mut self,
        key: &WorkloadKey,
        labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) {
        let Some(ns) = self.by_ns.get_mut(&key.namespace) else { return };
        ns.all.remove(key);
        for (k, v) in labels {
            if let Some(values) = ns.by_label.get_mut(k) {
                if let Some(set) = values.get_mut(v) {
                    set.remove(key);
                    if set.is_empty() {
                        values.remove(v);
                    }
                }
                if values.is_empty() {
                    ns.by_label.remove(k);
                }
            }
        }
        if ns.all.is_empty() {
            self.by_ns.remove(&key.namespace);
        }
    }

    /// Candidates for a selector in `namespace`: the smallest posting list among
    /// `match_labels`, or every workload of the namespace when there are none. The caller
    /// checks the full selector on each candidate.
    pub(crate) fn candidates<'q>(
        &self,
        namespace: &str,
        match_labels: impl IntoIterator<Item = (&'q str, &'q str)>,
    ) -> Option<&BTreeSet<WorkloadKey>> {
        let ns = self.by_ns.get(namespace)?;
        let mut best: Option<&BTreeSet<WorkloadKey>> = None;
        for (k, v) in match_labels {
            let set = ns.by_label.get(k).and_then(|vals| vals.get(v))?;
            if best.is_none_or(|b| set.len() < b.len()) {
                best = Some(set);
            }
        }
        Some(best.unwrap_or(&ns.all))
    }

    /// The namespaces that hold workloads, in no particular order.
    pub(crate) fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.by_ns.keys().map(String::as_str)
    }
}
