//! SPIFFE ID parsing beside the `spiffe` crate (a peer baseline, feature `bench-peers`).
#![allow(missing_docs, clippy::unwrap_used)] // a benchmark: a panic is a broken setup

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

fn spiffe_id_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("spiffe_id_parse");
    let input = "spiffe://example.org/ns/default/sa/bookinfo-productpage";
    g.bench_function("mesh_identity", |b| b.iter(|| mesh_identity::SpiffeId::parse(black_box(input))));
    g.bench_function("spiffe_crate", |b| b.iter(|| spiffe::SpiffeId::new(black_box(input))));
    g.finish();
}

criterion_group!(benches, spiffe_id_parse);
criterion_main!(benches);
