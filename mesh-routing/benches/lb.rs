//! Load-balancer benchmarks: table and ring builds, picks, schedules, each beside a plain
//! baseline in the same group. Run with
//! `cargo bench -p mesh-routing --bench lb -- --warm-up-time 1 --measurement-time 3`.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use mesh_routing::lb::cluster::{ClusterLoadAssignment, ClusterSettings, PickContext};
use mesh_routing::lb::hash::xx_hash64;
use mesh_routing::lb::policy::Policy;
use mesh_routing::lb::priority::{HostCounts, PrioritySummary};
use mesh_routing::lb::ring_hash::{RingBuilder, RingConfig};
use mesh_routing::lb::{
    Endpoint, Locality, MaglevBuilder, MaglevTable, PriorityLoad, PriorityParams, RingHash, RoundRobin,
};

fn hosts(n: usize) -> Vec<(String, f64)> {
    (0..n)
        .map(|i| (format!("10.{}.{}.{}:8080", i / 65_536, (i / 256) % 256, i % 256), 1.0 / n as f64))
        .collect()
}

/// A straightforward port of Envoy's Maglev build: the permutation recomputed with a
/// multiplication and two divisions per probe.
fn naive_maglev(hosts: &[(String, f64)], m: u64) -> Vec<u32> {
    let mut order: Vec<usize> = (0..hosts.len()).collect();
    order.sort_by(|&a, &b| hosts[a].0.cmp(&hosts[b].0));
    let entries: Vec<(u64, u64)> = order
        .iter()
        .map(|&i| {
            let k = hosts[i].0.as_bytes();
            (xx_hash64(k, 0) % m, xx_hash64(k, 1) % (m - 1) + 1)
        })
        .collect();
    let mut next = vec![0u64; entries.len()];
    let mut table = vec![u32::MAX; m as usize];
    let mut filled = 0;
    while filled < m {
        for (j, &(offset, skip)) in entries.iter().enumerate() {
            if filled >= m {
                break;
            }
            let mut c = (offset + skip * next[j]) % m;
            while table[c as usize] != u32::MAX {
                next[j] += 1;
                c = (offset + skip * next[j]) % m;
            }
            table[c as usize] = order[j] as u32;
            next[j] += 1;
            filled += 1;
        }
    }
    table
}

fn maglev_build(c: &mut Criterion) {
    let mut g = c.benchmark_group("maglev_build");
    for n in [100usize, 1000] {
        let h = hosts(n);
        g.bench_with_input(BenchmarkId::new("meshkit", n), &h, |b, h| {
            b.iter(|| MaglevTable::build(black_box(h), 1.0 / n as f64, 65_537))
        });
        g.bench_with_input(BenchmarkId::new("naive_port", n), &h, |b, h| {
            b.iter(|| naive_maglev(black_box(h), 65_537))
        });
    }
    g.finish();
}

