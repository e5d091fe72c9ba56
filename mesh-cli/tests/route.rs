//! `meshctl route`, run as a black box against the contract.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const MESH: &str = "\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{uri: {prefix: /legacy}}]
    redirect: {uri: /v2/reviews}
  - match: [{uri: {prefix: /api}}]
    rewrite: {uri: /v1}
    timeout: 3s
    retries: {attempts: 0}
    fault: {abort: {httpStatus: 503, percentage: {value: 50}}}
    mirror: {host: reviews, subset: shadow}
    mirrorPercentage: {value: 25}
    headers: {request: {set: {x-api: '1'}}}
    corsPolicy: {allowOrigins: [{exact: 'https://a.example'}]}
    route: [{destination: {host: reviews, subset: v1}}]
  - match: [{uri: {prefix: /split}}]
    route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v2}, weight: 10}
  - match: [{uri: {exact: /down}}]
    directResponse: {status: 503, body: {string: down}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer: {simple: ROUND_ROBIN}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
";

fn run(dir: &Path, req: &str, extra: &[&str]) -> (i32, Value, String) {
    std::fs::write(dir.join("mesh.yaml"), MESH).unwrap();
    std::fs::write(dir.join("req.json"), req).unwrap();
    let cfg = dir.join("mesh.yaml");
    let r = dir.join("req.json");
    let mut args =
        vec!["route", "--config", cfg.to_str().unwrap(), "--request", r.to_str().unwrap(), "-o", "json"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(&args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn request(path: &str, random: f64) -> String {
    format!(
        r#"{{"source": {{"namespace": "default"}}, "destination": {{"host": "reviews", "port": 9080}}, "path": "{path}", "random": {random}}}"#
    )
}

#[test]
fn every_contract_key_is_present() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v, _) = run(dir.path(), &request("/split", 0.0), &[]);
    assert_eq!(code, 0);
    for k in [
        "context",
        "host",
        "virtualService",
        "route",
        "action",
        "destinations",
        "selected",
        "destinationRule",
        "trafficPolicy",
        "redirect",
        "directResponse",
        "rewrite",
        "timeout",
        "retries",
        "fault",
        "mirrors",
        "headers",
        "cors",
    ] {
        assert!(v.get(k).is_some(), "missing {k}: {v}");
    }
}

#[test]
fn weighted_split_uses_the_draw() {
    let dir = tempfile::tempdir().unwrap();
    let (_, v, _) = run(dir.path(), &request("/split", 0.95), &[]);
    assert_eq!(v["selected"]["subset"], "v2");
    assert_eq!(v["destinations"][0]["weight"], 90);
    assert_eq!(v["route"]["index"], 2);
}

#[test]
fn port_level_policy_is_applied() {
    let dir = tempfile::tempdir().unwrap();
    let (_, v, _) = run(dir.path(), &request("/split", 0.0), &[]);
    assert_eq!(v["trafficPolicy"], serde_json::json!({"loadBalancer": {"simple": "ROUND_ROBIN"}}));
    assert_eq!(v["destinationRule"], "default/reviews");
}

#[test]
fn api_route_renders_every_action_field() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v, _) = run(dir.path(), &request("/api/x?q=1", 0.1), &[]);
    assert_eq!(code, 0);
    assert_eq!(v["rewrite"], serde_json::json!({"path": "/v1/x?q=1", "authority": "reviews"}));
    assert_eq!(v["timeout"], "3s");
    assert_eq!(v["retries"], Value::Null);
    assert_eq!(v["fault"], serde_json::json!({"delay": null, "abort": 503}));
    assert_eq!(v["mirrors"][0]["percentage"], 25.0);
    assert_eq!(v["mirrors"][0]["applied"], true);
    assert_eq!(v["mirrors"][0]["subset"], "shadow");
    assert_eq!(v["headers"]["request"]["set"]["x-api"], "1");
    assert_eq!(v["cors"]["allowOrigins"][0]["exact"], "https://a.example");
}

#[test]
fn redirect_location() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v, _) = run(dir.path(), &request("/legacy/1", 0.0), &[]);
    assert_eq!(code, 0);
    assert_eq!(v["redirect"], serde_json::json!({"status": 301, "location": "http://reviews/v2/reviews"}));
    assert_eq!(v["selected"], Value::Null);
}

#[test]
fn direct_response() {
    let dir = tempfile::tempdir().unwrap();
    let (_, v, _) = run(dir.path(), &request("/down", 0.0), &[]);
    assert_eq!(v["directResponse"], serde_json::json!({"status": 503, "body": "down"}));
}

#[test]
fn not_found_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v, _) = run(dir.path(), &request("/nothing", 0.0), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["action"], "notFound");
    assert_eq!(v["route"], Value::Null);
}

#[test]
fn registry_only_blackhole_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let req = r#"{"destination": {"host": "www.example.com", "port": 80}}"#;
    let (code, v, _) = run(dir.path(), req, &["--outbound-policy", "REGISTRY_ONLY"]);
    assert_eq!(code, 1);
    assert_eq!(v["action"], "blackhole");
}

#[test]
fn allow_any_passthrough() {
    let dir = tempfile::tempdir().unwrap();
    let req = r#"{"destination": {"host": "www.example.com", "port": 80}}"#;
    let (code, v, _) = run(dir.path(), req, &[]);
    assert_eq!(code, 0);
    assert_eq!(v["action"], "passthrough");
    assert_eq!(v["selected"]["host"], "www.example.com");
    assert_eq!(v["retries"], Value::Null);
}

#[test]
fn malformed_gateway_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let req = r#"{"gateway": "nogw", "destination": {"host": "reviews"}}"#;
    let (code, _, err) = run(dir.path(), req, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("namespace/name"), "{err}");
}

#[test]
fn help_shows_a_complete_example() {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(["route", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("kind: VirtualService") && text.contains("meshctl route --config"), "{text}");
}

#[test]
fn text_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("mesh.yaml"), MESH).unwrap();
    std::fs::write(dir.path().join("req.json"), request("/split", 0.0)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["route", "--config"])
        .arg(dir.path().join("mesh.yaml"))
        .arg("--request")
        .arg(dir.path().join("req.json"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("forward reviews.default.svc.cluster.local (mesh)"), "{text}");
}

#[test]
fn routes_on_the_path_envoy_normalised() {
    // Istio's default pathNormalization (BASE) makes Envoy resolve dot segments before
    // routing: /x/../reviews/0 routes as /reviews/0.
    let dir = tempfile::tempdir().unwrap();
    let mesh = dir.path().join("mesh.yaml");
    std::fs::write(
        &mesh,
        "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, namespace: default}\nspec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}\n---\napiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: r, namespace: default}\nspec:\n  hosts: [reviews]\n  http:\n  - match: [{uri: {prefix: /reviews}}]\n    route: [{destination: {host: reviews, subset: v2}}]\n  - route: [{destination: {host: reviews, subset: v1}}]\n",
    )
    .unwrap();
    let req = dir.path().join("req.json");
    std::fs::write(&req, r#"{"source": {"namespace": "default"}, "destination": {"host": "reviews", "port": 9080}, "path": "/x/../reviews/0"}"#).unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "route",
            "--config",
            mesh.to_str().unwrap(),
            "--request",
            req.to_str().unwrap(),
            "-o",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meshctl")).args(&args).output().unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    assert_eq!(run(&[])["selected"]["subset"], "v2");
    // With normalization off the raw path does not start with /reviews.
    assert_eq!(run(&["--path-normalization", "NONE"])["selected"]["subset"], "v1");
}
