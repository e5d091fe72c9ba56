//! Validation of [`VirtualService`](crate::networking::VirtualService), as Istio's admission webhook performs it.
//!
//! Ports istio/istio `pkg/config/validation` `ValidateVirtualService` and what it calls
//! (`virtualservice.go`, `validation.go`, `agent.ValidateHTTPRetry`), including the
//! unreachable-rule and ineffective-match warnings.

use std::collections::BTreeMap;

use crate::common::Percent;
use crate::networking::{
    AbortError, BodySpecifier, CorsPolicy, DelayType, Destination, HeaderOperations, Headers,
    HttpDirectResponse, HttpFaultInjection, HttpMatchRequest, HttpMirrorPolicy, HttpRedirect, HttpRetry,
    HttpRewrite, HttpRoute, HttpRouteDestination, L4MatchAttributes, RedirectPort, RouteDestination,
    StringMatch, TcpRoute, TlsMatchAttributes, TlsRoute, VirtualService, VirtualServiceSpec,
};

use super::common::destination::validate_destination;
use super::common::dns::{
    check_dns1123_preconditions, is_dns1123_label, validate_fqdn, validate_wildcard_domain,
};
use super::common::export_to::{ExportToOwner, validate_export_to};
use super::common::ip::{is_ip_address, validate_ip_subnet};
use super::common::labels::validate_label_map;
use super::common::ports::validate_port;
use super::common::values::{validate_duration, validate_regex};
use super::{Path, Report};

/// The annotation Istio sets on VirtualServices it converts from the Gateway API.
const ROUTE_SEMANTICS_ANNOTATION: &str = "internal.istio.io/route-semantics";
/// The mesh-internal pseudo gateway.
const MESH_GATEWAY: &str = "mesh";
/// The header-name prefix that routes on JWT claims.
const JWT_CLAIM_HEADER: &str = "@request.auth.claims";

/// Checks a VirtualService; diagnostics go to `report`.
pub(crate) fn validate(r: &VirtualService, report: &mut Report) {
    let vs = &r.spec;
    let root = Path::Root;
    let spec = root.field("spec");
    let gateway_semantics =
        r.metadata.annotations.get(ROUTE_SEMANTICS_ANNOTATION).is_some_and(|v| v == "gateway");
    let delegate = vs.hosts.is_empty();

    if delegate {
        if !vs.gateways.is_empty() {
            report.error(&spec.field("gateways"), "delegate virtual service must have no gateways specified");
        }
        if !vs.tls.is_empty() {
            report.error(&spec.field("tls"), "delegate virtual service must have no tls route specified");
        }
        if !vs.tcp.is_empty() {
            report.error(&spec.field("tcp"), "delegate virtual service must have no tcp route specified");
        }
    }

    let applies_to_gateway = !vs.gateways.is_empty() && is_gateway(vs);
    let applies_to_mesh = !applies_to_gateway;
    if !vs.gateways.is_empty() {
        validate_gateway_names(&vs.gateways, gateway_semantics, &spec.field("gateways"), report);
    }

    if !applies_to_gateway {
        let http = spec.field("http");
        for (i, h) in vs.http.iter().enumerate() {
            let hp = http.index(i);
            let mp = hp.field("match");
            for (j, m) in h.matches.iter().enumerate() {
                let mj = mp.index(j);
                for (field, map) in [("headers", &m.headers), ("withoutHeaders", &m.without_headers)] {
                    let fp = mj.field(field);
                    for key in map.keys().filter(|k| is_jwt_claim_route(k)) {
                        report.error(
                            &fp.key(key),
                            format!(
                                "JWT claim based routing (key: {key}) is only supported for gateway, found no gateways: {:?}",
                                vs.gateways
                            ),
                        );
                    }
                }
            }
        }
    }

    validate_hosts(vs, applies_to_gateway, applies_to_mesh, &spec.field("hosts"), report);

    if vs.http.is_empty() && vs.tcp.is_empty() && vs.tls.is_empty() {
        report.error(&spec, "http, tcp or tls must be provided in virtual service");
    }
    let http = spec.field("http");
    for (i, h) in vs.http.iter().enumerate() {
        validate_http_route(h, delegate, gateway_semantics, &http.index(i), report);
    }
    let tls = spec.field("tls");
    for (i, t) in vs.tls.iter().enumerate() {
        validate_tls_route(t, vs, gateway_semantics, &tls.index(i), report);
    }
    let tcp = spec.field("tcp");
    for (i, t) in vs.tcp.iter().enumerate() {
        validate_tcp_route(t, gateway_semantics, &tcp.index(i), report);
    }
    // Without a namespace, `.` stands for `""` here (DestinationRule and ServiceEntry keep
    // `.`), so `exportTo: [.]` is rejected; kept as it was written.
    let namespace = r.metadata.namespace.as_deref().unwrap_or("");
    let export_to = spec.field("exportTo");
    validate_export_to(Some(namespace), &vs.export_to, ExportToOwner::VirtualService, &export_to, report);

    analyze_unreachable_http_rules(&vs.http, &http, report);
    let tcp_matches: Vec<Vec<L4MatchAttributes>> =
        vs.tcp.iter().map(|t| t.matches.iter().map(normalized_l4_match).collect()).collect();
    analyze_unreachable_l4_rules(&tcp_matches, &tcp, report);
    let tls_matches: Vec<Vec<TlsMatchAttributes>> =
        vs.tls.iter().map(|t| t.matches.iter().map(normalized_tls_match).collect()).collect();
    analyze_unreachable_l4_rules(&tls_matches, &tls, report);
}

