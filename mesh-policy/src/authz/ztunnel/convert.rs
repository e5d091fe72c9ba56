//! istiod's conversion of an AuthorizationPolicy for ztunnel (istio/istio
//! `pilot/pkg/serviceregistry/ambient/authorization.go`, `convertAuthorizationPolicy` and
//! `handleRule`).
//!
//! - Policies with `targetRef(s)` are for waypoints: ztunnel never receives them.
//! - AUDIT and CUSTOM policies are not sent (the status says ztunnel does not support them).
//! - `istio.io/dry-run` policies are sent (marked dry-run) only when ambient dry-run is enabled
//!   (`AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY`, off by default); otherwise not at all.
//! - Each rule becomes a group of clauses: one for its `to` entries (ports only), one for its
//!   `from` entries (principals, namespaces, service accounts, IP blocks), and one per `when`
//!   condition. HTTP attributes (hosts, methods, paths, request principals, remote IP blocks and
//!   every `when` key but `source.ip`, `source.namespace`, `source.principal`, `destination.ip`
//!   and `destination.port`) are not converted: an ALLOW rule that uses any is left out, while a
//!   DENY rule keeps what remains, so an entry that only had HTTP attributes becomes an empty
//!   match, which never matches.
//! - Values that do not parse (a port that is not a number up to 65535, an address that is
//!   not an IP or CIDR) are dropped silently, as are `trustDomains` and `notTrustDomains`.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr};

use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, Condition, Operation, Rule, Source,
};

use super::super::decision::Action;
use super::model::{
    Group, IpNet, Match, PolicyOrigin, Scope, ServiceAccountMatch, StringMatch, ZtunnelPolicy,
};

/// The annotation that puts a policy in dry-run mode.
const DRY_RUN: &str = "istio.io/dry-run";

/// The `when` keys ztunnel can evaluate.
const L4_WHEN_KEYS: [&str; 5] =
    ["source.ip", "source.namespace", "source.principal", "destination.ip", "destination.port"];

/// istiod settings that change what ztunnel receives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZtunnelOptions {
    /// `AMBIENT_ENABLE_DRY_RUN_AUTHORIZATION_POLICY` (default off): send `istio.io/dry-run`
    /// policies to ztunnel marked dry-run, instead of not at all.
    pub dry_run_enabled: bool,
}

/// Why istiod does not send a policy to ztunnel (it writes this into the policy's status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// ztunnel only has ALLOW and DENY: an `action: AUDIT` or `action: CUSTOM` policy is not
    /// sent (`action: DENY` is fine, `action: AUDIT` is not).
    #[error(
        "ztunnel does not support the {action} action, so policy {namespace}/{name} is not sent to ztunnel"
    )]
    UnsupportedAction {
        /// The policy's namespace.
        namespace: String,
        /// The policy's name.
        name: String,
        /// The action (AUDIT or CUSTOM).
        action: Action,
    },
    /// A policy annotated `istio.io/dry-run: "true"` while ambient dry-run support is off is
    /// not sent (`"false"` or an unparsable value is an ordinary policy).
    #[error(
        "policy {namespace}/{name} has the istio.io/dry-run annotation, but dry-run policies are not enabled for ambient, so it is not sent to ztunnel"
    )]
    DryRunNotEnabled {
        /// The policy's namespace.
        namespace: String,
        /// The policy's name.
        name: String,
    },
}

