//! Envoy's outlier detection vectors (envoy test/common/upstream/
//! outlier_detection_impl_test.cc) and circuit-breaker limit checks, each named after its
//! upstream test.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_model::networking::OutlierDetection;
use mesh_routing::lb::limits::{Resource, ResourceUsage, RetryBudget, would_overflow};
use mesh_routing::lb::outlier::{CallResult, EjectionType, OutlierConfig, OutlierEvent};
use mesh_routing::lb::{CircuitBreakerLimits, LbError, OutlierDetector};

fn load(d: &mut OutlierDetector, host: usize, n: usize, code: u16, now: u64) -> Vec<OutlierEvent> {
    let mut events = Vec::new();
    for _ in 0..n {
        events.extend(d.record(host, CallResult::HttpStatus(code), now, &mut || 0u64));
    }
    events
}

fn interval(d: &mut OutlierDetector, now_s: u64) -> Vec<OutlierEvent> {
    d.on_interval(now_s * 1000, &mut || 0u64)
}

// envoy outlier_detection_impl_test.cc: EjectTimeBackoff
#[test]
fn eject_time_backoff() {
    let config =
        OutlierConfig { base_ejection_time_ms: 10_000, max_ejection_percent: 100, ..Default::default() };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    load(&mut d, 0, 5, 500, 0);
    assert!(d.is_ejected(0));
    assert_eq!(d.ejections_active(), 1);
    // Ejected once: back after 10s.
    assert_eq!(interval(&mut d, 10), [OutlierEvent::Unejected { host: 0 }]);
    // Second ejection in a row: 20s.
    load(&mut d, 0, 5, 500, 10_000);
    assert!(interval(&mut d, 20).is_empty());
    assert_eq!(interval(&mut d, 30), [OutlierEvent::Unejected { host: 0 }]);
    // Third: 30s.
    load(&mut d, 0, 5, 500, 30_000);
    assert!(interval(&mut d, 40).is_empty());
    assert!(interval(&mut d, 50).is_empty());
    assert_eq!(interval(&mut d, 60), [OutlierEvent::Unejected { host: 0 }]);
    // Two healthy intervals bring the backoff down to 2 ejections' worth.
    interval(&mut d, 70);
    interval(&mut d, 80);
    load(&mut d, 0, 5, 500, 80_000);
    assert!(interval(&mut d, 90).is_empty());
    assert_eq!(interval(&mut d, 100), [OutlierEvent::Unejected { host: 0 }]);
    // A long healthy period resets it to the base time.
    for i in 1..=50 {
        interval(&mut d, 100 + i * 10);
    }
    load(&mut d, 0, 5, 500, 610_000);
    assert!(d.is_ejected(0));
    assert_eq!(interval(&mut d, 620), [OutlierEvent::Unejected { host: 0 }]);
}

// envoy outlier_detection_impl_test.cc: MaxEjectionPercentage
#[test]
fn max_ejection_percentage() {
    let config = OutlierConfig { max_ejection_percent: 50, ..Default::default() };
    let mut d = OutlierDetector::new(config, 3).expect("valid");
    for h in 0..3 {
        load(&mut d, h, 5, 500, 0);
    }
    assert!(d.is_ejected(0));
    assert!(!d.is_ejected(1));
    assert!(!d.is_ejected(2));
}

// envoy outlier_detection_impl_test.cc: MaxEjectionPercentageSingleHost
#[test]
fn max_ejection_percentage_single_host() {
    let config = OutlierConfig { max_ejection_percent: 90, ..Default::default() };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    let events = load(&mut d, 0, 5, 500, 0);
    assert!(!d.is_ejected(0));
    assert_eq!(events, [OutlierEvent::Overflow { host: 0, kind: EjectionType::Consecutive5xx }]);
}

// envoy outlier_detection_impl_test.cc: Consecutive_5xxAlreadyEjected
#[test]
fn consecutive_5xx_already_ejected() {
    let config = OutlierConfig { max_ejection_percent: 100, ..Default::default() };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    load(&mut d, 0, 4, 500, 0);
    assert!(!d.is_ejected(0));
    load(&mut d, 0, 1, 500, 0);
    assert!(d.is_ejected(0));
    // More errors while ejected change nothing.
    load(&mut d, 0, 1, 200, 0);
    assert!(load(&mut d, 0, 5, 500, 0).is_empty());
    assert_eq!(d.num_ejections(0), 1);
}

