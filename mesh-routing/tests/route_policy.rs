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
