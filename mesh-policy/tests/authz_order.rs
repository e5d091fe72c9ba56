//! Which policies apply (scope) and how actions combine (CUSTOM, DENY, ALLOW, AUDIT), on HTTP
//! and TCP, pinned to istio/istio builder testdata and ListAuthorizationPolicies.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;

use common::{R, authorizer, check, snapshot_with};
use mesh_model::MeshConfig;
use mesh_policy::authz::{Authorizer, Layer, Reason, Verdict};

fn pol(ns: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {spec}\n---\n"
    )
}

fn tcp() -> R {
    R { layer: Layer::Tcp, ..R::default() }
}

fn mesh_with_providers() -> MeshConfig {
    let (m, _) = mesh_model::load::parse_mesh_config(
        "extensionProviders:\n- name: http-authz\n  envoyExtAuthzHttp: {service: authz.foo.svc.cluster.local, port: 8000}\n- name: grpc-authz\n  envoyExtAuthzGrpc: {service: authz.foo.svc.cluster.local, port: 9000}\n- name: prom\n  prometheus: {}\n",
    )
    .unwrap();
    m
}

fn custom(yaml: &str) -> Authorizer {
    Authorizer::compile(&snapshot_with(yaml, mesh_with_providers(), false))
}

#[test]
fn no_policy_allows() {
    let o = check(&authorizer(""), &R::default());
    assert!(o.allowed);
    assert_eq!(o.decider, None);
    assert_eq!(o.reason, Reason::NoAllowPolicy);
}

#[test]
fn empty_spec_denies_all() {
    // istio docs "allow-nothing": an ALLOW policy without rules matches nothing, so it denies all.
    let o = check(&authorizer(&pol("foo", "allow-nothing", "{}")), &R::default());
    assert!(!o.allowed);
    assert_eq!(o.reason, Reason::NoAllowMatched { http_rules_skipped: false });
}

#[test]
fn root_namespace_policy_applies_to_every_namespace() {
    let a = authorizer(&pol("istio-system", "deny-all", "{action: DENY, rules: [{}]}"));
    assert!(!check(&a, &R { ns: "anything".into(), ..R::default() }).allowed);
}

#[test]
fn root_namespace_selector_applies_across_namespaces() {
    // ListAuthorizationPolicies looks in the root namespace with the workload's labels.
    let a = authorizer(&pol(
        "istio-system",
        "d",
        "{selector: {matchLabels: {app: httpbin}}, action: DENY, rules: [{}]}",
    ));
    assert!(!check(&a, &R { ns: "bar".into(), ..R::default() }).allowed);
    let mut other = R::default();
    other.labels.insert("app".into(), "other".into());
    assert!(check(&a, &other).allowed);
}

#[test]
fn other_namespace_policy_does_not_apply() {
    let a = authorizer(&pol("bar", "deny-all", "{action: DENY, rules: [{}]}"));
    assert!(check(&a, &R::default()).allowed);
}

#[test]
fn selector_must_be_a_subset_of_workload_labels() {
    let a = authorizer(&pol(
        "foo",
        "d",
        "{selector: {matchLabels: {app: httpbin, version: v2}}, action: DENY, rules: [{}]}",
    ));
    assert!(check(&a, &R::default()).allowed);
    let mut v2 = R::default();
    v2.labels.insert("version".into(), "v2".into());
    assert!(!check(&a, &v2).allowed);
}

#[test]
fn empty_selector_selects_the_namespace() {
    let a = authorizer(&pol("foo", "d", "{selector: {}, action: DENY, rules: [{}]}"));
    assert!(!check(&a, &R::default()).allowed);
}

#[test]
fn target_ref_policy_ignored_for_sidecars() {
    // policyattachment.go: a non-gateway workload ignores policies with targetRefs.
    let a = authorizer(&pol(
        "foo",
        "d",
        "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}], action: DENY, rules: [{}]}",
    ));
    assert!(check(&a, &R::default()).allowed);
}

