//! Ambient mode: istiod's conversion for ztunnel and ztunnel's evaluation, pinned to the
//! upstream tables (istio/istio `pilot/pkg/serviceregistry/ambient/authorization_test.go` and
//! `ambientindex_test.go` TestRBACConvert; istio/ztunnel `src/rbac.rs` and `src/state.rs`
//! tests), plus a proptest against the plain reference in `ztunnel_reference/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

mod ztunnel_reference;

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicySpec, Condition, Operation, Rule,
    RuleFrom, RuleTo, Source,
};
use mesh_model::{ObjectMeta, Resource, Snapshot, WorkloadSelector, load_str};
use mesh_policy::authz::ztunnel::{
    Connection, ConvertError, Group, HttpWarningKind, Identity, IpNet, Match, PolicyOrigin, Scope,
    ServiceAccountMatch, StringMatch, ZtunnelAuthorizer, ZtunnelOptions, ZtunnelPolicy, convert,
};
use mesh_policy::authz::{Action, Reason, Workload};
use proptest::prelude::*;
use serde_json::json;

// === helpers ===

fn policies(yaml: &str) -> Vec<AuthorizationPolicy> {
    let out = load_str(yaml, &Default::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.resources
        .into_iter()
        .filter_map(|l| match l.resource {
            Resource::AuthorizationPolicy(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn snapshot(yaml: &str) -> Snapshot {
    Snapshot::builder().build(load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource))
}

fn authz(yaml: &str) -> ZtunnelAuthorizer {
    ZtunnelAuthorizer::compile(&snapshot(yaml))
}

/// Converts the only policy of `yaml` with root namespace `istio-system`.
fn conv(yaml: &str) -> Result<Option<ZtunnelPolicy>, ConvertError> {
    convert(&policies(yaml)[0], "istio-system", &ZtunnelOptions::default())
}

fn converted(yaml: &str) -> ZtunnelPolicy {
    conv(yaml).unwrap().unwrap()
}

fn ip(s: &str) -> Option<IpAddr> {
    Some(s.parse().unwrap())
}

fn net(s: &str, prefix: u8) -> IpNet {
    IpNet::new(s.parse().unwrap(), prefix).unwrap()
}

fn id(p: &str) -> Option<Identity<'_>> {
    Some(Identity::from_principal(p).unwrap())
}

fn conn<'a>(principal: Option<&'a str>, src: &str, dst: &str, port: u16) -> Connection<'a> {
    Connection {
        source_identity: principal.map(|p| Identity::from_principal(p).unwrap()),
        source_ip: ip(src),
        destination_ip: ip(dst),
        destination_port: port,
    }
}

fn exact(s: &str) -> StringMatch {
    StringMatch::Exact(s.into())
}

/// A ztunnel `Authorization` built directly, as ztunnel's rbac.rs tests build them.
fn allow_policy(rules: Vec<Vec<Vec<Match>>>) -> ZtunnelPolicy {
    ZtunnelPolicy {
        namespace: "namespace".into(),
        name: "test".into(),
        scope: Scope::Global,
        selector: BTreeMap::new(),
        action: Action::Allow,
        groups: rules
            .into_iter()
            .enumerate()
            .map(|(rule, clauses)| Group { rule, clauses, http_omitted: false })
            .collect(),
        dry_run: false,
        omitted_rules: vec![],
        http_attributes: vec![],
        ignored_fields: vec![],
        origin: PolicyOrigin::AuthorizationPolicy,
    }
}

// ztunnel rbac.rs test connections.
fn plaintext_conn() -> Connection<'static> {
    conn(None, "127.0.0.1", "127.0.0.2", 8080)
}
fn tls_conn() -> Connection<'static> {
    conn(Some("td/ns/namespace/sa/account"), "127.0.0.1", "127.0.0.2", 8080)
}
fn tls_conn_alt() -> Connection<'static> {
    conn(Some("td-alt/ns/ns-alt/sa/sa=alt"), "127.0.0.3", "127.0.0.4", 9090)
}

// === istio/ztunnel src/rbac.rs ===

#[test]
fn ztunnel_rbac_empty_policy() {
    // ztunnel rbac.rs rbac_empty_policy: an empty match never matches, an empty clause list or
    // an empty clause matches, no rules match nothing.
    assert!(!allow_policy(vec![vec![vec![Match::default()]]]).matches(&plaintext_conn()));
    assert!(allow_policy(vec![vec![vec![]]]).matches(&plaintext_conn()));
    assert!(allow_policy(vec![vec![]]).matches(&plaintext_conn()));
    assert!(!allow_policy(vec![]).matches(&plaintext_conn()));
}

