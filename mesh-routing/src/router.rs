//! [`Router`]: compiled once from a [`Snapshot`], immutable, and asked for a
//! [`RouteDecision`] per request.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use mesh_model::Snapshot;
use mesh_model::mesh_config::OutboundTrafficPolicyMode as MeshOutbound;
use mesh_model::networking::{Destination, HttpRetry, OutboundTrafficPolicyMode};
use mesh_model::path_normalization::{PathError, PathNormalization, normalize_path};
use mesh_model::registry::{Registry, Service};

use crate::decision::{Action, Destinations, RouteDecision, RouteKind, RouteRef, Selected, TraceStep};
use crate::gateway::{self, CompiledGateway, GatewayVhost};
use crate::host::{self, HostBuf, MESH_GATEWAY};
use crate::matcher::{MatchError, Scope};
use crate::request::RouteRequest;
use crate::resilience;
use crate::table::{Entry, RouteTable};
use crate::traffic_policy::DestinationRules;
use crate::vhost::{HostEntry, MeshHosts};
use crate::visibility::{Sidecars, Tier, tier};
use crate::vs::{self, CompiledVs};

/// A route table compiled from a snapshot: immutable, `Send + Sync`, shared by every request.
///
/// ```
/// use mesh_model::{load_str, Snapshot};
/// use mesh_routing::{Action, RouteRequest, Router};
/// let yaml = "\
/// apiVersion: v1
/// kind: Service
/// metadata: {name: reviews, namespace: default}
/// spec: {ports: [{name: http, port: 9080}]}
/// ---
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: reviews, namespace: default}
/// spec:
///   hosts: [reviews]
///   http:
///   - match: [{uri: {prefix: /v2}}]
///     route: [{destination: {host: reviews, subset: v2}}]
///   - route: [{destination: {host: reviews, subset: v1}}]
/// ";
/// let loaded = load_str(yaml, &Default::default());
/// let snap = Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
/// let router = Router::compile(&snap);
/// let req = RouteRequest::http("reviews", 9080, "GET", "/v2/x");
/// let d = router.route(&req);
/// assert_eq!(d.action, Action::Forward);
/// assert_eq!(d.virtual_service, Some("default/reviews"));
/// assert_eq!(d.selected.unwrap().subset, Some("v2"));
/// ```
#[derive(Debug, Clone)]
pub struct Router {
    suffix: String,
    default_namespace: String,
    outbound: OutboundTrafficPolicyMode,
    default_retry: HttpRetry,
    registry: Registry,
    vss: Vec<CompiledVs>,
    mesh: MeshHosts,
    gateways: HashMap<String, CompiledGateway>,
    drs: DestinationRules,
    sidecars: Sidecars,
    errors: Vec<(String, MatchError)>,
    normalization: PathNormalization,
}

/// What a sidecar knows about its client for one request.
struct Client<'a> {
    namespace: &'a str,
    labels: Option<&'a BTreeMap<String, String>>,
    sidecar: Option<&'a crate::visibility::SidecarScope>,
}

impl Router {
    /// Compiles every VirtualService, Gateway, DestinationRule and Sidecar of `snapshot`,
    /// with the registry built from its Services and ServiceEntries.
    pub fn compile(snapshot: &Snapshot) -> Self {
        Self::compile_with_registry(snapshot, Registry::from_snapshot(snapshot))
    }

    /// Like [`Router::compile`], with a registry the caller built (for instance with the
    /// Ingress-generated resources applied).
    pub fn compile_with_registry(snapshot: &Snapshot, registry: Registry) -> Self {
        let mesh = snapshot.mesh_config();
        let mut errors = Vec::new();
        let mut vss = vs::compile_all(snapshot, &mut errors);
        let hosts = MeshHosts::build(&registry, &mut vss);
        let gateways = gateway::compile_all(snapshot, &vss, &mut errors);
        let outbound = match mesh.outbound_traffic_policy() {
            MeshOutbound::RegistryOnly => OutboundTrafficPolicyMode::RegistryOnly,
            _ => OutboundTrafficPolicyMode::AllowAny,
        };
        Self {
            suffix: snapshot.domain_suffix().to_string(),
            default_namespace: "default".to_string(),
            outbound,
            default_retry: mesh.default_http_retry_policy(),
            registry,
            vss,
            mesh: hosts,
            gateways,
            drs: DestinationRules::compile(snapshot),
            sidecars: Sidecars::compile(snapshot),
            errors,
            normalization: mesh.path_normalization(),
        }
    }

