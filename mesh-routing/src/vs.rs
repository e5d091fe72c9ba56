//! VirtualServices as the router runs them: hosts and gateways resolved, delegates merged,
//! destination hosts resolved to FQDNs, and routes compiled.

use std::collections::BTreeSet;

use mesh_model::networking::{HttpRoute, TcpRoute, TlsRoute, VirtualService};
use mesh_model::registry::ExportTo;
use mesh_model::{Kind, Resource, Snapshot};

use crate::delegate::{Origin, merge_http_routes};
use crate::host::{MESH_GATEWAY, resolve_gateway_name, resolve_short_name};
use crate::matcher::{L4Predicate, MatchError};
use crate::table::{Entry, RouteTable, push_entries};
use crate::visibility::export_to;

/// A root VirtualService, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledVs {
    /// `namespace/name`.
    pub(crate) id: String,
    pub(crate) namespace: String,
    /// Hosts, resolved and lower-cased.
    pub(crate) hosts: Vec<String>,
    /// Gateways, resolved (`mesh` when none are listed).
    pub(crate) gateways: Vec<String>,
    pub(crate) export: ExportTo,
    /// HTTP routes with delegates merged.
    pub(crate) http: Vec<HttpRoute>,
    /// Where each merged HTTP route came from.
    pub(crate) origins: Vec<Origin>,
    pub(crate) tls: Vec<TlsRoute>,
    pub(crate) tls_matches: Vec<Vec<L4Predicate>>,
    pub(crate) tcp: Vec<TcpRoute>,
    pub(crate) tcp_matches: Vec<Vec<L4Predicate>>,
    /// The HTTP routes, compiled for sidecars.
    pub(crate) table: RouteTable,
    /// HTTP(-or-sniffed) ports of the registry services the hosts name.
    pub(crate) service_ports: BTreeSet<u32>,
    /// Whether any host names a registry service.
    pub(crate) has_services: bool,
}

impl CompiledVs {
    pub(crate) fn binds(&self, gateway: &str) -> bool {
        self.gateways.iter().any(|g| g == gateway)
    }

    /// The entries of the HTTP routes owned by `owner`, for a gateway's merged tables.
    pub(crate) fn entries(&self, owner: u32, errors: &mut Vec<MatchError>) -> Vec<Entry> {
        let mut out = Vec::new();
        push_entries(&mut out, &self.http, &self.namespace, owner, errors);
        out
    }
}

fn resolve_dest(host: &mut String, ns: &str, suffix: &str) {
    *host = resolve_short_name(host, ns, suffix);
}

/// Resolves short names in destinations and mirrors (`ResolveVirtualServiceShortnames`).
fn resolve_http(routes: &mut [HttpRoute], ns: &str, suffix: &str) {
    for r in routes {
        for d in &mut r.route {
            resolve_dest(&mut d.destination.host, ns, suffix);
        }
        if let Some(m) = &mut r.mirror {
            resolve_dest(&mut m.host, ns, suffix);
        }
        for m in &mut r.mirrors {
            resolve_dest(&mut m.destination.host, ns, suffix);
        }
    }
}

/// Compiles every VirtualService with hosts (delegates are merged into their roots).
pub(crate) fn compile_all(snapshot: &Snapshot, errors: &mut Vec<(String, MatchError)>) -> Vec<CompiledVs> {
    let suffix = snapshot.domain_suffix();
    let mesh = snapshot.mesh_config();
    let all: Vec<&VirtualService> = snapshot
        .of_kind(Kind::VirtualService)
        .iter()
        .filter_map(|r| match r {
            Resource::VirtualService(v) => Some(v),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for vs in all.iter().filter(|v| !v.spec.hosts.is_empty()) {
        let ns = vs.metadata.namespace().to_string();
        let id = format!("{ns}/{}", vs.metadata.name());
        let mut http = Vec::new();
        let mut origins = Vec::new();
        for (i, r) in vs.spec.http.iter().enumerate() {
            let Some(d) = &r.delegate else {
                let mut r = r.clone();
                resolve_http(std::slice::from_mut(&mut r), &ns, suffix);
                http.push(r);
                origins.push(Origin { root_index: i, delegate: None });
                continue;
            };
            let dns = d.namespace.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| ns.clone());
            let dname = d.name.clone().unwrap_or_default();
            let Some(delegate) = all.iter().find(|v| {
                v.metadata.namespace() == dns && v.metadata.name() == dname && v.spec.hosts.is_empty()
            }) else {
                continue;
            };
            let dexport = export_to(&delegate.spec.export_to, mesh.default_virtual_service_export_to(), &dns);
            if !dexport.is_visible_from(&ns) {
                continue;
            }
            let mut droutes = delegate.spec.http.clone();
            resolve_http(&mut droutes, &dns, suffix);
            let mut root = r.clone();
            resolve_http(std::slice::from_mut(&mut root), &ns, suffix);
            for (di, merged) in merge_http_routes(&root, &droutes) {
                http.push(merged);
                origins.push(Origin { root_index: i, delegate: Some((format!("{dns}/{dname}"), di)) });
            }
        }
        let mut tls = vs.spec.tls.clone();
        for r in &mut tls {
            for d in &mut r.route {
                resolve_dest(&mut d.destination.host, &ns, suffix);
            }
        }
        let mut tcp = vs.spec.tcp.clone();
        for r in &mut tcp {
            for d in &mut r.route {
                resolve_dest(&mut d.destination.host, &ns, suffix);
            }
        }
        let tls_matches =
            tls.iter().map(|r| r.matches.iter().map(|m| L4Predicate::from_tls(m, &ns)).collect()).collect();
        let tcp_matches =
            tcp.iter().map(|r| r.matches.iter().map(|m| L4Predicate::from_tcp(m, &ns)).collect()).collect();
        let mut errs = Vec::new();
        let (table, e) = RouteTable::from_routes(&http, &ns);
        errs.extend(e);
        errors.extend(errs.into_iter().map(|e| (id.clone(), e)));
        let gateways = if vs.spec.gateways.is_empty() {
            vec![MESH_GATEWAY.to_string()]
        } else {
            vs.spec.gateways.iter().map(|g| resolve_gateway_name(g, &ns)).collect()
        };
        out.push(CompiledVs {
            hosts: vs
                .spec
                .hosts
                .iter()
                .map(|h| resolve_short_name(h, &ns, suffix).to_ascii_lowercase())
                .collect(),
            gateways,
            export: export_to(&vs.spec.export_to, mesh.default_virtual_service_export_to(), &ns),
            http,
            origins,
            tls,
            tls_matches,
            tcp,
            tcp_matches,
            table,
            service_ports: BTreeSet::new(),
            has_services: false,
            id,
            namespace: ns,
        });
    }
    out
}
