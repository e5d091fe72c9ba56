//! `meshctl lb`: the JSON contract and exit codes, with Envoy's and Istio's test vectors.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

fn meshctl(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, v.to_string()).expect("write");
    p.display().to_string()
}

fn six_hosts(dir: &Path) -> String {
    let eps: Vec<Value> = (90..96).map(|p| json!({"address": format!("127.0.0.1:{p}")})).collect();
    write(dir, "eps.json", &Value::Array(eps))
}

// envoy maglev_lb_test.cc: Basic, through `meshctl lb table`.
#[test]
fn table_maglev_matches_envoy() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = six_hosts(dir.path());
    let (code, out, _) = meshctl(&[
        "lb",
        "table",
        "--policy",
        "maglev",
        "--endpoints",
        &eps,
        "--table-size",
        "7",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let slots: Vec<&str> = out["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["endpoint"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        slots,
        [
            "127.0.0.1:92",
            "127.0.0.1:94",
            "127.0.0.1:90",
            "127.0.0.1:91",
            "127.0.0.1:95",
            "127.0.0.1:90",
            "127.0.0.1:93"
        ]
    );
    assert_eq!(out["policy"], "maglev");
    assert_eq!(out["size"], 7);
    assert_eq!(out["entries"][0]["hash"], Value::Null);
}

// envoy ring_hash_lb_test.cc: Basic, through `meshctl lb table` and `pick`.
#[test]
fn ring_table_and_pick_match_envoy() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = six_hosts(dir.path());
    let (code, out, _) = meshctl(&[
        "lb",
        "table",
        "--policy",
        "ring-hash",
        "--endpoints",
        &eps,
        "--min-ring-size",
        "12",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["size"], 12);
    assert_eq!(out["entries"][0], json!({"hash": 833_437_586_790_550_860u64, "endpoint": "127.0.0.1:94"}));
    assert_eq!(
        out["entries"][11],
        json!({"hash": 16_117_243_373_044_804_889u64, "endpoint": "127.0.0.1:90"})
    );
    let (code, out, _) = meshctl(&[
        "lb",
        "pick",
        "--policy",
        "ring-hash",
        "--endpoints",
        &eps,
        "--min-ring-size",
        "12",
        "--hash",
        "3551244743356806948",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out, json!({"endpoint": "127.0.0.1:93", "hash": 3_551_244_743_356_806_948u64}));
    // envoy ring_hash_lb_test.cc: BasicWithRetryHostPredicate (attempt 1 moves one entry on).
    let (_, out, _) = meshctl(&[
        "lb",
        "pick",
        "--policy",
        "ring-hash",
        "--endpoints",
        &eps,
        "--min-ring-size",
        "12",
        "--hash",
        "0",
        "--attempt",
        "1",
        "-o",
        "json",
    ]);
    assert_eq!(out["endpoint"], "127.0.0.1:92");
}

#[test]
fn pick_by_key_hashes_with_xxhash() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = six_hosts(dir.path());
    let (code, out, _) =
        meshctl(&["lb", "pick", "--policy", "maglev", "--endpoints", &eps, "--key", "foo", "-o", "json"]);
    assert_eq!(code, 0);
    // envoy hash_test.cc: xxHash64("foo").
    assert_eq!(out["hash"], 3_728_699_739_546_630_719u64);
}

#[test]
fn pick_without_endpoints_is_negative() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = write(dir.path(), "eps.json", &json!([]));
    let (code, out, _) =
        meshctl(&["lb", "pick", "--policy", "maglev", "--endpoints", &eps, "--hash", "1", "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out, json!({"endpoint": null, "hash": 1}));
}

#[test]
fn bad_parameters_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = six_hosts(dir.path());
    let (code, _, err) =
        meshctl(&["lb", "table", "--policy", "maglev", "--endpoints", &eps, "--table-size", "8"]);
    assert_eq!(code, 2);
    assert!(err.contains("prime"), "{err}");
    let (code, _, err) = meshctl(&[
        "lb",
        "table",
        "--policy",
        "ring-hash",
        "--endpoints",
        &eps,
        "--min-ring-size",
        "20",
        "--max-ring-size",
        "10",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("minimum ring size 20"), "{err}");
    let bad = write(dir.path(), "bad.json", &json!([{"address": "a:1", "weight": 0}]));
    let (code, _, _) = meshctl(&["lb", "load", "--endpoints", &bad]);
    assert_eq!(code, 2);
    let (code, _, _) = meshctl(&["lb", "load", "--endpoints", "/nonexistent/eps.json"]);
    assert_eq!(code, 2);
}

// envoy load_balancer_impl_base_test.cc: GentleFailover (50% healthy P=0: 70/30).
#[test]
fn load_matches_envoy() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = write(
        dir.path(),
        "eps.json",
        &json!({"endpoints": [
            {"address": "10.0.0.1:80"},
            {"address": "10.0.0.2:80", "health": "unhealthy"},
            {"address": "10.0.1.1:80", "priority": 1},
            {"address": "10.0.1.2:80", "priority": 1, "health": "unhealthy"}
        ]}),
    );
    let (code, out, _) = meshctl(&["lb", "load", "--endpoints", &eps, "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        json!({"priorities": [
            {"priority": 0, "healthyLoad": 70, "degradedLoad": 0, "panic": false},
            {"priority": 1, "healthyLoad": 30, "degradedLoad": 0, "panic": false}
        ], "totalPanic": false})
    );
    let (_, out, _) =
        meshctl(&["lb", "load", "--endpoints", &eps, "--overprovisioning", "100", "-o", "json"]);
    assert_eq!(out["priorities"][0]["healthyLoad"], 50);
}

