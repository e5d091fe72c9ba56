//! Maglev consistent hashing, slot for slot as Envoy builds it (`MaglevTable`): hosts sorted
//! by key, offset `xxh64(key, 0) % M`, skip `xxh64(key, 1) % (M - 1) + 1`, and weights
//! honoured by letting a host claim a slot only once its running target allows.

use super::error::LbError;
use super::hash::{FastMod, xx_hash64};

/// Envoy's default Maglev table size.
pub const DEFAULT_TABLE_SIZE: u64 = 65_537;
/// The largest table size Envoy accepts (`MaglevLbConfig.table_size`, `lte: 5000011`).
pub const MAX_TABLE_SIZE: u64 = 5_000_011;

const EMPTY: u32 = u32::MAX;

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
        let modulo = FastMod::new(table_size);
        let mut sorted: Vec<usize> = (0..hosts.len()).filter(|&i| hosts[i].1 > 0.0).collect();
        sorted.sort_by(|&a, &b| hosts[a].0.as_ref().cmp(hosts[b].0.as_ref()).then(a.cmp(&b)));
        if sorted.is_empty() || max_weight.is_nan() || max_weight <= 0.0 {
            return Ok(Self { size: table_size, modulo, table: Vec::new(), hosts: hosts.len() });
        }
        let skip_mod = FastMod::new(table_size - 1);
        let mut entries: Vec<BuildEntry> = sorted
            .iter()
            .map(|&i| {
                let key = hosts[i].0.as_ref();
                BuildEntry {
                    pos: modulo.reduce(xx_hash64(key, 0)),
                    skip: skip_mod.reduce(xx_hash64(key, 1)) + 1,
                    weight: hosts[i].1,
                    target: 0.0,
                    host: i as u32,
                }
            })
            .collect();
        let size = table_size as usize;
        let mut table = vec![EMPTY; size];
        // Probing reads a bitmap (8 KB for 65,537 slots, so it stays in L1) rather than the
        // table itself.
        let mut occupied = vec![0u64; size.div_ceil(64)];
        let mut filled = 0usize;
        let mut iteration: u32 = 1;
        while filled < size {
            for e in entries.iter_mut() {
                if filled >= size {
                    break;
                }
                if f64::from(iteration) * e.weight < e.target {
                    continue;
                }
                e.target += max_weight;
                while occupied[(e.pos >> 6) as usize] & (1 << (e.pos & 63)) != 0 {
                    e.advance(table_size);
                }
                occupied[(e.pos >> 6) as usize] |= 1 << (e.pos & 63);
                table[e.pos as usize] = e.host;
                e.advance(table_size);
                filled += 1;
            }
            iteration = iteration.wrapping_add(1);
        }
        Ok(Self { size: table_size, modulo, table, hosts: hosts.len() })
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

struct BuildEntry {
    pos: u64,
    skip: u64,
    weight: f64,
    target: f64,
    host: u32,
}

impl BuildEntry {
    /// The next value of the permutation `(offset + skip * next) % M`, computed by addition.
    #[inline]
    fn advance(&mut self, m: u64) {
        self.pos += self.skip;
        if self.pos >= m {
            self.pos -= m;
        }
    }
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
