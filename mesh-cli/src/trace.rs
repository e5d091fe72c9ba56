//! What `meshctl explain` adds to the route, authorization and mTLS decisions: the source
//! workload and its locality, the endpoint the request would reach (with Istio's locality
//! priorities and Envoy's priority loads), the NetworkPolicy verdict, and the readable
//! reasons behind each VirtualService, route and DestinationRule that was considered.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::kube::ContainerPort;
use mesh_model::networking::{LbPolicy, SimpleLb, TrafficPolicy};
use mesh_model::registry::{Endpoint as RegistryEndpoint, Registry, Workload};
use mesh_model::snapshot::resolve_short_name;
use mesh_model::{Kind, MeshConfig, Resource, Snapshot};
use mesh_policy::network_policy::{Connection, Endpoint as NetEndpoint, NetworkPolicies, NetworkVerdict};
use mesh_routing::decision::Destinations;
use mesh_routing::lb::cluster::{
    ClientLocality, ClusterLoadAssignment, ClusterSettings, LocalityMode, PickContext, Subset,
    endpoint_from_registry, pick_weighted,
};
use mesh_routing::lb::hash_policy::{HashInput, request_hash};
use mesh_routing::lb::{HashPolicy, Locality};
use mesh_routing::matcher::Scope;
use mesh_routing::{Action, RouteDecision, RouteRequest, Router};

use crate::request::Request;

// === source ===

/// The client workload of a request as the registry knows it: found by `source.ip`, else by
/// namespace, service account and labels (the first such workload in registry order).
pub(crate) fn source_workload<'r>(registry: &'r Registry, req: &Request) -> Option<&'r Workload> {
    let s = &req.source;
    if let Some(ip) = &s.ip
        && let Some(w) = registry.lookup_ip(ip).workloads.first()
    {
        return Some(w);
    }
    let ns = s.namespace.as_deref()?;
    registry.workloads().find(|w| {
        w.namespace == ns
            && s.service_account.as_ref().is_none_or(|sa| w.service_account.as_ref() == Some(sa))
            && s.labels.iter().all(|(k, v)| w.labels.get(k) == Some(v))
            && (s.service_account.is_some() || !s.labels.is_empty())
    })
}

fn lb_locality(l: &mesh_model::registry::Locality) -> Locality {
    Locality::new(&*l.region, &*l.zone, &*l.subzone)
}

// === endpoint pick ===

/// The trace line saying how Istio shaped the endpoints' priorities for this client.
fn describe(mode: LocalityMode) -> &'static str {
    match mode {
        LocalityMode::Disabled => "locality load balancing is disabled: every endpoint at priority 0",
        LocalityMode::UnknownClient => "the client's locality is unknown: every endpoint at priority 0",
        LocalityMode::NoOutlierDetection => {
            "no outlierDetection in the DestinationRule: Istio assigns no failover priorities (all at priority 0)"
        }
        LocalityMode::Distribute => {
            "localityLbSetting.distribute: locality weights from the client's locality"
        }
        LocalityMode::Failover => {
            "locality failover (outlierDetection set): priority 0 same zone/subzone, then same region, then the failover region"
        }
    }
}

/// One endpoint of the selected cluster.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// `ip:port`.
    pub(crate) address: String,
    pub(crate) locality: String,
    pub(crate) priority: u32,
    /// The locality weight Istio sends (`None` unset, `Some(0)` dropped by `distribute`).
    pub(crate) locality_weight: Option<u32>,
    pub(crate) health: &'static str,
    /// `namespace/name` of the Pod or WorkloadEntry.
    pub(crate) workload: Option<String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) namespace: String,
    pub(crate) ip: String,
}