// envoy outlier_detection_impl_test.cc: BasicFlowGatewayFailure (gateway errors are
// detected but, at the default 0% enforcement, only logged; the 5xx detector ejects)
#[test]
fn basic_flow_gateway_failure() {
    let config = OutlierConfig { max_ejection_percent: 100, ..Default::default() };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    let events = load(&mut d, 0, 5, 503, 0);
    assert_eq!(
        events,
        [
            OutlierEvent::Ejected { host: 0, kind: EjectionType::ConsecutiveGatewayFailure, enforced: false },
            OutlierEvent::Ejected { host: 0, kind: EjectionType::Consecutive5xx, enforced: true },
        ]
    );
}

// envoy outlier_detection_impl_test.cc: BasicFlowSuccessRateExternalOrigin (the
// {50, 100, 100, 100, 100} worked example: mean 90, threshold 52)
#[test]
fn basic_flow_success_rate_external_origin() {
    let config = OutlierConfig { max_ejection_percent: 100, ..Default::default() };
    let mut d = OutlierDetector::new(config, 5).expect("valid");
    for h in 0..5 {
        let failures = if h == 4 { 50 } else { 0 };
        for i in 0..100 {
            let code = if i < failures { 503 } else { 200 };
            // Interleave so that no consecutive-error detector fires.
            d.record(h, CallResult::HttpStatus(code), 0, &mut || 0u64);
            if code == 503 {
                d.record(h, CallResult::HttpStatus(200), 0, &mut || 0u64);
            }
        }
    }
    // The first sweep closes the interval; the counts are judged on it.
    let events = interval(&mut d, 10);
    assert_eq!(events, [OutlierEvent::Ejected { host: 4, kind: EjectionType::SuccessRate, enforced: true }]);
}

// envoy outlier_detection_impl_test.cc: success rate threshold arithmetic
#[test]
fn success_rate_ejection_threshold() {
    let hosts = [(0, 50.0), (1, 100.0), (2, 100.0), (3, 100.0), (4, 100.0)];
    assert_eq!(mesh_routing::lb::outlier::success_rate_threshold(450.0, &hosts, 1.9), (90.0, 52.0));
}

// envoy outlier_detection_impl.cc: DetectorImpl::create rejects max_ejection_time < base
#[test]
fn max_ejection_time_below_base() {
    let config =
        OutlierConfig { base_ejection_time_ms: 30_000, max_ejection_time_ms: 10_000, ..Default::default() };
    assert_eq!(
        OutlierDetector::new(config, 1).err(),
        Some(LbError::MaxEjectionTimeBelowBase { base_ms: 30_000, max_ms: 10_000 })
    );
}

// istio cluster_traffic_policy.go applyOutlierDetection: 0 disables a detector, success
// rate is off.
#[test]
fn istio_outlier_translation() {
    let od = OutlierDetection {
        consecutive_5xx_errors: Some(0),
        consecutive_gateway_errors: Some(3),
        ..Default::default()
    };
    let c = OutlierConfig::from_istio(&od);
    assert_eq!(c.enforcing_consecutive_5xx, 0);
    assert_eq!((c.consecutive_gateway_failure, c.enforcing_consecutive_gateway_failure), (3, 100));
    assert_eq!(c.enforcing_success_rate, 0);
}

// envoy resource_manager_impl_test.cc: RuntimeResourceManager (a resource may be taken
// while below its limit) and RetryBudgetMinRetryConcurrency.
#[test]
fn circuit_breaker_limits() {
    let limits = CircuitBreakerLimits::default();
    let at = |requests| ResourceUsage { requests, ..Default::default() };
    assert!(would_overflow(Resource::Request, &at(1023), &limits).is_none());
    assert!(would_overflow(Resource::Request, &at(1024), &limits).is_some());
    assert!(would_overflow(Resource::ConnectionPool, &at(1024), &limits).is_none());
    let budget = CircuitBreakerLimits { retry_budget: Some(RetryBudget::default()), ..limits };
    // 5 active: 20% is 1, the floor of 3 applies.
    let u = ResourceUsage { requests: 5, retries: 2, ..Default::default() };
    assert!(would_overflow(Resource::Retry, &u, &budget).is_none());
    let u = ResourceUsage { requests: 5, retries: 3, ..Default::default() };
    assert!(would_overflow(Resource::Retry, &u, &budget).is_some());
    // 1000 active: 200 retries.
    let u = ResourceUsage { requests: 1000, retries: 199, ..Default::default() };
    assert!(would_overflow(Resource::Retry, &u, &budget).is_none());
}
