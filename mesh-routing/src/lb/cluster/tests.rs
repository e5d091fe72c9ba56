use mesh_model::networking::{LocalityDistribute as Distribute, LocalityLoadBalancerSetting};
use proptest::prelude::*;

use super::*;

fn ep(addr: &str, locality: &str) -> Endpoint {
    Endpoint::new(addr).with_locality(Locality::parse(locality))
}

fn client(locality: &str) -> ClientLocality {
    ClientLocality { locality: Locality::parse(locality), labels: BTreeMap::new() }
}

fn failover() -> ClusterSettings {
    ClusterSettings {
        locality: Some(LocalityLoadBalancerSetting::default()),
        failover: true,
        ..Default::default()
    }
}

fn distribute(from: &str, to: &[(&str, u32)]) -> ClusterSettings {
    let rule = Distribute {
        from: Some(from.to_string()),
        to: to.iter().map(|(l, w)| (l.to_string(), *w)).collect(),
    };
    ClusterSettings {
        locality: Some(LocalityLoadBalancerSetting { distribute: vec![rule], ..Default::default() }),
        ..Default::default()
    }
}

fn address(cla: &ClusterLoadAssignment, i: Option<usize>) -> Option<&str> {
    i.map(|i| cla.members()[i].endpoint.address.as_str())
}

/// How often each address is picked over `n` evenly spaced draws.
fn shares(cla: &ClusterLoadAssignment, n: u32) -> BTreeMap<String, u32> {
    let mut out = BTreeMap::new();
    for k in 0..n {
        if let Some(a) = address(cla, cla.pick_with_draw(f64::from(k) / f64::from(n))) {
            *out.entry(a.to_string()).or_insert(0) += 1;
        }
    }
    out
}

#[test]
fn subset_labels_filter_the_endpoints() {
    // istio endpoint_builder.go: endpoints whose labels are not a superset of the subset's are left out.
    let mut v1 = ep("10.0.0.1:80", "r1/z1/");
    v1.labels.insert("version".into(), "v1".into());
    let mut v2 = ep("10.0.0.2:80", "r1/z1/");
    v2.labels.insert("version".into(), "v2".into());
    let labels = BTreeMap::from([("version".to_string(), "v2".to_string())]);
    let settings = ClusterSettings { subset: Subset::Labels(labels), ..Default::default() };
    let cla = ClusterLoadAssignment::build(vec![v1.clone(), v2.clone()], &settings, None);
    assert_eq!(cla.members().len(), 1);
    assert_eq!(cla.members()[0].input, 1);
    assert_eq!(address(&cla, cla.pick_with_draw(0.9)), Some("10.0.0.2:80"));
    let all = ClusterLoadAssignment::build(vec![v1, v2], &ClusterSettings::default(), None);
    assert_eq!(all.members().len(), 2);
}

#[test]
fn an_undefined_subset_is_an_empty_cluster() {
    // Envoy: a route to a cluster that does not exist answers 503 (cluster_not_found).
    let settings = ClusterSettings { subset: Subset::Undefined("v9".into()), ..Default::default() };
    let cla = ClusterLoadAssignment::build(vec![ep("10.0.0.1:80", "r1/z1/")], &settings, None);
    assert!(cla.members().is_empty());
    assert_eq!(cla.pick_with_draw(0.5), None);
    assert_eq!(cla.pick(&mut cla.new_state(0), &mut || 1u64), None);
}

#[test]
fn an_empty_cluster_picks_nothing() {
    let cla = ClusterLoadAssignment::build(Vec::new(), &failover(), Some(&client("r1/z1/")));
    assert_eq!(cla.load().healthy, [100]);
    assert_eq!(cla.pick_with_draw(0.0), None);
    assert_eq!(cla.pick(&mut cla.new_state(3), &mut || 42u64), None);
}

