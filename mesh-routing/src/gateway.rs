//! Gateways: a Gateway's servers bind ports, hosts and TLS modes; a VirtualService applies
//! at a gateway when it lists the gateway and a server's hosts admit its hosts
//! (`buildGatewayHTTPRouteConfig`).
//!
//! - Server hosts are `[namespace/]host`; a namespace-qualified host admits only
//!   VirtualServices of that namespace (`./` is the Gateway's own namespace).
//! - The virtual host's domains are the intersection of server and VirtualService hosts
//!   (the narrower of each pair). Several VirtualServices on one domain are merged: their
//!   routes are concatenated in precedence order, then catch-all routes move to the end
//!   (`SortVHostRoutes`).
//! - A server with `tls.httpsRedirect` answers plain HTTP with a 301 to `https`.
//! - No virtual host admits the authority: Envoy answers 404.

use std::collections::{BTreeMap, HashMap};

use mesh_model::networking::{Gateway, ServerTlsMode};
use mesh_model::{Kind, Resource, Snapshot};

use crate::host;
use crate::matcher::{MatchError, Scope};
use crate::table::{Entry, RouteTable};
use crate::visibility::{Tier, tier};
use crate::vs::CompiledVs;

/// One virtual host of a gateway port.
#[derive(Debug, Clone)]
pub(crate) struct GatewayVhost {
    pub(crate) domain: String,
    pub(crate) table: RouteTable,
    /// VirtualServices merged into it, in order.
    pub(crate) vs: Vec<u32>,
    pub(crate) https_redirect: bool,
    pub(crate) tls: bool,
}

/// The HTTP route configuration of one gateway port.
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewayPort {
    pub(crate) vhosts: Vec<GatewayVhost>,
    pub(crate) has_http_server: bool,
    /// TLS passthrough / TCP servers on the port: their hosts (namespace part stripped).
    pub(crate) l4_hosts: Vec<String>,
    pub(crate) tls_passthrough: bool,
}

impl GatewayPort {
    /// The virtual host Envoy picks for `host` (lower case, port stripped): exact, then
    /// suffix wildcards longest first, then prefix wildcards, then `*`.
    pub(crate) fn find(&self, host: &str) -> Option<&GatewayVhost> {
        if let Some(v) =
            self.vhosts.iter().find(|v| !v.domain.contains('*') && v.domain.eq_ignore_ascii_case(host))
        {
            return Some(v);
        }
        let mut best: Option<&GatewayVhost> = None;
        for v in self.vhosts.iter().filter(|v| v.domain.starts_with('*') && v.domain.len() > 1) {
            if host::domain_matches(&v.domain, host) && best.is_none_or(|b| v.domain.len() > b.domain.len()) {
                best = Some(v);
            }
        }
        if best.is_some() {
            return best;
        }
        for v in self.vhosts.iter().filter(|v| v.domain.ends_with('*') && v.domain.len() > 1) {
            if host::domain_matches(&v.domain, host) && best.is_none_or(|b| v.domain.len() > b.domain.len()) {
                best = Some(v);
            }
        }
        best.or_else(|| self.vhosts.iter().find(|v| v.domain == "*"))
    }
}

/// A gateway, compiled.
#[derive(Debug, Clone)]
pub(crate) struct CompiledGateway {
    pub(crate) namespace: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) ports: HashMap<u32, GatewayPort>,
}

fn is_http_server(protocol: &str, mode: Option<ServerTlsMode>) -> bool {
    match protocol.to_ascii_uppercase().as_str() {
        "HTTP" | "HTTP2" | "GRPC" | "GRPC-WEB" => true,
        "HTTPS" => !matches!(mode, None | Some(ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough)),
        "TLS" => false,
        _ => false,
    }
}

/// Compiles every Gateway against the VirtualServices bound to it.
pub(crate) fn compile_all(
    snapshot: &Snapshot,
    vss: &[CompiledVs],
    errors: &mut Vec<(String, MatchError)>,
) -> HashMap<String, CompiledGateway> {
    let mut out = HashMap::new();
    for r in snapshot.of_kind(Kind::Gateway) {
        let Resource::Gateway(gw) = r else { continue };
        out.insert(
            format!("{}/{}", gw.metadata.namespace(), gw.metadata.name()),
            compile_one(gw, vss, errors),
        );
    }
    out
}

