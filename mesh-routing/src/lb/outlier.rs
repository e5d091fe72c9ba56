//! Outlier detection as a pure state machine (Envoy's `Outlier::DetectorImpl`): the caller
//! reports each call's result and runs the interval sweep, passing the time and random
//! draws; the detector answers with ejections and unejections.
//!
//! - Consecutive 5xx, consecutive gateway errors (502/503/504) and, with
//!   `split_external_local_origin_errors`, consecutive local-origin failures eject at their
//!   thresholds, each enforced with its percentage.
//! - Each interval, success-rate (mean minus `stdev_factor / 1000` standard deviations) and
//!   failure-percentage ejections run on the previous interval's counts.
//! - An ejection lasts `min(base * backoff, max) + jitter`; `backoff` grows by one per
//!   ejection (while `backoff * base < max + base`) and shrinks by one per interval the host
//!   spends uneejected.
//! - At most `max_ejection_percent` of hosts are ejected: an ejection is allowed while
//!   `100 * (ejected + 1) / hosts <= max_ejection_percent`, or for the first one under
//!   `always_eject_one_host`.

use mesh_model::networking::OutlierDetection;

use super::error::LbError;
use super::random::RandomSource;

/// The detector's settings, in milliseconds and percent, with Envoy's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutlierConfig {
    /// Time between sweeps (10s).
    pub interval_ms: u64,
    /// Base ejection time (30s).
    pub base_ejection_time_ms: u64,
    /// Longest ejection (300s).
    pub max_ejection_time_ms: u64,
    /// Largest random addition to an ejection (0).
    pub max_ejection_time_jitter_ms: u64,
    /// Consecutive 5xx before ejection (5).
    pub consecutive_5xx: u64,
    /// Consecutive gateway errors before ejection (5).
    pub consecutive_gateway_failure: u64,
    /// Consecutive local-origin failures before ejection (5), with the split on.
    pub consecutive_local_origin_failure: u64,
    /// Largest share of hosts ejected at once (10).
    pub max_ejection_percent: u64,
    /// Eject the first host even above `max_ejection_percent` (false).
    pub always_eject_one_host: bool,
    /// Hosts with enough volume needed for success-rate ejection (5).
    pub success_rate_minimum_hosts: u64,
    /// Requests per interval a host needs for success-rate ejection (100).
    pub success_rate_request_volume: u64,
    /// Standard deviations below the mean, times 1000 (1900).
    pub success_rate_stdev_factor: u64,
    /// Failure percentage at or above which a host is ejected (85).
    pub failure_percentage_threshold: u64,
    /// Hosts with enough volume needed for failure-percentage ejection (5).
    pub failure_percentage_minimum_hosts: u64,
    /// Requests per interval a host needs for failure-percentage ejection (50).
    pub failure_percentage_request_volume: u64,
    /// Percent of consecutive-5xx detections enforced (100).
    pub enforcing_consecutive_5xx: u64,
    /// Percent of consecutive-gateway detections enforced (0).
    pub enforcing_consecutive_gateway_failure: u64,
    /// Percent of consecutive local-origin detections enforced (100).
    pub enforcing_consecutive_local_origin_failure: u64,
    /// Percent of success-rate detections enforced (100).
    pub enforcing_success_rate: u64,
    /// Percent of local-origin success-rate detections enforced (100).
    pub enforcing_local_origin_success_rate: u64,
    /// Percent of failure-percentage detections enforced (0).
    pub enforcing_failure_percentage: u64,
    /// Percent of local-origin failure-percentage detections enforced (0).
    pub enforcing_failure_percentage_local_origin: u64,
    /// Count local-origin failures (connect errors, timeouts) apart from HTTP errors (false).
    pub split_external_local_origin_errors: bool,
}

