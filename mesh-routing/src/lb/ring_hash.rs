//! Ketama ring hashing, entry for entry as Envoy builds it (`RingHashLoadBalancer::Ring`):
//! the ring is scaled so the lightest host gets a whole number of entries, each host's
//! entries are the hashes of `"<key>_<i>"`, and a request goes to the first entry at or
//! after its hash.

use super::error::LbError;
use super::hash::HashFunction;

/// Envoy's default minimum ring size.
pub const DEFAULT_MIN_RING_SIZE: u64 = 1024;
/// Envoy's default maximum ring size (8M).
pub const DEFAULT_MAX_RING_SIZE: u64 = 8 * 1024 * 1024;

mod builder;

pub use builder::RingBuilder;

/// The ring's parameters (`RingHashLbConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RingConfig {
    /// Minimum number of entries (default 1024).
    pub min_ring_size: u64,
    /// Maximum number of entries (default 8,388,608).
    pub max_ring_size: u64,
    /// The hash of entry keys (default XXH64).
    pub hash_function: HashFunction,
}

impl Default for RingConfig {
    fn default() -> Self {
        Self {
            min_ring_size: DEFAULT_MIN_RING_SIZE,
            max_ring_size: DEFAULT_MAX_RING_SIZE,
            hash_function: HashFunction::XxHash,
        }
    }
}

impl RingConfig {
    /// Checks the parameters as Envoy does when it accepts a cluster.
    pub fn check(&self) -> Result<(), LbError> {
        for s in [self.min_ring_size, self.max_ring_size] {
            if s > DEFAULT_MAX_RING_SIZE {
                return Err(LbError::RingSizeTooLarge(s));
            }
        }
        if self.min_ring_size > self.max_ring_size {
            return Err(LbError::RingSizeBounds { min: self.min_ring_size, max: self.max_ring_size });
        }
        Ok(())
    }
}

/// A built ring: entries sorted by hash, each naming an index into the host list it was built
/// from.
///
/// ```
/// use mesh_routing::lb::ring_hash::{RingConfig, RingHash};
/// // envoy ring_hash_lb_test.cc: Basic (6 hosts, minimum ring size 12).
/// let hosts: Vec<(String, f64)> = (90..96).map(|p| (format!("127.0.0.1:{p}"), 1.0 / 6.0)).collect();
/// let config = RingConfig { min_ring_size: 12, ..RingConfig::default() };
/// let ring = RingHash::build(&hosts, 1.0 / 6.0, &config).unwrap();
/// assert_eq!(ring.len(), 12);
/// assert_eq!(ring.choose(0, 0), Some(4));
/// assert_eq!(ring.choose(3_551_244_743_356_806_947, 0), Some(5));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RingHash {
    hashes: Vec<u64>,
    hosts: Vec<u32>,
    host_count: usize,
}

impl RingHash {
    /// Builds the ring for `hosts` (`(key, normalized weight)`, in Envoy's host order) whose
    /// smallest weight is `min_weight`.
    pub fn build<K: AsRef<[u8]>>(
        hosts: &[(K, f64)],
        min_weight: f64,
        config: &RingConfig,
    ) -> Result<Self, LbError> {
        config.check()?;
        if hosts.is_empty() {
            return Ok(Self::default());
        }
        let counts = replica_counts(hosts.iter().map(|h| h.1), min_weight, config);
        let total: u64 = counts.iter().sum();
        let mut entries: Vec<(u64, u32)> = Vec::with_capacity(total.min(DEFAULT_MAX_RING_SIZE + 1) as usize);
        let mut buf: Vec<u8> = Vec::with_capacity(64);
        for (idx, ((key, _), &count)) in hosts.iter().zip(&counts).enumerate() {
            for_each_replica(key.as_ref(), 0, count, &mut buf, |_, key| {
                entries.push((config.hash_function.hash(key), idx as u32));
            });
        }
        sort_by_hash(&mut entries, |e| e.0);
        let (hashes, owners) = entries.into_iter().unzip();
        Ok(Self { hashes, hosts: owners, host_count: hosts.len() })
    }

    /// A ring from entries sorted by (hash, host index).
    pub(crate) fn from_sorted(entries: impl Iterator<Item = (u64, u32)>, host_count: usize) -> Self {
        let (hashes, hosts) = entries.unzip();
        Self { hashes, hosts, host_count }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the ring has no entry.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Every entry as `(hash, host index)`, in ascending hash order.
    pub fn entries(&self) -> impl Iterator<Item = (u64, usize)> + '_ {
        self.hashes.iter().zip(&self.hosts).map(|(&h, &i)| (h, i as usize))
    }

