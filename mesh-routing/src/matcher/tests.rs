//! Match conditions row by row, each pinned to the Envoy or Istio behaviour it follows.

use std::collections::BTreeMap;

use mesh_model::networking::{HttpMatchRequest, StringMatch};

use super::*;
use crate::request::RouteRequest;

fn cond(m: HttpMatchRequest) -> Conditions {
    let mut errors = Vec::new();
    let c = Conditions::compile(&m, "default", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    c
}

fn exact(s: &str) -> StringMatch {
    StringMatch::Exact(s.into())
}
fn prefix(s: &str) -> StringMatch {
    StringMatch::Prefix(s.into())
}
fn regex(s: &str) -> StringMatch {
    StringMatch::Regex(s.into())
}

fn headers(name: &str, sm: StringMatch) -> HttpMatchRequest {
    HttpMatchRequest { headers: BTreeMap::from([(name.to_string(), sm)]), ..Default::default() }
}

fn without(name: &str, sm: StringMatch) -> HttpMatchRequest {
    HttpMatchRequest { without_headers: BTreeMap::from([(name.to_string(), sm)]), ..Default::default() }
}

fn with_headers<'a>(h: &'a dyn crate::request::Headers) -> RouteRequest<'a> {
    let mut r = RouteRequest::http("h", 80, "GET", "/");
    r.headers = h;
    r
}

macro_rules! header_rows {
    ($( $name:ident: $m:expr, [$($k:literal => $v:literal),*] => $out:expr; )+) => {
        $( #[test] fn $name() {
            let h: Vec<(&str, &str)> = vec![$(($k, $v)),*];
            assert_eq!(cond($m).matches_request(&with_headers(&h)), $out);
        } )+
    };
}

header_rows! {
    // envoy header_utility: exact on the value
    header_exact_hit: headers("end-user", exact("jason")), ["end-user" => "jason"] => true;
    header_exact_miss: headers("end-user", exact("jason")), ["end-user" => "bob"] => false;
    header_exact_case_sensitive_value: headers("end-user", exact("jason")), ["end-user" => "Jason"] => false;
    header_missing_fails: headers("end-user", exact("jason")), [] => false;
    header_prefix: headers("x", prefix("ab")), ["x" => "abc"] => true;
    header_prefix_miss: headers("x", prefix("ab")), ["x" => "xab"] => false;
    // RE2 FullMatch: the regex must match the whole value
    header_regex_full: headers("x", regex("a.c")), ["x" => "abc"] => true;
    header_regex_not_partial: headers("x", regex("b")), ["x" => "abc"] => false;
    header_regex_alternation_anchored: headers("x", regex("a|abc")), ["x" => "abc"] => true;
    // an empty StringMatch is a presence match (istio canBeConvertedToPresentMatch)
    header_present: headers("x", StringMatch::Unset), ["x" => ""] => true;
    header_present_missing: headers("x", StringMatch::Unset), [] => false;
    // istio: regex "*" is a presence match, not a RE2 regex (istio/istio#20629)
    header_regex_star_is_presence: headers("x", regex("*")), ["x" => "anything"] => true;
    header_regex_star_missing: headers("x", regex("*")), [] => false;
    // envoy getAllOfHeaderAsString: repeated headers are joined with ','
    header_repeated_joined: headers("x", exact("a,b")), ["x" => "a", "x" => "b"] => true;
    header_repeated_not_first_only: headers("x", exact("a")), ["x" => "a", "x" => "b"] => false;
    header_empty_value_exact_empty: headers("x", exact("")), ["x" => ""] => true;
    // withoutHeaders: invert_match, treat_missing_header_as_empty for valued matches
    without_value_missing_header_matches: without("x", exact("a")), [] => true;
    without_value_other_value_matches: without("x", exact("a")), ["x" => "b"] => true;
    without_value_same_value_fails: without("x", exact("a")), ["x" => "a"] => false;
    without_presence_absent_matches: without("x", StringMatch::Unset), [] => true;
    without_presence_present_fails: without("x", StringMatch::Unset), ["x" => "v"] => false;
    without_regex_missing_matches: without("x", regex("a+")), [] => true;
    without_regex_hit_fails: without("x", regex("a+")), ["x" => "aaa"] => false;
    without_exact_empty_missing_fails: without("x", exact("")), [] => false;
}

fn req_with<'a>(
    method: &'a str,
    scheme: &'a str,
    authority: Option<&'a str>,
    path: &'a str,
) -> RouteRequest<'a> {
    let mut r = RouteRequest::http("reviews", 9080, method, path);
    r.scheme = scheme;
    r.authority = authority;
    r
}

#[test]
fn method_exact() {
    let c = cond(HttpMatchRequest { method: Some(exact("GET")), ..Default::default() });
    assert!(c.matches_request(&req_with("GET", "http", None, "/")));
    assert!(!c.matches_request(&req_with("POST", "http", None, "/")));
}

