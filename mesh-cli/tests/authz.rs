//! `meshctl authz` end to end: JSON shape, exit codes, workload derivation from the Service.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

use std::process::Command;

const MESH: &str = "\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-1, namespace: default, labels: {app: reviews, version: v1}}
spec: {serviceAccountName: bookinfo-reviews}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: only-8080, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{to: [{operation: {ports: ['8080'], paths: ['/reviews/*']}}]}]
";

fn run(mesh: &str, request: &str, extra: &[&str]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mesh.yaml"), mesh).unwrap();
    std::fs::write(dir.path().join("req.json"), request).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["authz", "--config"])
        .arg(dir.path().join("mesh.yaml"))
        .arg("--request")
        .arg(dir.path().join("req.json"))
        .args(["-o", "json"])
        .args(extra)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap(), json)
}

#[test]
fn derives_workload_and_target_port_from_the_service() {
    // CONTRACT.md: ports are matched against the Service's targetPort.
    let (code, json) =
        run(MESH, r#"{"destination": {"host": "reviews", "port": 9080}, "path": "/reviews/1"}"#, &[]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["policy"], "default/only-8080");
    assert_eq!(json["action"], "ALLOW");
    assert_eq!(json["rule"], 0);
    assert_eq!(json["audit"], serde_json::json!([]));
    assert_eq!(json["custom"], serde_json::Value::Null);
}

#[test]
fn no_match_denies_with_nulls() {
    let (code, json) =
        run(MESH, r#"{"destination": {"host": "reviews", "port": 9080}, "path": "/other"}"#, &[]);
    assert_eq!(code, 1);
    assert_eq!(json["decision"], "DENY");
    assert_eq!(json["policy"], serde_json::Value::Null);
    assert!(json["reason"].as_str().unwrap().contains("none of their rules matched"));
}

#[test]
fn tcp_cannot_match_http_rule() {
    let (code, json) = run(
        MESH,
        r#"{"protocol": "tcp", "destination": {"host": "reviews", "port": 9080}, "path": "/reviews/1"}"#,
        &[],
    );
    assert_eq!(code, 1);
    assert!(json["reason"].as_str().unwrap().contains("TCP"));
}

#[test]
fn path_normalization_flag_applies() {
    let req = r#"{"destination": {"host": "reviews", "port": 9080}, "path": "//reviews/1"}"#;
    assert_eq!(run(MESH, req, &[]).0, 1);
    assert_eq!(run(MESH, req, &["--path-normalization", "MERGE_SLASHES"]).0, 0);
}

#[test]
fn malformed_request_exits_2() {
    assert_eq!(run(MESH, "{", &[]).0, 2);
    assert_eq!(run(MESH, r#"{"destination": {"host": "reviews"}, "source": {"ip": "nope"}}"#, &[]).0, 2);
}

// === --ztunnel (ambient mode) ===

/// The reviews Service and its one pod.
const REVIEWS: &str = "\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: reviews-1, namespace: default, labels: {app: reviews}}
spec: {serviceAccountName: bookinfo-reviews}
---
";

const AMBIENT_POLICIES: &str = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: from-productpage, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/bookinfo-productpage]}}]
    to: [{operation: {ports: ['8080']}}]
  - to: [{operation: {methods: [GET]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: audit-all, namespace: default}
spec: {action: AUDIT, rules: [{}]}
";

fn ambient() -> String {
    format!("{REVIEWS}{AMBIENT_POLICIES}")
}

const FROM_PRODUCTPAGE: &str = r#"{"destination": {"host": "reviews", "port": 9080}, "method": "GET",
  "source": {"namespace": "default", "serviceAccount": "bookinfo-productpage", "mtls": true}}"#;

#[test]
fn ztunnel_mode_allows_on_l4_fields_with_the_same_shape() {
    let (code, json) = run(&ambient(), FROM_PRODUCTPAGE, &["--ztunnel"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["decision"], "ALLOW");
    assert_eq!(json["action"], "ALLOW");
    assert_eq!(json["policy"], "default/from-productpage");
    assert_eq!(json["rule"], 0);
    // ztunnel does not receive AUDIT policies.
    assert_eq!(json["audit"], serde_json::json!([]));
    assert_eq!(json["custom"], serde_json::Value::Null);
}

#[test]
fn ztunnel_mode_leaves_out_allow_rules_with_http_fields() {
    // The sidecar allows this GET by rule 1; ztunnel never receives that rule.
    let plain = r#"{"destination": {"host": "reviews", "port": 9080}, "method": "GET", "protocol": "http",
      "source": {"namespace": "default", "serviceAccount": "sleep", "mtls": true}}"#;
    assert_eq!(run(&ambient(), plain, &[]).0, 0);
    let (code, json) = run(&ambient(), plain, &["--ztunnel"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["decision"], "DENY");
    assert_eq!(json["policy"], serde_json::Value::Null);
    assert!(json["reason"].as_str().unwrap().contains("istiod leaves out ALLOW rules"), "{json}");
}

#[test]
fn ztunnel_mode_needs_an_istio_identity() {
    let odd = r#"{"destination": {"host": "reviews", "port": 9080}, "source": {"principal": "example.org/workload", "mtls": true}}"#;
    assert_eq!(run(&ambient(), odd, &["--ztunnel"]).0, 2);
}

#[test]
fn ztunnel_mode_denies_plaintext_under_strict_peer_authentication() {
    // istio/istio ambient policies.go: a STRICT PeerAuthentication reaches ztunnel as the
    // static DENY policy matching connections without a peer identity.
    let mesh = format!(
        "{REVIEWS}\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {{name: default, namespace: istio-system}}
spec: {{mtls: {{mode: STRICT}}}}
"
    );
    let plaintext = r#"{"destination": {"host": "reviews", "port": 9080},
      "source": {"namespace": "default", "serviceAccount": "sleep", "mtls": false}}"#;
    let (code, json) = run(&mesh, plaintext, &["--ztunnel"]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["decision"], "DENY");
    assert_eq!(json["action"], "DENY");
    assert_eq!(json["policy"], "istio-system/istio_converted_static_strict");
    assert_eq!(json["rule"], 0);
    assert!(json["reason"].as_str().unwrap().contains("PeerAuthentication requires mTLS"), "{json}");
    // The same client over mTLS is allowed.
    let (code, json) = run(&mesh, &plaintext.replace(r#""mtls": false"#, r#""mtls": true"#), &["--ztunnel"]);
    assert_eq!(code, 0, "{json}");
}