/// Go's `strconv.ParseBool`; `None` for anything else.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Converts `policy` as istiod does for ztunnel, with `root_namespace` the mesh's root
/// namespace. `Ok(None)`: the policy targets waypoints (`targetRef(s)`), so ztunnel never
/// sees it; `Err`: istiod rejects it for ztunnel (a status condition, nothing sent).
///
/// ```
/// use mesh_model::load_str;
/// use mesh_model::Resource;
/// use mesh_policy::authz::ztunnel::{convert, Scope, ZtunnelOptions};
/// let yaml = "\
/// apiVersion: security.istio.io/v1
/// kind: AuthorizationPolicy
/// metadata: {name: p, namespace: istio-system}
/// spec:
///   rules: [{to: [{operation: {ports: ['80'], methods: [GET]}}]}, {}]
/// ";
/// let Resource::AuthorizationPolicy(p) = &load_str(yaml, &Default::default()).resources[0].resource else { panic!() };
/// let z = convert(p, "istio-system", &ZtunnelOptions::default()).unwrap().unwrap();
/// assert_eq!(z.scope, Scope::Global);
/// assert_eq!(z.omitted_rules, [0]); // an ALLOW rule with `methods` is left out
/// assert_eq!(z.groups.len(), 1);
/// ```
pub fn convert(
    policy: &AuthorizationPolicy,
    root_namespace: &str,
    options: &ZtunnelOptions,
) -> Result<Option<ZtunnelPolicy>, ConvertError> {
    let spec = &policy.spec;
    let namespace = policy.metadata.namespace().to_string();
    let name = policy.metadata.name().to_string();
    let dry_run = policy.metadata.annotations.get(DRY_RUN).and_then(|v| parse_bool(v)).unwrap_or(false);
    if dry_run && !options.dry_run_enabled {
        return Err(ConvertError::DryRunNotEnabled { namespace, name });
    }
    if spec.target_ref.is_some() || !spec.target_refs.is_empty() {
        return Ok(None);
    }
    let scope = match (&spec.selector, namespace == root_namespace) {
        (Some(_), _) => Scope::WorkloadSelector,
        (None, true) => Scope::Global,
        (None, false) => Scope::Namespace,
    };
    let action = match spec.action() {
        AuthorizationPolicyAction::Allow => Action::Allow,
        AuthorizationPolicyAction::Deny => Action::Deny,
        AuthorizationPolicyAction::Audit => {
            return Err(ConvertError::UnsupportedAction { namespace, name, action: Action::Audit });
        }
        AuthorizationPolicyAction::Custom => {
            return Err(ConvertError::UnsupportedAction { namespace, name, action: Action::Custom });
        }
    };
    let mut out = ZtunnelPolicy {
        selector: spec.selector.as_ref().map(|s| s.match_labels.clone()).unwrap_or_default(),
        namespace,
        name,
        scope,
        action,
        groups: Vec::new(),
        dry_run,
        omitted_rules: Vec::new(),
        http_attributes: Vec::new(),
        ignored_fields: Vec::new(),
        origin: PolicyOrigin::AuthorizationPolicy,
    };
    let mut http: BTreeSet<String> = BTreeSet::new();
    let mut ignored: BTreeSet<&'static str> = BTreeSet::new();
    for (i, rule) in spec.rules.iter().enumerate() {
        let converted = convert_rule(rule, &out.namespace, &mut ignored);
        let found_http = !converted.http.is_empty();
        http.extend(converted.http);
        if action == Action::Allow && found_http {
            out.omitted_rules.push(i);
            continue;
        }
        out.groups.push(Group { rule: i, clauses: converted.clauses, http_omitted: found_http });
    }
    out.http_attributes = http.into_iter().collect();
    out.ignored_fields = ignored.into_iter().collect();
    Ok(Some(out))
}

struct ConvertedRule {
    clauses: Vec<Vec<Match>>,
    http: Vec<String>,
}

