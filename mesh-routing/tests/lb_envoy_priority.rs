//! Envoy's priority-load vectors (envoy test/extensions/load_balancing_policies/common/
//! load_balancer_impl_base_test.cc), each named after its upstream test.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_routing::lb::priority::{Availability, HostCounts, PrioritySummary};
use mesh_routing::lb::{PriorityLoad, PriorityParams};

/// A host set of `hosts` hosts: `healthy` healthy, then `degraded` degraded, then `excluded`
/// excluded (Envoy's `updateHostSet`), each of weight 1.
fn set(hosts: u64, healthy: u64, degraded: u64, excluded: u64) -> PrioritySummary {
    let c = HostCounts { hosts, healthy, degraded, excluded };
    PrioritySummary { counts: c, weights: c }
}

fn load(sets: &[PrioritySummary]) -> PriorityLoad {
    PriorityLoad::compute(sets, &PriorityParams::default())
}

fn check(sets: &[PrioritySummary], healthy: &[u32], degraded: &[u32], panic: Option<&[bool]>) {
    let l = load(sets);
    assert_eq!(l.healthy, healthy, "healthy loads of {sets:?}");
    assert_eq!(l.degraded, degraded, "degraded loads of {sets:?}");
    if let Some(p) = panic {
        assert_eq!(l.panic, p, "panic of {sets:?}");
    }
    assert_eq!(l.healthy.iter().chain(&l.degraded).sum::<u32>(), 100);
}

// envoy load_balancer_impl_base_test.cc: PrioritySelection
#[test]
fn priority_selection() {
    // Both levels unhealthy: total panic, load by host counts.
    check(&[set(1, 0, 0, 0), set(1, 0, 0, 0)], &[50, 50], &[0, 0], None);
    assert_eq!(load(&[set(1, 0, 0, 0), set(1, 0, 0, 0)]).choose(0).0, 0);
    check(&[set(1, 0, 0, 0), set(2, 0, 0, 0)], &[34, 66], &[0, 0], None);
    // A healthy P=2 takes everything.
    let l = load(&[set(1, 0, 0, 0), set(2, 0, 0, 0), set(1, 1, 0, 0)]);
    assert_eq!(l.healthy, [0, 0, 100]);
    assert_eq!(l.choose(0), (2, Availability::Healthy));
    check(&[set(1, 1, 0, 0), set(2, 0, 0, 0), set(1, 1, 0, 0)], &[100, 0, 0], &[0, 0, 0], None);
    check(&[set(1, 0, 0, 0), set(2, 0, 0, 0), set(1, 1, 0, 0)], &[0, 0, 100], &[0, 0, 0], None);
}

// envoy load_balancer_impl_base_test.cc: OverProvisioningFactor
#[test]
fn over_provisioning_factor() {
    check(&[set(4, 2, 0, 0), set(4, 2, 0, 0)], &[70, 30], &[0, 0], None);
    let params = PriorityParams { overprovisioning_factor: 100, ..Default::default() };
    let l = PriorityLoad::compute(&[set(4, 2, 0, 0), set(4, 2, 0, 0)], &params);
    assert_eq!(l.healthy, [50, 50]);
}

fn weighted(hosts: &[(u64, char)]) -> PrioritySummary {
    let mut s = PrioritySummary::default();
    for &(w, h) in hosts {
        s.counts.hosts += 1;
        s.weights.hosts += w;
        match h {
            'h' => {
                s.counts.healthy += 1;
                s.weights.healthy += w;
            }
            'd' => {
                s.counts.degraded += 1;
                s.weights.degraded += w;
            }
            'x' => {
                s.counts.excluded += 1;
                s.weights.excluded += w;
            }
            _ => {}
        }
    }
    s
}

fn weighted_params() -> PriorityParams {
    PriorityParams { overprovisioning_factor: 100, weighted_priority_health: true, ..Default::default() }
}

// envoy load_balancer_impl_base_test.cc: WeightedPriorityHealth
#[test]
fn weighted_priority_health() {
    let p0 = weighted(&[(3, 'h'), (3, 'h'), (2, 'u'), (2, 'u')]);
    let l = PriorityLoad::compute(&[p0, weighted(&[(1, 'h')])], &weighted_params());
    assert_eq!(l.healthy, [60, 40]);
}

// envoy load_balancer_impl_base_test.cc: WeightedPriorityHealthExcluded
#[test]
fn weighted_priority_health_excluded() {
    let p0 = weighted(&[(4, 'h'), (10, 'x'), (6, 'u')]);
    let l = PriorityLoad::compute(&[p0, weighted(&[(1, 'h')])], &weighted_params());
    assert_eq!(l.healthy, [40, 60]);
}

// envoy load_balancer_impl_base_test.cc: WeightedPriorityHealthDegraded
#[test]
fn weighted_priority_health_degraded() {
    let p0 = weighted(&[(4, 'h'), (3, 'd'), (2, 'u'), (1, 'u')]);
    let p1 = weighted(&[(1, 'h'), (9, 'd')]);
    let l = PriorityLoad::compute(&[p0, p1], &weighted_params());
    assert_eq!(l.healthy, [40, 10]);
    assert_eq!(l.degraded, [30, 20]);
}

