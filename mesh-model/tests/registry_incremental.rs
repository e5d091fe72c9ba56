//! Incremental updates agree with a full build: any sequence of add/update/delete events
//! gives the same registry as building from the objects that remain.

use std::collections::BTreeMap;

use mesh_model::registry::{Event, Registry, RegistryOptions};
use mesh_model::{Kind, Resource};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::{Value, json};

const NAMESPACES: [&str; 2] = ["a", "b"];
const IPS: [&str; 4] = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"];
const TIMES: [&str; 3] = ["2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", "2021-01-01T00:00:00Z"];
const HOSTS: [&str; 4] =
    ["api.example.com", "*.example.com", "s0.a.svc.cluster.local", "*.svc.cluster.local"];

fn typed<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap_or_else(|e| panic!("the generator writes valid objects: {e}"))
}

fn meta(name: String, ns: Option<&str>, ts: usize, labels: Value) -> Value {
    let mut m = json!({"name": name, "labels": labels, "creationTimestamp": TIMES[ts % TIMES.len()]});
    if let Some(ns) = ns {
        m["namespace"] = json!(ns);
    }
    m
}

fn app(i: usize) -> Value {
    match i % 3 {
        0 => json!({"app": "x"}),
        1 => json!({"app": "y", "istio-locality": "r9.z9"}),
        _ => json!({"app": "x", "topology.istio.io/network": "nw-1", "version": "v2"}),
    }
}

/// IngressClass names: two that may exist, one that never does.
const CLASSES: [&str; 3] = ["istio", "nginx", "missing"];

