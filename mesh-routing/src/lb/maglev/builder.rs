//! [`MaglevBuilder`]: a host list kept ready for Maglev refills, so that a change to one host
//! costs one hash and no sort.

use super::fill::Permutation;
use super::{MaglevTable, check_table_size, offset_and_skip};
use crate::lb::error::LbError;
use crate::lb::hash::FastMod;

/// A Maglev host list that keeps what a rebuild can reuse: every host's permutation
/// (`offset`, `skip`: two XXH64 of its key) and the hosts' order by key. Inserting, removing
/// or reweighting one host hashes at most that host and moves it in the sorted order (linear
/// in the number of hosts); [`MaglevBuilder::build`] then only refills the table.
///
/// The refill itself is always a full one, because Envoy's algorithm allows nothing else:
/// hosts claim slots in turn, round after round, each taking the first free slot of its
/// permutation, so from the first claim a changed host makes (or no longer makes), every
/// later claim may land elsewhere. A partial refill would not give Envoy's table.
///
/// The table equals [`MaglevTable::build`] of the same `(key, weight)` list, slot for slot.
///
/// ```
/// use mesh_routing::lb::{MaglevBuilder, MaglevTable};
/// let hosts: Vec<(String, f64)> = (0..4).map(|i| (format!("10.0.0.{i}:80"), 0.25)).collect();
/// let mut builder = MaglevBuilder::new(&hosts, 65_537)?;
/// builder.remove(2)?;
/// for i in 0..3 {
///     builder.set_weight(i, 1.0 / 3.0)?;
/// }
/// let rest: Vec<(String, f64)> = [0, 1, 3].iter().map(|&i| (hosts[i].0.clone(), 1.0 / 3.0)).collect();
/// assert_eq!(builder.build(1.0 / 3.0), MaglevTable::build(&rest, 1.0 / 3.0, 65_537)?);
/// # Ok::<(), mesh_routing::lb::LbError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MaglevBuilder {
    size: u32,
    modulo: FastMod,
    skip_mod: FastMod,
    keys: Vec<Box<[u8]>>,
    weights: Vec<f64>,
    permutations: Vec<(u32, u32)>,
    /// Host indices sorted by (key, index), the order Envoy fills in.
    order: Vec<u32>,
}

impl MaglevBuilder {
    /// Starts from `hosts` (`(key, normalized weight)`, indexed as tables will name them) and a
    /// table of `table_size` slots, checked as [`MaglevTable::build`] checks it.
    pub fn new<K: AsRef<[u8]>>(hosts: &[(K, f64)], table_size: u64) -> Result<Self, LbError> {
        check_table_size(table_size)?;
        let modulo = FastMod::new(table_size);
        let skip_mod = FastMod::new(table_size - 1);
        let keys: Vec<Box<[u8]>> = hosts.iter().map(|h| Box::from(h.0.as_ref())).collect();
        let permutations = keys.iter().map(|k| offset_and_skip(k, &modulo, &skip_mod)).collect();
        let mut order: Vec<u32> = (0..hosts.len() as u32).collect();
        order.sort_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]).then(a.cmp(&b)));
        Ok(Self {
            size: table_size as u32,
            modulo,
            skip_mod,
            keys,
            weights: hosts.iter().map(|h| h.1).collect(),
            permutations,
            order,
        })
    }

    /// The number of hosts.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no host.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key and weight of host `index`.
    pub fn host(&self, index: usize) -> Option<(&[u8], f64)> {
        Some((self.keys.get(index)?, *self.weights.get(index)?))
    }

    /// Appends a host (its index is the old length).
    pub fn push(&mut self, key: impl AsRef<[u8]>, weight: f64) {
        let len = self.len();
        self.insert_unchecked(len, key.as_ref(), weight);
    }

    /// Inserts a host at `index`, shifting later hosts up by one as `Vec::insert` does.
    pub fn insert(&mut self, index: usize, key: impl AsRef<[u8]>, weight: f64) -> Result<(), LbError> {
        if index > self.len() {
            return Err(LbError::HostIndexOutOfRange { index, len: self.len() });
        }
        self.insert_unchecked(index, key.as_ref(), weight);
        Ok(())
    }

    fn insert_unchecked(&mut self, index: usize, key: &[u8], weight: f64) {
        let at = index as u32;
        for o in &mut self.order {
            if *o >= at {
                *o += 1;
            }
        }
        self.keys.insert(index, Box::from(key));
        self.weights.insert(index, weight);
        self.permutations.insert(index, offset_and_skip(key, &self.modulo, &self.skip_mod));
        let keys = &self.keys;
        let place = self.order.partition_point(|&o| (&*keys[o as usize], o) < (key, at));
        self.order.insert(place, at);
    }

    /// Removes host `index`, shifting later hosts down by one as `Vec::remove` does.
    pub fn remove(&mut self, index: usize) -> Result<(), LbError> {
        if index >= self.len() {
            return Err(LbError::HostIndexOutOfRange { index, len: self.len() });
        }
        let at = index as u32;
        self.order.retain(|&o| o != at);
        for o in &mut self.order {
            if *o > at {
                *o -= 1;
            }
        }
        self.keys.remove(index);
        self.weights.remove(index);
        self.permutations.remove(index);
        Ok(())
    }

    /// Sets the normalized weight of host `index` (no hashing, no reordering).
    pub fn set_weight(&mut self, index: usize, weight: f64) -> Result<(), LbError> {
        let len = self.len();
        let w = self.weights.get_mut(index).ok_or(LbError::HostIndexOutOfRange { index, len })?;
        *w = weight;
        Ok(())
    }

    /// Fills the table for the current hosts, whose largest weight is `max_weight`: equal to
    /// [`MaglevTable::build`] of the same list.
    pub fn build(&self, max_weight: f64) -> MaglevTable {
        let permutations: Vec<Permutation> = self
            .order
            .iter()
            .filter_map(|&i| {
                let weight = self.weights[i as usize];
                let (offset, skip) = self.permutations[i as usize];
                (weight > 0.0).then_some(Permutation { offset, skip, weight, host: i })
            })
            .collect();
        MaglevTable::from_permutations(&permutations, max_weight, self.size, self.len())
    }
}
