//! `meshctl explain`: route, authorization and mTLS for one request, as
//! `{"route": ..., "authz": ..., "mtls": ...}` (each exactly as `meshctl route`, `authz` and
//! `mtls` print it), and in text a readable trace of why: the resources considered and why
//! each applied or not, the route that fired, the policy and rule that decided, the endpoint
//! picked with its locality priority, and the NetworkPolicy verdict when the config has
//! NetworkPolicies. Without `--config` it explains against the built-in Bookinfo mesh.

use std::collections::BTreeMap;
use std::path::PathBuf;

use mesh_model::security::MutualTlsMode;
use mesh_policy::authz::Authorizer;
use mesh_policy::network_policy::NetworkPolicies;
use mesh_policy::peer_authn::PeerAuthn;
use mesh_routing::lb::hash_policy::HashInput;
use mesh_routing::request::Claims;
use serde_json::json;

use crate::Answer;
use crate::cmd::route::JsonClaims;
use crate::cmd::{authz, mtls, route};
use crate::config::{CliError, MeshFlags, load_config};
use crate::output::{Format, print_json};
use crate::request::{self, Protocol, Request};
use crate::trace;
use crate::workload::resolve;

const EXAMPLE: &str = r#"Examples (against the built-in Bookinfo mesh):
  $ meshctl explain GET http://reviews:9080/reviews/0 --from default/bookinfo-productpage -H end-user:jason
  $ meshctl explain GET http://reviews:9080/reviews/0 --from default/bookinfo-productpage --random 0.7 -o json
  $ meshctl explain GET http://ratings:9080/ratings/0 --from default/bookinfo-details
  $ meshctl explain --config mesh/ --request req.json -o json

The request is the contract's JSON (--request) or given as flags: METHOD URL, --from NS/SA,
-H NAME:VALUE (repeatable), --random, --plaintext, --gateway, --protocol. With --from, the
client's labels, IP and locality come from its pod in the registry.

JSON: {"route": <meshctl route>, "authz": <meshctl authz>, "mtls": <meshctl mtls>, "endpoint": ...}
("endpoint", the picked endpoint or null, is an extension of the contract).
Exit status, as the contract defines it: 0 when the request would be served (route exit 0 and
authz ALLOW), 1 otherwise, 2 when the command cannot run. A connection that STRICT mTLS would
refuse, or a NetworkPolicy drop, is reported in the trace (and by `mtls` in JSON) without
changing the exit status."#;

/// Arguments of `meshctl explain`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXAMPLE)]
pub(crate) struct Args {
    /// The request method (flag form), e.g. GET.
    #[arg(value_name = "METHOD", requires = "url")]
    method: Option<String>,
    /// The request URL (flag form), e.g. http://reviews:9080/reviews/0.
    #[arg(value_name = "URL")]
    url: Option<String>,
    /// The request, as the contract's JSON (`-` for stdin), instead of METHOD URL.
    #[arg(long, value_name = "FILE", conflicts_with = "method")]
    request: Option<PathBuf>,
    /// The client: namespace/serviceaccount.
    #[arg(long, value_name = "NS/SA")]
    from: Option<String>,
    /// A label of the client (repeatable); default: the labels of its pod.
    #[arg(long = "from-label", value_name = "KEY=VALUE")]
    from_labels: Vec<String>,
    /// The client's IP; default: the IP of its pod.
    #[arg(long = "from-ip", value_name = "IP")]
    from_ip: Option<String>,
    /// A request header (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME:VALUE")]
    headers: Vec<String>,
    /// The random draw in [0, 1) standing for every random choice.
    #[arg(long, value_name = "R")]
    random: Option<f64>,
    /// The client speaks plaintext (no mTLS, no peer identity).
    #[arg(long, conflicts_with = "mtls")]
    plaintext: bool,
    /// The client speaks mTLS (the default).
    #[arg(long)]
    mtls: bool,
    /// Evaluate at this Istio Gateway (namespace/name) instead of the client's sidecar.
    #[arg(long, value_name = "NS/NAME")]
    gateway: Option<String>,
    /// http (default), grpc, tcp or tls.
    #[arg(long, value_name = "PROTOCOL")]
    protocol: Option<String>,
    /// Mesh config: files, folders (read recursively) or `-` for stdin; repeatable. None: the
    /// built-in Bookinfo mesh.
    #[arg(long = "config", value_name = "PATH")]
    config: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    mesh: MeshFlags,
}