/// istiod `handleRule`: the clauses of one rule and the HTTP attributes it names.
fn convert_rule(rule: &Rule, policy_ns: &str, ignored: &mut BTreeSet<&'static str>) -> ConvertedRule {
    let mut http: Vec<String> = Vec::new();
    let mut clauses = Vec::new();
    let empty_op = Operation::default();
    let empty_src = Source::default();
    let to: Vec<Match> = rule
        .to
        .iter()
        .map(|t| {
            // istiod dereferences `operation` unchecked; validation rejects a missing one.
            let op = t.operation.as_ref().unwrap_or(&empty_op);
            http_operations(op, &mut http);
            Match {
                destination_ports: ports(&op.ports),
                not_destination_ports: ports(&op.not_ports),
                ..Match::default()
            }
        })
        .collect();
    let from: Vec<Match> = rule
        .from
        .iter()
        .map(|f| {
            let s = f.source.as_ref().unwrap_or(&empty_src);
            http_sources(s, &mut http);
            if !s.trust_domains.is_empty() {
                ignored.insert("trustDomains");
            }
            if !s.not_trust_domains.is_empty() {
                ignored.insert("notTrustDomains");
            }
            Match {
                source_ips: ips(&s.ip_blocks),
                not_source_ips: ips(&s.not_ip_blocks),
                namespaces: strings(&s.namespaces),
                not_namespaces: strings(&s.not_namespaces),
                service_accounts: service_accounts(&s.service_accounts, policy_ns),
                not_service_accounts: service_accounts(&s.not_service_accounts, policy_ns),
                principals: strings(&s.principals),
                not_principals: strings(&s.not_principals),
                ..Match::default()
            }
        })
        .collect();
    if !to.is_empty() {
        clauses.push(to);
    }
    if !from.is_empty() {
        clauses.push(from);
    }
    for c in &rule.when {
        if !L4_WHEN_KEYS.contains(&c.key.as_str()) {
            http.push(c.key.clone());
        }
        clauses.push(vec![when_match(c)]);
    }
    ConvertedRule { clauses, http }
}

/// The match of one `when` condition; an unknown (HTTP) key gives an empty match.
fn when_match(c: &Condition) -> Match {
    let (v, n) = (&c.values, &c.not_values);
    match c.key.as_str() {
        "source.namespace" => {
            Match { namespaces: strings(v), not_namespaces: strings(n), ..Match::default() }
        }
        "source.principal" => {
            Match { principals: strings(v), not_principals: strings(n), ..Match::default() }
        }
        "source.ip" => Match { source_ips: ips(v), not_source_ips: ips(n), ..Match::default() },
        "destination.port" => {
            Match { destination_ports: ports(v), not_destination_ports: ports(n), ..Match::default() }
        }
        "destination.ip" => {
            Match { destination_ips: ips(v), not_destination_ips: ips(n), ..Match::default() }
        }
        _ => Match::default(),
    }
}

fn http_operations(op: &Operation, out: &mut Vec<String>) {
    let fields: [(&str, &Vec<String>); 6] = [
        ("hosts", &op.hosts),
        ("notHosts", &op.not_hosts),
        ("methods", &op.methods),
        ("notMethods", &op.not_methods),
        ("paths", &op.paths),
        ("notPaths", &op.not_paths),
    ];
    out.extend(fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.to_string()));
}

fn http_sources(s: &Source, out: &mut Vec<String>) {
    let fields: [(&str, &Vec<String>); 4] = [
        ("remoteIpBlocks", &s.remote_ip_blocks),
        ("notRemoteIpBlocks", &s.not_remote_ip_blocks),
        ("requestPrincipals", &s.request_principals),
        ("notRequestPrincipals", &s.not_request_principals),
    ];
    out.extend(fields.iter().filter(|(_, v)| !v.is_empty()).map(|(k, _)| k.to_string()));
}

fn strings(values: &[String]) -> Vec<StringMatch> {
    values.iter().map(|v| StringMatch::parse(v)).collect()
}

/// istiod `stringToServiceAccountMatch`: `ns/sa` splits at the first `/`; a bare `sa` is in
/// the policy's namespace.
fn service_accounts(values: &[String], policy_ns: &str) -> Vec<ServiceAccountMatch> {
    values
        .iter()
        .map(|v| {
            let (ns, sa) = v.split_once('/').unwrap_or((policy_ns, v));
            ServiceAccountMatch { namespace: ns.into(), service_account: sa.into() }
        })
        .collect()
}

