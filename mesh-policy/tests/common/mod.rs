//! Shared helpers: policies from YAML, owned requests, and a compact case macro.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use mesh_model::{MeshConfig, Severity, Snapshot, load_str, validate};
use mesh_policy::authz::{Authorizer, Layer, Reason, Request, RequestAuth, Verdict, Workload};

/// Loads YAML resources; panics on a load error or (unless `allow_invalid`) a validation error.
pub fn snapshot_with(yaml: &str, mesh: MeshConfig, allow_invalid: bool) -> Snapshot {
    let out = load_str(yaml, &Default::default());
    assert!(out.errors.is_empty(), "load errors: {:?}", out.errors);
    let mut resources = Vec::new();
    for l in out.resources {
        let errs: Vec<_> =
            validate(&l.resource).into_iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(allow_invalid || errs.is_empty(), "{} {}: {errs:?}", l.resource.kind(), l.resource.name());
        resources.push(l.resource);
    }
    Snapshot::builder().mesh_config(mesh).build(resources)
}

pub fn authorizer(yaml: &str) -> Authorizer {
    Authorizer::compile(&snapshot_with(yaml, MeshConfig::default(), false))
}

/// One AuthorizationPolicy `foo/p` selecting `app: httpbin`, with `action` and a `spec` tail.
pub fn policy(action: &str, body: &str) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: p, namespace: foo}}\nspec:\n  selector: {{matchLabels: {{app: httpbin}}}}\n  action: {action}\n{body}\n"
    )
}

/// An owned JWT result.
#[derive(Debug, Clone, Default)]
pub struct Jwt {
    pub iss: String,
    pub sub: String,
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// An owned request plus the workload it reaches.
#[derive(Debug, Clone)]
pub struct R {
    pub layer: Layer,
    pub principal: Option<String>,
    pub source_ip: Option<String>,
    pub remote_ip: Option<String>,
    pub dest_ip: Option<String>,
    pub port: u16,
    pub sni: Option<String>,
    pub method: String,
    pub authority: String,
    pub path: String,
    pub headers: BTreeMap<String, Vec<String>>,
    pub jwt: Option<Jwt>,
    pub verdict: Verdict,
    pub metadata: Option<serde_json::Value>,
    pub ns: String,
    pub labels: BTreeMap<String, String>,
}

impl Default for R {
    fn default() -> Self {
        R {
            layer: Layer::Http,
            principal: Some("cluster.local/ns/default/sa/sleep".into()),
            source_ip: Some("10.0.0.1".into()),
            remote_ip: None,
            dest_ip: Some("10.0.0.2".into()),
            port: 8080,
            sni: None,
            method: "GET".into(),
            authority: "httpbin".into(),
            path: "/".into(),
            headers: BTreeMap::new(),
            jwt: None,
            verdict: Verdict::Allow,
            metadata: None,
            ns: "foo".into(),
            labels: BTreeMap::from([("app".to_string(), "httpbin".to_string())]),
        }
    }
}

impl R {
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.entry(k.to_string()).or_default().push(v.to_string());
        self
    }

    pub fn jwt(mut self, iss: &str, sub: &str) -> Self {
        self.jwt = Some(Jwt { iss: iss.into(), sub: sub.into(), ..Default::default() });
        self
    }
}

/// What a check decided, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Out {
    pub allowed: bool,
    pub decider: Option<(String, String, usize)>,
    pub custom: Option<(String, String)>,
    pub audit: Vec<String>,
    pub reason: Reason,
}

pub fn check(a: &Authorizer, r: &R) -> Out {
    let ip = |s: &Option<String>| s.as_deref().map(|s| s.parse().unwrap());
    let auth = r.jwt.as_ref().map(|j| RequestAuth {
        issuer: &j.iss,
        subject: &j.sub,
        audiences: &j.aud,
        presenter: j.azp.as_deref(),
        claims: &j.claims,
    });
    let req = Request {
        layer: r.layer,
        source_principal: r.principal.as_deref(),
        source_ip: ip(&r.source_ip),
        remote_ip: ip(&r.remote_ip),
        destination_ip: ip(&r.dest_ip),
        destination_port: r.port,
        sni: r.sni.as_deref(),
        method: &r.method,
        authority: &r.authority,
        path: &r.path,
        headers: &r.headers,
        auth,
        metadata: r.metadata.as_ref(),
        custom_verdict: r.verdict,
    };
    let w = Workload::new(&r.ns, &r.labels);
    let d = a.check(&w, &req);
    Out {
        allowed: d.allowed,
        decider: d.decider.map(|m| (m.action.to_string(), m.policy.to_string(), m.rule)),
        custom: d.custom.map(|c| (c.provider.to_string(), c.policy.to_string())),
        audit: a.audits(&w, &req).iter().map(|p| p.to_string()).collect(),
        reason: d.reason,
    }
}

/// `(policy yaml, request) -> allowed?`
pub fn allowed(yaml: &str, r: R) -> bool {
    check(&authorizer(yaml), &r).allowed
}

/// One test per line: `name: policy_yaml, request, expected_allowed;`.
#[macro_export]
macro_rules! cases {
    ($($(#[$m:meta])* $name:ident: $yaml:expr, $req:expr, $want:expr;)+) => {
        $(
            $(#[$m])*
            #[test]
            fn $name() {
                let yaml: String = $yaml;
                let r: $crate::common::R = $req;
                assert_eq!($crate::common::allowed(&yaml, r.clone()), $want, "{yaml}\n{r:?}");
            }
        )+
    };
}