/// One object of a small universe, so that events collide and depend on each other.
fn object() -> impl Strategy<Value = Resource> {
    let pick = (0usize..4, 0usize..2, 0usize..8, 0usize..8, 0usize..8);
    (0usize..11, pick).prop_map(|(kind, (i, ns_i, a, b, c))| {
        let ns = NAMESPACES[ns_i];
        match kind {
            0 => Resource::Namespace(typed(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": meta("istio-system".into(), None, 0,
                    if a % 2 == 0 { json!({"topology.istio.io/network": format!("nw-{b}")}) } else { json!({}) })}))),
            1 => Resource::Node(typed(json!({"apiVersion": "v1", "kind": "Node",
                "metadata": meta(format!("n{}", i % 2), None, 0, json!({
                    "topology.kubernetes.io/region": format!("r{a}"),
                    "topology.kubernetes.io/zone": format!("z{b}")}))}))),
            2 => Resource::Pod(typed(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": meta(format!("p{i}"), Some(ns), 0, app(a)),
                "spec": {"serviceAccountName": format!("sa{b}"), "nodeName": format!("n{}", c % 3),
                         "containers": [{"name": "c", "ports": [{"name": "web", "containerPort": 8000 + b}]}]},
                "status": {"podIP": IPS[c % 4], "conditions": [{"type": "Ready", "status": if a % 2 == 0 {"True"} else {"False"}}]}}))),
            3 => {
                let mut spec = json!({
                    "ports": [{"name": "http", "port": 80, "targetPort": if b % 2 == 0 { json!(8080) } else { json!("web") }},
                              {"name": "tcp-x", "port": 90 + c}],
                    "clusterIP": if a % 4 == 3 { "None".to_string() } else { format!("10.96.0.{}", a % 3) }});
                if b % 3 != 2 {
                    spec["selector"] = app(b);
                }
                if c % 5 == 4 {
                    spec = json!({"type": "ExternalName", "externalName": "ext.example.com", "ports": [{"port": 80}]});
                }
                Resource::Service(typed(json!({"apiVersion": "v1", "kind": "Service",
                    "metadata": meta(format!("s{}", i % 3), Some(ns), a, json!({})), "spec": spec})))
            }
            4 | 5 => {
                let endpoints: Vec<Value> = (0..(a % 3) + 1)
                    .map(|j| {
                        let mut e = json!({"addresses": [IPS[(b + j) % 4]],
                            "conditions": {"ready": (c + j) % 3 != 0, "terminating": (c + j) % 2 == 0}});
                        if (b + j) % 3 != 0 {
                            e["targetRef"] = json!({"kind": "Pod", "namespace": ns, "name": format!("p{}", (c + j) % 4)});
                        }
                        e
                    })
                    .collect();
                Resource::EndpointSlice(typed(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": meta(format!("e{i}"), Some(ns), 0, json!({"kubernetes.io/service-name": format!("s{}", b % 3)})),
                    "addressType": "IPv4",
                    "ports": [{"name": "http", "port": 8080 + a}, {"name": "tcp-x", "port": 9000}],
                    "endpoints": endpoints})))
            }
            6 => {
                let mut spec = json!({"hosts": [HOSTS[a % 4], HOSTS[(a + b) % 4]],
                    "ports": [{"number": 80, "name": "http", "protocol": "HTTP"}, {"number": 443, "name": "web", "targetPort": 8443}],
                    "addresses": if c % 2 == 0 { json!(["192.168.0.1/32"]) } else { json!([]) },
                    "location": if b % 2 == 0 { "MESH_INTERNAL" } else { "MESH_EXTERNAL" },
                    "resolution": (["STATIC", "DNS", "NONE"][c % 3]),
                    "exportTo": if a % 3 == 0 { json!(["."]) } else { json!([]) }});
                if b % 2 == 0 {
                    spec["workloadSelector"] = json!({"labels": app(c)});
                } else if c % 3 == 0 {
                    spec["endpoints"] = json!([{"address": IPS[a % 4], "ports": {"web": 9443}, "locality": "r1/z1"}]);
                }
                Resource::ServiceEntry(typed(json!({"apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
                    "metadata": meta(format!("se{}", i % 2), Some(ns), b, json!({})), "spec": spec})))
            }
            7 => Resource::WorkloadEntry(typed(json!({"apiVersion": "networking.istio.io/v1", "kind": "WorkloadEntry",
                "metadata": meta(format!("w{}", i % 3), Some(ns), 0, if c % 2 == 0 { json!({}) } else { app(c) }),
                "spec": {"address": if a % 4 == 3 { "vm.example.com" } else { IPS[a % 4] }, "labels": app(b),
                         "ports": {"http": 18080, "web": 18000}, "weight": c}}))),
            8 => Resource::WorkloadGroup(typed(json!({"apiVersion": "networking.istio.io/v1", "kind": "WorkloadGroup",
                "metadata": meta(format!("g{}", i % 2), Some(ns), 0, json!({})),
                "spec": {"template": {"serviceAccount": format!("sa{a}"), "labels": app(b)}}}))),
            9 => {
                // The class by annotation, or by ingressClassName naming an IngressClass that
                // may exist with Istio's controller or another, or may not exist.
                let mut m = meta(format!("i{}", i % 2), Some(ns), b, json!({}));
                let mut spec = json!({"tls": [{"hosts": ["shop.example.com"], "secretName": "cert"}]});
                match a % 4 {
                    0 => m["annotations"] = json!({"kubernetes.io/ingress.class": "nginx"}),
                    1 => m["annotations"] = json!({"kubernetes.io/ingress.class": "istio"}),
                    _ => spec["ingressClassName"] = json!(CLASSES[(a + c) % 3]),
                }
                let port = if c % 2 == 0 { json!({"number": 80}) } else { json!({"name": "http"}) };
                spec["rules"] = json!([{"host": (["shop.example.com", "", "api.example.com"][b % 3]),
                                        "http": {"paths": [{"path": format!("/p{c}"), "pathType": "Prefix",
                                                            "backend": {"service": {"name": format!("s{}", a % 3), "port": port}}}]}}]);
                Resource::Ingress(typed(json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": m, "spec": spec})))
            }
            _ => Resource::IngressClass(typed(json!({"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
                "metadata": meta(CLASSES[i % 2].to_string(), None, 0, json!({})),
                "spec": {"controller": if a % 2 == 0 { "istio.io/ingress-controller" } else { "k8s.io/ingress-nginx" }}}))),
        }
    })
}

#[derive(Debug, Clone)]
enum Op {
    Put(Box<Resource>),
    Delete(usize),
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(
        prop_oneof![4 => object().prop_map(|r| Op::Put(Box::new(r))), 1 => (0usize..64).prop_map(Op::Delete)],
        1..40,
    )
}

type Key = (Kind, String, String);

