//! Route actions: CORS, fault injection, redirect, direct response, rewrite and retries.

use crate::common::Percent;
use crate::networking::{
    AbortError, BodySpecifier, CorsPolicy, DelayType, HttpDirectResponse, HttpFaultInjection,
    HttpMatchRequest, HttpRedirect, HttpRetry, HttpRewrite, RedirectPort, StringMatch,
};
use crate::validate::common::ports::validate_port;
use crate::validate::common::values::validate_duration;
use crate::validate::{Path, Report};

use super::matches::{is_token, validate_string_match_regex, validate_string_regex};
// === CORS ===

const CORS_METHODS: &[&str] =
    &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", "*"];

pub(super) fn validate_cors_policy(c: &CorsPolicy, path: &Path<'_>, report: &mut Report) {
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

pub(super) fn validate_fault(f: &HttpFaultInjection, path: &Path<'_>, report: &mut Report) {
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

// === redirect, direct response, rewrite, retries ===

/// Istio's `validateHTTPRedirect`, which stops at the first problem.
pub(super) fn validate_http_redirect(
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
pub(super) fn validate_http_direct_response(d: &HttpDirectResponse, path: &Path<'_>, report: &mut Report) {
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
pub(super) fn validate_http_rewrite(r: &HttpRewrite, path: &Path<'_>, report: &mut Report) {
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
pub(super) fn validate_http_retry(r: &HttpRetry, path: &Path<'_>, report: &mut Report) {
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