impl Default for OutlierConfig {
    fn default() -> Self {
        Self {
            interval_ms: 10_000,
            base_ejection_time_ms: 30_000,
            max_ejection_time_ms: 300_000,
            max_ejection_time_jitter_ms: 0,
            consecutive_5xx: 5,
            consecutive_gateway_failure: 5,
            consecutive_local_origin_failure: 5,
            max_ejection_percent: 10,
            always_eject_one_host: false,
            success_rate_minimum_hosts: 5,
            success_rate_request_volume: 100,
            success_rate_stdev_factor: 1900,
            failure_percentage_threshold: 85,
            failure_percentage_minimum_hosts: 5,
            failure_percentage_request_volume: 50,
            enforcing_consecutive_5xx: 100,
            enforcing_consecutive_gateway_failure: 0,
            enforcing_consecutive_local_origin_failure: 100,
            enforcing_success_rate: 100,
            enforcing_local_origin_success_rate: 100,
            enforcing_failure_percentage: 0,
            enforcing_failure_percentage_local_origin: 0,
            split_external_local_origin_errors: false,
        }
    }
}

fn millis(d: &mesh_model::Duration) -> u64 {
    u64::try_from(d.as_nanos() / 1_000_000).unwrap_or(0)
}

impl OutlierConfig {
    /// The detector Istio configures from a DestinationRule's `outlierDetection`:
    /// success-rate ejection off, `consecutive5xxErrors` and `consecutiveGatewayErrors`
    /// enforced at 100% when above 0 (0 disables), local-origin failures counted apart only
    /// with `splitExternalLocalOriginErrors`.
    pub fn from_istio(od: &OutlierDetection) -> Self {
        let mut c = Self { enforcing_success_rate: 0, ..Self::default() };
        if let Some(v) = od.consecutive_5xx_errors {
            c.consecutive_5xx = u64::from(v);
            c.enforcing_consecutive_5xx = if v > 0 { 100 } else { 0 };
        }
        if let Some(v) = od.consecutive_gateway_errors {
            c.consecutive_gateway_failure = u64::from(v);
            c.enforcing_consecutive_gateway_failure = if v > 0 { 100 } else { 0 };
        }
        if let Some(d) = &od.interval {
            c.interval_ms = millis(d);
        }
        if let Some(d) = &od.base_ejection_time {
            c.base_ejection_time_ms = millis(d);
        }
        if let Some(p) = od.max_ejection_percent.filter(|&p| p > 0) {
            c.max_ejection_percent = p as u64;
        }
        if od.split_external_local_origin_errors == Some(true) {
            c.split_external_local_origin_errors = true;
            if let Some(v) = od.consecutive_local_origin_failures.filter(|&v| v > 0) {
                c.consecutive_local_origin_failure = u64::from(v);
                c.enforcing_consecutive_local_origin_failure = 100;
            }
            c.enforcing_local_origin_success_rate = 0;
        }
        c
    }

    /// Checks the settings as Envoy does when it accepts a cluster.
    pub fn check(&self) -> Result<(), LbError> {
        if self.max_ejection_time_ms < self.base_ejection_time_ms {
            return Err(LbError::MaxEjectionTimeBelowBase {
                base_ms: self.base_ejection_time_ms,
                max_ms: self.max_ejection_time_ms,
            });
        }
        Ok(())
    }
}

/// The healthy panic threshold Istio sets on a cluster with outlier detection:
/// `minHealthPercent`, 0 (panic off) when unset.
pub fn istio_panic_threshold(od: &OutlierDetection) -> u32 {
    od.min_health_percent.unwrap_or(0).clamp(0, 100) as u32
}

/// What a call to a host produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallResult {
    /// An HTTP response (or a gRPC status mapped to one).
    HttpStatus(u16),
    /// The connection was established; the protocol on top reports its own result.
    LocalOriginConnectSuccess,
    /// The connection was established and that is the final result (TCP).
    LocalOriginConnectSuccessFinal,
    /// Connecting or the request timed out locally.
    LocalOriginTimeout,
    /// The connection could not be established.
    LocalOriginConnectFailed,
    /// The request reached the host and failed there (non-HTTP protocols).
    ExtOriginRequestFailed,
    /// The request reached the host and succeeded (non-HTTP protocols).
    ExtOriginRequestSuccess,
}

