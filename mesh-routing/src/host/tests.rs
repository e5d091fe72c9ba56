//! Host-name rules, row by row from istio/istio `pkg/config/host/name_test.go` and
//! `names_test.go`, and Envoy's domain matching (`config_impl_test.cc`, TestVirtualHost*).

use super::*;

/// One `#[test]` per table row, so that each upstream case is reported on its own.
macro_rules! rows {
    ($f:ident: $( $name:ident: ($a:expr, $b:expr) => $out:expr; )+) => {
        $( #[test] fn $name() { assert_eq!($f($a, $b), $out, "{}({:?}, {:?})", stringify!($f), $a, $b); } )+
    };
}

// istio pkg/config/host name_test.go TestNameMatches
rows! { matches:
    matches_empty: ("", "") => true;
    matches_mixed_case_is_not_folded: ("a.facebook.com", "*.facebook.COM") => false;
    matches_first_empty: ("", "foo.com") => false;
    matches_second_empty: ("foo.com", "") => false;
    matches_same_domain: ("foo.com", "foo.com") => true;
    matches_other_domain: ("bar.com", "foo.com") => false;
    matches_domain_not_subdomain: ("bar.foo.com", "foo.com") => false;
    matches_subdomain_not_domain: ("foo.com", "bar.foo.com") => false;
    matches_wildcard_subdomain: ("*.com", "foo.com") => true;
    matches_wildcard_deeper: ("*.foo.com", "bar.foo.com") => true;
    matches_star_anything: ("*", "foo.com") => true;
    matches_star_wildcard: ("*", "*.com") => true;
    matches_star_tld: ("*", "com") => true;
    matches_star_star: ("*", "*") => true;
    matches_star_empty: ("*", "") => true;
    matches_wildcard_wildcard_sub: ("*.com", "*.foo.com") => true;
    matches_name_vs_wildcard_of_itself: ("foo.com", "*.foo.com") => false;
    matches_wildcard_of_itself_vs_name: ("*.foo.com", "foo.com") => false;
    matches_long_wildcard_short_host: ("*.foo.bar.baz", "baz") => false;
    matches_short_host_long_wildcard: ("baz", "*.foo.bar.baz") => false;
    matches_long_wildcard_short_wildcard: ("*.foo.bar.baz", "*.baz") => true;
    matches_long_name_short_wildcard: ("foo.bar.baz", "*.baz") => true;
}

// istio pkg/config/host name_test.go TestNameSubsetOf
rows! { subset_of:
    subset_empty: ("", "") => true;
    subset_first_empty: ("", "foo.com") => false;
    subset_second_empty: ("foo.com", "") => false;
    subset_same: ("foo.com", "foo.com") => true;
    subset_other: ("bar.com", "foo.com") => false;
    subset_domain_subdomain: ("bar.foo.com", "foo.com") => false;
    subset_subdomain_domain: ("foo.com", "bar.foo.com") => false;
    subset_of_wildcard: ("foo.com", "*.com") => true;
    subset_of_wildcard_2: ("bar.com", "*.com") => true;
    subset_of_deeper_wildcard: ("bar.foo.com", "*.foo.com") => true;
    subset_of_star: ("foo.com", "*") => true;
    subset_wildcard_of_star: ("*.com", "*") => true;
    subset_tld_of_star: ("com", "*") => true;
    subset_star_of_star: ("*", "*") => true;
    subset_empty_of_star: ("", "*") => true;
    subset_wildcard_of_wildcard: ("*.foo.com", "*.com") => true;
    subset_wildcard_not_of_domain: ("*.foo.com", "foo.com") => false;
    subset_long_wildcard_short_host: ("*.foo.bar.baz", "baz") => false;
    subset_long_name_short_wildcard: ("foo.bar.baz", "*.baz") => true;
    subset_short_wildcard_not_of_long: ("*.com", "*.foo.com") => false;
    subset_wildcard_not_of_name: ("*.com", "foo.com") => false;
}

// istio pkg/config/host names_test.go TestNamesSort (MoreSpecific)
#[test]
fn sort_longest_first_wildcards_last() {
    let mut v = ["foo.com", "bar.com", "*.com", "*.foo.com", "*", "baz.bar.com"];
    sort_most_specific(&mut v);
    assert_eq!(v, ["baz.bar.com", "bar.com", "foo.com", "*.foo.com", "*.com", "*"]);
}

#[test]
fn sort_alphabetical_on_equal_length() {
    let mut v = ["b.com", "a.com", "*.b.com", "*.a.com"];
    sort_most_specific(&mut v);
    assert_eq!(v, ["a.com", "b.com", "*.a.com", "*.b.com"]);
}

// istio pkg/config/host names_test.go TestNamesForNamespace
#[test]
fn names_for_namespace_own() {
    let v: Vec<_> = names_for_namespace(["ns1/foo.com", "ns2/bar.com"], "ns1").collect();
    assert_eq!(v, ["foo.com"]);
}

#[test]
fn names_for_namespace_other() {
    let v: Vec<_> = names_for_namespace(["ns1/foo.com", "ns2/bar.com"], "ns3").collect();
    assert!(v.is_empty());
}

#[test]
fn names_for_namespace_star() {
    let v: Vec<_> = names_for_namespace(["ns1/foo.com", "*/bar.com"], "ns3").collect();
    assert_eq!(v, ["bar.com"]);
}

#[test]
fn names_for_namespace_unqualified() {
    let v: Vec<_> = names_for_namespace(["foo.com", "ns2/bar.com"], "ns3").collect();
    assert_eq!(v, ["foo.com"]);
}

// istio pilot/pkg/model config.go ResolveShortnameToFQDN
#[test]
fn short_name_resolves_in_namespace() {
    assert_eq!(
        resolve_short_name("reviews", "bookinfo", "cluster.local"),
        "reviews.bookinfo.svc.cluster.local"
    );
}

#[test]
fn fqdn_is_kept() {
    assert_eq!(resolve_short_name("reviews.other", "bookinfo", "cluster.local"), "reviews.other");
}

#[test]
fn ipv6_is_not_a_short_name() {
    assert_eq!(resolve_short_name("::1", "bookinfo", "cluster.local"), "::1");
}

// istio pilot/pkg/model config.go resolveGatewayName
#[test]
fn gateway_legacy_fqdn_without_suffix() {
    assert_eq!(resolve_gateway_name("gw.ns", "default"), "ns/gw");
}

// envoy config_impl_test.cc TestVirtualHostDomains*: wildcard needs a non-empty match
rows! { domain_matches:
    domain_star: ("*", "anything.example") => true;
    domain_exact_ignores_case: ("www.lyft.com", "WWW.Lyft.com") => true;
    domain_suffix_wildcard: ("*.lyft.com", "api.lyft.com") => true;
    domain_suffix_wildcard_deep: ("*.lyft.com", "a.b.lyft.com") => true;
    domain_suffix_wildcard_not_apex: ("*.lyft.com", "lyft.com") => false;
    domain_suffix_wildcard_dash: ("*-bar.baz.com", "foo-bar.baz.com") => true;
    domain_suffix_wildcard_empty_star: ("*-bar.baz.com", "-bar.baz.com") => false;
    domain_prefix_wildcard: ("foo.*", "foo.com") => true;
    domain_prefix_wildcard_empty_star: ("foo.*", "foo.") => false;
    domain_prefix_wildcard_dash: ("foo-*", "foo-bar") => true;
    domain_exact_mismatch: ("www.lyft.com", "api.lyft.com") => false;
}

#[test]
fn strip_port_keeps_bare_ipv6() {
    assert_eq!(strip_port("::1"), ("::1", None));
}

#[test]
fn strip_port_ignores_non_numeric_port() {
    assert_eq!(strip_port("host:http"), ("host:http", None));
}
