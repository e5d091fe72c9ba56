//! TCP and TLS routes in the mesh (istio tcp.go / tls.go matchTCP and SNI filter chains).
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use route_common::*;

fn tcp_vs(body: &str) -> mesh_routing::Router {
    router(&format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: db, namespace: other}}
spec:
  hosts: [details]
{body}"
    ))
}

fn tcp_req() -> Req {
    req("details.other", "").port(3306).tcp()
}

#[test]
fn tcp_route_without_match() {
    let r = tcp_vs("  tcp: [{route: [{destination: {host: details, subset: db}}]}]\n");
    let s = summary(&r, &tcp_req());
    assert_eq!((s.0.as_str(), s.5.as_deref()), ("forward", Some("db")));
}

#[test]
fn tcp_route_kind_reported() {
    let r = tcp_vs("  tcp: [{route: [{destination: {host: details}}]}]\n");
    assert_eq!(
        decide(&r, &tcp_req(), |d, _| d.route.map(|x| x.kind)),
        Some(mesh_routing::decision::RouteKind::Tcp)
    );
}

#[test]
fn tcp_port_match() {
    let r = tcp_vs(
        "  tcp:\n  - match: [{port: 9999}]\n    route: [{destination: {host: details, subset: a}}]\n  - route: [{destination: {host: details, subset: b}}]\n",
    );
    assert_eq!(subset(&r, &tcp_req()).as_deref(), Some("b"));
}

// istio matchTCP: source labels are checked
#[test]
fn tcp_source_labels() {
    let r = tcp_vs(
        "  tcp:\n  - match: [{sourceLabels: {app: x}}]\n    route: [{destination: {host: details, subset: x}}]\n",
    );
    assert_eq!(subset(&r, &tcp_req().label("app", "x")).as_deref(), Some("x"));
    assert_eq!(action(&r, &tcp_req()), "passthrough");
}

#[test]
fn tcp_destination_subnets_use_service_vip() {
    let r = tcp_vs(
        "  tcp:\n  - match: [{destinationSubnets: [10.96.0.0/16]}]\n    route: [{destination: {host: details, subset: in}}]\n",
    );
    assert_eq!(subset(&r, &tcp_req()).as_deref(), Some("in"));
    assert_eq!(action(&r, &tcp_req().dest_ip("192.168.0.1")), "passthrough");
}

#[test]
fn tcp_weighted() {
    let r = tcp_vs(
        "  tcp:\n  - route:\n    - {destination: {host: details, subset: a}, weight: 30}\n    - {destination: {host: details, subset: b}, weight: 70}\n",
    );
    assert_eq!(subset(&r, &tcp_req().random(0.2)).as_deref(), Some("a"));
    assert_eq!(subset(&r, &tcp_req().random(0.5)).as_deref(), Some("b"));
}

#[test]
fn tcp_unknown_host_passthrough() {
    assert_eq!(action(&router(""), &req("db.example.com", "").port(5432).tcp()), "passthrough");
}

#[test]
fn tcp_no_vs_default_route() {
    let s = summary(&router(""), &tcp_req());
    assert_eq!((s.0.as_str(), s.4.as_deref()), ("passthrough", Some("details.other.svc.cluster.local")));
}

const TLS_SE: &str = "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ext, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: tls, namespace: default}
spec:
  hosts: [api.example.com]
  tls:
  - match: [{port: 443, sniHosts: [api.example.com]}]
    route: [{destination: {host: api.example.com, subset: tls}}]
";

#[test]
fn tls_sni_match() {
    let r = router(TLS_SE);
    let s = summary(&r, &req("api.example.com", "").port(443).tls("api.example.com"));
    assert_eq!((s.0.as_str(), s.3, s.5.as_deref()), ("forward", Some(0), Some("tls")));
}

#[test]
fn tls_sni_mismatch_default() {
    let r = router(TLS_SE);
    assert_eq!(action(&r, &req("api.example.com", "").port(443).tls("other.example.com")), "passthrough");
}
