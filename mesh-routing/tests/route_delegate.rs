//! Delegate VirtualServices (istio pilot/pkg/model/virtualservice.go MergeHTTPRoutes and
//! virtualservice_test.go TestMergeHttpRoutes).
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use route_common::*;

fn root(http: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: root, namespace: default}}
spec:
  hosts: [reviews]
  http:
{http}---
"
    )
}

fn delegate(ns: &str, http: &str, export: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: d, namespace: {ns}}}
spec:
{export}  http:
{http}---
"
    )
}

const ROOT: &str = "  - name: r\n    match: [{uri: {prefix: /productpage}}]\n    delegate: {name: d, namespace: team}\n    timeout: 5s\n  - route: [{destination: {host: reviews, subset: fallback}}]\n";

#[test]
fn delegate_routes_replace_root_route() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - match: [{uri: {prefix: /productpage/v1}}]\n    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]\n",
            "",
        );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/productpage/v1/x")).as_deref(), Some("v1"));
}

#[test]
fn delegate_route_index_is_root_index_with_delegate_origin() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]\n",
            "",
        );
    let r = router(&y);
    let (i, del) = decide(&r, &req("reviews", "/productpage"), |d, _| {
        let x = d.route.expect("route");
        (x.index, x.delegate.map(|(n, i)| (n.to_string(), i)))
    });
    assert_eq!((i, del), (0, Some(("team/d".to_string(), 0))));
}

// istio mergeHTTPMatchRequests: a delegate without matches takes the root's matches
#[test]
fn delegate_without_match_inherits_root_match() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]\n",
            "",
        );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/other")).as_deref(), Some("fallback"));
    assert_eq!(subset(&r, &req("reviews", "/productpage")).as_deref(), Some("v1"));
}

// istio hasConflict: a delegate prefix outside the root prefix conflicts and is dropped
#[test]
fn conflicting_delegate_match_dropped() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - match: [{uri: {prefix: /other}}]\n    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]\n",
            "",
        );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/other")).as_deref(), Some("fallback"));
}

// istio mergeHTTPRoute: the delegate inherits the root's timeout, names join with '-'
#[test]
fn delegate_inherits_timeout_and_name() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - name: leaf\n    route: [{destination: {host: reviews.default.svc.cluster.local}}]\n",
            "",
        );
    let r = router(&y);
    let (t, n) = decide(&r, &req("reviews", "/productpage"), |d, _| {
        (d.timeout.map(|t| t.to_string()), d.route.and_then(|x| x.name.map(str::to_string)))
    });
    assert_eq!((t.as_deref(), n.as_deref()), (Some("5s"), Some("r-leaf")));
}

// istio: a delegate not exported to the root's namespace is ignored with its root route
#[test]
fn delegate_not_exported_dropped() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - route: [{destination: {host: reviews.default.svc.cluster.local, subset: v1}}]\n",
            "  exportTo: ['.']\n",
        );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/productpage")).as_deref(), Some("fallback"));
}

#[test]
fn missing_delegate_dropped() {
    let r = router(&root(ROOT));
    assert_eq!(subset(&r, &req("reviews", "/productpage")).as_deref(), Some("fallback"));
}

// the delegate's short names resolve in the delegate's namespace
#[test]
fn delegate_short_name_in_delegate_namespace() {
    let y = root(ROOT) + &delegate("other", "  - route: [{destination: {host: details}}]\n", "");
    let y = y.replace("namespace: team}", "namespace: other}");
    let r = router(&y);
    assert_eq!(
        summary(&r, &req("reviews", "/productpage")).4.as_deref(),
        Some("details.other.svc.cluster.local")
    );
}

#[test]
fn delegate_headers_merged_with_root_match() {
    let y = root(ROOT)
        + &delegate(
            "team",
            "  - match: [{headers: {x-v: {exact: '2'}}}]\n    route: [{destination: {host: reviews.default.svc.cluster.local, subset: v2}}]\n",
            "",
        );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/productpage").header("x-v", "2")).as_deref(), Some("v2"));
    // the merged match keeps the root's uri prefix
    assert_eq!(subset(&r, &req("reviews", "/x").header("x-v", "2")).as_deref(), Some("fallback"));
}

mod merge_rules {
    use mesh_model::networking::{HttpMatchRequest, StringMatch};
    use mesh_routing::delegate::has_conflict;

    fn uri(m: StringMatch) -> HttpMatchRequest {
        HttpMatchRequest { uri: Some(m), ..Default::default() }
    }

    // istio virtualservice_test.go TestHasConflict rows
    #[test]
    fn prefix_under_prefix_ok() {
        assert!(!has_conflict(
            &uri(StringMatch::Prefix("/a".into())),
            &uri(StringMatch::Prefix("/a/b".into()))
        ));
    }
    #[test]
    fn prefix_outside_prefix_conflicts() {
        assert!(has_conflict(
            &uri(StringMatch::Prefix("/a/b".into())),
            &uri(StringMatch::Prefix("/a".into()))
        ));
    }
    #[test]
    fn exact_under_prefix_ok() {
        assert!(!has_conflict(
            &uri(StringMatch::Prefix("/a".into())),
            &uri(StringMatch::Exact("/a/b".into()))
        ));
    }
    #[test]
    fn prefix_under_exact_conflicts() {
        assert!(has_conflict(&uri(StringMatch::Exact("/a".into())), &uri(StringMatch::Prefix("/a".into()))));
    }
    #[test]
    fn different_exacts_conflict() {
        assert!(has_conflict(&uri(StringMatch::Exact("/a".into())), &uri(StringMatch::Exact("/b".into()))));
    }
    #[test]
    fn regex_root_conflicts_with_prefix_leaf() {
        assert!(has_conflict(
            &uri(StringMatch::Regex("/a.*".into())),
            &uri(StringMatch::Prefix("/a".into()))
        ));
    }
    #[test]
    fn ports_conflict() {
        let a = HttpMatchRequest { port: Some(80), ..Default::default() };
        let b = HttpMatchRequest { port: Some(81), ..Default::default() };
        assert!(has_conflict(&a, &b));
    }
    #[test]
    fn ignore_uri_case_must_agree() {
        let a = HttpMatchRequest { ignore_uri_case: Some(true), ..Default::default() };
        assert!(has_conflict(&a, &HttpMatchRequest::default()));
    }
    #[test]
    fn unset_root_never_conflicts() {
        assert!(!has_conflict(&HttpMatchRequest::default(), &uri(StringMatch::Prefix("/x".into()))));
    }
}