/// istiod `stringToPort`: Go's `ParseUint(v, 10, 32)` up to 65535; anything else is dropped.
fn ports(values: &[String]) -> Vec<u16> {
    values.iter().filter_map(|v| parse_port(v)).collect()
}

/// A port as Go's `strconv.ParseUint(v, 10, 32)` reads it, if at most 65535: decimal digits
/// only (no sign, no underscore), leading zeros allowed.
pub(crate) fn parse_port(v: &str) -> Option<u16> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = v.trim_start_matches('0');
    if digits.len() > 5 {
        return None;
    }
    if digits.is_empty() {
        return Some(0);
    }
    digits.parse::<u32>().ok().and_then(|p| u16::try_from(p).ok())
}

/// istiod `stringToIP`: unparsable entries are dropped.
fn ips(values: &[String]) -> Vec<IpNet> {
    values.iter().filter_map(|v| parse_ip_net(v)).collect()
}

/// An address or CIDR as istiod reads it with Go's `netip`: `ParsePrefix` when the value has a
/// `/` (the bits are decimal without a sign or leading zero, and no IPv6 zone is allowed),
/// else `ParseAddr` (an IPv6 zone such as `fe80::1%eth0` is accepted and dropped) as a
/// single-host network. IPv4 octets with leading zeros are rejected, as Go does.
pub fn parse_ip_net(v: &str) -> Option<IpNet> {
    if let Some((addr, bits)) = v.split_once('/') {
        if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if bits.len() > 1 && bits.starts_with('0') {
            return None;
        }
        let addr: IpAddr = addr.parse().ok()?;
        let bits: u8 = bits.parse().ok()?;
        return IpNet::new(addr, bits);
    }
    let addr: IpAddr = match v.split_once('%') {
        Some((a, zone)) if !zone.is_empty() => IpAddr::V6(a.parse::<Ipv6Addr>().ok()?),
        Some(_) => return None,
        None => v.parse().ok()?,
    };
    IpNet::new(addr, if addr.is_ipv4() { 32 } else { 128 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_follow_go_parse_uint() {
        // istio/istio authorization.go stringToPort: strconv.ParseUint(m, 10, 32), p <= 65535.
        assert_eq!(parse_port("80"), Some(80));
        assert_eq!(parse_port("0080"), Some(80));
        assert_eq!(parse_port("0"), Some(0));
        assert_eq!(parse_port("65535"), Some(65535));
        for bad in ["", "+80", "-1", "65536", "http", "8_0", " 80", "99999999999999999999"] {
            assert_eq!(parse_port(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ips_follow_go_netip() {
        // istio/istio authorization.go stringToIP: netip.ParsePrefix / netip.ParseAddr.
        let n = |s: &str| parse_ip_net(s).map(|n| n.to_string());
        assert_eq!(n("1.2.3.4").as_deref(), Some("1.2.3.4/32"));
        assert_eq!(n("5.6.0.0/16").as_deref(), Some("5.6.0.0/16"));
        assert_eq!(n("10.0.0.9/8").as_deref(), Some("10.0.0.9/8"));
        assert_eq!(n("::1").as_deref(), Some("::1/128"));
        assert_eq!(n("fe80::1%eth0").as_deref(), Some("fe80::1/128"));
        for bad in
            ["", "1.2.3.4/33", "1.2.3.4/08", "1.2.3.4/+8", "01.2.3.4", "fe80::1%eth0/64", "fe80::1%", "x"]
        {
            assert_eq!(n(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dry_run_annotation_values_are_go_bools() {
        for (v, want) in [("true", Some(true)), ("T", Some(true)), ("0", Some(false)), ("yes", None)] {
            assert_eq!(parse_bool(v), want);
        }
    }
}