/// Istio's `isGateway`: the VirtualService does not name the `mesh` gateway (true when it names none).
fn is_gateway(vs: &VirtualServiceSpec) -> bool {
    !vs.gateways.iter().any(|g| g == MESH_GATEWAY)
}

/// Istio's `isSniHost`: some TLS match lists SNI hosts.
fn is_sni_host(vs: &VirtualServiceSpec) -> bool {
    vs.tls.iter().any(|t| t.matches.iter().any(|m| !m.sni_hosts.is_empty()))
}

/// Istio's `jwt.ToRoutingClaim(name).Match`: `@request.auth.claims.a.b` or `@request.auth.claims[a][b]`.
fn is_jwt_claim_route(name: &str) -> bool {
    let Some(prefix) = name.get(..JWT_CLAIM_HEADER.len()) else {
        return false;
    };
    if !prefix.eq_ignore_ascii_case(JWT_CLAIM_HEADER) {
        return false;
    }
    let rest = &name[JWT_CLAIM_HEADER.len()..];
    (rest.starts_with('.') && rest.len() > 1)
        || (rest.starts_with('[') && rest.ends_with(']') && rest.len() > 2)
}

// === hosts, gateways, exportTo ===

fn validate_hosts(
    vs: &VirtualServiceSpec,
    applies_to_gateway: bool,
    applies_to_mesh: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mut all_valid = true;
    for (i, host) in vs.hosts.iter().enumerate() {
        let res = if applies_to_gateway {
            validate_wildcard_domain_for_gateway(is_sni_host(vs), host)
        } else {
            validate_wildcard_domain(host)
        };
        match res {
            Err(e) => {
                if !is_ip_address(host) {
                    report.error(&path.index(i), e);
                    all_valid = false;
                }
            }
            Ok(()) if applies_to_mesh && host == "*" => {
                report.error(
                    &path.index(i),
                    "wildcard host * is not allowed for virtual services bound to the mesh gateway",
                );
                all_valid = false;
            }
            Ok(()) => {}
        }
    }
    if all_valid {
        for i in 0..vs.hosts.len() {
            for j in i + 1..vs.hosts.len() {
                if host_matches(&vs.hosts[i], &vs.hosts[j]) {
                    report.error(
                        &path.index(j),
                        format!("duplicate hosts in virtual service: {} & {}", vs.hosts[i], vs.hosts[j]),
                    );
                }
            }
        }
    }
}

/// Istio's `ValidateWildcardDomainForVirtualServiceBoundToGateway`: as `ValidateWildcardDomain`,
/// but SNI hosts may also be Istio's auto-generated `outbound_.<port>_._.<host>` names.
fn validate_wildcard_domain_for_gateway(sni: bool, domain: &str) -> Result<(), String> {
    check_dns1123_preconditions(domain)?;
    if sni && domain.starts_with("outbound_") {
        let format = "outbound_.<port>_._.<hostname>";
        let parts: Vec<&str> = domain.split('_').collect();
        if parts.len() < 4 {
            return Err(format!("domain name {domain} invalid, should follow '{format}' format"));
        }
        let direction = parts[0];
        let port = parts[1].trim_matches('.');
        let hostname = parts[3].trim_matches('.');
        if direction != "outbound" {
            return Err(format!("domain name {domain:?} invalid (label {direction:?} invalid)"));
        }
        if !port.bytes().any(|c| c.is_ascii_digit()) {
            return Err(format!(
                "domain name {domain:?} invalid (label {port:?} invalid). should follow {format} format"
            ));
        }
        if !hostname.bytes().any(|c| c.is_ascii_alphabetic()) {
            return Err(format!(
                "domain name {domain:?} invalid (label {hostname:?} invalid). should follow {format} format"
            ));
        }
        return Ok(());
    }
    validate_wildcard_domain(domain)
}

