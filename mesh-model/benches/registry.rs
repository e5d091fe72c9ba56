//! The service registry at scale: a full build from 10,000 Services with 100,000 endpoints,
//! one endpoint change applied incrementally (against the full rebuild it replaces), and host
//! resolution (against a linear scan). `endpoint_change_5k_service` applies the same change
//! to one Service of 5,000 endpoints in 50 EndpointSlices, where re-deriving the service
//! walks all of its endpoints.
//!
//! Run: `cargo bench -p mesh-model --bench registry -- --warm-up-time 1 --measurement-time 3`.
//! The `memory` line printed first is the peak-RSS growth of one full build, and the RSS
//! growth still held once it is done (Linux only).

use std::cell::Cell;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mesh_model::Resource;
use mesh_model::kube::{
    Endpoint, EndpointConditions, EndpointPort, EndpointSlice, IntOrString, Node, ObjectReference, Pod,
    PodSpec, PodStatus, Service, ServicePort, ServiceSpec,
};
use mesh_model::meta::ObjectMeta;
use mesh_model::registry::{Event, Registry, RegistryOptions};

const SERVICES: usize = 10_000;
const PER_SERVICE: usize = 10;
const NAMESPACES: usize = 20;
const NODES: usize = 200;

fn meta(name: String, ns: Option<String>, labels: &[(&str, String)]) -> ObjectMeta {
    ObjectMeta {
        name: Some(name),
        namespace: ns,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        ..Default::default()
    }
}

fn ip(i: usize) -> String {
    format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255)
}

fn slice(s: usize, ns: &str, ready_flip: Option<usize>) -> EndpointSlice {
    EndpointSlice {
        api_version: "discovery.k8s.io/v1".into(),
        kind: "EndpointSlice".into(),
        metadata: meta(
            format!("svc-{s}-abc"),
            Some(ns.into()),
            &[("kubernetes.io/service-name", format!("svc-{s}"))],
        ),
        address_type: "IPv4".into(),
        ports: vec![EndpointPort { name: Some("http".into()), port: Some(8080), ..Default::default() }],
        endpoints: (0..PER_SERVICE)
            .map(|j| {
                let p = s * PER_SERVICE + j;
                Endpoint {
                    addresses: vec![ip(p)],
                    conditions: Some(EndpointConditions {
                        ready: Some(ready_flip != Some(j)),
                        serving: Some(true),
                        terminating: Some(false),
                    }),
                    target_ref: Some(ObjectReference {
                        kind: Some("Pod".into()),
                        namespace: Some(ns.into()),
                        name: Some(format!("pod-{p}")),
                        uid: None,
                    }),
                    node_name: Some(format!("node-{}", p % NODES)),
                    ..Default::default()
                }
            })
            .collect(),
    }
}

/// Nodes, then per service: the Service, its pods, its EndpointSlice.
fn cluster() -> Vec<Resource> {
    let mut out = Vec::with_capacity(NODES + SERVICES * (PER_SERVICE + 2));
    for n in 0..NODES {
        out.push(Resource::Node(Node {
            api_version: "v1".into(),
            kind: "Node".into(),
            metadata: meta(
                format!("node-{n}"),
                None,
                &[
                    ("topology.kubernetes.io/region", format!("region-{}", n % 3)),
                    ("topology.kubernetes.io/zone", format!("zone-{}", n % 9)),
                ],
            ),
            ..Default::default()
        }));
    }
    for s in 0..SERVICES {
        let ns = format!("ns-{}", s % NAMESPACES);
        out.push(Resource::Service(Service {
            api_version: "v1".into(),
            kind: "Service".into(),
            metadata: meta(format!("svc-{s}"), Some(ns.clone()), &[]),
            spec: ServiceSpec {
                selector: [("app".to_string(), format!("svc-{s}"))].into(),
                cluster_ip: Some(format!("172.{}.{}.{}", 16 + (s >> 16), (s >> 8) & 255, s & 255)),
                ports: vec![ServicePort {
                    name: Some("http".into()),
                    port: 80,
                    target_port: Some(IntOrString::String("http".into())),
                    ..Default::default()
                }],
                ..Default::default()
            },
            status: None,
        }));
        for j in 0..PER_SERVICE {
            let p = s * PER_SERVICE + j;
            out.push(Resource::Pod(Pod {
                api_version: "v1".into(),
                kind: "Pod".into(),
                metadata: meta(
                    format!("pod-{p}"),
                    Some(ns.clone()),
                    &[("app", format!("svc-{s}")), ("version", format!("v{}", j % 3))],
                ),
                spec: PodSpec {
                    service_account_name: Some(format!("sa-{s}")),
                    node_name: Some(format!("node-{}", p % NODES)),
                    ..Default::default()
                },
                status: Some(PodStatus { pod_ip: Some(ip(p)), ..Default::default() }),
            }));
        }
        out.push(Resource::EndpointSlice(slice(s, &ns, None)));
    }
    out
}