/// The endpoint pick for the selected destination.
#[derive(Debug, Clone)]
pub(crate) struct EndpointPick {
    /// The cluster: host, subset and port.
    pub(crate) host: String,
    pub(crate) subset: Option<String>,
    pub(crate) port: u32,
    /// The service exists in the registry.
    pub(crate) known: bool,
    /// The subset is named but no DestinationRule defines it.
    pub(crate) undefined_subset: bool,
    /// The DestinationRule's load balancer policy, as Istio names it.
    pub(crate) lb_policy: String,
    /// Under a consistent-hash policy: what the request is hashed on, and its hash (`None`
    /// when the request lacks the key, and a random draw stands in).
    pub(crate) hash: Option<(String, Option<u64>)>,
    pub(crate) source_locality: Option<String>,
    pub(crate) mode: LocalityMode,
    pub(crate) candidates: Vec<Candidate>,
    /// Percent of traffic per priority (healthy + degraded).
    pub(crate) load: Vec<u32>,
    pub(crate) picked: Option<usize>,
}

fn lb_policy_name(tp: Option<&TrafficPolicy>) -> String {
    match tp.and_then(|t| t.load_balancer.as_ref()).and_then(|l| l.lb_policy.as_ref()) {
        Some(LbPolicy::Simple(s)) => match s {
            SimpleLb::Unspecified | SimpleLb::LeastRequest => "LEAST_REQUEST",
            SimpleLb::LeastConn => "LEAST_CONN",
            SimpleLb::Random => "RANDOM",
            SimpleLb::Passthrough => "PASSTHROUGH",
            SimpleLb::RoundRobin => "ROUND_ROBIN",
        }
        .to_string(),
        Some(LbPolicy::ConsistentHash(_)) => "consistentHash".to_string(),
        None => "LEAST_REQUEST (Envoy's default in Istio)".to_string(),
    }
}

/// The draw left for the endpoint pick once the route's weighted choice used it.
fn draw_after_route(d: &RouteDecision<'_>, r: f64) -> f64 {
    let Some(i) = d.selected.as_ref().and_then(|s| s.index) else { return r };
    if d.destinations.len() < 2 {
        return r;
    }
    let weights: Vec<f64> = d.destinations.iter().map(|x| f64::from(x.weight.max(0))).collect();
    match pick_weighted(weights, r) {
        Some((j, inner)) if j == i => inner,
        _ => r,
    }
}

/// Computes the endpoint the request would reach: the selected cluster as
/// [`ClusterLoadAssignment`] builds it for the source workload (subset, Istio's locality
/// priorities, Envoy's priority loads), then the draw left after the route's weighted choice
/// picks an endpoint ([`ClusterLoadAssignment::pick_with_draw`]).
pub(crate) fn pick_endpoint(
    router: &Router,
    mesh: &MeshConfig,
    d: &RouteDecision<'_>,
    source: Option<&Workload>,
    request: &HashInput<'_>,
    random: f64,
) -> Option<EndpointPick> {
    if !matches!(d.action, Action::Forward | Action::Passthrough) {
        return None;
    }
    let sel = d.selected.as_ref()?;
    let registry = router.registry();
    let service = registry.by_host(&sel.host).next();
    let settings = ClusterSettings::for_decision(d, &mesh.locality_lb_setting());
    let endpoints: Vec<&RegistryEndpoint> =
        service.map(|svc| registry.endpoints_for_port(svc, settings.port).collect()).unwrap_or_default();
    let client =
        source.map(|w| ClientLocality { locality: lb_locality(&w.locality), labels: (*w.labels).clone() });
    let cla = ClusterLoadAssignment::build(
        endpoints.iter().map(|e| endpoint_from_registry(e)).collect(),
        &settings,
        client.as_ref(),
    );
    let candidates = cla
        .members()
        .iter()
        .map(|m| {
            let e = endpoints[m.input];
            Candidate {
                address: m.endpoint.address.clone(),
                locality: e.locality.to_string(),
                priority: m.priority,
                locality_weight: m.locality_weight,
                health: e.health.as_str(),
                workload: e.workload.as_ref().map(|w| format!("{}/{}", w.namespace, w.name)),
                labels: (*e.labels).clone(),
                namespace: e.namespace.clone(),
                ip: e.address.clone(),
            }
        })
        .collect();
    // A consistent-hash policy picks by the request's hash (Envoy's ring or Maglev table);
    // the others by the draw.
    let hash = consistent_hash(d).map(|policy| {
        let h = request_hash(std::slice::from_ref(&policy), request).hash;
        (describe_hash_policy(&policy), h)
    });
    let picked = match &hash {
        Some((_, h)) => {
            let draw = (draw_after_route(d, random) * u64::MAX as f64) as u64;
            cla.pick_in(&mut cla.new_state(0), &mut || draw, PickContext { hash: *h, active_requests: None })
        }
        None => cla.pick_with_draw(draw_after_route(d, random)),
    };
    Some(EndpointPick {
        host: sel.host.to_string(),
        subset: sel.subset.map(str::to_string),
        port: settings.port,
        known: service.is_some(),
        undefined_subset: matches!(settings.subset, Subset::Undefined(_)),
        lb_policy: lb_policy_name(d.traffic_policy().as_ref()),
        hash,
        source_locality: source.map(|w| &w.locality).filter(|l| !l.is_empty()).map(ToString::to_string),
        mode: cla.mode(),
        candidates,
        load: cla.load_per_priority().collect(),
        picked,
    })
}