#[test]
fn target_ref_policy_applies_to_its_gateway() {
    let a = authorizer(&pol(
        "foo",
        "d",
        "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}], action: DENY, rules: [{}]}",
    ));
    let mut gw = R::default();
    gw.labels.insert("gateway.networking.k8s.io/gateway-name".into(), "gw".into());
    assert!(!check(&a, &gw).allowed);
    gw.labels.insert("gateway.networking.k8s.io/gateway-name".into(), "other".into());
    assert!(check(&a, &gw).allowed);
}

#[test]
fn deny_wins_over_allow() {
    let yaml = pol("foo", "allow-all", "{rules: [{}]}")
        + &pol("foo", "deny-get", "{action: DENY, rules: [{to: [{operation: {methods: [GET]}}]}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert!(!o.allowed);
    assert_eq!(o.decider, Some(("DENY".into(), "foo/deny-get".into(), 0)));
}

#[test]
fn allow_names_policy_and_rule() {
    let yaml = pol(
        "foo",
        "a",
        "{rules: [{to: [{operation: {methods: [POST]}}]}, {to: [{operation: {methods: [GET]}}]}]}",
    );
    let o = check(&authorizer(&yaml), &R::default());
    assert_eq!(o.decider, Some(("ALLOW".into(), "foo/a".into(), 1)));
}

#[test]
fn deny_only_policies_allow_the_rest() {
    let yaml = pol("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert!(o.allowed);
    assert_eq!(o.reason, Reason::NoAllowPolicy);
}

#[test]
fn the_reported_rule_is_envoys_first_by_policy_name() {
    // Envoy's RBAC filter keeps policies in a std::map keyed by "ns[..]-policy[..]-rule[..]".
    let yaml = pol("foo", "zz", "{rules: [{}]}") + &pol("foo", "aa", "{rules: [{}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert_eq!(o.decider, Some(("ALLOW".into(), "foo/aa".into(), 0)));
}

#[test]
fn root_namespace_sorts_by_name_too() {
    let yaml = pol("foo", "a", "{rules: [{}]}") + &pol("istio-system", "a", "{rules: [{}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert_eq!(o.decider.unwrap().1, "foo/a");
}

#[test]
fn rule_ten_sorts_before_rule_two() {
    let rules = (0..11).map(|_| "{}").collect::<Vec<_>>().join(", ");
    let yaml = pol(
        "foo",
        "a",
        &format!("{{rules: [{}]}}", rules.replacen("{}", "{to: [{operation: {methods: [X]}}]}", 1)),
    );
    // Rule 0 misses; of rules 1..=10, "rule[10]" sorts first.
    let o = check(&authorizer(&yaml), &R::default());
    assert_eq!(o.decider.unwrap().2, 10);
}

#[test]
fn audit_is_listed_and_never_decides() {
    let yaml = pol("foo", "audit", "{action: AUDIT, rules: [{}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert!(o.allowed);
    assert_eq!(o.decider, None);
    assert_eq!(o.audit, ["foo/audit"]);
}

#[test]
fn audit_beside_deny() {
    let yaml = pol("foo", "audit", "{action: AUDIT, rules: [{}]}")
        + &pol("foo", "deny", "{action: DENY, rules: [{}]}");
    let o = check(&authorizer(&yaml), &R::default());
    assert!(!o.allowed);
    assert_eq!(o.audit, ["foo/audit"]);
}

#[test]
fn audit_non_matching_not_listed() {
    let yaml = pol("foo", "audit", "{action: AUDIT, rules: [{to: [{operation: {methods: [POST]}}]}]}");
    assert!(check(&authorizer(&yaml), &R::default()).audit.is_empty());
}

#[test]
fn dry_run_allow_does_not_enforce() {
    // builder testdata dry-run-allow: shadow rules only.
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: d, namespace: foo, annotations: {istio.io/dry-run: 'true'}}\nspec: {rules: [{to: [{operation: {methods: [POST]}}]}]}\n";
    assert!(check(&authorizer(yaml), &R::default()).allowed);
}

#[test]
fn dry_run_deny_does_not_enforce() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: d, namespace: foo, annotations: {istio.io/dry-run: 'true'}}\nspec: {action: DENY, rules: [{}]}\n";
    assert!(check(&authorizer(yaml), &R::default()).allowed);
}

#[test]
fn dry_run_false_enforces() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: d, namespace: foo, annotations: {istio.io/dry-run: 'false'}}\nspec: {action: DENY, rules: [{}]}\n";
    assert!(!check(&authorizer(yaml), &R::default()).allowed);
}

