//! Property tests: shares track weights, removing a host disturbs little, priority loads
//! sum to 100, and every fast path agrees with a plain reference implementation.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_routing::lb::hash::xx_hash64;
use mesh_routing::lb::priority::{HostCounts, PrioritySummary};
use mesh_routing::lb::ring_hash::RingConfig;
use mesh_routing::lb::{EdfScheduler, MaglevTable, PriorityLoad, PriorityParams, RingHash};
use proptest::prelude::*;

fn keyed(weights: &[u32]) -> (Vec<(String, f64)>, f64, f64) {
    let sum: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    let hosts: Vec<(String, f64)> = weights
        .iter()
        .enumerate()
        .map(|(i, &w)| (format!("10.0.{}.{}:8080", i / 250, i % 250), f64::from(w) / sum))
        .collect();
    let min = hosts.iter().map(|h| h.1).fold(1.0, f64::min);
    let max = hosts.iter().map(|h| h.1).fold(0.0, f64::max);
    (hosts, min, max)
}

/// Maglev as the paper and Envoy describe it, with the permutation recomputed by
/// multiplication and modulo at every probe.
fn reference_maglev(hosts: &[(String, f64)], max_weight: f64, m: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    order.sort_by(|&a, &b| hosts[a].0.cmp(&hosts[b].0));
    let mut next = vec![0u64; hosts.len()];
    let mut target = vec![0.0f64; hosts.len()];
    let mut table: Vec<Option<usize>> = vec![None; m as usize];
    let mut filled = 0u64;
    let mut iteration = 1u32;
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
            let offset = xx_hash64(key, 0) % m;
            let skip = xx_hash64(key, 1) % (m - 1) + 1;
            let mut c = (offset + skip * next[i]) % m;
            while table[c as usize].is_some() {
                next[i] += 1;
                c = (offset + skip * next[i]) % m;
            }
            table[c as usize] = Some(i);
            next[i] += 1;
            filled += 1;
        }
        iteration += 1;
    }
    table.into_iter().map(|s| s.unwrap_or(usize::MAX)).collect()
}