fn compile_one(gw: &Gateway, vss: &[CompiledVs], errors: &mut Vec<(String, MatchError)>) -> CompiledGateway {
    let ns = gw.metadata.namespace().to_string();
    let name = format!("{ns}/{}", gw.metadata.name());
    let labels = gw.spec.selector.clone();
    // VirtualServices bound to the gateway, in the order the gateway's namespace sees them.
    let mut bound: Vec<(Tier, usize)> = vss
        .iter()
        .enumerate()
        .filter(|(_, v)| v.binds(&name))
        .filter_map(|(i, v)| tier(&v.export, &v.namespace, &ns).map(|t| (t, i)))
        .collect();
    bound.sort();
    let mut ports: HashMap<u32, GatewayPort> = HashMap::new();
    for server in &gw.spec.servers {
        let Some(port) = &server.port else { continue };
        let mode = server.tls.as_ref().map(|t| t.mode.unwrap_or_default());
        let gp = ports.entry(port.number).or_default();
        let server_hosts: Vec<String> = server
            .hosts
            .iter()
            .map(|h| match h.split_once('/') {
                Some((".", rest)) => format!("{ns}/{rest}"),
                _ => h.clone(),
            })
            .collect();
        if !is_http_server(&port.protocol, mode) {
            gp.l4_hosts
                .extend(server_hosts.iter().map(|h| h.rsplit('/').next().unwrap_or(h).to_ascii_lowercase()));
            gp.tls_passthrough |= matches!(mode, Some(ServerTlsMode::Passthrough));
            continue;
        }
        gp.has_http_server = true;
        let scope = Scope { gateway: &name, port: port.number, namespace: &ns, labels: Some(&labels) };
        let is_tls = server.tls.is_some()
            && !server.tls.as_ref().is_some_and(|t| t.https_redirect == Some(true) && t.mode.is_none());
        for &(_, vi) in &bound {
            let vs = &vss[vi];
            let admitted: Vec<&str> =
                host::names_for_namespace(server_hosts.iter().map(String::as_str), &vs.namespace).collect();
            let mut domains: Vec<String> = Vec::new();
            for sh in &admitted {
                let sh = sh.to_ascii_lowercase();
                for vh in &vs.hosts {
                    let d = if host::subset_of(&sh, vh) {
                        sh.clone()
                    } else if host::subset_of(vh, &sh) {
                        vh.clone()
                    } else {
                        continue;
                    };
                    if !domains.contains(&d) {
                        domains.push(d);
                    }
                }
            }
            if domains.is_empty() {
                continue;
            }
            let mut errs = Vec::new();
            let entries: Vec<Entry> = vs
                .entries(vi as u32, &mut errs)
                .into_iter()
                .filter(|e| e.conditions().source.applies(&scope))
                .collect();
            errors.extend(errs.into_iter().map(|e| (vs.id.clone(), e)));
            if entries.is_empty() {
                continue;
            }
            for d in domains {
                match gp.vhosts.iter_mut().find(|v| v.domain == d) {
                    Some(v) => {
                        let mut all: Vec<Entry> = v.table.entries().to_vec();
                        all.extend(entries.iter().cloned());
                        v.table = RouteTable::from_entries(all);
                        if !v.vs.contains(&(vi as u32)) {
                            v.vs.push(vi as u32);
                        }
                    }
                    None => gp.vhosts.push(GatewayVhost {
                        domain: d,
                        table: RouteTable::from_entries(entries.clone()),
                        vs: vec![vi as u32],
                        https_redirect: false,
                        tls: is_tls,
                    }),
                }
            }
        }
        if server.tls.as_ref().is_some_and(|t| t.https_redirect == Some(true)) {
            for h in &server.hosts {
                let d = h.rsplit('/').next().unwrap_or(h).to_ascii_lowercase();
                match gp.vhosts.iter_mut().find(|v| v.domain == d) {
                    Some(v) => v.https_redirect = true,
                    None => gp.vhosts.push(GatewayVhost {
                        domain: d,
                        table: RouteTable::from_entries(Vec::new()),
                        vs: Vec::new(),
                        https_redirect: true,
                        tls: false,
                    }),
                }
            }
        }
    }
    // Catch-all routes last, the rest in order (`SortVHostRoutes`).
    for gp in ports.values_mut() {
        for v in &mut gp.vhosts {
            let (mut rest, catch_all): (Vec<Entry>, Vec<Entry>) =
                v.table.entries().iter().cloned().partition(|e| !e.is_catch_all());
            rest.extend(catch_all);
            v.table = RouteTable::from_entries(rest);
        }
    }
    CompiledGateway { namespace: ns, labels, ports }
}
