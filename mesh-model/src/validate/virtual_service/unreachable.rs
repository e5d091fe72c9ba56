//! Unreachable rules and ineffective matches (warnings).

use std::collections::BTreeMap;

use crate::networking::{HttpMatchRequest, HttpRoute, L4MatchAttributes, StringMatch, TlsMatchAttributes};
use crate::validate::{Path, Report};

fn route_name(h: Option<&HttpRoute>, n: usize) -> String {
    match h.and_then(|h| h.name.as_deref()).filter(|s| !s.is_empty()) {
        Some(name) => format!("{name:?}"),
        None => format!("#{n}"),
    }
}

fn request_name(m: &HttpMatchRequest, n: usize) -> String {
    match m.name.as_deref().filter(|s| !s.is_empty()) {
        Some(name) => format!("{name:?}"),
        None => format!("#{n}"),
    }
}

/// A match with its name dropped and zero values cleared, so that two matches Istio's JSON
/// comparison considers equal compare equal.
fn normalized_http_match(m: &HttpMatchRequest) -> HttpMatchRequest {
    let mut m = m.clone();
    m.name = None;
    m.ignore_uri_case = m.ignore_uri_case.filter(|b| *b);
    m.port = m.port.filter(|p| *p != 0);
    m.source_namespace = m.source_namespace.filter(|s| !s.is_empty());
    m.stat_prefix = m.stat_prefix.filter(|s| !s.is_empty());
    m
}

pub(super) fn normalized_l4_match(m: &L4MatchAttributes) -> L4MatchAttributes {
    let mut m = m.clone();
    m.port = m.port.filter(|p| *p != 0);
    m.source_subnet = m.source_subnet.filter(|s| !s.is_empty());
    m.source_namespace = m.source_namespace.filter(|s| !s.is_empty());
    m
}

pub(super) fn normalized_tls_match(m: &TlsMatchAttributes) -> TlsMatchAttributes {
    let mut m = m.clone();
    m.port = m.port.filter(|p| *p != 0);
    m.source_namespace = m.source_namespace.filter(|s| !s.is_empty());
    m
}

fn warn_unused(report: &mut Report, path: &Path<'_>, rule: &str, reason: &str) {
    report.warning(path, format!("virtualService rule {rule} not used ({reason})"));
}

fn warn_ineffective(report: &mut Report, path: &Path<'_>, rule: &str, matchn: &str, dup: &str) {
    report.warning(
        path,
        format!("virtualService rule {rule} match {matchn} is not used (duplicate/overlapping match in rule {dup})"),
    );
}

/// A prefix-URI match summarised as Istio's `OverlappingMatchValidationForHTTPRoute`.
struct PrefixMatch {
    rule: usize,
    matchn: usize,
    route_str: String,
    match_str: String,
    prefix: String,
    port: u32,
    method: String,
    authority: String,
    headers: BTreeMap<String, String>,
    query_params: BTreeMap<String, String>,
    without_headers: BTreeMap<String, String>,
}

fn exact_or_prefix(sm: Option<&StringMatch>) -> String {
    match sm {
        Some(StringMatch::Exact(s)) if !s.is_empty() => format!("exact:{s}"),
        Some(StringMatch::Prefix(s)) if !s.is_empty() => format!("prefix:{s}"),
        _ => String::new(),
    }
}

fn exact_or_prefix_map(m: &BTreeMap<String, StringMatch>) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), exact_or_prefix(Some(v)))).collect()
}

fn prefix_match(h: &HttpRoute, m: &HttpMatchRequest, rule: usize, matchn: usize) -> Option<PrefixMatch> {
    let Some(StringMatch::Prefix(prefix)) = &m.uri else { return None };
    if prefix.is_empty() {
        return None;
    }
    let mut method = exact_or_prefix(m.method.as_ref());
    if method.is_empty() {
        method = "exact:GET".to_string();
    }
    Some(PrefixMatch {
        rule,
        matchn,
        route_str: route_name(Some(h), rule),
        match_str: request_name(m, matchn),
        prefix: prefix.clone(),
        port: m.port.unwrap_or(0),
        method,
        authority: exact_or_prefix(m.authority.as_ref()),
        headers: exact_or_prefix_map(&m.headers),
        query_params: exact_or_prefix_map(&m.query_params),
        without_headers: exact_or_prefix_map(&m.without_headers),
    })
}

