//! Our Maglev table and ring against the crates.io peers `maglev` and `hashring`, in the same
//! run. Peers are compiled only with `--features bench-peers`:
//! `cargo bench -p mesh-routing --features bench-peers --bench lb_peers -- --warm-up-time 1 --measurement-time 3`.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use maglev::ConsistentHasher;
use mesh_routing::lb::ring_hash::RingConfig;
use mesh_routing::lb::{MaglevTable, RingHash};

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("10.{}.{}.{}:8080", i / 65_536, (i / 256) % 256, i % 256)).collect()
}

fn maglev_peers(c: &mut Criterion) {
    let mut g = c.benchmark_group("maglev_build_1000_hosts");
    g.sample_size(10);
    let n = names(1000);
    let weighted: Vec<(&str, f64)> = n.iter().map(|s| (s.as_str(), 0.001)).collect();
    g.bench_function("meshkit", |b| b.iter(|| MaglevTable::build(black_box(&weighted), 0.001, 65_537)));
    g.bench_function("maglev_crate", |b| b.iter(|| maglev::Maglev::new(black_box(n.clone()))));
    g.finish();

    let mut g = c.benchmark_group("maglev_pick_1000_hosts");
    let ours = MaglevTable::build(&weighted, 0.001, 65_537).expect("prime");
    let theirs = maglev::Maglev::new(n.clone());
    let mut i = 0u64;
    g.bench_function("meshkit", |b| {
        b.iter(|| {
            i = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
            ours.choose(black_box(i), 0)
        })
    });
    g.bench_function("maglev_crate", |b| {
        b.iter(|| {
            i = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
            theirs.get(&black_box(i)).map(String::len)
        })
    });
    g.finish();
}

fn ring_peers(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_build_100_hosts");
    g.sample_size(10);
    let n = names(100);
    let weighted: Vec<(&str, f64)> = n.iter().map(|s| (s.as_str(), 0.01)).collect();
    let config = RingConfig { min_ring_size: 65_536, ..RingConfig::default() };
    g.bench_function("meshkit_65536_entries", |b| {
        b.iter(|| RingHash::build(black_box(&weighted), 0.01, &config))
    });
    g.bench_function("hashring_crate_100_hosts", |b| {
        b.iter(|| {
            let mut ring = hashring::HashRing::new();
            for s in &n {
                ring.add(s.clone());
            }
            ring
        })
    });
    g.finish();

    let mut g = c.benchmark_group("ring_pick_100_hosts");
    let ours = RingHash::build(&weighted, 0.01, &config).expect("valid");
    let mut theirs = hashring::HashRing::new();
    for s in &n {
        theirs.add(s.clone());
    }
    let mut i = 0u64;
    g.bench_function("meshkit_65536_entries", |b| {
        b.iter(|| {
            i = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
            ours.choose(black_box(i), 0)
        })
    });
    g.bench_function("hashring_crate", |b| {
        b.iter(|| {
            i = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
            theirs.get(&black_box(i)).map(String::len)
        })
    });
    g.finish();
}

criterion_group!(benches, maglev_peers, ring_peers);
criterion_main!(benches);