#[test]
fn failover_orders_priorities_by_locality_and_spills_to_the_next() {
    // istio loadbalancer_test.go: same subzone 0, same zone 1, same region 2, other region 3,
    // renumbered without gaps.
    let eps = vec![
        ep("10.0.0.4:80", "r2/z1/s1"),
        ep("10.0.0.1:80", "r1/z1/s1"),
        ep("10.0.0.3:80", "r1/z2/s1"),
        ep("10.0.0.2:80", "r1/z1/s2"),
    ];
    let cla = ClusterLoadAssignment::build(eps.clone(), &failover(), Some(&client("r1/z1/s1")));
    assert_eq!(cla.mode(), LocalityMode::Failover);
    let priorities: Vec<u32> = cla.members().iter().map(|m| m.priority).collect();
    assert_eq!(priorities, [3, 0, 2, 1]);
    assert_eq!(cla.load().healthy, [100, 0, 0, 0]);
    assert_eq!(address(&cla, cla.pick_with_draw(0.99)), Some("10.0.0.1:80"));
    // P0 unhealthy: envoy load_balancer_impl_test.cc, all of P0's load spills to P1.
    let mut eps = eps;
    eps[1].health = Health::Unhealthy;
    let cla = ClusterLoadAssignment::build(eps, &failover(), Some(&client("r1/z1/s1")));
    assert_eq!(cla.load().healthy, [0, 100, 0, 0]);
    assert_eq!(address(&cla, cla.pick_with_draw(0.0)), Some("10.0.0.2:80"));
    assert_eq!(address(&cla, cla.pick(&mut cla.new_state(0), &mut || 5u64)), Some("10.0.0.2:80"));
}

#[test]
fn without_outlier_detection_or_client_every_endpoint_stays_at_priority_0() {
    let eps = vec![ep("10.0.0.1:80", "r1/z1/"), ep("10.0.0.2:80", "r2/z1/")];
    let no_od = ClusterSettings { failover: false, ..failover() };
    let cla = ClusterLoadAssignment::build(eps.clone(), &no_od, Some(&client("r1/z1/")));
    assert_eq!(cla.mode(), LocalityMode::NoOutlierDetection);
    assert!(cla.members().iter().all(|m| m.priority == 0));
    let cla = ClusterLoadAssignment::build(eps.clone(), &failover(), None);
    assert_eq!(cla.mode(), LocalityMode::UnknownClient);
    assert!(cla.members().iter().all(|m| m.priority == 0));
    let cla = ClusterLoadAssignment::build(eps, &ClusterSettings::default(), Some(&client("r1/z1/")));
    assert_eq!(cla.mode(), LocalityMode::Disabled);
}

#[test]
fn panic_threshold_spills_to_all_hosts_of_the_priority() {
    // envoy load_balancer_impl_test.cc: below 50% healthy the priority is in panic and
    // routes to every host, healthy or not.
    let eps = vec![
        ep("10.0.0.1:80", "r1/z1/").with_health(Health::Unhealthy),
        ep("10.0.0.2:80", "r1/z1/").with_health(Health::Unhealthy),
        ep("10.0.0.3:80", "r1/z1/"),
    ];
    let cla = ClusterLoadAssignment::build(eps, &ClusterSettings::default(), None);
    assert_eq!(cla.load().panic, [true]);
    let picked = shares(&cla, 300);
    assert_eq!(picked.len(), 3, "{picked:?}");
    let mut state = cla.new_state(0);
    let mut n = 0u64;
    let mut draws = || {
        n += 1;
        n
    };
    // LEAST_REQUEST over all 3 hosts: draw 1 chooses the priority, draws 2 and 3 (mod 3)
    // sample hosts 2 and 0; with no active requests the first sample stays (envoy
    // unweightedHostPick keeps a candidate unless another has strictly fewer requests).
    let stateful: Vec<usize> = (0..3).filter_map(|_| cla.pick(&mut state, &mut draws)).collect();
    assert_eq!(stateful, [2, 2, 2]);
    // With host 2 busy the second sample (host 0) wins.
    let counters = |m: usize| [0, 0, 5][m];
    let busy = PickContext { active_requests: Some(&counters), ..Default::default() };
    assert_eq!(cla.pick_in(&mut state, &mut draws, busy), Some(0));
}