/// The hash policy of the decision's DestinationRule `consistentHash`, if any.
fn consistent_hash(d: &RouteDecision<'_>) -> Option<HashPolicy> {
    match d.traffic_policy()?.load_balancer.as_ref()?.lb_policy.as_ref()? {
        LbPolicy::ConsistentHash(ch) => HashPolicy::from_istio(ch),
        LbPolicy::Simple(_) => None,
    }
}

fn describe_hash_policy(p: &HashPolicy) -> String {
    match p {
        HashPolicy::Header(h) => format!("header {h}"),
        HashPolicy::Cookie { name, .. } => format!("cookie {name}"),
        HashPolicy::SourceIp => "source IP".to_string(),
        HashPolicy::QueryParameter(q) => format!("query parameter {q}"),
    }
}

impl EndpointPick {
    /// The JSON extension `endpoint` (documented in the README): the picked endpoint or null.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self.picked.and_then(|i| self.candidates.get(i)) {
            Some(c) => serde_json::json!({
                "address": c.address,
                "locality": c.locality,
                "priority": c.priority,
                "workload": c.workload,
                "sourceLocality": self.source_locality,
            }),
            None => serde_json::Value::Null,
        }
    }

    /// The trace lines.
    pub(crate) fn lines(&self, out: &mut Vec<String>) {
        let subset = self.subset.as_deref().map(|s| format!(" subset {s}")).unwrap_or_default();
        out.push(format!(
            "cluster {}{subset} port {}, load balancer {}",
            self.host, self.port, self.lb_policy
        ));
        if !self.known {
            out.push("  the host is not in the service registry: no endpoints to show".to_string());
            return;
        }
        match &self.hash {
            Some((on, Some(h))) => out.push(format!("  request hashed on {on}: {h:#018x}")),
            Some((on, None)) => {
                out.push(format!("  the request has no {on} to hash: a random draw stands in, as in Envoy"))
            }
            None => {}
        }
        match &self.source_locality {
            Some(l) => out.push(format!("  client locality {l}")),
            None => out.push("  client locality unknown".to_string()),
        }
        out.push(format!("  {}", describe(self.mode)));
        if self.undefined_subset {
            out.push(
                "  the subset is not defined: Envoy has no such cluster, no endpoint to pick".to_string(),
            );
            return;
        }
        if self.candidates.is_empty() {
            out.push("  no endpoint serves this cluster (no pod carries the subset's labels)".to_string());
            return;
        }
        for (i, c) in self.candidates.iter().enumerate() {
            let w = match c.locality_weight {
                Some(0) => ", locality dropped by distribute".to_string(),
                Some(w) => format!(", locality weight {w}"),
                None => String::new(),
            };
            out.push(format!(
                "  {} P{} {:<21} {:<30} {}{w}{}",
                if Some(i) == self.picked { "->" } else { "  " },
                c.priority,
                c.address,
                c.locality,
                c.health,
                c.workload.as_deref().map(|w| format!("  ({w})")).unwrap_or_default(),
            ));
        }
        let loads: Vec<String> = self.load.iter().enumerate().map(|(p, l)| format!("P{p} {l}%")).collect();
        out.push(format!("  priority load (Envoy): {}", loads.join(", ")));
        match self.picked.and_then(|i| self.candidates.get(i)) {
            Some(c) => out.push(format!(
                "  picked {} (priority {}, {}) by the draw, standing for the balancer's choice",
                c.address, c.priority, c.locality
            )),
            None => out.push("  no healthy endpoint to pick".to_string()),
        }
    }
}

