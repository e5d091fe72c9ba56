//! Envoy's Maglev test vectors (envoy test/extensions/load_balancing_policies/maglev/
//! maglev_lb_test.cc), each named after its upstream test.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mesh_routing::lb::consistent::{ConsistentHashConfig, ConsistentHashLb, HashTableKind};
use mesh_routing::lb::maglev::DEFAULT_TABLE_SIZE;
use mesh_routing::lb::{Endpoint, Health, LbError, Locality, MaglevTable};

fn hosts(ports: std::ops::Range<u32>) -> Vec<Endpoint> {
    ports.map(|p| Endpoint::new(format!("127.0.0.1:{p}"))).collect()
}

fn lb(
    eps: Vec<Endpoint>,
    weights: Option<BTreeMap<Locality, u32>>,
    size: u64,
    hostname: bool,
) -> ConsistentHashLb {
    let config = ConsistentHashConfig {
        kind: HashTableKind::Maglev { table_size: size },
        use_hostname: hostname,
        locality_weighted: weights.is_some(),
        priority: Default::default(),
    };
    ConsistentHashLb::new(eps, weights.as_ref(), config).expect("valid")
}

/// Checks three rounds of hashes `0..3n` against the expected slot assignments, as Envoy's
/// tests do.
fn assert_assignments(lb: &ConsistentHashLb, expected: &[usize]) {
    for i in 0..3 * expected.len() as u64 {
        assert_eq!(lb.choose(i, 0, |_| false), Some(expected[i as usize % expected.len()]), "hash {i}");
    }
}

fn min_max(lb: &ConsistentHashLb) -> (u64, u64) {
    let t = &lb.tables()[0];
    let counts = match &t.table {
        mesh_routing::lb::consistent::HashTable::Maglev(m) => m.counts(),
        mesh_routing::lb::consistent::HashTable::Ring(r) => r.counts(),
    };
    (counts.iter().copied().min().unwrap_or(0), counts.iter().copied().max().unwrap_or(0))
}

fn zone(z: &str) -> Locality {
    Locality::new("", z, "")
}

// envoy maglev_lb_test.cc: NoHost
#[test]
fn no_host() {
    let lb = lb(Vec::new(), None, 7, false);
    assert_eq!(lb.choose(0, 0, |_| false), None);
}

// envoy maglev_lb_test.cc: NoPrimeNumber
#[test]
fn no_prime_number() {
    let hosts: [(&str, f64); 0] = [];
    assert_eq!(MaglevTable::build(&hosts, 1.0, 8), Err(LbError::TableSizeNotPrime(8)));
}

// envoy maglev_lb_test.cc: DefaultMaglevTableSize
#[test]
fn default_maglev_table_size() {
    assert_eq!(DEFAULT_TABLE_SIZE, 65_537);
    let t = MaglevTable::build(&[("127.0.0.1:90", 1.0)], 1.0, DEFAULT_TABLE_SIZE).expect("prime");
    assert_eq!(t.size(), 65_537);
}

// envoy maglev_lb_test.cc: Basic
#[test]
fn basic() {
    let lb = lb(hosts(90..96), None, 7, false);
    assert_eq!(min_max(&lb), (1, 2));
    assert_assignments(&lb, &[2, 4, 0, 1, 5, 0, 3]);
}

// envoy maglev_lb_test.cc: BasicWithHostName
#[test]
fn basic_with_host_name() {
    let eps: Vec<Endpoint> =
        hosts(90..96).into_iter().enumerate().map(|(i, e)| e.with_hostname(format!("{}", 90 + i))).collect();
    let lb = lb(eps, None, 7, true);
    assert_eq!(min_max(&lb), (1, 2));
    assert_assignments(&lb, &[2, 5, 0, 3, 4, 1, 0]);
}

// envoy maglev_lb_test.cc: BasicWithMetadataHashKey
#[test]
fn basic_with_metadata_hash_key() {
    let eps: Vec<Endpoint> =
        hosts(90..96).into_iter().enumerate().map(|(i, e)| e.with_hash_key(format!("{}", 90 + i))).collect();
    let lb = lb(eps, None, 7, true);
    assert_assignments(&lb, &[2, 5, 0, 3, 4, 1, 0]);
}

// envoy maglev_lb_test.cc: BasicWithRetryHostPredicate
#[test]
fn basic_with_retry_host_predicate() {
    let lb = lb(hosts(90..96), None, 7, false);
    // Hash 10 lands on slot 3.
    assert_eq!(lb.choose(10, 0, |_| false), Some(1));
    // The first attempt succeeds even when retries are allowed.
    assert_eq!(lb.choose(10, 2, |_| false), Some(1));
    // The second attempt chooses another host.
    assert_eq!(lb.choose(10, 2, |h| h == 1), Some(0));
    // Exhausted retries return the last host tried.
    assert_eq!(lb.choose(10, 2, |_| true), Some(5));
}