/// Istio's `host.Name.Matches`: either name covers the other (wildcards on both sides).
fn host_matches(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => {
            if a.len() < b.len() {
                sb.ends_with(sa)
            } else {
                sa.ends_with(sb)
            }
        }
        (Some(sa), None) => b.ends_with(sa),
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Istio's `host.Name.SubsetOf`: `a` is covered by `b`.
fn host_subset_of(a: &str, b: &str) -> bool {
    match (a.strip_prefix('*'), b.strip_prefix('*')) {
        (Some(sa), Some(sb)) => a.len() >= b.len() && sa.ends_with(sb),
        (Some(_), None) => false,
        (None, Some(sb)) => a.ends_with(sb),
        (None, None) => a == b,
    }
}

/// Istio's `validateGatewayNames`: `namespace/name` or a legacy FQDN (which ends the check).
fn validate_gateway_names(names: &[String], gateway_semantics: bool, path: &Path<'_>, report: &mut Report) {
    for (i, name) in names.iter().enumerate() {
        let p = path.index(i);
        let Some((ns, gw)) = name.split_once('/') else {
            if name.contains('.') {
                let parts: Vec<&str> = name.split('.').collect();
                report.warning(
                    &p,
                    format!(
                        "using legacy gatewayName format {name:?}; prefer the <namespace>/<name> format: \"{}/{}\"",
                        parts[1], parts[0]
                    ),
                );
            }
            if let Err(e) = validate_fqdn(name) {
                report.error(&p, e);
            }
            // Istio stops checking the remaining names here.
            return;
        };
        if ns.is_empty() || gw.is_empty() {
            report.error(&p, format!("config namespace and gateway name cannot be empty in {name:?}"));
        }
        if !is_dns1123_label(ns) {
            report.error(&p, format!("invalid value for namespace: {ns:?}"));
        }
        if !is_dns1123_label(gw) && !gateway_semantics {
            report.error(&p, format!("invalid value for gateway name: {gw:?}"));
        }
    }
}

// === HTTP routes ===

fn validate_http_route(
    h: &HttpRoute,
    delegate: bool,
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    validate_http_route_conflict(h, delegate, path, report);
    validate_http_match_requests(h, &path.field("match"), report);
    validate_headers(h.headers.as_ref(), &path.field("headers"), report);
    if let Some(c) = &h.cors_policy {
        validate_cors_policy(c, &path.field("corsPolicy"), report);
    }
    if let Some(f) = &h.fault {
        validate_fault(f, &path.field("fault"), report);
    }

    for (name, value) in
        [("mirrorPercent", h.mirror_percent), ("mirror_percent", h.mirror_percent_proto_name)]
    {
        let Some(v) = value else { continue };
        let p = path.field(name);
        if v > 100 {
            report.error(&p, format!("mirror_percent must have a max value of 100 (it has {v})"));
        }
        report.warning(&p, "using deprecated setting \"mirrorPercent\", use \"mirrorPercentage\" instead");
    }
    if let Some(Percent { value }) = h.mirror_percentage {
        let mp = path.field("mirrorPercentage");
        let p = mp.field("value");
        if value > 100.0 {
            report.error(&p, format!("mirror_percentage must have a max value of 100 (it has {value})"));
        }
        if value < 0.0 {
            report.error(&p, format!("mirror_percentage must have a min value of 0 (it has {value})"));
        }
    }

    if let Some(m) = &h.mirror {
        validate_destination(m, &path.field("mirror"), report);
    }
    validate_http_mirrors(&h.mirrors, &path.field("mirrors"), report);
    if let Some(r) = &h.redirect {
        validate_http_redirect(r, &h.matches, &path.field("redirect"), report);
    }
    if let Some(d) = &h.direct_response {
        validate_http_direct_response(d, &path.field("directResponse"), report);
    }
    if let Some(r) = &h.retries {
        validate_http_retry(r, &path.field("retries"), report);
    }
    if let Some(r) = &h.rewrite {
        validate_http_rewrite(r, &path.field("rewrite"), report);
    }
    validate_authority_rewrite(h, path, report);
    validate_route_destinations(&h.route, gateway_semantics, &path.field("route"), report);
    if let Some(t) = &h.timeout
        && let Err(e) = validate_duration(t)
    {
        report.error(&path.field("timeout"), e);
    }
}

/// Istio's `validateHTTPRouteConflict`: which actions an HTTP route may combine.
fn validate_http_route_conflict(h: &HttpRoute, delegate: bool, path: &Path<'_>, report: &mut Report) {
    let name = h.name.as_deref().unwrap_or("");
    if !delegate && h.delegate.is_some() {
        // A root route may only delegate.
        if h.redirect.is_some() {
            report
                .error(&path.field("redirect"), format!("root HTTP route {name} must not specify redirect"));
        }
        if !h.route.is_empty() {
            report.error(&path.field("route"), format!("root HTTP route {name} must not specify route"));
        }
        return;
    }
    if delegate && h.delegate.is_some() {
        report.error(&path.field("delegate"), "delegate HTTP route cannot contain delegate");
    }
    if h.redirect.is_some() {
        if !h.route.is_empty() {
            report.error(&path.field("route"), "HTTP route cannot contain both route and redirect");
        }
        if h.fault.is_some() {
            report.error(&path.field("fault"), "HTTP route cannot contain both fault and redirect");
        }
        if h.rewrite.is_some() {
            report.error(&path.field("rewrite"), "HTTP route rule cannot contain both rewrite and redirect");
        }
        if h.direct_response.is_some() {
            report.error(
                &path.field("directResponse"),
                "HTTP route rule cannot contain both direct_response and redirect",
            );
        }
    } else if h.direct_response.is_some() {
        if !h.route.is_empty() {
            report.error(&path.field("route"), "HTTP route cannot contain both route and direct_response");
        }
        if h.fault.is_some() {
            report.error(&path.field("fault"), "HTTP route cannot contain both fault and direct_response");
        }
        if h.rewrite.is_some() {
            report.error(
                &path.field("rewrite"),
                "HTTP route rule cannot contain both rewrite and direct_response",
            );
        }
    } else if h.route.is_empty() {
        report.error(&path.field("route"), "HTTP route, redirect or direct_response is required");
    }
    if h.mirror.is_some() && !h.mirrors.is_empty() {
        report.error(&path.field("mirrors"), "HTTP route cannot contain both mirror and mirrors");
    }
}

/// Istio's `validateHTTPRouteMatchRequest`.
fn validate_http_match_requests(h: &HttpRoute, path: &Path<'_>, report: &mut Report) {
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
fn validate_string_match_regex(sm: &StringMatch, where_: &str) -> Result<(), String> {
    match sm {
        StringMatch::Regex(re) if re.is_empty() => {
            Err(format!("{where_:?}: regex string match should not be empty"))
        }
        StringMatch::Regex(re) => validate_string_regex(re, where_),
        _ => Ok(()),
    }
}

/// Istio's `validateStringRegexp`: at most 1024 characters, RE2 syntax.
fn validate_string_regex(re: &str, where_: &str) -> Result<(), String> {
    if re.len() > 1024 {
        return Err(format!("{where_:?}: regex is too large, max length allowed is 1024"));
    }
    validate_regex(re).map_err(|e| {
        format!("{where_:?}: {e}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)")
    })
}

/// An RFC 7230 token (`tchar`), either case.
fn is_token(name: &str) -> bool {
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

// === header operations ===

fn is_internal_header(name: &str) -> bool {
    name.starts_with(':') || name.eq_ignore_ascii_case("host")
}

fn is_authority_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
}

/// Istio's `ValidateHTTPHeaderWithAuthorityOperationName` (request `set`/`add`).
fn validate_request_header_set_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if is_internal_header(name) && !is_authority_header(name) {
        return Err(format!("invalid header {name:?}: header cannot have \":\" prefix"));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderOperationName` (request `remove`, every response operation).
fn validate_header_operation_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if name.eq_ignore_ascii_case("host") {
        return Err(format!("invalid header {name:?}: cannot set Host header"));
    }
    if is_internal_header(name) {
        return Err(format!("invalid header {name:?}: header cannot have \":\" prefix"));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderValue`: no control characters but tab, and a well-formed Envoy
/// `%VARIABLE%` format (`%%` escapes a percent sign).
fn validate_header_value(value: &str) -> Result<(), String> {
    if value.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}')) {
        return Err(format!("header value configuration {value} is invalid"));
    }
    envoy_header_format(value).map_err(|e| format!("header value configuration: {e}"))
}

/// Port of Istio's `validateHeaderValue` (Envoy's `header_parser.cc` state machine).
fn envoy_header_format(value: &str) -> Result<(), String> {
    #[derive(PartialEq)]
    enum State {
        Literal,
        VariableName,
        ExpectArray,
        ExpectString,
        String,
        ExpectArrayDelimiterOrEnd,
        ExpectArgsEnd,
        ExpectVariableEnd,
    }
    let b = value.as_bytes();
    let mut pos = 0;
    let mut state = State::Literal;
    while pos < b.len() {
        let ch = b[pos];
        let has_next = pos + 1 < b.len();
        match state {
            State::Literal => {
                if ch == b'%' {
                    if !has_next {
                        return Err("invalid header configuration. Un-escaped %".to_string());
                    }
                    if b[pos + 1] == b'%' {
                        pos += 1;
                    } else {
                        state = State::VariableName;
                    }
                }
            }
            State::VariableName => {
                if ch == b'%' {
                    state = State::Literal;
                } else if ch == b'(' {
                    state = State::ExpectArray;
                }
            }
            State::ExpectArray => {
                if ch == b'[' {
                    state = State::ExpectString;
                } else if ch != b' ' {
                    state = State::String;
                }
            }
            State::ExpectArrayDelimiterOrEnd => {
                if ch == b',' {
                    state = State::ExpectString;
                } else if ch == b']' {
                    state = State::ExpectArgsEnd;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting ',', ']', or whitespace".to_string());
                }
            }
            State::ExpectString => {
                if ch == b'"' {
                    state = State::String;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting '\"'".to_string());
                }
            }
            State::String => {
                if ch == b'\\' {
                    if !has_next {
                        return Err("invalid header configuration. Un-terminated backslash in JSON string"
                            .to_string());
                    }
                    pos += 1;
                } else if ch == b')' {
                    state = State::ExpectVariableEnd;
                } else if ch == b'"' {
                    state = State::ExpectArrayDelimiterOrEnd;
                }
            }
            State::ExpectArgsEnd => {
                if ch == b')' {
                    state = State::ExpectVariableEnd;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting ')' or whitespace".to_string());
                }
            }
            State::ExpectVariableEnd => {
                if ch == b'%' {
                    state = State::Literal;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting '%' or whitespace after".to_string());
                }
            }
        }
        pos += 1;
    }
    if state != State::Literal {
        return Err(format!("invalid header configuration. Un-terminated variable expression '{value}'"));
    }
    Ok(())
}

/// Header operations of a route or a route destination.
fn validate_headers(headers: Option<&Headers>, path: &Path<'_>, report: &mut Report) {
    let Some(h) = headers else { return };
    if let Some(req) = &h.request {
        validate_header_operations(req, true, &path.field("request"), report);
    }
    if let Some(resp) = &h.response {
        validate_header_operations(resp, false, &path.field("response"), report);
    }
}

fn validate_header_operations(ops: &HeaderOperations, request: bool, path: &Path<'_>, report: &mut Report) {
    let set_name = if request { validate_request_header_set_name } else { validate_header_operation_name };
    for (field, map) in [("add", &ops.add), ("set", &ops.set)] {
        let fp = path.field(field);
        for (name, value) in map {
            let p = fp.key(name);
            if let Err(e) = set_name(name) {
                report.error(&p, e);
            }
            if let Err(e) = validate_header_value(value) {
                report.error(&p, e);
            }
        }
    }
    let rp = path.field("remove");
    for (i, name) in ops.remove.iter().enumerate() {
        if let Err(e) = validate_header_operation_name(name) {
            report.error(&rp.index(i), e);
        }
    }
}

/// Istio's `validateAuthorityRewrite`: the authority may be rewritten in only one place.
fn validate_authority_rewrite(h: &HttpRoute, path: &Path<'_>, report: &mut Report) {
    let mut current = h.rewrite.as_ref().and_then(|r| r.authority.clone()).unwrap_or_default();
    let Some(req) = h.headers.as_ref().and_then(|x| x.request.as_ref()) else { return };
    let hp = path.field("headers");
    let rp = hp.field("request");
    for (field, map) in [("set", &req.set), ("add", &req.add)] {
        let fp = rp.field(field);
        for (k, v) in map.iter().filter(|(k, _)| is_authority_header(k)) {
            if !current.is_empty() {
                report.error(
                    &fp.key(k),
                    format!("authority header cannot be set multiple times: have {current:?}, attempting to set {v:?}"),
                );
                return;
            }
            current = v.clone();
        }
    }
}

// === CORS ===

const CORS_METHODS: &[&str] =
    &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];

