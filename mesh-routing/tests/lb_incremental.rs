//! Property tests: incremental rebuilds ([`MaglevBuilder`], [`RingBuilder`]) equal a full
//! build of the same host list after any sequence of host changes, and the fast Maglev fill
//! equals the textbook one on full-size tables.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_routing::lb::hash::{HashFunction, xx_hash64};
use mesh_routing::lb::ring_hash::{RingBuilder, RingConfig};
use mesh_routing::lb::{MaglevBuilder, MaglevTable, RingHash};
use proptest::prelude::*;

/// A host change: insert a new host at a position, remove one, or reweight one.
#[derive(Debug, Clone)]
enum Change {
    Insert(usize, u32, u32),
    Remove(usize),
    Reweight(usize, u32),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (any::<usize>(), 0u32..400, 0u32..6).prop_map(|(i, k, w)| Change::Insert(i, k, w)),
        any::<usize>().prop_map(Change::Remove),
        (any::<usize>(), 0u32..6).prop_map(|(i, w)| Change::Reweight(i, w)),
    ]
}

/// Raw weights to `(key, normalized weight)` plus the smallest and largest weight above 0.
fn normalized(raw: &[(String, u32)]) -> (Vec<(String, f64)>, f64, f64) {
    let sum: f64 = raw.iter().map(|h| f64::from(h.1)).sum::<f64>().max(1.0);
    let hosts: Vec<(String, f64)> = raw.iter().map(|(k, w)| (k.clone(), f64::from(*w) / sum)).collect();
    let min = hosts.iter().map(|h| h.1).filter(|&w| w > 0.0).fold(1.0, f64::min);
    let max = hosts.iter().map(|h| h.1).fold(0.0, f64::max);
    (hosts, min, max)
}

fn apply(raw: &mut Vec<(String, u32)>, c: &Change) -> Option<Change> {
    match *c {
        Change::Insert(i, k, w) => {
            let i = i % (raw.len() + 1);
            raw.insert(i, (format!("10.1.{}.{}:80", k / 200, k % 200), w));
            Some(Change::Insert(i, k, w))
        }
        Change::Remove(i) if !raw.is_empty() => {
            let i = i % raw.len();
            raw.remove(i);
            Some(Change::Remove(i))
        }
        Change::Reweight(i, w) if !raw.is_empty() => {
            let i = i % raw.len();
            raw[i].1 = w;
            Some(Change::Reweight(i, w))
        }
        _ => None,
    }
}

/// Maglev as the paper and Envoy describe it, the permutation recomputed at every probe.
fn reference_maglev(hosts: &[(String, f64)], max_weight: f64, m: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..hosts.len()).filter(|&i| hosts[i].1 > 0.0).collect();
    order.sort_by(|&a, &b| hosts[a].0.cmp(&hosts[b].0).then(a.cmp(&b)));
    let mut next = vec![0u64; hosts.len()];
    let mut target = vec![0.0f64; hosts.len()];
    let mut table = vec![usize::MAX; m as usize];
    let (mut filled, mut iteration) = (0u64, 1u32);
    while filled < m {
        for &i in &order {
            if filled >= m {
                break;
            }
            if f64::from(iteration) * hosts[i].1 < target[i] {
                continue;
            }
            target[i] += max_weight;
            let key = hosts[i].0.as_bytes();
            let (offset, skip) = (xx_hash64(key, 0) % m, xx_hash64(key, 1) % (m - 1) + 1);
            let mut c = (offset + skip * next[i]) % m;
            while table[c as usize] != usize::MAX {
                next[i] += 1;
                c = (offset + skip * next[i]) % m;
            }
            table[c as usize] = i;
            next[i] += 1;
            filled += 1;
        }
        iteration += 1;
    }
    table
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    // The incremental Maglev builder equals a full build after every change.
    #[test]
    fn maglev_incremental_equals_full_build(
        start in prop::collection::vec((0u32..400, 0u32..6), 0..40),
        changes in prop::collection::vec(change(), 1..12),
        m in prop::sample::select(vec![7u64, 101, 1009, 65_537]),
    ) {
        let mut raw: Vec<(String, u32)> = start.iter().map(|&(k, w)| (format!("10.1.{}.{}:80", k / 200, k % 200), w)).collect();
        let (hosts, _, _) = normalized(&raw);
        let mut builder = MaglevBuilder::new(&hosts, m).expect("prime");
        for c in &changes {
            let Some(done) = apply(&mut raw, c) else { continue };
            let (hosts, _, max) = normalized(&raw);
            match done {
                Change::Insert(i, _, _) => builder.insert(i, &hosts[i].0, hosts[i].1).expect("in range"),
                Change::Remove(i) => builder.remove(i).expect("in range"),
                Change::Reweight(..) => {}
            }
            for (i, h) in hosts.iter().enumerate() {
                builder.set_weight(i, h.1).expect("in range");
            }
            prop_assert_eq!(builder.build(max), MaglevTable::build(&hosts, max, m).expect("prime"));
        }
        prop_assert_eq!(builder.insert(builder.len() + 1, "x", 1.0).is_err(), true);
    }

    // The incremental ring builder equals a full build after every change.
    #[test]
    fn ring_incremental_equals_full_build(
        start in prop::collection::vec((0u32..400, 0u32..6), 0..30),
        changes in prop::collection::vec(change(), 1..10),
        min in prop::sample::select(vec![16u64, 1024, 20_000]),
        murmur in any::<bool>(),
    ) {
        let hash_function = if murmur { HashFunction::MurmurHash2 } else { HashFunction::XxHash };
        let config = RingConfig { min_ring_size: min, hash_function, ..RingConfig::default() };
        let mut raw: Vec<(String, u32)> = start.iter().map(|&(k, w)| (format!("10.1.{}.{}:80", k / 200, k % 200), w)).collect();
        let mut builder = RingBuilder::new(config).expect("valid");
        let (hosts, min_w, _) = normalized(&raw);
        prop_assert_eq!(builder.build(&hosts, min_w).expect("valid"), RingHash::build(&hosts, min_w, &config).expect("valid"));
        for c in &changes {
            if apply(&mut raw, c).is_none() {
                continue;
            }
            let (hosts, min_w, _) = normalized(&raw);
            prop_assert_eq!(builder.build(&hosts, min_w).expect("valid"), RingHash::build(&hosts, min_w, &config).expect("valid"));
        }
    }

    // The fast fill (stepped permutation, free-slot scan in the tail) equals the textbook
    // Maglev on full-size tables.
    #[test]
    fn maglev_full_size_matches_reference(weights in prop::collection::vec(0u32..4, 1..60)) {
        let raw: Vec<(String, u32)> = weights.iter().enumerate().map(|(i, &w)| (format!("10.2.0.{i}:80"), w)).collect();
        let (hosts, _, max) = normalized(&raw);
        let table = MaglevTable::build(&hosts, max, 65_537).expect("prime");
        if max > 0.0 {
            prop_assert_eq!(table.slots().collect::<Vec<_>>(), reference_maglev(&hosts, max, 65_537));
        } else {
            prop_assert!(table.is_empty());
        }
    }
}