#[test]
fn custom_provider_denies() {
    let a = custom(&pol("foo", "ext", "{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}"));
    let o = check(&a, &R { verdict: Verdict::Deny, ..R::default() });
    assert!(!o.allowed);
    assert_eq!(o.decider, Some(("CUSTOM".into(), "foo/ext".into(), 0)));
    assert_eq!(o.custom, Some(("http-authz".into(), "foo/ext".into())));
    assert_eq!(o.reason, Reason::CustomDenied);
}

#[test]
fn custom_provider_allows_then_deny_decides() {
    let yaml = pol("foo", "ext", "{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}")
        + &pol("foo", "deny", "{action: DENY, rules: [{}]}");
    let o = check(&custom(&yaml), &R::default());
    assert!(!o.allowed);
    assert_eq!(o.decider.unwrap().0, "DENY");
    assert_eq!(o.custom.unwrap().0, "http-authz");
}

#[test]
fn custom_provider_allows_then_allow_decides() {
    let yaml = pol("foo", "ext", "{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}")
        + &pol("foo", "a", "{rules: [{}]}");
    let o = check(&custom(&yaml), &R::default());
    assert!(o.allowed);
    assert_eq!(o.decider.unwrap().1, "foo/a");
}

#[test]
fn custom_not_matching_is_not_consulted() {
    let a = custom(&pol(
        "foo",
        "ext",
        "{action: CUSTOM, provider: {name: http-authz}, rules: [{to: [{operation: {paths: [/admin]}}]}]}",
    ));
    let o = check(&a, &R { verdict: Verdict::Deny, ..R::default() });
    assert!(o.allowed);
    assert_eq!(o.custom, None);
}

#[test]
fn custom_undeclared_provider_denies() {
    // builder extauthz.go getExtAuthz: an unknown provider gets deny rules.
    let o = check(
        &custom(&pol("foo", "ext", "{action: CUSTOM, provider: {name: nope}, rules: [{}]}")),
        &R::default(),
    );
    assert!(!o.allowed);
    assert_eq!(o.reason, Reason::CustomProviderInvalid);
}

#[test]
fn custom_non_authz_provider_denies() {
    let o = check(
        &custom(&pol("foo", "ext", "{action: CUSTOM, provider: {name: prom}, rules: [{}]}")),
        &R::default(),
    );
    assert_eq!(o.reason, Reason::CustomProviderInvalid);
}

#[test]
fn custom_multiple_providers_deny() {
    // builder.go: several providers per workload need PILOT_ENABLE_MULTIPLE_CUSTOM_AUTHZ_PROVIDERS.
    let yaml = pol("foo", "a", "{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}")
        + &pol(
            "foo",
            "b",
            "{action: CUSTOM, provider: {name: grpc-authz}, rules: [{to: [{operation: {paths: [/x]}}]}]}",
        );
    let o = check(&custom(&yaml), &R::default());
    assert_eq!(o.reason, Reason::CustomMultipleProviders);
}

#[test]
fn custom_http_provider_skips_tcp() {
    // builder testdata tcp/custom-only-http: no TCP filter for an HTTP ext_authz provider.
    let a = custom(&pol("foo", "ext", "{action: CUSTOM, provider: {name: http-authz}, rules: [{}]}"));
    assert!(check(&a, &R { verdict: Verdict::Deny, ..tcp() }).allowed);
}

#[test]
fn custom_grpc_provider_applies_on_tcp() {
    let a = custom(&pol(
        "foo",
        "ext",
        "{action: CUSTOM, provider: {name: grpc-authz}, rules: [{to: [{operation: {paths: [/x]}}]}]}",
    ));
    assert!(!check(&a, &R { verdict: Verdict::Deny, ..tcp() }).allowed);
}

#[test]
fn tcp_allow_with_http_rule_denies() {
    // builder testdata tcp/allow-only-http: the HTTP rule is dropped, the ALLOW filter remains.
    let o = check(&authorizer(&pol("foo", "a", "{rules: [{to: [{operation: {methods: [GET]}}]}]}")), &tcp());
    assert!(!o.allowed);
    assert_eq!(o.reason, Reason::NoAllowMatched { http_rules_skipped: true });
}

