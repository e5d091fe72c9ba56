//! From an AuthorizationPolicy rule to a [`CompiledRule`] on one layer, following Istio's
//! `authz/model` (which `when` keys become principals or permissions, how each value becomes
//! an Envoy matcher) and `builder` (what a TCP filter chain does with HTTP-only fields).

use mesh_model::security::{Condition, Operation, Rule, Source};
use regex::Regex;

use super::request::Layer;
use super::rule::{Atom, CompiledRule, Field, NamespaceMatch, PathMatch, Token, TrustDomainMatch};
use super::string_match::Pattern;
use crate::ip::Cidr;

/// How errors and HTTP-only fields on a TCP chain are handled, per Istio's `checkError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strictness {
    /// ALLOW: a value that cannot apply drops the whole rule (a smaller allow).
    Narrow,
    /// DENY, AUDIT, CUSTOM: a value that cannot apply is dropped (a wider match).
    Widen,
}

/// Why a rule does not exist on a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skip {
    /// An ALLOW rule uses HTTP-only fields on a TCP connection.
    HttpOnTcp,
    /// A value Istio cannot translate (bad IP, port or key) in an ALLOW rule, or an unknown
    /// `when` key in any rule.
    Invalid,
}

/// The local trust domain and its aliases, local first (istio/istio `trustdomain.Bundle`).
#[derive(Debug, Clone)]
pub(crate) struct TrustBundle {
    pub(crate) domains: Vec<String>,
}

/// The attribute a field reads.
#[derive(Debug, Clone)]
enum Key {
    Principal,
    Namespace,
    ServiceAccount,
    TrustDomain,
    SourceIp,
    RemoteIp,
    DestinationIp,
    Port,
    RequestPrincipal,
    Audiences,
    Presenter,
    Claim(Option<Vec<String>>),
    Header(Option<String>),
    Host,
    Method,
    Path,
    Sni,
    Metadata(Option<(String, String)>),
}

impl Key {
    /// Fields a TCP filter chain cannot see (Istio's generators that fail `forTCP`).
    fn http_only(&self) -> bool {
        matches!(
            self,
            Key::RequestPrincipal
                | Key::Audiences
                | Key::Presenter
                | Key::Claim(_)
                | Key::Header(_)
                | Key::Host
                | Key::Method
                | Key::Path
        )
    }

    /// The key of a `when` condition, or `None` for an unknown attribute.
    fn of_condition(key: &str) -> Option<(Key, bool)> {
        // (key, is a permission rather than a principal)
        Some(match key {
            "destination.ip" => (Key::DestinationIp, true),
            "destination.port" => (Key::Port, true),
            "connection.sni" => (Key::Sni, true),
            _ if key.starts_with("experimental.envoy.filters.") => (Key::Metadata(metadata_key(key)), true),
            "source.ip" => (Key::SourceIp, false),
            "remote.ip" => (Key::RemoteIp, false),
            "source.namespace" => (Key::Namespace, false),
            "source.trustDomain" => (Key::TrustDomain, false),
            "source.serviceAccount" => (Key::ServiceAccount, false),
            "source.principal" => (Key::Principal, false),
            "request.auth.principal" => (Key::RequestPrincipal, false),
            "request.auth.audiences" => (Key::Audiences, false),
            "request.auth.presenter" => (Key::Presenter, false),
            _ if key.starts_with("request.headers") => (
                Key::Header(
                    name_in_brackets(&key["request.headers".len()..]).map(|s| s.to_ascii_lowercase()),
                ),
                false,
            ),
            _ if key.starts_with("request.auth.claims") => {
                (Key::Claim(names_in_nested_brackets(&key["request.auth.claims".len()..])), false)
            }
            _ => return None,
        })
    }
}

/// `[name]` -> `name` (istio/istio `extractNameInBrackets`).
fn name_in_brackets(s: &str) -> Option<String> {
    Some(s.strip_prefix('[')?.strip_suffix(']')?.to_string())
}

