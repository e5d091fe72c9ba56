//! HTTP route selection and actions, end to end, each pinned to the Istio or Envoy behaviour.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use route_common::*;

fn vs(http: &str) -> mesh_routing::Router {
    router(&format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: reviews, namespace: default}}
spec:
  hosts: [reviews]
  http:
{http}"
    ))
}

const TWO: &str = "  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews, subset: api}}]
  - route: [{destination: {host: reviews, subset: rest}}]
";

// === order and matches ===

// envoy: routes are tried in order, the first match wins
#[test]
fn first_match_wins() {
    let r = vs("  - match: [{uri: {prefix: /}}]
    route: [{destination: {host: reviews, subset: a}}]
  - match: [{uri: {exact: /x}}]
    route: [{destination: {host: reviews, subset: b}}]
");
    assert_eq!(subset(&r, &req("reviews", "/x")).as_deref(), Some("a"));
}

#[test]
fn later_route_when_earlier_fails() {
    let r = vs(TWO);
    assert_eq!(subset(&r, &req("reviews", "/other")).as_deref(), Some("rest"));
    assert_eq!(route_index(&r, &req("reviews", "/other")), Some(1));
}

#[test]
fn matches_are_ored_match_index_reported() {
    let r = vs("  - match: [{uri: {exact: /a}}, {uri: {exact: /b}}]
    route: [{destination: {host: reviews}}]
");
    assert_eq!(summary(&r, &req("reviews", "/b")).3, Some(1));
    assert_eq!(summary(&r, &req("reviews", "/a")).3, Some(0));
}

#[test]
fn conditions_within_a_match_are_anded() {
    let r = vs("  - match: [{uri: {prefix: /a}, method: {exact: POST}}]
    route: [{destination: {host: reviews, subset: post}}]
  - route: [{destination: {host: reviews, subset: other}}]
");
    assert_eq!(subset(&r, &req("reviews", "/a").method("POST")).as_deref(), Some("post"));
    assert_eq!(subset(&r, &req("reviews", "/a")).as_deref(), Some("other"));
    assert_eq!(subset(&r, &req("reviews", "/b").method("POST")).as_deref(), Some("other"));
}

// istio: a VirtualService that owns the host but matches nothing answers 404
#[test]
fn no_route_matches_is_not_found() {
    let r = vs("  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: reviews}}]
");
    let s = summary(&r, &req("reviews", "/x"));
    assert_eq!(s.0, "notFound");
    assert_eq!(s.1.as_deref(), Some("default/reviews"));
    assert_eq!(s.2, None);
}

#[test]
fn query_string_not_part_of_exact_path() {
    let r = vs("  - match: [{uri: {exact: /a}}]
    route: [{destination: {host: reviews}}]
");
    assert_eq!(action(&r, &req("reviews", "/a?x=1")), "forward");
}

#[test]
fn ignore_uri_case_prefix() {
    let r = vs("  - match: [{uri: {prefix: /API}, ignoreUriCase: true}]
    route: [{destination: {host: reviews}}]
");
    assert_eq!(action(&r, &req("reviews", "/api/x")), "forward");
}

#[test]
fn regex_uri_must_match_whole_path() {
    let r = vs("  - match: [{uri: {regex: '/r/[0-9]+'}}]
    route: [{destination: {host: reviews}}]
");
    assert_eq!(action(&r, &req("reviews", "/r/12")), "forward");
    assert_eq!(action(&r, &req("reviews", "/r/12/x")), "notFound");
}

// envoy safe_regex is RE2: \d is ASCII (Arabic-Indic digits are not digits), \Q...\E quotes.
#[test]
fn header_regex_has_re2_meaning() {
    let r = vs(r"  - match: [{headers: {x-id: {regex: '\d+'}}}]
    route: [{destination: {host: reviews, subset: digits}}]
  - match: [{headers: {x-id: {regex: '\Qa.b\E'}}}]
    route: [{destination: {host: reviews, subset: quoted}}]
  - route: [{destination: {host: reviews, subset: other}}]
");
    let id = |v: &str| subset(&r, &req("reviews", "/").header("x-id", v));
    assert_eq!(id("123").as_deref(), Some("digits"));
    assert_eq!(id("\u{0661}\u{0662}").as_deref(), Some("other"));
    assert_eq!(id("a.b").as_deref(), Some("quoted"));
    assert_eq!(id("aXb").as_deref(), Some("other"));
}

#[test]
fn header_exact_match() {
    let r = vs("  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
");
    assert_eq!(subset(&r, &req("reviews", "/").header("end-user", "jason")).as_deref(), Some("v2"));
    assert_eq!(subset(&r, &req("reviews", "/").header("end-user", "bob")).as_deref(), Some("v1"));
}

#[test]
fn without_headers_match() {
    let r = vs("  - match: [{withoutHeaders: {x-canary: {}}}]
    route: [{destination: {host: reviews, subset: stable}}]
  - route: [{destination: {host: reviews, subset: canary}}]
");
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("stable"));
    assert_eq!(subset(&r, &req("reviews", "/").header("x-canary", "1")).as_deref(), Some("canary"));
}

#[test]
fn query_params_match() {
    let r = vs("  - match: [{queryParams: {v: {exact: '2'}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}}]
");
    assert_eq!(subset(&r, &req("reviews", "/?v=2")).as_deref(), Some("v2"));
    assert_eq!(subset(&r, &req("reviews", "/?v=3")).as_deref(), Some("v1"));
}

#[test]
fn authority_match_in_route() {
    let r = vs("  - match: [{authority: {exact: reviews}}]
    route: [{destination: {host: reviews, subset: short}}]
  - route: [{destination: {host: reviews, subset: long}}]
");
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("short"));
    let long = req("reviews", "/").authority("reviews.default.svc.cluster.local");
    assert_eq!(subset(&r, &long).as_deref(), Some("long"));
}

// istio sourceMatchHTTP: sourceLabels pick routes per client
#[test]
fn source_labels_select_route() {
    let r = vs("  - match: [{sourceLabels: {app: productpage}}]
    route: [{destination: {host: reviews, subset: pp}}]
  - route: [{destination: {host: reviews, subset: any}}]
");
    assert_eq!(subset(&r, &req("reviews", "/").label("app", "productpage")).as_deref(), Some("pp"));
    assert_eq!(subset(&r, &req("reviews", "/").label("app", "other")).as_deref(), Some("any"));
}

#[test]
fn source_namespace_selects_route() {
    let r = vs("  - match: [{sourceNamespace: other}]
    route: [{destination: {host: reviews, subset: other}}]
  - route: [{destination: {host: reviews, subset: default}}]
");
    assert_eq!(subset(&r, &req("reviews.default", "/").ns("other")).as_deref(), Some("other"));
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("default"));
}

#[test]
fn match_port_filters_by_listener_port() {
    let r = vs("  - match: [{port: 8080}]
    route: [{destination: {host: reviews, subset: p8080}}]
  - route: [{destination: {host: reviews, subset: other}}]
");
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("other"));
}

// istio: a VirtualService with no route for this proxy is left out, so the host's default
// route applies (BuildHTTPRoutesForVirtualService returns an error, the service is not claimed)
#[test]
fn vs_without_routes_for_client_falls_back_to_default_route() {
    let r = vs("  - match: [{sourceLabels: {app: productpage}}]
    route: [{destination: {host: reviews, subset: pp}}]
");
    assert_eq!(action(&r, &req("reviews", "/").label("app", "other")), "passthrough");
    assert_eq!(action(&r, &req("reviews", "/").label("app", "productpage")), "forward");
}

#[test]
fn gateways_mesh_in_match() {
    let r = vs("  - match: [{gateways: [mesh], uri: {prefix: /m}}]
    route: [{destination: {host: reviews, subset: mesh}}]
  - route: [{destination: {host: reviews, subset: rest}}]
");
    assert_eq!(subset(&r, &req("reviews", "/m")).as_deref(), Some("mesh"));
}

#[test]
fn match_gateway_other_than_mesh_excluded_in_mesh() {
    let r = vs("  - match: [{gateways: [istio-system/gw], uri: {prefix: /m}}]
    route: [{destination: {host: reviews, subset: gw}}]
  - route: [{destination: {host: reviews, subset: rest}}]
");
    assert_eq!(subset(&r, &req("reviews", "/m")).as_deref(), Some("rest"));
}

// === weighted destinations ===

const SPLIT: &str = "  - route:
    - {destination: {host: reviews, subset: v1}, weight: 90}
    - {destination: {host: reviews, subset: v2}, weight: 10}
";

#[test]
fn weighted_low_draw_first() {
    assert_eq!(subset(&vs(SPLIT), &req("reviews", "/").random(0.5)).as_deref(), Some("v1"));
}

#[test]
fn weighted_boundary_goes_to_next() {
    // the first destination whose cumulative weight exceeds r * sum: 90 is not > 90
    assert_eq!(subset(&vs(SPLIT), &req("reviews", "/").random(0.9)).as_deref(), Some("v2"));
}

#[test]
fn weighted_just_below_boundary() {
    assert_eq!(subset(&vs(SPLIT), &req("reviews", "/").random(0.8999)).as_deref(), Some("v1"));
}

#[test]
fn weighted_reports_configured_weights() {
    let r = vs(SPLIT);
    let w: Vec<i32> =
        decide(&r, &req("reviews", "/"), |d, _| d.destinations.iter().map(|x| x.weight).collect());
    assert_eq!(w, [90, 10]);
}

#[test]
fn single_destination_weight_100() {
    let r = vs("  - route: [{destination: {host: reviews}}]\n");
    let w: Vec<i32> =
        decide(&r, &req("reviews", "/"), |d, _| d.destinations.iter().map(|x| x.weight).collect());
    assert_eq!(w, [100]);
}

// istio applyHTTPRouteDestination: zero-weight destinations are skipped
#[test]
fn zero_weight_never_picked() {
    let r = vs("  - route:
    - {destination: {host: reviews, subset: v0}, weight: 0}
    - {destination: {host: reviews, subset: v1}, weight: 100}
");
    assert_eq!(subset(&r, &req("reviews", "/").random(0.0)).as_deref(), Some("v1"));
}

#[test]
fn destination_short_name_resolved_in_vs_namespace() {
    let r = vs("  - route: [{destination: {host: ratings}}]\n");
    assert_eq!(summary(&r, &req("reviews", "/")).4.as_deref(), Some("ratings.default.svc.cluster.local"));
}

#[test]
fn destination_port_reported() {
    let r = vs("  - route: [{destination: {host: ratings, port: {number: 9080}}}]\n");
    let p = decide(&r, &req("reviews", "/"), |d, _| d.selected.as_ref().and_then(|s| s.port));
    assert_eq!(p, Some(9080));
}

// === redirect ===

fn location(http: &str, r: Req) -> (u32, String) {
    let router = vs(http);
    decide(&router, &r, |d, rr| d.redirect_response(rr)).expect("a redirect")
}

#[test]
fn redirect_uri_default_301() {
    let l = location("  - redirect: {uri: /v2}\n", req("reviews", "/v1"));
    assert_eq!(l, (301, "http://reviews/v2".to_string()));
}

// envoy path_redirect: the request's query is kept unless the redirect has its own
#[test]
fn redirect_keeps_query() {
    let l = location("  - redirect: {uri: /v2}\n", req("reviews", "/v1?a=1"));
    assert_eq!(l.1, "http://reviews/v2?a=1");
}

#[test]
fn redirect_authority_and_code() {
    let l = location("  - redirect: {authority: new.example.com, redirectCode: 302}\n", req("reviews", "/p"));
    assert_eq!(l, (302, "http://new.example.com/p".to_string()));
}

#[test]
fn redirect_scheme() {
    let l = location("  - redirect: {scheme: https}\n", req("reviews", "/p"));
    assert_eq!(l.1, "https://reviews/p");
}

#[test]
fn redirect_port() {
    let l = location("  - redirect: {port: 8443, scheme: https}\n", req("reviews", "/p"));
    assert_eq!(l.1, "https://reviews:8443/p");
}

// istio ApplyRedirect: no explicit :80 for http or :443 for https
#[test]
fn redirect_default_port_omitted() {
    let l = location("  - redirect: {port: 443, scheme: https}\n", req("reviews", "/p"));
    assert_eq!(l.1, "https://reviews/p");
}

// istio ApplyRedirect: FROM_REQUEST_PORT uses the listener port
#[test]
fn redirect_derive_port_from_request() {
    let l = location("  - redirect: {derivePort: FROM_REQUEST_PORT}\n", req("reviews", "/p"));
    assert_eq!(l.1, "http://reviews:9080/p");
}

#[test]
fn redirect_prefix_rewrite_replaces_matched_prefix() {
    let l = location(
        "  - match: [{uri: {prefix: /old}}]\n    redirect: {prefixRewrite: /new}\n",
        req("reviews", "/old/x"),
    );
    assert_eq!(l.1, "http://reviews/new/x");
}

#[test]
fn redirect_action_reported() {
    assert_eq!(action(&vs("  - redirect: {uri: /x}\n"), &req("reviews", "/")), "redirect");
}

// === direct response ===

#[test]
fn direct_response_string_body() {
    let r = vs("  - directResponse: {status: 503, body: {string: down}}\n");
    let (a, s, b) = decide(&r, &req("reviews", "/"), |d, _| {
        let dr = d.direct_response().expect("direct response");
        (d.action.as_str(), dr.status, mesh_routing::action::direct_response_body(dr))
    });
    assert_eq!((a, s, b.as_deref()), ("directResponse", 503, Some("down")));
}

#[test]
fn direct_response_bytes_body() {
    let r = vs("  - directResponse: {status: 200, body: {bytes: aGVsbG8=}}\n");
    let b = decide(&r, &req("reviews", "/"), |d, _| {
        d.direct_response().and_then(mesh_routing::action::direct_response_body)
    });
    assert_eq!(b.as_deref(), Some("hello"));
}

// === rewrite ===

fn rewrite(http: &str, r: Req) -> Option<(String, String)> {
    let router = vs(http);
    decide(&router, &r, |d, rr| d.rewrite(rr))
}

// envoy prefix_rewrite: the matched prefix is replaced, the rest and the query kept
#[test]
fn rewrite_prefix() {
    let rw = rewrite(
        "  - match: [{uri: {prefix: /api/v1}}]\n    rewrite: {uri: /v2}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/api/v1/users?x=1"),
    );
    assert_eq!(rw.map(|x| x.0).as_deref(), Some("/v2/users?x=1"));
}

// envoy: with an exact path match the whole path is replaced
#[test]
fn rewrite_exact_replaces_whole_path() {
    let rw = rewrite(
        "  - match: [{uri: {exact: /a}}]\n    rewrite: {uri: /b}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/a"),
    );
    assert_eq!(rw.map(|x| x.0).as_deref(), Some("/b"));
}

// envoy: without a uri match the route's prefix is "/"
#[test]
fn rewrite_without_match_replaces_leading_slash() {
    let rw = rewrite(
        "  - rewrite: {uri: /v2/}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/foo"),
    );
    assert_eq!(rw.map(|x| x.0).as_deref(), Some("/v2/foo"));
}

#[test]
fn rewrite_regex_with_groups() {
    let rw = rewrite(
        "  - rewrite: {uriRegexRewrite: {match: '^/service/([^/]+)(/.*)$', rewrite: '\\2/instance/\\1'}}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/service/foo/v1/api?q=1"),
    );
    assert_eq!(rw.map(|x| x.0).as_deref(), Some("/v1/api/instance/foo?q=1"));
}

#[test]
fn rewrite_authority() {
    let rw = rewrite(
        "  - rewrite: {authority: new-host}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/p"),
    );
    assert_eq!(rw, Some(("/p".to_string(), "new-host".to_string())));
}

// istio TranslateRoute: a `:authority` header set rewrites the host
#[test]
fn header_set_authority_rewrites_host() {
    let rw = rewrite(
        "  - headers: {request: {set: {':authority': other}}}\n    route: [{destination: {host: reviews}}]\n",
        req("reviews", "/p"),
    );
    assert_eq!(rw.map(|x| x.1).as_deref(), Some("other"));
}

#[test]
fn no_rewrite_is_none() {
    assert_eq!(rewrite("  - route: [{destination: {host: reviews}}]\n", req("reviews", "/p")), None);
}

// === timeout, retries ===

#[test]
fn timeout_disabled_by_default() {
    let t = decide(&vs(TWO), &req("reviews", "/"), |d, _| d.timeout);
    assert_eq!(t, None);
}

#[test]
fn timeout_configured() {
    let r = vs("  - timeout: 10s\n    route: [{destination: {host: reviews}}]\n");
    assert_eq!(
        decide(&r, &req("reviews", "/"), |d, _| d.timeout.map(|t| t.to_string())).as_deref(),
        Some("10s")
    );
}

// istio retry.go: default policy, 2 attempts on connect-failure,refused-stream,...
#[test]
fn retries_default_policy() {
    let (a, on) = decide(&vs(TWO), &req("reviews", "/"), |d, _| {
        let r = d.retries.as_ref().expect("default retries");
        (r.attempts, r.retry_on.to_string())
    });
    assert_eq!(a, 2);
    assert_eq!(on, "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
}

// istio retry.go: attempts 0 disables retries
#[test]
fn retries_disabled_with_zero_attempts() {
    let r = vs("  - retries: {attempts: 0}\n    route: [{destination: {host: reviews}}]\n");
    assert!(decide(&r, &req("reviews", "/"), |d, _| d.retries.is_none()));
}

#[test]
fn retries_configured() {
    let r = vs(
        "  - retries: {attempts: 3, perTryTimeout: 2s, retryOn: '5xx,503'}\n    route: [{destination: {host: reviews}}]\n",
    );
    let (a, t, on, envoy, codes) = decide(&r, &req("reviews", "/"), |d, _| {
        let x = d.retries.as_ref().expect("retries");
        (
            x.attempts,
            x.per_try_timeout.map(|t| t.to_string()),
            x.retry_on.to_string(),
            x.envoy_retry_on(),
            x.retriable_status_codes(),
        )
    });
    assert_eq!((a, t.as_deref(), on.as_str()), (3, Some("2s"), "5xx,503"));
    // istio parseRetryOn: status codes move to retriable_status_codes
    assert_eq!(envoy, "5xx,retriable-status-codes");
    assert_eq!(codes, [503]);
}

// istio retry.go: an unset retryOn takes the default conditions
#[test]
fn retries_attempts_only_default_retry_on() {
    let r = vs("  - retries: {attempts: 5}\n    route: [{destination: {host: reviews}}]\n");
    let on = decide(&r, &req("reviews", "/"), |d, _| d.retries.as_ref().map(|x| x.retry_on.to_string()));
    assert_eq!(
        on.as_deref(),
        Some("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
    );
}

#[test]
fn no_retries_for_redirect() {
    assert!(decide(&vs("  - redirect: {uri: /x}\n"), &req("reviews", "/"), |d, _| d.retries.is_none()));
}

// === fault ===

const FAULT: &str = "  - fault:
      delay: {fixedDelay: 5s, percentage: {value: 50}}
      abort: {httpStatus: 503, percentage: {value: 10}}
    route: [{destination: {host: reviews}}]
";

#[test]
fn fault_both_apply_low_draw() {
    let f = decide(&vs(FAULT), &req("reviews", "/").random(0.05), |d, _| d.fault());
    let (delay, abort) = f.expect("fault");
    assert_eq!(delay.map(|d| d.to_string()).as_deref(), Some("5s"));
    assert_eq!(abort, Some(mesh_routing::resilience::Abort::Http(503)));
}

#[test]
fn fault_only_delay_mid_draw() {
    let (delay, abort) =
        decide(&vs(FAULT), &req("reviews", "/").random(0.3), |d, _| d.fault()).expect("fault");
    assert!(delay.is_some() && abort.is_none());
}

#[test]
fn fault_none_high_draw() {
    assert!(decide(&vs(FAULT), &req("reviews", "/").random(0.7), |d, _| d.fault()).is_none());
}

// istio TranslateFault: an abort without percentage aborts nothing
#[test]
fn fault_abort_without_percentage_never_applies() {
    let r = vs("  - fault: {abort: {httpStatus: 500}}\n    route: [{destination: {host: reviews}}]\n");
    assert!(decide(&r, &req("reviews", "/"), |d, _| d.fault()).is_none());
}

#[test]
fn fault_grpc_status() {
    let r = vs(
        "  - fault: {abort: {grpcStatus: UNAVAILABLE, percentage: {value: 100}}}\n    route: [{destination: {host: reviews}}]\n",
    );
    let a = decide(&r, &req("reviews", "/"), |d, _| d.fault()).and_then(|f| f.1);
    assert_eq!(a, Some(mesh_routing::resilience::Abort::Grpc(14)));
}

// === mirrors ===

#[test]
fn mirror_default_100_percent() {
    let r = vs("  - mirror: {host: ratings}\n    route: [{destination: {host: reviews}}]\n");
    let m = decide(&r, &req("reviews", "/"), |d, _| {
        d.mirrors()
            .into_iter()
            .map(|(m, a)| (m.destination.host.clone(), m.percentage, a))
            .collect::<Vec<_>>()
    });
    assert_eq!(m, [("ratings.default.svc.cluster.local".to_string(), 100.0, true)]);
}

#[test]
fn mirror_percentage_and_draw() {
    let r = vs(
        "  - mirror: {host: ratings}\n    mirrorPercentage: {value: 20}\n    route: [{destination: {host: reviews}}]\n",
    );
    let applied = |x: f64| decide(&r, &req("reviews", "/").random(x), |d, _| d.mirrors()[0].1);
    assert!(applied(0.1));
    assert!(!applied(0.3));
}

// istio MirrorPercent: an explicit 0 mirrors nothing
#[test]
fn mirror_zero_percent_listed_not_applied() {
    let r = vs(
        "  - mirror: {host: ratings}\n    mirrorPercentage: {value: 0}\n    route: [{destination: {host: reviews}}]\n",
    );
    let m = decide(&r, &req("reviews", "/"), |d, _| {
        d.mirrors().into_iter().map(|(m, a)| (m.percentage, a)).collect::<Vec<_>>()
    });
    assert_eq!(m, [(0.0, false)]);
}

#[test]
fn mirrors_list() {
    let r = vs("  - mirrors:
    - {destination: {host: ratings}, percentage: {value: 50}}
    - {destination: {host: details.other.svc.cluster.local}}
    route: [{destination: {host: reviews}}]
");
    let m = decide(&r, &req("reviews", "/").random(0.6), |d, _| {
        d.mirrors().into_iter().map(|(m, a)| (m.percentage, a)).collect::<Vec<_>>()
    });
    assert_eq!(m, [(50.0, false), (100.0, true)]);
}

// === headers, cors ===

#[test]
fn header_operations_route_and_destination() {
    let r = vs("  - headers: {request: {set: {x-a: '1'}}, response: {remove: [x-b]}}
    route:
    - destination: {host: reviews}
      headers: {request: {add: {x-c: '2'}}}
");
    let h = decide(&r, &req("reviews", "/"), |d, _| d.headers()).expect("headers");
    let rq = h.request.expect("request ops");
    assert_eq!(rq.set.get("x-a").map(String::as_str), Some("1"));
    assert_eq!(rq.add.get("x-c").map(String::as_str), Some("2"));
    assert_eq!(h.response.expect("response ops").remove, ["x-b"]);
}

#[test]
fn no_headers_is_none() {
    assert!(decide(&vs(TWO), &req("reviews", "/"), |d, _| d.headers().is_none()));
}

#[test]
fn cors_policy_reported() {
    let r = vs("  - corsPolicy: {allowOrigins: [{exact: 'https://a.example'}], allowMethods: [GET]}
    route: [{destination: {host: reviews}}]
");
    let ok = decide(&r, &req("reviews", "/"), |d, _| {
        let c = d.cors().expect("cors");
        (
            mesh_routing::action::cors_origin_allowed(c, "https://a.example"),
            mesh_routing::action::cors_origin_allowed(c, "https://b.example"),
        )
    });
    assert_eq!(ok, (true, false));
}

#[test]
fn route_name_reported() {
    let r = vs("  - name: primary\n    route: [{destination: {host: reviews}}]\n");
    assert_eq!(
        decide(&r, &req("reviews", "/"), |d, _| d.route.and_then(|x| x.name.map(str::to_string))).as_deref(),
        Some("primary")
    );
}
