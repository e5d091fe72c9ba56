use serde_json::json;

use super::*;

fn tel(ns: &str, name: &str, spec: serde_json::Value) -> Telemetry {
    serde_json::from_value(json!({
        "apiVersion": "telemetry.istio.io/v1", "kind": "Telemetry",
        "metadata": {"name": name, "namespace": ns}, "spec": spec
    }))
    .unwrap()
}

fn mesh(default_tracing: &[&str]) -> MeshConfig {
    let mut m: MeshConfig = serde_json::from_value(json!({})).unwrap();
    if !default_tracing.is_empty() {
        m.default_providers = Some(mesh_model::mesh_config::DefaultProviders {
            tracing: default_tracing.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        });
    }
    m
}

fn sidecar() -> Workload {
    Workload {
        namespace: "default".into(),
        labels: [("app".to_string(), "test".to_string())].into(),
        ..Workload::default()
    }
}

fn tracing_of(
    tels: Vec<Telemetry>,
    defaults: &[&str],
) -> Option<(Option<String>, bool, Option<String>, bool)> {
    let idx = TelemetryIndex::from_parts(tels, mesh(defaults));
    idx.resolve(&sidecar())
        .tracing
        .map(|t| (t.client.provider, t.client.disabled, t.server.provider, t.server.disabled))
}

// istio pilot/pkg/model/telemetry_test.go TestTracing.
#[test]
fn tracing_matches_istio_table() {
    let envoy = || json!({"tracing": [{"providers": [{"name": "envoy"}]}]});
    let sd = || json!({"tracing": [{"providers": [{"name": "stackdriver"}]}]});
    let s = |v: &str| Some(v.to_string());
    assert_eq!(tracing_of(vec![], &[]), None, "empty");
    assert_eq!(
        tracing_of(vec![], &["envoy"]),
        Some((s("envoy"), false, s("envoy"), false)),
        "default provider only"
    );
    assert_eq!(
        tracing_of(vec![tel("istio-system", "default", envoy())], &[]),
        Some((s("envoy"), false, s("envoy"), false)),
        "provider only"
    );
    assert_eq!(
        tracing_of(vec![tel("istio-system", "default", envoy())], &["stackdriver"]),
        Some((s("envoy"), false, s("envoy"), false)),
        "override default"
    );
    assert_eq!(
        tracing_of(vec![tel("istio-system", "default", envoy()), tel("default", "default", sd())], &[]),
        Some((s("stackdriver"), false, s("stackdriver"), false)),
        "override namespace"
    );
    assert_eq!(
        tracing_of(
            vec![
                tel("istio-system", "default", envoy()),
                tel("default", "default", json!({"tracing": [{}]}))
            ],
            &[]
        ),
        Some((s("envoy"), false, s("envoy"), false)),
        "empty config inherits"
    );
    let disabled = || json!({"tracing": [{"disableSpanReporting": true}]});
    assert_eq!(
        tracing_of(vec![tel("istio-system", "default", envoy()), tel("default", "default", disabled())], &[]),
        Some((s("envoy"), true, s("envoy"), true)),
        "disable config"
    );
    assert_eq!(
        tracing_of(vec![tel("default", "default", disabled())], &["envoy"]),
        Some((s("envoy"), true, s("envoy"), true)),
        "disable default"
    );
    assert_eq!(
        tracing_of(
            vec![tel(
                "default",
                "default",
                json!({"tracing": [{"providers": [{"name": "custom-provider"}]}]})
            )],
            &["envoy"]
        ),
        Some((None, true, None, true)),
        "non existing"
    );
    let client_only = json!({"tracing": [{"match": {"mode": "CLIENT"}, "providers": [{"name": "stackdriver"}], "randomSamplingPercentage": 99.9}]});
    assert_eq!(
        tracing_of(
            vec![tel("istio-system", "default", envoy()), tel("default", "default", client_only)],
            &["envoy"]
        ),
        Some((s("stackdriver"), false, s("envoy"), false)),
        "client-only override"
    );
    let server_off = json!({"tracing": [{"match": {"mode": "SERVER"}, "disableSpanReporting": true}]});
    assert_eq!(
        tracing_of(
            vec![tel("istio-system", "default", envoy()), tel("default", "default", server_off)],
            &["envoy"]
        ),
        Some((s("envoy"), false, s("envoy"), true)),
        "server-only override"
    );
}

// TestTracing "multi overrides": the namespace's sampling, tags and flags replace the root's.
#[test]
fn tracing_overrides_are_shallow() {
    let a = json!({"tracing": [{"randomSamplingPercentage": 50.0, "customTags": {"foo": {}, "bar": {}},
        "useRequestIdForTraceSampling": false, "enableIstioTags": false}]});
    let b = json!({"tracing": [{"randomSamplingPercentage": 80.0, "customTags": {"foo": {}, "baz": {}},
        "useRequestIdForTraceSampling": true, "enableIstioTags": true}]});
    let idx = TelemetryIndex::from_parts(
        vec![tel("istio-system", "default", a), tel("default", "default", b)],
        mesh(&["envoy"]),
    );
    let t = idx.resolve(&sidecar()).tracing.unwrap();
    assert_eq!(t.client.random_sampling_percentage, Some(80.0));
    assert_eq!(t.client.custom_tags.keys().collect::<Vec<_>>(), ["baz", "foo"]);
    assert!(t.client.use_request_id_for_trace_sampling && t.client.enable_istio_tags);
}

