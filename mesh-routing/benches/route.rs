//! `route_match`: the indexed route table against a plain linear first-match scan (what Envoy
//! does) on 10 to 10,000 routes of one host, requests matching the first route, the last, or
//! none; and `route_hosts`: a router with 10,000 hosts.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mesh_model::{LoadOptions, Snapshot, load_str};
use mesh_routing::matcher::Scope;
use mesh_routing::{RouteRequest, RouteTable, Router};

#[path = "route_tables.rs"]
mod tables;

fn bench_tables(c: &mut Criterion) {
    let scope = Scope { gateway: "mesh", port: 80, namespace: "default", labels: None };
    for kind in ["prefix", "mixed", "regex"] {
        let mut g = c.benchmark_group(format!("route_match/{kind}"));
        for n in [10usize, 100, 1_000, 10_000] {
            let routes = tables::table(kind, n);
            let (table, errors) = RouteTable::from_routes(&routes, "default");
            assert!(errors.is_empty());
            eprintln!("route_match/{kind}/{n}: {} bytes per route", table.heap_bytes() / n.max(1));
            let last = n - 1;
            let cases = [("first", 0usize), ("last", last), ("none", usize::MAX)];
            for (label, i) in cases {
                let path = if i == usize::MAX { "/nothing/here".to_string() } else { tables::path(kind, i) };
                let h = if i == usize::MAX { tables::header(0) } else { tables::header(i) };
                let headers = vec![(h.0.as_str(), h.1.as_str())];
                let mut req = RouteRequest::http("h", 80, "GET", &path);
                req.headers = &headers;
                let want = table.find_linear(&req, &scope).map(|e| e.route_index());
                assert_eq!(table.find(&req, &scope).map(|e| e.route_index()), want);
                g.bench_with_input(BenchmarkId::new(format!("indexed/{label}"), n), &n, |b, _| {
                    b.iter(|| black_box(table.find(black_box(&req), &scope)).map(|e| e.route_index()))
                });
                if n <= 1_000 || label != "first" {
                    g.bench_with_input(BenchmarkId::new(format!("linear/{label}"), n), &n, |b, _| {
                        b.iter(|| {
                            black_box(table.find_linear(black_box(&req), &scope)).map(|e| e.route_index())
                        })
                    });
                }
            }
        }
        g.finish();
    }
}

fn bench_hosts(c: &mut Criterion) {
    let mut yaml = String::new();
    for i in 0..10_000 {
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: svc{i}, namespace: default}}\nspec: {{ports: [{{name: http, port: 80}}]}}\n---\n\
             apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {{name: svc{i}, namespace: default}}\n\
             spec:\n  hosts: [svc{i}]\n  http:\n  - match: [{{uri: {{prefix: /a}}}}]\n    route: [{{destination: {{host: svc{i}, subset: a}}}}]\n  - route: [{{destination: {{host: svc{i}}}}}]\n---\n"
        ));
    }
    let loaded = load_str(&yaml, &LoadOptions::default());
    let snap = Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
    let router = Router::compile(&snap);
    let mut g = c.benchmark_group("route_hosts");
    for (label, host) in
        [("first", "svc0"), ("last", "svc9999"), ("fqdn", "svc5000.default.svc.cluster.local")]
    {
        let req = RouteRequest::http(host, 80, "GET", "/b");
        assert_eq!(router.route(&req).action, mesh_routing::Action::Forward);
        g.bench_function(BenchmarkId::new("route", label), |b| {
            b.iter(|| black_box(router.route(black_box(&req))).action)
        });
    }
    g.finish();
}

criterion_group!(benches, bench_tables, bench_hosts);
criterion_main!(benches);