#[test]
fn ztunnel_rbac_nesting() {
    // ztunnel rbac.rs rbac_nesting: matches of a clause are ORed, clauses ANDed.
    let pol = allow_policy(vec![vec![
        vec![
            Match { namespaces: vec![exact("a")], ..Match::default() },
            Match { namespaces: vec![exact("b")], ..Match::default() },
        ],
        vec![Match { destination_ports: vec![80], ..Match::default() }],
    ]]);
    assert!(pol.matches(&conn(Some("td/ns/a/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
    assert!(pol.matches(&conn(Some("td/ns/b/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
    // "Policy is applied regardless of network": our Connection carries no network at all.
    assert!(!pol.matches(&conn(Some("td/ns/bad/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
    assert!(!pol.matches(&conn(Some("td/ns/b/sa/account"), "127.0.0.1", "127.0.0.2", 12345)));
}

#[test]
fn ztunnel_rbac_multi_rule() {
    // ztunnel rbac.rs rbac_multi_rule: rules are ORed.
    let pol = allow_policy(vec![
        vec![vec![Match { namespaces: vec![exact("a")], ..Match::default() }]],
        vec![vec![Match { namespaces: vec![exact("b")], ..Match::default() }]],
    ]);
    assert!(pol.matches(&conn(Some("td/ns/a/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
    assert!(pol.matches(&conn(Some("td/ns/b/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
    assert!(!pol.matches(&conn(Some("td/ns/bad/sa/account"), "127.0.0.1", "127.0.0.2", 80)));
}

/// ztunnel rbac.rs `rbac_test!`: one field set, three connections (plaintext, tls, tls_alt).
fn rbac_row(name: &str, m: Match, want: [bool; 3]) {
    let pol = allow_policy(vec![vec![vec![m]]]);
    for (c, w) in [plaintext_conn(), tls_conn(), tls_conn_alt()].iter().zip(want) {
        assert_eq!(pol.matches(c), w, "ztunnel rbac.rs rbac_test!({name}) on {c:?}");
    }
}

#[test]
fn ztunnel_rbac_test_rows() {
    let sa =
        || vec![ServiceAccountMatch { namespace: "namespace".into(), service_account: "account".into() }];
    let p = || vec![exact("td/ns/namespace/sa/account")];
    rbac_row(
        "namespaces",
        Match { namespaces: vec![exact("namespace")], ..Match::default() },
        [false, true, false],
    );
    rbac_row(
        "not_namespaces",
        Match { not_namespaces: vec![exact("namespace")], ..Match::default() },
        [true, false, true],
    );
    rbac_row("service_accounts", Match { service_accounts: sa(), ..Match::default() }, [false, true, false]);
    rbac_row(
        "not_service_accounts",
        Match { not_service_accounts: sa(), ..Match::default() },
        [true, false, true],
    );
    rbac_row("principals", Match { principals: p(), ..Match::default() }, [false, true, false]);
    rbac_row("not_principals", Match { not_principals: p(), ..Match::default() }, [true, false, true]);
    let one = || vec![net("127.0.0.1", 32)];
    rbac_row("source_ips", Match { source_ips: one(), ..Match::default() }, [true, true, false]);
    rbac_row("not_source_ips", Match { not_source_ips: one(), ..Match::default() }, [false, false, true]);
    let two = || vec![net("127.0.0.2", 32)];
    rbac_row("destination_ips", Match { destination_ips: two(), ..Match::default() }, [true, true, false]);
    rbac_row(
        "not_destination_ips",
        Match { not_destination_ips: two(), ..Match::default() },
        [false, false, true],
    );
    rbac_row(
        "cidr_range (destination_ips 127.0.0.1/24)",
        Match { destination_ips: vec![net("127.0.0.1", 24)], ..Match::default() },
        [true, true, true],
    );
    rbac_row(
        "destination_ports",
        Match { destination_ports: vec![8080], ..Match::default() },
        [true, true, false],
    );
    rbac_row(
        "not_destination_ports",
        Match { not_destination_ports: vec![8080], ..Match::default() },
        [false, false, true],
    );
}

#[test]
fn ztunnel_rbac_string_match_rows() {
    // ztunnel rbac.rs string_match test_case rows.
    let rows: [(StringMatch, &str, bool, &str); 11] = [
        (exact("foo"), "foo", true, "exact match"),
        (exact("foo"), "not", false, "exact mismatch"),
        (exact("foo"), "", false, "exact empty mismatch"),
        (StringMatch::Prefix("foo".into()), "foobar", true, "prefix match"),
        (StringMatch::Prefix("foo".into()), "notfoo", false, "prefix mismatch"),
        (StringMatch::Prefix("foo".into()), "", false, "prefix empty mismatch"),
        (StringMatch::Suffix("foo".into()), "barfoo", true, "suffix match"),
        (StringMatch::Suffix("foo".into()), "foonot", false, "suffix mismatch"),
        (StringMatch::Suffix("foo".into()), "", false, "suffix empty mismatch"),
        (StringMatch::Presence, "foo", true, "presence match"),
        (StringMatch::Presence, "", false, "presence mismatch"),
    ];
    for (m, s, want, name) in rows {
        assert_eq!(m.matches(s), want, "ztunnel rbac.rs string_match: {name}");
    }
}

#[test]
fn principals_need_an_identity_even_for_presence() {
    // ztunnel rbac.rs StringMatch::matches_principal: without "spiffe://" (plaintext) nothing
    // matches, so `notPrincipals: ["*"]` holds for plaintext: istiod's STRICT deny policy.
    let presence =
        allow_policy(vec![vec![vec![Match { principals: vec![StringMatch::Presence], ..Match::default() }]]]);
    assert!(!presence.matches(&plaintext_conn()));
    assert!(presence.matches(&tls_conn()));
    let strict = allow_policy(vec![vec![vec![Match {
        not_principals: vec![StringMatch::Presence],
        ..Match::default()
    }]]]);
    assert!(strict.matches(&plaintext_conn()));
    assert!(!strict.matches(&tls_conn()));
    // The namespace of a plaintext peer reads as "": an empty exact match holds for it.
    let empty_ns = allow_policy(vec![vec![vec![Match { namespaces: vec![exact("")], ..Match::default() }]]]);
    assert!(empty_ns.matches(&plaintext_conn()));
    assert!(!empty_ns.matches(&tls_conn()));
    // Service accounts ignore the trust domain.
    let sa = ServiceAccountMatch { namespace: "namespace".into(), service_account: "account".into() };
    assert!(sa.matches(id("other-td/ns/namespace/sa/account").as_ref()));
    assert!(!sa.matches(None));
}

#[test]
fn ip_nets_ignore_host_bits_and_other_families() {
    let n = net("10.0.0.9", 8);
    assert!(n.contains("10.255.0.1".parse().unwrap()));
    assert!(!n.contains("::ffff:10.0.0.1".parse().unwrap()));
    assert!(net("0.0.0.0", 0).contains("8.8.8.8".parse().unwrap()));
    assert!(!net("0.0.0.0", 0).contains("::1".parse().unwrap()));
    assert!(net("2001:db8::", 32).contains("2001:db8:1::5".parse().unwrap()));
    assert_eq!(IpNet::new("1.2.3.4".parse().unwrap(), 33), None);
}

#[test]
fn identities_parse_as_ztunnel_reads_them() {
    // ztunnel identity/manager.rs Identity::from_str: spiffe:// then exactly td/ns/<ns>/sa/<sa>.
    let i = Identity::parse("spiffe://td/ns/a/sa/b").unwrap();
    assert_eq!((i.trust_domain(), i.namespace(), i.service_account()), ("td", "a", "b"));
    for bad in [
        "td/ns/a/sa/b",
        "spiffe://td/ns/a/sa/b/c",
        "spiffe://td/a/b/c/d",
        "spiffe://td/ns/a/sb/b",
        "spiffe://td",
    ] {
        assert!(Identity::parse(bad).is_err(), "{bad}");
    }
    assert!(Identity::from_principal("td/ns/a/sa/b").is_ok());
}

// === istio/ztunnel src/state.rs (assert_rbac) ===

const STATE_POLICIES: &str = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: wildcard-allow, namespace: ns1, annotations: {istio.io/dry-run: 'true'}}
spec: {rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: wildcard-deny, namespace: ns1, annotations: {istio.io/dry-run: 'true'}}
spec: {action: DENY, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: foo, namespace: ns1}
spec: {rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/defaultacct]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny, namespace: ns1}
spec:
  action: DENY
  rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/denyacct]}}]}]
";

fn state_conn(sa: &str) -> String {
    format!("cluster.local/ns/default/sa/{sa}")
}

#[test]
fn ztunnel_state_assert_rbac_logic_deny_allow() {
    // ztunnel state.rs assert_rbac_logic_deny_allow (dry-run policies on: they have no effect).
    let a =
        ZtunnelAuthorizer::compile_with(&snapshot(STATE_POLICIES), &ZtunnelOptions { dry_run_enabled: true });
    let labels = BTreeMap::new();
    let (ns1, ns2) = (Workload::new("ns1", &labels), Workload::new("ns2", &labels));
    let c = |sa: &str, f: &dyn Fn(&Connection<'_>)| {
        let p = state_conn(sa);
        f(&conn(Some(&p), "192.168.1.1", "192.168.0.1", 8080));
    };
    // 3. No ALLOW policy for the workload: allow.
    c("not-defaultacct", &|x| assert_eq!(a.check(&ns2, x).reason, Reason::NoAllowPolicy));
    // 4. An ALLOW policy matches: allow.
    c("defaultacct", &|x| {
        let d = a.check(&ns1, x);
        assert!(d.allowed);
        assert_eq!(d.decider.unwrap().policy.to_string(), "ns1/foo");
    });
    // 5. ALLOW policies, none matches: deny.
    c("not-defaultacct", &|x| {
        let d = a.check(&ns1, x);
        assert!(!d.allowed);
        assert_eq!(d.reason, Reason::NoAllowMatched { http_rules_skipped: false });
    });
    // 2. A DENY policy matches: deny, naming it.
    c("denyacct", &|x| {
        let d = a.check(&ns1, x);
        assert!(!d.allowed);
        assert_eq!(d.decider.unwrap().policy.to_string(), "ns1/deny");
        assert_eq!(d.decider.unwrap().action, Action::Deny);
    });
}

#[test]
fn ztunnel_state_assert_rbac_with_dest_workload_info() {
    // ztunnel state.rs assert_rbac_with_dest_workload_info: no policies at all, allowed.
    let a = authz("");
    let labels = BTreeMap::new();
    let p = state_conn("defaultacct");
    assert!(
        a.check(&Workload::new("ns1", &labels), &conn(Some(&p), "192.168.1.1", "192.168.0.1", 8080)).allowed
    );
}

#[test]
fn ztunnel_state_assert_rbac_dry_run_with_real_policies() {
    // ztunnel state.rs assert_rbac_dry_run_with_real_policies: dry-run DENY and ALLOW policies
    // match and are logged, while the real ALLOW decides.
    let yaml = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: real-deny, namespace: ns1}
spec: {action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/denyacct]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: dry-run-deny, namespace: ns1, annotations: {istio.io/dry-run: 'true'}}
spec:
  action: DENY
  rules:
  - from: [{source: {principals: [cluster.local/ns/default/sa/defaultacct]}}]
  - from: [{source: {principals: [cluster.local/ns/default/sa/denyacct]}}]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: real-allow, namespace: ns1}
spec: {rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/defaultacct]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: dry-run-allow, namespace: ns1, annotations: {istio.io/dry-run: 'true'}}
spec: {rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/defaultacct]}}]}]}
";
    let a = ZtunnelAuthorizer::compile_with(&snapshot(yaml), &ZtunnelOptions { dry_run_enabled: true });
    let labels = BTreeMap::new();
    let w = Workload::new("ns1", &labels);
    let p = state_conn("defaultacct");
    let c = conn(Some(&p), "192.168.1.1", "192.168.0.1", 8080);
    let d = a.check(&w, &c);
    assert!(d.allowed);
    assert_eq!(d.decider.unwrap().policy.to_string(), "ns1/real-allow");
    let logged: Vec<String> = a.dry_run_matches(&w, &c).iter().map(ToString::to_string).collect();
    assert_eq!(logged, ["ns1/dry-run-allow", "ns1/dry-run-deny"]);
    // With ambient dry-run off (istiod's default) the dry-run policies never reach ztunnel.
    let off = authz(yaml);
    assert_eq!(off.rejected().len(), 2);
    assert!(matches!(off.rejected()[0].error, ConvertError::DryRunNotEnabled { .. }));
}

#[test]
fn ztunnel_policy_store_scope_follows_selector() {
    // ztunnel state/policy.rs rbac_change_scope: a Namespace policy is found by namespace, a
    // WorkloadSelector one is not (istiod lists it on the workloads it selects).
    let ns = converted(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec: {}\n",
    );
    assert_eq!(ns.scope, Scope::Namespace);
    let sel = converted(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: default}\nspec: {selector: {matchLabels: {app: a}}}\n",
    );
    assert_eq!(sel.scope, Scope::WorkloadSelector);
    let global = converted(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: istio-system}\nspec: {}\n",
    );
    assert_eq!(global.scope, Scope::Global);
}

