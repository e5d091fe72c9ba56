//! Property tests of injection on generated pods: it never panics whatever the pod and its
//! annotations hold, the JSON Patch it answers with turns the pod into the injected pod, and
//! the strategic merge keeps every element of both sides.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_kube::inject::gotemplate::Template;
use mesh_kube::inject::smp::merge_pod;
use mesh_kube::inject::{InjectValues, apply, diff, inject_pod};
use proptest::prelude::*;
use serde_json::{Value, json};

/// Annotations the injector reads, with plausible and broken values.
fn annotation() -> impl Strategy<Value = (String, String)> {
    let keys = prop::sample::select(vec![
        "sidecar.istio.io/interceptionMode",
        "sidecar.istio.io/proxyCPU",
        "sidecar.istio.io/proxyMemoryLimit",
        "sidecar.istio.io/proxyImage",
        "sidecar.istio.io/nativeSidecar",
        "sidecar.istio.io/userVolume",
        "sidecar.istio.io/userVolumeMount",
        "sidecar.istio.io/rewriteAppHTTPProbers",
        "sidecar.istio.io/status",
        "status.sidecar.istio.io/port",
        "readiness.status.sidecar.istio.io/periodSeconds",
        "traffic.sidecar.istio.io/includeInboundPorts",
        "traffic.sidecar.istio.io/excludeOutboundIPRanges",
        "proxy.istio.io/config",
        "proxy.istio.io/overrides",
        "prometheus.io/scrape",
        "prometheus.io/port",
        "prometheus.istio.io/merge-metrics",
        "inject.istio.io/templates",
        "k8s.v1.cni.cncf.io/networks",
    ]);
    let values = prop::sample::select(vec![
        "",
        "true",
        "false",
        "TPROXY",
        "NONE",
        "REDIRECT",
        "bogus",
        "100m",
        "1Gi",
        "15020",
        "0",
        "8080",
        "*",
        "10.0.0.0/8",
        "{}",
        "[]",
        "{\"v\":{\"emptyDir\":{}}}",
        "holdApplicationUntilProxyStarts: true",
        "gateway",
        "sidecar",
        "{\"containers\":[{\"name\":\"istio-proxy\"}]}",
        "a/b",
        "null",
    ]);
    (keys, values).prop_map(|(k, v)| (k.to_string(), v.to_string()))
}

fn port() -> impl Strategy<Value = Value> {
    (prop::option::of("[a-z]{1,5}"), 1u32..70000).prop_map(|(name, p)| match name {
        Some(n) => json!({"name": n, "containerPort": p}),
        None => json!({"containerPort": p}),
    })
}

fn probe() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0u32..70000).prop_map(|p| json!({"httpGet": {"port": p, "path": "/x"}})),
        "[a-z]{1,5}".prop_map(|p| json!({"httpGet": {"port": p}})),
        (0u32..70000).prop_map(|p| json!({"tcpSocket": {"port": p}})),
        (0u32..70000).prop_map(|p| json!({"grpc": {"port": p}, "timeoutSeconds": 2})),
        Just(json!({"exec": {"command": ["true"]}})),
        Just(json!("not a probe")),
    ]
}

fn container() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["app", "web", "istio-proxy", "istio-init", "sidecar"]),
        prop::collection::vec(port(), 0..3),
        probe(),
        probe(),
        prop::option::of(prop::sample::select(vec!["auto", "img:1"])),
    )
        .prop_map(|(name, ports, live, ready, image)| {
            let mut c = json!({"name": name, "ports": ports});
            if !live.is_null() {
                c["livenessProbe"] = live;
            }
            if !ready.is_null() {
                c["readinessProbe"] = ready;
            }
            if let Some(i) = image {
                c["image"] = json!(i);
            }
            c
        })
}