#[test]
fn tcp_allow_with_tcp_rule_allows() {
    // builder testdata tcp/allow-both-http-tcp: the TCP-only rule is kept.
    let yaml = pol(
        "foo",
        "a",
        "{rules: [{to: [{operation: {methods: [GET]}}]}, {from: [{source: {namespaces: [default]}}]}]}",
    );
    let o = check(&authorizer(&yaml), &tcp());
    assert!(o.allowed);
    assert_eq!(o.decider.unwrap().2, 1);
}

#[test]
fn tcp_deny_with_only_http_fields_denies_everything() {
    // builder testdata tcp/deny-both-http-tcp: HTTP fields are removed, the rest still denies.
    let o = check(
        &authorizer(&pol("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}")),
        &tcp(),
    );
    assert!(!o.allowed);
    assert_eq!(o.reason, Reason::DenyMatched { dropped_http: true });
}

#[test]
fn tcp_deny_keeps_tcp_fields() {
    let yaml =
        pol("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [/admin], ports: ['9090']}}]}]}");
    assert!(check(&authorizer(&yaml), &tcp()).allowed);
    assert!(!check(&authorizer(&yaml), &R { port: 9090, ..tcp() }).allowed);
}

#[test]
fn tcp_deny_on_request_principal_widens() {
    let yaml = pol("foo", "d", "{action: DENY, rules: [{from: [{source: {notRequestPrincipals: ['*']}}]}]}");
    assert!(!check(&authorizer(&yaml), &tcp()).allowed);
}

#[test]
fn http_deny_on_path_only_affects_path() {
    let yaml = pol("foo", "d", "{action: DENY, rules: [{to: [{operation: {paths: [/admin]}}]}]}");
    assert!(check(&authorizer(&yaml), &R::default()).allowed);
}

#[test]
fn tcp_audit_drops_http_fields() {
    let yaml = pol("foo", "au", "{action: AUDIT, rules: [{to: [{operation: {methods: [POST]}}]}]}");
    assert_eq!(check(&authorizer(&yaml), &tcp()).audit, ["foo/au"]);
}

#[test]
fn trust_domain_aliases_expand_principals() {
    // builder testdata simple-policy-td-aliases: cluster.local principals match every alias.
    let (mesh, _) =
        mesh_model::load::parse_mesh_config("trustDomain: td1\ntrustDomainAliases: [td2]\n").unwrap();
    let yaml =
        pol("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}");
    let a = Authorizer::compile(&snapshot_with(&yaml, mesh, false));
    for td in ["td1", "td2"] {
        assert!(
            check(&a, &R { principal: Some(format!("{td}/ns/default/sa/sleep")), ..R::default() }).allowed,
            "{td}"
        );
    }
    assert!(!check(&a, &R { principal: Some("td3/ns/default/sa/sleep".into()), ..R::default() }).allowed);
}

#[test]
fn local_trust_domain_replaces_cluster_local() {
    let (mesh, _) = mesh_model::load::parse_mesh_config("trustDomain: example.org\n").unwrap();
    let yaml =
        pol("foo", "a", "{rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]}");
    let a = Authorizer::compile(&snapshot_with(&yaml, mesh, false));
    assert!(
        check(&a, &R { principal: Some("example.org/ns/default/sa/sleep".into()), ..R::default() }).allowed
    );
    assert!(!check(&a, &R::default()).allowed);
}

#[test]
fn policies_for_lists_applicable_policies() {
    let yaml = pol("foo", "a", "{rules: [{}]}")
        + &pol("bar", "b", "{rules: [{}]}")
        + &pol("istio-system", "c", "{action: DENY, rules: [{}]}");
    let a = authorizer(&yaml);
    let labels = std::collections::BTreeMap::new();
    let w = mesh_policy::authz::Workload::new("foo", &labels);
    let names: Vec<String> = a.policies_for(&w).iter().map(|(_, p)| p.to_string()).collect();
    assert_eq!(names, ["foo/a", "istio-system/c"]);
}

#[test]
fn authorizer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Authorizer>();
}