// === istio/istio authorization_test.go TestConvertAuthorizationPolicyStatus ===

fn ap(spec: &str) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p, namespace: ns}}\nspec:\n{spec}\n"
    )
}

const FINE_RULE: &str = "  rules:\n  - from: [{source: {principals: [trust/ns/echo-1234/]}}]\n    to: [{operation: {ports: [http]}}]";

#[test]
fn istiod_status_no_status_target_ref_is_not_for_ztunnel() {
    assert_eq!(conv(&ap("  targetRef: {kind: Service, name: test-svc}\n  rules: []")), Ok(None));
}

#[test]
fn istiod_status_no_status_policy_is_fine() {
    let p = converted(&ap(FINE_RULE));
    assert_eq!(p.http_warning(), None);
    // The port `http` is not a number: dropped, leaving an empty `to` match that never matches.
    assert_eq!(p.groups[0].clauses[0], vec![Match::default()]);
    assert!(!p.has_effective_rules());
}

#[test]
fn istiod_status_unsupported_audit_and_custom_actions() {
    for action in ["AUDIT", "CUSTOM"] {
        let err =
            conv(&ap(&format!("  action: {action}\n  provider: {{name: x}}\n{FINE_RULE}"))).unwrap_err();
        let ConvertError::UnsupportedAction { action: got, .. } = &err else { panic!("{err:?}") };
        assert_eq!(got.as_str(), action, "unsupported {action} action");
        assert!(err.to_string().contains(&format!("does not support the {action} action")));
    }
}