fn validate_cors_policy(c: &CorsPolicy, path: &Path<'_>, report: &mut Report) {
    let op = path.field("allowOrigins");
    for (i, origin) in c.allow_origins.iter().enumerate() {
        let p = op.index(i);
        match origin.value() {
            None | Some("") => {
                report.error(&p, "'' is not a valid match type for CORS allow origins");
            }
            Some(_) => {
                if let Err(e) = validate_string_match_regex(origin, "corsPolicy.allowOrigins") {
                    report.error(&p, e);
                }
            }
        }
    }
    let mp = path.field("allowMethods");
    for (i, m) in c.allow_methods.iter().enumerate() {
        if !CORS_METHODS.contains(&m.as_str()) {
            report.error(&mp.index(i), format!("{m:?} is not a supported HTTP method"));
        }
    }
    for (field, names) in [("allowHeaders", &c.allow_headers), ("exposeHeaders", &c.expose_headers)] {
        let fp = path.field(field);
        for (i, name) in names.iter().enumerate() {
            let err = if name.is_empty() {
                Some("header name cannot be empty".to_string())
            } else if name != "*" && !is_token(name) {
                Some(format!("header name {name} is not a valid header name"))
            } else {
                None
            };
            if let Some(e) = err {
                report.error(&fp.index(i), e);
            }
        }
    }
    if let Some(max_age) = &c.max_age {
        let p = path.field("maxAge");
        if let Err(e) = validate_duration(max_age) {
            report.error(&p, e);
        }
        if max_age.as_nanos() % 1_000_000_000 > 0 {
            report.error(&p, format!("max_age duration {max_age} is accurate only to seconds precision"));
        }
    }
}

