//! `meshctl inject`: an AdmissionReview in, the AdmissionReview response out.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use serde_json::{Value, json};

fn meshctl(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

fn review(annotations: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "namespace": "shop", "object": {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": annotations},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
}

#[test]
fn injects_with_a_patch() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, review(json!({})).to_string()).unwrap();
    let (code, out) = meshctl(&[
        "inject",
        "--review",
        p.to_str().unwrap(),
        "--namespace-label",
        "istio-injection=enabled",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["kind"], "AdmissionReview");
    assert_eq!(out["response"]["uid"], "u-1");
    assert_eq!(out["response"]["allowed"], true);
    assert_eq!(out["response"]["patchType"], "JSONPatch");
    assert!(out["response"]["patch"].as_str().unwrap().len() > 100);
}

// istio webhook_test.go TestInjectRequired "force-off-policy": the annotation opts out.
#[test]
fn opt_out_is_allowed_without_patch() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, review(json!({"sidecar.istio.io/inject": "false"})).to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["allowed"], true);
    assert!(out["response"].get("patch").is_none());
}

#[test]
fn malformed_review_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, "{").unwrap();
    assert_eq!(meshctl(&["inject", "--review", p.to_str().unwrap()]).0, 2);
    std::fs::write(&p, "{}").unwrap();
    assert_eq!(meshctl(&["inject", "--review", p.to_str().unwrap()]).0, 2);
}