/// `[a][b]` -> `[a, b]`; `[a.b]` -> `[a.b]` (istio/istio `extractNameInNestedBrackets`).
fn names_in_nested_brackets(s: &str) -> Option<Vec<String>> {
    let b = s.as_bytes();
    let end_bracket = |begin: usize| -> Option<usize> {
        if b.get(begin) != Some(&b'[') {
            return None;
        }
        for (i, &c) in b.iter().enumerate().skip(begin + 1) {
            match c {
                b'[' => return None,
                b']' => return Some(i),
                _ => {}
            }
        }
        None
    };
    let mut out = Vec::new();
    let mut begin = 0;
    while begin < b.len() {
        match end_bracket(begin) {
            Some(end) => {
                out.push(s[begin + 1..end].to_string());
                begin = end + 1;
            }
            None => return name_in_brackets(s).map(|n| vec![n]),
        }
    }
    Some(out)
}

/// `experimental.envoy.filters.a.b[c]` -> (`envoy.filters.a.b`, `c`).
fn metadata_key(key: &str) -> Option<(String, String)> {
    let k = key.strip_prefix("experimental.")?;
    let k = k.strip_suffix(']').unwrap_or(k);
    let (f, n) = k.split_once('[')?;
    Some((f.to_string(), n.to_string()))
}

/// One field before compilation: the attribute and its values.
struct Spec<'a> {
    key: Key,
    values: &'a [String],
    not_values: &'a [String],
}

fn quote(s: &str) -> String {
    regex::escape(s)
}

/// A whole-value match with RE2's meaning (Envoy's `safe_regex`).
fn anchored(re: &str) -> Option<Regex> {
    mesh_model::re2::full_match(re).ok()
}

/// Compiles one value into atoms (several for a principal expanded over trust domain
/// aliases); `None` when Istio cannot translate it.
fn atoms(key: &Key, value: &str, policy_ns: &str, bundle: &TrustBundle) -> Option<Vec<Atom>> {
    let one = |a: Atom| Some(vec![a]);
    match key {
        Key::Principal => Some(
            replace_trust_domain_aliases(value, bundle)
                .iter()
                .map(|v| Atom::Principal(Pattern::parse(v)))
                .collect(),
        ),
        Key::Namespace => {
            if value.contains('*') {
                let re = value.split('*').map(quote).collect::<Vec<_>>().join(".*");
                one(Atom::Namespace(NamespaceMatch::Regex(anchored(&format!("(?:.*/)?ns/{re}/.*"))?)))
            } else {
                one(Atom::Namespace(NamespaceMatch::Exact { needle: format!("/ns/{value}/").into() }))
            }
        }
        Key::ServiceAccount => {
            let (ns, sa) = value.split_once('/').unwrap_or((policy_ns, value));
            let re = format!(".+/ns/{}/(?:.+/|)sa/{}(?:/.+)?", quote(ns), quote(sa));
            one(Atom::ServiceAccount(anchored(&re)?))
        }
        Key::TrustDomain => Some(
            expand_trust_domain_aliases(value, bundle)
                .iter()
                .map(|v| {
                    Some(Atom::TrustDomain(if v == "*" {
                        TrustDomainMatch::Any
                    } else if let Some((a, b)) = v.split_once('*') {
                        TrustDomainMatch::Regex(anchored(&format!("{}[^/]*{}/.*", quote(a), quote(b)))?)
                    } else {
                        TrustDomainMatch::Exact(format!("{v}/").into())
                    }))
                })
                .collect::<Option<Vec<_>>>()?,
        ),
        Key::SourceIp => one(Atom::SourceIp(Cidr::parse(value)?)),
        Key::RemoteIp => one(Atom::RemoteIp(Cidr::parse(value)?)),
        Key::DestinationIp => one(Atom::DestinationIp(Cidr::parse(value)?)),
        Key::Port => {
            let p: u16 = value.parse().ok().filter(|_| value.bytes().all(|c| c.is_ascii_digit()))?;
            one(Atom::Port(p))
        }
        Key::RequestPrincipal => one(request_principal(value)),
        Key::Audiences => one(Atom::Audience(Pattern::parse(value))),
        Key::Presenter => one(Atom::Presenter(Pattern::parse(value))),
        Key::Claim(path) => {
            let path = path.as_ref()?;
            one(Atom::Claim {
                path: path.iter().map(|s| s.as_str().into()).collect(),
                pattern: Pattern::parse(value),
            })
        }
        Key::Header(name) => {
            one(Atom::Header { name: name.as_ref()?.as_str().into(), pattern: Pattern::parse(value) })
        }
        Key::Host => one(Atom::Host(Pattern::parse(value))),
        Key::Method => one(Atom::Method(Pattern::parse(value))),
        Key::Path => one(Atom::Path(if value.contains("{*}") || value.contains("{**}") {
            PathMatch::Template(template(value))
        } else {
            PathMatch::Str(Pattern::parse(value))
        })),
        Key::Sni => one(Atom::Sni(Pattern::parse(value))),
        Key::Metadata(k) => {
            let (filter, key) = k.as_ref()?;
            let (v, list) = match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
                Some(inner) => (inner, true),
                None => (value, false),
            };
            one(Atom::Metadata {
                filter: filter.as_str().into(),
                key: key.as_str().into(),
                pattern: Pattern::parse(v),
                list,
            })
        }
    }
}