#[test]
fn distribute_weights_are_locality_shares_whatever_the_host_count() {
    // istio locality-load-balancing distribute: `to` weights are the localities' shares of
    // traffic; Envoy picks the locality first (LocalityWrr), then a host inside it.
    let mut eps = vec![ep("10.0.1.1:80", "r1/z1/")];
    eps.extend((2..6).map(|i| ep(&format!("10.0.2.{i}:80"), "r1/z2/")));
    let cla = ClusterLoadAssignment::build(
        eps,
        &distribute("r1/z1/*", &[("r1/z1/*", 80), ("r1/z2/*", 20)]),
        Some(&client("r1/z1/")),
    );
    assert_eq!(cla.mode(), LocalityMode::Distribute);
    assert_eq!(cla.members()[0].locality_weight, Some(80));
    let picked = shares(&cla, 1000);
    assert_eq!(picked.get("10.0.1.1:80"), Some(&800), "{picked:?}");
    // The stateful balancer: 4 of 5 picks to r1/z1 (EDF over 80/20).
    let mut state = cla.new_state(0);
    let mut draws = || 3u64;
    let to_z1 = (0..100).filter(|_| cla.pick(&mut state, &mut draws) == Some(0)).count();
    assert_eq!(to_z1, 80);
}

#[test]
fn distribute_drops_unnamed_localities_before_envoy_counts_health() {
    // istio loadbalancer.go applyLocalityWeight: a locality no `to` names is sent without
    // endpoints, so Envoy neither counts nor picks them, even in panic.
    let eps = vec![
        ep("10.0.1.1:80", "r1/z1/").with_health(Health::Unhealthy),
        ep("10.0.1.2:80", "r1/z1/").with_health(Health::Unhealthy),
        ep("10.0.2.1:80", "r2/z1/"),
        ep("10.0.2.2:80", "r2/z1/"),
    ];
    let cla =
        ClusterLoadAssignment::build(eps, &distribute("r1/*", &[("r1/*", 100)]), Some(&client("r1/z1/")));
    assert!(cla.members()[2].dropped() && cla.members()[3].dropped());
    // 0 of 2 healthy (not 2 of 4): P0 is in panic.
    assert_eq!(cla.load().panic, [true]);
    let picked = shares(&cla, 100);
    assert_eq!(picked.keys().map(String::as_str).collect::<Vec<_>>(), ["10.0.1.1:80", "10.0.1.2:80"]);
    let mut state = cla.new_state(0);
    let mut draws = || 1u64;
    assert!((0..20).all(|_| cla.pick(&mut state, &mut draws).is_some_and(|i| i < 2)));
}

#[test]
fn panic_ignores_locality_weights() {
    // envoy load_balancer_impl.cc hostSourceToUse: in panic, all hosts of the priority,
    // before (and instead of) locality weighting.
    let eps = vec![
        ep("10.0.1.1:80", "r1/z1/").with_health(Health::Unhealthy),
        ep("10.0.2.1:80", "r1/z2/").with_health(Health::Unhealthy),
        ep("10.0.2.2:80", "r1/z2/"),
    ];
    let cla = ClusterLoadAssignment::build(
        eps,
        &distribute("r1/*", &[("r1/z1/*", 90), ("r1/z2/*", 10)]),
        Some(&client("r1/z1/")),
    );
    assert_eq!(cla.load().panic, [true]);
    let picked = shares(&cla, 300);
    assert_eq!(picked.len(), 3);
    assert!(picked.values().all(|&n| (99..=101).contains(&n)), "{picked:?}");
}

#[test]
fn round_robin_follows_envoys_edf_order() {
    // envoy load_balancer_impl_test.cc RoundRobinLoadBalancerTest.Weighted: weights 1 and 2.
    let eps = vec![ep("10.0.0.1:80", "").with_weight(1), ep("10.0.0.2:80", "").with_weight(2)];
    let settings = ClusterSettings { policy: Policy::RoundRobin, ..Default::default() };
    let cla = ClusterLoadAssignment::build(eps, &settings, None);
    let mut state = cla.new_state(0);
    let mut draws = || 0u64;
    let picks: Vec<usize> = (0..6).filter_map(|_| cla.pick(&mut state, &mut draws)).collect();
    assert_eq!(picks, [1, 0, 1, 1, 0, 1]);
}

