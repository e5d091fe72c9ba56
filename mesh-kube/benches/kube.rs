//! Benchmarks of the per-request paths: trace-context parsing and metric labels, and the
//! per-pod paths: iptables rendering and injection. Each group has a naive baseline where
//! one makes sense.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mesh_kube::capture::{CaptureConfig, iptables, nftables};
use mesh_kube::inject::{InjectValues, diff, inject_pod};
use mesh_kube::metrics::{RequestRecord, labels};
use mesh_kube::trace_context::{parse_b3_single, parse_traceparent};
use serde_json::json;

fn trace_context(c: &mut Criterion) {
    let mut g = c.benchmark_group("trace_context_parse");
    let tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    g.bench_function("traceparent", |b| b.iter(|| parse_traceparent(black_box(tp)).unwrap()));
    // Baseline: a split-and-parse without validation.
    g.bench_function("naive_split", |b| {
        b.iter(|| {
            let parts: Vec<&str> = black_box(tp).split('-').collect();
            (u128::from_str_radix(parts[1], 16).unwrap(), u64::from_str_radix(parts[2], 16).unwrap())
        })
    });
    let b3 = "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90";
    g.bench_function("b3_single", |b| b.iter(|| parse_b3_single(black_box(b3)).unwrap()));
    g.finish();
}

fn metric_labels(c: &mut Criterion) {
    let r = RequestRecord::default();
    c.bench_function("metric_labels", |b| b.iter(|| labels(black_box(&r))));
}

fn capture(c: &mut Criterion) {
    let cfg = CaptureConfig {
        inbound_ports_include: "*".into(),
        outbound_ip_ranges_include: "*".into(),
        enable_ipv6: true,
        ..CaptureConfig::default()
    };
    let mut g = c.benchmark_group("capture_render");
    g.bench_function("iptables", |b| b.iter(|| iptables::render(black_box(&cfg)).unwrap()));
    g.bench_function("nftables", |b| b.iter(|| nftables::render(black_box(&cfg)).unwrap()));
    g.finish();
}

fn inject(c: &mut Criterion) {
    let pod = json!({"metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "web:1", "ports": [{"containerPort": 8080}]}]}});
    let values = InjectValues::default();
    let mut g = c.benchmark_group("inject_pod");
    g.bench_function("inject_and_diff", |b| {
        b.iter(|| {
            let out = inject_pod(black_box(&pod), &values).unwrap();
            diff(&pod, &out)
        })
    });
    // Baseline: cloning the pod, the floor of any JSON-to-JSON transformation.
    g.bench_function("clone_baseline", |b| b.iter(|| black_box(&pod).clone()));
    g.finish();
}

criterion_group!(benches, trace_context, metric_labels, capture, inject);
criterion_main!(benches);
