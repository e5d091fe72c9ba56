//! Routing at an Istio Gateway: server binding, namespace-qualified hosts, merging of
//! several VirtualServices, catch-all ordering, httpsRedirect, TLS passthrough
//! (istio gateway.go buildGatewayHTTPRouteConfig, route.go SortVHostRoutes).
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use route_common::*;

const GW: &str = "apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ['*.example.com', 'bookinfo/*.bookinfo.com', 'istio-system/admin.example.org']
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ['secure.example.com']
    tls: {mode: SIMPLE, credentialName: cert}
  - port: {number: 8443, name: tls, protocol: TLS}
    hosts: ['*.pass.example.com']
    tls: {mode: PASSTHROUGH}
  - port: {number: 8080, name: redirect, protocol: HTTP}
    hosts: ['secure.example.com']
    tls: {httpsRedirect: true}
---
";

fn gvs(name: &str, ns: &str, hosts: &str, http: &str, extra: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}{extra}}}
spec:
  hosts: {hosts}
  gateways: [istio-system/gw]
  http:
{http}---
"
    )
}

const TO_REVIEWS: &str = "  - route: [{destination: {host: reviews.default.svc.cluster.local}}]\n";

fn at_gw(host: &str, path: &str, port: u16) -> Req {
    req(host, path).gateway("istio-system/gw").port(port)
}

#[test]
fn vs_bound_and_host_admitted() {
    let r = router(&format!("{GW}{}", gvs("a", "default", "[a.example.com]", TO_REVIEWS, "")));
    let s = summary(&r, &at_gw("a.example.com", "/", 80));
    assert_eq!((s.0.as_str(), s.1.as_deref()), ("forward", Some("default/a")));
}

#[test]
fn context_is_the_gateway() {
    let r = router(&format!("{GW}{}", gvs("a", "default", "[a.example.com]", TO_REVIEWS, "")));
    assert_eq!(decide(&r, &at_gw("a.example.com", "/", 80), |d, _| d.context.to_string()), "istio-system/gw");
}

// no virtual host admits the authority: Envoy answers 404 with no VirtualService
#[test]
fn unknown_host_not_found() {
    let r = router(&format!("{GW}{}", gvs("a", "default", "[a.example.com]", TO_REVIEWS, "")));
    let s = summary(&r, &at_gw("b.example.com", "/", 80));
    assert_eq!((s.0.as_str(), s.1), ("notFound", None));
}

#[test]
fn vs_not_bound_to_gateway_ignored() {
    let r = router(&format!(
        "{GW}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: m, namespace: default}}
spec:
  hosts: [a.example.com]
  http: [{{route: [{{destination: {{host: reviews}}}}]}}]
"
    ));
    assert_eq!(action(&r, &at_gw("a.example.com", "/", 80)), "notFound");
}

// the server host is the narrower of the pair: a VS for *.example.com serves a.example.com
#[test]
fn wildcard_vs_host_narrowed_by_server() {
    let r = router(&format!("{GW}{}", gvs("w", "default", "['*.example.com']", TO_REVIEWS, "")));
    assert_eq!(action(&r, &at_gw("x.example.com", "/", 80)), "forward");
}

// istio NamesForNamespace: ns/host admits only VirtualServices of that namespace
#[test]
fn namespace_qualified_server_host() {
    let y = format!(
        "{GW}{}{}",
        gvs("b", "bookinfo", "[www.bookinfo.com]", TO_REVIEWS, ""),
        gvs("c", "default", "[shop.bookinfo.com]", TO_REVIEWS, "")
    );
    let r = router(&y);
    assert_eq!(action(&r, &at_gw("www.bookinfo.com", "/", 80)), "forward");
    assert_eq!(action(&r, &at_gw("shop.bookinfo.com", "/", 80)), "notFound");
}

#[test]
fn namespace_qualified_own_namespace() {
    let r = router(&format!("{GW}{}", gvs("adm", "istio-system", "[admin.example.org]", TO_REVIEWS, "")));
    assert_eq!(action(&r, &at_gw("admin.example.org", "/", 80)), "forward");
}

// istio: at a gateway, VirtualServices for one host are merged in order
#[test]
fn merged_virtual_services() {
    let y = format!(
        "{GW}{}{}",
        gvs(
            "a",
            "default",
            "[m.example.com]",
            "  - match: [{uri: {prefix: /a}}]\n    route: [{destination: {host: reviews, subset: a}}]\n",
            ", creationTimestamp: '2020-01-01T00:00:00Z'"
        ),
        gvs(
            "b",
            "default",
            "[m.example.com]",
            "  - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: reviews, subset: b}}]\n",
            ", creationTimestamp: '2021-01-01T00:00:00Z'"
        )
    );
    let r = router(&y);
    let a = summary(&r, &at_gw("m.example.com", "/a", 80));
    let b = summary(&r, &at_gw("m.example.com", "/b", 80));
    assert_eq!((a.1.as_deref(), a.5.as_deref()), (Some("default/a"), Some("a")));
    assert_eq!((b.1.as_deref(), b.5.as_deref()), (Some("default/b"), Some("b")));
}