    /// How many entries each host holds, indexed like the host list.
    pub fn counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.host_count];
        for &h in &self.hosts {
            counts[h as usize] += 1;
        }
        counts
    }

    /// The host for `hash`: the first entry whose hash is at or above it, wrapping to the
    /// first entry; this is exactly what Envoy's port of ketama's search returns, computed
    /// with a branch-free binary search. A retry `attempt` above 0 moves that many entries on.
    #[inline]
    pub fn choose(&self, hash: u64, attempt: u32) -> Option<usize> {
        let n = self.hashes.len();
        if n == 0 {
            return None;
        }
        let mut at = self.hashes.partition_point(|&e| e < hash);
        if at == n {
            at = 0;
        }
        if attempt > 0 {
            at = ((at as u64 + u64::from(attempt)) % n as u64) as usize;
        }
        Some(self.hosts[at] as usize)
    }
}

/// How many entries each host gets, exactly as Envoy's build loop counts them: the ring scale
/// makes the lightest host a whole number of entries, and a running `target` (the sum of
/// `scale * weight` so far) is reached by whole entries. Envoy's loop `while current < target
/// { current += 1 }` ends at `ceil(target)` when it runs at all, which is what is computed here.
pub(crate) fn replica_counts(
    weights: impl IntoIterator<Item = f64>,
    min_weight: f64,
    config: &RingConfig,
) -> Vec<u64> {
    let scale =
        ((min_weight * config.min_ring_size as f64).ceil() / min_weight).min(config.max_ring_size as f64);
    let mut current = 0.0f64;
    let mut target = 0.0f64;
    weights
        .into_iter()
        .map(|weight| {
            target += scale * weight;
            if current < target {
                let end = target.ceil();
                let count = (end - current) as u64;
                current = end;
                count
            } else {
                0
            }
        })
        .collect()
}

/// Calls `f(i, "<key>_<i>")` for every replica `i` in `from..to`, formatting the key into
/// `buf` once and counting the decimal suffix up in place (no per-entry formatting).
pub(crate) fn for_each_replica(
    key: &[u8],
    from: u64,
    to: u64,
    buf: &mut Vec<u8>,
    mut f: impl FnMut(u64, &[u8]),
) {
    if from >= to {
        return;
    }
    buf.clear();
    buf.extend_from_slice(key);
    buf.push(b'_');
    let prefix = buf.len();
    push_decimal(buf, from);
    for i in from..to {
        f(i, buf);
        // Increment the decimal suffix: trailing nines roll over, a carry out of the first
        // digit grows the number by one digit.
        let mut at = buf.len();
        loop {
            if at == prefix {
                buf.insert(prefix, b'1');
                break;
            }
            at -= 1;
            if buf[at] == b'9' {
                buf[at] = b'0';
            } else {
                buf[at] += 1;
                break;
            }
        }
    }
}

/// Appends the decimal digits of `v`.
fn push_decimal(buf: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend(digits[..n].iter().rev());
}

/// Sorts entries by hash, keeping build order among equal hashes. Ring hashes are uniform,
/// so a bucket sort on the top bits (about one entry per bucket) followed by insertion sort
/// within buckets beats a comparison sort on large rings.
pub(crate) fn sort_by_hash<T: Copy>(entries: &mut Vec<T>, hash: impl Fn(&T) -> u64) {
    let n = entries.len();
    if n < 4096 {
        entries.sort_by_key(&hash);
        return;
    }
    let bits = usize::BITS - (n - 1).leading_zeros();
    let shift = 64 - bits;
    let buckets = 1usize << bits;
    let mut starts = vec![0usize; buckets + 1];
    for e in entries.iter() {
        starts[(hash(e) >> shift) as usize + 1] += 1;
    }
    for i in 0..buckets {
        starts[i + 1] += starts[i];
    }
    let mut out: Vec<T> = entries.clone();
    let mut next = starts.clone();
    for e in entries.iter() {
        let b = (hash(e) >> shift) as usize;
        out[next[b]] = *e;
        next[b] += 1;
    }
    for b in 0..buckets {
        let bucket = &mut out[starts[b]..starts[b + 1]];
        for i in 1..bucket.len() {
            let mut j = i;
            while j > 0 && hash(&bucket[j - 1]) > hash(&bucket[j]) {
                bucket.swap(j - 1, j);
                j -= 1;
            }
        }
    }
    *entries = out;
}

#[cfg(test)]
mod tests;
