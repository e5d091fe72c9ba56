//! Kubernetes NetworkPolicy semantics, pinned to the Kubernetes documentation and the
//! network-policy conformance tests (kubernetes/kubernetes test/e2e/network/netpol).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;

use std::collections::BTreeMap;

use mesh_model::MeshConfig;
use mesh_model::kube::ContainerPort;
use mesh_policy::network_policy::{Connection, Endpoint, NetworkPolicies};

fn nps(yaml: &str) -> NetworkPolicies {
    NetworkPolicies::compile(&common::snapshot_with(yaml, MeshConfig::default(), true))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

struct Pod {
    ns: Option<&'static str>,
    labels: BTreeMap<String, String>,
    ip: &'static str,
    ports: Vec<ContainerPort>,
}

fn pod(ns: &'static str, l: &[(&str, &str)], ip: &'static str) -> Pod {
    Pod { ns: Some(ns), labels: labels(l), ip, ports: vec![] }
}

fn ep(p: &Pod) -> Endpoint<'_> {
    Endpoint { namespace: p.ns, labels: &p.labels, ip: Some(p.ip.parse().unwrap()), ports: &p.ports }
}

fn allowed(np: &NetworkPolicies, src: &Pod, dst: &Pod, port: u16) -> bool {
    np.check(&Connection { source: ep(src), destination: ep(dst), port, protocol: "TCP" }).allowed
}

const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: prod, labels: {env: prod}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: dev, labels: {env: dev}}\n---\n";

fn np(ns: &str, spec: &str) -> String {
    format!(
        "{NS}apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np, namespace: {ns}}}\nspec: {spec}\n"
    )
}

fn db() -> Pod {
    pod("prod", &[("role", "db")], "10.1.0.5")
}

fn web() -> Pod {
    pod("prod", &[("role", "web")], "10.1.0.6")
}

#[test]
fn unselected_pods_are_not_isolated() {
    let n = nps(&np("prod", "{podSelector: {matchLabels: {role: other}}, ingress: []}"));
    assert!(allowed(&n, &web(), &db(), 5432));
}

#[test]
fn default_deny_ingress() {
    let n = nps(&np("prod", "{podSelector: {}, policyTypes: [Ingress]}"));
    let v = n.check(&Connection { source: ep(&web()), destination: ep(&db()), port: 5432, protocol: "TCP" });
    assert!(!v.allowed && v.ingress.isolated && !v.egress.isolated);
}

#[test]
fn allow_all_ingress_rule() {
    let n = nps(&np("prod", "{podSelector: {}, ingress: [{}]}"));
    let v = n.check(&Connection { source: ep(&web()), destination: ep(&db()), port: 1, protocol: "TCP" });
    assert!(v.allowed);
    assert_eq!(v.ingress.policy.unwrap().to_string(), "prod/np");
}

#[test]
fn pod_selector_peer_same_namespace_only() {
    let n = nps(&np(
        "prod",
        "{podSelector: {matchLabels: {role: db}}, ingress: [{from: [{podSelector: {matchLabels: {role: web}}}]}]}",
    ));
    assert!(allowed(&n, &web(), &db(), 5432));
    assert!(!allowed(&n, &pod("dev", &[("role", "web")], "10.2.0.1"), &db(), 5432));
}

#[test]
fn namespace_selector_peer() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: dev}}}]}]}",
    ));
    assert!(allowed(&n, &pod("dev", &[], "10.2.0.1"), &db(), 5432));
    assert!(!allowed(&n, &web(), &db(), 5432));
}

#[test]
fn namespace_and_pod_selector_in_one_peer_are_anded() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: dev}}, podSelector: {matchLabels: {role: web}}}]}]}",
    ));
    assert!(allowed(&n, &pod("dev", &[("role", "web")], "10.2.0.1"), &db(), 1));
    assert!(!allowed(&n, &pod("dev", &[("role", "x")], "10.2.0.1"), &db(), 1));
}