/// A `/proc/self/status` figure in KiB (`VmHWM`, `VmRSS`).
fn vm_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn report_memory() {
    let input = cluster();
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let (hwm_before, rss_before) = (vm_kib("VmHWM:"), vm_kib("VmRSS:"));
    let reg = Registry::build(RegistryOptions::default(), input);
    let (hwm_after, rss_after) = (vm_kib("VmHWM:"), vm_kib("VmRSS:"));
    if let (Some(hb), Some(ha), Some(rb), Some(ra)) = (hwm_before, hwm_after, rss_before, rss_after) {
        let endpoints = (SERVICES * PER_SERVICE) as u64;
        eprintln!(
            "memory: full build of {} services / {endpoints} endpoints: peak RSS +{} MiB \
             ({} B/endpoint), RSS held after the build +{} MiB",
            reg.len(),
            ha.saturating_sub(hb) / 1024,
            ha.saturating_sub(hb) * 1024 / endpoints,
            ra.saturating_sub(rb) / 1024,
        );
    }
    black_box(reg);
}

const BIG_SLICES: usize = 50;
const BIG_PER_SLICE: usize = 100;

/// One Service `big` in `ns-big` with 5,000 pods in 50 EndpointSlices `big-0`..`big-49`.
fn big_service_slice(k: usize, ready_flip: Option<usize>) -> EndpointSlice {
    EndpointSlice {
        api_version: "discovery.k8s.io/v1".into(),
        kind: "EndpointSlice".into(),
        metadata: meta(
            format!("big-{k}"),
            Some("ns-big".into()),
            &[("kubernetes.io/service-name", "big".into())],
        ),
        address_type: "IPv4".into(),
        ports: vec![EndpointPort { name: Some("http".into()), port: Some(8080), ..Default::default() }],
        endpoints: (0..BIG_PER_SLICE)
            .map(|j| {
                let p = k * BIG_PER_SLICE + j;
                Endpoint {
                    addresses: vec![ip(p)],
                    conditions: Some(EndpointConditions {
                        ready: Some(ready_flip != Some(j)),
                        ..Default::default()
                    }),
                    target_ref: Some(ObjectReference {
                        kind: Some("Pod".into()),
                        namespace: Some("ns-big".into()),
                        name: Some(format!("big-pod-{p}")),
                        uid: None,
                    }),
                    ..Default::default()
                }
            })
            .collect(),
    }
}

