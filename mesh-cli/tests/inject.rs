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

// istio webhook.go toAdmissionResponse: a pod that cannot be injected is answered
// allowed: false with the reason (inject_test.go traffic-annotations-bad-* cases).
#[test]
fn uninjectable_pod_is_not_allowed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    let bad = json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "bad"});
    std::fs::write(&p, review(bad).to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["uid"], "u-1");
    assert_eq!(out["response"]["allowed"], false);
    let message = out["response"]["status"]["message"].as_str().unwrap();
    assert!(message.starts_with("Pod injection failed: "), "{message}");
    assert!(message.to_lowercase().contains("includeipranges"), "{message}");
}

// The patch turns the request's pod into Istio's injected pod: namespace filled from the
// request is not part of it, and the proxy follows the app container.
#[test]
fn patch_applies_to_the_request_pod() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    let r = review(json!({}));
    std::fs::write(&p, r.to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 0);
    let patch_b64 = out["response"]["patch"].as_str().unwrap();
    let patch: Value = serde_json::from_slice(&decode_base64(patch_b64)).unwrap();
    assert!(patch.as_array().unwrap().iter().all(|op| op["path"] != "/metadata/namespace"));
    let pod = r["request"]["object"].clone();
    let injected = mesh_kube::inject::apply(&pod, &patch).unwrap();
    assert_eq!(injected["spec"]["containers"][0]["name"], "web");
    assert_eq!(injected["spec"]["containers"][1]["name"], "istio-proxy");
    assert_eq!(
        injected["spec"]["containers"][1]["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "ISTIO_META_OWNER")
            .unwrap()["value"],
        "kubernetes://apis/v1/namespaces/shop/pods/web"
    );
}

fn decode_base64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, c)| acc | (val(*c) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}
