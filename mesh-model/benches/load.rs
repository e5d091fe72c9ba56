//! Load + validate 10,000 mixed resources (about 2 MB of YAML), beside a plain
//! `serde_yaml_ng` parse of the same bytes into `serde_json::Value` as the baseline.
//!
//! Also prints the peak memory (growth of the process's peak RSS) of one run of each.

use criterion::{Criterion, Throughput, criterion_group};
use mesh_model::load::{LoadOptions, load_str};
use mesh_model::validate;

const TEMPLATES: &[&str] = &[
    "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews-{i}
  namespace: ns-{n}
spec:
  hosts:
  - reviews-{i}
  http:
  - name: jason
    match:
    - headers:
        end-user:
          exact: jason
      uri:
        prefix: /api/v{n}
    route:
    - destination:
        host: reviews-{i}
        subset: v2
    timeout: 10s
  - route:
    - destination:
        host: reviews-{i}
        subset: v1
      weight: 90
    - destination:
        host: reviews-{i}
        subset: v3
      weight: 10
",
    "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: reviews-{i}
  namespace: ns-{n}
spec:
  host: reviews-{i}
  trafficPolicy:
    loadBalancer:
      simple: LEAST_REQUEST
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
",
    "apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gateway-{i}
  namespace: ns-{n}
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 443
      name: https-{i}
      protocol: HTTPS
    hosts:
    - \"app-{i}.example.com\"
    tls:
      mode: SIMPLE
      credentialName: cert-{i}
",
    "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-{i}
  namespace: ns-{n}
spec:
  hosts:
  - api-{i}.example.com
  ports:
  - number: 443
    name: https
    protocol: TLS
  resolution: DNS
  location: MESH_EXTERNAL
",
    "apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: allow-{i}
  namespace: ns-{n}
spec:
  selector:
    matchLabels:
      app: reviews-{i}
  action: ALLOW
  rules:
  - from:
    - source:
        principals: [\"cluster.local/ns/ns-{n}/sa/productpage\"]
    to:
    - operation:
        methods: [\"GET\"]
        paths: [\"/reviews/*\"]
",
    "apiVersion: v1
kind: Service
metadata:
  name: reviews-{i}
  namespace: ns-{n}
  labels:
    app: reviews-{i}
spec:
  selector:
    app: reviews-{i}
  ports:
  - name: http
    port: 9080
    targetPort: 9080
",
    "apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata:
  name: strict-{i}
  namespace: ns-{n}
spec:
  selector:
    matchLabels:
      app: reviews-{i}
  mtls:
    mode: STRICT
  portLevelMtls:
    9080:
      mode: PERMISSIVE
",
];

/// How many resources the benchmark loads.
const COUNT: usize = 10_000;

/// 10,000 resources cycling through the templates, as one multi-document YAML string.
fn mixed_yaml(count: usize) -> String {
    let mut out = String::new();
    for i in 0..count {
        let t = TEMPLATES[i % TEMPLATES.len()];
        out.push_str(&t.replace("{i}", &i.to_string()).replace("{n}", &(i % 50).to_string()));
        out.push_str("---\n");
    }
    out
}

fn load_and_validate(yaml: &str) -> usize {
    let out = load_str(yaml, &LoadOptions::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors.first());
    out.resources.iter().map(|r| validate(&r.resource).len()).sum::<usize>() + out.resources.len()
}

/// The baseline: every document parsed into a `serde_json::Value` and kept, as a caller that
/// holds the config would.
fn untyped(yaml: &str) -> usize {
    let docs: Vec<serde_json::Value> = serde_yaml_ng::Deserializer::from_str(yaml)
        .filter_map(|d| <serde_json::Value as serde::Deserialize>::deserialize(d).ok())
        .collect();
    docs.iter().filter(|v| v.is_object()).count()
}

/// Peak RSS (VmHWM) growth in KiB while `f` runs, from a fresh process so that memory freed
/// by an earlier run cannot be reused unseen; Linux only.
fn peak_kib(which: &str) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe).env("MESHKIT_BENCH_PEAK", which).output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

fn vm_hwm_kib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// In the child process: run one load and print the peak RSS growth over the input alone.
fn child(which: &str) {
    let yaml = mixed_yaml(COUNT);
    let before = vm_hwm_kib().unwrap_or(0.0);
    let n = if which == "typed" { load_and_validate(&yaml) } else { untyped(&yaml) };
    let after = vm_hwm_kib().unwrap_or(0.0);
    std::hint::black_box(n);
    println!("{}", after - before);
}

fn bench(c: &mut Criterion) {
    let yaml = mixed_yaml(COUNT);
    let mb = yaml.len() as f64 / 1e6;
    if let (Some(typed), Some(plain)) = (peak_kib("typed"), peak_kib("untyped")) {
        eprintln!(
            "peak memory over the input ({mb:.2} MB of YAML): typed load+validate +{:.1} MiB, serde_yaml_ng Value +{:.1} MiB",
            typed / 1024.0,
            plain / 1024.0
        );
    }
    let mut g = c.benchmark_group("load_validate");
    g.throughput(Throughput::Bytes(yaml.len() as u64));
    g.sample_size(20);
    g.bench_function("meshkit_typed_load_validate", |b| b.iter(|| load_and_validate(&yaml)));
    g.bench_function("meshkit_typed_load", |b| {
        b.iter(|| load_str(&yaml, &LoadOptions::default()).resources.len())
    });
    g.bench_function("baseline_serde_yaml_ng_value", |b| b.iter(|| untyped(&yaml)));
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    // The bench re-runs itself to measure one load's peak memory in a fresh process.
    #[allow(clippy::disallowed_methods)]
    if let Ok(which) = std::env::var("MESHKIT_BENCH_PEAK") {
        child(&which);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