#[test]
fn istiod_status_unsupported_http_methods() {
    let p = converted(&ap(
        "  rules:\n  - from: [{source: {requestPrincipals: [example.com/sub-1]}}]\n    to: [{operation: {methods: [GET]}}]\n    when: [{key: request.auth.presenter, values: [presenter.example.com]}]",
    ));
    let w = p.http_warning().unwrap();
    assert_eq!(w.attributes, ["methods", "request.auth.presenter", "requestPrincipals"]);
    assert_eq!(w.kind, HttpWarningKind::AllowRulesOmitted);
    assert_eq!(p.omitted_rules, [0]);
    assert!(p.groups.is_empty());
}

#[test]
fn istiod_status_deny_policy_with_only_l4_attributes_no_warning() {
    let p = converted(&ap(
        "  action: DENY\n  rules: [{from: [{source: {principals: [cluster.local/ns/foo/sa/bar]}}]}]",
    ));
    assert_eq!(p.http_warning(), None);
}

/// A DENY row: the attributes named, the warning kind and whether a rule can still fire.
fn deny_row(name: &str, rules: &str, attrs: &[&str], kind: HttpWarningKind, effective: bool) {
    let p = converted(&ap(&format!("  action: DENY\n  rules:\n{rules}")));
    let w = p.http_warning().unwrap_or_else(|| panic!("{name}: no warning"));
    assert_eq!(w.attributes, attrs, "{name}");
    assert_eq!(w.kind, kind, "{name}");
    assert_eq!(p.has_effective_rules(), effective, "{name}");
}

#[test]
fn istiod_status_deny_rows() {
    use HttpWarningKind::{DenyEnforcedWithoutHttp as Mixed, DenyNoEffect as NoEffect};
    deny_row(
        "DENY policy with only L7 attributes results in no effect at ztunnel",
        "  - from: [{source: {notRequestPrincipals: [example.com/sub-1]}}]",
        &["notRequestPrincipals"],
        NoEffect,
        false,
    );
    deny_row(
        "DENY policy with mixed L4 and L7 attributes is enforced without HTTP rules",
        "  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar], notRequestPrincipals: [example.com/sub-1]}}]",
        &["notRequestPrincipals"],
        Mixed,
        true,
    );
    deny_row(
        "DENY policy with L7-only and separate L4 rule is still enforced",
        "  - from: [{source: {notRequestPrincipals: [example.com/sub-1]}}]\n  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar]}}]",
        &["notRequestPrincipals"],
        Mixed,
        true,
    );
    deny_row(
        "DENY policy with empty catch-all rule and L7-only rule is still enforced",
        "  - {}\n  - from: [{source: {notRequestPrincipals: [example.com/sub-1]}}]",
        &["notRequestPrincipals"],
        Mixed,
        true,
    );
    deny_row(
        "DENY policy with L4 From and L7 When is a no-op due to AND empty clause",
        "  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar]}}]\n    when: [{key: 'request.headers[x-token]', values: [secret]}]",
        &["request.headers[x-token]"],
        NoEffect,
        false,
    );
    deny_row(
        "DENY policy with L4 From and L7-only To methods is a no-op due to AND empty clause",
        "  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar]}}]\n    to: [{operation: {methods: [GET]}}]",
        &["methods"],
        NoEffect,
        false,
    );
}

#[test]
fn deny_rows_decide_as_their_warnings_say() {
    // The consequence of the rows above at ztunnel: a no-effect DENY never denies; a mixed one
    // denies without its HTTP part.
    let labels = BTreeMap::new();
    let w = Workload::new("ns", &labels);
    let bar = conn(Some("cluster.local/ns/foo/sa/bar"), "10.0.0.1", "10.0.0.2", 80);
    let no_effect = authz(&ap(
        "  action: DENY\n  rules:\n  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar]}}]\n    to: [{operation: {methods: [GET]}}]",
    ));
    assert_eq!(no_effect.check(&w, &bar).reason, Reason::NoAllowPolicy);
    let mixed = authz(&ap(
        "  action: DENY\n  rules:\n  - from: [{source: {principals: [cluster.local/ns/foo/sa/bar], notRequestPrincipals: [x/y]}}]",
    ));
    let d = mixed.check(&w, &bar);
    assert!(!d.allowed);
    assert_eq!(d.reason, Reason::DenyMatched { dropped_http: true });
}

#[test]
fn dry_run_without_ambient_support_is_rejected_with_status() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p, namespace: ns, annotations: {istio.io/dry-run: 'true'}}\nspec: {action: DENY, rules: [{}]}\n";
    let err = conv(yaml).unwrap_err();
    assert_eq!(err, ConvertError::DryRunNotEnabled { namespace: "ns".into(), name: "p".into() });
    assert!(err.to_string().contains("dry-run"));
    let on = convert(&policies(yaml)[0], "istio-system", &ZtunnelOptions { dry_run_enabled: true })
        .unwrap()
        .unwrap();
    assert!(on.dry_run);
    // Go's ParseBool: "false" and garbage are ordinary policies.
    for v in ["false", "yes"] {
        let y = yaml.replace("'true'", &format!("'{v}'"));
        assert!(!converted(&y).dry_run, "{v}");
    }
}

