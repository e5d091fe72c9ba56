//! A plain reference evaluator: it interprets AuthorizationPolicies straight from the model on
//! every request, the way Istio's generated Envoy RBAC config reads, with no compilation and no
//! index. It is the oracle of the property test and the "linear evaluator" of the benchmark.
//! It covers the sidecar semantics of the fields the property test generates.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, Condition, Operation, Rule, Source,
};
use mesh_policy::authz::{Layer, Request, Workload};
use mesh_policy::normalize::{PathNormalization, normalize_path};
use regex::Regex;

/// The reference decision: allowed, and the deciding `(namespace/name, rule)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefDecision {
    pub allowed: bool,
    pub decider: Option<(String, usize)>,
}

/// An Istio value as Envoy's string matcher (`*` alone is `.+`).
fn str_match(v: &str, s: &str) -> bool {
    if v == "*" {
        !s.is_empty()
    } else if let Some(x) = v.strip_prefix('*') {
        s.ends_with(x)
    } else if let Some(x) = v.strip_suffix('*') {
        s.starts_with(x)
    } else {
        v == s
    }
}

/// An Istio value as Envoy's header matcher (`*` alone is presence).
fn header_match(v: &str, s: Option<&str>) -> bool {
    match s {
        None => false,
        Some(_) if v == "*" => true,
        Some(s) => str_match(v, s),
    }
}

fn principal_match(v: &str, principal: Option<&str>) -> bool {
    let Some(p) = principal else { return false };
    let full = format!("spiffe://{p}");
    if v == "*" {
        return !full.is_empty();
    }
    if let Some(x) = v.strip_prefix('*') {
        // regex `spiffe://.*<x>`: the literal prefix is consumed first.
        return p.ends_with(x);
    }
    str_match(&format!("spiffe://{v}"), &full)
}

fn namespace_match(v: &str, principal: Option<&str>) -> bool {
    let Some(p) = principal else { return false };
    let re = v.split('*').map(regex::escape).collect::<Vec<_>>().join(".*");
    Regex::new(&format!("^.*/ns/{re}/.*$")).unwrap().is_match(&format!("spiffe://{p}"))
}

fn ip_match(v: &str, ip: Option<std::net::IpAddr>) -> bool {
    match (mesh_policy::Cidr::parse(v), ip) {
        (Some(c), Some(ip)) => c.contains(ip),
        _ => false,
    }
}

fn request_principal_match(v: &str, req: &Request<'_>) -> bool {
    let Some(a) = &req.auth else { return false };
    let (iss, sub) = (a.issuer, a.subject);
    let any = |s: &str| !s.is_empty();
    match v.rfind('/') {
        _ if v == "*" => any(iss) && any(sub),
        Some(i) if v.starts_with('*') => {
            let (vi, vs) = (&v[..i], &v[i + 1..]);
            (vi == "*" && any(iss) || vi != "*" && iss.ends_with(&vi[1..])) && sub == vs
        }
        None if v.starts_with('*') => any(iss) && sub.ends_with(&v[1..]),
        Some(i) if v.ends_with('*') => {
            let (vi, vs) = (&v[..i], &v[i + 1..]);
            iss == vi && (vs == "*" && any(sub) || vs != "*" && sub.starts_with(&vs[..vs.len() - 1]))
        }
        None if v.ends_with('*') => iss.starts_with(&v[..v.len() - 1]) && any(sub),
        Some(i) => iss == &v[..i] && sub == &v[i + 1..],
        None => iss == v && sub.is_empty(),
    }
}

/// `values` (any) and `not_values` (none) of one field; `None` when the field is absent.
fn field(values: &[String], not_values: &[String], m: &dyn Fn(&str) -> bool) -> Option<bool> {
    if values.is_empty() && not_values.is_empty() {
        return None;
    }
    Some((values.is_empty() || values.iter().any(|v| m(v))) && !not_values.iter().any(|v| m(v)))
}

struct Eval<'r> {
    req: &'r Request<'r>,
    path: &'r str,
    widen: bool,
}

