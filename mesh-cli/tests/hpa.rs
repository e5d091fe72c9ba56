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
