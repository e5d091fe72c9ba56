//! `authz_check`: one decision at 10, 100, 1,000 and 10,000 policies, spread over namespaces
//! and all selecting one workload; the request matches the first, middle or last policy, or
//! none. Peers in the same group: the plain linear evaluator of the tests (interprets the
//! model on every request) and, with `--features bench-peers`, the cedar-policy crate.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

#[path = "../tests/reference/mod.rs"]
mod reference;

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicySpec, Operation, Rule, RuleFrom, RuleTo, Source,
};
use mesh_model::{MeshConfig, ObjectMeta, WorkloadSelector};
use mesh_policy::authz::{Authorizer, NoHeaders, Request, Workload};
use mesh_policy::normalize::PathNormalization;

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
const SPREAD_NAMESPACES: usize = 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Spread,
    OneWorkload,
}

fn namespace(layout: Layout, i: usize) -> String {
    match layout {
        Layout::Spread => format!("ns-{}", i % SPREAD_NAMESPACES),
        Layout::OneWorkload => "ns-0".to_string(),
    }
}

fn principal(i: usize) -> String {
    format!("cluster.local/ns/clients/sa/client-{i}")
}

fn path(i: usize) -> String {
    format!("/api/v1/resource-{i}")
}

/// Policy `i`: ALLOW from one client's principal, GET on one path.
fn policies(n: usize, layout: Layout) -> Vec<AuthorizationPolicy> {
    (0..n)
        .map(|i| AuthorizationPolicy {
            api_version: "security.istio.io/v1".into(),
            kind: "AuthorizationPolicy".into(),
            metadata: ObjectMeta {
                name: Some(format!("p-{i:05}")),
                namespace: Some(namespace(layout, i)),
                ..Default::default()
            },
            spec: AuthorizationPolicySpec {
                selector: Some(WorkloadSelector {
                    match_labels: BTreeMap::from([("app".to_string(), "target".to_string())]),
                }),
                rules: vec![Rule {
                    from: vec![RuleFrom {
                        source: Some(Source { principals: vec![principal(i)], ..Default::default() }),
                    }],
                    to: vec![RuleTo {
                        operation: Some(Operation {
                            methods: vec!["GET".into()],
                            paths: vec![path(i)],
                            ..Default::default()
                        }),
                    }],
                    when: vec![],
                }],
                ..Default::default()
            },
            status: None,
        })
        .collect()
}

/// The policy index a case targets (in namespace `ns-0` for the spread layout), or none.
fn target(n: usize, layout: Layout, case: &str) -> Option<usize> {
    let step = if layout == Layout::Spread { SPREAD_NAMESPACES } else { 1 };
    let count = n / step;
    match case {
        "first" => Some(0),
        "middle" => Some(count / 2 * step),
        "last" => Some((count - 1) * step),
        _ => None,
    }
}

#[cfg(feature = "bench-peers")]
mod cedar {
    use std::str::FromStr;

    use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request, RestrictedExpression};

    pub(crate) struct Peer {
        authorizer: Authorizer,
        policies: PolicySet,
        entities: Entities,
        p: EntityUid,
        a: EntityUid,
        r: EntityUid,
    }

    impl Peer {
        /// The same policies in Cedar: one `permit` per AuthorizationPolicy.
        pub(crate) fn new(n: usize, layout: super::Layout) -> Peer {
            let text: String = (0..n)
                .map(|i| {
                    format!(
                        "permit(principal, action, resource) when {{ context.namespace == \"{}\" && context.principal == \"{}\" && context.method == \"GET\" && context.path == \"{}\" }};\n",
                        super::namespace(layout, i),
                        super::principal(i),
                        super::path(i)
                    )
                })
                .collect();
            let uid = |s: &str| EntityUid::from_str(s).unwrap();
            Peer {
                authorizer: Authorizer::new(),
                policies: PolicySet::from_str(&text).unwrap(),
                entities: Entities::empty(),
                p: uid("Peer::\"client\""),
                a: uid("Action::\"request\""),
                r: uid("Workload::\"target\""),
            }
        }

        pub(crate) fn request(&self, principal: &str, path: &str) -> Request {
            let ctx = Context::from_pairs([
                ("namespace".to_string(), RestrictedExpression::new_string("ns-0".into())),
                ("principal".to_string(), RestrictedExpression::new_string(principal.into())),
                ("method".to_string(), RestrictedExpression::new_string("GET".into())),
                ("path".to_string(), RestrictedExpression::new_string(path.into())),
            ])
            .unwrap();
            Request::new(self.p.clone(), self.a.clone(), self.r.clone(), ctx, None).unwrap()
        }

        pub(crate) fn allowed(&self, req: &Request) -> bool {
            self.authorizer.is_authorized(req, &self.policies, &self.entities).decision()
                == cedar_policy::Decision::Allow
        }
    }
}

fn bench(c: &mut Criterion) {
    let mesh = MeshConfig::default();
    let labels = BTreeMap::from([("app".to_string(), "target".to_string())]);
    let workload = Workload::new("ns-0", &labels);
    for layout in [Layout::OneWorkload, Layout::Spread] {
        let group_name = match layout {
            Layout::OneWorkload => "authz_check/one_workload",
            Layout::Spread => "authz_check/spread",
        };
        let mut group = c.benchmark_group(group_name);
        for n in SIZES {
            let pols = policies(n, layout);
            let authz = Authorizer::from_policies(&pols, &mesh);
            #[cfg(feature = "bench-peers")]
            let cedar = cedar::Peer::new(n, layout);
            for case in ["first", "middle", "last", "none"] {
                let t = target(n, layout, case);
                let p = principal(t.unwrap_or(usize::MAX));
                let pa = path(t.unwrap_or(usize::MAX));
                let req = Request { source_principal: Some(&p), path: &pa, ..Request::new(&NoHeaders) };
                let expect = t.is_some();
                assert_eq!(authz.check(&workload, &req).allowed, expect);
                let id = format!("{n}/{case}");
                group.bench_with_input(BenchmarkId::new("meshkit", &id), &req, |b, req| {
                    b.iter(|| black_box(authz.check(black_box(&workload), black_box(req)).allowed))
                });
                if n <= 1_000 {
                    assert_eq!(
                        reference::decide(&pols, "istio-system", PathNormalization::Base, &workload, &req)
                            .allowed,
                        expect
                    );
                    group.bench_with_input(BenchmarkId::new("linear", &id), &req, |b, req| {
                        b.iter(|| {
                            black_box(
                                reference::decide(
                                    &pols,
                                    "istio-system",
                                    PathNormalization::Base,
                                    black_box(&workload),
                                    black_box(req),
                                )
                                .allowed,
                            )
                        })
                    });
                }
                #[cfg(feature = "bench-peers")]
                if n <= 1_000 {
                    let creq = cedar.request(&p, &pa);
                    assert_eq!(cedar.allowed(&creq), expect);
                    group.bench_with_input(BenchmarkId::new("cedar", &id), &creq, |b, creq| {
                        b.iter(|| black_box(cedar.allowed(black_box(creq))))
                    });
                }
            }
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