// === NetworkPolicy ===

fn pod_ports(snapshot: &Snapshot, workload: Option<&str>) -> Vec<ContainerPort> {
    let Some((ns, name)) = workload.and_then(|w| w.split_once('/')) else { return Vec::new() };
    match snapshot.get(Kind::Pod, ns, name) {
        Some(Resource::Pod(p)) => p.spec.containers.iter().flat_map(|c| c.ports.iter().cloned()).collect(),
        _ => Vec::new(),
    }
}

/// The NetworkPolicy verdict for the connection from the source to the picked endpoint
/// (else to the destination workload), on the workload port; `None` when the config has no
/// NetworkPolicy.
#[allow(clippy::too_many_arguments)]
pub(crate) fn network_verdict<'n>(
    policies: &'n NetworkPolicies,
    snapshot: &Snapshot,
    req: &Request,
    source: Option<&Workload>,
    source_labels: &BTreeMap<String, String>,
    pick: Option<&Candidate>,
    dest_ns: &str,
    dest_labels: &BTreeMap<String, String>,
    port: u16,
) -> Option<NetworkVerdict<'n>> {
    if snapshot.of_kind(Kind::NetworkPolicy).is_empty() {
        return None;
    }
    let src_ip = req
        .source
        .ip
        .as_deref()
        .or_else(|| source.and_then(Workload::address))
        .and_then(|s| s.parse::<IpAddr>().ok());
    let src_ns = req.source.namespace.as_deref().or(source.map(|w| w.namespace.as_str()));
    let dst_ports = pod_ports(snapshot, pick.and_then(|c| c.workload.as_deref()));
    let (dns, dlabels, dip) = match pick {
        Some(c) => (c.namespace.as_str(), &c.labels, c.ip.parse::<IpAddr>().ok()),
        None => (dest_ns, dest_labels, None),
    };
    let conn = Connection {
        source: NetEndpoint { namespace: src_ns, labels: source_labels, ip: src_ip, ports: &[] },
        destination: NetEndpoint { namespace: Some(dns), labels: dlabels, ip: dip, ports: &dst_ports },
        port,
        protocol: "TCP",
    };
    Some(policies.check(&conn))
}

/// The trace lines of a NetworkPolicy verdict.
pub(crate) fn network_lines(v: &NetworkVerdict<'_>, port: u16, out: &mut Vec<String>) {
    let dir = |name: &str, d: &mesh_policy::network_policy::DirectionVerdict<'_>| {
        if !d.isolated {
            format!("{name}: not isolated (no NetworkPolicy selects the pod for {name}), allowed")
        } else if d.allowed {
            let by = d.policy.map(|p| format!(" by {p}")).unwrap_or_default();
            format!("{name}: isolated, allowed{by}")
        } else {
            format!("{name}: isolated, no rule of the policies selecting the pod allows it: denied")
        }
    };
    out.push(format!(
        "{} (TCP port {port})",
        if v.allowed { "allowed" } else { "DENIED: the connection never reaches the server" }
    ));
    out.push(format!("  source {}", dir("egress", &v.egress)));
    out.push(format!("  destination {}", dir("ingress", &v.ingress)));
}

// === route ===

fn resolve_in(host: &str, ns: &str, suffix: &str) -> String {
    resolve_short_name(&host.to_ascii_lowercase(), ns, suffix)
}

fn host_covers(pattern: &str, host: &str) -> bool {
    pattern == host || pattern == "*" || pattern.strip_prefix('*').is_some_and(|s| host.ends_with(s))
}

