//! `meshctl route --config ... --request R [-o json]`: the route decision for one request, as
//! a sidecar (or the Istio Gateway named by `gateway`) makes it.

use mesh_routing::decision::{Destinations, RouteKind};
use mesh_routing::request::{Claims, Source};
use mesh_routing::resilience::Abort;
use mesh_routing::{RouteDecision, RouteRequest, Router};
use serde_json::{Value, json};

use crate::Answer;
use crate::config::{CliError, ConfigSet, DecisionArgs, MeshFlags, load_config};
use crate::output::{Format, print_json};
use crate::request::{self, Request};

const EXAMPLE: &str = r#"Example:
  $ cat mesh.yaml
  apiVersion: v1
  kind: Service
  metadata: {name: reviews, namespace: default}
  spec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}
  ---
  apiVersion: networking.istio.io/v1
  kind: VirtualService
  metadata: {name: reviews, namespace: default}
  spec:
    hosts: [reviews]
    http:
    - match: [{headers: {end-user: {exact: jason}}}]
      route: [{destination: {host: reviews, subset: v2}}]
    - route:
      - {destination: {host: reviews, subset: v1}, weight: 90}
      - {destination: {host: reviews, subset: v3}, weight: 10}
  ---
  apiVersion: networking.istio.io/v1
  kind: DestinationRule
  metadata: {name: reviews, namespace: default}
  spec:
    host: reviews
    subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}, {name: v3, labels: {version: v3}}]
  $ cat req.json
  {"source": {"namespace": "default"}, "destination": {"host": "reviews", "port": 9080},
   "method": "GET", "path": "/reviews/0", "headers": {"end-user": "jason"}, "random": 0.5}
  $ meshctl route --config mesh.yaml --request req.json -o json
  {"context": "mesh", "host": "reviews.default.svc.cluster.local",
   "virtualService": "default/reviews", "route": {"index": 0, "name": null, "matchIndex": 0},
   "action": "forward", "selected": {"host": "reviews.default.svc.cluster.local", "subset": "v2", ...}, ...}

Exit status: 0 for forward, redirect, directResponse and passthrough; 1 for notFound and
blackhole; 2 when the command cannot run."#;

/// Arguments of `meshctl route`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLE)]
pub(crate) struct Args {
    #[command(flatten)]
    decision: DecisionArgs,
}

/// The request's JWT claims, for `@request.auth.claims` matches.
pub(crate) struct JsonClaims<'a>(pub(crate) &'a serde_json::Map<String, Value>);

impl Claims for JsonClaims<'_> {
    fn for_each_string(&self, path: &[&str], f: &mut dyn FnMut(&str)) -> bool {
        let Some((first, rest)) = path.split_first() else { return false };
        let mut v = match self.0.get(*first) {
            Some(v) => v,
            None => return false,
        };
        for p in rest {
            match v.get(*p) {
                Some(x) => v = x,
                None => return false,
            }
        }
        match v {
            Value::String(s) => f(s),
            Value::Array(a) => a.iter().filter_map(Value::as_str).for_each(&mut *f),
            Value::Bool(b) => f(if *b { "true" } else { "false" }),
            Value::Number(n) => f(&n.to_string()),
            _ => return false,
        }
        true
    }
}

/// The router for a decision command, with `req` made what Envoy routes on: its gateway
/// checked (`namespace/name`, or `mesh`) and its path normalised as the mesh configures Envoy
/// (a path Envoy cannot normalise is left as it is: authorization then refuses it).
pub(crate) fn prepare(cfg: &ConfigSet, mesh: &MeshFlags, req: &mut Request) -> Result<Router, CliError> {
    if let Some(gw) = &req.gateway
        && gw != "mesh"
        && !gw.contains('/')
    {
        return Err(CliError(format!("malformed request: gateway must be \"namespace/name\", got {gw:?}")));
    }
    let router = Router::compile(&cfg.snapshot).with_default_namespace(mesh.default_namespace.clone());
    for (vs, e) in router.errors() {
        eprintln!("meshctl: warning: VirtualService {vs}: {e}; the condition never matches");
    }
    if let Ok(std::borrow::Cow::Owned(p)) = router.normalize_path(&req.path) {
        req.path = p;
    }
    Ok(router)
}

/// Runs `meshctl route`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let mut req = request::read(&args.decision.request)?;
    let cfg = load_config(&args.decision.config, &args.decision.mesh, false)?;
    let router = prepare(&cfg, &args.decision.mesh, &mut req)?;
    let claims = req.auth.as_ref().map(|a| JsonClaims(&a.claims));
    let rreq = to_route_request(&req, claims.as_ref().map(|c| c as &dyn Claims));
    let d = router.route(&rreq);
    let out = to_json(&d, &rreq);
    match args.decision.output {
        Format::Json => print_json(&out),
        Format::Text => print_text(&d, &out),
    }
    Ok(if d.action.is_positive() { Answer::Positive } else { Answer::Negative })
}

