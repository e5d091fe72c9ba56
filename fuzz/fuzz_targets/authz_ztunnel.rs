//! Fuzz ambient (ztunnel) authorization: policies from arbitrary YAML, converted as istiod
//! converts them, and an arbitrary connection. Checks that nothing panics, that the decision
//! is deterministic and names a converted ALLOW or DENY policy, that the converted form's JSON
//! is well-formed, and that the decision agrees with the tests' plain reference evaluator.
#![no_main]

#[path = "../../mesh-policy/tests/ztunnel_reference/mod.rs"]
mod reference;

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_model::security::AuthorizationPolicy;
use mesh_model::{Resource, load_str};
use mesh_policy::authz::ztunnel::{Connection, Identity, ZtunnelAuthorizer, ZtunnelOptions};
use mesh_policy::authz::{Action, Workload};

#[derive(Debug, Arbitrary)]
struct Input {
    yaml: String,
    principal: Option<(u8, u8)>,
    source_ip: Option<[u8; 4]>,
    destination_ip: Option<[u8; 4]>,
    port: u16,
    namespace: u8,
    app_label: Option<String>,
}

const NAMESPACES: [&str; 3] = ["foo", "bar", "istio-system"];

/// Whether the reference reads every value as istiod does: it parses CIDRs with the crate's
/// `Cidr`, which accepts prefix lengths with leading zeros and rejects IPv6 zones, where Go's
/// `netip` does the opposite.
fn reference_covers(policies: &[AuthorizationPolicy]) -> bool {
    let text = serde_json::to_string(policies).unwrap_or_default();
    let b = text.as_bytes();
    !text.contains('%') && !b.windows(3).any(|w| w[0] == b'/' && w[1] == b'0' && w[2].is_ascii_digit())
}

fuzz_target!(|input: Input| {
    let loaded = load_str(&input.yaml, &Default::default());
    let mut seen = std::collections::BTreeSet::new();
    let policies: Vec<AuthorizationPolicy> = loaded
        .resources
        .into_iter()
        .filter_map(|l| match l.resource {
            Resource::AuthorizationPolicy(p) => Some(p),
            _ => None,
        })
        .filter(|p| seen.insert((p.metadata.namespace().to_string(), p.metadata.name().to_string())))
        .collect();
    let authz = ZtunnelAuthorizer::from_policies(&policies, "istio-system", &ZtunnelOptions::default());
    for p in authz.policies() {
        assert!(matches!(p.action, Action::Allow | Action::Deny));
        let json = p.to_ztunnel_json();
        assert_eq!(json["rules"].as_array().map(Vec::len), Some(p.groups.len()));
    }
    let principal = input
        .principal
        .map(|(n, s)| format!("cluster.local/ns/{}/sa/sa{}", NAMESPACES[usize::from(n) % 3], s % 3));
    let conn = Connection {
        source_identity: principal.as_deref().map(|p| Identity::from_principal(p).expect("well-formed")),
        source_ip: input.source_ip.map(Into::into),
        destination_ip: input.destination_ip.map(Into::into),
        destination_port: input.port,
    };
    let ns = NAMESPACES[usize::from(input.namespace) % 3];
    let mut labels = BTreeMap::new();
    if let Some(app) = input.app_label {
        labels.insert("app".to_string(), app);
    }
    let w = Workload::new(ns, &labels);
    let d = authz.check(&w, &conn);
    assert_eq!(d, authz.check(&w, &conn));
    if let Some(m) = d.decider {
        assert_eq!(d.allowed, m.action == Action::Allow);
    }
    if !reference_covers(&policies) {
        return;
    }
    let owned = reference::Conn {
        principal: principal.clone(),
        source_ip: conn.source_ip,
        destination_ip: conn.destination_ip,
        port: conn.destination_port,
    };
    let want = reference::decide(&policies, "istio-system", ns, &labels, &owned);
    assert_eq!((d.allowed, d.decider.map(|m| (m.policy.to_string(), m.rule))), want);
});