/// Rebuilding after one host changes: the incremental builder (one host rehashed, table
/// refilled) against a full build of the same list, and the hashing-and-sorting part alone.
fn maglev_rebuild(c: &mut Criterion) {
    let mut g = c.benchmark_group("maglev_rebuild");
    let n = 1000;
    let h = hosts(n);
    let w = 1.0 / (n - 1) as f64;
    let rest: Vec<(String, f64)> = h[1..].iter().map(|(k, _)| (k.clone(), w)).collect();
    g.bench_function("full_build_remove_one_1000", |b| {
        b.iter(|| MaglevTable::build(black_box(&rest), w, 65_537))
    });
    let base = MaglevBuilder::new(&h, 65_537).expect("prime");
    g.bench_function("incremental_remove_one_1000", |b| {
        b.iter_batched(
            || base.clone(),
            |mut builder| {
                builder.remove(0).expect("in range");
                builder.build(w)
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function("prepare_hash_and_sort_1000", |b| b.iter(|| MaglevBuilder::new(black_box(&h), 65_537)));
    g.finish();
}

fn ring_build(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_build");
    let h = hosts(100);
    let config = RingConfig { min_ring_size: 65_536, ..RingConfig::default() };
    g.bench_function("meshkit_100_hosts_65536", |b| b.iter(|| RingHash::build(black_box(&h), 0.01, &config)));
    g.bench_function("naive_sort_100_hosts_65536", |b| {
        b.iter(|| {
            let mut ring: Vec<(u64, u32)> = Vec::with_capacity(65_536);
            for (i, (k, _)) in h.iter().enumerate() {
                for r in 0..656 {
                    ring.push((xx_hash64(format!("{k}_{r}").as_bytes(), 0), i as u32));
                }
            }
            ring.sort();
            ring
        })
    });
    g.finish();
}

/// Rebuilding a 65,536-entry ring after one of 100 hosts is removed: the incremental builder
/// against a full build of the same list.
fn ring_rebuild(c: &mut Criterion) {
    let mut g = c.benchmark_group("ring_rebuild");
    let config = RingConfig { min_ring_size: 65_536, ..RingConfig::default() };
    let h = hosts(100);
    let rest: Vec<(String, f64)> = h[1..].iter().map(|(k, _)| (k.clone(), 1.0 / 99.0)).collect();
    g.bench_function("full_build_remove_one_100", |b| {
        b.iter(|| RingHash::build(black_box(&rest), 1.0 / 99.0, &config))
    });
    let mut base = RingBuilder::new(config).expect("valid");
    base.build(&h, 0.01).expect("valid");
    g.bench_function("incremental_remove_one_100", |b| {
        b.iter_batched(|| base.clone(), |mut r| r.build(&rest, 1.0 / 99.0), BatchSize::LargeInput)
    });
    g.finish();
}

fn lb_pick(c: &mut Criterion) {
    let mut g = c.benchmark_group("lb_pick");
    let h = hosts(1000);
    let maglev = MaglevTable::build(&h, 0.001, 65_537).expect("prime");
    let naive = naive_maglev(&h, 65_537);
    let ring =
        RingHash::build(&hosts(100), 0.01, &RingConfig { min_ring_size: 65_536, ..RingConfig::default() })
            .expect("valid");
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    g.bench_function("maglev_meshkit", |b| b.iter(|| maglev.choose(black_box(next()), 0)));
    g.bench_function("maglev_modulo_baseline", |b| b.iter(|| naive[(black_box(next()) % 65_537) as usize]));
    g.bench_function("ring_meshkit_65536", |b| b.iter(|| ring.choose(black_box(next()), 0)));
    let entries: Vec<u64> = ring.entries().map(|e| e.0).collect();
    g.bench_function("ring_partition_point_baseline", |b| {
        b.iter(|| {
            let h = black_box(next());
            let i = entries.partition_point(|&e| e < h);
            if i == entries.len() { 0 } else { i }
        })
    });
    let mut rr = RoundRobin::new(&(0..100).map(|i| 1 + i % 5).collect::<Vec<u32>>(), 0);
    g.bench_function("round_robin_weighted_100", |b| b.iter(|| rr.pick()));
    g.finish();
}

/// A whole cluster's pick (priority, source, policy) beside the bare round-robin pick it
/// ends in: 100 endpoints in 4 localities, weights 1 to 5.
fn cluster_pick(c: &mut Criterion) {
    let mut g = c.benchmark_group("cluster_pick");
    let endpoints: Vec<Endpoint> = (0..100u32)
        .map(|i| {
            Endpoint::new(format!("10.0.{}.{}:80", i / 256, i % 256))
                .with_weight(1 + i % 5)
                .with_locality(Locality::parse(&format!("r1/z{}/", i % 4)))
        })
        .collect();
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let active: Vec<u64> = (0..100).map(|i| i % 7).collect();
    let counters = |m: usize| active.get(m).copied().unwrap_or(0);
    for (name, policy) in [
        ("round_robin_100", Policy::RoundRobin),
        ("least_request_100", Policy::LeastRequest),
        ("random_100", Policy::Random),
        ("maglev_100", Policy::Maglev { table_size: 65_537 }),
    ] {
        let settings = ClusterSettings { policy, ..Default::default() };
        let cla = ClusterLoadAssignment::build(endpoints.clone(), &settings, None);
        let mut state = cla.new_state(0);
        g.bench_function(name, |b| {
            b.iter(|| {
                let context = PickContext { hash: Some(next()), active_requests: Some(&counters) };
                cla.pick_in(&mut state, &mut next, black_box(context))
            })
        });
    }
    let mut rr = RoundRobin::new(&(0..100).map(|i| 1 + i % 5).collect::<Vec<u32>>(), 0);
    g.bench_function("bare_round_robin_baseline_100", |b| b.iter(|| rr.pick()));
    g.finish();
}

fn priority_load(c: &mut Criterion) {
    let mut g = c.benchmark_group("priority_load");
    let counts = HostCounts { hosts: 10, healthy: 4, degraded: 2, excluded: 1 };
    let sets = vec![PrioritySummary { counts, weights: counts }; 4];
    g.bench_function("compute_4_priorities", |b| {
        b.iter(|| PriorityLoad::compute(black_box(&sets), &PriorityParams::default()))
    });
    g.finish();
}

criterion_group!(
    benches,
    maglev_build,
    maglev_rebuild,
    ring_build,
    ring_rebuild,
    lb_pick,
    cluster_pick,
    priority_load
);
criterion_main!(benches);