impl Eval<'_> {
    fn tcp(&self) -> bool {
        self.req.layer == Layer::Tcp
    }

    /// `Some(matched)`, or `None` when an ALLOW rule cannot exist on TCP.
    fn http_field(&self, r: Option<bool>) -> Option<Option<bool>> {
        match r {
            None => Some(None),
            Some(_) if self.tcp() && self.widen => Some(None),
            Some(_) if self.tcp() => None,
            Some(b) => Some(Some(b)),
        }
    }

    fn source(&self, s: &Source) -> Option<bool> {
        let req = self.req;
        let mut all = vec![
            field(&s.principals, &s.not_principals, &|v| principal_match(v, req.source_principal)),
            field(&s.namespaces, &s.not_namespaces, &|v| namespace_match(v, req.source_principal)),
            field(&s.ip_blocks, &s.not_ip_blocks, &|v| ip_match(v, req.source_ip)),
            field(&s.remote_ip_blocks, &s.not_remote_ip_blocks, &|v| {
                ip_match(v, req.remote_ip.or(req.source_ip))
            }),
        ];
        all.push(self.http_field(field(&s.request_principals, &s.not_request_principals, &|v| {
            request_principal_match(v, req)
        }))?);
        Some(all.into_iter().flatten().all(|b| b))
    }

    fn operation(&self, o: &Operation) -> Option<bool> {
        let req = self.req;
        let mut all =
            vec![field(&o.ports, &o.not_ports, &|v| v.parse::<u16>().ok() == Some(req.destination_port))];
        all.push(self.http_field(field(&o.hosts, &o.not_hosts, &|v| {
            let (v, a) = (v.to_ascii_lowercase(), req.authority.to_ascii_lowercase());
            v == "*" || str_match(&v, &a)
        }))?);
        all.push(self.http_field(field(&o.methods, &o.not_methods, &|v| header_match(v, Some(req.method))))?);
        all.push(self.http_field(field(&o.paths, &o.not_paths, &|v| str_match(v, self.path)))?);
        Some(all.into_iter().flatten().all(|b| b))
    }

    fn condition(&self, c: &Condition) -> Option<Option<bool>> {
        let req = self.req;
        let f = |m: &dyn Fn(&str) -> bool| field(&c.values, &c.not_values, m);
        Some(match c.key.as_str() {
            "source.ip" => f(&|v| ip_match(v, req.source_ip)),
            "source.namespace" => f(&|v| namespace_match(v, req.source_principal)),
            "source.principal" => f(&|v| principal_match(v, req.source_principal)),
            "destination.port" => f(&|v| v.parse::<u16>().ok() == Some(req.destination_port)),
            "connection.sni" => f(&|v| str_match(v, req.sni.unwrap_or(""))),
            "request.auth.principal" => self.http_field(f(&|v| request_principal_match(v, req)))?,
            k if k.starts_with("request.headers[") => {
                let name = k["request.headers[".len()..k.len() - 1].to_ascii_lowercase();
                let value = req.headers.header(&name);
                self.http_field(f(&|v| header_match(v, value.as_deref())))?
            }
            other => panic!("the reference does not know {other}"),
        })
    }

    /// `None` when the rule does not exist on this layer.
    fn rule(&self, r: &Rule) -> Option<bool> {
        let from = if r.from.is_empty() {
            true
        } else {
            let mut any = false;
            for f in &r.from {
                any |= self.source(f.source.as_ref()?)?;
            }
            any
        };
        let to = if r.to.is_empty() {
            true
        } else {
            let mut any = false;
            for t in &r.to {
                any |= self.operation(t.operation.as_ref()?)?;
            }
            any
        };
        let mut when = true;
        for c in &r.when {
            when &= self.condition(c)?.unwrap_or(true);
        }
        Some(from && to && when)
    }
}

fn envoy_name(p: &AuthorizationPolicy, i: usize) -> String {
    format!("ns[{}]-policy[{}]-rule[{i}]", p.metadata.namespace(), p.metadata.name())
}

/// Decides like [`mesh_policy::authz::Authorizer::check`] (policies without CUSTOM or dry-run).
pub fn decide(
    policies: &[AuthorizationPolicy],
    root_ns: &str,
    norm: PathNormalization,
    w: &Workload<'_>,
    req: &Request<'_>,
) -> RefDecision {
    let path = match req.layer {
        Layer::Http => match normalize_path(req.path, norm) {
            Ok(p) => p.split(['?', '#']).next().unwrap_or("").to_string(),
            Err(_) => return RefDecision { allowed: false, decider: None },
        },
        Layer::Tcp => String::new(),
    };
    let applies = |p: &AuthorizationPolicy| {
        let ns = p.metadata.namespace();
        (ns == root_ns || ns == w.namespace)
            && p.spec.target_refs.is_empty()
            && p.spec.target_ref.is_none()
            && p.spec
                .selector
                .as_ref()
                .is_none_or(|s| s.match_labels.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
    };
    let first = |action: AuthorizationPolicyAction| -> Option<(String, String, usize)> {
        let mut best: Option<(String, String, usize)> = None;
        for p in policies.iter().filter(|p| p.spec.action() == action && applies(p)) {
            let ev = Eval { req, path: &path, widen: action != AuthorizationPolicyAction::Allow };
            for (i, r) in p.spec.rules.iter().enumerate() {
                if ev.rule(r) == Some(true) {
                    let name = envoy_name(p, i);
                    if best.as_ref().is_none_or(|b| name < b.0) {
                        best = Some((name, format!("{}/{}", p.metadata.namespace(), p.metadata.name()), i));
                    }
                }
            }
        }
        best
    };
    if let Some((_, p, i)) = first(AuthorizationPolicyAction::Deny) {
        return RefDecision { allowed: false, decider: Some((p, i)) };
    }
    if let Some((_, p, i)) = first(AuthorizationPolicyAction::Allow) {
        return RefDecision { allowed: true, decider: Some((p, i)) };
    }
    let any_allow =
        policies.iter().any(|p| p.spec.action() == AuthorizationPolicyAction::Allow && applies(p));
    RefDecision { allowed: !any_allow, decider: None }
}