// === fault injection ===

/// Istio's `validatePercentage`: 0, or in `[0.0001, 100]`.
fn validate_fault_percentage(p: &Percent) -> Result<(), String> {
    let v = p.value;
    if !(0.0..=100.0).contains(&v) || (v > 0.0 && v < 0.0001) {
        return Err(format!("percentage {v} is neither 0.0, nor in range [0.0001, 100.0]"));
    }
    Ok(())
}

/// Istio's `validateHTTPStatus`: 200 through 600.
fn validate_http_status(status: i64) -> Result<(), String> {
    if (200..=600).contains(&status) {
        Ok(())
    } else {
        Err(format!("HTTP status {status} is not in range 200-599"))
    }
}

fn validate_fault(f: &HttpFaultInjection, path: &Path<'_>, report: &mut Report) {
    if f.abort.is_none() && f.delay.is_none() {
        report.error(path, "HTTP fault injection must have an abort and/or a delay");
    }
    if let Some(a) = &f.abort {
        let ap = path.field("abort");
        if let Some(pct) = &a.percentage
            && let Err(e) = validate_fault_percentage(pct)
        {
            report.error(&ap.field("percentage").field("value"), e);
        }
        match &a.error {
            Some(AbortError::GrpcStatus(s)) => {
                if crate::common::grpc_status_code(s).is_none() {
                    report.error(
                        &ap.field("grpcStatus"),
                        format!(
                            "gRPC status {s:?} is not supported. See https://github.com/grpc/grpc/blob/master/doc/statuscodes.md for a list of supported codes, for example 'NOT_FOUND'"
                        ),
                    );
                }
            }
            Some(AbortError::Http2Error(_)) => {
                report.error(&ap.field("http2Error"), "HTTP/2 abort fault injection not supported yet");
            }
            Some(AbortError::HttpStatus(s)) => {
                if let Err(e) = validate_http_status(i64::from(*s)) {
                    report.error(&ap.field("httpStatus"), e);
                }
            }
            None => report.warning(&ap, "abort configured, but error type not set"),
        }
    }
    if let Some(d) = &f.delay {
        let dp = path.field("delay");
        if let Some(pct) = &d.percentage
            && let Err(e) = validate_fault_percentage(pct)
        {
            report.error(&dp.field("percentage").field("value"), e);
        }
        match &d.delay {
            Some(DelayType::FixedDelay(x)) => {
                if let Err(e) = validate_duration(x) {
                    report.error(&dp.field("fixedDelay"), e);
                }
            }
            Some(DelayType::ExponentialDelay(x)) => {
                let p = dp.field("exponentialDelay");
                if let Err(e) = validate_duration(x) {
                    report.error(&p, e);
                }
                report.error(&p, "exponentialDelay not supported yet");
            }
            None => {}
        }
    }
}