/// The first ring entry at or above `hash`, wrapping around.
fn reference_ring_pick(entries: &[(u64, usize)], hash: u64) -> usize {
    entries.iter().find(|e| e.0 >= hash).unwrap_or(&entries[0]).1
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    // The fast Maglev build (permutation by addition) equals the textbook one.
    #[test]
    fn maglev_matches_reference(weights in prop::collection::vec(1u32..5, 1..12), m in prop::sample::select(vec![7u64, 17, 101, 251, 1009])) {
        let (hosts, _, max) = keyed(&weights);
        let table = MaglevTable::build(&hosts, max, m).expect("prime");
        let slots: Vec<usize> = table.slots().collect();
        prop_assert_eq!(slots, reference_maglev(&hosts, max, m));
    }

    // Maglev shares track weights: every host within 1.5% of the table of its share.
    #[test]
    fn maglev_shares_track_weights(weights in prop::collection::vec(1u32..4, 2..10)) {
        let (hosts, _, max) = keyed(&weights);
        let table = MaglevTable::build(&hosts, max, 65_537).expect("prime");
        for (i, c) in table.counts().iter().enumerate() {
            let share = *c as f64 / 65_537.0;
            prop_assert!((share - hosts[i].1).abs() < 0.015, "host {} share {} weight {}", i, share, hosts[i].1);
        }
    }

    // Removing one host from a Maglev table moves a bounded share of the other hosts' slots.
    #[test]
    fn maglev_removal_is_bounded(n in 5usize..30, removed in 0usize..30) {
        let removed = removed % n;
        let (hosts, _, max) = keyed(&vec![1; n]);
        let before = MaglevTable::build(&hosts, max, 65_537).expect("prime");
        let rest: Vec<(String, f64)> = hosts.iter().enumerate().filter(|(i, _)| *i != removed)
            .map(|(_, h)| (h.0.clone(), 1.0 / (n - 1) as f64)).collect();
        let after = MaglevTable::build(&rest, 1.0 / (n - 1) as f64, 65_537).expect("prime");
        let name = |i: usize| if i >= removed { i + 1 } else { i };
        let (mut kept, mut moved) = (0u64, 0u64);
        for (b, a) in before.slots().zip(after.slots()) {
            if b != removed {
                kept += 1;
                if name(a) != b {
                    moved += 1;
                }
            }
        }
        prop_assert!((moved as f64) / (kept as f64) < 0.05, "{} of {} moved", moved, kept);
    }

    // Ring entries per host are the scaled weight, give or take one.
    #[test]
    fn ring_shares_track_weights(weights in prop::collection::vec(1u32..8, 1..12), min in 64u64..4096) {
        let (hosts, min_w, _) = keyed(&weights);
        let config = RingConfig { min_ring_size: min, ..RingConfig::default() };
        let ring = RingHash::build(&hosts, min_w, &config).expect("valid");
        let scale = ((min_w * min as f64).ceil() / min_w).min(config.max_ring_size as f64);
        for (i, c) in ring.counts().iter().enumerate() {
            prop_assert!((*c as f64 - scale * hosts[i].1).abs() <= 1.0 + 1e-9);
        }
    }

    // A ring pick is the first entry at or above the hash (Envoy's ketama loop).
    #[test]
    fn ring_pick_matches_reference(weights in prop::collection::vec(1u32..4, 1..8), hashes in prop::collection::vec(any::<u64>(), 64)) {
        let (hosts, min_w, _) = keyed(&weights);
        let config = RingConfig { min_ring_size: 64, ..RingConfig::default() };
        let ring = RingHash::build(&hosts, min_w, &config).expect("valid");
        let entries: Vec<(u64, usize)> = ring.entries().collect();
        for h in hashes.into_iter().chain(entries.iter().map(|e| e.0)) {
            prop_assert_eq!(ring.choose(h, 0), Some(reference_ring_pick(&entries, h)));
        }
    }

    // Removing one host moves only that host's keys on the ring, when the other hosts keep
    // their replica count (minimum ring size r * (n - 1) with r < n).
    #[test]
    fn ring_removal_moves_only_its_keys(n in 3usize..20, removed in 0usize..20, r in 1u64..3, hashes in prop::collection::vec(any::<u64>(), 256)) {
        let removed = removed % n;
        let r = r.min(n as u64 - 1);
        let (hosts, min_w, _) = keyed(&vec![1; n]);
        let config = RingConfig { min_ring_size: r * (n as u64 - 1), ..RingConfig::default() };
        let before = RingHash::build(&hosts, min_w, &config).expect("valid");
        let rest: Vec<(String, f64)> = hosts.iter().enumerate().filter(|(i, _)| *i != removed)
            .map(|(_, h)| (h.0.clone(), 1.0 / (n - 1) as f64)).collect();
        let after = RingHash::build(&rest, 1.0 / (n - 1) as f64, &config).expect("valid");
        let name = |i: usize| if i >= removed { i + 1 } else { i };
        for h in hashes {
            let b = before.choose(h, 0).expect("host");
            if b != removed {
                prop_assert_eq!(after.choose(h, 0).map(name), Some(b));
            }
        }
    }

    // Priority loads always sum to 100.
    #[test]
    fn priority_loads_sum_to_100(
        sets in prop::collection::vec((0u64..20, 0u64..20, 0u64..20, 0u64..20), 1..6),
        op in 100u32..200,
        threshold in 0u32..101,
    ) {
        let summaries: Vec<PrioritySummary> = sets.iter().map(|&(a, b, c, d)| {
            let healthy = a.min(b);
            let degraded = c.min(a - healthy);
            let excluded = d.min(a - healthy - degraded);
            let counts = HostCounts { hosts: a, healthy, degraded, excluded };
            PrioritySummary { counts, weights: counts }
        }).collect();
        let params = PriorityParams { overprovisioning_factor: op, panic_threshold: threshold, weighted_priority_health: false };
        let l = PriorityLoad::compute(&summaries, &params);
        prop_assert_eq!(l.healthy.iter().chain(&l.degraded).sum::<u32>(), 100);
    }

    // A schedule built as if `picks` picks were made is the schedule after those picks.
    #[test]
    fn edf_with_picks_matches_picking(weights in prop::collection::vec(0.5f64..50.0, 1..20), picks in 0u32..300) {
        let mut a = EdfScheduler::new();
        for (i, &w) in weights.iter().enumerate() {
            a.add(w, i as u32);
        }
        for _ in 0..picks {
            a.pick_and_add(|i| weights[i as usize]);
        }
        let b = EdfScheduler::with_picks(&weights, picks, |i| weights[i as usize]);
        let (pa, pb) = (a.pending(), b.pending());
        prop_assert_eq!(pa.len(), pb.len());
        let mut da: Vec<f64> = pa.iter().map(|e| e.1).collect();
        let mut db: Vec<f64> = pb.iter().map(|e| e.1).collect();
        da.sort_by(f64::total_cmp);
        db.sort_by(f64::total_cmp);
        for (x, y) in da.iter().zip(&db) {
            prop_assert!((x - y).abs() < 1e-6);
        }
    }
}
