//! Load balancers on arbitrary endpoint sets and hashes: building never panics; Maglev
//! and ring picks agree with plain references (the textbook permutation, the first entry at
//! or above the hash); every pick names a built host; priority loads sum to 100.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_routing::lb::hash::xx_hash64;
use mesh_routing::lb::priority::{HostCounts, PrioritySummary};
use mesh_routing::lb::ring_hash::RingConfig;
use mesh_routing::lb::{HashFunction, MaglevTable, PriorityLoad, PriorityParams, RingHash};

#[derive(Debug, Arbitrary)]
struct Input {
    hosts: Vec<(String, u8)>,
    hashes: Vec<u64>,
    table_size: u8,
    min_ring: u16,
    murmur: bool,
    priorities: Vec<(u8, u8, u8, u8)>,
    overprovisioning: u8,
    panic_threshold: u8,
}

const PRIMES: [u64; 8] = [2, 3, 5, 7, 13, 17, 101, 251];

fuzz_target!(|input: Input| {
    let hosts: Vec<(String, u8)> = input.hosts.into_iter().take(64).filter(|h| h.1 > 0).collect();
    let sum: f64 = hosts.iter().map(|h| f64::from(h.1)).sum();
    let weighted: Vec<(&str, f64)> = hosts.iter().map(|h| (h.0.as_str(), f64::from(h.1) / sum)).collect();
    let max = weighted.iter().map(|h| h.1).fold(0.0, f64::max);
    let min = weighted.iter().map(|h| h.1).fold(1.0, f64::min);

    let m = PRIMES[usize::from(input.table_size) % PRIMES.len()];
    let table = MaglevTable::build(&weighted, max, m).expect("prime table size");
    if !weighted.is_empty() {
        // Reference: the permutation recomputed by multiplication at every probe.
        let mut order: Vec<usize> = (0..weighted.len()).collect();
        order.sort_by(|&a, &b| weighted[a].0.as_bytes().cmp(weighted[b].0.as_bytes()).then(a.cmp(&b)));
        let mut next = vec![0u64; weighted.len()];
        let mut target = vec![0.0f64; weighted.len()];
        let mut slots = vec![usize::MAX; m as usize];
        let (mut filled, mut iteration) = (0u64, 1u32);
        while filled < m {
            for &i in &order {
                if filled >= m {
                    break;
                }
                if f64::from(iteration) * weighted[i].1 < target[i] {
                    continue;
                }
                target[i] += max;
                let k = weighted[i].0.as_bytes();
                let (offset, skip) = (xx_hash64(k, 0) % m, xx_hash64(k, 1) % (m - 1) + 1);
                let mut c = (offset + skip * next[i]) % m;
                while slots[c as usize] != usize::MAX {
                    next[i] += 1;
                    c = (offset + skip * next[i]) % m;
                }
                slots[c as usize] = i;
                next[i] += 1;
                filled += 1;
            }
            iteration += 1;
        }
        assert_eq!(table.slots().collect::<Vec<_>>(), slots);
    }
    for &h in &input.hashes {
        if let Some(i) = table.choose(h, 0) {
            assert!(i < weighted.len());
        }
    }

    let config = RingConfig {
        min_ring_size: u64::from(input.min_ring % 2048),
        hash_function: if input.murmur { HashFunction::MurmurHash2 } else { HashFunction::XxHash },
        ..RingConfig::default()
    };
    let ring = RingHash::build(&weighted, min, &config).expect("valid bounds");
    let entries: Vec<(u64, usize)> = ring.entries().collect();
    for &h in &input.hashes {
        let expected = entries.iter().find(|e| e.0 >= h).or(entries.first()).map(|e| e.1);
        assert_eq!(ring.choose(h, 0), expected);
    }

    let summaries: Vec<PrioritySummary> = input
        .priorities
        .iter()
        .take(8)
        .map(|&(a, b, c, d)| {
            let hosts = u64::from(a);
            let healthy = u64::from(b).min(hosts);
            let degraded = u64::from(c).min(hosts - healthy);
            let excluded = u64::from(d).min(hosts - healthy - degraded);
            let counts = HostCounts { hosts, healthy, degraded, excluded };
            PrioritySummary { counts, weights: counts }
        })
        .collect();
    if !summaries.is_empty() {
        let params = PriorityParams {
            overprovisioning_factor: 100 + u32::from(input.overprovisioning),
            panic_threshold: u32::from(input.panic_threshold) % 101,
            weighted_priority_health: false,
        };
        let l = PriorityLoad::compute(&summaries, &params);
        assert_eq!(l.healthy.iter().chain(&l.degraded).sum::<u32>(), 100);
    }
});