/// The trace lines of the route decision: VirtualServices claiming the host, the routes
/// tried in the one that decided, the destinations and the draw, the DestinationRule.
pub(crate) fn route_lines(
    snapshot: &Snapshot,
    router: &Router,
    d: &RouteDecision<'_>,
    rreq: &RouteRequest<'_>,
    out: &mut Vec<String>,
) {
    let suffix = snapshot.domain_suffix();
    let host: &str = &d.host;
    let ctx_gateway = d.context;
    out.push(format!(
        "{} at {} ({}), host {host}, port {}",
        d.action.as_str(),
        if ctx_gateway == "mesh" {
            "the client's sidecar".to_string()
        } else {
            format!("gateway {ctx_gateway}")
        },
        ctx_gateway,
        d.port
    ));
    let mut any_vs = false;
    for r in snapshot.of_kind(Kind::VirtualService) {
        let Resource::VirtualService(v) = r else { continue };
        let ns = r.namespace();
        let id = format!("{ns}/{}", r.name());
        let claims = v.spec.hosts.iter().any(|h| host_covers(&resolve_in(h, ns, suffix), host));
        if !claims && d.virtual_service != Some(id.as_str()) {
            continue;
        }
        any_vs = true;
        let gateways: Vec<String> = if v.spec.gateways.is_empty() {
            vec!["mesh".to_string()]
        } else {
            v.spec
                .gateways
                .iter()
                .map(|g| if g == "mesh" || g.contains('/') { g.clone() } else { format!("{ns}/{g}") })
                .collect()
        };
        let why = if d.virtual_service == Some(id.as_str()) {
            "applies: it decided".to_string()
        } else if !gateways.iter().any(|g| g == ctx_gateway) {
            format!("not used: bound to {} and this is {ctx_gateway}", gateways.join(", "))
        } else if let Some(reason) = d.trace.iter().find_map(|s| match s {
            mesh_routing::decision::TraceStep::SkippedVirtualService { name, reason } if *name == id => {
                Some(*reason)
            }
            _ => None,
        }) {
            format!("skipped: {reason}")
        } else {
            "not used: not visible to this client, or another VirtualService for the host came first"
                .to_string()
        };
        out.push(format!("VirtualService {id} (hosts {}): {why}", v.spec.hosts.join(", ")));
        if d.virtual_service == Some(id.as_str()) {
            route_entries(router, d, rreq, &id, &v.spec.http, out);
        }
    }
    if !any_vs {
        out.push("no VirtualService claims the host: the default route of its service".to_string());
    }
    if d.destinations.len() > 1 {
        let total: i64 = d.destinations.iter().map(|x| i64::from(x.weight.max(0))).sum();
        let mut cum = 0i64;
        out.push(format!(
            "weighted destinations (draw {} x {total} = {:.1}):",
            rreq.random,
            rreq.random * total as f64
        ));
        for (i, x) in d.destinations.iter().enumerate() {
            cum += i64::from(x.weight.max(0));
            let mark = if d.selected.as_ref().and_then(|s| s.index) == Some(i) { "->" } else { "  " };
            out.push(format!(
                "  {mark} {}{} weight {} (cumulative {cum})",
                x.host,
                x.subset.map(|s| format!(" subset {s}")).unwrap_or_default(),
                x.weight
            ));
        }
    }
    if let Some(s) = &d.selected {
        out.push(format!(
            "selected {}{}{}",
            s.host,
            s.subset.map(|x| format!(" subset {x}")).unwrap_or_default(),
            s.port.map(|p| format!(" port {p}")).unwrap_or_default()
        ));
    }
    destination_rule_lines(snapshot, d, out);
    if let Some(t) = d.timeout {
        out.push(format!("timeout {t}"));
    }
    if let Some(r) = &d.retries {
        out.push(format!("retries {} attempts on {}", r.attempts, r.retry_on));
    }
    if let Some((delay, abort)) = d.fault() {
        out.push(format!("fault injected for this draw: delay {delay:?}, abort {abort:?}"));
    }
    if matches!(d.destinations, Destinations::None) && d.action == Action::NotFound {
        out.push("no route matched: Envoy answers 404".to_string());
    }
    if d.action == Action::Blackhole {
        out.push(
            "the host is not in the registry and outbound traffic is REGISTRY_ONLY: Envoy answers 502"
                .to_string(),
        );
    }
}

