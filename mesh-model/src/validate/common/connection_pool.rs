//! Connection pool settings (istio/istio `validateConnectionPool`), shared by DestinationRule
//! traffic policies and Sidecar `inboundConnectionPool` / ingress `connectionPool`.

use super::values::check_duration;
use crate::networking::{ConnectionPoolSettings, H2UpgradePolicy};
use crate::validate::{Path, Report};

/// Whose wording the checks use (the two validators word two messages differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PoolWording {
    /// DestinationRule: "... must be non-negative, got -1".
    DestinationRule,
    /// Sidecar: "... must be non-negative, not -1", and names the fields an empty pool lacks.
    Sidecar,
}

/// `validateConnectionPool`: at least one of `http` and `tcp`; counts non-negative;
/// durations of at least 1ms; no client protocol with an UPGRADE policy; an HTTP/2 keepalive
/// with both interval and timeout.
pub(crate) fn validate_connection_pool(
    pool: &ConnectionPoolSettings,
    wording: PoolWording,
    at: &Path<'_>,
    report: &mut Report,
) {
    if pool.http.is_none() && pool.tcp.is_none() {
        let message = match wording {
            PoolWording::DestinationRule => "connection pool must have at least one field",
            PoolWording::Sidecar => "connection pool must have at least one field (http or tcp)",
        };
        report.error(at, message);
        return;
    }
    let non_negative = |report: &mut Report, at: &Path<'_>, v: Option<i32>, what: &str| {
        if let Some(v) = v
            && v < 0
        {
            let joiner = if wording == PoolWording::Sidecar { "not" } else { "got" };
            report.error(at, format!("{what} must be non-negative, {joiner} {v}"));
        }
    };
    if let Some(h) = &pool.http {
        let hp = at.field("http");
        let p = hp.field("http1MaxPendingRequests");
        non_negative(report, &p, h.http1_max_pending_requests, "http1 max pending requests");
        let p = hp.field("http2MaxRequests");
        non_negative(report, &p, h.http2_max_requests, "http2 max requests");
        let p = hp.field("maxRequestsPerConnection");
        non_negative(report, &p, h.max_requests_per_connection, "max requests per connection");
        let p = hp.field("maxRetries");
        non_negative(report, &p, h.max_retries, "max retries");
        if let Some(d) = &h.idle_timeout {
            check_duration(d, &hp.field("idleTimeout"), report);
        }
        if h.h2_upgrade_policy == Some(H2UpgradePolicy::Upgrade) && h.use_client_protocol == Some(true) {
            let p = hp.field("useClientProtocol");
            report.error(&p, "use client protocol must not be true when H2UpgradePolicy is UPGRADE");
        }
        let p = hp.field("maxConcurrentStreams");
        non_negative(report, &p, h.max_concurrent_streams, "max concurrent streams");
        if let Some(ka) = &h.http2_keep_alive {
            let kp = hp.field("http2KeepAlive");
            let p = kp.field("interval");
            match &ka.interval {
                None => report.error(&p, "http2 keepalive interval is required"),
                Some(d) => check_duration(d, &p, report),
            }
            let p = kp.field("timeout");
            match &ka.timeout {
                None => report.error(&p, "http2 keepalive timeout is required"),
                Some(d) => check_duration(d, &p, report),
            }
        }
    }
    if let Some(t) = &pool.tcp {
        let tp = at.field("tcp");
        let p = tp.field("maxConnections");
        non_negative(report, &p, t.max_connections, "max connections");
        if let Some(d) = &t.connect_timeout {
            check_duration(d, &tp.field("connectTimeout"), report);
        }
        if let Some(d) = &t.max_connection_duration {
            check_duration(d, &tp.field("maxConnectionDuration"), report);
        }
        // A timeout that truncates to 0ms disables the idle timeout and is not checked.
        if let Some(d) = &t.idle_timeout
            && d.as_nanos() / 1_000_000 != 0
        {
            check_duration(d, &tp.field("idleTimeout"), report);
        }
        if let Some(ka) = &t.tcp_keepalive {
            let kp = tp.field("tcpKeepalive");
            if let Some(d) = &ka.time {
                check_duration(d, &kp.field("time"), report);
            }
            if let Some(d) = &ka.interval {
                check_duration(d, &kp.field("interval"), report);
            }
        }
    }
}
