//! Istio's locality load-balancing vectors (istio/istio pilot/pkg/networking/core/
//! loadbalancer/loadbalancer_test.go, TestApplyLocalitySetting), each named after its
//! upstream subtest.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mesh_model::networking::{LocalityDistribute, LocalityFailover, LocalityLoadBalancerSetting};
use mesh_routing::lb::Locality;
use mesh_routing::lb::locality::{GroupEndpoint, LocalityGroup, apply_locality_lb, effective_setting};

fn source() -> Locality {
    Locality::parse("region1/zone1/subzone1")
}

fn group(locality: Option<&str>, endpoints: Vec<GroupEndpoint>) -> LocalityGroup {
    LocalityGroup {
        locality: locality.map(Locality::parse),
        weight: None,
        priority: 0,
        endpoints,
        dropped: false,
    }
}

/// Istio's `buildFakeCluster`: seven locality groups without endpoints.
fn fake_cluster() -> Vec<LocalityGroup> {
    [
        "region1/zone1/subzone1",
        "region1/zone1/subzone1",
        "region1/zone1/subzone2",
        "region1/zone1/subzone3",
        "region1/zone2/",
        "region2//",
        "region3//",
    ]
    .into_iter()
    .map(|l| group(Some(l), Vec::new()))
    .collect()
}

fn failover_setting() -> LocalityLoadBalancerSetting {
    LocalityLoadBalancerSetting {
        failover: vec![LocalityFailover { from: Some("region1".into()), to: Some("region2".into()) }],
        ..Default::default()
    }
}

fn priorities(groups: &[LocalityGroup]) -> Vec<u32> {
    groups.iter().map(|g| g.priority).collect()
}

fn weights(groups: &[LocalityGroup]) -> Vec<u32> {
    groups.iter().map(|g| if g.dropped { 0 } else { g.weight.unwrap_or(0) }).collect()
}

// istio loadbalancer_test.go: Distribute/distribution between subzones
#[test]
fn distribute_between_subzones() {
    let setting = LocalityLoadBalancerSetting {
        distribute: vec![LocalityDistribute {
            from: Some("region1/zone1/subzone1".into()),
            to: BTreeMap::from([
                ("region1/zone1/subzone1".into(), 80),
                ("region1/zone1/subzone2".into(), 15),
                ("region1/zone1/subzone3".into(), 5),
            ]),
        }],
        ..Default::default()
    };
    let mut groups = fake_cluster();
    apply_locality_lb(&mut groups, &source(), &BTreeMap::new(), &setting, true);
    assert_eq!(weights(&groups), [40, 40, 15, 5, 0, 0, 0]);
}

// istio loadbalancer_test.go: Failover: all priorities
#[test]
fn failover_all_priorities() {
    let mut groups = fake_cluster();
    apply_locality_lb(&mut groups, &source(), &BTreeMap::new(), &failover_setting(), true);
    assert_eq!(priorities(&groups), [0, 0, 1, 1, 2, 3, 4]);
}

// istio loadbalancer_test.go: Failover: priorities with gaps
#[test]
fn failover_priorities_with_gaps() {
    let mut groups: Vec<LocalityGroup> =
        ["region1/zone1/subzone2", "region2/zone1/subzone2", "region2/zone1/subzone2"]
            .into_iter()
            .map(|l| group(Some(l), Vec::new()))
            .collect();
    apply_locality_lb(&mut groups, &source(), &BTreeMap::new(), &failover_setting(), true);
    assert_eq!(priorities(&groups), [0, 1, 1]);
}

// istio loadbalancer_test.go: Failover: priorities with some nil localities
#[test]
fn failover_priorities_with_some_nil_localities() {
    let mut groups = vec![
        group(Some("region1/zone1/subzone2"), Vec::new()),
        group(None, Vec::new()),
        group(Some("region2/zone1/subzone2"), Vec::new()),
    ];
    apply_locality_lb(&mut groups, &source(), &BTreeMap::new(), &failover_setting(), true);
    assert_eq!(priorities(&groups), [0, 2, 1]);
}