fn key(r: &Resource) -> Key {
    (r.kind(), r.namespace().to_string(), r.name().to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn any_event_sequence_equals_a_full_build(ops in ops()) {
        let options = RegistryOptions::default();
        let mut incremental = Registry::new(options.clone());
        let mut live: BTreeMap<Key, Resource> = BTreeMap::new();
        for op in ops {
            match op {
                Op::Put(r) => {
                    live.insert(key(&r), (*r).clone());
                    incremental.apply(Event::Upsert(*r));
                }
                Op::Delete(i) => {
                    if live.is_empty() {
                        continue;
                    }
                    let k = live.keys().nth(i % live.len()).cloned().expect("non-empty");
                    let r = live.remove(&k).expect("present");
                    incremental.apply(Event::delete(&r));
                }
            }
        }
        let full = Registry::build(options, live.into_values());
        prop_assert!(incremental == full, "incremental:\n{incremental:#?}\nfull:\n{full:#?}");
    }
}

#[test]
fn deleting_everything_leaves_an_empty_registry() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut reg = Registry::default();
    let mut all = Vec::new();
    for _ in 0..60 {
        let r = object().new_tree(&mut runner).expect("generates").current();
        all.push(r.clone());
        reg.apply(Event::Upsert(r));
    }
    for r in &all {
        reg.apply(Event::delete(r));
    }
    assert!(reg == Registry::default(), "{reg:#?}");
    assert!(reg.is_empty());
}

/// One EndpointSlice of Service `s0` in `a`, or a pod it may reference: a universe where
/// most events update slices in place (health, ports, targets, duplicates across slices).
fn slice_event() -> impl Strategy<Value = Resource> {
    let endpoint = (0usize..6, 0usize..4, 0usize..4);
    (0usize..8, 0usize..3, prop::collection::vec(endpoint, 0..5), 0usize..6).prop_map(|(kind, slice, eps, x)| {
        if kind == 0 {
            return Resource::Pod(typed(json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": meta(format!("p{slice}{}", x % 2), Some("a"), 0, json!({"app": "x", "v": format!("{x}")})),
                "spec": {"serviceAccountName": "sa", "nodeName": "n1"},
                "status": {"podIP": IPS[x % 4]}})));
        }
        let endpoints: Vec<Value> = eps
            .iter()
            .map(|&(target, ip, cond)| {
                let mut e = json!({"addresses": [IPS[ip]], "conditions": {"ready": cond % 2 == 0, "serving": cond < 2, "terminating": cond % 3 == 0}});
                if target < 5 {
                    e["targetRef"] = json!({"kind": "Pod", "namespace": "a", "name": format!("p{}{}", target % 3, target % 2)});
                }
                e
            })
            .collect();
        let mut labels = json!({"kubernetes.io/service-name": if x == 5 { "s1" } else { "s0" }});
        if x == 4 {
            labels["multicluster.kubernetes.io/service-name"] = json!("s0");
        }
        let ports = match x % 3 {
            0 => json!([{"name": "http", "port": 8080 + kind}]),
            1 => json!([{"name": "http", "port": 8080}, {"name": "tcp-x", "port": 9000}]),
            _ => json!([{"name": "tcp-x", "port": 9000 + kind}]),
        };
        Resource::EndpointSlice(typed(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": meta(format!("e{slice}"), Some("a"), 0, labels),
            "addressType": if x == 3 && kind == 1 { "FQDN" } else { "IPv4" },
            "ports": ports, "endpoints": endpoints})))
    })
}

fn service(name: &str) -> Resource {
    Resource::Service(typed(json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": "a", "labels": {"istio.io/persistent-session": "s"}},
        "spec": {"clusterIP": "10.96.0.9", "selector": {"app": "x"}, "ports": [{"name": "http", "port": 80}, {"name": "tcp-x", "port": 90}]}})))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Slice updates re-derive one slice's endpoints in place when its (address, port) pairs
    /// stay the same, else the whole service; either way the result is a full build's.
    #[test]
    fn slice_updates_in_place_equal_a_full_build(events in prop::collection::vec(slice_event(), 1..30)) {
        let options = RegistryOptions::default();
        let mut live: BTreeMap<Key, Resource> = BTreeMap::new();
        let mut incremental = Registry::new(options.clone());
        for svc in [service("s0"), service("s1")] {
            live.insert(key(&svc), svc.clone());
            incremental.apply(Event::Upsert(svc));
        }
        for r in events {
            live.insert(key(&r), r.clone());
            incremental.apply(Event::Upsert(r));
            let full = Registry::build(options.clone(), live.values().cloned());
            prop_assert!(incremental == full, "incremental:\n{incremental:#?}\nfull:\n{full:#?}");
        }
    }
}
