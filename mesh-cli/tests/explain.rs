//! `meshctl explain` against the built-in Bookinfo mesh (and a small `--config` mesh): the
//! Bookinfo scenarios of issue #6, the flag form of the request, and the text trace.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn meshctl(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("meshctl runs: {e}"));
    if let (Some(s), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // The command may exit before reading its input (a usage error): ignore a broken pipe.
        let _ = pipe.write_all(s.as_bytes());
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("meshctl finishes: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str], stdin: Option<&str>) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let (code, stdout, stderr) = meshctl(&all, stdin);
    let v = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (code, v)
}

/// A contract request from `ns/sa` (with `labels`) to `host:9080`.
fn request(sa: &str, labels: &str, host: &str, path: &str, headers: &str, random: f64, mtls: bool) -> String {
    format!(
        r#"{{"source": {{"namespace": "default", "serviceAccount": "{sa}", "labels": {labels}, "mtls": {mtls}}},
            "destination": {{"host": "{host}", "port": 9080}}, "method": "GET", "path": "{path}",
            "headers": {headers}, "random": {random}}}"#
    )
}

fn productpage_to_reviews(headers: &str, random: f64) -> String {
    request(
        "bookinfo-productpage",
        r#"{"app": "productpage"}"#,
        "reviews",
        "/reviews/0",
        headers,
        random,
        true,
    )
}

#[test]
fn jason_is_routed_by_header_to_reviews_v2_and_allowed() {
    let (code, v) =
        json(&["explain", "--request", "-"], Some(&productpage_to_reviews(r#"{"end-user": "jason"}"#, 0.9)));
    assert_eq!(code, 0, "{v}");
    let r = &v["route"];
    assert_eq!(r["action"], "forward");
    assert_eq!(r["virtualService"], "default/reviews");
    assert_eq!(r["route"]["index"], 0);
    assert_eq!(r["route"]["name"], "jason-sees-v2");
    assert_eq!(r["route"]["matchIndex"], 0);
    assert_eq!(r["selected"]["subset"], "v2");
    assert_eq!(r["destinationRule"], "default/reviews");
    assert_eq!(v["authz"]["decision"], "ALLOW");
    assert_eq!(v["authz"]["policy"], "default/reviews-viewer");
    assert_eq!(v["authz"]["rule"], 0);
    assert_eq!(v["mtls"], serde_json::json!({"mode": "STRICT", "policy": "istio-system/default"}));
    // The extension: a v2 endpoint.
    assert!(v["endpoint"]["workload"].as_str().unwrap().starts_with("default/reviews-v2-"), "{v}");
}

#[test]
fn everyone_else_is_split_by_weight_between_v1_and_v3() {
    // CONTRACT.md: a draw r picks the first destination whose cumulative weight exceeds r * sum.
    let (code, low) = json(&["explain", "--request", "-"], Some(&productpage_to_reviews("{}", 0.1)));
    assert_eq!(code, 0);
    let (code, high) = json(&["explain", "--request", "-"], Some(&productpage_to_reviews("{}", 0.7)));
    assert_eq!(code, 0);
    for v in [&low, &high] {
        assert_eq!(v["route"]["route"]["index"], 1);
        assert_eq!(v["route"]["route"]["name"], "split-v1-v3");
        assert_eq!(v["route"]["route"]["matchIndex"], Value::Null);
        let weights: Vec<&Value> =
            v["route"]["destinations"].as_array().unwrap().iter().map(|d| &d["weight"]).collect();
        assert_eq!(weights, [50, 50]);
        assert_eq!(v["authz"]["decision"], "ALLOW");
    }
    assert_eq!(low["route"]["selected"]["subset"], "v1");
    assert_eq!(high["route"]["selected"]["subset"], "v3");
}

#[test]
fn a_call_outside_the_bookinfo_graph_is_denied() {
    // details never calls ratings: allow-nothing plus ratings-viewer (reviews only) deny it.
    let req = request("bookinfo-details", r#"{"app": "details"}"#, "ratings", "/ratings/0", "{}", 0.0, true);
    let (code, v) = json(&["explain", "--request", "-"], Some(&req));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["route"]["action"], "forward");
    assert_eq!(v["authz"]["decision"], "DENY");
    assert_eq!(v["authz"]["action"], Value::Null);
    assert_eq!(v["authz"]["policy"], Value::Null);
    assert_eq!(v["authz"]["rule"], Value::Null);
    // ...while the real edge reviews -> ratings is allowed.
    let req = request(
        "bookinfo-reviews",
        r#"{"app": "reviews", "version": "v2"}"#,
        "ratings",
        "/ratings/0",
        "{}",
        0.0,
        true,
    );
    let (code, v) = json(&["explain", "--request", "-"], Some(&req));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["authz"]["policy"], "default/ratings-viewer");
}

#[test]
fn the_bookinfo_policies_allow_exactly_the_call_graph() {
    // (source service account, labels, destination host, allowed)
    let sa = |s: &str| format!("bookinfo-{s}");
    let cases = [
        ("productpage", "reviews", true),
        ("productpage", "details", true),
        ("reviews", "ratings", true),
        ("productpage", "ratings", false),
        ("details", "reviews", false),
        ("ratings", "reviews", false),
        ("reviews", "productpage", false),
    ];
    for (from, to, allowed) in cases {
        let labels = format!(r#"{{"app": "{from}"}}"#);
        let req = request(&sa(from), &labels, to, "/", "{}", 0.0, true);
        let (code, v) = json(&["explain", "--request", "-"], Some(&req));
        assert_eq!(v["authz"]["decision"], if allowed { "ALLOW" } else { "DENY" }, "{from} -> {to}: {v}");
        assert_eq!(code, if allowed { 0 } else { 1 }, "{from} -> {to}");
    }
    // The ingress gateway's Envoy calls productpage with its own identity...
    let gw_call = r#"{"source": {"namespace": "istio-system", "serviceAccount": "istio-ingressgateway-service-account",
        "labels": {"istio": "ingressgateway"}}, "destination": {"host": "productpage.default.svc.cluster.local", "port": 9080},
        "path": "/productpage"}"#;
    let (code, v) = json(&["explain", "--request", "-"], Some(gw_call));
    assert_eq!(v["authz"]["policy"], "default/productpage-viewer", "{v}");
    assert_eq!(code, 0);
    // ...after routing at the Gateway by the bookinfo VirtualService.
    let at_gw = r#"{"gateway": "default/bookinfo-gateway",
        "source": {"namespace": "istio-system", "serviceAccount": "istio-ingressgateway-service-account"},
        "destination": {"host": "bookinfo.example.com", "port": 80}, "path": "/productpage"}"#;
    let (_, v) = json(&["explain", "--request", "-"], Some(at_gw));
    assert_eq!(v["route"]["virtualService"], "default/bookinfo", "{v}");
    assert_eq!(v["route"]["selected"]["host"], "productpage.default.svc.cluster.local");
}

