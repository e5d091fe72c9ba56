//! HTTP match requests: string matches, regexes and header names.

use crate::networking::{HttpMatchRequest, HttpRoute, StringMatch};
use crate::validate::common::dns::is_dns1123_label;
use crate::validate::common::labels::validate_label_map;
use crate::validate::common::ports::validate_port;
use crate::validate::common::values::validate_regex;
use crate::validate::{Path, Report};

use super::hosts::validate_gateway_names;
use super::is_jwt_claim_route;
/// Istio's `validateHTTPRouteMatchRequest`.
pub(super) fn validate_http_match_requests(h: &HttpRoute, path: &Path<'_>, report: &mut Report) {
    for (j, m) in h.matches.iter().enumerate() {
        let mp = path.index(j);
        validate_http_match(m, &mp, report);
    }
}

fn validate_http_match(m: &HttpMatchRequest, mp: &Path<'_>, report: &mut Report) {
    let hp = mp.field("headers");
    for (name, sm) in &m.headers {
        let p = hp.key(name);
        if let Err(e) = validate_header_name_or_jwt_claim(name) {
            report.error(&p, e);
        }
        if let Err(e) = validate_string_match(sm, "headers") {
            report.error(&p, e);
        }
    }
    let wp = mp.field("withoutHeaders");
    for (name, sm) in &m.without_headers {
        let p = wp.key(name);
        if let Err(e) = validate_header_name_or_jwt_claim(name) {
            report.error(&p, e);
        }
        // `regex: "*"` is not RE2: Istio translates it to a presence match.
        if *sm != StringMatch::Regex("*".to_string())
            && let Err(e) = validate_string_match(sm, "withoutHeaders")
        {
            report.error(&p, e);
        }
    }
    // The URI allows an empty prefix (Envoy's path matcher does); the others do not.
    if let Some(sm) = &m.uri
        && let Err(e) = validate_string_match_regex(sm, "uri")
    {
        report.error(&mp.field("uri"), e);
    }
    for (field, sm) in [("scheme", &m.scheme), ("method", &m.method), ("authority", &m.authority)] {
        if let Some(sm) = sm
            && let Err(e) = validate_string_match(sm, field)
        {
            report.error(&mp.field(field), e);
        }
    }
    let qp = mp.field("queryParams");
    for (name, sm) in &m.query_params {
        if let Err(e) = validate_string_match(sm, "queryParams") {
            report.error(&qp.key(name), e);
        }
    }
    if let Some(port) = m.port.filter(|p| *p != 0)
        && let Err(e) = validate_port(port)
    {
        report.error(&mp.field("port"), e);
    }
    validate_label_map(&m.source_labels, &mp.field("sourceLabels"), report);
    validate_gateway_names(&m.gateways, false, &mp.field("gateways"), report);
    if let Some(ns) = m.source_namespace.as_deref().filter(|s| !s.is_empty())
        && !is_dns1123_label(ns)
    {
        report.error(&mp.field("sourceNamespace"), format!("sourceNamespace match {ns} is invalid"));
    }
}

/// Istio's `validateStringMatch`: no empty prefix, and a regex must be a valid non-empty RE2.
fn validate_string_match(sm: &StringMatch, where_: &str) -> Result<(), String> {
    match sm {
        StringMatch::Prefix(p) if p.is_empty() => {
            Err(format!("{where_:?}: prefix string match should not be empty"))
        }
        StringMatch::Regex(_) => validate_string_match_regex(sm, where_),
        _ => Ok(()),
    }
}

/// Istio's `validateStringMatchRegexp`: only a regex is checked.
pub(super) fn validate_string_match_regex(sm: &StringMatch, where_: &str) -> Result<(), String> {
    match sm {
        StringMatch::Regex(re) if re.is_empty() => {
            Err(format!("{where_:?}: regex string match should not be empty"))
        }
        StringMatch::Regex(re) => validate_string_regex(re, where_),
        _ => Ok(()),
    }
}

/// Istio's `validateStringRegexp`: at most 1024 characters, RE2 syntax.
pub(super) fn validate_string_regex(re: &str, where_: &str) -> Result<(), String> {
    if re.len() > 1024 {
        return Err(format!("{where_:?}: regex is too large, max length allowed is 1024"));
    }
    validate_regex(re).map_err(|e| {
        format!("{where_:?}: {e}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)")
    })
}

/// An RFC 7230 token (`tchar`), either case.
pub(super) fn is_token(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c))
}

/// Istio's `ValidateHTTPHeaderNameOrJwtClaimRoute`: a token, an HTTP/2 pseudo-header or a JWT claim key.
fn validate_header_name_or_jwt_claim(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if is_jwt_claim_route(name) || matches!(name, ":method" | ":scheme" | ":authority" | ":path" | ":status")
    {
        return Ok(());
    }
    if !is_token(name) {
        return Err(format!("header name {name} is not a valid header name"));
    }
    Ok(())
}