impl Args {
    fn has_request_flags(&self) -> bool {
        self.from.is_some()
            || !self.from_labels.is_empty()
            || self.from_ip.is_some()
            || !self.headers.is_empty()
            || self.random.is_some()
            || self.plaintext
            || self.mtls
            || self.gateway.is_some()
            || self.protocol.is_some()
    }
}

/// Splits `scheme://host[:port]/path?query` into its parts.
fn parse_url(url: &str) -> Result<(String, String, Option<u16>, String), CliError> {
    let bad =
        |why: &str| CliError(format!("URL {url:?}: {why} (expected e.g. http://reviews:9080/reviews/0)"));
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    let path = if path.is_empty() {
        "/".to_string()
    } else if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, tail) = v6.split_once(']').ok_or_else(|| bad("unclosed IPv6 bracket"))?;
        (h.to_string(), tail.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| bad(&format!("port {p:?} is not a number from 0 to 65535"))))
        .transpose()?;
    Ok((scheme.to_ascii_lowercase(), host, port, path))
}

fn key_value(flag: &str, s: &str, sep: char) -> Result<(String, String), CliError> {
    let (k, v) =
        s.split_once(sep).ok_or_else(|| CliError(format!("{flag} {s:?}: expected NAME{sep}VALUE")))?;
    let k = k.trim();
    if k.is_empty() {
        return Err(CliError(format!("{flag} {s:?}: the name is empty")));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

/// Builds the contract's request from the flag form.
fn request_from_flags(args: &Args, method: &str, url: &str) -> Result<Request, CliError> {
    let (scheme, host, port, path) = parse_url(url)?;
    let mut req = Request { method: method.to_ascii_uppercase(), scheme, path, ..Request::default() };
    req.destination.host = host;
    req.destination.port = port;
    if let Some(from) = &args.from {
        let (ns, sa) = from
            .split_once('/')
            .filter(|(n, s)| !n.is_empty() && !s.is_empty())
            .ok_or_else(|| CliError(format!("--from {from:?}: expected NAMESPACE/SERVICEACCOUNT")))?;
        req.source.namespace = Some(ns.to_string());
        req.source.service_account = Some(sa.to_string());
    }
    for l in &args.from_labels {
        let (k, v) = key_value("--from-label", l, '=')?;
        req.source.labels.insert(k, v);
    }
    req.source.ip = args.from_ip.clone();
    req.source.mtls = !args.plaintext;
    for h in &args.headers {
        let (k, v) = key_value("-H", h, ':')?;
        req.headers.entry(k.to_ascii_lowercase()).or_default().push(v);
    }
    if let Some(r) = args.random {
        if !(0.0..1.0).contains(&r) {
            return Err(CliError(format!("--random {r}: the draw must be in [0, 1)")));
        }
        req.random = r;
    }
    req.gateway = args.gateway.clone();
    req.protocol = match args.protocol.as_deref().map(str::to_ascii_lowercase) {
        None => Protocol::Http,
        Some(p) => {
            p.parse().map_err(|_| CliError(format!("--protocol {p:?}: expected http, grpc, tcp or tls")))?
        }
    };
    Ok(req)
}

fn read_request(args: &Args) -> Result<(Request, bool), CliError> {
    match (&args.request, &args.method, &args.url) {
        (Some(path), None, None) => {
            if args.has_request_flags() {
                return Err(CliError(
                    "--request takes the whole request: drop --from, -H, --random and the other request flags"
                        .to_string(),
                ));
            }
            Ok((request::read(path)?, false))
        }
        (None, Some(m), Some(u)) => Ok((request_from_flags(args, m, u)?, true)),
        _ => Err(CliError(
            "give the request as --request FILE.json, or as METHOD URL (e.g. GET http://reviews:9080/reviews/0)"
                .to_string(),
        )),
    }
}

/// Runs `meshctl explain`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let (mut req, from_flags) = read_request(args)?;
    let cfg = load_config(&args.config, &args.mesh, true)?;
    let router = route::prepare(&cfg, &args.mesh, &mut req)?;

    // The client: with the flag form, its labels and IP come from its pod unless given.
    let source = trace::source_workload(router.registry(), &req).cloned();
    if from_flags && let Some(w) = &source {
        if req.source.labels.is_empty() {
            req.source.labels = (*w.labels).clone();
        }
        if req.source.ip.is_none() {
            req.source.ip = w.address().map(str::to_string);
        }
    }

    // Route.
    let claims = req.auth.as_ref().map(|a| JsonClaims(&a.claims));
    let rreq = route::to_route_request(&req, claims.as_ref().map(|c| c as &dyn Claims));
    let decision = router.route(&rreq);
    let route_json = route::to_json(&decision, &rreq);
    let header_pairs: Vec<(&str, &str)> =
        req.headers.iter().flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.as_str()))).collect();
    let hash_input = HashInput {
        headers: &header_pairs,
        path: Some(&req.path),
        source_ip: req.source.ip.as_deref(),
        ..Default::default()
    };
    let pick = trace::pick_endpoint(&router, &cfg.mesh, &decision, source.as_ref(), &hash_input, req.random);

    // Authorization, at the destination workload (or the gateway).
    let authorizer = Authorizer::compile(&cfg.snapshot);
    let at = authz::enforcement_point(&cfg.snapshot, router.registry(), &req, &args.mesh.default_namespace)?;
    let (verdict, audits) = authz::evaluate(&authorizer, cfg.mesh.trust_domain(), &req, &at)?;

    // mTLS, at the destination workload and port.
    let dest = resolve(router.registry(), &req, &args.mesh.default_namespace);
    let peer = PeerAuthn::compile(&cfg.snapshot);
    let mode = peer.mode(&dest.namespace, &dest.labels, u32::from(dest.port));
    // Inside the mesh, a plaintext client reaching a STRICT port is refused by the server's
    // sidecar before any filter runs. (At a gateway the client is outside the mesh.)
    let mtls_refused = req.gateway.is_none() && !req.source.mtls && mode.mode == MutualTlsMode::Strict;

    // NetworkPolicy, from the client pod to the picked endpoint's pod, on the workload port.
    let network = NetworkPolicies::compile(&cfg.snapshot);
    let picked = pick.as_ref().and_then(|p| p.picked.and_then(|i| p.candidates.get(i)));
    let source_labels: BTreeMap<String, String> = if req.source.labels.is_empty() {
        source.as_ref().map(|w| (*w.labels).clone()).unwrap_or_default()
    } else {
        req.source.labels.clone()
    };
    // A known cluster with nothing to pick (an undefined subset, no ready endpoint): Envoy
    // answers 503 itself and no connection is made, so there is no NetworkPolicy to check.
    let empty_cluster = pick.as_ref().filter(|p| p.known && p.picked.is_none());
    let net = if empty_cluster.is_some() {
        None
    } else {
        trace::network_verdict(
            &network,
            &cfg.snapshot,
            &req,
            source.as_ref(),
            &source_labels,
            picked,
            &dest.namespace,
            &dest.labels,
            dest.port,
        )
    };

    let routed = decision.action.is_positive();
    // The contract's rule: served when the route answers positively and authz allows.
    let served = routed && verdict.allowed;
    // Whether the connection itself would get through (mTLS mode, NetworkPolicy); shown in the
    // trace, outside the contract's exit status.
    let mut refused = Vec::new();
    if let Some(p) = empty_cluster {
        refused.push(if p.undefined_subset {
            "the subset is not defined, so Envoy has no such cluster and answers 503"
        } else {
            "the cluster has no endpoint to pick, so Envoy answers 503 (no healthy upstream)"
        });
    }
    if mtls_refused {
        refused.push("plaintext to a STRICT mTLS port");
    }
    if net.as_ref().is_some_and(|v| !v.allowed) {
        refused.push("dropped by NetworkPolicy");
    }
    match args.output {
        Format::Json => {
            let mut out = json!({
                "route": route_json,
                "authz": authz::to_json(&verdict, &audits),
                "mtls": mtls::to_json(&mode),
            });
            out["endpoint"] = pick.as_ref().map_or(serde_json::Value::Null, trace::EndpointPick::to_json);
            print_json(&out);
        }
        Format::Text => {
            let mut lines = Vec::new();
            let src = match (&req.source.namespace, &req.source.service_account) {
                (Some(ns), Some(sa)) => format!("{ns}/{sa}"),
                (Some(ns), None) => format!("namespace {ns}"),
                _ => "an unknown client".to_string(),
            };
            lines.push(format!(
                "{} {}://{}{}{} from {src} ({}, draw {})",
                req.method,
                req.scheme,
                req.destination.host,
                req.destination.port.map(|p| format!(":{p}")).unwrap_or_default(),
                req.path,
                if req.source.mtls { "mTLS" } else { "plaintext" },
                req.random
            ));
            if let Some(w) = &source {
                lines.push(format!(
                    "  client pod {}/{} in {}",
                    w.namespace,
                    w.name,
                    if w.locality.is_empty() { "no locality".to_string() } else { w.locality.to_string() }
                ));
            }
            section(&mut lines, "ROUTE", |out| {
                trace::route_lines(&cfg.snapshot, &router, &decision, &rreq, out)
            });
            if let Some(p) = &pick {
                section(&mut lines, "ENDPOINT", |out| p.lines(out));
            }
            section(&mut lines, "MTLS", |out| {
                let by = mode
                    .policy
                    .map_or_else(|| "Istio's default".to_string(), |p| format!("PeerAuthentication {p}"));
                out.push(format!(
                    "server workload in {} on port {}: {} (set by {by})",
                    dest.namespace,
                    dest.port,
                    mtls::mode_name(mode.mode)
                ));
                out.push(if mtls_refused {
                    "the client speaks plaintext and the server accepts only mTLS: the connection is REFUSED"
                        .to_string()
                } else if req.source.mtls {
                    let p = req.source.principal(cfg.mesh.trust_domain());
                    format!(
                        "the client presents its SVID: peer identity {}",
                        p.map_or_else(|| "unknown".to_string(), |p| format!("spiffe://{p}"))
                    )
                } else {
                    "the client speaks plaintext: accepted, but the server sees no peer identity".to_string()
                });
            });
            if let Some(v) = &net {
                section(&mut lines, "NETWORKPOLICY", |out| trace::network_lines(v, dest.port, out));
            }
            section(&mut lines, "AUTHZ", |out| {
                let ctx = AuthzContext { snapshot: &cfg.snapshot, trust_domain: cfg.mesh.trust_domain() };
                authz_lines(&ctx, &authorizer, &verdict, &audits, &at, &req, out);
            });
            let why = if !routed {
                format!("not routed ({})", decision.action.as_str())
            } else if !verdict.allowed {
                "denied by authorization (403 RBAC: access denied)".to_string()
            } else {
                "routed and allowed".to_string()
            };
            lines.push(String::new());
            lines.push(format!("VERDICT  {}: {why}", if served { "SERVED" } else { "NOT SERVED" }));
            for r in refused {
                lines.push(format!("WARNING  the connection would not get through: {r}"));
            }
            println!("{}", lines.join("\n"));
        }
    }
    Ok(if served { Answer::Positive } else { Answer::Negative })
}