fn big_service() -> Vec<Resource> {
    let mut out = vec![Resource::Service(Service {
        api_version: "v1".into(),
        kind: "Service".into(),
        metadata: meta("big".into(), Some("ns-big".into()), &[]),
        spec: ServiceSpec {
            selector: [("app".to_string(), "big".to_string())].into(),
            cluster_ip: Some("172.31.0.1".into()),
            ports: vec![ServicePort { name: Some("http".into()), port: 80, ..Default::default() }],
            ..Default::default()
        },
        status: None,
    })];
    for p in 0..BIG_SLICES * BIG_PER_SLICE {
        out.push(Resource::Pod(Pod {
            api_version: "v1".into(),
            kind: "Pod".into(),
            metadata: meta(format!("big-pod-{p}"), Some("ns-big".into()), &[("app", "big".into())]),
            spec: PodSpec { service_account_name: Some("big".into()), ..Default::default() },
            status: Some(PodStatus { pod_ip: Some(ip(p)), ..Default::default() }),
        }));
    }
    out.extend((0..BIG_SLICES).map(|k| Resource::EndpointSlice(big_service_slice(k, None))));
    out
}

fn benches(c: &mut Criterion) {
    report_memory();
    let input = cluster();

    let mut g = c.benchmark_group("registry_build");
    g.sample_size(10);
    g.bench_function("build_10k_services_100k_endpoints", |b| {
        b.iter_batched(
            || input.clone(),
            |i| Registry::build(RegistryOptions::default(), i),
            BatchSize::PerIteration,
        )
    });
    g.finish();

    let mut reg = Registry::build(RegistryOptions::default(), input.clone());
    let mut g = c.benchmark_group("registry_apply");
    // One endpoint of one slice flips between ready and not ready.
    let versions = [slice(4321, "ns-1", None), slice(4321, "ns-1", Some(3))];
    let flip = Cell::new(0usize);
    g.bench_function("endpoint_change", |b| {
        b.iter_batched(
            || {
                flip.set(flip.get() + 1);
                Event::Upsert(Resource::EndpointSlice(versions[flip.get() % 2].clone()))
            },
            |ev| black_box(reg.apply(ev)),
            BatchSize::SmallInput,
        )
    });
    // A pod's labels change (its endpoints' labels follow).
    let pod = input
        .iter()
        .find(|r| matches!(r, Resource::Pod(p) if p.metadata.name() == "pod-43210"))
        .cloned()
        .unwrap_or_else(|| panic!("the cluster has pod-43210"));
    let mut relabelled = pod.clone();
    relabelled.meta_mut().labels.insert("track".into(), "canary".into());
    let pods = [pod, relabelled];
    g.bench_function("pod_label_change", |b| {
        b.iter_batched(
            || {
                flip.set(flip.get() + 1);
                Event::Upsert(pods[flip.get() % 2].clone())
            },
            |ev| black_box(reg.apply(ev)),
            BatchSize::SmallInput,
        )
    });
    // One endpoint of one of the 50 slices of a 5,000-endpoint Service flips.
    let mut big = Registry::build(RegistryOptions::default(), big_service());
    let versions = [big_service_slice(25, None), big_service_slice(25, Some(42))];
    g.bench_function("endpoint_change_5k_service", |b| {
        b.iter_batched(
            || {
                flip.set(flip.get() + 1);
                Event::Upsert(Resource::EndpointSlice(versions[flip.get() % 2].clone()))
            },
            |ev| black_box(big.apply(ev)),
            BatchSize::SmallInput,
        )
    });
    g.finish();

    let mut g = c.benchmark_group("registry_resolve");
    g.bench_function("resolve_fqdn", |b| {
        b.iter(|| black_box(reg.resolve(black_box("svc-4321.ns-1.svc.cluster.local"), "ns-1")))
    });
    g.bench_function("resolve_short_name", |b| {
        b.iter(|| black_box(reg.resolve(black_box("svc-4321"), "ns-1")))
    });
    g.bench_function("baseline_linear_scan", |b| {
        b.iter(|| {
            black_box(reg.services().find(|s| s.hostname == black_box("svc-4321.ns-1.svc.cluster.local")))
        })
    });
    g.finish();
}

criterion_group!(registry, benches);
criterion_main!(registry);