/// istio/istio `requestPrincipalGenerator`: `iss/sub`, split at the last `/`.
fn request_principal(value: &str) -> Atom {
    let (iss, sub, found) = match value.rfind('/') {
        Some(i) => (&value[..i], &value[i + 1..], true),
        None => (value, "", false),
    };
    let exact = |s: &str| Pattern::Exact(s.into());
    let (iss, sub) = if value == "*" {
        (Pattern::Any, Pattern::Any)
    } else if let Some(rest) = value.strip_prefix('*') {
        if found {
            let i =
                if iss == "*" { Pattern::Any } else { Pattern::Suffix(iss.trim_start_matches('*').into()) };
            (i, exact(sub))
        } else {
            (Pattern::Any, Pattern::Suffix(rest.into()))
        }
    } else if let Some(rest) = value.strip_suffix('*') {
        if found {
            let s = if sub == "*" { Pattern::Any } else { Pattern::Prefix(sub.trim_end_matches('*').into()) };
            (exact(iss), s)
        } else {
            (Pattern::Prefix(rest.into()), Pattern::Any)
        }
    } else {
        (exact(iss), exact(sub))
    };
    Atom::RequestPrincipal { iss, sub }
}

/// `/a/{*}/b/{**}` -> tokens (Envoy `uri_template`).
fn template(path: &str) -> Box<[Token]> {
    let sanitized = path.replace("{**}", "\u{1}").replace("{*}", "\u{2}");
    let mut out = Vec::new();
    let mut lit = String::new();
    for c in sanitized.chars() {
        let op = match c {
            '\u{1}' => Some(Token::DoubleStar),
            '\u{2}' => Some(Token::Star),
            _ => None,
        };
        match op {
            Some(t) => {
                if !lit.is_empty() {
                    out.push(Token::Lit(std::mem::take(&mut lit).into()));
                }
                out.push(t);
            }
            None => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Token::Lit(lit.into()));
    }
    out.into()
}

