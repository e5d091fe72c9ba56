//! The compiled [`Authorizer`] agrees with the plain reference evaluator on random policies
//! and requests: decision, deciding policy and rule.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;
mod reference;

use std::collections::BTreeMap;

use mesh_model::MeshConfig;
use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicySpec, Condition, Operation, Rule,
    RuleFrom, RuleTo, Source,
};
use mesh_model::{ObjectMeta, WorkloadSelector};
use mesh_policy::authz::{Authorizer, Layer, Request, RequestAuth, Workload};
use mesh_policy::normalize::PathNormalization;
use proptest::prelude::*;

const PRINCIPALS: &[&str] = &[
    "cluster.local/ns/a/sa/x",
    "cluster.local/ns/b/sa/y",
    "td/ns/a/sa/z",
    "*",
    "cluster.local/*",
    "*/sa/x",
    "*y",
];
const NAMESPACES: &[&str] = &["a", "b", "*", "a*", "*b"];
const IPS: &[&str] = &["10.0.0.1", "10.0.0.0/24", "10.0.1.0/24", "0.0.0.0/0"];
const HOSTS: &[&str] = &["httpbin", "HTTPBIN", "*.example.com", "httpbin*", "*"];
const METHODS: &[&str] = &["GET", "POST", "G*", "*"];
const PATHS: &[&str] = &["/a", "/a/*", "*.html", "/b", "*", "/a/b"];
const PORTS: &[&str] = &["80", "8080"];
const REQ_PRINCIPALS: &[&str] = &["iss/sub", "iss/*", "*", "*/sub", "other/sub"];
const HEADER_VALUES: &[&str] = &["v", "v*", "*", "*x"];

fn pick(pool: &'static [&'static str]) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(prop::sample::select(pool).prop_map(str::to_string), 0..3)
}

fn source() -> impl Strategy<Value = Source> {
    (
        pick(PRINCIPALS),
        pick(PRINCIPALS),
        pick(NAMESPACES),
        pick(NAMESPACES),
        pick(IPS),
        pick(IPS),
        pick(REQ_PRINCIPALS),
        pick(IPS),
    )
        .prop_map(|(p, np, n, nn, ip, nip, rp, rip)| Source {
            principals: p,
            not_principals: np,
            namespaces: n,
            not_namespaces: nn,
            ip_blocks: ip,
            not_ip_blocks: nip,
            request_principals: rp,
            remote_ip_blocks: rip,
            ..Default::default()
        })
}

fn operation() -> impl Strategy<Value = Operation> {
    (pick(HOSTS), pick(METHODS), pick(METHODS), pick(PATHS), pick(PATHS), pick(PORTS), pick(PORTS)).prop_map(
        |(h, m, nm, p, np, po, npo)| Operation {
            hosts: h,
            methods: m,
            not_methods: nm,
            paths: p,
            not_paths: np,
            ports: po,
            not_ports: npo,
            ..Default::default()
        },
    )
}

fn condition() -> impl Strategy<Value = Condition> {
    let keys = prop::sample::select(vec![
        "request.headers[x-h]",
        "source.ip",
        "source.namespace",
        "source.principal",
        "destination.port",
        "request.auth.principal",
        "connection.sni",
    ]);
    (keys, 0..2usize, prop::bool::ANY).prop_map(|(k, i, neg)| {
        let values: Vec<String> = match k {
            "source.ip" => vec![IPS[i].into()],
            "source.namespace" => vec![NAMESPACES[i].into()],
            "source.principal" => vec![PRINCIPALS[i].into()],
            "destination.port" => vec![PORTS[i].into()],
            "request.auth.principal" => vec![REQ_PRINCIPALS[i].into()],
            "connection.sni" => vec![["sni.a", "*.a"][i].into()],
            _ => vec![HEADER_VALUES[i].into()],
        };
        let (values, not_values) = if neg { (vec![], values) } else { (values, vec![]) };
        Condition { key: k.to_string(), values, not_values }
    })
}

