//! Shared helpers of the routing integration tests: a snapshot from YAML and a request builder.
#![allow(dead_code, unreachable_pub, clippy::expect_used, clippy::unwrap_used, clippy::type_complexity)]

use std::collections::BTreeMap;

use mesh_model::{LoadOptions, MeshConfig, Snapshot, load_str};
use mesh_routing::request::{Protocol, Source};
use mesh_routing::{RouteDecision, RouteRequest, Router};

/// Two Services in `default` (reviews, ratings on 9080) and one in `other` (details).
pub const SERVICES: &str = "\
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec: {clusterIP: 10.96.0.11, selector: {app: reviews}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: ratings, namespace: default}
spec: {clusterIP: 10.96.0.12, selector: {app: ratings}, ports: [{name: http, port: 9080}]}
---
apiVersion: v1
kind: Service
metadata: {name: details, namespace: other}
spec: {clusterIP: 10.96.0.13, selector: {app: details}, ports: [{name: http, port: 9080}, {name: tcp-db, port: 3306}]}
";

pub fn snapshot(yaml: &str) -> Snapshot {
    snapshot_with(yaml, MeshConfig::default())
}

pub fn snapshot_with(yaml: &str, mesh: MeshConfig) -> Snapshot {
    let loaded = load_str(yaml, &LoadOptions::default());
    assert!(loaded.errors.iter().all(|e| e.is_unsupported()), "{:?}", loaded.errors);
    for r in &loaded.resources {
        let errs: Vec<_> = mesh_model::validate(&r.resource)
            .into_iter()
            .filter(|d| d.severity == mesh_model::Severity::Error)
            .collect();
        assert!(errs.is_empty(), "{} {}: {errs:?}", r.resource.kind(), r.resource.name());
    }
    Snapshot::builder().mesh_config(mesh).build(loaded.resources.into_iter().map(|l| l.resource))
}

pub fn router(yaml: &str) -> Router {
    Router::compile(&snapshot(&format!("{SERVICES}---\n{yaml}")))
}

/// A request builder owning everything a [`RouteRequest`] borrows.
#[derive(Debug, Clone)]
pub struct Req {
    pub protocol: Protocol,
    pub gateway: Option<String>,
    pub ns: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub host: String,
    pub port: Option<u16>,
    pub method: String,
    pub scheme: String,
    pub authority: Option<String>,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub sni: Option<String>,
    pub dest_ip: Option<String>,
    pub random: f64,
}

pub fn req(host: &str, path: &str) -> Req {
    Req {
        protocol: Protocol::Http,
        gateway: None,
        ns: Some("default".into()),
        labels: BTreeMap::new(),
        host: host.into(),
        port: Some(9080),
        method: "GET".into(),
        scheme: "http".into(),
        authority: None,
        path: path.into(),
        headers: Vec::new(),
        sni: None,
        dest_ip: None,
        random: 0.0,
    }
}

impl Req {
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn ns(mut self, ns: &str) -> Self {
        self.ns = Some(ns.into());
        self
    }
    pub fn label(mut self, k: &str, v: &str) -> Self {
        self.labels.insert(k.into(), v.into());
        self
    }
    pub fn port(mut self, p: u16) -> Self {
        self.port = Some(p);
        self
    }
    pub fn random(mut self, r: f64) -> Self {
        self.random = r;
        self
    }
    pub fn method(mut self, m: &str) -> Self {
        self.method = m.into();
        self
    }
    pub fn authority(mut self, a: &str) -> Self {
        self.authority = Some(a.into());
        self
    }
    pub fn gateway(mut self, g: &str) -> Self {
        self.gateway = Some(g.into());
        self
    }
    pub fn scheme(mut self, s: &str) -> Self {
        self.scheme = s.into();
        self
    }
    pub fn tcp(mut self) -> Self {
        self.protocol = Protocol::Tcp;
        self
    }
    pub fn tls(mut self, sni: &str) -> Self {
        self.protocol = Protocol::Tls;
        self.sni = Some(sni.into());
        self
    }
    pub fn dest_ip(mut self, ip: &str) -> Self {
        self.dest_ip = Some(ip.into());
        self
    }

    pub fn as_request(&self) -> RouteRequest<'_> {
        RouteRequest {
            protocol: self.protocol,
            gateway: self.gateway.as_deref(),
            source: Source { namespace: self.ns.as_deref(), labels: Some(&self.labels), ip: None },
            host: &self.host,
            port: self.port,
            destination_ip: self.dest_ip.as_deref(),
            method: &self.method,
            scheme: &self.scheme,
            authority: self.authority.as_deref(),
            path: &self.path,
            headers: &self.headers,
            sni: self.sni.as_deref(),
            claims: None,
            random: self.random,
        }
    }
}

/// Routes `r` and hands the decision and the request to `f`.
pub fn decide<T>(router: &Router, r: &Req, f: impl FnOnce(&RouteDecision<'_>, &RouteRequest<'_>) -> T) -> T {
    let rr = r.as_request();
    let d = router.route(&rr);
    f(&d, &rr)
}

/// `(action, virtualService, route index, match index, selected host, subset)`.
pub fn summary(
    router: &Router,
    r: &Req,
) -> (String, Option<String>, Option<usize>, Option<usize>, Option<String>, Option<String>) {
    decide(router, r, |d, _| {
        (
            d.action.as_str().to_string(),
            d.virtual_service.map(str::to_string),
            d.route.map(|x| x.index),
            d.route.and_then(|x| x.match_index),
            d.selected.as_ref().map(|s| s.host.to_string()),
            d.selected.as_ref().and_then(|s| s.subset).map(str::to_string),
        )
    })
}

pub fn action(router: &Router, r: &Req) -> String {
    summary(router, r).0
}

pub fn subset(router: &Router, r: &Req) -> Option<String> {
    summary(router, r).5
}

pub fn route_index(router: &Router, r: &Req) -> Option<usize> {
    summary(router, r).2
}
