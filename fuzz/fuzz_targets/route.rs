//! The router on arbitrary requests, compiled once from the shared corpus (Istio samples):
//! `route` never panics; every HTTP VirtualService's indexed table agrees with the linear
//! first-match scan; redirect, rewrite and policy rendering never panic.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use mesh_model::{LoadOptions, Snapshot, load_str};
use mesh_routing::matcher::Scope;
use mesh_routing::request::{Protocol, Source};
use mesh_routing::{RouteRequest, Router};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/istio-samples");

fn collect(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

fn router() -> &'static (Router, Vec<String>, Vec<String>) {
    static R: OnceLock<(Router, Vec<String>, Vec<String>)> = OnceLock::new();
    R.get_or_init(|| {
        let mut files = Vec::new();
        collect(std::path::Path::new(CORPUS), &mut files);
        files.sort();
        let mut resources = Vec::new();
        for f in files.iter().take(400) {
            let Ok(text) = std::fs::read_to_string(f) else { continue };
            for r in load_str(&text, &LoadOptions::default()).resources {
                if mesh_model::validate(&r.resource).iter().all(|d| d.severity != mesh_model::Severity::Error)
                {
                    resources.push(r.resource);
                }
            }
        }
        let snap = Snapshot::builder().build(resources);
        let hosts: Vec<String> = snap
            .iter()
            .filter_map(|r| match r {
                mesh_model::Resource::VirtualService(v) => v.spec.hosts.first().cloned(),
                _ => None,
            })
            .collect();
        let vss: Vec<String> = snap
            .iter()
            .filter_map(|r| match r {
                mesh_model::Resource::VirtualService(v) => {
                    Some(format!("{}/{}", v.metadata.namespace(), v.metadata.name()))
                }
                _ => None,
            })
            .collect();
        (Router::compile(&snap), hosts, vss)
    })
}

#[derive(Debug, Arbitrary)]
struct Input {
    host: Option<u8>,
    raw_host: String,
    authority: Option<String>,
    path: String,
    method: String,
    headers: Vec<(String, String)>,
    port: Option<u16>,
    namespace: Option<String>,
    gateway: Option<String>,
    protocol: u8,
    sni: Option<String>,
    random: u16,
}

fuzz_target!(|input: Input| {
    let (router, hosts, vss) = router();
    let host = match input.host {
        Some(i) if !hosts.is_empty() => hosts[i as usize % hosts.len()].clone(),
        _ => input.raw_host.clone(),
    };
    let headers: Vec<(String, String)> =
        input.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    let path = if input.path.starts_with('/') { input.path.clone() } else { format!("/{}", input.path) };
    let req = RouteRequest {
        protocol: match input.protocol % 4 {
            0 => Protocol::Http,
            1 => Protocol::Grpc,
            2 => Protocol::Tcp,
            _ => Protocol::Tls,
        },
        gateway: input.gateway.as_deref(),
        source: Source { namespace: input.namespace.as_deref(), labels: None, ip: None },
        host: &host,
        port: input.port,
        destination_ip: None,
        method: &input.method,
        scheme: "http",
        authority: input.authority.as_deref(),
        path: &path,
        headers: &headers,
        sni: input.sni.as_deref(),
        claims: None,
        random: f64::from(input.random) / 65536.0,
    };
    let d = router.route(&req);
    let _ = d.redirect_response(&req);
    let _ = d.rewrite(&req);
    let _ = d.traffic_policy();
    let _ = d.fault();
    let _ = d.mirrors();
    let scope = Scope {
        gateway: "mesh",
        port: u32::from(input.port.unwrap_or(80)),
        namespace: "default",
        labels: None,
    };
    for vs in vss {
        if let Some(t) = router.table(vs) {
            let a = t.find(&req, &scope).map(|e| (e.route_index(), e.match_index()));
            let b = t.find_linear(&req, &scope).map(|e| (e.route_index(), e.match_index()));
            assert_eq!(a, b, "indexed and linear disagree for {vs} on {req:?}");
        }
    }
});