#[test]
fn namespace_and_pod_selector_in_two_peers_are_ored() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {env: dev}}}, {podSelector: {matchLabels: {role: web}}}]}]}",
    ));
    assert!(allowed(&n, &pod("dev", &[("role", "x")], "10.2.0.1"), &db(), 1));
    assert!(allowed(&n, &web(), &db(), 1));
}

#[test]
fn namespace_name_label_is_automatic() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}}]}]}",
    ));
    assert!(allowed(&n, &pod("dev", &[], "10.2.0.1"), &db(), 1));
}

#[test]
fn ip_block_with_except() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]}]}",
    ));
    let ext = |ip| Pod { ns: None, labels: BTreeMap::new(), ip, ports: vec![] };
    assert!(allowed(&n, &ext("172.17.2.1"), &db(), 1));
    assert!(!allowed(&n, &ext("172.17.1.9"), &db(), 1));
    assert!(!allowed(&n, &ext("10.0.0.1"), &db(), 1));
}

#[test]
fn ports_and_end_port() {
    let n = nps(&np(
        "prod",
        "{podSelector: {}, ingress: [{ports: [{port: 5432}, {port: 32000, endPort: 32768}]}]}",
    ));
    assert!(allowed(&n, &web(), &db(), 5432));
    assert!(allowed(&n, &web(), &db(), 32768));
    assert!(!allowed(&n, &web(), &db(), 32769));
}

#[test]
fn protocol_must_match() {
    let n = nps(&np("prod", "{podSelector: {}, ingress: [{ports: [{protocol: UDP, port: 53}]}]}"));
    assert!(!allowed(&n, &web(), &db(), 53));
    let v = n.check(&Connection { source: ep(&web()), destination: ep(&db()), port: 53, protocol: "UDP" });
    assert!(v.allowed);
}

#[test]
fn named_port_resolves_on_the_destination() {
    let n = nps(&np("prod", "{podSelector: {}, ingress: [{ports: [{port: pg}]}]}"));
    let mut d = db();
    d.ports = vec![ContainerPort { name: Some("pg".into()), container_port: 5432, protocol: None }];
    assert!(allowed(&n, &web(), &d, 5432));
    assert!(!allowed(&n, &web(), &d, 5433));
    assert!(!allowed(&n, &web(), &db(), 5432));
}

#[test]
fn egress_isolation() {
    let n = nps(&np(
        "prod",
        "{podSelector: {matchLabels: {role: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {role: db}}}], ports: [{port: 5432}]}]}",
    ));
    assert!(allowed(&n, &web(), &db(), 5432));
    let v = n.check(&Connection { source: ep(&web()), destination: ep(&db()), port: 80, protocol: "TCP" });
    assert!(!v.allowed && v.egress.isolated && !v.ingress.isolated);
}

#[test]
fn egress_rules_without_policy_types_isolate_egress() {
    let n = nps(&np(
        "prod",
        "{podSelector: {matchLabels: {role: web}}, egress: [{ports: [{port: 53, protocol: UDP}]}]}",
    ));
    assert!(!allowed(&n, &web(), &db(), 5432));
}

#[test]
fn both_directions_must_allow() {
    let yaml = np("prod", "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{}]}");
    assert!(!allowed(&nps(&yaml), &web(), &db(), 1));
}

#[test]
fn policies_are_additive() {
    let yaml = np("prod", "{podSelector: {}, ingress: [{ports: [{port: 1}]}]}")
        + "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np2, namespace: prod}\nspec: {podSelector: {}, ingress: [{ports: [{port: 2}]}]}\n";
    let n = nps(&yaml);
    assert!(allowed(&n, &web(), &db(), 1) && allowed(&n, &web(), &db(), 2) && !allowed(&n, &web(), &db(), 3));
}

#[test]
fn match_expressions_in_selectors() {
    let n = nps(&np(
        "prod",
        "{podSelector: {matchExpressions: [{key: role, operator: In, values: [db, cache]}]}, ingress: []}",
    ));
    assert!(!allowed(&n, &web(), &db(), 1));
    assert!(allowed(&n, &db(), &web(), 1));
}
