use super::*;

fn one(hosts: u64, healthy: u64) -> PrioritySummary {
    let c = HostCounts { hosts, healthy, ..HostCounts::default() };
    PrioritySummary { counts: c, weights: c }
}

#[test]
fn empty_cluster_sends_everything_to_p0() {
    let l = PriorityLoad::compute(&[one(0, 0)], &PriorityParams::default());
    assert_eq!(l.healthy, [100]);
    assert!(l.total_panic);
}

#[test]
fn choose_falls_through_to_degraded() {
    let l = PriorityLoad { healthy: vec![0, 28], degraded: vec![72, 0], ..Default::default() };
    assert_eq!(l.choose(0), (1, Availability::Healthy));
    assert_eq!(l.choose(27), (1, Availability::Healthy));
    assert_eq!(l.choose(28), (0, Availability::Degraded));
}

#[test]
fn panic_threshold_edges() {
    let c = HostCounts { hosts: 4, healthy: 2, ..HostCounts::default() };
    assert!(!in_panic(&c, 50));
    assert!(in_panic(&c, 51));
    assert!(!in_panic(&HostCounts::default(), 0));
}