fn pod() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map("[a-z.]{1,8}", "[a-z0-9-]{0,8}", 0..4),
        prop::collection::vec(annotation(), 0..5),
        prop::collection::vec(container(), 0..3),
        prop::collection::vec(container(), 0..2),
        prop::option::of("[a-z]{1,6}"),
        any::<bool>(),
    )
        .prop_map(|(labels, annotations, containers, inits, name, owned)| {
            let annotations: serde_json::Map<String, Value> =
                annotations.into_iter().map(|(k, v)| (k, json!(v))).collect();
            let mut meta = json!({"labels": labels, "annotations": annotations});
            if let Some(n) = name {
                meta["name"] = json!(n);
            }
            if owned {
                meta["generateName"] = json!("web-abc-");
                meta["ownerReferences"] =
                    json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "controller": true}]);
            }
            json!({"metadata": meta, "spec": {"containers": containers, "initContainers": inits}})
        })
}

fn values() -> impl Strategy<Value = InjectValues> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(native, cni, hold)| InjectValues {
        native_sidecar: native,
        cni,
        hold_application_until_proxy_starts: hold,
        ..InjectValues::default()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn injection_never_panics_and_its_patch_applies(pod in pod(), values in values()) {
        if let Ok(injected) = inject_pod(&pod, &values) {
            let patch = diff(&pod, &injected);
            prop_assert_eq!(apply(&pod, &patch).unwrap(), injected.clone());
            // The proxy is there (a pod that already names an init container `istio-proxy`
            // keeps it beside the injected one, as with Istio).
            let count = ["containers", "initContainers"]
                .iter()
                .flat_map(|k| injected["spec"][k].as_array().cloned().unwrap_or_default())
                .filter(|c| c["name"] == "istio-proxy")
                .count();
            prop_assert!(count >= 1);
        }
    }

    #[test]
    fn strategic_merge_keeps_every_named_element(a in pod(), b in pod()) {
        let merged = merge_pod(&a, &b);
        for side in [&a, &b] {
            for key in ["containers", "initContainers"] {
                for c in side["spec"][key].as_array().into_iter().flatten() {
                    prop_assert!(merged["spec"][key].as_array().unwrap().iter().any(|m| m["name"] == c["name"]));
                }
            }
        }
    }
}

/// Template text: fragments of Go template syntax (valid and broken) glued at random.
fn template_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "{{",
        "}}",
        "{{- ",
        " -}}",
        "{{/*",
        "*/}}",
        ".",
        ".Values",
        ".Spec.Containers",
        ".a.b",
        "$",
        "$x",
        ":=",
        "=",
        "|",
        "(",
        ")",
        ",",
        " ",
        "\n",
        "if",
        "else",
        "end",
        "range",
        "with",
        "define",
        "template",
        "block",
        "break",
        "continue",
        "\"s\"",
        "`raw`",
        "'c'",
        "1",
        "-3",
        "1e3",
        "0x1f",
        "true",
        "nil",
        "printf \"%05d %q %v\"",
        "index",
        "len",
        "eq",
        "and",
        "or",
        "not",
        "default",
        "toYaml",
        "indent 2",
        "nindent",
        "list",
        "append",
        "fromJSON",
        "toJson",
        "omitNil",
        "trunc",
        "quote",
        "join \",\"",
        "text",
        "\\",
        "\"",
        "é",
        "%",
    ]);
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    // The interpreter never panics: every template text is parsed and run, or refused
    // with an error.
    #[test]
    fn go_template_interpreter_never_panics(text in template_text(), raw in ".{0,60}") {
        let data = json!({"Values": {"a": {"b": [1, "x", null]}}, "Spec": {"Containers": [{"name": "c"}]},
                          "a": {"b": 2.5}, "m": {"k": "v"}});
        for t in [&text, &raw] {
            if let Ok(parsed) = Template::parse(t) {
                let _ = parsed.render_json(&data);
            }
        }
    }
}

#[test]
fn non_object_pods_are_errors() {
    for pod in [json!(null), json!([]), json!("pod"), json!({"metadata": "x", "spec": 3})] {
        let _ = inject_pod(&pod, &InjectValues::default());
    }
    assert!(inject_pod(&json!([]), &InjectValues::default()).is_err());
}