// envoy load_balancer_impl_base_test.cc: GentleFailover
#[test]
fn gentle_failover() {
    let f = [false, false];
    let t = [true, true];
    check(&[set(1, 1, 0, 0), set(1, 1, 0, 0)], &[100, 0], &[0, 0], Some(&f));
    check(&[set(2, 1, 0, 0), set(2, 1, 0, 0)], &[70, 30], &[0, 0], Some(&f));
    check(&[set(4, 1, 0, 0), set(2, 2, 0, 0)], &[35, 65], &[0, 0], Some(&f));
    check(&[set(4, 1, 0, 0), set(4, 1, 0, 0)], &[50, 50], &[0, 0], Some(&t));
    // Three excluded hosts make P=0 fully healthy.
    check(&[set(4, 1, 0, 3), set(5, 1, 0, 0)], &[100, 0], &[0, 0], Some(&f));
    // All of P=0 excluded: total panic, load by host counts.
    check(&[set(4, 0, 0, 4), set(4, 1, 0, 0)], &[50, 50], &[0, 0], Some(&t));
    check(&[set(4, 0, 0, 1), set(6, 1, 0, 2)], &[40, 60], &[0, 0], Some(&t));
}

// envoy load_balancer_impl_base_test.cc: GentleFailoverWithExtraLevels
#[test]
fn gentle_failover_with_extra_levels() {
    let f3 = [false; 3];
    let t3 = [true; 3];
    let zero = [0, 0, 0];
    check(&[set(1, 1, 0, 0), set(1, 1, 0, 0), set(1, 1, 0, 0)], &[100, 0, 0], &zero, Some(&f3));
    check(&[set(2, 1, 0, 0), set(2, 1, 0, 0), set(2, 1, 0, 0)], &[70, 30, 0], &zero, None);
    check(&[set(4, 1, 0, 0), set(2, 2, 0, 0), set(2, 1, 0, 0)], &[35, 65, 0], &zero, None);
    check(&[set(4, 1, 0, 0), set(4, 1, 0, 0), set(4, 1, 0, 0)], &[35, 35, 30], &zero, None);
    check(&[set(5, 1, 0, 0), set(5, 1, 0, 0), set(5, 1, 0, 0)], &[34, 33, 33], &zero, Some(&t3));
    check(&[set(5, 0, 0, 0), set(5, 0, 0, 0), set(5, 5, 0, 0)], &[0, 0, 100], &zero, Some(&f3));
    check(&[set(5, 0, 0, 0), set(5, 0, 0, 0), set(5, 4, 0, 0)], &[0, 0, 100], &zero, Some(&f3));
    check(&[set(5, 0, 0, 0), set(5, 0, 0, 0), set(5, 2, 0, 0)], &[34, 33, 33], &zero, Some(&t3));
    check(&[set(5, 0, 5, 0), set(5, 2, 2, 0), set(5, 2, 0, 0)], &[0, 56, 44], &zero, Some(&f3));
    check(&[set(5, 0, 0, 0), set(3, 0, 0, 0), set(2, 0, 0, 0)], &[50, 30, 20], &zero, Some(&t3));
    check(&[set(5, 0, 0, 0), set(6, 2, 0, 0), set(3, 1, 0, 0)], &[37, 42, 21], &zero, Some(&t3));
    // Load spills over into degraded hosts.
    check(&[set(5, 0, 1, 0), set(5, 0, 5, 0), set(5, 1, 0, 0)], &[0, 0, 28], &[28, 44, 0], None);
    // Panic disabled: rounding goes to the first priority with degraded hosts.
    let no_panic = PriorityParams { panic_threshold: 0, ..Default::default() };
    let l = PriorityLoad::compute(&[set(5, 0, 0, 0), set(5, 0, 2, 0), set(5, 0, 1, 0)], &no_panic);
    assert_eq!(l.healthy, [0, 0, 0]);
    assert_eq!(l.degraded, [0, 67, 33]);
    // Total panic with degraded hosts: load by host counts.
    check(&[set(5, 0, 0, 0), set(5, 0, 2, 0), set(5, 0, 1, 0)], &[34, 33, 33], &zero, None);
    check(&[set(3, 0, 0, 0), set(3, 0, 0, 0), set(3, 0, 0, 0)], &[34, 33, 33], &zero, Some(&t3));
    check(&[set(0, 0, 0, 0), set(6, 0, 0, 0), set(3, 0, 0, 0)], &[0, 67, 33], &zero, Some(&t3));
}

// envoy round_robin_lb_test.cc: DisablePanicMode (no host healthy, panic off: P=0 gets 100%)
#[test]
fn disable_panic_mode() {
    let params = PriorityParams { panic_threshold: 0, ..Default::default() };
    let l = PriorityLoad::compute(&[set(1, 0, 0, 0)], &params);
    assert_eq!(l.healthy, [100]);
    assert_eq!(l.panic, [false]);
}