// istio loadbalancer_test.go: Failover: with locality lb disabled
#[test]
fn failover_with_locality_lb_disabled() {
    let disabled = LocalityLoadBalancerSetting { enabled: Some(false), ..failover_setting() };
    assert_eq!(effective_setting(Some(&failover_setting()), Some(&disabled)), None);
    assert_eq!(effective_setting(Some(&disabled), None), None);
    // A DestinationRule's enabled setting wins over a disabled mesh setting.
    let enabled = LocalityLoadBalancerSetting { enabled: Some(true), ..Default::default() };
    assert_eq!(effective_setting(Some(&disabled), Some(&enabled)), Some(enabled));
}

fn ep(id: usize, labels: &[(&str, &str)]) -> GroupEndpoint {
    GroupEndpoint {
        id,
        weight: 1,
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    }
}

const NET: &str = "topology.istio.io/network";
const CLUSTER: &str = "topology.istio.io/cluster";

/// Istio's `buildWrappedLocalityLbEndpoints`: three localities of two endpoints.
fn wrapped() -> Vec<LocalityGroup> {
    vec![
        group(
            Some("region1/zone1/subzone1"),
            vec![
                ep(0, &[(NET, "n1"), (CLUSTER, "c1")]),
                ep(1, &[("key", "value"), (NET, "n2"), (CLUSTER, "c2")]),
            ],
        ),
        group(
            Some("region2/zone2/subzone2"),
            vec![
                ep(2, &[("key", "value"), (NET, "n1"), (CLUSTER, "c3")]),
                ep(3, &[("key", "value"), (NET, "n2"), (CLUSTER, "c4")]),
            ],
        ),
        group(
            Some("region3/zone3/subzone3"),
            vec![
                ep(4, &[("key", "value"), (NET, "n1"), (CLUSTER, "c1")]),
                ep(5, &[("key", "value"), (NET, "n2"), (CLUSTER, "c2")]),
            ],
        ),
    ]
}