// === istio/istio ambientindex_test.go TestRBACConvert (testdata/*-in.yaml) ===

/// The input of TestRBACConvert's `allow-full` case: every field, with exact, prefix, suffix
/// and presence values.
const ALLOW_FULL: &str = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow, namespace: cfg}
spec:
  action: ALLOW
  rules:
  - from: [{source: {principals: [principal, principal-prefix-*, '*-suffix-principal', '*'], notPrincipals: [not-principal, not-principal-prefix-*, '*-suffix-not-principal', '*']}}]
  - from: [{source: {serviceAccounts: [ns/sa, sa-only], notServiceAccounts: [ns/sa-not, sa-not-only]}}]
  - from: [{source: {requestPrincipals: [rp, rp-*, '*-rp', '*'], notRequestPrincipals: [not-rp]}}]
  - from: [{source: {namespaces: [ns, ns-prefix-*, '*-ns-suffix', '*'], notNamespaces: [not-ns, not-ns-prefix-*, '*-not-ns-suffix', '*']}}]
  - from: [{source: {ipBlocks: [1.2.3.4, 5.6.0.0/16], notIpBlocks: [2.2.3.4, 6.6.0.0/16]}}]
  - from: [{source: {remoteIpBlocks: [1.2.3.4, 5.6.0.0/16], notRemoteIpBlocks: [2.2.3.4, 6.6.0.0/16]}}]
  - to: [{operation: {methods: [method, '*'], notMethods: [not-method]}}]
  - to: [{operation: {hosts: [exact.com, '*.suffix.com'], notHosts: [not-exact.com]}}]
  - to: [{operation: {ports: ['80', '90'], notPorts: ['800', '900']}}]
  - to: [{operation: {paths: [/exact, /prefix/*], notPaths: [/not-exact]}}]
  - when: [{key: 'request.headers[X-header]', values: [header], notValues: [not-header]}]
  - when: [{key: source.ip, values: [10.10.10.10, 192.168.10.0/24], notValues: [90.10.10.10, 90.168.10.0/24]}]
  - when: [{key: remote.ip, values: [10.10.10.10], notValues: [90.10.10.10]}]
  - when: [{key: source.namespace, values: [ns, ns-prefix-*, '*-ns-suffix', '*'], notValues: [not-ns, not-ns-prefix-*, '*-not-ns-suffix', '*']}]
  - when: [{key: source.principal, values: [principal, principal-prefix-*, '*-suffix-principal', '*'], notValues: [not-principal, not-principal-prefix-*, '*-not-suffix-principal', '*']}]
  - when: [{key: request.auth.principal, values: [rp]}]
  - when: [{key: request.auth.audiences, values: [aud]}]
  - when: [{key: request.auth.presenter, values: [presenter]}]
  - when: [{key: 'request.auth.claims[iss]', values: [iss]}]
  - when: [{key: 'request.auth.claims[nested1][nested2]', values: [nested]}]
  - when: [{key: destination.ip, values: [10.10.10.10, 192.168.10.0/24], notValues: [90.10.10.10, 90.168.10.0/24]}]
  - when: [{key: destination.port, values: ['91', '92'], notValues: ['9001', '9002']}]
  - when: [{key: connection.sni, values: [exact.com]}]
  - when: [{key: 'experimental.envoy.filters.a.b[c]', values: [exact]}]
";

#[test]
fn istiod_rbac_convert_allow_full() {
    let p = converted(ALLOW_FULL);
    let sm = |e: &str, pre: &str, suf: &str| json!([{"Exact": e}, {"Prefix": pre}, {"Suffix": suf}, {"Presence": []}]);
    let want = json!({
        "name": "allow", "namespace": "cfg", "scope": "Namespace", "action": "Allow", "dryRun": false,
        "rules": [
            [[{"principals": sm("principal", "principal-prefix-", "-suffix-principal"),
               "notPrincipals": sm("not-principal", "not-principal-prefix-", "-suffix-not-principal")}]],
            [[{"serviceAccounts": [{"namespace": "ns", "serviceAccount": "sa"}, {"namespace": "cfg", "serviceAccount": "sa-only"}],
               "notServiceAccounts": [{"namespace": "ns", "serviceAccount": "sa-not"}, {"namespace": "cfg", "serviceAccount": "sa-not-only"}]}]],
            [[{"namespaces": sm("ns", "ns-prefix-", "-ns-suffix"), "notNamespaces": sm("not-ns", "not-ns-prefix-", "-not-ns-suffix")}]],
            [[{"sourceIps": ["1.2.3.4/32", "5.6.0.0/16"], "notSourceIps": ["2.2.3.4/32", "6.6.0.0/16"]}]],
            [[{"destinationPorts": [80, 90], "notDestinationPorts": [800, 900]}]],
            [[{"sourceIps": ["10.10.10.10/32", "192.168.10.0/24"], "notSourceIps": ["90.10.10.10/32", "90.168.10.0/24"]}]],
            [[{"namespaces": sm("ns", "ns-prefix-", "-ns-suffix"), "notNamespaces": sm("not-ns", "not-ns-prefix-", "-not-ns-suffix")}]],
            [[{"principals": sm("principal", "principal-prefix-", "-suffix-principal"),
               "notPrincipals": sm("not-principal", "not-principal-prefix-", "-not-suffix-principal")}]],
            [[{"destinationIps": ["10.10.10.10/32", "192.168.10.0/24"], "notDestinationIps": ["90.10.10.10/32", "90.168.10.0/24"]}]],
            [[{"destinationPorts": [91, 92], "notDestinationPorts": [9001, 9002]}]],
        ],
    });
    assert_eq!(p.to_ztunnel_json(), want);
    // Every other rule uses HTTP attributes and is left out of the ALLOW.
    assert_eq!(p.groups.iter().map(|g| g.rule).collect::<Vec<_>>(), [0, 1, 3, 4, 8, 11, 13, 14, 20, 21]);
}

const GROUPS_RULES: &str = "  - from: [{source: {principals: [from-mix-principal], requestPrincipals: [from-mix-requestPrincipals], namespaces: [from-mix-ns]}}]
    to: [{operation: {ports: ['80']}}]
  - from: [{source: {principals: [to-mix-principal], namespaces: [to-mix-ns]}}]
    to: [{operation: {ports: ['80'], methods: [to-mix-method]}}]
  - from: [{source: {principals: [only-l4-principals], namespaces: [only-l4-ns]}}]
    to: [{operation: {ports: ['80']}}]
  - from: [{source: {requestPrincipals: [l7-principal]}}]
    to: [{operation: {paths: [/l7-foo], methods: [l7-method]}}]
  - when: [{key: source.namespace, values: [when-l4-l7-ns]}, {key: connection.sni, values: [when-l4-l7-sni]}]
  - when: [{key: source.namespace, values: [when-l4-ns]}, {key: source.ip, values: [10.10.10.10]NOT}]
  - when: [{key: connection.sni, values: [when-l7-sni]}, {key: 'request.headers[X-header]', values: [when-l7-header]}]";

#[test]
fn istiod_rbac_convert_allow_groups() {
    let p = converted(&ap(&format!("  rules:\n{}", GROUPS_RULES.replace("NOT", ""))));
    let want = json!([
        [[{"destinationPorts": [80]}], [{"namespaces": [{"Exact": "only-l4-ns"}], "principals": [{"Exact": "only-l4-principals"}]}]],
        [[{"namespaces": [{"Exact": "when-l4-ns"}]}], [{"sourceIps": ["10.10.10.10/32"]}]],
    ]);
    assert_eq!(p.to_ztunnel_json()["rules"], want);
}

#[test]
fn istiod_rbac_convert_deny_groups() {
    let p = converted(&ap(&format!(
        "  action: DENY\n  rules:\n{}",
        GROUPS_RULES.replace("NOT", ", notValues: [20.20.20.20]")
    )));
    let from = |p: &str, n: &str| json!([{"namespaces": [{"Exact": n}], "principals": [{"Exact": p}]}]);
    let want = json!([
        [[{"destinationPorts": [80]}], from("from-mix-principal", "from-mix-ns")],
        [[{"destinationPorts": [80]}], from("to-mix-principal", "to-mix-ns")],
        [[{"destinationPorts": [80]}], from("only-l4-principals", "only-l4-ns")],
        [[{}], [{}]],
        [[{"namespaces": [{"Exact": "when-l4-l7-ns"}]}], [{}]],
        [[{"namespaces": [{"Exact": "when-l4-ns"}]}], [{"sourceIps": ["10.10.10.10/32"], "notSourceIps": ["20.20.20.20/32"]}]],
        [[{}], [{}]],
    ]);
    assert_eq!(p.to_ztunnel_json()["rules"], want);
    assert_eq!(
        p.groups.iter().map(|g| g.http_omitted).collect::<Vec<_>>(),
        [true, true, false, true, true, false, true]
    );
}

// === scope and selection (istiod buildWorkloadPolicies, ztunnel assert_rbac) ===

const SCOPES: &str = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: global-deny, namespace: istio-system}
spec: {action: DENY, rules: [{to: [{operation: {ports: ['1']}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: root-selector, namespace: istio-system}
spec: {selector: {matchLabels: {app: a}}, action: DENY, rules: [{to: [{operation: {ports: ['2']}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ns-deny, namespace: foo}
spec: {action: DENY, rules: [{to: [{operation: {ports: ['3']}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: sel-deny, namespace: foo}
spec: {selector: {matchLabels: {app: a, v: '1'}}, action: DENY, rules: [{to: [{operation: {ports: ['4']}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: empty-selector, namespace: foo}
spec: {selector: {}, action: DENY, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: waypoint, namespace: foo}
spec: {targetRefs: [{kind: Service, group: '', name: svc}], action: DENY, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: audit, namespace: foo}
spec: {action: AUDIT, rules: [{}]}
";

fn denied_by(a: &ZtunnelAuthorizer, ns: &str, labels: &[(&str, &str)], port: u16) -> Option<String> {
    let labels: BTreeMap<String, String> =
        labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let d = a.check(&Workload::new(ns, &labels), &conn(None, "10.0.0.1", "10.0.0.2", port));
    assert_eq!(d.allowed, d.decider.is_none());
    d.decider.map(|m| m.policy.to_string())
}

#[test]
fn policies_reach_the_workloads_istiod_lists_them_for() {
    let a = authz(SCOPES);
    assert_eq!(a.policies().len(), 5);
    assert_eq!(a.waypoint_only(), 1);
    assert_eq!(a.rejected().len(), 1);
    let full = [("app", "a"), ("v", "1")];
    assert_eq!(denied_by(&a, "foo", &full, 1).as_deref(), Some("istio-system/global-deny"));
    assert_eq!(denied_by(&a, "bar", &[], 1).as_deref(), Some("istio-system/global-deny"));
    assert_eq!(denied_by(&a, "foo", &full, 2).as_deref(), Some("istio-system/root-selector"));
    assert_eq!(denied_by(&a, "bar", &[("app", "a")], 2).as_deref(), Some("istio-system/root-selector"));
    assert_eq!(denied_by(&a, "bar", &[("app", "b")], 2), None);
    assert_eq!(denied_by(&a, "foo", &[], 3).as_deref(), Some("foo/ns-deny"));
    assert_eq!(denied_by(&a, "bar", &[], 3), None);
    assert_eq!(denied_by(&a, "foo", &full, 4).as_deref(), Some("foo/sel-deny"));
    assert_eq!(denied_by(&a, "foo", &[("app", "a")], 4), None);
    assert_eq!(denied_by(&a, "bar", &full, 4), None);
    // `selector: {}` and the targetRefs/AUDIT policies never deny here.
    assert_eq!(denied_by(&a, "foo", &full, 5), None);
    let labels = BTreeMap::from([("app".to_string(), "a".to_string()), ("v".to_string(), "1".to_string())]);
    let names: Vec<String> = a.policies_for(&Workload::new("foo", &labels)).iter().map(|p| p.key()).collect();
    // ztunnel chains namespace, global, then the workload's list, which istiod sorts by name.
    assert_eq!(
        names,
        ["foo/ns-deny", "istio-system/global-deny", "foo/sel-deny", "istio-system/root-selector"]
    );
}

#[test]
fn workload_in_the_root_namespace_sees_global_policies_once() {
    let a = authz(SCOPES);
    assert_eq!(denied_by(&a, "istio-system", &[], 1).as_deref(), Some("istio-system/global-deny"));
    assert_eq!(
        denied_by(&a, "istio-system", &[("app", "a")], 2).as_deref(),
        Some("istio-system/root-selector")
    );
}

#[test]
fn deny_first_then_allow_then_default() {
    let yaml = "\
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: allow-a, namespace: foo}
spec: {rules: [{from: [{source: {namespaces: [a]}}]}, {from: [{source: {namespaces: [b]}}]}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-x, namespace: foo}
spec: {action: DENY, rules: [{from: [{source: {principals: ['*/sa/x']}}]}]}
";
    let a = authz(yaml);
    let labels = BTreeMap::new();
    let w = Workload::new("foo", &labels);
    let d = a.check(&w, &conn(Some("td/ns/a/sa/x"), "1.1.1.1", "2.2.2.2", 80));
    assert_eq!((d.allowed, d.decider.unwrap().policy.to_string()), (false, "foo/deny-x".into()));
    let d = a.check(&w, &conn(Some("td/ns/b/sa/y"), "1.1.1.1", "2.2.2.2", 80));
    assert_eq!((d.allowed, d.decider.unwrap().rule), (true, 1));
    let d = a.check(&w, &conn(None, "1.1.1.1", "2.2.2.2", 80));
    assert_eq!((d.allowed, d.reason), (false, Reason::NoAllowMatched { http_rules_skipped: false }));
}

#[test]
fn allow_rules_with_http_never_match_and_are_reported() {
    let a = authz(&ap("  rules: [{to: [{operation: {methods: [GET]}}]}]"));
    let labels = BTreeMap::new();
    let d = a.check(&Workload::new("ns", &labels), &tls_conn());
    assert_eq!((d.allowed, d.reason), (false, Reason::NoAllowMatched { http_rules_skipped: true }));
}

#[test]
fn spec_empty_denies_and_empty_rule_allows() {
    let labels = BTreeMap::new();
    let w = Workload::new("ns", &labels);
    assert!(!authz(&ap("  {}")).check(&w, &tls_conn()).allowed);
    assert!(authz(&ap("  rules: [{}]")).check(&w, &plaintext_conn()).allowed);
}

// === where ambient differs from the sidecar ===

#[test]
fn empty_entries_never_match_unlike_the_sidecar() {
    let labels = BTreeMap::new();
    let w = Workload::new("ns", &labels);
    // from.source {} converts to an empty match: the ALLOW rule never matches.
    assert!(!authz(&ap("  rules: [{from: [{source: {}}]}]")).check(&w, &tls_conn()).allowed);
    // A `when` key with no values, likewise.
    assert!(
        !authz(&ap("  rules: [{when: [{key: source.ip, notValues: [bad]}]}]")).check(&w, &tls_conn()).allowed
    );
    // trustDomains are dropped without a word.
    let p = converted(&ap("  rules: [{from: [{source: {trustDomains: [td]}}]}]"));
    assert_eq!((p.ignored_fields.as_slice(), p.http_warning()), (&["trustDomains"][..], None));
    assert!(!p.has_effective_rules());
}

#[test]
fn principals_are_not_rewritten_for_trust_domain_aliases() {
    // The sidecar maps `cluster.local/...` to the mesh's trust domain and aliases; ztunnel
    // compares the principal as written.
    let p = converted(&ap("  rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/b]}}]}]"));
    assert!(p.matches(&conn(Some("cluster.local/ns/a/sa/b"), "1.1.1.1", "2.2.2.2", 80)));
    assert!(!p.matches(&conn(Some("example.org/ns/a/sa/b"), "1.1.1.1", "2.2.2.2", 80)));
}

#[test]
fn remote_ip_blocks_and_service_account_when_keys_are_http_attributes() {
    let p = converted(&ap(
        "  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [1.2.3.4]}}], when: [{key: source.serviceAccount, values: [a/b]}]}]",
    ));
    assert_eq!(p.http_attributes, ["remoteIpBlocks", "source.serviceAccount"]);
    assert!(!p.has_effective_rules());
}

#[test]
fn ztunnel_json_round_trips_through_its_shape() {
    let p = converted(&ap(
        "  action: DENY\n  selector: {matchLabels: {app: a}}\n  rules: [{from: [{source: {notPrincipals: ['*']}}]}]",
    ));
    assert_eq!(
        p.to_ztunnel_json(),
        json!({"name": "p", "namespace": "ns", "scope": "WorkloadSelector", "action": "Deny", "dryRun": false,
               "rules": [[[{"notPrincipals": [{"Presence": []}]}]]]})
    );
}

#[test]
fn authorizer_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ZtunnelAuthorizer>();
}

// === proptest against the reference ===

const PRINCIPALS: &[&str] =
    &["cluster.local/ns/a/sa/x", "td/ns/b/sa/y", "*", "cluster.local/*", "*/sa/x", "*y"];
const NAMESPACES: &[&str] = &["a", "b", "*", "a*", "*b", ""];
const SAS: &[&str] = &["x", "a/x", "b/y", "foo/x"];
const IPS: &[&str] = &["10.0.0.1", "10.0.0.0/24", "10.0.1.0/24", "0.0.0.0/0", "bad", "::1"];
const PORTS: &[&str] = &["80", "8080", "http", "080"];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(pool).prop_map(str::to_string), 0..3)
}

