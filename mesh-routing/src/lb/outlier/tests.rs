use super::*;

#[test]
fn local_origin_split() {
    let config = OutlierConfig {
        split_external_local_origin_errors: true,
        max_ejection_percent: 100,
        ..OutlierConfig::default()
    };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    let mut rng = || 0u64;
    // Timeouts count as local-origin failures, not as 5xx.
    for _ in 0..4 {
        assert!(d.record(0, CallResult::LocalOriginTimeout, 0, &mut rng).is_empty());
    }
    let events = d.record(0, CallResult::LocalOriginConnectFailed, 0, &mut rng);
    assert_eq!(
        events,
        [OutlierEvent::Ejected {
            host: 0,
            kind: EjectionType::ConsecutiveLocalOriginFailure,
            enforced: true
        }]
    );
}

#[test]
fn without_split_timeouts_are_gateway_errors() {
    let config = OutlierConfig { max_ejection_percent: 100, ..OutlierConfig::default() };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    let mut rng = || 0u64;
    let mut last = Vec::new();
    for _ in 0..5 {
        last = d.record(0, CallResult::LocalOriginTimeout, 0, &mut rng);
    }
    assert!(d.is_ejected(0));
    assert_eq!(last.len(), 2);
}

#[test]
fn jitter_extends_the_ejection() {
    let config = OutlierConfig {
        max_ejection_percent: 100,
        max_ejection_time_jitter_ms: 1000,
        ..OutlierConfig::default()
    };
    let mut d = OutlierDetector::new(config, 1).expect("valid");
    let mut rng = || 500u64;
    for _ in 0..5 {
        d.record(0, CallResult::HttpStatus(500), 0, &mut rng);
    }
    assert!(d.on_interval(30_000, &mut rng).is_empty());
    assert_eq!(d.on_interval(30_500, &mut rng), [OutlierEvent::Unejected { host: 0 }]);
}

#[test]
fn always_eject_one_host() {
    let config = OutlierConfig { always_eject_one_host: true, ..OutlierConfig::default() };
    let mut d = OutlierDetector::new(config, 2).expect("valid");
    let mut rng = || 0u64;
    for h in 0..2 {
        for _ in 0..5 {
            d.record(h, CallResult::HttpStatus(500), 0, &mut rng);
        }
    }
    assert!(d.is_ejected(0));
    assert!(!d.is_ejected(1));
}

#[test]
fn panic_threshold_from_min_health_percent() {
    assert_eq!(istio_panic_threshold(&OutlierDetection::default()), 0);
    let od = OutlierDetection { min_health_percent: Some(40), ..Default::default() };
    assert_eq!(istio_panic_threshold(&od), 40);
}