// envoy round_robin_lb_test.cc: Weighted (weights 1 and 2).
#[test]
fn sequence_matches_envoy() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = write(
        dir.path(),
        "eps.json",
        &json!([{"address": "127.0.0.1:80"}, {"address": "127.0.0.1:81", "weight": 2}]),
    );
    let (code, out, _) = meshctl(&[
        "lb",
        "sequence",
        "--policy",
        "round-robin",
        "--endpoints",
        &eps,
        "--count",
        "6",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    let a = "127.0.0.1:80";
    let b = "127.0.0.1:81";
    assert_eq!(out, json!({"picks": [b, a, b, b, a, b]}));
}

fn locality_endpoints(dir: &Path) -> String {
    write(
        dir,
        "eps.json",
        &json!({"endpoints": [
            {"address": "10.0.0.1:80", "locality": "region1/zone1/subzone1"},
            {"address": "10.0.0.2:80", "locality": "region1/zone1/subzone2"},
            {"address": "10.0.0.3:80", "locality": "region1/zone2/"},
            {"address": "10.0.0.4:80", "locality": "region2//"},
            {"address": "10.0.0.5:80", "locality": "region3//"}
        ]}),
    )
}

fn priorities_of(out: &Value) -> Vec<u64> {
    out["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .map(|e| e["priority"].as_u64().unwrap_or(99))
        .collect()
}

// istio loadbalancer_test.go: Failover: all priorities (default mesh setting, no --config).
#[test]
fn priorities_default_setting() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = locality_endpoints(dir.path());
    let (code, out, _) = meshctl(&[
        "lb",
        "priorities",
        "--endpoints",
        &eps,
        "--source-locality",
        "region1/zone1/subzone1",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(priorities_of(&out), [0, 1, 2, 3, 3]);
    assert_eq!(out["endpoints"][0], json!({"endpoint": "10.0.0.1:80", "priority": 0, "weight": null}));
}

// istio loadbalancer_test.go: Failover: all priorities, from a DestinationRule.
#[test]
fn priorities_from_destination_rule_failover() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = locality_endpoints(dir.path());
    let dr = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 5}
    loadBalancer:
      simple: ROUND_ROBIN
      localityLbSetting:
        enabled: true
        failover: [{from: region1, to: region2}]
";
    let cfg = dir.path().join("dr.yaml");
    std::fs::write(&cfg, dr).expect("write");
    let cfg = cfg.display().to_string();
    let (code, out, err) = meshctl(&[
        "lb",
        "priorities",
        "--endpoints",
        &eps,
        "--source-locality",
        "region1/zone1/subzone1",
        "--config",
        &cfg,
        "--host",
        "reviews",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(priorities_of(&out), [0, 1, 2, 3, 4]);
}

// istio loadbalancer_test.go: Distribute/distribution between subzones.
#[test]
fn priorities_distribute_weights() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = locality_endpoints(dir.path());
    let dr = "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: default}
spec:
  host: reviews.default.svc.cluster.local
  trafficPolicy:
    loadBalancer:
      localityLbSetting:
        distribute:
        - from: region1/zone1/*
          to: {\"region1/zone1/*\": 80, \"region2/*\": 20}
";
    let cfg = dir.path().join("dr.yaml");
    std::fs::write(&cfg, dr).expect("write");
    let cfg = cfg.display().to_string();
    let (code, out, err) = meshctl(&[
        "lb",
        "priorities",
        "--endpoints",
        &eps,
        "--source-locality",
        "region1/zone1/subzone1",
        "--config",
        &cfg,
        "--host",
        "reviews",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let weights: Vec<Value> =
        out["endpoints"].as_array().expect("endpoints").iter().map(|e| e["weight"].clone()).collect();
    assert_eq!(weights, [json!(40), json!(40), json!(0), json!(20), json!(0)]);
}

// Without outlier detection Istio assigns no failover priorities.
#[test]
fn priorities_without_outlier_detection() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = locality_endpoints(dir.path());
    let cfg = dir.path().join("empty.yaml");
    std::fs::write(&cfg, "").expect("write");
    let cfg = cfg.display().to_string();
    let (code, out, _) = meshctl(&[
        "lb",
        "priorities",
        "--endpoints",
        &eps,
        "--source-locality",
        "region1/zone1/subzone1",
        "--config",
        &cfg,
        "--host",
        "reviews",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(priorities_of(&out), [0, 0, 0, 0, 0]);
}

#[test]
fn text_output_is_default() {
    let dir = tempfile::tempdir().expect("tmp");
    let eps = six_hosts(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["lb", "table", "--policy", "maglev", "--endpoints", &eps, "--table-size", "7"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("maglev: 7 entries"));
}
