//! `route_match` beside the `matchit` crate (exact and prefix only, most specific rather than
//! first match): built only with `--features bench-peers`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mesh_routing::RouteRequest;
use mesh_routing::RouteTable;
use mesh_routing::matcher::Scope;

#[path = "route_tables.rs"]
mod tables;

fn bench(c: &mut Criterion) {
    let scope = Scope { gateway: "mesh", port: 80, namespace: "default", labels: None };
    let mut g = c.benchmark_group("route_match/peers");
    for n in [10usize, 100, 1_000, 10_000] {
        let routes = tables::table("prefix", n);
        let (table, _) = RouteTable::from_routes(&routes, "default");
        let mut m = matchit::Router::new();
        for i in 0..n {
            let _ = m.insert(format!("/svc{i}/api"), i);
            let _ = m.insert(format!("/svc{i}/api/{{*rest}}"), i);
        }
        for (label, i) in [("first", 0usize), ("last", n - 1)] {
            let path = tables::path("prefix", i);
            let req = RouteRequest::http("h", 80, "GET", &path);
            assert_eq!(m.at(&path).map(|x| *x.value).ok(), Some(i));
            assert_eq!(table.find(&req, &scope).map(|e| e.route_index()), Some(i));
            g.bench_with_input(BenchmarkId::new(format!("indexed/{label}"), n), &n, |b, _| {
                b.iter(|| black_box(table.find(black_box(&req), &scope)).map(|e| e.route_index()))
            });
            g.bench_with_input(BenchmarkId::new(format!("matchit/{label}"), n), &n, |b, _| {
                b.iter(|| black_box(m.at(black_box(&path)).map(|x| *x.value).ok()))
            });
        }
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
