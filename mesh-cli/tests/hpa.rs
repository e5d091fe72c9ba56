//! `meshctl hpa`: the autoscaler's decision.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use serde_json::{Value, json};

fn meshctl(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

// kubernetes replica_calculator_test.go TestReplicaCalcScaleUpCM, through the CLI.
#[test]
fn scale_up_on_requests_per_second() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.json");
    std::fs::write(
        &p,
        json!({
            "currentReplicas": 3, "minReplicas": 1, "maxReplicas": 10,
            "metrics": [{"type": "pods", "target": 15000, "values": {"a": 20000, "b": 10000, "c": 30000}}],
            "pods": [{"name": "a"}, {"name": "b"}, {"name": "c"}]
        })
        .to_string(),
    )
    .unwrap();
    let (code, out) = meshctl(&["hpa", "--input", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(out["desiredReplicas"], 4);
    assert_eq!(out["proposals"][0]["usage"], 20000);
    assert_eq!(out["reason"], "DesiredWithinRange");
}

#[test]
fn invalid_range_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.json");
    std::fs::write(&p, json!({"currentReplicas": 1, "minReplicas": 5, "maxReplicas": 2}).to_string())
        .unwrap();
    assert_eq!(meshctl(&["hpa", "--input", p.to_str().unwrap()]).0, 2);
}

// kubernetes replica_calculator_test.go TestReplicaCalcScaleUpUnreadyLessScale, through the CLI:
// a CPU utilization target with an unready pod, plus a container metric.
#[test]
fn resource_and_container_resource_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("h.json");
    let pod = |name: &str, ready: bool| {
        json!({"name": name, "ready": ready, "startTime": 0, "readyTransitionTime": 0,
               "containers": [{"name": "container1", "requests": {"cpu": 1000}},
                              {"name": "container2", "requests": {"cpu": 1000}}]})
    };
    let used = |m: i64| json!({"containers": {"container1": m, "container2": m}, "timestamp": 0});
    std::fs::write(
        &p,
        json!({
            "currentReplicas": 3, "minReplicas": 1, "maxReplicas": 10, "now": 1000000,
            "metrics": [
                {"type": "Resource", "name": "cpu", "target": {"averageUtilization": 30},
                 "usage": {"test-pod-0": used(300), "test-pod-1": used(500), "test-pod-2": used(700)}},
                {"type": "ContainerResource", "name": "cpu", "container": "container2",
                 "target": {"averageUtilization": 30},
                 "usage": {"test-pod-0": used(300), "test-pod-1": used(500), "test-pod-2": used(700)}}
            ],
            "pods": [pod("test-pod-0", false), pod("test-pod-1", true), pod("test-pod-2", true)]
        })
        .to_string(),
    )
    .unwrap();
    let (code, out) = meshctl(&["hpa", "--input", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(out["proposals"][0]["replicas"], 4);
    assert_eq!(out["proposals"][0]["utilization"], 60);
    assert_eq!(out["proposals"][0]["usage"], 1200);
    assert_eq!(out["proposals"][1]["replicas"], 4);
    assert_eq!(out["proposals"][1]["usage"], 600);
    assert_eq!(out["desiredReplicas"], 4);
    // Text output names the utilization.
    let text = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["hpa", "--input", p.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("utilization 60%"));
}
