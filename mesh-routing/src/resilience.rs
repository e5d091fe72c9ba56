//! Timeouts, retries, fault injection and mirroring of an HTTP route, with Istio's defaults
//! made explicit (`route.go` `setTimeout`, `TranslateFault`, `MirrorPercent`;
//! `route/retry/retry.go` `ConvertPolicy`).

use mesh_model::Duration;
use mesh_model::networking::{AbortError, DelayType, Destination, HttpFaultInjection, HttpRetry, HttpRoute};

/// The effective retry policy of a route.
#[derive(Debug, Clone, PartialEq)]
pub struct Retries<'a> {
    /// Retries after the first attempt.
    pub attempts: u32,
    /// Timeout of each attempt; `None` uses the route timeout.
    pub per_try_timeout: Option<Duration>,
    /// The `retryOn` conditions as configured (Istio's default when unset).
    pub retry_on: &'a str,
    /// Whether retries avoid hosts already tried (`retryIgnorePreviousHosts`, default true
    /// unless the destination uses consistent hashing).
    pub ignore_previous_hosts: Option<bool>,
    /// Base back-off between retries (`backoff`; Envoy's 25ms when unset).
    pub backoff: Option<Duration>,
}

impl Retries<'_> {
    /// The conditions Envoy receives in `retry_on`: the named conditions, plus
    /// `retriable-status-codes` when status codes were listed (`parseRetryOn`).
    pub fn envoy_retry_on(&self) -> String {
        let (names, codes) = split_retry_on(self.retry_on);
        let mut s = names.join(",");
        if !codes.is_empty() && !s.contains("retriable-status-codes") {
            if !s.is_empty() {
                s.push(',');
            }
            s.push_str("retriable-status-codes");
        }
        s
    }

    /// The HTTP status codes listed in `retryOn` (Envoy's `retriable_status_codes`).
    pub fn retriable_status_codes(&self) -> Vec<u16> {
        split_retry_on(self.retry_on).1
    }
}

/// Splits `retryOn` into condition names and HTTP status codes (integers 100..=599).
fn split_retry_on(retry_on: &str) -> (Vec<&str>, Vec<u16>) {
    let mut names = Vec::new();
    let mut codes = Vec::new();
    for part in retry_on.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<u16>() {
            Ok(c) if (100..=599).contains(&c) => codes.push(c),
            _ => names.push(part),
        }
    }
    (names, codes)
}

/// `ConvertPolicy`: the route's policy, else the mesh default; `None` when `attempts` is 0
/// or less (retries disabled). An unset `retryOn` takes Istio's default conditions.
pub fn retries<'a>(route: Option<&'a HttpRetry>, mesh_default: &'a HttpRetry) -> Option<Retries<'a>> {
    let p = route.unwrap_or(mesh_default);
    let attempts = p.attempts.unwrap_or(0);
    if attempts <= 0 {
        return None;
    }
    Some(Retries {
        attempts: attempts as u32,
        per_try_timeout: p.per_try_timeout,
        retry_on: p
            .retry_on
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(mesh_model::mesh_config::DEFAULT_RETRY_ON),
        ignore_previous_hosts: p.retry_ignore_previous_hosts,
        backoff: p.backoff,
    })
}

/// The route timeout: `None` when unset or zero (Istio disables the timeout by default).
pub fn timeout(route: &HttpRoute) -> Option<Duration> {
    route.timeout.filter(|d| d.as_nanos() != 0)
}

/// A percentage as Envoy receives it: `value * 10000` parts per million, truncated.
pub fn effective_percent(value: f64) -> f64 {
    let ppm = (value * 10_000.0).clamp(0.0, 1_000_000.0) as u32;
    f64::from(ppm) / 10_000.0
}

/// Whether a draw `r` in `[0, 1)` falls within `percent`: `r * 100 < percent`.
pub fn applies(random: f64, percent: f64) -> bool {
    random * 100.0 < percent
}

/// The faults a route configures, with their effective percentages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    /// A fixed delay and its percentage (`percentage`, else the deprecated integer
    /// `percent`, else 0). Exponential delays are dropped, as Istio drops them.
    pub delay: Option<(Duration, f64)>,
    /// An abort and its percentage (`percentage`, else 0).
    pub abort: Option<(Abort, f64)>,
}

/// What an abort fault answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Abort {
    /// An HTTP status.
    Http(u32),
    /// A gRPC status code (`UNAVAILABLE` = 14).
    Grpc(u32),
}

impl Fault {
    /// `TranslateFault`; `None` when neither part remains.
    pub fn from_route(f: &HttpFaultInjection) -> Option<Self> {
        let delay = f.delay.as_ref().and_then(|d| match d.delay {
            Some(DelayType::FixedDelay(fixed)) => {
                let pct = match d.percentage {
                    Some(p) => effective_percent(p.value),
                    None => f64::from(d.percent.unwrap_or(0).clamp(0, 100)),
                };
                Some((fixed, pct))
            }
            _ => None,
        });
        let abort = f.abort.as_ref().and_then(|a| {
            let kind = match &a.error {
                Some(AbortError::HttpStatus(s)) => Abort::Http(u32::try_from(*s).ok()?),
                Some(AbortError::GrpcStatus(s)) => Abort::Grpc(grpc_code(s)?),
                _ => return None,
            };
            Some((kind, a.percentage.map_or(0.0, |p| effective_percent(p.value))))
        });
        (delay.is_some() || abort.is_some()).then_some(Self { delay, abort })
    }

    /// The parts that apply to draw `random`.
    pub fn for_draw(&self, random: f64) -> (Option<Duration>, Option<Abort>) {
        (
            self.delay.filter(|(_, p)| applies(random, *p)).map(|(d, _)| d),
            self.abort.filter(|(_, p)| applies(random, *p)).map(|(a, _)| a),
        )
    }
}

/// The numeric code of a gRPC status name.
pub fn grpc_code(name: &str) -> Option<u32> {
    mesh_model::common::grpc_status_code(name)
}

/// A mirror of a route and its effective percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mirror<'a> {
    /// Where the copy goes (host resolved to an FQDN).
    pub destination: &'a Destination,
    /// The effective percentage; 0 when configured as 0 (Istio then mirrors nothing).
    pub percentage: f64,
}

/// Every configured mirror: `mirror` (with `mirrorPercentage`, else the deprecated
/// `mirrorPercent`, else 100), then each of `mirrors` (with its `percentage`, else 100).
pub fn mirrors(route: &HttpRoute) -> impl Iterator<Item = Mirror<'_>> {
    let single = route.mirror.as_ref().map(|d| {
        let percentage = match (route.mirror_percentage, route.effective_mirror_percent()) {
            (Some(p), _) => effective_percent(p.value),
            (None, Some(p)) => f64::from(p.min(100)),
            (None, None) => 100.0,
        };
        Mirror { destination: d, percentage }
    });
    single.into_iter().chain(route.mirrors.iter().map(|m| Mirror {
        destination: &m.destination,
        percentage: m.percentage.map_or(100.0, |p| effective_percent(p.value)),
    }))
}
