use super::*;

fn httpbin() -> RequestRecord {
    let peer = |w: &str, app: &str, v: Option<&str>, sa: &str| Peer {
        workload: Some(w.into()),
        namespace: Some("default".into()),
        principal: Some(format!("spiffe://cluster.local/ns/default/sa/{sa}")),
        app: Some(app.into()),
        version: v.map(String::from),
        canonical_service: Some(app.into()),
        canonical_revision: v.map(String::from),
        cluster: Some("Kubernetes".into()),
    };
    RequestRecord {
        source: peer("sleep", "sleep", None, "sleep"),
        destination: peer("httpbin", "httpbin", Some("v1"), "httpbin"),
        destination_service: Some("httpbin.default.svc.cluster.local".into()),
        destination_service_name: Some("httpbin".into()),
        destination_service_namespace: Some("default".into()),
        mtls: true,
        ..RequestRecord::default()
    }
}

// The label set and order of a sidecar's /stats/prometheus output for an HTTP request
// (reporter destination, mTLS), as Istio's stats filter emits it.
#[test]
fn http_label_set_matches_proxy_output() {
    let got: Vec<String> = labels(&httpbin()).iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    let want = "response_code=\"200\",reporter=\"destination\",source_workload=\"sleep\",source_workload_namespace=\"default\",source_principal=\"spiffe://cluster.local/ns/default/sa/sleep\",source_app=\"sleep\",source_version=\"unknown\",source_cluster=\"Kubernetes\",destination_workload=\"httpbin\",destination_workload_namespace=\"default\",destination_principal=\"spiffe://cluster.local/ns/default/sa/httpbin\",destination_app=\"httpbin\",destination_version=\"v1\",destination_service=\"httpbin.default.svc.cluster.local\",destination_service_name=\"httpbin\",destination_service_namespace=\"default\",destination_cluster=\"Kubernetes\",request_protocol=\"http\",response_flags=\"-\",grpc_response_status=\"\",connection_security_policy=\"mutual_tls\",source_canonical_service=\"sleep\",destination_canonical_service=\"httpbin\",source_canonical_revision=\"latest\",destination_canonical_revision=\"v1\"";
    assert_eq!(got.join(","), want);
}

#[test]
fn tcp_drops_http_only_labels() {
    let r = RequestRecord { protocol: Protocol::Tcp, ..httpbin() };
    let names: Vec<&str> = labels(&r).iter().map(|(k, _)| *k).collect();
    assert_eq!(names.len(), 23);
    assert!(!names.contains(&"response_code") && !names.contains(&"grpc_response_status"));
    let s = samples(&RequestRecord { closed: true, sent_bytes: 10, ..r });
    let metric_names: Vec<&str> = s.iter().map(|s| s.name).collect();
    assert_eq!(
        metric_names,
        [
            "istio_tcp_connections_opened_total",
            "istio_tcp_connections_closed_total",
            "istio_tcp_sent_bytes_total",
            "istio_tcp_received_bytes_total"
        ]
    );
}

#[test]
fn plaintext_and_source_reporter_policies() {
    let plain = RequestRecord { mtls: false, ..httpbin() };
    let l = labels(&plain);
    assert!(l.contains(&("connection_security_policy", "none".into())));
    assert!(l.contains(&("source_principal", "unknown".into())));
    let src = RequestRecord { reporter: Reporter::Source, ..httpbin() };
    assert!(labels(&src).contains(&("connection_security_policy", "unknown".into())));
}

#[test]
fn render_accumulates_counters_and_histograms() {
    let mut reg = Registry::default();
    reg.record(&RequestRecord { duration_ms: 7.0, ..httpbin() });
    reg.record(&RequestRecord { duration_ms: 300.0, ..httpbin() });
    let text = reg.render();
    assert!(text.contains("\"} 2\n"));
    assert!(text.contains("le=\"10\"} 1\n"));
    assert!(text.contains("le=\"500\"} 2\n"));
    assert!(text.contains("le=\"+Inf\"} 2\n"));
    assert!(text.contains("istio_request_duration_milliseconds_sum{"));
    assert!(text.contains("} 307\n"));
    assert_eq!(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}
