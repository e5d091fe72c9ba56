//! The stateful pick against Envoy's balancers: per-source state, the random policy's
//! single draw, consistent hashing by the request's hash, least request by active requests.

use std::collections::BTreeMap;

use mesh_model::networking::{LocalityDistribute, LocalityLoadBalancerSetting};
use proptest::prelude::*;

use super::*;
use crate::lb::cluster::{ClientLocality, ClusterSettings};
use crate::lb::consistent::{ConsistentHashConfig, ConsistentHashLb, HashTableKind};
use crate::lb::endpoint::{Endpoint, Health, Locality};

fn ep(addr: &str, locality: &str) -> Endpoint {
    Endpoint::new(addr).with_locality(Locality::parse(locality))
}

fn hosts(n: usize) -> Vec<Endpoint> {
    (0..n).map(|i| ep(&format!("10.0.0.{i}:80"), "r1/z1/")).collect()
}

fn with_policy(policy: Policy) -> ClusterSettings {
    ClusterSettings { policy, ..Default::default() }
}

fn counter() -> impl FnMut() -> u64 {
    let mut n = 0u64;
    move || {
        n += 1;
        n
    }
}

// envoy hostSourceToUse + EdfLoadBalancerBase: in panic the AllHosts source has its own
// rotation, so round robin cycles over every host, healthy or not.
#[test]
fn round_robin_in_panic_rotates_over_all_hosts() {
    let mut eps = hosts(3);
    eps[0].health = Health::Unhealthy;
    eps[1].health = Health::Unhealthy;
    let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::RoundRobin), None);
    assert_eq!(cla.load().panic, [true]);
    let mut state = cla.new_state(0);
    let mut draws = counter();
    let picks: Vec<usize> = (0..4).filter_map(|_| cla.pick(&mut state, &mut draws)).collect();
    assert_eq!(picks, [0, 1, 2, 0]);
}

// envoy RandomLoadBalancer::peekOrChoose: one draw chooses the priority and then the host,
// `draw % hosts`, whatever the hosts' weights.
#[test]
fn random_uses_the_priority_draw_and_ignores_weights() {
    let eps = vec![ep("a:80", "").with_weight(1), ep("b:80", "").with_weight(100), ep("c:80", "")];
    let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::Random), None);
    let mut state = cla.new_state(0);
    for draw in [0u64, 1, 2, 3, 7, 101] {
        assert_eq!(cla.pick(&mut state, &mut || draw), Some((draw % 3) as usize), "draw {draw}");
    }
}

// envoy EdfLoadBalancerBase::refresh: each locality's hosts are a source with their own
// rotation; LocalityWrr chooses the locality first.
#[test]
fn locality_weighted_round_robin_rotates_inside_each_locality() {
    let eps = vec![ep("z1-a:80", "r1/z1/"), ep("z1-b:80", "r1/z1/"), ep("z2-a:80", "r1/z2/")];
    let rule = LocalityDistribute {
        from: Some("r1/z1/*".into()),
        to: [("r1/z1/*".to_string(), 50), ("r1/z2/*".to_string(), 50)].into_iter().collect(),
    };
    let settings = ClusterSettings {
        locality: Some(LocalityLoadBalancerSetting { distribute: vec![rule], ..Default::default() }),
        policy: Policy::RoundRobin,
        ..Default::default()
    };
    let client = ClientLocality { locality: Locality::parse("r1/z1/"), labels: BTreeMap::new() };
    let cla = ClusterLoadAssignment::build(eps, &settings, Some(&client));
    let mut state = cla.new_state(0);
    let mut draws = counter();
    let picks: Vec<usize> = (0..6).filter_map(|_| cla.pick(&mut state, &mut draws)).collect();
    // Localities alternate (equal weights); z1's two hosts take turns on its visits.
    let z1: Vec<usize> = picks.iter().copied().filter(|&i| i < 2).collect();
    assert_eq!(picks.iter().filter(|&&i| i == 2).count(), 3, "{picks:?}");
    assert_eq!(z1, [0, 1, 0], "{picks:?}");
}

