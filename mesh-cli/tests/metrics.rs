//! `meshctl metrics record|telemetry`.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use serde_json::{Value, json};

fn meshctl(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

#[test]
fn record_renders_prometheus() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(
        &p,
        json!([{"responseCode": 503, "responseFlags": "UF", "durationMs": 12.0},
                              {"protocol": "tcp", "sentBytes": 10, "closed": true}])
        .to_string(),
    )
    .unwrap();
    let (code, out) = meshctl(&["metrics", "record", "--records", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(out["samples"][0]["name"], "istio_requests_total");
    assert_eq!(out["samples"][0]["labels"]["response_code"], "503");
    assert_eq!(out["samples"][0]["labels"]["response_flags"], "UF");
    let text = out["prometheus"].as_str().unwrap();
    assert!(text.contains("# TYPE istio_tcp_sent_bytes_total counter\n"));
}

#[test]
fn telemetry_resolves_root_and_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("t.yaml");
    std::fs::write(&p, "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: mesh-default, namespace: istio-system}\nspec:\n  tracing:\n  - providers: [{name: envoy}]\n    randomSamplingPercentage: 10\n---\napiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata: {name: ns, namespace: shop}\nspec:\n  tracing:\n  - randomSamplingPercentage: 50\n").unwrap();
    let (code, out) = meshctl(&[
        "metrics",
        "telemetry",
        "--config",
        p.to_str().unwrap(),
        "--namespace",
        "shop",
        "--label",
        "app=web",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["telemetries"], json!(["istio-system/mesh-default", "shop/ns"]));
    assert_eq!(out["tracing"]["client"]["provider"], "envoy");
    assert_eq!(out["tracing"]["client"]["randomSamplingPercentage"], 50.0);
    assert!(out["accessLogging"].is_null());
}
