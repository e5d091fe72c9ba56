//! The registry's indexes: services by host (exact, wildcard and domain suffix), and services
//! and workloads by IP.

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

/// What an IP address is in the registry. Each list is sorted and holds shared keys, so that
/// the common single-entry case costs one small allocation per list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IpEntry {
    /// Services with this virtual IP.
    pub(crate) vips: Vec<Arc<ServiceKey>>,
    /// Services with an endpoint at this IP, each with how many of its endpoints are there.
    pub(crate) endpoints: Vec<(Arc<ServiceKey>, u32)>,
    /// Workloads with this address.
    pub(crate) workloads: Vec<Arc<WorkloadKey>>,
}

impl IpEntry {
    fn is_empty(&self) -> bool {
        self.vips.is_empty() && self.endpoints.is_empty() && self.workloads.is_empty()
    }
}

/// Inserts `item` into the sorted `list` unless present; an empty list gets room for one.
fn insert_sorted<T: Ord + ?Sized, A: std::ops::Deref<Target = T> + Clone>(list: &mut Vec<A>, item: &A) {
    if let Err(pos) = list.binary_search_by(|k| (**k).cmp(&**item)) {
        if list.is_empty() {
            list.reserve_exact(1);
        }
        list.insert(pos, item.clone());
    }
}

fn remove_sorted<T: Ord + ?Sized, A: std::ops::Deref<Target = T>>(list: &mut Vec<A>, item: &T) {
    if let Ok(pos) = list.binary_search_by(|k| (**k).cmp(item)) {
        list.remove(pos);
    }
}

/// Services and workloads by IP.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct IpIndex {
    by_ip: HashMap<Box<str>, IpEntry>,
}

impl IpIndex {
    pub(crate) fn get(&self, ip: &str) -> Option<&IpEntry> {
        self.by_ip.get(ip)
    }

    /// Runs `f` on the entry of `ip`, created when absent (the key is allocated only then).
    fn upsert(&mut self, ip: &str, f: impl FnOnce(&mut IpEntry)) {
        match self.by_ip.get_mut(ip) {
            Some(e) => f(e),
            None => {
                let mut e = IpEntry::default();
                f(&mut e);
                self.by_ip.insert(ip.into(), e);
            }
        }
    }

    fn update(&mut self, ip: &str, f: impl FnOnce(&mut IpEntry)) {
        if let Some(e) = self.by_ip.get_mut(ip) {
            f(e);
            if e.is_empty() {
                self.by_ip.remove(ip);
            }
        }
    }

    pub(crate) fn add_vip(&mut self, ip: &str, key: &Arc<ServiceKey>) {
        self.upsert(ip, |e| insert_sorted(&mut e.vips, key));
    }

    pub(crate) fn remove_vip(&mut self, ip: &str, key: &ServiceKey) {
        self.update(ip, |e| remove_sorted(&mut e.vips, key));
    }

    /// Counts one more endpoint of `key` at `ip`.
    pub(crate) fn add_endpoint(&mut self, ip: &str, key: &Arc<ServiceKey>) {
        self.upsert(ip, |e| {
            let list = &mut e.endpoints;
            match list.binary_search_by(|(k, _)| (**k).cmp(&**key)) {
                Ok(pos) => list[pos].1 += 1,
                Err(pos) => {
                    if list.is_empty() {
                        list.reserve_exact(1);
                    }
                    list.insert(pos, (Arc::clone(key), 1));
                }
            }
        });
    }

    /// Counts one endpoint of `key` at `ip` fewer.
    pub(crate) fn remove_endpoint(&mut self, ip: &str, key: &ServiceKey) {
        self.update(ip, |e| {
            if let Ok(pos) = e.endpoints.binary_search_by(|(k, _)| (**k).cmp(key)) {
                e.endpoints[pos].1 -= 1;
                if e.endpoints[pos].1 == 0 {
                    e.endpoints.remove(pos);
                }
            }
        });
    }

    pub(crate) fn add_workload(&mut self, ip: &str, key: &Arc<WorkloadKey>) {
        self.upsert(ip, |e| insert_sorted(&mut e.workloads, key));
    }

    pub(crate) fn remove_workload(&mut self, ip: &str, key: &WorkloadKey) {
        self.update(ip, |e| remove_sorted(&mut e.workloads, key));
    }

    /// Forgets every service (virtual IPs and endpoints), keeping the workloads.
    pub(crate) fn clear_services(&mut self) {
        self.by_ip.retain(|_, e| {
            e.vips.clear();
            e.endpoints.clear();
            !e.workloads.is_empty()
        });
    }
}