// envoy LeastRequestLoadBalancer with unequal weights: an EDF schedule of
// weight / (active + 1), the same picks as the standalone balancer.
#[test]
fn weighted_least_request_matches_the_standalone_balancer() {
    let eps =
        vec![ep("a:80", "").with_weight(1), ep("b:80", "").with_weight(3), ep("c:80", "").with_weight(2)];
    let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::LeastRequest), None);
    let mut state = cla.new_state(5);
    let mut reference = LeastRequest::new(&[1, 3, 2], &[], LeastRequestConfig::default(), 5);
    let active = [0u64, 4, 1];
    let counters = |m: usize| active[m];
    let context = PickContext { active_requests: Some(&counters), ..Default::default() };
    for _ in 0..20 {
        let got = cla.pick_in(&mut state, &mut || 0, context);
        assert_eq!(got, reference.pick(&active, &mut || 0));
    }
}

fn maglev_reference(eps: &[Endpoint]) -> ConsistentHashLb {
    let config = ConsistentHashConfig {
        kind: HashTableKind::Maglev { table_size: 65537 },
        use_hostname: false,
        locality_weighted: false,
        priority: Default::default(),
    };
    ConsistentHashLb::new(eps.to_vec(), None, config).unwrap()
}

// envoy ThreadAwareLoadBalancerBase::LoadBalancerImpl::chooseHost: the request's hash picks
// the host from the Maglev table; without one a random draw stands in.
#[test]
fn maglev_picks_by_the_request_hash() {
    let eps = hosts(5);
    let reference = maglev_reference(&eps);
    let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::Maglev { table_size: 65537 }), None);
    let mut state = cla.new_state(0);
    for hash in [0u64, 1, 42, u64::MAX, 0x9e37_79b9_7f4a_7c15] {
        let context = PickContext { hash: Some(hash), ..Default::default() };
        let want = reference.choose(hash, 0, |_| false);
        assert_eq!(cla.pick_in(&mut state, &mut || 7, context), want, "hash {hash}");
        // The same hash, the same host.
        assert_eq!(cla.pick_in(&mut state, &mut || 9, context), want);
    }
    assert_eq!(cla.pick(&mut state, &mut || 42), reference.choose(42, 0, |_| false));
}

// envoy rejects a ring whose minimum exceeds its maximum (8M): the cluster serves nothing.
#[test]
fn unbuildable_ring_picks_nothing() {
    let settings = with_policy(Policy::RingHash { minimum_ring_size: 1 << 30 });
    let cla = ClusterLoadAssignment::build(hosts(2), &settings, None);
    let mut state = cla.new_state(0);
    assert_eq!(cla.pick(&mut state, &mut || 1), None);
}

proptest! {
    // With one priority and no locality weights, the cluster's round robin is the standalone
    // rotation or EDF schedule (envoy RoundRobinLoadBalancer).
    #[test]
    fn round_robin_matches_the_standalone_balancer(
        weights in prop::collection::vec(1u32..5, 1..8),
        seed in 0u64..50,
        draws in prop::collection::vec(any::<u64>(), 20),
    ) {
        let eps: Vec<Endpoint> =
            weights.iter().enumerate().map(|(i, &w)| ep(&format!("10.0.0.{i}:80"), "").with_weight(w)).collect();
        let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::RoundRobin), None);
        let mut state = cla.new_state(seed);
        let mut reference = RoundRobin::new(&weights, seed);
        let mut it = draws.into_iter().cycle();
        for _ in 0..20 {
            prop_assert_eq!(cla.pick(&mut state, &mut || it.next().unwrap_or(0)), reference.pick());
        }
    }

    // Maglev through the cluster equals the standalone table for every hash.
    #[test]
    fn maglev_matches_the_standalone_table(n in 1usize..12, hashes in prop::collection::vec(any::<u64>(), 10)) {
        let eps = hosts(n);
        let reference = maglev_reference(&eps);
        let cla = ClusterLoadAssignment::build(eps, &with_policy(Policy::Maglev { table_size: 65537 }), None);
        let mut state = cla.new_state(0);
        for h in hashes {
            let context = PickContext { hash: Some(h), ..Default::default() };
            prop_assert_eq!(cla.pick_in(&mut state, &mut || 0, context), reference.choose(h, 0, |_| false));
        }
    }
}