fn rule() -> impl Strategy<Value = Rule> {
    (
        prop::collection::vec(source(), 0..2),
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
    let sel = prop::option::of(prop::sample::select(vec![("app", "httpbin"), ("app", "other"), ("v", "1")]));
    (action, ns, sel, prop::collection::vec(rule(), 0..3), 0..4u8).prop_map(
        |(action, ns, sel, rules, name)| AuthorizationPolicy {
            api_version: "security.istio.io/v1".into(),
            kind: "AuthorizationPolicy".into(),
            metadata: ObjectMeta {
                name: Some(format!("p{name}")),
                namespace: Some(ns.into()),
                ..Default::default()
            },
            spec: AuthorizationPolicySpec {
                selector: sel.map(|(k, v)| WorkloadSelector {
                    match_labels: BTreeMap::from([(k.to_string(), v.to_string())]),
                }),
                action: Some(action),
                rules,
                ..Default::default()
            },
            status: None,
        },
    )
}

#[derive(Debug, Clone)]
struct Req {
    layer: Layer,
    principal: Option<&'static str>,
    ip: &'static str,
    remote: Option<&'static str>,
    port: u16,
    method: &'static str,
    authority: &'static str,
    path: &'static str,
    header: Option<&'static str>,
    jwt: Option<(&'static str, &'static str)>,
    sni: Option<&'static str>,
    labels: Vec<(&'static str, &'static str)>,
}

fn request() -> impl Strategy<Value = Req> {
    (
        prop::sample::select(vec![Layer::Http, Layer::Tcp]),
        prop::option::of(prop::sample::select(vec![
            "cluster.local/ns/a/sa/x",
            "cluster.local/ns/b/sa/y",
            "td/ns/a/sa/z",
            "ns/a/sa/q",
        ])),
        prop::sample::select(vec!["10.0.0.1", "10.0.1.7", "192.168.0.1"]),
        prop::option::of(prop::sample::select(vec!["10.0.0.1", "1.2.3.4"])),
        prop::sample::select(vec![80u16, 8080, 9090]),
        prop::sample::select(vec!["GET", "POST", "get"]),
        prop::sample::select(vec!["httpbin", "HttpBin", "a.example.com", "httpbin:80"]),
        prop::sample::select(vec!["/a", "/a/b", "/x/../a", "/index.html", "/b?q=1", "//a", "/"]),
        (
            prop::option::of(prop::sample::select(vec!["v", "vx", "", "x"])),
            prop::option::of(prop::sample::select(vec![("iss", "sub"), ("other", "sub"), ("iss", "")])),
            prop::option::of(prop::sample::select(vec!["sni.a", "b.a", ""])),
            prop::collection::vec(
                prop::sample::select(vec![("app", "httpbin"), ("app", "other"), ("v", "1")]),
                0..3,
            ),
        ),
    )
        .prop_map(
            |(layer, principal, ip, remote, port, method, authority, path, (header, jwt, sni, labels))| Req {
                layer,
                principal,
                ip,
                remote,
                port,
                method,
                authority,
                path,
                header,
                jwt,
                sni,
                labels,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn compiled_equals_reference(policies in prop::collection::vec(policy(), 0..6), reqs in prop::collection::vec(request(), 1..6), ns in prop::sample::select(vec!["foo", "bar"])) {
        // Unique names per namespace, as a cluster holds them.
        let mut policies = policies;
        let mut seen = std::collections::BTreeSet::new();
        policies.retain(|p| seen.insert((p.metadata.namespace().to_string(), p.metadata.name().to_string())));
        let mesh = MeshConfig::default();
        let authz = Authorizer::from_policies(&policies, &mesh);
        let claims = serde_json::Map::new();
        for r in &reqs {
            let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
            if let Some(h) = r.header {
                headers.insert("x-h".into(), vec![h.into()]);
            }
            let labels: BTreeMap<String, String> = r.labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let req = Request {
                layer: r.layer,
                source_principal: r.principal,
                source_ip: Some(r.ip.parse().unwrap()),
                remote_ip: r.remote.map(|s| s.parse().unwrap()),
                destination_port: r.port,
                method: r.method,
                authority: r.authority,
                path: r.path,
                sni: r.sni,
                auth: r.jwt.map(|(iss, sub)| RequestAuth { issuer: iss, subject: sub, audiences: &[], presenter: None, claims: &claims }),
                ..Request::new(&headers)
            };
            let w = Workload::new(ns, &labels);
            let got = authz.check(&w, &req);
            let want = reference::decide(&policies, "istio-system", PathNormalization::Base, &w, &req);
            prop_assert_eq!(got.allowed, want.allowed, "{:?}", r);
            prop_assert_eq!(got.decider.map(|m| (m.policy.to_string(), m.rule)), want.decider, "{:?}", r);
        }
    }
}
