//! Fuzz `Authorizer::check`: policies from arbitrary YAML (only those that validate, as a
//! cluster holds them) and an arbitrary request. Checks that nothing panics, that a decision is
//! deterministic, and that it agrees with the tests' plain reference evaluator whenever the
//! policies only use the fields the reference covers.
#![no_main]

#[path = "../../mesh-policy/tests/reference/mod.rs"]
mod reference;

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_model::security::{AuthorizationPolicy, AuthorizationPolicyAction};
use mesh_model::{MeshConfig, Resource, Severity, load_str, validate};
use mesh_policy::authz::{Authorizer, Layer, Request, Workload};
use mesh_policy::normalize::PathNormalization;

#[derive(Debug, Arbitrary)]
struct Input {
    yaml: String,
    principal: Option<String>,
    source_ip: [u8; 4],
    port: u16,
    method: String,
    authority: String,
    path: String,
    header: Option<String>,
    tcp: bool,
    namespace: bool,
    app_label: Option<String>,
}

/// Whether the reference evaluator covers every field the policy uses.
fn covered(p: &AuthorizationPolicy) -> bool {
    let s = &p.spec;
    let dry_run = p.metadata.annotations.contains_key("istio.io/dry-run");
    !dry_run
        && s.action() != AuthorizationPolicyAction::Custom
        && s.target_ref.is_none()
        && s.target_refs.is_empty()
        && s.rules.iter().all(|r| {
            r.from.iter().flat_map(|f| &f.source).all(|src| {
                src.service_accounts.is_empty()
                    && src.not_service_accounts.is_empty()
                    && src.trust_domains.is_empty()
                    && src.not_trust_domains.is_empty()
            }) && r
                .to
                .iter()
                .flat_map(|t| &t.operation)
                .all(|o| o.paths.iter().chain(&o.not_paths).all(|v| !v.contains('{')))
                && r.when.iter().all(|c| {
                    matches!(
                        c.key.as_str(),
                        "source.ip"
                            | "source.namespace"
                            | "source.principal"
                            | "destination.port"
                            | "connection.sni"
                            | "request.auth.principal"
                    ) || (c.key.starts_with("request.headers[") && c.key.ends_with(']'))
                })
        })
}

fuzz_target!(|input: Input| {
    let loaded = load_str(&input.yaml, &Default::default());
    let policies: Vec<AuthorizationPolicy> = loaded
        .resources
        .into_iter()
        .filter(|l| validate(&l.resource).iter().all(|d| d.severity != Severity::Error))
        .filter_map(|l| match l.resource {
            Resource::AuthorizationPolicy(p) => Some(p),
            _ => None,
        })
        .collect();
    let authz = Authorizer::from_policies(&policies, &MeshConfig::default());
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(h) = &input.header {
        headers.insert("x-h".into(), vec![h.clone()]);
    }
    let mut labels = BTreeMap::new();
    if let Some(app) = &input.app_label {
        labels.insert("app".to_string(), app.clone());
    }
    let ns = if input.namespace { "foo" } else { "istio-system" };
    let req = Request {
        layer: if input.tcp { Layer::Tcp } else { Layer::Http },
        source_principal: input.principal.as_deref(),
        source_ip: Some(std::net::IpAddr::from(input.source_ip)),
        destination_port: input.port,
        method: &input.method,
        authority: &input.authority,
        path: &input.path,
        ..Request::new(&headers)
    };
    let w = Workload::new(ns, &labels);
    let d = authz.check(&w, &req);
    assert_eq!(d, authz.check(&w, &req), "a decision is deterministic");
    let _ = authz.audits(&w, &req);
    if policies.iter().all(covered) {
        let r = reference::decide(&policies, "istio-system", PathNormalization::Base, &w, &req);
        assert_eq!(d.allowed, r.allowed);
        assert_eq!(d.decider.map(|m| (m.policy.to_string(), m.rule)), r.decider);
    }
});
