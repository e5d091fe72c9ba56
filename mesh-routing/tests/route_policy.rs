//! The DestinationRule that applies and its effective traffic policy (istio push_context.go
//! destinationRule, destination_rule.go mergeDestinationRule, util.go MergeSubsetTrafficPolicy).
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use mesh_model::networking::{LbPolicy, SimpleLb, TrafficPolicy};
use route_common::*;

const VS: &str = "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r, namespace: default}
spec:
  hosts: [reviews]
  http: [{route: [{destination: {host: reviews, subset: v1}}]}]
---
";

fn dr(name: &str, ns: &str, host: &str, body: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}}}
spec:
  host: {host}
{body}---
"
    )
}

fn policy(r: &mesh_routing::Router, q: &Req) -> (Option<String>, Option<TrafficPolicy>) {
    decide(r, q, |d, _| (d.destination_rule_name().map(str::to_string), d.traffic_policy()))
}

fn simple(p: &Option<TrafficPolicy>) -> Option<SimpleLb> {
    match p.as_ref()?.load_balancer.as_ref()?.lb_policy.as_ref()? {
        LbPolicy::Simple(s) => Some(*s),
        _ => None,
    }
}

const SUBSETS: &str = "  trafficPolicy: {loadBalancer: {simple: LEAST_REQUEST}}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
  - name: v2
    labels: {version: v2}
";

#[test]
fn subset_policy_overrides_top_level() {
    let r = router(&format!("{VS}{}", dr("reviews", "default", "reviews", SUBSETS)));
    let (name, p) = policy(&r, &req("reviews", "/"));
    assert_eq!(name.as_deref(), Some("default/reviews"));
    assert_eq!(simple(&p), Some(SimpleLb::RoundRobin));
}

#[test]
fn top_level_when_subset_has_none() {
    let r = router(
        &format!("{VS}{}", dr("reviews", "default", "reviews", SUBSETS)).replace("subset: v1", "subset: v2"),
    );
    assert_eq!(simple(&policy(&r, &req("reviews", "/")).1), Some(SimpleLb::LeastRequest));
}

// istio GetPortLevelTrafficPolicy: port-level settings replace, not inherit
#[test]
fn port_level_replaces_top_level() {
    let body = "  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    connectionPool: {tcp: {maxConnections: 10}}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer: {simple: RANDOM}
";
    let r = router(&format!("{VS}{}", dr("reviews", "default", "reviews", body)));
    let p = policy(&r, &req("reviews", "/")).1.expect("policy");
    assert_eq!(simple(&Some(p.clone())), Some(SimpleLb::Random));
    assert!(p.connection_pool.is_none());
    assert!(p.port_level_settings.is_empty());
}

#[test]
fn port_level_other_port_ignored() {
    let body = "  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    portLevelSettings:
    - port: {number: 1234}
      loadBalancer: {simple: RANDOM}
";
    let r = router(&format!("{VS}{}", dr("reviews", "default", "reviews", body)));
    assert_eq!(simple(&policy(&r, &req("reviews", "/")).1), Some(SimpleLb::LeastRequest));
}

#[test]
fn no_destination_rule() {
    let r = router(VS);
    assert_eq!(policy(&r, &req("reviews", "/")), (None, None));
}