#[test]
fn selection_order_and_target_refs() {
    let tels = vec![
        tel("istio-system", "mesh", json!({})),
        tel("default", "ns", json!({})),
        tel("default", "ns2", json!({})),
        tel("default", "sel", json!({"selector": {"matchLabels": {"app": "test"}}})),
        tel("default", "other", json!({"selector": {"matchLabels": {"app": "nope"}}})),
        tel(
            "default",
            "gw",
            json!({"targetRefs": [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "gw"}]}),
        ),
    ];
    let idx = TelemetryIndex::from_parts(tels, mesh(&[]));
    assert_eq!(idx.resolve(&sidecar()).telemetries, ["istio-system/mesh", "default/ns", "default/sel"]);
    let gw = Workload {
        namespace: "default".into(),
        labels: [(GATEWAY_NAME_LABEL.to_string(), "gw".to_string()), ("app".into(), "test".into())].into(),
        ..Workload::default()
    };
    assert_eq!(
        idx.resolve(&gw).telemetries,
        ["istio-system/mesh", "default/ns", "default/sel", "default/gw"]
    );
}

#[test]
fn metrics_disable_all_then_reenable() {
    // Root disables every metric; the namespace re-enables REQUEST_COUNT on the server side.
    let root = json!({"metrics": [{"providers": [{"name": "prometheus"}],
        "overrides": [{"match": {"metric": "ALL_METRICS"}, "disabled": true}]}]});
    let ns = json!({"metrics": [{"overrides": [{"match": {"metric": "REQUEST_COUNT", "mode": "SERVER"}, "disabled": false,
        "tagOverrides": {"request_host": {"value": "request.host"}, "source_principal": {"operation": "REMOVE"}}}]}]});
    let idx = TelemetryIndex::from_parts(
        vec![tel("istio-system", "default", root), tel("default", "default", ns)],
        mesh(&[]),
    );
    let m = idx.resolve(&sidecar()).metrics;
    let p = &m["prometheus"];
    assert!(p.client.disabled);
    assert!(!p.server.disabled);
    let rc = p.server.overrides.iter().find(|o| o.name == "REQUEST_COUNT").unwrap();
    assert!(!rc.disabled);
    assert_eq!(rc.tags.len(), 2);
    assert!(rc.tags[1].remove);
}

#[test]
fn access_logging_default_and_disable() {
    let mut m = mesh(&[]);
    m.default_providers = Some(mesh_model::mesh_config::DefaultProviders {
        access_logging: vec!["envoy".into()],
        ..Default::default()
    });
    let idx = TelemetryIndex::from_parts(vec![], m.clone());
    let l = idx.resolve(&sidecar()).access_logging.unwrap();
    assert_eq!(l.client, [AccessLogEntry { provider: "envoy".into(), disabled: false, filter: None }]);
    let off = json!({"accessLogging": [{"match": {"mode": "SERVER"}, "disabled": true}]});
    let idx = TelemetryIndex::from_parts(vec![tel("default", "default", off)], m);
    let l = idx.resolve(&sidecar()).access_logging.unwrap();
    // istio telemetry.go mergeLogs: once a Telemetry configures logging, a direction no entry
    // matches gets no provider at all (the default does not fill it in).
    assert!(l.client.is_empty());
    assert!(l.server[0].disabled);
    assert_eq!(TelemetryIndex::from_parts(vec![], mesh(&[])).resolve(&sidecar()).access_logging, None);
}

// istio telemetry.go fetchProvider: the first provider of the merged list (Istio's built-in
// ones first) whose name matches case-insensitively, so a configured `Envoy` does not shadow
// the built-in `envoy`; a configured provider of the exact name replaces the built-in's kind.
#[test]
fn provider_lookup_prefers_builtins_case_insensitively() {
    let mut m = mesh(&[]);
    m.extension_providers = serde_json::from_value(json!([
        {"name": "Envoy", "zipkin": {"service": "zipkin.istio-system.svc.cluster.local", "port": 9411}},
        {"name": "prometheus", "zipkin": {"service": "zipkin.istio-system.svc.cluster.local", "port": 9411}},
    ]))
    .unwrap();
    let t = tel(
        "istio-system",
        "default",
        json!({"tracing": [{"providers": [{"name": "ENVOY"}]}],
               "accessLogging": [{"providers": [{"name": "ENVOY"}, {"name": "prometheus"}]}],
               "metrics": [{"providers": [{"name": "prometheus"}]}]}),
    );
    let e = TelemetryIndex::from_parts(vec![t], m).resolve(&sidecar());
    assert_eq!(e.tracing.unwrap().client.provider.as_deref(), Some("envoy"));
    // `prometheus` is now a Zipkin tracer: it neither logs nor gets a stats filter.
    let l = e.access_logging.unwrap();
    assert_eq!(l.client, [AccessLogEntry { provider: "envoy".into(), disabled: false, filter: None }]);
    assert!(e.metrics.is_empty());
}

// Effective::metrics keeps only the providers Istio builds a stats filter for
// (telemetry.go telemetryFilters: fetchProvider, then buildHTTPTelemetryFilter handles
// Prometheus only), while merge_metrics keeps every name, as mergeMetrics does.
#[test]
fn metrics_only_for_prometheus_providers_the_mesh_defines() {
    let t = tel(
        "istio-system",
        "default",
        json!({"metrics": [{"providers": [{"name": "prometheus"}, {"name": "envoy"}, {"name": "custom"}]}]}),
    );
    let merged = merge_metrics(&t.spec.metrics.iter().collect::<Vec<_>>(), &mesh(&[]));
    assert_eq!(merged.keys().collect::<Vec<_>>(), ["custom", "envoy", "prometheus"]);
    let eff = TelemetryIndex::from_parts(vec![t], mesh(&[])).resolve(&sidecar());
    assert_eq!(eff.metrics.keys().collect::<Vec<_>>(), ["prometheus"]);
}
