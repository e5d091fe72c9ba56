//! Finding candidate rules without scanning: rules that pin an exact path, principal or
//! method are filed under that value; the rest are kept in one list. Every list is in
//! decision order, so the first match in a list is that list's best.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A small, fast, non-cryptographic hasher for short keys (the Fx hash of rustc). Keys come
/// from configuration, not from requests, so flooding is not a concern; lookups with
/// request values only ever miss or hit.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A hash map with [`FxHasher`].
pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// An attribute rules can be filed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Attr {
    /// The normalised path without query.
    Path,
    /// The peer principal.
    Principal,
    /// The HTTP method.
    Method,
}

/// Rules (as indices into the authorizer's rule table) filed for lookup.
#[derive(Debug, Default)]
pub(crate) struct RuleIndex {
    pub(crate) by_path: FxMap<Box<str>, Vec<u32>>,
    pub(crate) by_principal: FxMap<Box<str>, Vec<u32>>,
    pub(crate) by_method: FxMap<Box<str>, Vec<u32>>,
    pub(crate) rest: Vec<u32>,
}

impl RuleIndex {
    /// Files rule `id` under `guard`, or in the rest.
    pub(crate) fn insert(&mut self, id: u32, guard: Option<(Attr, Vec<Box<str>>)>) {
        match guard {
            None => self.rest.push(id),
            Some((attr, values)) => {
                let map = match attr {
                    Attr::Path => &mut self.by_path,
                    Attr::Principal => &mut self.by_principal,
                    Attr::Method => &mut self.by_method,
                };
                for v in values {
                    let list = map.entry(v).or_default();
                    if list.last() != Some(&id) {
                        list.push(id);
                    }
                }
            }
        }
    }

    /// Sorts every list by `rank`.
    pub(crate) fn finish(&mut self, rank: &dyn Fn(u32) -> u32) {
        let sort = |l: &mut Vec<u32>| {
            l.sort_by_key(|&i| rank(i));
            l.dedup();
        };
        self.by_path.values_mut().for_each(sort);
        self.by_principal.values_mut().for_each(sort);
        self.by_method.values_mut().for_each(sort);
        sort(&mut self.rest);
    }

    /// Whether no rule is filed.
    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
            && self.by_path.is_empty()
            && self.by_principal.is_empty()
            && self.by_method.is_empty()
    }

    /// The candidate lists for a request: at most four slices, each in decision order.
    pub(crate) fn candidates<'s>(
        &'s self,
        path: &str,
        principal: Option<&str>,
        method: &str,
    ) -> [&'s [u32]; 4] {
        let get = |m: &'s FxMap<Box<str>, Vec<u32>>, k: &str| -> &'s [u32] {
            if m.is_empty() { &[] } else { m.get(k).map_or(&[], Vec::as_slice) }
        };
        [
            &self.rest,
            get(&self.by_path, path),
            principal.map_or(&[][..], |p| get(&self.by_principal, p)),
            get(&self.by_method, method),
        ]
    }
}