/// istio/istio `Bundle.ReplaceTrustDomainAliases` for one principal value.
fn replace_trust_domain_aliases(principal: &str, bundle: &TrustBundle) -> Vec<String> {
    let parts: Vec<&str> = principal.split('/').collect();
    if parts.len() != 5 || parts[0] == "*" {
        return vec![principal.to_string()];
    }
    let td = parts[0];
    let matches_list = bundle.domains.iter().any(|s| {
        td == s
            || s == "*"
            || prefix_match(td, s)
            || prefix_match(s, td)
            || suffix_match(td, s)
            || suffix_match(s, td)
    });
    if !(matches_list || td == "cluster.local") {
        return vec![principal.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for d in &bundle.domains {
        let p =
            if suffix_match(d, td) { principal.to_string() } else { format!("{d}/{}", parts[1..].join("/")) };
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn prefix_match(a: &str, pattern: &str) -> bool {
    pattern.strip_suffix('*').is_some_and(|p| a.starts_with(p))
}

fn suffix_match(a: &str, pattern: &str) -> bool {
    pattern.strip_prefix('*').is_some_and(|p| a.ends_with(p))
}

/// istio/istio `Bundle.ExpandTrustDomainAliases` for one trust domain value.
fn expand_trust_domain_aliases(value: &str, bundle: &TrustBundle) -> Vec<String> {
    if bundle.domains.iter().any(|d| d == value) { bundle.domains.clone() } else { vec![value.to_string()] }
}

fn source_specs(s: &Source) -> Vec<Spec<'_>> {
    vec![
        Spec { key: Key::Principal, values: &s.principals, not_values: &s.not_principals },
        Spec {
            key: Key::RequestPrincipal,
            values: &s.request_principals,
            not_values: &s.not_request_principals,
        },
        Spec { key: Key::ServiceAccount, values: &s.service_accounts, not_values: &s.not_service_accounts },
        Spec { key: Key::TrustDomain, values: &s.trust_domains, not_values: &s.not_trust_domains },
        Spec { key: Key::Namespace, values: &s.namespaces, not_values: &s.not_namespaces },
        Spec { key: Key::RemoteIp, values: &s.remote_ip_blocks, not_values: &s.not_remote_ip_blocks },
        Spec { key: Key::SourceIp, values: &s.ip_blocks, not_values: &s.not_ip_blocks },
    ]
}

fn operation_specs(o: &Operation) -> Vec<Spec<'_>> {
    vec![
        Spec { key: Key::Host, values: &o.hosts, not_values: &o.not_hosts },
        Spec { key: Key::Method, values: &o.methods, not_values: &o.not_methods },
        Spec { key: Key::Path, values: &o.paths, not_values: &o.not_paths },
        Spec { key: Key::Port, values: &o.ports, not_values: &o.not_ports },
    ]
}

/// Compiles a rule of a policy in `policy_ns` for `layer`.
pub(crate) fn compile_rule(
    rule: &Rule,
    policy_ns: &str,
    strictness: Strictness,
    layer: Layer,
    bundle: &TrustBundle,
) -> Result<CompiledRule, Skip> {
    let mut base_principal: Vec<Spec<'_>> = Vec::new();
    let mut base_permission: Vec<Spec<'_>> = Vec::new();
    for Condition { key, values, not_values } in &rule.when {
        let (k, is_permission) = Key::of_condition(key).ok_or(Skip::Invalid)?;
        let spec = Spec { key: k, values, not_values };
        if is_permission { base_permission.push(spec) } else { base_principal.push(spec) }
    }
    let mut dropped_http = false;
    let mut build = |specs: Vec<&Spec<'_>>| -> Result<Box<[Field]>, Skip> {
        let mut fields = Vec::new();
        for spec in specs {
            if spec.values.is_empty() && spec.not_values.is_empty() {
                continue;
            }
            if layer == Layer::Tcp && spec.key.http_only() {
                match strictness {
                    Strictness::Narrow => return Err(Skip::HttpOnTcp),
                    Strictness::Widen => {
                        dropped_http = true;
                        continue;
                    }
                }
            }
            let convert = |vals: &[String]| -> Result<Vec<Atom>, Skip> {
                let mut out = Vec::new();
                for v in vals {
                    match atoms(&spec.key, v, policy_ns, bundle) {
                        Some(a) => out.extend(a),
                        None if strictness == Strictness::Narrow => return Err(Skip::Invalid),
                        None => {}
                    }
                }
                Ok(out)
            };
            let pos = convert(spec.values)?;
            let neg = convert(spec.not_values)?;
            if !pos.is_empty() || !neg.is_empty() {
                fields.push(Field { pos: pos.into(), neg: neg.into() });
            }
        }
        Ok(fields.into())
    };
    let mut permissions = Vec::new();
    for to in &rule.to {
        let op_specs = to.operation.as_ref().map(operation_specs).unwrap_or_default();
        permissions.push(build(op_specs.iter().chain(&base_permission).collect())?);
    }
    if rule.to.is_empty() {
        permissions.push(build(base_permission.iter().collect())?);
    }
    let mut principals = Vec::new();
    for from in &rule.from {
        let src_specs = from.source.as_ref().map(source_specs).unwrap_or_default();
        principals.push(build(src_specs.iter().chain(&base_principal).collect())?);
    }
    if rule.from.is_empty() {
        principals.push(build(base_principal.iter().collect())?);
    }
    Ok(CompiledRule { principals: principals.into(), permissions: permissions.into(), dropped_http })
}

/// The exact values a rule requires of an indexed attribute, when every alternative of the
/// rule pins it: used to find candidate rules without scanning.
pub(crate) fn guard(rule: &CompiledRule) -> Option<(super::index::Attr, Vec<Box<str>>)> {
    use super::index::Attr;
    type Pick<'a> = &'a dyn Fn(&Atom) -> Option<(Attr, Box<str>)>;
    let pinned = |entries: &[Box<[Field]>], pick: Pick<'_>| {
        let mut attr = None;
        let mut values: Vec<Box<str>> = Vec::new();
        for entry in entries {
            let found = entry.iter().find_map(|f| {
                if f.pos.is_empty() {
                    return None;
                }
                let vals: Option<Vec<(Attr, Box<str>)>> = f.pos.iter().map(pick).collect();
                let vals = vals?;
                let a = vals.first()?.0;
                vals.iter()
                    .all(|(x, _)| *x == a)
                    .then(|| (a, vals.into_iter().map(|(_, v)| v).collect::<Vec<_>>()))
            });
            let (a, vs) = found?;
            if attr.is_some_and(|x| x != a) {
                return None;
            }
            attr = Some(a);
            values.extend(vs);
        }
        Some((attr?, values))
    };
    let perm = |a: &Atom| match a {
        Atom::Path(PathMatch::Str(p)) => p.exact().map(|v| (Attr::Path, v.into())),
        Atom::Method(p) => p.exact().map(|v| (Attr::Method, v.into())),
        _ => None,
    };
    let princ = |a: &Atom| match a {
        Atom::Principal(p) => p.exact().map(|v| (Attr::Principal, v.into())),
        _ => None,
    };
    pinned(&rule.permissions, &perm)
        .filter(|(a, _)| *a == Attr::Path)
        .or_else(|| pinned(&rule.principals, &princ))
        .or_else(|| pinned(&rule.permissions, &perm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_claim_keys() {
        // istio/istio authz/model util_test.go: TestExtractNameInNestedBrackets.
        assert_eq!(names_in_nested_brackets("[a][b]"), Some(vec!["a".into(), "b".into()]));
        assert_eq!(names_in_nested_brackets("[a.b]"), Some(vec!["a.b".into()]));
        assert_eq!(names_in_nested_brackets("[a][b"), None);
        assert_eq!(names_in_nested_brackets("a"), None);
        assert_eq!(
            metadata_key("experimental.envoy.filters.a.b[c]"),
            Some(("envoy.filters.a.b".into(), "c".into()))
        );
    }

    #[test]
    fn trust_domain_aliases() {
        // istio/istio trustdomain bundle_test.go: TestReplaceTrustDomainAliases.
        let b = TrustBundle { domains: vec!["td1".into(), "td2".into()] };
        assert_eq!(
            replace_trust_domain_aliases("cluster.local/ns/a/sa/b", &b),
            ["td1/ns/a/sa/b", "td2/ns/a/sa/b"]
        );
        assert_eq!(replace_trust_domain_aliases("td2/ns/a/sa/b", &b), ["td1/ns/a/sa/b", "td2/ns/a/sa/b"]);
        assert_eq!(replace_trust_domain_aliases("other/ns/a/sa/b", &b), ["other/ns/a/sa/b"]);
        assert_eq!(replace_trust_domain_aliases("*/ns/a/sa/b", &b), ["*/ns/a/sa/b"]);
        assert_eq!(replace_trust_domain_aliases("*td1/ns/a/sa/b", &b), ["*td1/ns/a/sa/b", "td2/ns/a/sa/b"]);
        assert_eq!(replace_trust_domain_aliases("ns/a/sa/b", &b), ["ns/a/sa/b"]);
        assert_eq!(expand_trust_domain_aliases("td2", &b), ["td1", "td2"]);
    }
}