// === destinations, mirrors ===

fn validate_http_mirrors(mirrors: &[HttpMirrorPolicy], path: &Path<'_>, report: &mut Report) {
    for (i, m) in mirrors.iter().enumerate() {
        let p = path.index(i);
        validate_destination(&m.destination, &p.field("destination"), report);
        if let Some(Percent { value }) = m.percentage {
            let pc = p.field("percentage");
            let pp = pc.field("value");
            if value > 100.0 {
                report.error(&pp, format!("mirror percentage must have a max value of 100 (it has {value})"));
            }
            if value < 0.0 {
                report.error(&pp, format!("mirror percentage must have a min value of 0 (it has {value})"));
            }
        }
    }
}

/// A weighted destination of a route: HTTP routes' (which may carry header operations) or
/// TLS and TCP routes'.
trait WeightedDestination {
    /// Where traffic goes.
    fn destination(&self) -> &Destination;
    /// The weight, unset as 0.
    fn weight(&self) -> i32;
    /// Header operations (HTTP routes only).
    fn headers(&self) -> Option<&Headers> {
        None
    }
}

impl WeightedDestination for HttpRouteDestination {
    fn destination(&self) -> &Destination {
        &self.destination
    }
    fn weight(&self) -> i32 {
        self.weight.unwrap_or(0)
    }
    fn headers(&self) -> Option<&Headers> {
        self.headers.as_ref()
    }
}

impl WeightedDestination for RouteDestination {
    fn destination(&self) -> &Destination {
        &self.destination
    }
    fn weight(&self) -> i32 {
        self.weight.unwrap_or(0)
    }
}

/// Istio's `validateHTTPRouteDestinations` and `validateRouteDestinations` (TLS and TCP
/// routes): header operations, destinations (unless the Gateway API generated the route),
/// weights not negative and, with several destinations, not all zero.
fn validate_route_destinations<D: WeightedDestination>(
    route: &[D],
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mut total: i32 = 0;
    for (i, rd) in route.iter().enumerate() {
        let p = path.index(i);
        validate_headers(rd.headers(), &p.field("headers"), report);
        if !gateway_semantics {
            validate_destination(rd.destination(), &p.field("destination"), report);
        }
        let w = rd.weight();
        if w < 0 {
            report.error(&p.field("weight"), format!("weight {w} < 0"));
        }
        total = total.wrapping_add(w);
    }
    if route.len() > 1 && total == 0 {
        report.error(path, "total destination weight = 0");
    }
}

// === redirect, direct response, rewrite, retries ===