// istio destinationRule(): the client's namespace first
#[test]
fn client_namespace_rule_wins() {
    let y = format!(
        "{VS}{}{}",
        dr("svc-ns", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"),
        dr(
            "client-ns",
            "other",
            "reviews.default.svc.cluster.local",
            "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"
        )
    );
    let r = router(&y);
    let (n, p) = policy(&r, &req("reviews.default", "/").ns("other"));
    assert_eq!((n.as_deref(), simple(&p)), (Some("other/client-ns"), Some(SimpleLb::Random)));
    let (n, _) = policy(&r, &req("reviews", "/"));
    assert_eq!(n.as_deref(), Some("default/svc-ns"));
}

// exportTo "." keeps a rule from other namespaces' clients
#[test]
fn private_rule_not_seen_from_other_namespace() {
    let y = format!(
        "{VS}{}",
        dr(
            "p",
            "default",
            "reviews",
            "  exportTo: ['.']\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"
        )
    );
    let r = router(&y);
    assert_eq!(policy(&r, &req("reviews.default", "/").ns("other")).0, None);
    assert_eq!(policy(&r, &req("reviews", "/")).0.as_deref(), Some("default/p"));
}

// the root namespace's exported rules are the last resort
#[test]
fn root_namespace_rule_fallback() {
    let y = format!(
        "{VS}{}",
        dr("mesh", "istio-system", "'*.local'", "  trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}\n")
    );
    let r = router(&y);
    assert_eq!(policy(&r, &req("reviews", "/")).0.as_deref(), Some("istio-system/mesh"));
}

// istio MostSpecificHostMatch: exact host beats wildcard
#[test]
fn exact_host_beats_wildcard() {
    let y = format!(
        "{VS}{}{}",
        dr(
            "wild",
            "default",
            "'*.default.svc.cluster.local'",
            "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"
        ),
        dr("exact", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n")
    );
    assert_eq!(policy(&router(&y), &req("reviews", "/")).0.as_deref(), Some("default/exact"));
}

#[test]
fn most_specific_wildcard() {
    let y = format!(
        "{VS}{}{}",
        dr("broad", "default", "'*.cluster.local'", "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"),
        dr(
            "narrow",
            "default",
            "'*.svc.cluster.local'",
            "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"
        )
    );
    assert_eq!(policy(&router(&y), &req("reviews", "/")).0.as_deref(), Some("default/narrow"));
}

// istio mergeDestinationRule: same host, same namespace: subsets concatenated, first policy wins
#[test]
fn merged_rules_same_host() {
    let y = format!(
        "{VS}{}{}",
        dr("a", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n  subsets: [{name: v2, labels: {version: v2}}]\n").replace("namespace: default}", "namespace: default, creationTimestamp: '2020-01-01T00:00:00Z'}"),
        dr("b", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n  subsets: [{name: v1, labels: {version: v1}, trafficPolicy: {connectionPool: {tcp: {maxConnections: 5}}}}]\n").replace("namespace: default}", "namespace: default, creationTimestamp: '2021-01-01T00:00:00Z'}")
    );
    let r = router(&y);
    let (n, p) = policy(&r, &req("reviews", "/"));
    assert_eq!(n.as_deref(), Some("default/a"));
    let p = p.expect("policy");
    assert_eq!(simple(&Some(p.clone())), Some(SimpleLb::Random));
    assert!(p.connection_pool.is_some());
}