fn section(lines: &mut Vec<String>, title: &str, f: impl FnOnce(&mut Vec<String>)) {
    lines.push(String::new());
    lines.push(title.to_string());
    let mut body = Vec::new();
    f(&mut body);
    lines.extend(body.into_iter().map(|l| format!("  {l}")));
}

/// What the authorization trace reads besides the decision.
struct AuthzContext<'a> {
    snapshot: &'a mesh_model::Snapshot,
    trust_domain: &'a str,
}

/// The rules of a policy, compact, for the trace.
fn policy_rules(snapshot: &mesh_model::Snapshot, p: &mesh_policy::authz::PolicyRef<'_>) -> Option<String> {
    let Some(mesh_model::Resource::AuthorizationPolicy(ap)) =
        snapshot.get(mesh_model::Kind::AuthorizationPolicy, p.namespace, p.name)
    else {
        return None;
    };
    if ap.spec.rules.is_empty() {
        return Some("it has no rules, so it matches nothing".to_string());
    }
    let mut s = serde_json::to_string(&ap.spec.rules).ok()?;
    if s.len() > 200 {
        let mut cut = 197;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    Some(format!("rules {s}"))
}

fn authz_lines(
    ctx: &AuthzContext<'_>,
    authorizer: &Authorizer,
    d: &mesh_policy::authz::Decision<'_>,
    audits: &[mesh_policy::authz::PolicyRef<'_>],
    at: &crate::workload::DestinationWorkload,
    req: &Request,
    out: &mut Vec<String>,
) {
    use mesh_policy::authz::Action;
    let principal = req.source.principal(ctx.trust_domain);
    out.push(format!(
        "at workload {}{:?} port {}, peer principal {}",
        at.namespace,
        at.labels,
        at.port,
        principal.as_deref().unwrap_or("none")
    ));
    let workload = mesh_policy::authz::Workload::new(&at.namespace, &at.labels);
    let policies = authorizer.policies_for(&workload);
    if policies.is_empty() {
        out.push("no AuthorizationPolicy applies to the workload".to_string());
    }
    let decider = d.decider;
    for (action, p) in &policies {
        let rules = policy_rules(ctx.snapshot, p);
        let empty = rules.as_deref().is_some_and(|r| !r.starts_with("rules "));
        let why = match decider {
            Some(m) if m.policy == *p => format!("rule {} MATCHED: decided {}", m.rule, m.action),
            _ if *action == Action::Audit => {
                if audits.contains(p) { "matched (AUDIT: logged only)" } else { "no rule matched" }
                    .to_string()
            }
            Some(m) if m.action == Action::Deny && *action == Action::Allow => {
                "not evaluated: a DENY matched first".to_string()
            }
            Some(m) if m.action == Action::Custom && *action != Action::Custom => {
                "not evaluated: CUSTOM decided first".to_string()
            }
            _ if empty => format!("no rule matched ({})", rules.unwrap_or_default()),
            Some(m) if m.action == Action::Allow && *action == Action::Allow => {
                "not the deciding rule (another ALLOW rule matched first)".to_string()
            }
            _ => match rules {
                Some(rules) => format!("no rule matched ({rules})"),
                None => "no rule matched".to_string(),
            },
        };
        out.push(format!("{:<6} {p}: {why}", action.as_str()));
    }
    if let Some(c) = d.custom {
        out.push(format!("CUSTOM provider {} (policy {}) was asked", c.provider, c.policy));
    }
    out.push(format!("{}: {}", if d.allowed { "ALLOW" } else { "DENY" }, d.reason));
}