/// Why a host was (or would have been) ejected (Envoy's `OutlierEjectionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EjectionType {
    /// Consecutive 5xx responses.
    Consecutive5xx,
    /// Consecutive 502, 503 or 504 responses.
    ConsecutiveGatewayFailure,
    /// Consecutive local-origin failures.
    ConsecutiveLocalOriginFailure,
    /// Success rate below the cluster's threshold.
    SuccessRate,
    /// Local-origin success rate below the cluster's threshold.
    SuccessRateLocalOrigin,
    /// Failure percentage at or above the threshold.
    FailurePercentage,
    /// Local-origin failure percentage at or above the threshold.
    FailurePercentageLocalOrigin,
}

/// What the detector decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutlierEvent {
    /// A detection: the host is ejected when `enforced`, else only logged.
    Ejected {
        /// The host.
        host: usize,
        /// Why.
        kind: EjectionType,
        /// Whether the ejection took effect.
        enforced: bool,
    },
    /// A detection refused because `max_ejection_percent` is reached.
    Overflow {
        /// The host.
        host: usize,
        /// Why it would have been ejected.
        kind: EjectionType,
    },
    /// The host's ejection ended.
    Unejected {
        /// The host.
        host: usize,
    },
}

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    success: u64,
    total: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct SuccessRateMonitor {
    current: Bucket,
    backup: Bucket,
}

impl SuccessRateMonitor {
    fn swap(&mut self) {
        self.backup = self.current;
        self.current = Bucket::default();
    }

