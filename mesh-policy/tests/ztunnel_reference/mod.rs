//! A plain reference for ambient (ztunnel) authorization, written from the rules as istiod and
//! ztunnel state them and evaluated straight on the AuthorizationPolicy, without the converted
//! form or any index: the compiled `ZtunnelAuthorizer` must agree with it.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, MutualTlsMode, Operation, PeerAuthentication, Rule,
    Source,
};
use mesh_policy::Cidr;

/// An owned connection.
#[derive(Debug, Clone)]
pub struct Conn {
    /// `td/ns/<ns>/sa/<sa>`, or plaintext.
    pub principal: Option<String>,
    pub source_ip: Option<IpAddr>,
    pub destination_ip: Option<IpAddr>,
    pub port: u16,
}

/// What decided: `(allowed, Some(("ns/name", rule)))`.
pub type Outcome = (bool, Option<(String, usize)>);

const L4_KEYS: [&str; 5] =
    ["source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port"];

fn glob(v: &str, s: &str) -> bool {
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

fn port(v: &str) -> Option<u16> {
    if v.bytes().all(|b| b.is_ascii_digit()) { v.parse().ok() } else { None }
}

/// One attribute test: `Some(result)` when the field has values that survive conversion.
type Test = Option<bool>;

fn list<T>(
    pos: &[String],
    neg: &[String],
    parse: impl Fn(&str) -> Option<T>,
    hit: impl Fn(&T) -> bool,
) -> Test {
    let p: Vec<T> = pos.iter().filter_map(|v| parse(v)).collect();
    let n: Vec<T> = neg.iter().filter_map(|v| parse(v)).collect();
    if p.is_empty() && n.is_empty() {
        return None;
    }
    Some((p.is_empty() || p.iter().any(&hit)) && !n.iter().any(&hit))
}

struct View<'a> {
    principal: Option<&'a str>,
    namespace: &'a str,
    sa: Option<(&'a str, &'a str)>,
    conn: &'a Conn,
}

fn view(c: &Conn) -> View<'_> {
    let parts: Vec<&str> = c.principal.as_deref().map(|p| p.split('/').collect()).unwrap_or_default();
    let (namespace, sa) = if parts.len() == 5 { (parts[2], Some((parts[2], parts[4]))) } else { ("", None) };
    View { principal: c.principal.as_deref(), namespace, sa, conn: c }
}

fn strings(pos: &[String], neg: &[String], s: Option<&str>) -> Test {
    list(pos, neg, |v| Some(v.to_string()), |v| s.is_some_and(|s| glob(v, s)))
}

fn ips(pos: &[String], neg: &[String], ip: Option<IpAddr>) -> Test {
    list(pos, neg, Cidr::parse, |c| ip.is_some_and(|ip| c.contains(ip)))
}

fn ports(pos: &[String], neg: &[String], p: u16) -> Test {
    list(pos, neg, port, |x| *x == p)
}

/// All tests of one entry: `false` when none applies (an empty match never matches).
fn entry(tests: &[Test]) -> bool {
    let present: Vec<bool> = tests.iter().flatten().copied().collect();
    !present.is_empty() && present.iter().all(|&b| b)
}

fn source(s: &Source, policy_ns: &str, v: &View<'_>) -> bool {
    let sa = |val: &String| -> Option<(String, String)> {
        Some(match val.split_once('/') {
            Some((n, a)) => (n.to_string(), a.to_string()),
            None => (policy_ns.to_string(), val.clone()),
        })
    };
    let sa_hit = |x: &(String, String)| v.sa.is_some_and(|(n, a)| x.0 == n && x.1 == a);
    entry(&[
        ips(&s.ip_blocks, &s.not_ip_blocks, v.conn.source_ip),
        strings(&s.namespaces, &s.not_namespaces, Some(v.namespace)),
        list(&s.service_accounts, &s.not_service_accounts, |x| sa(&x.to_string()), sa_hit),
        strings(&s.principals, &s.not_principals, v.principal),
    ])
}

fn operation(o: &Operation, v: &View<'_>) -> bool {
    entry(&[ports(&o.ports, &o.not_ports, v.conn.port)])
}

fn has_http(r: &Rule) -> bool {
    r.to.iter().flat_map(|t| &t.operation).any(|o| {
        [&o.hosts, &o.not_hosts, &o.methods, &o.not_methods, &o.paths, &o.not_paths]
            .iter()
            .any(|x| !x.is_empty())
    }) || r.from.iter().flat_map(|f| &f.source).any(|s| {
        [&s.remote_ip_blocks, &s.not_remote_ip_blocks, &s.request_principals, &s.not_request_principals]
            .iter()
            .any(|x| !x.is_empty())
    }) || r.when.iter().any(|c| !L4_KEYS.contains(&c.key.as_str()))
}

