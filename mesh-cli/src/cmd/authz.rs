//! `meshctl authz --config ... --request R [-o json]`: the AuthorizationPolicy decision for one
//! request, at its destination workload (or at the Istio Gateway named by `gateway`).
//! `--ztunnel` decides as ztunnel does in ambient mode (L4 only, ALLOW and DENY only), with the
//! same JSON shape.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::{Kind, Resource, Snapshot};
use mesh_policy::authz::ztunnel::{self, ZtunnelAuthorizer};
use mesh_policy::authz::{self, Authorizer, Decision, Layer, PolicyRef, RequestAuth, Verdict, Workload};
use serde_json::{Value, json};

use crate::Answer;
use crate::config::{CliError, DecisionArgs, load_config};
use crate::output::{Format, print_json};
use crate::request::{self, Request};
use crate::workload::{DestinationWorkload, resolve};
use mesh_model::registry::Registry;

/// Arguments of `meshctl authz`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    decision: DecisionArgs,
    /// Decide as ztunnel (ambient mode) does: policies converted as istiod sends them to
    /// ztunnel, evaluated on the L4 connection (no HTTP attributes, no AUDIT or CUSTOM).
    #[arg(long)]
    ztunnel: bool,
}

/// The server-side workload the policies are evaluated at: a Gateway's pods, or the
/// destination workload.
pub(crate) fn enforcement_point(
    snapshot: &Snapshot,
    registry: &Registry,
    req: &Request,
    default_ns: &str,
) -> Result<DestinationWorkload, CliError> {
    let mut dest = resolve(registry, req, default_ns);
    if let Some(gw) = &req.gateway {
        let (ns, name) = gw.split_once('/').ok_or_else(|| {
            CliError(format!("malformed request: gateway must be \"namespace/name\", got {gw:?}"))
        })?;
        match snapshot.get(Kind::Gateway, ns, name) {
            Some(Resource::Gateway(g)) => {
                // Policies apply to the gateway's pods, which the selector finds in any
                // namespace (usually istio-system); without a matching pod, the selector's
                // labels in the Gateway's namespace stand for them.
                let selector = &g.spec.selector;
                let pod = snapshot.of_kind(Kind::Pod).iter().find_map(|r| match r {
                    Resource::Pod(p)
                        if !selector.is_empty()
                            && selector.iter().all(|(k, v)| p.metadata.labels.get(k) == Some(v)) =>
                    {
                        Some(p)
                    }
                    _ => None,
                });
                match pod {
                    Some(p) => {
                        dest.namespace = p.metadata.namespace().to_string();
                        dest.labels = p.metadata.labels.clone();
                        dest.service_account = Some(p.service_account().to_string());
                    }
                    None => {
                        dest.namespace = ns.to_string();
                        dest.labels = selector.clone();
                        dest.service_account = None;
                    }
                }
                dest.port = req.destination.port.unwrap_or(0);
            }
            _ => return Err(CliError(format!("gateway {gw} is not in the config (or does not validate)"))),
        }
    }
    Ok(dest)
}

fn parse_ip(field: &str, v: Option<&str>) -> Result<Option<IpAddr>, CliError> {
    v.map(|s| {
        s.parse::<IpAddr>()
            .map_err(|_| CliError(format!("malformed request: {field} {s:?} is not an IP address")))
    })
    .transpose()
}

/// The JWT's `iss` and `sub`: from the claims when present, else `auth.principal` split at
/// its last `/`.
fn issuer_subject(auth: &request::Auth) -> (String, String) {
    let claim = |k: &str| auth.claims.get(k).and_then(Value::as_str).map(str::to_string);
    let (p_iss, p_sub) = match auth.principal.as_deref().and_then(|p| p.rsplit_once('/')) {
        Some((i, s)) => (Some(i.to_string()), Some(s.to_string())),
        None => (auth.principal.clone(), None),
    };
    (claim("iss").or(p_iss).unwrap_or_default(), claim("sub").or(p_sub).unwrap_or_default())
}

/// Evaluates `req` at `dest` and returns the decision with the matching AUDIT policies.
pub(crate) fn evaluate<'a>(
    authorizer: &'a Authorizer,
    trust_domain: &str,
    req: &Request,
    dest: &DestinationWorkload,
) -> Result<(Decision<'a>, Vec<PolicyRef<'a>>), CliError> {
    let principal = req.source.principal(trust_domain);
    let (iss, sub) = req.auth.as_ref().map(issuer_subject).unwrap_or_default();
    let auth = req.auth.as_ref().map(|a| RequestAuth {
        issuer: &iss,
        subject: &sub,
        audiences: &a.audiences,
        presenter: a.presenter.as_deref(),
        claims: &a.claims,
    });
    let view = authz::Request {
        layer: if req.protocol.is_http() { Layer::Http } else { Layer::Tcp },
        source_principal: principal.as_deref(),
        source_ip: parse_ip("source.ip", req.source.ip.as_deref())?,
        remote_ip: parse_ip("source.remoteIp", req.source.remote_ip())?,
        destination_ip: parse_ip("destination.ip", req.destination.ip.as_deref())?,
        destination_port: dest.port,
        sni: req.sni.as_deref(),
        method: &req.method,
        authority: req.authority(),
        path: &req.path,
        headers: &req.headers,
        auth,
        metadata: None,
        custom_verdict: match req.custom_verdict {
            request::Verdict::Allow => Verdict::Allow,
            request::Verdict::Deny => Verdict::Deny,
        },
    };
    let labels: &BTreeMap<String, String> = &dest.labels;
    let workload = Workload::new(&dest.namespace, labels);
    let decision = authorizer.check(&workload, &view);
    let audits = authorizer.audits(&workload, &view);
    Ok((decision, audits))
}