// istio SortVHostRoutes: catch-all routes of merged VirtualServices go last
#[test]
fn catch_all_moves_last_when_merged() {
    let y = format!(
        "{GW}{}{}",
        gvs(
            "a",
            "default",
            "[m.example.com]",
            "  - route: [{destination: {host: reviews, subset: all}}]\n",
            ", creationTimestamp: '2020-01-01T00:00:00Z'"
        ),
        gvs(
            "b",
            "default",
            "[m.example.com]",
            "  - match: [{uri: {prefix: /b}}]\n    route: [{destination: {host: reviews, subset: b}}]\n",
            ", creationTimestamp: '2021-01-01T00:00:00Z'"
        )
    );
    let r = router(&y);
    assert_eq!(subset(&r, &at_gw("m.example.com", "/b", 80)).as_deref(), Some("b"));
    assert_eq!(subset(&r, &at_gw("m.example.com", "/x", 80)).as_deref(), Some("all"));
}

#[test]
fn redirect_scheme_https_on_tls_server() {
    let r = router(&format!(
        "{GW}{}",
        gvs("s", "default", "[secure.example.com]", "  - redirect: {port: 8443}\n", "")
    ));
    let l =
        decide(&r, &at_gw("secure.example.com", "/p", 443).scheme("https"), |d, rr| d.redirect_response(rr));
    assert_eq!(l.map(|x| x.1).as_deref(), Some("https://secure.example.com:8443/p"));
}

// envoy require_tls ALL: plain HTTP is redirected to https with 301
#[test]
fn https_redirect_server() {
    let r = router(GW);
    let l = decide(&r, &at_gw("secure.example.com", "/p?q", 8080), |d, rr| {
        (d.action.as_str().to_string(), d.redirect_response(rr))
    });
    assert_eq!(l.0, "redirect");
    assert_eq!(l.1, Some((301, "https://secure.example.com/p?q".to_string())));
}

#[test]
fn port_without_server_not_found() {
    let r = router(&format!("{GW}{}", gvs("a", "default", "[a.example.com]", TO_REVIEWS, "")));
    assert_eq!(action(&r, &at_gw("a.example.com", "/", 9999)), "notFound");
}

#[test]
fn unknown_gateway_not_found() {
    let r = router(GW);
    assert_eq!(action(&r, &req("a.example.com", "/").gateway("x/y").port(80)), "notFound");
}

#[test]
fn match_gateways_at_gateway() {
    let http = "  - match: [{gateways: [istio-system/gw], uri: {prefix: /g}}]\n    route: [{destination: {host: reviews, subset: g}}]\n  - route: [{destination: {host: reviews, subset: rest}}]\n";
    let r = router(&format!("{GW}{}", gvs("a", "default", "[a.example.com]", http, "")));
    assert_eq!(subset(&r, &at_gw("a.example.com", "/g", 80)).as_deref(), Some("g"));
}

#[test]
fn vs_short_gateway_name_resolved_in_vs_namespace() {
    let y = format!(
        "{}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: a, namespace: istio-system}}
spec:
  hosts: [a.example.com]
  gateways: [gw]
  http: [{{route: [{{destination: {{host: reviews.default.svc.cluster.local}}}}]}}]
",
        GW
    );
    assert_eq!(action(&router(&y), &at_gw("a.example.com", "/", 80)), "forward");
}

#[test]
fn gateway_vs_export_to_must_reach_gateway_namespace() {
    let y = format!(
        "{GW}{}",
        gvs("a", "default", "[a.example.com]", TO_REVIEWS, "")
            .replace("  hosts:", "  exportTo: ['.']\n  hosts:")
    );
    assert_eq!(action(&router(&y), &at_gw("a.example.com", "/", 80)), "notFound");
}

// istio buildGatewayNetworkFiltersFromTLSRoutes: TLS passthrough by SNI
#[test]
fn tls_passthrough_by_sni() {
    let y = format!(
        "{GW}apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: t, namespace: default}}
spec:
  hosts: ['*.pass.example.com']
  gateways: [istio-system/gw]
  tls:
  - match: [{{port: 8443, sniHosts: [a.pass.example.com]}}]
    route: [{{destination: {{host: reviews}}}}]
"
    );
    let r = router(&y);
    let q = req("a.pass.example.com", "/").gateway("istio-system/gw").port(8443).tls("a.pass.example.com");
    assert_eq!(action(&r, &q), "forward");
    let other =
        req("b.pass.example.com", "/").gateway("istio-system/gw").port(8443).tls("b.pass.example.com");
    assert_eq!(action(&r, &other), "notFound");
}