#[test]
fn a_plaintext_call_is_refused_under_strict_mtls() {
    let req = request(
        "bookinfo-productpage",
        r#"{"app": "productpage"}"#,
        "reviews",
        "/reviews/0",
        "{}",
        0.0,
        false,
    );
    let (code, v) = json(&["explain", "--request", "-"], Some(&req));
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["mtls"]["mode"], "STRICT");
    assert_eq!(v["mtls"]["policy"], "istio-system/default");
    // Plaintext: no principal, so reviews-viewer does not match either.
    assert_eq!(v["authz"]["decision"], "DENY");
    let (code, out, _) = meshctl(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "--plaintext",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(out.contains("REFUSED"), "{out}");
    assert!(out.contains("NOT SERVED: denied by authorization"), "{out}");
    assert!(
        out.contains("WARNING  the connection would not get through: plaintext to a STRICT mTLS port"),
        "{out}"
    );
}

#[test]
fn strict_mtls_plaintext_is_reported_and_exit_follows_the_contract() {
    let mesh = r#"
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: default}
spec: {mtls: {mode: STRICT}}
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mesh.yaml");
    std::fs::write(&path, mesh).unwrap();
    let p = path.to_str().unwrap();
    let plain = r#"{"source": {"namespace": "default", "mtls": false}, "destination": {"host": "reviews", "port": 9080}}"#;
    let (code, v) = json(&["explain", "--config", p, "--request", "-"], Some(plain));
    assert_eq!(v["authz"]["decision"], "ALLOW");
    assert_eq!(v["mtls"]["mode"], "STRICT");
    assert_eq!(v["endpoint"], Value::Null, "no endpoints in this mesh: {v}");
    // CONTRACT.md: exit 0 when route exit 0 and authz ALLOW; the STRICT refusal shows in `mtls`.
    assert_eq!(code, 0);
    let (_, text, _) = meshctl(&["explain", "--config", p, "--request", "-", "-o", "text"], Some(plain));
    assert!(
        text.contains("WARNING  the connection would not get through: plaintext to a STRICT mTLS port"),
        "{text}"
    );
    let mutual = plain.replace("false", "true");
    let (code, _) = json(&["explain", "--config", p, "--request", "-"], Some(&mutual));
    assert_eq!(code, 0);
}