/// Whether the rule matches; `None` when ztunnel never receives it (an ALLOW rule with HTTP).
fn rule(r: &Rule, allow: bool, policy_ns: &str, v: &View<'_>) -> Option<bool> {
    if allow && has_http(r) {
        return None;
    }
    let dflt_op = Operation::default();
    let dflt_src = Source::default();
    let to = r.to.is_empty() || r.to.iter().any(|t| operation(t.operation.as_ref().unwrap_or(&dflt_op), v));
    let from = r.from.is_empty()
        || r.from.iter().any(|f| source(f.source.as_ref().unwrap_or(&dflt_src), policy_ns, v));
    let when = r.when.iter().all(|c| {
        let (p, n) = (&c.values, &c.not_values);
        entry(&[match c.key.as_str() {
            "source.ip" => ips(p, n, v.conn.source_ip),
            "source.namespace" => strings(p, n, Some(v.namespace)),
            "source.principal" => strings(p, n, v.principal),
            "destination.ip" => ips(p, n, v.conn.destination_ip),
            "destination.port" => ports(p, n, v.conn.port),
            _ => None,
        }])
    });
    Some(to && from && when)
}

fn dry_run(p: &AuthorizationPolicy) -> bool {
    p.metadata
        .annotations
        .get("istio.io/dry-run")
        .is_some_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"))
}

/// Decides a connection at a workload in `ns` with `labels` (dry-run not enabled).
pub fn decide(
    policies: &[AuthorizationPolicy],
    root: &str,
    ns: &str,
    labels: &BTreeMap<String, String>,
    conn: &Conn,
) -> Outcome {
    let v = view(conn);
    let mut applicable: Vec<(u8, String, String, &AuthorizationPolicy)> = Vec::new();
    for p in policies {
        let s = &p.spec;
        let pns = p.metadata.namespace();
        if dry_run(p) || s.target_ref.is_some() || !s.target_refs.is_empty() {
            continue;
        }
        if !matches!(s.action(), AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny) {
            continue;
        }
        if pns != root && pns != ns {
            continue;
        }
        let order = match &s.selector {
            None if pns == root => 1,
            None => 0,
            Some(sel)
                if !sel.match_labels.is_empty()
                    && sel.match_labels.iter().all(|(k, x)| labels.get(k) == Some(x)) =>
            {
                2
            }
            Some(_) => continue,
        };
        applicable.push((order, pns.to_string(), p.metadata.name().to_string(), p));
    }
    applicable.sort_by(|a, b| (a.0, &a.1, &a.2).cmp(&(b.0, &b.1, &b.2)));
    let first = |allow: bool| {
        applicable
            .iter()
            .filter(|(.., p)| (p.spec.action() == AuthorizationPolicyAction::Allow) == allow)
            .find_map(|(_, pns, name, p)| {
                p.spec
                    .rules
                    .iter()
                    .enumerate()
                    .find(|(_, r)| rule(r, allow, pns, &v) == Some(true))
                    .map(|(i, _)| (format!("{pns}/{name}"), i))
            })
    };
    if let Some(m) = first(false) {
        return (false, Some(m));
    }
    let any_allow = applicable.iter().any(|(.., p)| p.spec.action() == AuthorizationPolicyAction::Allow);
    match first(true) {
        Some(m) => (true, Some(m)),
        None => (!any_allow, None),
    }
}

// === PeerAuthentication (ambient) ===

fn pa_mode(p: &PeerAuthentication) -> MutualTlsMode {
    p.spec.mtls.as_ref().and_then(|m| m.mode).unwrap_or(MutualTlsMode::Unset)
}

fn pa_ports(p: &PeerAuthentication) -> Vec<(u16, MutualTlsMode)> {
    let mut v: Vec<(u16, MutualTlsMode)> = p
        .spec
        .port_level_mtls
        .iter()
        .flatten()
        .filter_map(|(k, m)| Some((k.parse().ok()?, m.mode.unwrap_or(MutualTlsMode::Unset))))
        .collect();
    v.sort_by_key(|&(p, _)| p);
    v
}

/// The first (oldest) policy of `ns` passing `f`; `pas` are in precedence order.
fn oldest<'a>(
    pas: &'a [PeerAuthentication],
    ns: &str,
    f: impl Fn(&PeerAuthentication) -> bool,
) -> Option<&'a PeerAuthentication> {
    pas.iter().find(|p| p.metadata.namespace() == ns && f(p))
}

fn no_labels(p: &PeerAuthentication) -> bool {
    p.spec.selector.as_ref().is_none_or(|s| s.match_labels.is_empty())
}