/// Istio's `validateHTTPRedirect`, which stops at the first problem.
fn validate_http_redirect(
    r: &HttpRedirect,
    matches: &[HttpMatchRequest],
    path: &Path<'_>,
    report: &mut Report,
) {
    let uri = r.uri.as_deref().unwrap_or("");
    let prefix_rewrite = r.prefix_rewrite.as_deref().unwrap_or("");
    let authority = r.authority.as_deref().unwrap_or("");
    let scheme = r.scheme.as_deref().unwrap_or("");
    if !uri.is_empty() && !prefix_rewrite.is_empty() {
        report.error(&path.field("prefixRewrite"), "redirect may only specify one of uri or prefix_rewrite");
        return;
    }
    if !prefix_rewrite.is_empty()
        && matches.iter().any(|m| m.uri.as_ref().is_some_and(|u| !matches!(u, StringMatch::Prefix(_))))
    {
        report.error(
            &path.field("prefixRewrite"),
            "redirect prefix_rewrite requires all URI matches to use prefix match type",
        );
        return;
    }
    if uri.is_empty()
        && prefix_rewrite.is_empty()
        && authority.is_empty()
        && r.port.is_none()
        && scheme.is_empty()
    {
        report.error(path, "redirect must specify URI, authority, scheme, or port");
        return;
    }
    if let Some(code) = r.redirect_code.filter(|c| *c != 0)
        && !(300..=399).contains(&code)
    {
        report
            .error(&path.field("redirectCode"), format!("{code} is not a valid redirect code, must be 3xx"));
        return;
    }
    if !scheme.is_empty() && scheme != "http" && scheme != "https" {
        report.error(&path.field("scheme"), "invalid redirect scheme, must be \"http\" or \"https\"");
        return;
    }
    if let Some(RedirectPort::Port(p)) = r.port
        && p > 0
        && let Err(e) = validate_port(p)
    {
        report.error(&path.field("port"), e);
    }
}

const KB: usize = 1024;
const MB: usize = 1024 * KB;

/// Istio's `validateHTTPDirectResponse`.
fn validate_http_direct_response(d: &HttpDirectResponse, path: &Path<'_>, report: &mut Report) {
    if let Some(body) = &d.body {
        let size = match &body.specifier {
            Some(BodySpecifier::String(s)) => s.len(),
            Some(BodySpecifier::Bytes(b)) => b.len(),
            None => 0,
        };
        let p = path.field("body");
        if size > MB {
            report.error(
                &p,
                "large direct_responses may impact control plane performance, must be less than 1MB",
            );
        } else if size > 100 * KB {
            report.warning(&p, "large direct_responses may impact control plane performance");
        }
    }
    // Istio casts the uint32 status to int32.
    if let Err(e) = validate_http_status(i64::from(d.status as i32)) {
        report.error(&path.field("status"), e);
    }
}

/// Istio's `validateHTTPRewrite` (first problem only).
fn validate_http_rewrite(r: &HttpRewrite, path: &Path<'_>, report: &mut Report) {
    let uri = r.uri.as_deref().unwrap_or("");
    let authority = r.authority.as_deref().unwrap_or("");
    if !uri.is_empty() && r.uri_regex_rewrite.is_some() {
        report
            .error(&path.field("uriRegexRewrite"), "rewrite may only contain one of URI or UriRegexRewrite");
        return;
    }
    if uri.is_empty() && r.uri_regex_rewrite.is_none() && authority.is_empty() {
        report.error(
            path,
            "rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified",
        );
        return;
    }
    if let Some(rr) = &r.uri_regex_rewrite {
        let rp = path.field("uriRegexRewrite");
        let m = rr.match_regex.as_deref().unwrap_or("");
        let rw = rr.rewrite.as_deref().unwrap_or("");
        if m.is_empty() || rw.is_empty() {
            report.error(
                &rp,
                "UriRegexRewrite has errors: UriRegexRewrite requires both Rewrite and Match fields to be specified",
            );
        } else if let Err(e) = validate_string_regex(m, "HTTPRewrite.UriRegexRewrite.Match") {
            report.error(&rp.field("match"), format!("UriRegexRewrite has errors: {e}"));
        }
    }
}

/// Envoy `x-envoy-retry-on` and `x-envoy-retry-grpc-on` policies Istio accepts in `retryOn`.
const RETRY_ON_POLICIES: &[&str] = &[
    "5xx",
    "gateway-error",
    "reset",
    "reset-before-request",
    "connect-failure",
    "retriable-4xx",
    "refused-stream",
    "retriable-status-codes",
    "retriable-headers",
    "envoy-ratelimited",
    "http3-post-connect-failure",
    "cancelled",
    "deadline-exceeded",
    "internal",
    "resource-exhausted",
    "unavailable",
];

/// Status codes Go's `net/http.StatusText` names (Istio accepts these in `retryOn`).
fn is_known_http_status(code: i64) -> bool {
    matches!(
        code,
        100..=103
            | 200..=208
            | 226
            | 300..=305
            | 307
            | 308
            | 400..=418
            | 421..=426
            | 428
            | 429
            | 431
            | 451
            | 500..=508
            | 510
            | 511
    )
}

