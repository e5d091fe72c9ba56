//! The indexed [`RouteTable::find`] against a plain reference matcher written from the
//! Envoy/Istio rules (linear, first match wins), on random route tables and requests.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mesh_model::networking::{HttpMatchRequest, HttpRoute, StringMatch};
use mesh_routing::RouteTable;
use mesh_routing::matcher::Scope;
use mesh_routing::request::{RouteRequest, Source};
use proptest::prelude::*;

// === the reference ===

fn full_regex(r: &str, v: &str) -> bool {
    // RE2's meaning, as the router gives it (mesh_model::re2).
    mesh_model::re2::full_match(r).map(|re| re.is_match(v)).unwrap_or(false)
}

fn string_matches(m: &StringMatch, v: &str) -> bool {
    match m {
        StringMatch::Exact(e) => v == e,
        StringMatch::Prefix(p) => v.starts_with(p.as_str()),
        StringMatch::Regex(r) if r == "*" => true,
        StringMatch::Regex(r) => full_regex(r, v),
        StringMatch::Unset => true,
    }
}

fn uri_matches(m: &HttpMatchRequest, path: &str) -> bool {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let ic = m.ignore_uri_case.unwrap_or(false);
    match &m.uri {
        None | Some(StringMatch::Unset) => true,
        Some(StringMatch::Exact(e)) if ic => path.eq_ignore_ascii_case(e),
        Some(StringMatch::Prefix(p)) if ic => path.to_ascii_lowercase().starts_with(&p.to_ascii_lowercase()),
        Some(other) => string_matches(other, path),
    }
}

fn reference_match(m: &HttpMatchRequest, path: &str, method: &str, headers: &[(String, String)]) -> bool {
    let header = |name: &str| -> Option<String> {
        let vs: Vec<&str> = headers.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect();
        (!vs.is_empty()).then(|| vs.join(","))
    };
    let query = path.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or("")).unwrap_or("");
    let first_param = |name: &str| -> Option<&str> {
        query.split('&').find_map(|p| match p.split_once('=') {
            Some((k, v)) if k == name => Some(v),
            None if p == name && !p.is_empty() => Some(""),
            _ => None,
        })
    };
    uri_matches(m, path)
        && m.method.as_ref().is_none_or(|sm| string_matches(sm, method))
        && m.headers.iter().all(|(k, sm)| header(k).is_some_and(|v| string_matches(sm, &v)))
        && m.without_headers.iter().all(|(k, sm)| match (header(k), sm) {
            (None, StringMatch::Unset) => true,
            (None, sm) => !string_matches(sm, "") || matches!(sm, StringMatch::Regex(r) if r == "*"),
            (Some(v), sm) => !string_matches(sm, &v),
        })
        && m.query_params.iter().all(|(k, sm)| first_param(k).is_some_and(|v| string_matches(sm, v)))
}

fn reference(
    routes: &[HttpRoute],
    path: &str,
    method: &str,
    headers: &[(String, String)],
) -> Option<(usize, Option<usize>)> {
    for (i, r) in routes.iter().enumerate() {
        if r.matches.is_empty() {
            return Some((i, None));
        }
        for (j, m) in r.matches.iter().enumerate() {
            if reference_match(m, path, method, headers) {
                return Some((i, Some(j)));
            }
        }
    }
    None
}

// === generators ===

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![Just("a"), Just("b"), Just("api"), Just("V1"), Just("v1"), Just("x")].prop_map(str::to_string)
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(), 0..4).prop_map(|s| format!("/{}", s.join("/")))
}

fn uri() -> impl Strategy<Value = Option<StringMatch>> {
    prop_oneof![
        2 => Just(None),
        3 => path().prop_map(|p| Some(StringMatch::Exact(p))),
        4 => path().prop_map(|p| Some(StringMatch::Prefix(p))),
        1 => path().prop_map(|p| Some(StringMatch::Prefix(p[..p.len().saturating_sub(1).max(1)].to_string()))),
        2 => prop_oneof![Just("/a/.*"), Just("/(a|b)/v[0-9]"), Just(".*"), Just("/api(/.*)?"), Just("/[a-z]+")]
            .prop_map(|r| Some(StringMatch::Regex(r.to_string()))),
    ]
}

