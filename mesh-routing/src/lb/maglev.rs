//! Maglev consistent hashing, slot for slot as Envoy builds it (`MaglevTable`): hosts sorted
//! by key, offset `xxh64(key, 0) % M`, skip `xxh64(key, 1) % (M - 1) + 1`, and weights
//! honoured by letting a host claim a slot only once its running target allows.

use super::error::LbError;
use super::hash::{FastMod, xx_hash64};
use fill::Permutation;

mod builder;
mod fill;

pub use builder::MaglevBuilder;

/// Envoy's default Maglev table size.
pub const DEFAULT_TABLE_SIZE: u64 = 65_537;
/// The largest table size Envoy accepts (`MaglevLbConfig.table_size`, `lte: 5000011`).
pub const MAX_TABLE_SIZE: u64 = 5_000_011;

/// A built Maglev lookup table. Slots hold indices into the host list it was built from.
///
/// ```
/// use mesh_routing::lb::MaglevTable;
/// // envoy maglev_lb_test.cc: Basic (6 hosts, table of 7).
/// let hosts: Vec<(String, f64)> = (90..96).map(|p| (format!("127.0.0.1:{p}"), 1.0 / 6.0)).collect();
/// let table = MaglevTable::build(&hosts, 1.0 / 6.0, 7).unwrap();
/// let slots: Vec<usize> = table.slots().collect();
/// assert_eq!(slots, [2, 4, 0, 1, 5, 0, 3]);
/// assert_eq!(table.choose(10, 0), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaglevTable {
    size: u64,
    modulo: FastMod,
    table: Vec<u32>,
    hosts: usize,
}

impl MaglevTable {
    /// Builds the table of `table_size` slots for `hosts` (`(key, normalized weight)`) whose
    /// largest weight is `max_weight`, exactly as Envoy does. Hosts with a weight that is not
    /// above 0 get no slot; with no such host the table is empty.
    pub fn build<K: AsRef<[u8]>>(
        hosts: &[(K, f64)],
        max_weight: f64,
        table_size: u64,
    ) -> Result<Self, LbError> {
        check_table_size(table_size)?;
        let size = table_size as u32;
        let modulo = FastMod::new(table_size);
        let skip_mod = FastMod::new(table_size - 1);
        let mut sorted: Vec<usize> = (0..hosts.len()).filter(|&i| hosts[i].1 > 0.0).collect();
        sorted.sort_by(|&a, &b| hosts[a].0.as_ref().cmp(hosts[b].0.as_ref()).then(a.cmp(&b)));
        let permutations: Vec<Permutation> = sorted
            .iter()
            .map(|&i| {
                let (offset, skip) = offset_and_skip(hosts[i].0.as_ref(), &modulo, &skip_mod);
                Permutation { offset, skip, weight: hosts[i].1, host: i as u32 }
            })
            .collect();
        Ok(Self::from_permutations(&permutations, max_weight, size, hosts.len()))
    }

    /// Fills the table from hosts already sorted by key and hashed; `size` is a checked prime.
    fn from_permutations(permutations: &[Permutation], max_weight: f64, size: u32, hosts: usize) -> Self {
        let modulo = FastMod::new(u64::from(size));
        let table = if permutations.is_empty() || max_weight.is_nan() || max_weight <= 0.0 {
            Vec::new()
        } else {
            fill::fill(permutations, max_weight, size)
        };
        Self { size: u64::from(size), modulo, table, hosts }
    }

    /// The number of slots.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Whether the table has no host (every pick returns `None`).
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The host index of every slot, in slot order (nothing when empty).
    pub fn slots(&self) -> impl Iterator<Item = usize> + '_ {
        self.table.iter().map(|&h| h as usize)
    }

    /// How many slots each host holds, indexed like the host list.
    pub fn counts(&self) -> Vec<u64> {
        let mut counts = vec![0u64; self.hosts];
        for &h in &self.table {
            counts[h as usize] += 1;
        }
        counts
    }

    /// The host for `hash`; a retry `attempt` above 0 flips the hash as Envoy does
    /// (`hash ^ (2^64 - attempt)`), so that retries land elsewhere.
    #[inline]
    pub fn choose(&self, hash: u64, attempt: u32) -> Option<usize> {
        if self.table.is_empty() {
            return None;
        }
        let h =
            if attempt > 0 { hash ^ u64::MAX.wrapping_sub(u64::from(attempt)).wrapping_add(1) } else { hash };
        Some(self.table[self.modulo.reduce(h) as usize] as usize)
    }
}

/// A host's permutation of the table: `offset = xxh64(key, 0) % M` and
/// `skip = xxh64(key, 1) % (M - 1) + 1`.
fn offset_and_skip(key: &[u8], modulo: &FastMod, skip_mod: &FastMod) -> (u32, u32) {
    (modulo.reduce(xx_hash64(key, 0)) as u32, skip_mod.reduce(xx_hash64(key, 1)) as u32 + 1)
}

/// Checks a table size as Envoy does: a prime (Envoy's `Primes::isPrime`), at least 2 (a
/// one-slot table would divide by zero) and at most [`MAX_TABLE_SIZE`].
pub fn check_table_size(size: u64) -> Result<(), LbError> {
    if size > MAX_TABLE_SIZE {
        return Err(LbError::TableSizeTooLarge(size));
    }
    if !is_prime(size) {
        return Err(LbError::TableSizeNotPrime(size));
    }
    Ok(())
}

fn is_prime(x: u64) -> bool {
    if x < 2 {
        return false;
    }
    if x < 4 {
        return true;
    }
    if x.is_multiple_of(2) {
        return false;
    }
    let mut f = 3u64;
    while f.saturating_mul(f) <= x {
        if x.is_multiple_of(f) {
            return false;
        }
        f += 2;
    }
    true
}

#[cfg(test)]
mod tests;