    /// The namespace of clients that name none (default `default`).
    pub fn with_default_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.default_namespace = namespace.into();
        self
    }

    /// Conditions that did not compile (invalid regexes), by VirtualService `namespace/name`;
    /// such a condition never matches.
    pub fn errors(&self) -> &[(String, MatchError)] {
        &self.errors
    }

    /// Normalises a request path as the mesh configures Envoy (`meshConfig.pathNormalization`,
    /// `BASE` by default). Envoy normalises before routing, so callers route (and authorize)
    /// on the result; it borrows when nothing changes, the common case.
    ///
    /// ```
    /// let router = mesh_routing::Router::compile(&mesh_model::Snapshot::builder().build([]));
    /// assert_eq!(router.normalize_path("/a/../reviews/0?x=1").unwrap(), "/reviews/0?x=1");
    /// ```
    pub fn normalize_path<'p>(&self, path: &'p str) -> Result<Cow<'p, str>, PathError> {
        normalize_path(path, self.normalization)
    }

    /// The registry the router resolves hosts with.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// How many HTTP route entries (route × match) the router holds across VirtualServices.
    pub fn http_entries(&self) -> usize {
        self.vss.iter().map(|v| v.table.entries().len()).sum()
    }

    /// The compiled HTTP table of VirtualService `namespace/name` (for sidecars).
    pub fn table(&self, virtual_service: &str) -> Option<&RouteTable> {
        self.vss.iter().find(|v| v.id == virtual_service).map(|v| &v.table)
    }

    /// Decides how `req` is routed.
    pub fn route<'a>(&'a self, req: &RouteRequest<'a>) -> RouteDecision<'a> {
        match req.gateway {
            Some(gw) if gw != MESH_GATEWAY => self.route_gateway(gw, req),
            _ => self.route_mesh(req),
        }
    }

    // === mesh (sidecar) ===

    fn client<'a>(&'a self, req: &RouteRequest<'a>) -> Client<'a> {
        let namespace = req.source.namespace.unwrap_or(&self.default_namespace);
        let labels = req.source.labels;
        Client { namespace, labels, sidecar: self.sidecars.for_workload(namespace, labels) }
    }

    fn service_visible(&self, c: &Client<'_>, s: &Service, port: u32) -> bool {
        s.export_to.is_visible_from(c.namespace)
            && c.sidecar.is_none_or(|sc| sc.imports_host(port, &s.namespace, &s.hostname))
    }

    /// The first visible service named `host`, optionally with an HTTP(-or-sniffed) port.
    fn visible_service<'a>(
        &'a self,
        c: &Client<'_>,
        host: &str,
        port: Option<u32>,
        http: bool,
    ) -> Option<&'a Service> {
        let ok = |s: &&Service| {
            self.service_visible(c, s, port.unwrap_or(0))
                && port.is_none_or(|p| s.port(p).is_some_and(|sp| !http || sp.protocol.is_http_or_sniffed()))
        };
        let mut first = None;
        for s in self.registry.by_host(host).filter(ok) {
            if s.origin == mesh_model::registry::Origin::Kubernetes {
                return Some(s);
            }
            first = first.or(Some(s));
        }
        first
    }

    fn vs_visible(&self, c: &Client<'_>, v: &CompiledVs, port: u32) -> Option<Tier> {
        let t = tier(&v.export, &v.namespace, c.namespace)?;
        let imported =
            c.sidecar.is_none_or(|sc| v.hosts.iter().any(|h| sc.imports_host(port, &v.namespace, h)));
        imported.then_some(t)
    }

    fn outbound(&self, c: &Client<'_>) -> OutboundTrafficPolicyMode {
        c.sidecar.and_then(|s| s.outbound()).unwrap_or(self.outbound)
    }

    /// The listener port: the request's, else the single port of the host's service, else 80.
    fn port_for(&self, req: &RouteRequest<'_>, c: &Client<'_>) -> u32 {
        if let Some(p) = req.port {
            return u32::from(p);
        }
        let mut buf = HostBuf::new();
        let host = if !req.host.contains('.') && !host::is_ip(req.host) {
            let _ = buf.push_lower(req.host)
                && buf.push_lower(".")
                && buf.push_lower(c.namespace)
                && buf.push_lower(".svc.")
                && buf.push_lower(&self.suffix);
            buf.as_str()
        } else {
            req.host
        };
        self.registry
            .by_host(host)
            .find_map(|s| (s.ports.len() == 1).then(|| s.ports[0].number))
            .unwrap_or(80)
    }

    fn route_mesh<'a>(&'a self, req: &RouteRequest<'a>) -> RouteDecision<'a> {
        let c = self.client(req);
        let port = self.port_for(req, &c);
        if !req.protocol.is_http() {
            return self.route_l4_mesh(req, &c, port);
        }
        let scope = Scope { gateway: MESH_GATEWAY, port, namespace: c.namespace, labels: c.labels };
        let (authority, _) = host::strip_port(req.authority());
        let mut trace = Vec::new();
        // An IP authority names the service with that VIP.
        if host::is_ip(authority.trim_start_matches('[').trim_end_matches(']')) {
            let ip = authority.trim_start_matches('[').trim_end_matches(']');
            let found = self
                .registry
                .lookup_ip(ip)
                .services
                .into_iter()
                .find(|s| self.service_visible(&c, s, port))
                .map(|s| s.hostname.as_str());
            if let Some(h) = found
                && let Some(e) = self.mesh.exact.get(h)
                && let Some(d) = self.try_domain(req, &c, &scope, h, e, &mut trace)
            {
                return d;
            }
        }
        for cand in MeshHosts::candidates(authority, c.namespace, &self.suffix).iter().flatten() {
            if let Some((domain, e)) = self.mesh.exact.get_key_value(cand.as_str())
                && let Some(d) = self.try_domain(req, &c, &scope, domain, e, &mut trace)
            {
                return d;
            }
        }
        // A headless service's `*.` domains (suffix wildcards, longest first): strip one
        // leading label after another and look the rest up among the headless services.
        let bare = authority.strip_suffix('.').unwrap_or(authority);
        for (i, _) in bare.match_indices('.') {
            let rest = &bare[i + 1..];
            for cand in MeshHosts::candidates(rest, c.namespace, &self.suffix).iter().flatten() {
                if self.mesh.headless.contains(cand.as_str())
                    && let Some((domain, e)) = self.mesh.exact.get_key_value(cand.as_str())
                    && let Some(d) = self.try_domain(req, &c, &scope, domain, e, &mut trace)
                {
                    return d;
                }
            }
        }
        let mut lower = HostBuf::new();
        lower.push_lower(bare);
        for (domain, e) in &self.mesh.wildcard {
            if host::domain_matches(domain, lower.as_str())
                && let Some(d) = self.try_domain(req, &c, &scope, domain, e, &mut trace)
            {
                return d;
            }
        }
        let mut d = self.unknown_host(req, &c, port);
        d.trace = trace;
        d
    }

    /// The catch-all virtual host: passthrough under `ALLOW_ANY`, blackhole otherwise.
    fn unknown_host<'a>(&'a self, req: &RouteRequest<'a>, c: &Client<'_>, port: u32) -> RouteDecision<'a> {
        let host: Cow<'a, str> =
            Cow::Owned(host::resolve_short_name(&req.host.to_ascii_lowercase(), c.namespace, &self.suffix));
        let mut d = self.empty(MESH_GATEWAY, host.clone(), port, req);
        match self.outbound(c) {
            OutboundTrafficPolicyMode::AllowAny => {
                d.action = Action::Passthrough;
                d.selected = Some(Selected { host, subset: None, port: None, index: None });
            }
            OutboundTrafficPolicyMode::RegistryOnly => d.action = Action::Blackhole,
        }
        d
    }

    fn empty<'a>(
        &'a self,
        context: &'a str,
        host: Cow<'a, str>,
        port: u32,
        req: &RouteRequest<'a>,
    ) -> RouteDecision<'a> {
        RouteDecision {
            context,
            host,
            port,
            action: Action::NotFound,
            virtual_service: None,
            route: None,
            http_route: None,
            destinations: Destinations::None,
            selected: None,
            destination_rule: None,
            retries: None,
            timeout: None,
            tls: false,
            matched_len: 0,
            policy_port: port,
            virtual_host: None,
            trace: Vec::new(),
            random: req.random,
        }
    }

    /// Tries one domain of the route table: its first visible VirtualService with routes for
    /// this proxy, else the default route of its service; `None` when nothing here exists
    /// for the client (Envoy would not have the domain).
    fn try_domain<'a>(
        &'a self,
        req: &RouteRequest<'a>,
        c: &Client<'_>,
        scope: &Scope<'_>,
        domain: &'a str,
        e: &'a HostEntry,
        trace: &mut Vec<TraceStep<'a>>,
    ) -> Option<RouteDecision<'a>> {
        let service =
            if e.is_service { self.visible_service(c, domain, Some(scope.port), true) } else { None };
        if e.is_service
            && service.is_none()
            && e.vs.iter().all(|&v| {
                self.vss[v as usize].has_services || !self.vss[v as usize].hosts.iter().any(|h| h == domain)
            })
        {
            return None;
        }
        for want in [Tier::Private, Tier::Exported, Tier::Public] {
            for &vi in &e.vs {
                let v = &self.vss[vi as usize];
                if self.vs_visible(c, v, scope.port) != Some(want) || !v.binds(MESH_GATEWAY) {
                    continue;
                }
                if service.is_none()
                    && !(v.service_ports.contains(&scope.port) || (!v.has_services && scope.port == 80))
                {
                    continue;
                }
                if !v.table.has_routes_for(scope) {
                    trace.push(TraceStep::SkippedVirtualService {
                        name: &v.id,
                        reason: "no route applies to this proxy and port",
                    });
                    continue;
                }
                let entry = v.table.find(req, scope);
                let mut d = self.http_decision(
                    req,
                    MESH_GATEWAY,
                    domain,
                    scope.port,
                    v,
                    entry,
                    c.namespace,
                    c.labels,
                    false,
                );
                d.virtual_host = Some(domain);
                d.trace = std::mem::take(trace);
                return Some(d);
            }
        }
        let s = service?;
        let mut d = self.empty(MESH_GATEWAY, Cow::Borrowed(s.hostname.as_str()), scope.port, req);
        d.action = Action::Passthrough;
        d.selected = Some(Selected {
            host: Cow::Borrowed(s.hostname.as_str()),
            subset: None,
            port: None,
            index: None,
        });
        d.destination_rule = self.drs.lookup(c.namespace, c.labels, &s.hostname, Some(&s.namespace));
        d.retries = resilience::retries(None, &self.default_retry);
        d.virtual_host = Some(domain);
        d.trace = std::mem::take(trace);
        Some(d)
    }

    /// The decision for a matched (or unmatched) HTTP route of `v`.
    #[allow(clippy::too_many_arguments)]
    fn http_decision<'a>(
        &'a self,
        req: &RouteRequest<'a>,
        context: &'a str,
        host: &'a str,
        port: u32,
        v: &'a CompiledVs,
        entry: Option<&'a Entry>,
        proxy_ns: &str,
        proxy_labels: Option<&BTreeMap<String, String>>,
        tls: bool,
    ) -> RouteDecision<'a> {
        let mut d = self.empty(context, Cow::Borrowed(host), port, req);
        d.virtual_service = Some(v.id.as_str());
        d.tls = tls;
        let Some(entry) = entry else { return d };
        let route = &v.http[entry.route_index()];
        let origin = &v.origins[entry.route_index()];
        d.route = Some(RouteRef {
            kind: RouteKind::Http,
            index: origin.root_index,
            name: route.name.as_deref(),
            match_index: entry.match_index(),
            delegate: origin.delegate.as_ref().map(|(n, i)| (n.as_str(), *i)),
        });
        d.http_route = Some(route);
        d.matched_len = entry.path().matched_len(req.path_only());
        if route.redirect.is_some() {
            d.action =
                if crate::action::redirect_status(route.redirect.as_ref().map_or(&Default::default(), |r| r))
                    .is_some()
                {
                    Action::Redirect
                } else {
                    Action::NotFound
                };
            return d;
        }
        if route.direct_response.is_some() {
            d.action = Action::DirectResponse;
            return d;
        }
        d.action = Action::Forward;
        d.destinations = Destinations::Http(&route.route);
        d.timeout = resilience::timeout(route);
        d.retries = resilience::retries(route.retries.as_ref(), &self.default_retry);
        if let Some(i) = crate::action::pick_destination(&route.route, req.random) {
            // An HTTP cluster's port: the destination's, else the service's only one.
            self.select(&mut d, &route.route[i].destination, i, port, true, proxy_ns, proxy_labels);
        }
        d
    }

    /// Records the picked destination `dest` (index `i`) in `d`: its host, subset and port,
    /// the port its policy applies to (the destination's, else with `single_port` the
    /// service's only port, else `fallback`), and the DestinationRule for it.
    #[allow(clippy::too_many_arguments)]
    fn select<'a>(
        &'a self,
        d: &mut RouteDecision<'a>,
        dest: &'a Destination,
        i: usize,
        fallback: u32,
        single_port: bool,
        proxy_ns: &str,
        proxy_labels: Option<&BTreeMap<String, String>>,
    ) {
        let svc = self.registry.by_host(&dest.host).next();
        let dport = dest.port.and_then(|p| p.number);
        d.policy_port = dport
            .or_else(|| svc.filter(|s| single_port && s.ports.len() == 1).map(|s| s.ports[0].number))
            .unwrap_or(fallback);
        d.selected = Some(Selected {
            host: Cow::Borrowed(&dest.host),
            subset: dest.subset.as_deref(),
            port: dport,
            index: Some(i),
        });
        d.destination_rule =
            self.drs.lookup(proxy_ns, proxy_labels, &dest.host, svc.map(|s| s.namespace.as_str()));
    }

    // === gateways ===

    fn route_gateway<'a>(&'a self, name: &'a str, req: &RouteRequest<'a>) -> RouteDecision<'a> {
        let (authority, _) = host::strip_port(req.authority());
        let mut lower = HostBuf::new();
        lower.push_lower(authority.strip_suffix('.').unwrap_or(authority));
        let port = req.port.map_or(80, u32::from);
        let unknown = |lower: &HostBuf| self.empty(name, Cow::Owned(lower.as_str().to_string()), port, req);
        let Some(gw) = self.gateways.get(name) else { return unknown(&lower) };
        let Some(gp) = gw.ports.get(&port) else { return unknown(&lower) };
        let scope = Scope { gateway: name, port, namespace: &gw.namespace, labels: Some(&gw.labels) };
        if !req.protocol.is_http() {
            return self.route_l4_gateway(name, req, gw, gp, &scope);
        }
        let Some(vh) = gp.find(lower.as_str()) else { return unknown(&lower) };
        self.gateway_vhost_decision(name, req, gw, vh, &scope)
    }

    fn gateway_vhost_decision<'a>(
        &'a self,
        name: &'a str,
        req: &RouteRequest<'a>,
        gw: &'a CompiledGateway,
        vh: &'a GatewayVhost,
        scope: &Scope<'_>,
    ) -> RouteDecision<'a> {
        if vh.https_redirect && req.scheme != "https" {
            let mut d = self.empty(name, Cow::Borrowed(&vh.domain), scope.port, req);
            d.action = Action::Redirect;
            d.tls = true;
            d.virtual_service = vh.vs.first().map(|&v| self.vss[v as usize].id.as_str());
            return d;
        }
        match vh.table.find(req, scope) {
            Some(e) => {
                let v = &self.vss[e.owner()];
                self.http_decision(
                    req,
                    name,
                    &vh.domain,
                    scope.port,
                    v,
                    Some(e),
                    &gw.namespace,
                    Some(&gw.labels),
                    vh.tls,
                )
            }
            None => {
                let mut d = self.empty(name, Cow::Borrowed(&vh.domain), scope.port, req);
                d.virtual_service = vh.vs.first().map(|&v| self.vss[v as usize].id.as_str());
                d
            }
        }
    }

    // === TCP and TLS ===

    fn route_l4_mesh<'a>(&'a self, req: &RouteRequest<'a>, c: &Client<'_>, port: u32) -> RouteDecision<'a> {
        let scope = Scope { gateway: MESH_GATEWAY, port, namespace: c.namespace, labels: c.labels };
        let svc = if host::is_ip(req.host) {
            self.registry.lookup_ip(req.host).services.into_iter().find(|s| self.service_visible(c, s, port))
        } else {
            let mut found = None;
            for cand in MeshHosts::candidates(req.host, c.namespace, &self.suffix).iter().flatten() {
                if let Some((h, _)) = self.mesh.exact.get_key_value(cand.as_str())
                    && let Some(s) = self.visible_service(c, h, Some(port), false)
                {
                    found = Some(s);
                    break;
                }
            }
            found
        };
        let Some(svc) = svc else { return self.unknown_host(req, c, port) };
        let host = svc.hostname.as_str();
        let dest_ip = req.destination_ip.or_else(|| svc.addresses.first().map(String::as_str));
        let sni = req.sni.unwrap_or(host);
        if let Some(e) = self.mesh.exact.get(host) {
            for want in [Tier::Private, Tier::Exported, Tier::Public] {
                for &vi in &e.vs {
                    let v = &self.vss[vi as usize];
                    if self.vs_visible(c, v, port) != Some(want) || !v.binds(MESH_GATEWAY) {
                        continue;
                    }
                    if let Some(d) = self.l4_routes(
                        req,
                        MESH_GATEWAY,
                        host,
                        v,
                        &scope,
                        dest_ip,
                        sni,
                        c.namespace,
                        c.labels,
                    ) {
                        return d;
                    }
                }
            }
        }
        let mut d = self.empty(MESH_GATEWAY, Cow::Borrowed(host), port, req);
        d.action = Action::Passthrough;
        d.selected = Some(Selected { host: Cow::Borrowed(host), subset: None, port: None, index: None });
        d.destination_rule = self.drs.lookup(c.namespace, c.labels, host, Some(&svc.namespace));
        d
    }

    fn route_l4_gateway<'a>(
        &'a self,
        name: &'a str,
        req: &RouteRequest<'a>,
        gw: &'a CompiledGateway,
        gp: &'a gateway::GatewayPort,
        scope: &Scope<'_>,
    ) -> RouteDecision<'a> {
        let sni = req.sni.unwrap_or(req.host);
        let host = Cow::Owned(sni.to_ascii_lowercase());
        if !gp
            .l4_hosts
            .iter()
            .any(|h| h == "*" || host::domain_matches(h, &host) || h.eq_ignore_ascii_case(&host))
        {
            return self.empty(name, host, scope.port, req);
        }
        for (t, vi) in self.bound(name, &gw.namespace) {
            let _ = t;
            let v = &self.vss[vi];
            if !v.hosts.iter().any(|h| h == "*" || host::matches(h, &host)) {
                continue;
            }
            if let Some(d) = self.l4_routes(
                req,
                name,
                &v.hosts[0],
                v,
                scope,
                req.destination_ip,
                sni,
                &gw.namespace,
                Some(&gw.labels),
            ) {
                return d;
            }
        }
        self.empty(name, host, scope.port, req)
    }

    /// VirtualServices bound to gateway `name`, in the order its namespace sees them.
    fn bound(&self, name: &str, ns: &str) -> Vec<(Tier, usize)> {
        let mut v: Vec<(Tier, usize)> = self
            .vss
            .iter()
            .enumerate()
            .filter(|(_, v)| v.binds(name))
            .filter_map(|(i, v)| tier(&v.export, &v.namespace, ns).map(|t| (t, i)))
            .collect();
        v.sort();
        v
    }

    /// The first TLS (for a TLS request) or TCP route of `v` that matches.
    #[allow(clippy::too_many_arguments)]
    fn l4_routes<'a>(
        &'a self,
        req: &RouteRequest<'a>,
        context: &'a str,
        host: &'a str,
        v: &'a CompiledVs,
        scope: &Scope<'_>,
        dest_ip: Option<&str>,
        sni: &str,
        proxy_ns: &str,
        proxy_labels: Option<&BTreeMap<String, String>>,
    ) -> Option<RouteDecision<'a>> {
        let source_ip = req.source.ip;
        let tls = req.protocol == crate::request::Protocol::Tls;
        let hit = if tls {
            v.tls.iter().zip(&v.tls_matches).enumerate().find_map(|(i, (r, ms))| {
                let m = ms.iter().position(|p| p.matches(scope, dest_ip, source_ip, sni))?;
                Some((RouteKind::Tls, i, Some(m), &r.route[..]))
            })
        } else {
            v.tcp.iter().zip(&v.tcp_matches).enumerate().find_map(|(i, (r, ms))| {
                if ms.is_empty() {
                    return Some((RouteKind::Tcp, i, None, &r.route[..]));
                }
                let m = ms.iter().position(|p| p.matches(scope, dest_ip, source_ip, sni))?;
                Some((RouteKind::Tcp, i, Some(m), &r.route[..]))
            })
        };
        let (kind, index, match_index, dests) = hit?;
        let mut d = self.empty(context, Cow::Borrowed(host), scope.port, req);
        d.virtual_service = Some(v.id.as_str());
        d.route = Some(RouteRef { kind, index, name: None, match_index, delegate: None });
        d.action = Action::Forward;
        d.destinations = Destinations::L4(dests);
        if let Some(i) = crate::action::pick_l4(dests, req.random) {
            // A TCP/TLS cluster's port: the destination's, else the listener's.
            self.select(&mut d, &dests[i].destination, i, scope.port, false, proxy_ns, proxy_labels);
        }
        Some(d)
    }
}
