//! `meshctl capture`: iptables/nftables rules from pod annotations.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use serde_json::Value;

fn meshctl(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

#[test]
fn iptables_from_annotations() {
    let (code, out) = meshctl(&[
        "capture",
        "--annotation",
        "traffic.sidecar.istio.io/excludeOutboundIPRanges=10.0.0.0/8",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["mode"], "REDIRECT");
    let v4 = out["iptables"]["ipv4"].as_str().unwrap();
    assert!(v4.contains("-A ISTIO_OUTPUT -d 10.0.0.0/8 -j RETURN\n"));
    assert!(v4.contains("-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN\n"));
    assert!(v4.contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT\n"));
    assert!(out["ipv6"].is_null() && out["nftables"].is_null());
}

#[test]
fn nftables_and_tproxy() {
    let (code, out) = meshctl(&[
        "capture",
        "--annotation",
        "sidecar.istio.io/interceptionMode=TPROXY",
        "--format",
        "nftables",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert!(out["nftables"].as_str().unwrap().contains("add table inet istio-proxy-mangle\n"));
    assert_eq!(out["config"]["inboundInterceptionMode"], "TPROXY");
}

#[test]
fn bad_annotation_is_a_negative_answer() {
    let (code, out) = meshctl(&[
        "capture",
        "--annotation",
        "traffic.sidecar.istio.io/includeInboundPorts=http",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert!(out["error"].as_str().unwrap().contains("includeInboundPorts"));
    assert_eq!(meshctl(&["capture", "--annotation", "novalue"]).0, 2);
}