fn value_match() -> impl Strategy<Value = StringMatch> {
    prop_oneof![
        Just(StringMatch::Exact("jason".into())),
        Just(StringMatch::Exact("".into())),
        Just(StringMatch::Prefix("ja".into())),
        Just(StringMatch::Regex("j.*".into())),
        Just(StringMatch::Regex("*".into())),
        Just(StringMatch::Unset),
    ]
}

fn matcher() -> impl Strategy<Value = HttpMatchRequest> {
    (
        uri(),
        prop::bool::weighted(0.2),
        prop::option::weighted(0.2, prop_oneof![Just("GET"), Just("POST")]),
        prop::option::weighted(0.3, value_match()),
        prop::option::weighted(0.15, value_match()),
        prop::option::weighted(0.2, value_match()),
    )
        .prop_map(|(uri, ic, method, header, without, query)| HttpMatchRequest {
            uri,
            ignore_uri_case: ic.then_some(true),
            method: method.map(|m| StringMatch::Exact(m.into())),
            headers: header.map(|h| BTreeMap::from([("end-user".to_string(), h)])).unwrap_or_default(),
            without_headers: without
                .map(|h| BTreeMap::from([("x-canary".to_string(), h)]))
                .unwrap_or_default(),
            query_params: query.map(|h| BTreeMap::from([("user".to_string(), h)])).unwrap_or_default(),
            ..Default::default()
        })
}

fn routes() -> impl Strategy<Value = Vec<HttpRoute>> {
    prop::collection::vec(
        prop::collection::vec(matcher(), 0..3)
            .prop_map(|matches| HttpRoute { matches, ..Default::default() }),
        1..24,
    )
    .prop_map(|mut rs| {
        // Routes without matches are rare in real tables; keep most routes conditional.
        let n = rs.len().saturating_sub(1);
        for r in rs.iter_mut().take(n) {
            if r.matches.is_empty() {
                r.matches.push(HttpMatchRequest {
                    uri: Some(StringMatch::Prefix("/zz".into())),
                    ..Default::default()
                });
            }
        }
        rs
    })
}

fn request() -> impl Strategy<Value = (String, String, Vec<(String, String)>)> {
    let full_path = (
        path(),
        prop::option::of(prop_oneof![Just("user=jason"), Just("user="), Just("user"), Just("x=1&user=jo")]),
    )
        .prop_map(|(p, q)| match q {
            Some(q) => format!("{p}?{q}"),
            None => p,
        });
    let headers = prop::collection::vec(
        (
            prop_oneof![Just("end-user"), Just("x-canary")],
            prop_oneof![Just("jason"), Just(""), Just("bob"), Just("jo")],
        ),
        0..3,
    )
    .prop_map(|v| v.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
    (full_path, prop_oneof![Just("GET".to_string()), Just("POST".to_string())], headers)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn indexed_equals_reference((rs, (p, method, headers)) in (routes(), request())) {
        let (table, errors) = RouteTable::from_routes(&rs, "default");
        prop_assert!(errors.is_empty());
        let labels = BTreeMap::new();
        let mut req = RouteRequest::http("h", 80, &method, &p);
        req.headers = &headers;
        req.source = Source { namespace: Some("default"), labels: Some(&labels), ip: None };
        let scope = Scope { gateway: "mesh", port: 80, namespace: "default", labels: Some(&labels) };
        let got = table.find(&req, &scope).map(|e| (e.route_index(), e.match_index()));
        let linear = table.find_linear(&req, &scope).map(|e| (e.route_index(), e.match_index()));
        let want = reference(&rs, &p, &method, &headers);
        prop_assert_eq!(got, want);
        prop_assert_eq!(linear, want);
    }
}

// The regex index: a regex with a literal prefix is looked up through the path tree.
#[test]
fn regex_with_literal_prefix_is_found_and_exact() {
    let routes: Vec<HttpRoute> = ["/svc0/r/[0-9]+", "/svc1/r/[0-9]+", ".*"]
        .iter()
        .map(|r| HttpRoute {
            matches: vec![HttpMatchRequest {
                uri: Some(StringMatch::Regex((*r).into())),
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    let (t, _) = RouteTable::from_routes(&routes, "d");
    let scope = Scope { gateway: "mesh", port: 80, namespace: "default", labels: None };
    let idx = |p: &str| t.find(&RouteRequest::http("h", 80, "GET", p), &scope).map(|e| e.route_index());
    assert_eq!(idx("/svc1/r/42"), Some(1));
    assert_eq!(idx("/svc1/r/x"), Some(2));
}
