//! [`RingBuilder`]: ring rebuilds that reuse the previous ring, so that a change to one host
//! hashes only the entries that are new and merges them in.

use std::collections::HashMap;

use super::{RingConfig, RingHash, for_each_replica, replica_counts, sort_by_hash};
use crate::lb::error::LbError;

/// One ring entry as the builder remembers it: hash, host index in the last build, replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    hash: u64,
    host: u32,
    replica: u32,
}

/// Builds rings one after another, each equal to [`RingHash::build`] of its host list, entry
/// for entry, reusing the previous ring: entries of hosts that stay (matched by key) keep
/// their hashes, only entries that are new (a new host, or a host whose replica count grew
/// when the weights changed) are hashed, and they are merged into the kept entries, which are
/// already sorted. Removing, adding or reweighting one host of 100 on a 65,536-entry ring
/// hashes a few hundred keys instead of 65,536 and sorts nothing large.
///
/// Hosts are matched by key; a host list with a key twice is built in full.
///
/// ```
/// use mesh_routing::lb::ring_hash::{RingBuilder, RingConfig, RingHash};
/// let config = RingConfig { min_ring_size: 1024, ..RingConfig::default() };
/// let hosts: Vec<(String, f64)> = (0..4).map(|i| (format!("10.0.0.{i}:80"), 0.25)).collect();
/// let mut builder = RingBuilder::new(config)?;
/// builder.build(&hosts, 0.25)?;
/// let rest: Vec<(String, f64)> = [0, 1, 3].iter().map(|&i| (hosts[i].0.clone(), 1.0 / 3.0)).collect();
/// assert_eq!(builder.build(&rest, 1.0 / 3.0)?, RingHash::build(&rest, 1.0 / 3.0, &config)?);
/// # Ok::<(), mesh_routing::lb::LbError>(())
/// ```
#[derive(Debug, Clone)]
pub struct RingBuilder {
    config: RingConfig,
    keys: Vec<Box<[u8]>>,
    counts: Vec<u64>,
    /// Sorted by (hash, host, replica): the full build's order.
    entries: Vec<Entry>,
}

impl RingBuilder {
    /// A builder with no previous ring; `config` is checked as [`RingHash::build`] checks it.
    pub fn new(config: RingConfig) -> Result<Self, LbError> {
        config.check()?;
        Ok(Self { config, keys: Vec::new(), counts: Vec::new(), entries: Vec::new() })
    }

    /// The ring for `hosts` (`(key, normalized weight)`, in Envoy's host order) whose smallest
    /// weight is `min_weight`; equal to [`RingHash::build`] with this builder's config.
    pub fn build<K: AsRef<[u8]>>(
        &mut self,
        hosts: &[(K, f64)],
        min_weight: f64,
    ) -> Result<RingHash, LbError> {
        let counts = replica_counts(hosts.iter().map(|h| h.1), min_weight, &self.config);
        if counts.iter().any(|&c| c > u64::from(u32::MAX)) {
            // Beyond any ring Envoy accepts; leave it to the plain build.
            return RingHash::build(hosts, min_weight, &self.config);
        }
        let mut index: HashMap<&[u8], u32> = HashMap::with_capacity(hosts.len());
        let mut unique = true;
        for (i, h) in hosts.iter().enumerate() {
            unique &= index.insert(h.0.as_ref(), i as u32).is_none();
        }
        let previous_unique = self.keys.len() == {
            let mut seen: HashMap<&[u8], ()> = HashMap::with_capacity(self.keys.len());
            self.keys.iter().filter(|k| seen.insert(k, ()).is_none()).count()
        };
        let mut entries = if unique && previous_unique && !self.keys.is_empty() {
            self.merge(hosts, &index, &counts)
        } else {
            self.full(hosts, &counts)
        };
        fix_ties(&mut entries);
        let ring = RingHash::from_sorted(entries.iter().map(|e| (e.hash, e.host)), hosts.len());
        self.keys = hosts.iter().map(|h| Box::from(h.0.as_ref())).collect();
        self.counts = counts;
        self.entries = entries;
        Ok(ring)
    }

    /// Every entry hashed afresh and sorted.
    fn full<K: AsRef<[u8]>>(&self, hosts: &[(K, f64)], counts: &[u64]) -> Vec<Entry> {
        let mut buf = Vec::with_capacity(64);
        let mut entries: Vec<Entry> = Vec::with_capacity(counts.iter().sum::<u64>() as usize);
        for (host, (h, &count)) in hosts.iter().zip(counts).enumerate() {
            for_each_replica(h.0.as_ref(), 0, count, &mut buf, |i, key| {
                entries.push(Entry {
                    hash: self.config.hash_function.hash(key),
                    host: host as u32,
                    replica: i as u32,
                });
            });
        }
        // Pushed in (host, replica) order, so a stable sort by hash gives the full order.
        sort_by_hash(&mut entries, |e| e.hash);
        entries
    }

    /// The previous entries of hosts that stay (renumbered, cut to their new replica count)
    /// merged with the hashes of entries that are new.
    fn merge<K: AsRef<[u8]>>(
        &self,
        hosts: &[(K, f64)],
        index: &HashMap<&[u8], u32>,
        counts: &[u64],
    ) -> Vec<Entry> {
        let mut old_of: Vec<Option<usize>> = vec![None; hosts.len()];
        let remap: Vec<Option<u32>> = self
            .keys
            .iter()
            .enumerate()
            .map(|(o, k)| {
                let new = index.get(&**k).copied();
                if let Some(n) = new {
                    old_of[n as usize] = Some(o);
                }
                new
            })
            .collect();
        let total = counts.iter().sum::<u64>() as usize;
        let mut kept: Vec<Entry> = Vec::with_capacity(total);
        for e in &self.entries {
            if let Some(host) = remap[e.host as usize]
                && u64::from(e.replica) < counts[host as usize]
            {
                kept.push(Entry { host, ..*e });
            }
        }
        let mut fresh: Vec<Entry> = Vec::new();
        let mut buf = Vec::with_capacity(64);
        for (host, (h, &count)) in hosts.iter().zip(counts).enumerate() {
            let from = old_of[host].map_or(0, |o| self.counts[o]);
            for_each_replica(h.0.as_ref(), from, count, &mut buf, |i, key| {
                fresh.push(Entry {
                    hash: self.config.hash_function.hash(key),
                    host: host as u32,
                    replica: i as u32,
                });
            });
        }
        if fresh.is_empty() {
            return kept;
        }
        // Pushed in (host, replica) order, so a stable sort by hash gives the full order.
        sort_by_hash(&mut fresh, |e| e.hash);
        let mut out: Vec<Entry> = Vec::with_capacity(total);
        let (mut a, mut b) = (kept.into_iter().peekable(), fresh.into_iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => {
                    if y.hash < x.hash {
                        b.next()
                    } else {
                        a.next()
                    }
                }
                (Some(_), None) => a.next(),
                (None, _) => b.next(),
            };
            match next {
                Some(e) => out.push(e),
                None => break,
            }
        }
        out
    }
}

/// Puts runs of equal hashes in (host, replica) order, the order of the full build (64-bit
/// hash collisions are rare, so this is one pass that finds nothing to do).
fn fix_ties(entries: &mut [Entry]) {
    let mut start = 0;
    while start < entries.len() {
        let mut end = start + 1;
        while end < entries.len() && entries[end].hash == entries[start].hash {
            end += 1;
        }
        if end - start > 1 {
            entries[start..end].sort_unstable();
        }
        start = end;
    }
}
