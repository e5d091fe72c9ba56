//! Validation of [`VirtualService`](crate::networking::VirtualService), as Istio's admission webhook performs it.
//!
//! Ports istio/istio `pkg/config/validation` `ValidateVirtualService` and what it calls
//! (`virtualservice.go`, `validation.go`, `agent.ValidateHTTPRetry`), including the
//! unreachable-rule and ineffective-match warnings.

use crate::networking::{L4MatchAttributes, TlsMatchAttributes, VirtualService, VirtualServiceSpec};

use super::common::export_to::{ExportToOwner, validate_export_to};
use super::{Path, Report};

mod actions;
mod headers;
mod hosts;
mod http;
mod l4;
mod matches;
mod unreachable;

use hosts::{validate_gateway_names, validate_hosts};
use http::validate_http_route;
use l4::{validate_tcp_route, validate_tls_route};
use unreachable::{
    analyze_unreachable_http_rules, analyze_unreachable_l4_rules, normalized_l4_match, normalized_tls_match,
};

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