/// Istio's `agent.ValidateHTTPRetry`, shared by VirtualService retries and MeshConfig's
/// `defaultHttpRetryPolicy`; `path` is the retry policy itself.
fn validate_http_retry(r: &HttpRetry, path: &Path<'_>, report: &mut Report) {
    let attempts = r.attempts.unwrap_or(0);
    let retry_on = r.retry_on.as_deref().unwrap_or("");
    if attempts < 0 {
        report.error(&path.field("attempts"), format!("attempts cannot be negative (it is {attempts})"));
    }
    if attempts == 0
        && (r.per_try_timeout.is_some() || !retry_on.is_empty() || r.retry_remote_localities.is_some())
    {
        report.error(
            &path.field("attempts"),
            "http retry policy configured when attempts are set to 0 (disabled)",
        );
    }
    if let Some(d) = &r.per_try_timeout
        && let Err(e) = validate_duration(d)
    {
        report.error(&path.field("perTryTimeout"), e);
    }
    if !retry_on.is_empty() {
        for policy in retry_on.split(',') {
            // Go's strconv.Atoi: optional sign, decimal digits.
            let code = policy.parse::<i64>().unwrap_or(0);
            if !is_known_http_status(code) && !RETRY_ON_POLICIES.contains(&policy) {
                report.error(&path.field("retryOn"), format!("{policy:?} is not a valid retryOn policy"));
            }
        }
    }
    if let Some(d) = &r.backoff
        && let Err(e) = validate_duration(d)
    {
        report.error(&path.field("backoff"), e);
    }
}

// === TLS and TCP routes ===

fn validate_tls_route(
    t: &TlsRoute,
    vs: &VirtualServiceSpec,
    gateway_semantics: bool,
    path: &Path<'_>,
    report: &mut Report,
) {
    let mp = path.field("match");
    if t.matches.is_empty() {
        report.error(&mp, "TLS route must have at least one match condition");
    }
    for (j, m) in t.matches.iter().enumerate() {
        let p = mp.index(j);
        let sp = p.field("sniHosts");
        if m.sni_hosts.is_empty() {
            report.error(&sp, "TLS match must have at least one SNI host");
        }
        for (k, sni) in m.sni_hosts.iter().enumerate() {
            validate_sni_host(sni, vs, &sp.index(k), report);
        }
        validate_subnets(&m.destination_subnets, &p.field("destinationSubnets"), report);
        validate_match_port(m.port, &p.field("port"), report);
        validate_label_map(&m.source_labels, &p.field("sourceLabels"), report);
        validate_gateway_names(&m.gateways, false, &p.field("gateways"), report);
    }
    if t.route.is_empty() {
        report.error(&path.field("route"), "TLS route is required");
    }
    validate_route_destinations(&t.route, gateway_semantics, &path.field("route"), report);
}

/// Istio's `validateSniHost`: a (wildcard) domain covered by one of the VirtualService's hosts;
/// an IP address is only warned about.
fn validate_sni_host(sni: &str, vs: &VirtualServiceSpec, path: &Path<'_>, report: &mut Report) {
    let res = if is_gateway(vs) {
        validate_wildcard_domain_for_gateway(true, sni)
    } else {
        validate_wildcard_domain(sni)
    };
    if let Err(e) = res {
        if is_ip_address(sni) {
            report.warning(
                path,
                format!(
                    "using an IP address ({sni:?}) goes against SNI spec and most clients do not support this"
                ),
            );
        } else {
            report.error(path, e);
        }
        return;
    }
    if vs.hosts.iter().any(|h| host_subset_of(sni, h)) {
        return;
    }
    report.error(
        path,
        format!(
            "SNI host {sni:?} is not a compatible subset of any of the virtual service hosts: [{}]",
            vs.hosts.join(", ")
        ),
    );
}

fn validate_tcp_route(t: &TcpRoute, gateway_semantics: bool, path: &Path<'_>, report: &mut Report) {
    let mp = path.field("match");
    for (j, m) in t.matches.iter().enumerate() {
        let p = mp.index(j);
        validate_subnets(&m.destination_subnets, &p.field("destinationSubnets"), report);
        validate_match_port(m.port, &p.field("port"), report);
        validate_label_map(&m.source_labels, &p.field("sourceLabels"), report);
        validate_gateway_names(&m.gateways, false, &p.field("gateways"), report);
    }
    if t.route.is_empty() {
        report.error(&path.field("route"), "TCP route is required");
    }
    validate_route_destinations(&t.route, gateway_semantics, &path.field("route"), report);
}

fn validate_match_port(port: Option<u32>, path: &Path<'_>, report: &mut Report) {
    if let Some(p) = port.filter(|p| *p != 0)
        && let Err(e) = validate_port(p)
    {
        report.error(path, e);
    }
}

fn validate_subnets(subnets: &[String], path: &Path<'_>, report: &mut Report) {
    for (i, s) in subnets.iter().enumerate() {
        if let Err(e) = validate_ip_subnet(s) {
            report.error(&path.index(i), e);
        }
    }
}

// === unreachable rules and ineffective matches (warnings) ===

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

fn normalized_l4_match(m: &L4MatchAttributes) -> L4MatchAttributes {
    let mut m = m.clone();
    m.port = m.port.filter(|p| *p != 0);
    m.source_subnet = m.source_subnet.filter(|s| !s.is_empty());
    m.source_namespace = m.source_namespace.filter(|s| !s.is_empty());
    m
}

fn normalized_tls_match(m: &TlsMatchAttributes) -> TlsMatchAttributes {
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
fn analyze_unreachable_http_rules(routes: &[HttpRoute], path: &Path<'_>, report: &mut Report) {
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
fn analyze_unreachable_l4_rules<M: PartialEq>(routes: &[Vec<M>], path: &Path<'_>, report: &mut Report) {
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
