//! HTTP routes: the route itself, its action conflicts, mirrors and weighted destinations.

use crate::common::Percent;
use crate::networking::{
    Destination, Headers, HttpMirrorPolicy, HttpRoute, HttpRouteDestination, RouteDestination,
};
use crate::validate::common::destination::validate_destination;
use crate::validate::common::values::validate_duration;
use crate::validate::{Path, Report};

use super::actions::{
    validate_cors_policy, validate_fault, validate_http_direct_response, validate_http_redirect,
    validate_http_retry, validate_http_rewrite,
};
use super::headers::{validate_authority_rewrite, validate_headers};
use super::matches::validate_http_match_requests;
// === HTTP routes ===

pub(super) fn validate_http_route(
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
pub(super) trait WeightedDestination {
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
pub(super) fn validate_route_destinations<D: WeightedDestination>(
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