    fn rate_and_volume(&self) -> Option<(f64, u64)> {
        (self.backup.total > 0)
            .then(|| (self.backup.success as f64 * 100.0 / self.backup.total as f64, self.backup.total))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct HostMonitor {
    consecutive_5xx: u64,
    consecutive_gateway_failure: u64,
    consecutive_local_origin_failure: u64,
    external: SuccessRateMonitor,
    local: SuccessRateMonitor,
    ejected: bool,
    num_ejections: u64,
    eject_time_backoff: u64,
    last_ejection_ms: Option<u64>,
    jitter_ms: u64,
}

/// The detector for one cluster's hosts `0..n`.
///
/// ```
/// use mesh_routing::lb::outlier::{CallResult, OutlierConfig, OutlierDetector, OutlierEvent};
/// let config = OutlierConfig { max_ejection_percent: 100, ..OutlierConfig::default() };
/// let mut d = OutlierDetector::new(config, 1).unwrap();
/// let mut rng = || 0u64;
/// let mut last = None;
/// for _ in 0..5 {
///     last = d.record(0, CallResult::HttpStatus(500), 0, &mut rng).into_iter().last();
/// }
/// assert!(matches!(last, Some(OutlierEvent::Ejected { host: 0, enforced: true, .. })));
/// assert!(d.is_ejected(0));
/// // Ejected for the base time, 30s.
/// assert!(d.on_interval(29_999, &mut rng).is_empty());
/// assert_eq!(d.on_interval(30_000, &mut rng), [OutlierEvent::Unejected { host: 0 }]);
/// ```
#[derive(Debug, Clone)]
pub struct OutlierDetector {
    config: OutlierConfig,
    hosts: Vec<HostMonitor>,
    ejections_active: u64,
}

impl OutlierDetector {
    /// A detector for `hosts` hosts.
    pub fn new(config: OutlierConfig, hosts: usize) -> Result<Self, LbError> {
        config.check()?;
        Ok(Self { config, hosts: vec![HostMonitor::default(); hosts], ejections_active: 0 })
    }

    /// The settings.
    pub fn config(&self) -> &OutlierConfig {
        &self.config
    }

    /// Whether `host` is ejected now.
    pub fn is_ejected(&self, host: usize) -> bool {
        self.hosts.get(host).is_some_and(|h| h.ejected)
    }

    /// How many hosts are ejected.
    pub fn ejections_active(&self) -> u64 {
        self.ejections_active
    }

    /// How many times `host` was ejected.
    pub fn num_ejections(&self, host: usize) -> u64 {
        self.hosts.get(host).map_or(0, |h| h.num_ejections)
    }

    /// The multiplier of the base ejection time for `host`'s next (or current) ejection.
    pub fn eject_time_backoff(&self, host: usize) -> u64 {
        self.hosts.get(host).map_or(0, |h| h.eject_time_backoff)
    }

    /// Records the result of a call to `host` at `now_ms`; returns what the detector decided
    /// (a detection may fire for gateway errors and 5xx together, in that order).
    pub fn record(
        &mut self,
        host: usize,
        result: CallResult,
        now_ms: u64,
        random: &mut impl RandomSource,
    ) -> Vec<OutlierEvent> {
        let mut detections: Vec<EjectionType> = Vec::new();
        let Some(m) = self.hosts.get_mut(host) else { return Vec::new() };
        let cfg = self.config;
        if cfg.split_external_local_origin_errors {
            match result {
                CallResult::HttpStatus(code) => http_code(m, &cfg, code, &mut detections),
                CallResult::LocalOriginConnectSuccess | CallResult::LocalOriginConnectSuccessFinal => {
                    local_no_failure(m)
                }
                CallResult::LocalOriginTimeout | CallResult::LocalOriginConnectFailed => {
                    local_failure(m, &cfg, &mut detections)
                }
                CallResult::ExtOriginRequestFailed => http_code(m, &cfg, 503, &mut detections),
                CallResult::ExtOriginRequestSuccess => {
                    http_code(m, &cfg, 200, &mut detections);
                    local_no_failure(m);
                }
            }
        } else {
            let code = match result {
                CallResult::HttpStatus(code) => Some(code),
                CallResult::ExtOriginRequestSuccess | CallResult::LocalOriginConnectSuccessFinal => Some(200),
                CallResult::LocalOriginTimeout => Some(504),
                CallResult::LocalOriginConnectFailed => Some(503),
                CallResult::ExtOriginRequestFailed => Some(500),
                CallResult::LocalOriginConnectSuccess => None,
            };
            if let Some(code) = code {
                http_code(m, &cfg, code, &mut detections);
            }
        }
        let mut events = Vec::new();
        for kind in detections {
            self.on_consecutive_error(host, kind, now_ms, random, &mut events);
        }
        events
    }

    fn on_consecutive_error(
        &mut self,
        host: usize,
        kind: EjectionType,
        now_ms: u64,
        random: &mut impl RandomSource,
        events: &mut Vec<OutlierEvent>,
    ) {
        if self.hosts[host].ejected {
            return;
        }
        self.eject_host(host, kind, now_ms, random, events);
        let m = &mut self.hosts[host];
        match kind {
            EjectionType::Consecutive5xx => m.consecutive_5xx = 0,
            EjectionType::ConsecutiveGatewayFailure => m.consecutive_gateway_failure = 0,
            EjectionType::ConsecutiveLocalOriginFailure => m.consecutive_local_origin_failure = 0,
            _ => {}
        }
    }

    fn enforcing(&self, kind: EjectionType) -> u64 {
        let c = &self.config;
        match kind {
            EjectionType::Consecutive5xx => c.enforcing_consecutive_5xx,
            EjectionType::ConsecutiveGatewayFailure => c.enforcing_consecutive_gateway_failure,
            EjectionType::ConsecutiveLocalOriginFailure => c.enforcing_consecutive_local_origin_failure,
            EjectionType::SuccessRate => c.enforcing_success_rate,
            EjectionType::SuccessRateLocalOrigin => c.enforcing_local_origin_success_rate,
            EjectionType::FailurePercentage => c.enforcing_failure_percentage,
            EjectionType::FailurePercentageLocalOrigin => c.enforcing_failure_percentage_local_origin,
        }
    }

    fn eject_host(
        &mut self,
        host: usize,
        kind: EjectionType,
        now_ms: u64,
        random: &mut impl RandomSource,
        events: &mut Vec<OutlierEvent>,
    ) {
        let max_percent = self.config.max_ejection_percent.min(100) as f64;
        let ejected_percent = 100.0 * (self.ejections_active + 1) as f64 / self.hosts.len() as f64;
        let allowed = ejected_percent <= max_percent
            || (self.config.always_eject_one_host && self.ejections_active == 0);
        if !allowed {
            events.push(OutlierEvent::Overflow { host, kind });
            return;
        }
        if !feature_enabled(self.enforcing(kind), random) {
            events.push(OutlierEvent::Ejected { host, kind, enforced: false });
            return;
        }
        self.ejections_active += 1;
        let cfg = self.config;
        let m = &mut self.hosts[host];
        m.ejected = true;
        m.num_ejections += 1;
        m.last_ejection_ms = Some(now_ms);
        if m.eject_time_backoff.saturating_mul(cfg.base_ejection_time_ms)
            < cfg.max_ejection_time_ms.saturating_add(cfg.base_ejection_time_ms)
        {
            m.eject_time_backoff += 1;
        }
        m.jitter_ms = if cfg.max_ejection_time_jitter_ms > 0 {
            random.next_u64() % (cfg.max_ejection_time_jitter_ms + 1)
        } else {
            0
        };
        events.push(OutlierEvent::Ejected { host, kind, enforced: true });
    }

    /// The interval sweep at `now_ms`: unejects hosts whose time is up, shrinks the backoff
    /// of hosts that stayed in, closes the interval's counts and runs success-rate and
    /// failure-percentage ejection on them.
    pub fn on_interval(&mut self, now_ms: u64, random: &mut impl RandomSource) -> Vec<OutlierEvent> {
        let mut events = Vec::new();
        let cfg = self.config;
        for (i, m) in self.hosts.iter_mut().enumerate() {
            if !m.ejected {
                m.eject_time_backoff = m.eject_time_backoff.saturating_sub(1);
            } else {
                let duration = cfg
                    .base_ejection_time_ms
                    .saturating_mul(m.eject_time_backoff)
                    .min(cfg.max_ejection_time_ms)
                    .saturating_add(m.jitter_ms);
                let since = now_ms.saturating_sub(m.last_ejection_ms.unwrap_or(now_ms));
                if duration <= since {
                    m.ejected = false;
                    m.consecutive_5xx = 0;
                    m.consecutive_gateway_failure = 0;
                    self.ejections_active -= 1;
                    events.push(OutlierEvent::Unejected { host: i });
                }
            }
            m.external.swap();
            m.local.swap();
        }
        self.success_rate_ejections(false, now_ms, random, &mut events);
        self.success_rate_ejections(true, now_ms, random, &mut events);
        events
    }

    fn success_rate_ejections(
        &mut self,
        local: bool,
        now_ms: u64,
        random: &mut impl RandomSource,
        events: &mut Vec<OutlierEvent>,
    ) {
        let cfg = self.config;
        let n = self.hosts.len() as u64;
        if n < cfg.success_rate_minimum_hosts && n < cfg.failure_percentage_minimum_hosts {
            return;
        }
        let mut sr_hosts: Vec<(usize, f64)> = Vec::new();
        let mut fp_hosts: Vec<(usize, f64)> = Vec::new();
        let mut sum = 0.0;
        for (i, m) in self.hosts.iter().enumerate() {
            if m.ejected {
                continue;
            }
            let monitor = if local { &m.local } else { &m.external };
            let Some((rate, volume)) = monitor.rate_and_volume() else { continue };
            if volume >= cfg.success_rate_request_volume {
                sr_hosts.push((i, rate));
                sum += rate;
            }
            if volume >= cfg.failure_percentage_request_volume {
                fp_hosts.push((i, rate));
            }
        }
        if !sr_hosts.is_empty() && sr_hosts.len() as u64 >= cfg.success_rate_minimum_hosts {
            let factor = cfg.success_rate_stdev_factor as f64 / 1000.0;
            let (_, threshold) = success_rate_threshold(sum, &sr_hosts, factor);
            let kind = if local { EjectionType::SuccessRateLocalOrigin } else { EjectionType::SuccessRate };
            for &(host, rate) in &sr_hosts {
                if rate < threshold && !self.hosts[host].ejected {
                    self.eject_host(host, kind, now_ms, random, events);
                }
            }
        }
        if !fp_hosts.is_empty() && fp_hosts.len() as u64 >= cfg.failure_percentage_minimum_hosts {
            let kind = if local {
                EjectionType::FailurePercentageLocalOrigin
            } else {
                EjectionType::FailurePercentage
            };
            for &(host, rate) in &fp_hosts {
                if 100.0 - rate >= cfg.failure_percentage_threshold as f64 && !self.hosts[host].ejected {
                    self.eject_host(host, kind, now_ms, random, events);
                }
            }
        }
    }
}

/// The mean success rate and the ejection threshold `mean - factor * stdev` (population
/// standard deviation) of `hosts` (`(host, success rate)`), whose rates sum to `sum`.
///
/// ```
/// use mesh_routing::lb::outlier::success_rate_threshold;
/// // envoy outlier_detection_impl.cc: {50, 100, 100, 100, 100} has mean 90, stdev 20.
/// let hosts = [(0, 50.0), (1, 100.0), (2, 100.0), (3, 100.0), (4, 100.0)];
/// assert_eq!(success_rate_threshold(450.0, &hosts, 1.9), (90.0, 52.0));
/// ```
pub fn success_rate_threshold(sum: f64, hosts: &[(usize, f64)], factor: f64) -> (f64, f64) {
    let n = hosts.len() as f64;
    let mean = sum / n;
    let variance = hosts.iter().map(|&(_, r)| (r - mean).powi(2)).sum::<f64>() / n;
    (mean, mean - factor * variance.sqrt())
}

fn feature_enabled(percent: u64, random: &mut impl RandomSource) -> bool {
    match percent {
        0 => false,
        p if p >= 100 => true,
        p => random.next_u64() % 100 < p,
    }
}

fn http_code(m: &mut HostMonitor, cfg: &OutlierConfig, code: u16, detections: &mut Vec<EjectionType>) {
    m.external.current.total += 1;
    if (500..600).contains(&code) {
        if matches!(code, 502..=504) {
            m.consecutive_gateway_failure += 1;
            if m.consecutive_gateway_failure == cfg.consecutive_gateway_failure {
                detections.push(EjectionType::ConsecutiveGatewayFailure);
            }
        } else {
            m.consecutive_gateway_failure = 0;
        }
        m.consecutive_5xx += 1;
        if m.consecutive_5xx == cfg.consecutive_5xx {
            detections.push(EjectionType::Consecutive5xx);
        }
    } else {
        m.external.current.success += 1;
        m.consecutive_5xx = 0;
        m.consecutive_gateway_failure = 0;
    }
}

fn local_failure(m: &mut HostMonitor, cfg: &OutlierConfig, detections: &mut Vec<EjectionType>) {
    m.local.current.total += 1;
    m.consecutive_local_origin_failure += 1;
    if m.consecutive_local_origin_failure == cfg.consecutive_local_origin_failure {
        detections.push(EjectionType::ConsecutiveLocalOriginFailure);
    }
}

fn local_no_failure(m: &mut HostMonitor) {
    m.local.current.total += 1;
    m.local.current.success += 1;
    m.consecutive_local_origin_failure = 0;
}

#[cfg(test)]
mod tests;
