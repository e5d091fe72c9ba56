//! Ambient (ztunnel) authorization: `ZtunnelAuthorizer::check` for one workload with 1,000
//! ALLOW policies selecting it (one principal each) under a STRICT PeerAuthentication, beside
//! the plain reference evaluator of the tests in the same group. Run with
//! `cargo bench -p mesh-policy --bench authz_ztunnel -- --warm-up-time 1 --measurement-time 3`.
#![allow(clippy::expect_used, clippy::unwrap_used, missing_docs)]

#[path = "../tests/ztunnel_reference/mod.rs"]
mod reference;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use mesh_model::{Resource, Snapshot, load_str};
use mesh_policy::authz::Workload;
use mesh_policy::authz::ztunnel::{Connection, Identity, ZtunnelAuthorizer};

const N: usize = 1000;

fn yaml() -> String {
    let mut y = String::from(
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n",
    );
    for i in 0..N {
        y.push_str(&format!(
            "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: allow-{i:04}, namespace: shop}}\nspec: {{selector: {{matchLabels: {{app: web}}}}, action: ALLOW, rules: [{{from: [{{source: {{principals: [cluster.local/ns/ns{i}/sa/sa{i}]}}}}], to: [{{operation: {{ports: ['8080']}}}}]}}]}}\n"
        ));
    }
    y
}

fn bench(c: &mut Criterion) {
    let loaded = load_str(&yaml(), &Default::default());
    let resources: Vec<Resource> = loaded.resources.into_iter().map(|l| l.resource).collect();
    let policies: Vec<_> = resources
        .iter()
        .filter_map(|r| match r {
            Resource::AuthorizationPolicy(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let authorizer = ZtunnelAuthorizer::compile(&Snapshot::builder().build(resources));
    let labels: BTreeMap<String, String> = [("app".to_string(), "web".to_string())].into();
    let workload = Workload::new("shop", &labels);
    let last = format!("cluster.local/ns/ns{}/sa/sa{}", N - 1, N - 1);
    let conn = |principal: Option<&'static str>| Connection {
        source_identity: principal.map(|p| Identity::from_principal(p).unwrap()),
        source_ip: Some("10.0.0.1".parse().unwrap()),
        destination_ip: Some("10.0.0.2".parse().unwrap()),
        destination_port: 8080,
    };
    let last_static: &'static str = Box::leak(last.clone().into_boxed_str());
    let mut g = c.benchmark_group("ztunnel_check_1000_allow");
    let allowed = conn(Some(last_static));
    assert!(authorizer.check(&workload, &allowed).allowed);
    g.bench_function("meshkit_last_policy_allows", |b| {
        b.iter(|| authorizer.check(black_box(&workload), black_box(&allowed)).allowed)
    });
    let plaintext = conn(None);
    assert!(!authorizer.check(&workload, &plaintext).allowed);
    g.bench_function("meshkit_plaintext_denied_by_strict", |b| {
        b.iter(|| authorizer.check(black_box(&workload), black_box(&plaintext)).allowed)
    });
    let ref_conn = reference::Conn {
        principal: Some(last),
        source_ip: allowed.source_ip,
        destination_ip: allowed.destination_ip,
        port: 8080,
    };
    assert!(reference::decide(&policies, "istio-system", "shop", &labels, &ref_conn).0);
    g.bench_function("reference_linear_last_policy_allows", |b| {
        b.iter(|| reference::decide(black_box(&policies), "istio-system", "shop", &labels, &ref_conn).0)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