fn failover_priority(labels: &[&str], proxy: &[(&str, &str)]) -> Vec<LocalityGroup> {
    let setting = LocalityLoadBalancerSetting {
        failover_priority: labels.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let proxy: BTreeMap<String, String> = proxy.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut groups = wrapped();
    apply_locality_lb(&mut groups, &source(), &proxy, &setting, true);
    groups
}

fn ids(groups: &[LocalityGroup]) -> Vec<Vec<usize>> {
    groups.iter().map(|g| g.endpoints.iter().map(|e| e.id).collect()).collect()
}

// istio loadbalancer_test.go: FailoverPriority/match none label
#[test]
fn failover_priority_match_none_label() {
    let g = failover_priority(&[NET, CLUSTER], &[(NET, "test"), (CLUSTER, "test")]);
    assert_eq!(priorities(&g), [0, 0, 0]);
    assert_eq!(weights(&g), [2, 2, 2]);
}

// istio loadbalancer_test.go: FailoverPriority/match network label
#[test]
fn failover_priority_match_network_label() {
    let g = failover_priority(&[NET, CLUSTER], &[(NET, "n1"), (CLUSTER, "test")]);
    assert_eq!(priorities(&g), [0, 1, 0, 1, 0, 1]);
    assert_eq!(weights(&g), [1, 1, 1, 1, 1, 1]);
}

// istio loadbalancer_test.go: FailoverPriority/not match the first n label
#[test]
fn failover_priority_not_match_the_first_n_label() {
    let g = failover_priority(&[NET, CLUSTER], &[(NET, "test"), (CLUSTER, "c1")]);
    assert_eq!(priorities(&g), [0, 1, 1, 0, 1]);
    assert_eq!(weights(&g), [1, 1, 2, 1, 1]);
}

// istio loadbalancer_test.go: FailoverPriority/match all labels
#[test]
fn failover_priority_match_all_labels() {
    let g = failover_priority(&["key", NET, CLUSTER], &[("key", "value"), (NET, "n2"), (CLUSTER, "c2")]);
    assert_eq!(ids(&g), [vec![1], vec![0], vec![3], vec![2], vec![5], vec![4]]);
    assert_eq!(priorities(&g), [0, 3, 1, 2, 0, 2]);
}

// istio loadbalancer_test.go: FailoverPriority/priority assignment as per the overridden value
#[test]
fn failover_priority_overridden_value() {
    let g = failover_priority(&["topology.istio.io/network=n1"], &[(NET, "n2"), (CLUSTER, "test")]);
    assert_eq!(priorities(&g), [0, 1, 0, 1, 0, 1]);
}

// istio loadbalancer_test.go: FailoverPriority/no endpoints with overridden value
#[test]
fn failover_priority_no_endpoints_with_overridden_value() {
    let g = failover_priority(&["topology.istio.io/network=n3"], &[(NET, "n1"), (CLUSTER, "test")]);
    assert_eq!(priorities(&g), [0, 0, 0]);
    assert_eq!(weights(&g), [2, 2, 2]);
}

/// Istio's `buildWrappedLocalityLbEndpointsForFailoverPriorityWithFailover`.
fn wrapped_with_failover(with_locality_labels: bool) -> Vec<LocalityGroup> {
    let rows: [(&str, &[(&str, &str)]); 6] = [
        ("region1/zone1/subzone1", &[(NET, "n1"), (CLUSTER, "c1")]),
        ("region1/zone2/subzone2", &[("key", "value"), (NET, "n2"), (CLUSTER, "c2")]),
        ("region2/zone2/subzone2", &[("key", "value"), (NET, "n1"), (CLUSTER, "c3")]),
        ("region3/zone3/subzone3", &[("key", "value"), (NET, "n2"), (CLUSTER, "c4")]),
        ("region2/zone2/subzone2", &[(NET, "n2"), (CLUSTER, "c2")]),
        ("region3/zone3/subzone3", &[("key", "value"), (NET, "n1"), (CLUSTER, "c6")]),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (loc, labels))| {
            let mut e = ep(i, labels);
            if with_locality_labels {
                let l = Locality::parse(loc);
                e.labels.insert("region".into(), l.region);
                e.labels.insert("zone".into(), l.zone);
            }
            group(Some(loc), vec![e])
        })
        .collect()
}

// istio loadbalancer_test.go: FailoverPriority including locality
#[test]
fn failover_priority_including_locality() {
    let setting = LocalityLoadBalancerSetting {
        failover_priority: vec![NET.into(), "region".into(), "zone".into()],
        ..Default::default()
    };
    let proxy = BTreeMap::from([
        (NET.to_string(), "n1".to_string()),
        ("region".into(), "region2".into()),
        ("zone".into(), "zone2".into()),
    ]);
    let mut groups = wrapped_with_failover(true);
    apply_locality_lb(&mut groups, &source(), &proxy, &setting, true);
    assert_eq!(priorities(&groups), [1, 3, 0, 3, 2, 1]);
}

// istio loadbalancer_test.go: FailoverPriority with Failover/match all labels
#[test]
fn failover_priority_with_failover_match_all_labels() {
    let setting = LocalityLoadBalancerSetting {
        failover_priority: vec![NET.into(), CLUSTER.into()],
        ..failover_setting()
    };
    let proxy =
        BTreeMap::from([(NET.to_string(), "n2".to_string()), (CLUSTER.to_string(), "c2".to_string())]);
    let mut groups = wrapped_with_failover(false);
    apply_locality_lb(&mut groups, &source(), &proxy, &setting, true);
    assert_eq!(priorities(&groups), [3, 0, 4, 2, 1, 5]);
}

// istio loadbalancer.go ApplyLocalityLoadBalancer: without outlier detection no failover
// priority is assigned.
#[test]
fn no_failover_without_outlier_detection() {
    let mut groups = fake_cluster();
    apply_locality_lb(&mut groups, &source(), &BTreeMap::new(), &failover_setting(), false);
    assert_eq!(priorities(&groups), [0; 7]);
}