/// Whether the derived policy denies the connection: `Some(("ns/name", group))`.
///
/// Written from the rules as istiod's comments state them: a workload under an effective
/// STRICT mode (mesh, then namespace if set, then workload if set) lists the static policy,
/// denying plaintext; a workload PeerAuthentication whose ports differ from the mode they
/// inherit lists its converted policy instead, which denies plaintext on STRICT ports not
/// already covered, and on every other port but the PERMISSIVE/DISABLE ones when the
/// workload or the level it inherits from is STRICT.
fn peer_authn_deny(
    pas: &[PeerAuthentication],
    root: &str,
    ns: &str,
    labels: &BTreeMap<String, String>,
    conn: &Conn,
) -> Option<(String, usize)> {
    use MutualTlsMode::{Disable, Permissive, Strict, Unset};
    if pas.is_empty() {
        return None;
    }
    let static_key = format!("{root}/istio_converted_static_strict");
    let plain = conn.principal.is_none();
    // The workload's list.
    let mesh = if ns == root {
        oldest(pas, root, no_labels)
    } else {
        oldest(pas, root, |p| p.spec.selector.is_none())
    };
    let (nsp, wl) = if ns == root {
        (None, None)
    } else {
        let selects = |p: &PeerAuthentication| {
            p.spec.selector.as_ref().is_some_and(|s| {
                !s.match_labels.is_empty() && s.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            })
        };
        (oldest(pas, ns, no_labels), oldest(pas, ns, selects))
    };
    let inherited = match nsp.map(pa_mode) {
        Some(m) if m != Unset => m == Strict,
        _ => mesh.is_some_and(|m| pa_mode(m) == Strict),
    };
    let Some(w) = wl else {
        return (inherited && plain).then_some((static_key, 0));
    };
    let has = |ms: &[MutualTlsMode]| {
        w.spec
            .port_level_mtls
            .as_ref()
            .is_some_and(|p| p.values().any(|m| ms.contains(&m.mode.unwrap_or(Unset))))
    };
    let wm = pa_mode(w);
    let converted_listed = match wm {
        Strict => has(&[Permissive, Disable]),
        Permissive | Disable => has(&[Strict]),
        Unset if inherited => has(&[Permissive]),
        Unset => has(&[Strict]),
    };
    if !converted_listed {
        let strict = wm == Strict || (wm == Unset && inherited);
        return (strict && plain).then_some((static_key, 0));
    }
    // The converted policy, evaluated on the PeerAuthentication itself. The conversion reads
    // the oldest policies without a selector.
    let cns = oldest(pas, ns, |p| p.spec.selector.is_none()).map(pa_mode);
    let croot = oldest(pas, root, |p| p.spec.selector.is_none()).map(pa_mode);
    let ns_unset = cns.is_none_or(|m| m == Unset);
    let root_strict = croot == Some(Strict);
    let mut strict_ports = Vec::new();
    let mut exempt = Vec::new();
    for (port, m) in pa_ports(w) {
        match m {
            Strict => {
                let covered =
                    wm == Strict || (wm == Unset && cns == Some(Strict)) || (ns_unset && root_strict);
                if !covered {
                    strict_ports.push(port);
                }
            }
            Permissive | Disable => {
                let inherits_strict = match cns {
                    Some(m) => m == Strict,
                    None => root_strict,
                };
                if wm == Strict || (wm == Unset && inherits_strict) {
                    exempt.push(port);
                }
            }
            Unset => {}
        }
    }
    // The group denying plaintext on every port but the exempt ones: the workload's own STRICT,
    // or the inherited one merged in (an exemption is only made under an inherited STRICT).
    let base = wm == Strict || !exempt.is_empty();
    if wm == Strict && exempt.is_empty() {
        return None;
    }
    if !base && strict_ports.is_empty() {
        return None;
    }
    let key = format!("{}/converted_peer_authentication_{}", w.metadata.namespace(), w.metadata.name());
    if let Some(i) = strict_ports.iter().position(|&p| p == conn.port)
        && plain
    {
        return Some((key, i));
    }
    if base && plain && !exempt.contains(&conn.port) {
        return Some((key, strict_ports.len()));
    }
    None
}

/// [`decide`] with the policies istiod derives from PeerAuthentication (`pas` in precedence
/// order, oldest first): they come after every AuthorizationPolicy.
pub fn decide_with_peer_authn(
    policies: &[AuthorizationPolicy],
    pas: &[PeerAuthentication],
    root: &str,
    ns: &str,
    labels: &BTreeMap<String, String>,
    conn: &Conn,
) -> Outcome {
    let base = decide(policies, root, ns, labels, conn);
    if !base.0 && base.1.is_some() {
        return base;
    }
    match peer_authn_deny(pas, root, ns, labels, conn) {
        Some(m) => (false, Some(m)),
        None => base,
    }
}
