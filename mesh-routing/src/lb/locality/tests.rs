use super::*;

#[test]
fn locality_match_rules() {
    let l = Locality::parse("r1/z1/s1");
    assert!(locality_matches(&l, "r1"));
    assert!(locality_matches(&l, "r1/*"));
    assert!(locality_matches(&l, "r1/z1/*"));
    assert!(locality_matches(&l, "*"));
    assert!(!locality_matches(&l, "r1/z2"));
    assert!(!locality_matches(&l, "r2/*"));
}

#[test]
fn lb_priority_levels() {
    let s = Locality::parse("r1/z1/s1");
    assert_eq!(locality_priority(&s, &Locality::parse("r1/z1/s1")), 0);
    assert_eq!(locality_priority(&s, &Locality::parse("r1/z1/s2")), 1);
    assert_eq!(locality_priority(&s, &Locality::parse("r1/z2/s1")), 2);
    assert_eq!(locality_priority(&s, &Locality::parse("r2/z1/s1")), 3);
}

#[test]
fn groups_sorted_by_label_with_weights() {
    let eps = [
        Endpoint::new("b").with_locality(Locality::parse("r2//")),
        Endpoint::new("a").with_locality(Locality::parse("r1//")),
        Endpoint::new("c").with_locality(Locality::parse("r2//")).with_weight(3),
    ];
    let weights = BTreeMap::from([(Locality::parse("r2//"), 7)]);
    let groups = group_by_locality(&eps, Some(&weights));
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].weight, None);
    assert_eq!(groups[1].weight, Some(7));
    let ids: Vec<usize> = groups[1].endpoints.iter().map(|e| e.id).collect();
    assert_eq!(ids, [0, 2]);
}

#[test]
fn failover_priority_needs_proxy_labels() {
    // Istio's applyFailoverPriorities does nothing without proxy labels.
    let eps = [Endpoint::new("a").with_locality(Locality::parse("r1/z1/s1"))];
    let mut groups = group_by_locality(&eps, None);
    let setting = LocalityLoadBalancerSetting { failover_priority: vec!["x".into()], ..Default::default() };
    apply_locality_lb(&mut groups, &Locality::parse("r1/z1/s1"), &BTreeMap::new(), &setting, true);
    assert_eq!(groups[0].weight, None);
    assert_eq!(groups[0].priority, 0);
}