#[test]
fn the_flag_form_equals_the_json_request() {
    let (code, flags) = json(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "-H",
            "end-user:jason",
        ],
        None,
    );
    assert_eq!(code, 0, "{flags}");
    // The flag form takes the client's labels and IP from its pod (productpage-v1 in us-east1-b).
    let req = r#"{"source": {"namespace": "default", "serviceAccount": "bookinfo-productpage",
        "labels": {"app": "productpage", "version": "v1", "security.istio.io/tlsMode": "istio",
                   "service.istio.io/canonical-name": "productpage", "service.istio.io/canonical-revision": "v1"},
        "ip": "10.0.1.10"},
        "destination": {"host": "reviews", "port": 9080}, "method": "GET", "scheme": "http",
        "path": "/reviews/0", "headers": {"End-User": "jason"}}"#;
    let (code, from_json) = json(&["explain", "--request", "-"], Some(req));
    assert_eq!(code, 0);
    assert_eq!(flags, from_json);
    assert_eq!(flags["route"]["selected"]["subset"], "v2");
    // Locality: the client runs in us-east1-b, so is the v2 endpoint at priority 0.
    assert_eq!(flags["endpoint"]["sourceLocality"], "us-east1/us-east1-b/");
    assert_eq!(flags["endpoint"]["locality"], "us-east1/us-east1-b/");
    assert_eq!(flags["endpoint"]["priority"], 0);
    assert_eq!(flags["endpoint"]["address"], "10.0.1.21:9080");
}

#[test]
fn a_client_in_europe_gets_the_european_endpoint() {
    // Istio failover priorities: same zone 0, other region (the failover target) after.
    let (code, v) = json(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "--from-ip",
            "10.1.1.10",
            "--random",
            "0.1",
        ],
        None,
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["route"]["selected"]["subset"], "v1");
    assert_eq!(v["endpoint"]["sourceLocality"], "europe-west1/europe-west1-b/");
    assert_eq!(v["endpoint"]["address"], "10.1.1.20:9080");
    assert_eq!(v["endpoint"]["priority"], 0);
}

#[test]
fn the_text_trace_names_every_part() {
    let (code, out, err) = meshctl(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "-H",
            "end-user:jason",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    for needle in [
        "VirtualService default/reviews (hosts reviews): applies",
        "VirtualService default/bookinfo (hosts *): not used",
        "route #0 \"jason-sees-v2\" match #0: FIRED (header end-user matched)",
        "DestinationRule default/reviews (host reviews): applies",
        "subset v2",
        "locality failover",
        "-> P0 10.0.1.21:9080",
        "P1 10.0.2.21:9080",
        "priority load (Envoy): P0 100%, P1 0%",
        "STRICT (set by PeerAuthentication istio-system/default)",
        "destination ingress: isolated, allowed by default/bookinfo-ingress",
        "ALLOW  default/reviews-viewer: rule 0 MATCHED: decided ALLOW",
        "ALLOW  default/allow-nothing",
        "VERDICT  SERVED",
    ] {
        assert!(out.contains(needle), "missing {needle:?} in\n{out}");
    }
    let (_, out, _) = meshctl(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "--random",
            "0.7",
        ],
        None,
    );
    assert!(out.contains("route #0 \"jason-sees-v2\" match #0: header end-user does not match"), "{out}");
    assert!(
        out.contains("-> reviews.default.svc.cluster.local subset v3 weight 50 (cumulative 100)"),
        "{out}"
    );
}