#[test]
fn a_draw_always_picks_the_same_endpoint() {
    let eps: Vec<Endpoint> =
        (1..8).map(|i| ep(&format!("10.0.0.{i}:80"), if i % 2 == 0 { "r1/z1/" } else { "r1/z2/" })).collect();
    let a = ClusterLoadAssignment::build(eps.clone(), &failover(), Some(&client("r1/z1/")));
    let b = ClusterLoadAssignment::build(eps, &failover(), Some(&client("r1/z1/")));
    for k in 0..100 {
        let r = f64::from(k) / 100.0;
        assert_eq!(a.pick_with_draw(r), b.pick_with_draw(r));
        assert_eq!(a.pick_with_draw(r), a.pick_with_draw(r));
    }
    let (mut sa, mut sb) = (a.new_state(9), b.new_state(9));
    let (mut da, mut db) = (|| 11u64, || 11u64);
    for _ in 0..20 {
        assert_eq!(a.pick(&mut sa, &mut da), b.pick(&mut sb, &mut db));
    }
}

#[test]
fn weighted_pick_follows_the_cumulative_rule_and_rescales_the_draw() {
    // meshctl CONTRACT.md: the first item whose cumulative weight exceeds r * sum(w).
    assert_eq!(pick_weighted([50.0, 50.0], 0.0).map(|x| x.0), Some(0));
    assert_eq!(pick_weighted([50.0, 50.0], 0.5).map(|x| x.0), Some(1));
    assert_eq!(pick_weighted([0.0, 10.0], 0.0).map(|x| x.0), Some(1));
    assert_eq!(pick_weighted([10.0, 0.0], 1.0), Some((0, 1.0 - f64::EPSILON)));
    assert_eq!(pick_weighted(std::iter::empty(), 0.3), None);
}

#[test]
fn cluster_and_state_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<ClusterLoadAssignment>();
    check::<PickState>();
}

/// The one-draw pick `meshctl explain` made before it moved here: a priority by the summed
/// loads, then any eligible host of it by weight (times its locality weight, 1 when unset).
fn reference_pick(cla: &ClusterLoadAssignment, r: f64) -> Option<usize> {
    let loads: Vec<f64> = cla.load_per_priority().map(f64::from).collect();
    let (p, inner) = pick_weighted(loads, r)?;
    let panic = cla.load().panic.get(p).copied().unwrap_or(false);
    let ids: Vec<usize> = (0..cla.members().len())
        .filter(|&i| {
            let m = &cla.members()[i];
            m.priority as usize == p
                && !m.dropped()
                && (panic || matches!(m.endpoint.health, Health::Healthy | Health::Degraded))
        })
        .collect();
    let w: Vec<f64> = ids
        .iter()
        .map(|&i| {
            let m = &cla.members()[i];
            f64::from(m.endpoint.weight) * f64::from(m.locality_weight.unwrap_or(1))
        })
        .collect();
    pick_weighted(w, inner).map(|(k, _)| ids[k])
}

proptest! {
    #[test]
    fn without_locality_weights_the_draw_pick_is_the_former_explain_pick(
        hosts in prop::collection::vec((0u8..4, 1u32..5, prop::bool::weighted(0.7)), 0..12),
        client_zone in 0u8..4,
        od in any::<bool>(),
        r in 0.0f64..1.0,
    ) {
        let eps: Vec<Endpoint> = hosts
            .iter()
            .enumerate()
            .map(|(i, &(z, w, ok))| {
                ep(&format!("10.0.0.{i}:80"), &format!("r{}/z{z}/", z / 2))
                    .with_weight(w)
                    .with_health(if ok { Health::Healthy } else { Health::Unhealthy })
            })
            .collect();
        let settings = ClusterSettings { failover: od, ..failover() };
        let c = client(&format!("r{}/z{client_zone}/", client_zone / 2));
        let cla = ClusterLoadAssignment::build(eps, &settings, Some(&c));
        prop_assert_eq!(cla.pick_with_draw(r), reference_pick(&cla, r));
    }
}

#[test]
fn a_known_client_without_locality_still_gets_istios_priorities() {
    // istio util.ConvertLocality(""): an empty locality, not nil, so ApplyLocalityLBSetting
    // still runs: endpoints without a locality share the client's (empty) one and come first.
    let eps = vec![ep("10.0.0.1:80", "r1/z1/"), ep("10.0.0.2:80", "")];
    let cla = ClusterLoadAssignment::build(eps, &failover(), Some(&client("")));
    assert_eq!(cla.mode(), LocalityMode::Failover);
    let priorities: Vec<u32> = cla.members().iter().map(|m| m.priority).collect();
    assert_eq!(priorities, [1, 0]);
}