#[test]
fn method_regex_full_match() {
    let c = cond(HttpMatchRequest { method: Some(regex("GET|HEAD")), ..Default::default() });
    assert!(c.matches_request(&req_with("HEAD", "http", None, "/")));
    assert!(!c.matches_request(&req_with("GETX", "http", None, "/")));
}

#[test]
fn scheme_exact() {
    let c = cond(HttpMatchRequest { scheme: Some(exact("https")), ..Default::default() });
    assert!(c.matches_request(&req_with("GET", "https", None, "/")));
    assert!(!c.matches_request(&req_with("GET", "http", None, "/")));
}

// envoy: `:authority` keeps the port the client sent
#[test]
fn authority_keeps_port() {
    let c = cond(HttpMatchRequest { authority: Some(exact("reviews")), ..Default::default() });
    assert!(c.matches_request(&req_with("GET", "http", Some("reviews"), "/")));
    assert!(!c.matches_request(&req_with("GET", "http", Some("reviews:9080"), "/")));
    let p = cond(HttpMatchRequest { authority: Some(prefix("reviews")), ..Default::default() });
    assert!(p.matches_request(&req_with("GET", "http", Some("reviews:9080"), "/")));
}

#[test]
fn authority_defaults_to_host() {
    let c = cond(HttpMatchRequest { authority: Some(exact("reviews")), ..Default::default() });
    assert!(c.matches_request(&req_with("GET", "http", None, "/")));
}

fn query(name: &str, sm: StringMatch) -> Conditions {
    cond(HttpMatchRequest { query_params: BTreeMap::from([(name.to_string(), sm)]), ..Default::default() })
}

macro_rules! query_rows {
    ($( $name:ident: ($n:literal, $m:expr), $path:literal => $out:expr; )+) => {
        $( #[test] fn $name() { assert_eq!(query($n, $m).matches_request(&req_with("GET", "http", None, $path)), $out); } )+
    };
}

query_rows! {
    // envoy QueryParameterMatcher: first value only; missing fails; `{}` is presence
    query_exact: ("v", exact("1")), "/p?v=1" => true;
    query_exact_miss: ("v", exact("1")), "/p?v=2" => false;
    query_first_value_only: ("v", exact("2")), "/p?v=1&v=2" => false;
    query_missing: ("v", exact("1")), "/p" => false;
    query_presence: ("debug", StringMatch::Unset), "/p?debug" => true;
    query_presence_missing: ("debug", StringMatch::Unset), "/p?x=1" => false;
    query_no_equals_is_empty_value: ("debug", exact("")), "/p?debug" => true;
    query_regex_full: ("id", regex("[0-9]+")), "/p?id=42" => true;
    query_regex_not_partial: ("id", regex("[0-9]+")), "/p?id=42a" => false;
    query_not_decoded: ("q", exact("a b")), "/p?q=a%20b" => false;
    query_encoded_compared_raw: ("q", exact("a%20b")), "/p?q=a%20b" => true;
    query_fragment_ignored: ("q", exact("1")), "/p?q=1#frag" => true;
    query_name_case_sensitive: ("Q", exact("1")), "/p?q=1" => false;
    query_regex_star_presence: ("q", regex("*")), "/p?q=" => true;
}

fn path(m: StringMatch, ignore_case: bool) -> PathMatch {
    let mut e = Vec::new();
    PathMatch::new(Some(&m), ignore_case, &mut e)
}

macro_rules! path_rows {
    ($( $name:ident: ($m:expr, $ic:expr), $p:literal => $out:expr; )+) => {
        $( #[test] fn $name() { assert_eq!(path($m, $ic).matches($p), $out); } )+
    };
}

path_rows! {
    // envoy config_impl: prefix and exact compare bytes of the path without query
    path_prefix: (prefix("/api"), false), "/api/v1" => true;
    path_prefix_not_segment_aware: (prefix("/api"), false), "/apix" => true;
    path_prefix_case: (prefix("/api"), false), "/API" => false;
    path_prefix_ignore_case: (prefix("/api"), true), "/API/x" => true;
    path_exact: (exact("/a"), false), "/a" => true;
    path_exact_trailing_slash: (exact("/a"), false), "/a/" => false;
    path_exact_ignore_case: (exact("/a/B"), true), "/A/b" => true;
    path_regex_full: (regex("/a/[0-9]+"), false), "/a/12" => true;
    path_regex_not_partial: (regex("/a/[0-9]+"), false), "/a/12/b" => false;
    // envoy: case_sensitive is ignored for safe_regex
    path_regex_ignores_ignore_case: (regex("/a"), true), "/A" => false;
    path_prefix_empty_matches_all: (prefix(""), false), "/x" => true;
}

#[test]
fn path_match_strips_query_in_requests() {
    let r = RouteRequest::http("h", 80, "GET", "/a?x=1#f");
    assert_eq!(r.path_only(), "/a");
    assert_eq!(r.query(), Some("x=1"));
}

#[test]
fn invalid_regex_never_matches_and_is_reported() {
    let mut e = Vec::new();
    let p = PathMatch::new(Some(&regex("a(")), false, &mut e);
    assert!(!p.matches("a("));
    assert_eq!(e.len(), 1);
}

#[test]
fn catch_all_detection_follows_istio() {
    // istio route.go IsCatchAllRoute: prefix "/" or regex ".*" without header/query matches
    assert!(path(prefix("/"), false).is_catch_all());
    assert!(path(regex(".*"), false).is_catch_all());
    assert!(!path(prefix("/a"), false).is_catch_all());
    assert!(!path(exact("/"), false).is_catch_all());
}

fn scope<'a>(labels: Option<&'a BTreeMap<String, String>>, ns: &'a str, port: u32, gw: &'a str) -> Scope<'a> {
    Scope { gateway: gw, port, namespace: ns, labels }
}