fn route_entries(
    router: &Router,
    d: &RouteDecision<'_>,
    rreq: &RouteRequest<'_>,
    id: &str,
    http: &[mesh_model::networking::HttpRoute],
    out: &mut Vec<String>,
) {
    let Some(table) = router.table(id) else { return };
    let (ns, labels) = if d.context == "mesh" {
        (rreq.source.namespace.unwrap_or("default"), rreq.source.labels)
    } else {
        (d.context.split_once('/').map_or(d.context, |(n, _)| n), None)
    };
    let scope = Scope { gateway: d.context, port: d.port, namespace: ns, labels };
    let path = rreq.path_only();
    let fired = d.route.map(|r| (r.index, r.match_index));
    for e in table.entries() {
        let name = http.get(e.route_index()).and_then(|r| r.name.as_deref());
        let label = format!(
            "route #{}{}{}",
            e.route_index(),
            name.map(|n| format!(" {n:?}")).unwrap_or_default(),
            e.match_index().map(|m| format!(" match #{m}")).unwrap_or_else(|| " (no match list)".to_string())
        );
        if fired == Some((e.route_index(), e.match_index())) && d.route.and_then(|r| r.delegate).is_none() {
            let mut why = Vec::new();
            for h in e.conditions().headers.iter() {
                why.push(format!("header {} matched", h.name()));
            }
            if !e.path().is_catch_all() {
                why.push("path matched".to_string());
            }
            let why = if why.is_empty() { "matches every request".to_string() } else { why.join(", ") };
            out.push(format!("  -> {label}: FIRED ({why})"));
            return;
        }
        let reason = if !e.conditions().source.applies(&scope) {
            "not for this proxy (port, sourceLabels, sourceNamespace or gateways)".to_string()
        } else if !e.path().matches(path) {
            format!("path {path:?} does not match")
        } else if let Some(h) = e.conditions().headers.iter().find(|h| !h.matches(rreq)) {
            format!("header {} does not match", h.name())
        } else if !e.conditions().matches_request(rreq) {
            "a query parameter or JWT claim condition does not match".to_string()
        } else {
            "matches, but an earlier route fired".to_string()
        };
        out.push(format!("     {label}: {reason}"));
    }
}

fn destination_rule_lines(snapshot: &Snapshot, d: &RouteDecision<'_>, out: &mut Vec<String>) {
    let Some(sel) = &d.selected else { return };
    let suffix = snapshot.domain_suffix();
    let applied: Vec<&str> =
        d.destination_rule.map(|r| r.from.iter().map(String::as_str).collect()).unwrap_or_default();
    for r in snapshot.of_kind(Kind::DestinationRule) {
        let Resource::DestinationRule(dr) = r else { continue };
        let ns = r.namespace();
        let id = format!("{ns}/{}", r.name());
        if !host_covers(&resolve_in(&dr.spec.host, ns, suffix), &sel.host) {
            continue;
        }
        let why = if applied.contains(&id.as_str()) {
            "applies".to_string()
        } else {
            "not used: not visible to this client, or a more specific or earlier rule applies".to_string()
        };
        out.push(format!("DestinationRule {id} (host {}): {why}", dr.spec.host));
    }
    if let (Some(s), Some(dr)) = (sel.subset, d.destination_rule) {
        match dr.subset(s) {
            Some(sub) => out.push(format!("  subset {s}: endpoints labelled {:?}", sub.labels)),
            None => out.push(format!("  subset {s} is not defined: Envoy has no such cluster (503)")),
        }
    }
    if let Some(tp) = d.traffic_policy() {
        let mut parts = Vec::new();
        if let Some(tls) = &tp.tls {
            parts.push(format!("tls {}", serde_json::to_value(tls.mode).unwrap_or_default()));
        }
        if let Some(lb) = &tp.load_balancer {
            parts.push(format!("loadBalancer {}", serde_json::to_value(lb).unwrap_or_default()));
        }
        if let Some(od) = &tp.outlier_detection {
            parts.push(format!("outlierDetection {}", serde_json::to_value(od).unwrap_or_default()));
        }
        if !parts.is_empty() {
            out.push(format!("  traffic policy: {}", parts.join("; ")));
        }
    }
}