/// The routing library's view of the contract's request.
pub(crate) fn to_route_request<'a>(req: &'a Request, claims: Option<&'a dyn Claims>) -> RouteRequest<'a> {
    RouteRequest {
        protocol: req.protocol,
        gateway: req.gateway.as_deref(),
        source: Source {
            namespace: req.source.namespace.as_deref(),
            labels: Some(&req.source.labels),
            ip: req.source.ip.as_deref(),
        },
        host: &req.destination.host,
        port: req.destination.port,
        destination_ip: req.destination.ip.as_deref(),
        method: &req.method,
        scheme: &req.scheme,
        authority: req.authority.as_deref(),
        path: &req.path,
        headers: &req.headers,
        sni: req.sni.as_deref(),
        claims,
        random: req.random,
    }
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// The contract's JSON for a route decision.
pub(crate) fn to_json(d: &RouteDecision<'_>, req: &RouteRequest<'_>) -> Value {
    let route = d.route.map(|r| {
        let mut v = json!({"index": r.index, "name": r.name, "matchIndex": r.match_index});
        if r.kind != RouteKind::Http {
            v["kind"] = json!(if r.kind == RouteKind::Tls { "tls" } else { "tcp" });
        }
        if let Some((name, i)) = r.delegate {
            v["delegate"] = json!({"virtualService": name, "index": i});
        }
        v
    });
    let destinations: Vec<Value> = match d.destinations {
        Destinations::None => Vec::new(),
        ref ds => ds
            .iter()
            .map(|x| json!({"host": x.host, "subset": x.subset, "port": x.port, "weight": x.weight}))
            .collect(),
    };
    let selected = d.selected.as_ref().map(|s| json!({"host": s.host, "subset": s.subset, "port": s.port}));
    let redirect =
        d.redirect_response(req).map(|(status, location)| json!({"status": status, "location": location}));
    let direct = d
        .direct_response()
        .map(|r| json!({"status": r.status, "body": mesh_routing::action::direct_response_body(r)}));
    let rewrite = d.rewrite(req).map(|(path, authority)| json!({"path": path, "authority": authority}));
    let retries = d.retries.as_ref().map(|r| {
        json!({"attempts": r.attempts, "perTryTimeout": r.per_try_timeout.map(|t| t.to_string()), "retryOn": r.retry_on})
    });
    let fault = d.fault().map(|(delay, abort)| {
        let abort = abort.map(|a| match a {
            Abort::Http(s) | Abort::Grpc(s) => s,
        });
        json!({"delay": delay.map(|x| x.to_string()), "abort": abort})
    });
    let mirrors: Vec<Value> = d
        .mirrors()
        .into_iter()
        .map(|(m, applied)| {
            json!({
                "host": m.destination.host,
                "subset": m.destination.subset,
                "port": m.destination.port.and_then(|p| p.number),
                "percentage": m.percentage,
                "applied": applied,
            })
        })
        .collect();
    json!({
        "context": d.context,
        "host": d.host,
        "virtualService": d.virtual_service,
        "route": route,
        "action": d.action.as_str(),
        "destinations": destinations,
        "selected": selected,
        "destinationRule": d.destination_rule_name(),
        "trafficPolicy": d.traffic_policy().map(|p| to_value(&p)),
        "redirect": redirect,
        "directResponse": direct,
        "rewrite": rewrite,
        "timeout": d.timeout.map(|t| t.to_string()),
        "retries": retries,
        "fault": fault,
        "mirrors": mirrors,
        "headers": d.headers().map(|h| to_value(&h)),
        "cors": d.cors().map(to_value),
    })
}

fn print_text(d: &RouteDecision<'_>, out: &Value) {
    println!("{} {} ({})", d.action.as_str(), d.host, d.context);
    if let Some(vs) = d.virtual_service {
        println!("  virtual service: {vs}");
    }
    if let Some(r) = &d.route {
        let m = r.match_index.map_or_else(|| "no match list".to_string(), |m| format!("match {m}"));
        println!("  route: {} #{} ({m})", r.name.unwrap_or("(unnamed)"), r.index);
    }
    if let Some(s) = &d.selected {
        println!(
            "  selected: {}{}{}",
            s.host,
            s.subset.map(|x| format!(" subset {x}")).unwrap_or_default(),
            s.port.map(|p| format!(" port {p}")).unwrap_or_default()
        );
    }
    for key in ["destinationRule", "redirect", "directResponse", "rewrite", "timeout", "retries", "fault"] {
        if !out[key].is_null() {
            println!("  {key}: {}", out[key]);
        }
    }
    for step in &d.trace {
        println!("  trace: {step:?}");
    }
}