#[test]
fn bad_requests_exit_2() {
    for args in [
        &["explain"][..],
        &["explain", "GET", "reviews:9080/x"],
        &["explain", "GET", "http://reviews:99999/"],
        &["explain", "GET", "http://reviews/", "--from", "default"],
        &["explain", "GET", "http://reviews/", "-H", "no-colon"],
        &["explain", "GET", "http://reviews/", "--random", "1.0"],
        &["explain", "--request", "/nonexistent/req.json"],
        &["explain", "--request", "-", "--from", "default/x"],
    ] {
        let (code, _, err) = meshctl(args, Some("{}"));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.is_empty() && !err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn gateway_requests_are_authorized_at_the_gateway_pods() {
    // Istio applies AuthorizationPolicies to the gateway's pods (selected in istio-system),
    // not to the namespace of the Gateway resource (default, where `allow-nothing` lives).
    let req = r#"{"gateway": "default/bookinfo-gateway",
                  "source": {"namespace": "istio-system", "mtls": false, "ip": "203.0.113.9"},
                  "destination": {"host": "bookinfo.example.com", "port": 80},
                  "path": "/productpage"}"#;
    let (code, v) = json(&["explain", "--request", "-"], Some(req));
    assert_eq!(v["route"]["virtualService"], "default/bookinfo", "{v}");
    assert_eq!(v["authz"]["decision"], "ALLOW", "{v}");
    assert_eq!(code, 0);
}

// Envoy: a route to a subset no DestinationRule defines names a cluster that does not exist
// (503, "NC"); nothing is picked and no connection is made, so no NetworkPolicy verdict.
/// A copy of the Bookinfo mesh with `networking.yaml` edited.
fn bookinfo_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bookinfo = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/bookinfo");
    for entry in std::fs::read_dir(bookinfo).unwrap_or_else(|e| panic!("{e}")) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            if path.file_name().is_some_and(|n| n == "networking.yaml") {
                text = edit(text);
            }
            std::fs::write(dir.path().join(path.file_name().unwrap_or_default()), text)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    dir
}

#[test]
fn an_undefined_subset_is_a_warning_without_a_network_verdict() {
    // The 50/50 split's v1 half goes to a subset nobody defines.
    let dir = bookinfo_with(|text| text.replacen("subset: v1", "subset: v9", 1));
    let config = dir.path().to_str().unwrap_or_default();
    let (_, out, err) = meshctl(
        &[
            "explain",
            "GET",
            "http://reviews:9080/reviews/0",
            "--from",
            "default/bookinfo-productpage",
            "--config",
            config,
        ],
        None,
    );
    assert!(out.contains("subset v9"), "{out}{err}");
    assert!(out.contains("no endpoint to pick"), "{out}");
    assert!(!out.contains("NETWORKPOLICY"), "{out}");
    assert!(
        out.contains("WARNING  the connection would not get through: the subset is not defined"),
        "{out}"
    );
}

// istio DestinationRule consistentHash.httpHeaderName: Envoy picks the endpoint from its ring
// (here Maglev) by the header's hash, whatever the draw; users spread over the endpoints.
#[test]
fn consistent_hash_picks_by_the_request_header() {
    let dir = bookinfo_with(|text| {
        text.replacen(
            "      simple: ROUND_ROBIN\n      localityLbSetting:\n        enabled: true",
            "      consistentHash: {httpHeaderName: x-user, maglev: {tableSize: 65537}}\n      localityLbSetting:\n        enabled: false",
            1,
        )
    });
    let config = dir.path().to_str().unwrap_or_default();
    let explain = |user: &str, random: f64| {
        let headers = format!(r#"{{"end-user": "jason", "x-user": "{user}"}}"#);
        let (_, v) = json(
            &["explain", "--request", "-", "--config", config],
            Some(&productpage_to_reviews(&headers, random)),
        );
        v["endpoint"]["address"].as_str().unwrap_or_else(|| panic!("{v}")).to_string()
    };
    let mut addresses = std::collections::BTreeSet::new();
    for user in ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"] {
        let first = explain(user, 0.05);
        for random in [0.35, 0.65, 0.95] {
            assert_eq!(explain(user, random), first, "{user} moved with the draw");
        }
        addresses.insert(first);
    }
    assert_eq!(addresses.len(), 2, "both v2 endpoints serve someone: {addresses:?}");
    let (_, out, _) = meshctl(
        &["explain", "--request", "-", "--config", config],
        Some(&productpage_to_reviews(r#"{"end-user": "jason", "x-user": "alice"}"#, 0.5)),
    );
    assert!(out.contains("request hashed on header x-user: 0x"), "{out}");
}