// envoy maglev_lb_test.cc: BasicStability
#[test]
fn basic_stability() {
    let eps = hosts(90..96);
    let mut shuffled = eps.clone();
    shuffled.reverse();
    shuffled.swap(1, 4);
    let a = lb(eps.clone(), None, 7, false);
    let b = lb(shuffled.clone(), None, 7, false);
    for h in 0..21u64 {
        let x = a.choose(h, 0, |_| false).map(|i| eps[i].address.clone());
        let y = b.choose(h, 0, |_| false).map(|i| shuffled[i].address.clone());
        assert_eq!(x, y);
    }
}

// envoy maglev_lb_test.cc: Weighted
#[test]
fn weighted() {
    let eps = vec![Endpoint::new("127.0.0.1:90"), Endpoint::new("127.0.0.1:91").with_weight(2)];
    let lb = lb(eps, None, 17, false);
    assert_eq!(min_max(&lb), (6, 11));
    assert_assignments(&lb, &[1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1]);
}

// envoy maglev_lb_test.cc: LocalityWeightedSameLocalityWeights
#[test]
fn locality_weighted_same_locality_weights() {
    let eps = vec![
        Endpoint::new("127.0.0.1:90").with_locality(zone("A")),
        Endpoint::new("127.0.0.1:91").with_locality(zone("B")).with_weight(2),
    ];
    let weights = BTreeMap::from([(zone("A"), 1), (zone("B"), 1)]);
    let lb = lb(eps, Some(weights), 17, false);
    assert_eq!(min_max(&lb), (8, 9));
    assert_assignments(&lb, &[1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
}

// envoy maglev_lb_test.cc: LocalityWeightedDifferentLocalityWeights
#[test]
fn locality_weighted_different_locality_weights() {
    let eps = vec![
        Endpoint::new("127.0.0.1:90").with_locality(zone("A")),
        Endpoint::new("127.0.0.1:91").with_locality(zone("C")).with_weight(2),
        Endpoint::new("127.0.0.1:92").with_locality(zone("B")).with_weight(3),
    ];
    let weights = BTreeMap::from([(zone("A"), 8), (zone("B"), 0), (zone("C"), 2)]);
    let lb = lb(eps, Some(weights), 17, false);
    assert_eq!(min_max(&lb), (4, 13));
    assert_assignments(&lb, &[1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
}

// envoy maglev_lb_test.cc: LocalityWeightedAllZeroLocalityWeights
#[test]
fn locality_weighted_all_zero_locality_weights() {
    let eps = vec![Endpoint::new("127.0.0.1:90")];
    let weights = BTreeMap::from([(Locality::default(), 0)]);
    let lb = lb(eps, Some(weights), 17, false);
    assert_eq!(lb.choose(0, 0, |_| false), None);
}

// envoy maglev_lb_test.cc: LocalityWeightedGlobalPanic
#[test]
fn locality_weighted_global_panic() {
    let eps = vec![
        Endpoint::new("127.0.0.1:90").with_locality(zone("A")).with_health(Health::Unhealthy),
        Endpoint::new("127.0.0.1:91").with_locality(zone("B")).with_weight(2).with_health(Health::Unhealthy),
    ];
    let weights = BTreeMap::from([(zone("A"), 1), (zone("B"), 1)]);
    let lb = lb(eps, Some(weights), 17, false);
    assert!(lb.load().panic[0]);
    assert_eq!(min_max(&lb), (8, 9));
    assert_assignments(&lb, &[1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1]);
}

// envoy maglev_lb_test.cc: LocalityWeightedLopsided
#[test]
fn locality_weighted_lopsided() {
    let eps: Vec<Endpoint> = (0..1024)
        .map(|i| {
            Endpoint::new(format!("127.0.0.1:{i}")).with_locality(if i == 0 { zone("A") } else { zone("B") })
        })
        .collect();
    let weights = BTreeMap::from([(zone("A"), 127), (zone("B"), 1)]);
    let lb = lb(eps, Some(weights), DEFAULT_TABLE_SIZE, false);
    assert_eq!(min_max(&lb), (1, DEFAULT_TABLE_SIZE - 1023));
    let mut counts = vec![0u64; 1024];
    for h in 0..DEFAULT_TABLE_SIZE {
        counts[lb.choose(h, 0, |_| false).expect("host")] += 1;
    }
    assert!(counts[1..].iter().all(|&c| c == 1));
    assert_eq!(counts[0], DEFAULT_TABLE_SIZE - 1023);
}