fn map_covered(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> bool {
    a.len() == b.len()
        && a.iter().all(|(k, va)| b.get(k).is_some_and(|vb| va == vb || va.starts_with(vb.as_str())))
}

/// Istio's `coveredValidation`: whether `a` (earlier) covers `b` (later).
fn covered(a: &PrefixMatch, b: &PrefixMatch) -> bool {
    b.prefix.starts_with(a.prefix.as_str())
        && a.port == b.port
        && (a.method == b.method || a.method.starts_with(b.method.as_str()))
        && (a.authority == b.authority || a.authority.starts_with(b.authority.as_str()))
        && map_covered(&a.headers, &b.headers)
        && map_covered(&a.query_params, &b.query_params)
        && map_covered(&a.without_headers, &b.without_headers)
}

/// Istio's `analyzeUnreachableHTTPRules`.
pub(super) fn analyze_unreachable_http_rules(routes: &[HttpRoute], path: &Path<'_>, report: &mut Report) {
    let mut seen: Vec<(HttpMatchRequest, usize)> = Vec::new();
    let mut empty_match: Option<usize> = None;
    let mut prefix_matches: Vec<PrefixMatch> = Vec::new();
    for (rulen, route) in routes.iter().enumerate() {
        let rp = path.index(rulen);
        let name = route_name(Some(route), rulen);
        if route.matches.is_empty() {
            if empty_match.is_some() {
                warn_unused(report, &rp, &name, "only the last rule can have no matches");
            }
            empty_match = Some(rulen);
            continue;
        }
        let mut duplicates = 0;
        let mp = rp.field("match");
        for (matchn, m) in route.matches.iter().enumerate() {
            if empty_match.is_some() {
                warn_unused(report, &rp, &name, "route without matches defined before");
                continue;
            }
            let norm = normalized_http_match(m);
            if let Some((_, dupn)) = seen.iter().find(|(s, _)| *s == norm) {
                let dup = route_name(routes.get(*dupn), *dupn);
                warn_ineffective(report, &mp.index(matchn), &name, &request_name(m, matchn), &dup);
                duplicates += 1;
                continue;
            }
            seen.push((norm, rulen));
            if let Some(pm) = prefix_match(route, m, rulen, matchn) {
                prefix_matches.push(pm);
            }
        }
        if duplicates == route.matches.len() {
            warn_unused(report, &rp, &name, "all matches used by prior rules");
        }
    }
    for (i, a) in prefix_matches.iter().enumerate() {
        for b in &prefix_matches[i + 1..] {
            if b.prefix == a.prefix {
                continue;
            }
            if covered(a, b) {
                let rp = path.index(b.rule);
                let mp = rp.field("match");
                warn_ineffective(
                    report,
                    &mp.index(b.matchn),
                    &b.route_str,
                    &format!("{} of prefix {}", b.match_str, b.prefix),
                    &format!("{} of prefix {} on {}", a.match_str, a.prefix, a.route_str),
                );
            }
        }
    }
}

/// Istio's `analyzeUnreachableTCPRules` / `analyzeUnreachableTLSRules` on normalised matches.
pub(super) fn analyze_unreachable_l4_rules<M: PartialEq>(
    routes: &[Vec<M>],
    path: &Path<'_>,
    report: &mut Report,
) {
    let mut seen: Vec<(&M, usize)> = Vec::new();
    let mut empty_match = false;
    for (rulen, matches) in routes.iter().enumerate() {
        let rp = path.index(rulen);
        let name = format!("#{rulen}");
        if matches.is_empty() {
            if empty_match {
                warn_unused(report, &rp, &name, "only the last rule can have no matches");
            }
            empty_match = true;
            continue;
        }
        let mut duplicates = 0;
        let mp = rp.field("match");
        for (matchn, m) in matches.iter().enumerate() {
            if empty_match {
                warn_unused(report, &rp, &name, "route without matches defined before");
                continue;
            }
            if let Some((_, dupn)) = seen.iter().find(|(s, _)| *s == m) {
                warn_ineffective(
                    report,
                    &mp.index(matchn),
                    &name,
                    &format!("#{matchn}"),
                    &format!("#{dupn}"),
                );
                duplicates += 1;
            } else {
                seen.push((m, rulen));
            }
        }
        if duplicates == matches.len() {
            warn_unused(report, &rp, &name, "all matches used by prior rules");
        }
    }
}