// istio route.go sourceMatchHTTP and TranslateRoute's port check
#[test]
fn source_labels_subset() {
    let m = HttpMatchRequest {
        source_labels: BTreeMap::from([("app".into(), "a".into())]),
        ..Default::default()
    };
    let c = cond(m);
    let l = BTreeMap::from([("app".to_string(), "a".to_string()), ("v".to_string(), "1".to_string())]);
    assert!(c.source.applies(&scope(Some(&l), "default", 80, "mesh")));
    let other = BTreeMap::from([("app".to_string(), "b".to_string())]);
    assert!(!c.source.applies(&scope(Some(&other), "default", 80, "mesh")));
    assert!(!c.source.applies(&scope(None, "default", 80, "mesh")));
}

#[test]
fn source_namespace_must_equal() {
    let c = cond(HttpMatchRequest { source_namespace: Some("foo".into()), ..Default::default() });
    assert!(c.source.applies(&scope(None, "foo", 80, "mesh")));
    assert!(!c.source.applies(&scope(None, "bar", 80, "mesh")));
}

#[test]
fn match_port_is_the_listener_port() {
    let c = cond(HttpMatchRequest { port: Some(8080), ..Default::default() });
    assert!(c.source.applies(&scope(None, "d", 8080, "mesh")));
    assert!(!c.source.applies(&scope(None, "d", 80, "mesh")));
}

#[test]
fn match_gateways_override_source_labels() {
    // istio sourceMatchHTTP: with gateways listed, sourceLabels are not consulted
    let m = HttpMatchRequest {
        gateways: vec!["mesh".into()],
        source_labels: BTreeMap::from([("app".into(), "a".into())]),
        ..Default::default()
    };
    let c = cond(m);
    assert!(c.source.applies(&scope(None, "d", 80, "mesh")));
    assert!(!c.source.applies(&scope(None, "d", 80, "istio-system/gw")));
}

#[test]
fn match_gateways_resolve_short_names() {
    let c = cond(HttpMatchRequest { gateways: vec!["gw".into()], ..Default::default() });
    assert!(c.source.applies(&scope(None, "x", 80, "default/gw")));
}

// istio jwt.ToRoutingClaim
struct TestClaims;
impl crate::request::Claims for TestClaims {
    fn for_each_string(&self, path: &[&str], f: &mut dyn FnMut(&str)) -> bool {
        match path {
            ["group"] => {
                f("dev");
                f("admin");
                true
            }
            ["sub"] => {
                f("alice");
                true
            }
            _ => false,
        }
    }
}

#[test]
fn claim_match_any_list_element() {
    let c = cond(headers("@request.auth.claims.group", exact("admin")));
    let mut r = RouteRequest::http("h", 80, "GET", "/");
    r.claims = Some(&TestClaims);
    assert!(c.matches_request(&r));
    r.claims = None;
    assert!(!c.matches_request(&r));
}

#[test]
fn claim_without_header_inverts() {
    let c = cond(without("@request.auth.claims[sub]", exact("alice")));
    let mut r = RouteRequest::http("h", 80, "GET", "/");
    r.claims = Some(&TestClaims);
    assert!(!c.matches_request(&r));
    r.claims = None;
    assert!(c.matches_request(&r));
}

// envoy server_names: `*.example.com` covers deeper names, not the apex
#[test]
fn sni_wildcards() {
    assert!(source::sni_matches("*.example.com", "a.example.com"));
    assert!(source::sni_matches("*.example.com", "a.b.example.com"));
    assert!(!source::sni_matches("*.example.com", "example.com"));
    assert!(source::sni_matches("api.example.com", "API.example.com"));
}

#[test]
fn cidr_containment() {
    assert!(source::cidr_contains("10.0.0.0/8", "10.1.2.3"));
    assert!(!source::cidr_contains("10.0.0.0/8", "11.1.2.3"));
    assert!(source::cidr_contains("10.1.2.3", "10.1.2.3"));
    assert!(source::cidr_contains("2001:db8::/32", "2001:db8::1"));
    assert!(!source::cidr_contains("10.0.0.0/8", "2001:db8::1"));
    assert!(source::cidr_contains("0.0.0.0/0", "8.8.8.8"));
}
