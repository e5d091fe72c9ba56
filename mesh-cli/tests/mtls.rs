//! `meshctl mtls` end to end: inheritance, port-level overrides on the workload port.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

use std::process::Command;

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 8080}]
---
";

fn run(mesh: &str, request: &str) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mesh.yaml"), format!("{SERVICE}{mesh}")).unwrap();
    std::fs::write(dir.path().join("req.json"), request).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["mtls", "--config"])
        .arg(dir.path().join("mesh.yaml"))
        .arg("--request")
        .arg(dir.path().join("req.json"))
        .args(["-o", "json"])
        .output()
        .unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null))
}

const REQ: &str = r#"{"destination": {"host": "reviews", "port": 9080}}"#;

#[test]
fn port_level_override_uses_the_target_port() {
    let pa = "\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: reviews, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  mtls: {mode: STRICT}
  portLevelMtls: {8080: {mode: DISABLE}}
";
    assert_eq!(run(pa, REQ), (0, serde_json::json!({"mode": "DISABLE", "policy": "default/reviews"})));
}

#[test]
fn unset_inherits_and_names_the_parent() {
    let pa = "\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ns, namespace: default}
spec: {mtls: {mode: UNSET}}
";
    assert_eq!(run(pa, REQ), (0, serde_json::json!({"mode": "STRICT", "policy": "istio-system/default"})));
}

#[test]
fn default_is_permissive() {
    assert_eq!(run("", REQ), (0, serde_json::json!({"mode": "PERMISSIVE", "policy": null})));
}