// a workloadSelector rule applies only to the workloads it selects
#[test]
fn workload_selector_rule() {
    let y = format!(
        "{VS}{}{}",
        dr("all", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"),
        dr(
            "sel",
            "default",
            "reviews",
            "  workloadSelector: {matchLabels: {app: productpage}}\n  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n"
        )
    );
    let r = router(&y);
    assert_eq!(
        policy(&r, &req("reviews", "/").label("app", "productpage")).0.as_deref(),
        Some("default/sel")
    );
    assert_eq!(policy(&r, &req("reviews", "/").label("app", "other")).0.as_deref(), Some("default/all"));
}

#[test]
fn passthrough_uses_host_rule() {
    let r =
        router(&dr("reviews", "default", "reviews", "  trafficPolicy: {loadBalancer: {simple: RANDOM}}\n"));
    let (n, p) = policy(&r, &req("reviews", "/"));
    assert_eq!((n.as_deref(), simple(&p)), (Some("default/reviews"), Some(SimpleLb::Random)));
}

mod merge_fn {
    use mesh_model::PortSelector;
    use mesh_model::networking::{ConnectionPoolSettings, PortTrafficPolicy, TrafficPolicy, TunnelSettings};
    use mesh_routing::traffic_policy::merge_subset_policy;

    fn cp() -> Option<ConnectionPoolSettings> {
        Some(ConnectionPoolSettings::default())
    }

    #[test]
    fn subset_only() {
        let s = TrafficPolicy { connection_pool: cp(), ..Default::default() };
        assert_eq!(merge_subset_policy(None, Some(&s), None), Some(s));
    }

    #[test]
    fn neither() {
        assert_eq!(merge_subset_policy(None, None, Some(80)), None);
    }

    // port-level settings of the top level drop the tunnel too (shadowCopyPortTrafficPolicy)
    #[test]
    fn port_level_drops_tunnel() {
        let top = TrafficPolicy {
            tunnel: Some(TunnelSettings { target_host: "h".into(), target_port: 1, protocol: None }),
            port_level_settings: vec![PortTrafficPolicy {
                port: Some(PortSelector { number: Some(80) }),
                connection_pool: cp(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let out = merge_subset_policy(Some(&top), None, Some(80)).expect("policy");
        assert!(out.tunnel.is_none() && out.connection_pool.is_some());
    }

    // a subset's port-level settings replace the four port-level fields (hasPortLevel)
    #[test]
    fn subset_port_level_wipes_fields() {
        let top = TrafficPolicy { connection_pool: cp(), ..Default::default() };
        let sub = TrafficPolicy {
            port_level_settings: vec![PortTrafficPolicy {
                port: Some(PortSelector { number: Some(80) }),
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(merge_subset_policy(Some(&top), Some(&sub), Some(80)), None);
    }
}

/// A DestinationRule with two subsets and an exportTo list.
fn dr_export(name: &str, ns: &str, host: &str, export: &str, subsets: [&str; 2]) -> String {
    let export = if export.is_empty() { String::new() } else { format!("  exportTo: {export}\n") };
    format!(
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: {ns}}}
spec:
  host: {host}
{export}  subsets: [{{name: {}}}, {{name: {}}}]
---
",
        subsets[0], subsets[1]
    )
}

// istio push_context_test.go TestSetDestinationRuleWithExportTo: which namespace's rule a
// proxy gets for a service, all 16 rows.
#[test]
fn destination_rule_with_export_to_matches_istio() {
    let yaml = [
        dr_export("rule1", "test1", "httpbin.org", r#"[".", "ns1"]"#, ["subset1", "subset2"]),
        dr_export("rule2", "test2", "httpbin.org", "[test2, ns1, test1, newNS]", ["subset3", "subset4"]),
        dr_export("rule3", "test3", "httpbin.org", r#"[test1, test2, "*"]"#, ["subset5", "subset6"]),
        dr_export("rule4-local", "test4", "httpbin.org", "[test4]", ["subset15", "subset16"]),
        dr_export("rule4", "istio-system", "httpbin.org", "", ["subset7", "subset8"]),
        dr_export("rule1", "istio-system", "httpbin.org", r#"["."]"#, ["subset9", "subset10"]),
        dr_export("rule2", "istio-system", "'*.org'", r#"["."]"#, ["subset11", "subset12"]),
        dr_export("rule3", "istio-system", "'*.app.org'", r#"["."]"#, ["subset13", "subset14"]),
        dr_export("rule5", "test5", "api.test.com", "[istio-system]", ["subset5-0", "subset5-1"]),
        dr_export("rule6", "test6", "api.test.com", "[istio-system]", ["subset6-0", "subset6-1"]),
    ]
    .concat();
    // Upstream's test builds the push context directly: rule3's exportTo mixes `*` with
    // names, which the webhook would refuse, so the snapshot is built unvalidated.
    let loaded = mesh_model::load_str(&yaml, &mesh_model::LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let snap = mesh_model::Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
    let drs = mesh_routing::traffic_policy::DestinationRules::compile(&snap);
    let cases: &[(&str, &str, &str, Option<[&str; 2]>)] = &[
        ("test1", "test1", "httpbin.org", Some(["subset1", "subset2"])),
        ("test1", "test2", "httpbin.org", Some(["subset1", "subset2"])),
        ("test2", "test1", "httpbin.org", Some(["subset3", "subset4"])),
        ("newNS", "test2", "httpbin.org", Some(["subset3", "subset4"])),
        ("test3", "test1", "httpbin.org", Some(["subset5", "subset6"])),
        ("test5", "test4", "httpbin.org", Some(["subset7", "subset8"])),
        ("ns1", "test1", "httpbin.org", Some(["subset1", "subset2"])),
        ("ns1", "random", "httpbin.org", Some(["subset7", "subset8"])),
        ("random", "random", "httpbin.org", Some(["subset7", "subset8"])),
        ("test3", "random", "httpbin.org", Some(["subset5", "subset6"])),
        ("istio-system", "random", "httpbin.org", Some(["subset9", "subset10"])),
        ("istio-system", "istio-system", "httpbin.org", Some(["subset9", "subset10"])),
        ("istio-system", "istio-system", "foo.app.org", Some(["subset13", "subset14"])),
        // A rule in the service's namespace applies to a proxy in the root namespace.
        ("istio-system", "test5", "api.test.com", Some(["subset5-0", "subset5-1"])),
        ("istio-system", "test6", "api.test.com", Some(["subset6-0", "subset6-1"])),
        // Neither the service's nor the proxy's namespace holds a rule: none applies.
        ("istio-system", "test7", "api.test.com", None),
    ];
    for (proxy_ns, service_ns, host, want) in cases {
        let got = drs
            .lookup(proxy_ns, None, host, Some(service_ns))
            .map(|r| r.subsets.iter().map(|s| s.name.clone()).collect::<Vec<_>>());
        let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "proxy {proxy_ns}, service {service_ns}, host {host}");
    }
}

fn unvalidated(yaml: &str) -> mesh_routing::traffic_policy::DestinationRules {
    let loaded = mesh_model::load_str(yaml, &mesh_model::LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let snap = mesh_model::Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
    mesh_routing::traffic_policy::DestinationRules::compile(&snap)
}

fn dr_at(name: &str, created: &str, export: &str, selector: &str, subsets: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: {name}, namespace: test, creationTimestamp: '{created}'}}
spec:
  host: httpbin.org
  exportTo: {export}
{selector}  subsets: {subsets}
---
"
    )
}

// istio push_context_test.go TestSetDestinationRuleWithWorkloadSelector: a namespace-wide
// rule whose exportTo is a superset of a selector rule's (`.`) is merged into each selector
// rule (their subsets gain its subsets) and kept as a rule of its own; rules with the same
// selector merge; a selector rule is never exported.
#[test]
fn destination_rule_workload_selector_merge_matches_istio() {
    let app = |a: &str| format!("  workloadSelector: {{matchLabels: {{app: {a}}}}}\n");
    let yaml = [
        dr_at("nsRule1", "2026-01-01T00:00:01Z", r#"[test2, "."]"#, &app("app1"), "[{name: a1}]"),
        dr_at("nsRule2", "2026-01-01T00:00:02Z", r#"[test2, "."]"#, &app("app2"), "[{name: a2}]"),
        dr_at("nsRule3", "2026-01-01T00:00:02Z", r#"[test2, "."]"#, &app("app2"), "[{name: a3}]"),
        dr_at("nsRule4", "2026-01-01T00:00:00Z", r#"[".", test2]"#, "", "[{name: ns}]"),
    ]
    .concat();
    let drs = unvalidated(&yaml);
    let labels = |a: &str| std::collections::BTreeMap::from([("app".to_string(), a.to_string())]);
    let from = |proxy_ns: &str, l: Option<&std::collections::BTreeMap<String, String>>| {
        let r = drs.lookup(proxy_ns, l, "httpbin.org", Some("test")).expect("a rule applies");
        (r.from.clone(), r.subsets.iter().map(|s| s.name.clone()).collect::<Vec<_>>())
    };
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(from("test", Some(&labels("app1"))), (s(&["test/nsRule1", "test/nsRule4"]), s(&["a1", "ns"])));
    assert_eq!(
        from("test", Some(&labels("app2"))),
        (s(&["test/nsRule2", "test/nsRule3", "test/nsRule4"]), s(&["a2", "a3", "ns"]))
    );
    assert_eq!(from("test", Some(&labels("other"))), (s(&["test/nsRule4"]), s(&["ns"])));
    // "workload specific DR should not be exported"
    assert_eq!(from("test2", Some(&labels("app1"))), (s(&["test/nsRule4"]), s(&["ns"])));
}

// istio push_context_test.go TestSetDestinationRuleMerging: rules with equal exportTo merge
// (subsets concatenated); one exported elsewhere stays apart.
#[test]
fn destination_rule_merging_matches_istio() {
    let yaml = [
        dr_at("rule1", "2026-01-01T00:00:01Z", "[]", "", "[{name: subset1}, {name: subset2}]"),
        dr_at("rule2", "2026-01-01T00:00:02Z", "[]", "", "[{name: subset3}, {name: subset4}]"),
        dr_at("rule3", "2026-01-01T00:00:03Z", "[istio-system]", "", "[{name: subset5}, {name: subset6}]"),
    ]
    .concat();
    let drs = unvalidated(&yaml);
    let local = drs.lookup("test", None, "httpbin.org", Some("test")).expect("local rule");
    assert_eq!(local.from, ["test/rule1", "test/rule2"]);
    assert_eq!(local.subsets.len(), 4);
    let exported = drs.lookup("other", None, "httpbin.org", Some("test")).expect("exported rule");
    assert_eq!(exported.from, ["test/rule1", "test/rule2"]);
}

// istio cluster_traffic_policy.go applyOutlierDetection: with outlier detection the cluster's
// healthy panic threshold is minHealthPercent (unset: 0, panic off); without it Envoy's 50.
#[test]
fn outlier_detection_sets_the_panic_threshold() {
    use mesh_model::networking::LocalityLoadBalancerSetting;
    use mesh_routing::lb::cluster::ClusterSettings;
    let threshold = |body: &str| {
        let r = router(&format!("{VS}{}", dr("reviews", "default", "reviews", body)));
        decide(&r, &req("reviews", "/"), |d, _| {
            ClusterSettings::for_decision(d, &LocalityLoadBalancerSetting::default()).params.panic_threshold
        })
    };
    let subsets = "  subsets: [{name: v1, labels: {version: v1}}]\n";
    assert_eq!(threshold(subsets), 50);
    assert_eq!(
        threshold(&format!("  trafficPolicy: {{outlierDetection: {{consecutive5xxErrors: 5}}}}\n{subsets}")),
        0
    );
    assert_eq!(
        threshold(&format!(
            "  trafficPolicy: {{outlierDetection: {{consecutive5xxErrors: 5, minHealthPercent: 40}}}}\n{subsets}"
        )),
        40
    );
}