fn source() -> impl Strategy<Value = Source> {
    (
        pick(PRINCIPALS),
        pick(PRINCIPALS),
        pick(NAMESPACES),
        pick(NAMESPACES),
        pick(SAS),
        pick(SAS),
        pick(IPS),
        pick(IPS),
        prop::bool::weighted(0.15),
    )
        .prop_map(|(p, np, n, nn, sa, nsa, ip, nip, l7)| Source {
            principals: p,
            not_principals: np,
            namespaces: n,
            not_namespaces: nn,
            service_accounts: sa,
            not_service_accounts: nsa,
            ip_blocks: ip,
            not_ip_blocks: nip,
            request_principals: if l7 { vec!["iss/sub".into()] } else { vec![] },
            ..Default::default()
        })
}

fn operation() -> impl Strategy<Value = Operation> {
    (pick(PORTS), pick(PORTS), prop::bool::weighted(0.15)).prop_map(|(p, np, l7)| Operation {
        ports: p,
        not_ports: np,
        methods: if l7 { vec!["GET".into()] } else { vec![] },
        ..Default::default()
    })
}

fn condition() -> impl Strategy<Value = Condition> {
    let keys = prop::sample::select(vec![
        "source.ip",
        "source.namespace",
        "source.principal",
        "destination.ip",
        "destination.port",
        "request.headers[x]",
        "connection.sni",
    ]);
    (keys, 0..3usize, prop::bool::ANY).prop_map(|(k, i, neg)| {
        let v: String = match k {
            "source.ip" | "destination.ip" => IPS[i].into(),
            "source.namespace" => NAMESPACES[i].into(),
            "source.principal" => PRINCIPALS[i].into(),
            "destination.port" => PORTS[i].into(),
            _ => "v".into(),
        };
        let (values, not_values) = if neg { (vec![], vec![v]) } else { (vec![v], vec![]) };
        Condition { key: k.to_string(), values, not_values }
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(source(), 0..3),
        prop::collection::vec(operation(), 0..2),
        prop::collection::vec(condition(), 0..2),
    )
        .prop_map(|(from, to, when)| Rule {
            from: from.into_iter().map(|s| RuleFrom { source: Some(s) }).collect(),
            to: to.into_iter().map(|o| RuleTo { operation: Some(o) }).collect(),
            when,
        })
}

fn policy() -> impl Strategy<Value = AuthorizationPolicy> {
    let action = prop::sample::select(vec![
        AuthorizationPolicyAction::Allow,
        AuthorizationPolicyAction::Deny,
        AuthorizationPolicyAction::Audit,
    ]);
    let ns = prop::sample::select(vec!["foo", "istio-system", "bar"]);
    let sel = prop::option::of(prop::sample::select(vec![
        vec![("app", "httpbin")],
        vec![("app", "other")],
        vec![],
        vec![("app", "httpbin"), ("v", "1")],
    ]));
    (action, ns, sel, prop::collection::vec(rule(), 0..3), 0..4u8, prop::bool::weighted(0.1)).prop_map(
        |(action, ns, sel, rules, name, dry)| AuthorizationPolicy {
            api_version: "security.istio.io/v1".into(),
            kind: "AuthorizationPolicy".into(),
            metadata: ObjectMeta {
                name: Some(format!("p{name}")),
                namespace: Some(ns.into()),
                annotations: if dry {
                    BTreeMap::from([("istio.io/dry-run".into(), "true".into())])
                } else {
                    BTreeMap::new()
                },
                ..Default::default()
            },
            spec: AuthorizationPolicySpec {
                selector: sel.map(|l| WorkloadSelector {
                    match_labels: l.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                }),
                action: Some(action),
                rules,
                ..Default::default()
            },
            status: None,
        },
    )
}

fn connection() -> impl Strategy<Value = ztunnel_reference::Conn> {
    (
        prop::option::of(prop::sample::select(vec![
            "cluster.local/ns/a/sa/x",
            "td/ns/b/sa/y",
            "cluster.local/ns/foo/sa/x",
        ])),
        prop::option::of(prop::sample::select(vec!["10.0.0.1", "10.0.1.7", "192.168.0.1", "::1"])),
        prop::option::of(prop::sample::select(vec!["10.0.0.1", "10.0.0.9"])),
        prop::sample::select(vec![80u16, 8080, 9090]),
    )
        .prop_map(|(p, s, d, port)| ztunnel_reference::Conn {
            principal: p.map(str::to_string),
            source_ip: s.map(|s| s.parse().unwrap()),
            destination_ip: d.map(|s| s.parse().unwrap()),
            port,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn compiled_agrees_with_reference(
        pols in prop::collection::vec(policy(), 0..6),
        c in connection(),
        ns in prop::sample::select(vec!["foo", "bar", "istio-system"]),
        labels in prop::collection::btree_map(prop::sample::select(vec!["app", "v"]), prop::sample::select(vec!["httpbin", "other", "1"]), 0..3),
    ) {
        // Unique names per namespace, as a cluster holds them.
        let mut seen = std::collections::BTreeSet::new();
        let pols: Vec<AuthorizationPolicy> = pols.into_iter().filter(|p| seen.insert((p.metadata.namespace().to_string(), p.metadata.name().to_string()))).collect();
        let labels: BTreeMap<String, String> = labels.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let a = ZtunnelAuthorizer::from_policies(&pols, "istio-system", &ZtunnelOptions::default());
        let view = Connection {
            source_identity: c.principal.as_deref().map(|p| Identity::from_principal(p).unwrap()),
            source_ip: c.source_ip,
            destination_ip: c.destination_ip,
            destination_port: c.port,
        };
        let d = a.check(&Workload::new(ns, &labels), &view);
        let got = (d.allowed, d.decider.map(|m| (m.policy.to_string(), m.rule)));
        let want = ztunnel_reference::decide(&pols, "istio-system", ns, &labels, &c);
        prop_assert_eq!(got, want);
    }
}

// istiod sorts a workload's policy keys as `namespace/name` strings: `istio-system/...`
// comes before `istio/...` ('-' sorts before '/'), so the root namespace's selector policy
// is the one reported when both deny.
#[test]
fn workload_policies_are_ordered_by_their_key_string() {
    let a = authz(
        "apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-a, namespace: istio}
spec: {selector: {matchLabels: {app: web}}, action: DENY, rules: [{}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: deny-b, namespace: istio-system}
spec: {selector: {matchLabels: {app: web}}, action: DENY, rules: [{}]}
",
    );
    let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
    let d = a.check(&Workload::new("istio", &labels), &conn(None, "10.0.0.1", "10.0.0.2", 80));
    assert!(!d.allowed);
    let decider = d.decider.expect("a DENY policy decided");
    assert_eq!((decider.policy.namespace, decider.policy.name), ("istio-system", "deny-b"));
}