/// Evaluates `req` at `dest` as ztunnel would: the peer identity, addresses and port only.
fn evaluate_ztunnel<'a>(
    authorizer: &'a ZtunnelAuthorizer,
    trust_domain: &str,
    req: &Request,
    dest: &DestinationWorkload,
) -> Result<Decision<'a>, CliError> {
    let principal = req.source.principal(trust_domain);
    let source_identity = principal
        .as_deref()
        .map(ztunnel::Identity::from_principal)
        .transpose()
        .map_err(|e| CliError(format!("malformed request: ztunnel needs an Istio peer identity: {e}")))?;
    let conn = ztunnel::Connection {
        source_identity,
        source_ip: parse_ip("source.ip", req.source.ip.as_deref())?,
        destination_ip: parse_ip("destination.ip", req.destination.ip.as_deref())?,
        destination_port: dest.port,
    };
    let labels: &BTreeMap<String, String> = &dest.labels;
    Ok(authorizer.check(&Workload::new(&dest.namespace, labels), &conn))
}

/// The contract's JSON for a decision.
pub(crate) fn to_json(d: &Decision<'_>, audits: &[PolicyRef<'_>]) -> Value {
    to_json_with_reason(d, audits, &d.reason.to_string())
}

/// [`to_json`] with the reason worded by the evaluator.
fn to_json_with_reason(d: &Decision<'_>, audits: &[PolicyRef<'_>], reason: &str) -> Value {
    json!({
        "decision": if d.allowed { "ALLOW" } else { "DENY" },
        "action": d.decider.map(|m| m.action.as_str()),
        "policy": d.decider.map(|m| m.policy.to_string()),
        "rule": d.decider.map(|m| m.rule),
        "audit": audits.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "custom": d.custom.map(|c| json!({"provider": c.provider, "policy": c.policy.to_string()})),
        "reason": reason,
    })
}

/// Human-readable lines for a decision.
pub(crate) fn to_text(
    d: &Decision<'_>,
    audits: &[PolicyRef<'_>],
    dest: &DestinationWorkload,
    reason: &str,
) -> String {
    let mut s = format!(
        "{} (at workload in namespace {} with labels {:?}, port {})\n",
        if d.allowed { "ALLOW" } else { "DENY" },
        dest.namespace,
        dest.labels,
        dest.port
    );
    if let Some(m) = d.decider {
        s.push_str(&format!("decided by: {} policy {} rule {}\n", m.action, m.policy, m.rule));
    }
    if let Some(c) = d.custom {
        s.push_str(&format!("custom: provider {} (policy {})\n", c.provider, c.policy));
    }
    for a in audits {
        s.push_str(&format!("audited by: {a}\n"));
    }
    s.push_str(&format!("reason: {reason}\n"));
    s
}

/// Runs `meshctl authz`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let req = request::read(&args.decision.request)?;
    let cfg = load_config(&args.decision.config, &args.decision.mesh, false)?;
    if args.ztunnel {
        return run_ztunnel(args, &req, &cfg.snapshot, cfg.mesh.trust_domain());
    }
    let authorizer = Authorizer::compile(&cfg.snapshot);
    let registry = Registry::from_snapshot(&cfg.snapshot);
    let dest = enforcement_point(&cfg.snapshot, &registry, &req, &args.decision.mesh.default_namespace)?;
    let (decision, audits) = evaluate(&authorizer, cfg.mesh.trust_domain(), &req, &dest)?;
    match args.decision.output {
        Format::Json => print_json(&to_json(&decision, &audits)),
        Format::Text => print!("{}", to_text(&decision, &audits, &dest, &decision.reason.to_string())),
    }
    Ok(if decision.allowed { Answer::Positive } else { Answer::Negative })
}

/// Runs `meshctl authz --ztunnel`.
fn run_ztunnel(
    args: &Args,
    req: &Request,
    snapshot: &Snapshot,
    trust_domain: &str,
) -> Result<Answer, CliError> {
    let authorizer = ZtunnelAuthorizer::compile(snapshot);
    let registry = Registry::from_snapshot(snapshot);
    let dest = enforcement_point(snapshot, &registry, req, &args.decision.mesh.default_namespace)?;
    let decision = evaluate_ztunnel(&authorizer, trust_domain, req, &dest)?;
    let reason = authorizer.reason(&decision);
    match args.decision.output {
        Format::Json => print_json(&to_json_with_reason(&decision, &[], &reason)),
        Format::Text => print!("{}", to_text(&decision, &[], &dest, &reason)),
    }
    Ok(if decision.allowed { Answer::Positive } else { Answer::Negative })
}
