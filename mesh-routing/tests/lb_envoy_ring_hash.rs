//! Envoy's ring hash test vectors (envoy test/extensions/load_balancing_policies/ring_hash/
//! ring_hash_lb_test.cc), each named after its upstream test.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mesh_routing::lb::consistent::{ConsistentHashConfig, ConsistentHashLb, HashTable, HashTableKind};
use mesh_routing::lb::ring_hash::RingConfig;
use mesh_routing::lb::{Endpoint, HashFunction, Health, LbError, Locality, RingHash};

fn hosts(ports: std::ops::Range<u32>) -> Vec<Endpoint> {
    ports.map(|p| Endpoint::new(format!("127.0.0.1:{p}"))).collect()
}

fn ring_config(min: u64, max: Option<u64>) -> RingConfig {
    RingConfig { min_ring_size: min, max_ring_size: max.unwrap_or(8 * 1024 * 1024), ..RingConfig::default() }
}

fn lb(
    eps: Vec<Endpoint>,
    weights: Option<BTreeMap<Locality, u32>>,
    ring: RingConfig,
    hostname: bool,
) -> ConsistentHashLb {
    let config = ConsistentHashConfig {
        kind: HashTableKind::RingHash(ring),
        use_hostname: hostname,
        locality_weighted: weights.is_some(),
        priority: Default::default(),
    };
    ConsistentHashLb::new(eps, weights.as_ref(), config).expect("valid")
}

fn ring(lb: &ConsistentHashLb, priority: usize) -> &RingHash {
    match &lb.tables()[priority].table {
        HashTable::Ring(r) => r,
        HashTable::Maglev(_) => unreachable!("a ring was built"),
    }
}

/// Entries per host (min, max) and the ring size, as Envoy's stats report them.
fn stats(lb: &ConsistentHashLb) -> (usize, u64, u64) {
    let r = ring(lb, 0);
    let mut counts = r.counts();
    counts.resize(lb.tables()[0].hosts.len().max(1), 0);
    (r.len(), counts.iter().copied().min().unwrap_or(0), counts.iter().copied().max().unwrap_or(0))
}

fn pick(lb: &ConsistentHashLb, hash: u64) -> Option<usize> {
    lb.choose(hash, 0, |_| false)
}

fn zone(z: &str) -> Locality {
    Locality::new("", z, "")
}

/// Hosts hit by `n` hashes spread evenly over the hash space, by port offset from 90.
fn histogram(lb: &ConsistentHashLb, n: u64, hosts: usize) -> Vec<u64> {
    let mut counts = vec![0u64; hosts];
    for i in 0..n {
        counts[pick(lb, i * (u64::MAX / n)).expect("host")] += 1;
    }
    counts
}

// envoy ring_hash_lb_test.cc: BadRingSizeBounds
#[test]
fn bad_ring_size_bounds() {
    let hosts: [(&str, f64); 0] = [];
    assert_eq!(
        RingHash::build(&hosts, 1.0, &ring_config(20, Some(10))),
        Err(LbError::RingSizeBounds { min: 20, max: 10 })
    );
}

// envoy ring_hash_lb_test.cc: NoHost
#[test]
fn no_host() {
    let lb = lb(Vec::new(), None, RingConfig::default(), false);
    assert_eq!(pick(&lb, 0), None);
}

// envoy ring_hash_lb_test.cc: Basic
#[test]
fn basic() {
    let lb = lb(hosts(90..96), None, ring_config(12, None), false);
    assert_eq!(stats(&lb), (12, 2, 2));
    let expected: [(u64, usize); 12] = [
        (833_437_586_790_550_860, 4),
        (928_266_305_478_181_108, 2),
        (1_033_482_794_131_418_490, 0),
        (3_551_244_743_356_806_947, 5),
        (3_851_675_632_748_031_481, 3),
        (5_583_722_120_771_150_861, 1),
        (6_311_230_543_546_372_928, 1),
        (7_700_377_290_971_790_572, 3),
        (13_144_177_310_400_110_813, 5),
        (13_444_792_449_719_432_967, 2),
        (15_516_499_411_664_133_160, 4),
        (16_117_243_373_044_804_889, 0),
    ];
    let entries: Vec<(u64, usize)> = ring(&lb, 0).entries().collect();
    assert_eq!(entries, expected);
    assert_eq!(pick(&lb, 0), Some(4));
    assert_eq!(pick(&lb, u64::MAX), Some(4));
    assert_eq!(pick(&lb, 3_551_244_743_356_806_947), Some(5));
    assert_eq!(pick(&lb, 3_551_244_743_356_806_948), Some(3));
    assert_eq!(pick(&lb, 16_117_243_373_044_804_880), Some(0));

    // No healthy host: panic, the ring holds every host.
    let unhealthy: Vec<Endpoint> =
        hosts(90..96).into_iter().map(|e| e.with_health(Health::Unhealthy)).collect();
    let lb = super_lb_panic(unhealthy);
    assert!(lb.load().panic[0]);
    assert_eq!(pick(&lb, 0), Some(4));
}

fn super_lb_panic(eps: Vec<Endpoint>) -> ConsistentHashLb {
    lb(eps, None, ring_config(12, None), false)
}

// envoy ring_hash_lb_test.cc: BasicFailover
#[test]
fn basic_failover() {
    let eps = vec![
        Endpoint::new("127.0.0.1:80").with_health(Health::Unhealthy),
        Endpoint::new("127.0.0.1:82").with_priority(1),
    ];
    let l = lb(eps, None, ring_config(12, None), false);
    assert_eq!(ring(&l, 1).len(), 12);
    assert_eq!(pick(&l, 0), Some(1));

    // A healthy P=0 host takes everything.
    let eps = vec![Endpoint::new("127.0.0.1:80"), Endpoint::new("127.0.0.1:82").with_priority(1)];
    assert_eq!(pick(&lb(eps, None, ring_config(12, None), false), 0), Some(0));

    // P=0 gets 70% of the load, P=1 30%.
    let eps = vec![
        Endpoint::new("127.0.0.1:80"),
        Endpoint::new("127.0.0.1:81").with_health(Health::Unhealthy),
        Endpoint::new("127.0.0.1:82").with_priority(1),
    ];
    let l = lb(eps, None, ring_config(12, None), false);
    assert_eq!(l.load().healthy, [70, 30]);
    assert_eq!(pick(&l, 69), Some(0));
    assert_eq!(pick(&l, 71), Some(2));
}

// envoy ring_hash_lb_test.cc: BasicWithMurmur2
#[test]
fn basic_with_murmur2() {
    let config = RingConfig { hash_function: HashFunction::MurmurHash2, ..ring_config(12, None) };
    let lb = lb(hosts(80..86), None, config, false);
    assert_eq!(stats(&lb), (12, 2, 2));
    let expected: [(u64, usize); 12] = [
        (1_358_027_074_129_602_068, 5),
        (4_361_834_613_929_391_114, 3),
        (7_224_494_972_555_149_682, 4),
        (7_701_421_856_454_313_576, 1),
        (8_649_315_368_077_433_379, 2),
        (8_739_448_859_063_030_639, 4),
        (9_887_544_217_113_020_895, 1),
        (10_150_910_876_324_007_731, 2),
        (15_168_472_011_420_622_455, 3),
        (15_427_156_902_705_414_897, 0),
        (16_375_050_414_328_759_093, 5),
        (17_613_279_263_364_193_813, 0),
    ];
    let entries: Vec<(u64, usize)> = ring(&lb, 0).entries().collect();
    assert_eq!(entries, expected);
    assert_eq!(pick(&lb, 0), Some(5));
    assert_eq!(pick(&lb, u64::MAX), Some(5));
    assert_eq!(pick(&lb, 1_358_027_074_129_602_068), Some(5));
    assert_eq!(pick(&lb, 1_358_027_074_129_602_069), Some(3));
    assert_eq!(pick(&lb, 10_150_910_876_324_007_730), Some(2));
}

fn named(range: std::ops::Range<u32>, hash_key: bool) -> Vec<Endpoint> {
    range
        .map(|p| {
            let e = Endpoint::new(format!("127.0.0.1:{p}"));
            if hash_key { e.with_hash_key(p.to_string()) } else { e.with_hostname(p.to_string()) }
        })
        .collect()
}

fn check_hostname_ring(lb: &ConsistentHashLb) {
    assert_eq!(stats(lb), (12, 2, 2));
    let hashes: Vec<u64> = ring(lb, 0).entries().map(|e| e.0).collect();
    assert_eq!(hashes[0], 1_975_508_444_536_362_413);
    assert_eq!(hashes[11], 15_364_271_037_087_512_980);
    assert_eq!(pick(lb, 0), Some(5));
    assert_eq!(pick(lb, u64::MAX), Some(5));
    assert_eq!(pick(lb, 7_225_015_537_174_310_577), Some(2));
    assert_eq!(pick(lb, 6_803_900_775_736_438_537), Some(3));
}

// envoy ring_hash_lb_test.cc: BasicWithHostname
#[test]
fn basic_with_hostname() {
    check_hostname_ring(&lb(named(90..96, false), None, ring_config(12, None), true));
}

// envoy ring_hash_lb_test.cc: BasicWithMetadataHashKey
#[test]
fn basic_with_metadata_hash_key() {
    check_hostname_ring(&lb(named(90..96, true), None, ring_config(12, None), true));
}

// envoy ring_hash_lb_test.cc: BasicWithRetryHostPredicate
#[test]
fn basic_with_retry_host_predicate() {
    let lb = lb(hosts(90..96), None, ring_config(12, None), false);
    assert_eq!(lb.choose(0, 0, |_| false), Some(4));
    assert_eq!(lb.choose(0, 2, |_| false), Some(4));
    assert_eq!(lb.choose(0, 2, |h| h == 4), Some(2));
    assert_eq!(lb.choose(0, 2, |_| true), Some(0));
    // Retries wrap around the ring.
    assert_eq!(lb.choose(0, 13, |_| true), Some(2));
}

// envoy ring_hash_lb_test.cc: UnevenHosts
#[test]
fn uneven_hosts() {
    let l = lb(hosts(80..82), None, ring_config(3, None), false);
    assert_eq!(stats(&l), (4, 2, 2));
    let hashes: Vec<u64> = ring(&l, 0).entries().map(|e| e.0).collect();
    assert_eq!(
        hashes,
        [
            5_454_692_015_285_649_509,
            7_859_399_908_942_313_493,
            13_838_424_394_637_650_569,
            16_064_866_803_292_627_174
        ]
    );
    assert_eq!(pick(&l, 0), Some(0));
    let l = lb(hosts(81..83), None, ring_config(3, None), false);
    let hashes: Vec<u64> = ring(&l, 0).entries().map(|e| e.0).collect();
    assert_eq!(
        hashes,
        [
            7_859_399_908_942_313_493,
            8_241_336_090_459_785_962,
            12_882_406_409_176_325_258,
            16_064_866_803_292_627_174
        ]
    );
    assert_eq!(pick(&l, 0), Some(0));
}

const TINY_RING: [(u64, usize); 6] = [
    (928_266_305_478_181_108, 2),
    (4_443_673_547_860_492_590, 2),
    (5_583_722_120_771_150_861, 1),
    (6_311_230_543_546_372_928, 1),
    (13_444_792_449_719_432_967, 2),
    (16_117_243_373_044_804_889, 0),
];

// envoy ring_hash_lb_test.cc: HostWeightedTinyRing
#[test]
fn host_weighted_tiny_ring() {
    let eps: Vec<Endpoint> =
        hosts(90..93).into_iter().zip([1, 2, 3]).map(|(e, w)| e.with_weight(w)).collect();
    let lb = lb(eps, None, ring_config(6, Some(6)), false);
    assert_eq!(stats(&lb), (6, 1, 3));
    for (hash, host) in TINY_RING {
        assert_eq!(pick(&lb, hash), Some(host));
    }
}

// envoy ring_hash_lb_test.cc: HostWeightedLargeRing
#[test]
fn host_weighted_large_ring() {
    let eps: Vec<Endpoint> =
        hosts(90..93).into_iter().zip([1, 2, 3]).map(|(e, w)| e.with_weight(w)).collect();
    let lb = lb(eps, None, ring_config(6144, None), false);
    assert_eq!(stats(&lb), (6144, 1024, 3072));
    assert_eq!(histogram(&lb, 6000, 3), [987, 1932, 3081]);
}

fn four_zones() -> (Vec<Endpoint>, BTreeMap<Locality, u32>) {
    let eps =
        hosts(90..94).into_iter().zip(["A", "B", "C", "D"]).map(|(e, z)| e.with_locality(zone(z))).collect();
    let weights = BTreeMap::from([(zone("A"), 1), (zone("B"), 2), (zone("C"), 3), (zone("D"), 0)]);
    (eps, weights)
}

// envoy ring_hash_lb_test.cc: ZeroLocalityWeights
#[test]
fn zero_locality_weights() {
    let eps = vec![
        Endpoint::new("127.0.0.1:90").with_locality(zone("A")),
        Endpoint::new("127.0.0.1:91").with_locality(zone("B")),
    ];
    let weights = BTreeMap::from([(zone("A"), 0), (zone("B"), 0)]);
    let lb = lb(eps, Some(weights), RingConfig::default(), false);
    assert_eq!(pick(&lb, 0), None);
}

// envoy ring_hash_lb_test.cc: LocalityWeightedTinyRing
#[test]
fn locality_weighted_tiny_ring() {
    let (eps, weights) = four_zones();
    let lb = lb(eps, Some(weights), ring_config(6, Some(6)), false);
    assert_eq!(ring(&lb, 0).len(), 6);
    for (hash, host) in TINY_RING {
        assert_eq!(pick(&lb, hash), Some(host));
    }
}

// envoy ring_hash_lb_test.cc: LocalityWeightedLargeRing
#[test]
fn locality_weighted_large_ring() {
    let (eps, weights) = four_zones();
    let lb = lb(eps, Some(weights), ring_config(6144, None), false);
    assert_eq!(ring(&lb, 0).len(), 6144);
    assert_eq!(histogram(&lb, 6000, 4), [987, 1932, 3081, 0]);
}

fn two_zones_weighted() -> (Vec<Endpoint>, BTreeMap<Locality, u32>) {
    let eps = vec![
        Endpoint::new("127.0.0.1:90").with_locality(zone("A")),
        Endpoint::new("127.0.0.1:91").with_locality(zone("A")).with_weight(2),
        Endpoint::new("127.0.0.1:92").with_locality(zone("B")),
        Endpoint::new("127.0.0.1:93").with_locality(zone("B")).with_weight(2),
    ];
    (eps, BTreeMap::from([(zone("A"), 1), (zone("B"), 2)]))
}

// envoy ring_hash_lb_test.cc: HostAndLocalityWeightedTinyRing
#[test]
fn host_and_locality_weighted_tiny_ring() {
    let (eps, weights) = two_zones_weighted();
    let lb = lb(eps, Some(weights), ring_config(9, Some(9)), false);
    assert_eq!(stats(&lb), (9, 1, 4));
    let expected: [(u64, usize); 9] = [
        (928_266_305_478_181_108, 2),
        (3_851_675_632_748_031_481, 3),
        (5_583_722_120_771_150_861, 1),
        (6_311_230_543_546_372_928, 1),
        (7_700_377_290_971_790_572, 3),
        (12_559_126_875_973_811_811, 3),
        (13_444_792_449_719_432_967, 2),
        (13_784_988_426_630_141_778, 3),
        (16_117_243_373_044_804_889, 0),
    ];
    for (hash, host) in expected {
        assert_eq!(pick(&lb, hash), Some(host));
    }
}

// envoy ring_hash_lb_test.cc: HostAndLocalityWeightedLargeRing
#[test]
fn host_and_locality_weighted_large_ring() {
    let (eps, weights) = two_zones_weighted();
    let lb = lb(eps, Some(weights), ring_config(9216, None), false);
    assert_eq!(stats(&lb), (9216, 1024, 4096));
    assert_eq!(histogram(&lb, 9000, 4), [924, 2009, 2053, 4014]);
}

// envoy ring_hash_lb_test.cc: SmallFractionalScale
#[test]
fn small_fractional_scale() {
    let lb = lb(hosts(90..94), None, ring_config(2, Some(2)), false);
    assert_eq!(ring(&lb, 0).len(), 2);
    let counts = histogram(&lb, 1024, 4);
    assert_eq!(counts.iter().filter(|&&c| c == 0).count(), 2);
    assert_eq!(counts.iter().sum::<u64>(), 1024);
}

// envoy ring_hash_lb_test.cc: LargeFractionalScale
#[test]
fn large_fractional_scale() {
    let lb = lb(hosts(90..92), None, ring_config(1023, Some(1023)), false);
    assert_eq!(stats(&lb), (1023, 511, 512));
    assert_eq!(histogram(&lb, 1023, 2), [526, 497]);
}

// envoy ring_hash_lb_test.cc: LopsidedWeightSmallScale
#[test]
fn lopsided_weight_small_scale() {
    let eps: Vec<Endpoint> = (0..1024)
        .map(|i| {
            Endpoint::new(format!("127.0.0.1:{i}")).with_locality(if i == 0 { zone("A") } else { zone("B") })
        })
        .collect();
    let weights = BTreeMap::from([(zone("A"), 127), (zone("B"), 1)]);
    let lb = lb(eps, Some(weights), ring_config(1024, Some(1024)), false);
    assert_eq!(ring(&lb, 0).len(), 1024);
    assert_eq!(ring(&lb, 0).counts().iter().copied().max(), Some(1016));
    let expected: [(u64, usize); 8] = [
        (11_664_790_346_325_243_808, 1),
        (15_894_554_872_961_148_518, 128),
        (13_958_138_884_277_627_155, 256),
        (15_803_774_069_438_192_949, 384),
        (3_829_253_010_855_396_576, 512),
        (17_918_147_347_826_565_154, 640),
        (6_442_769_608_292_299_103, 768),
        (5_881_074_926_069_334_434, 896),
    ];
    for (hash, host) in expected {
        assert_eq!(pick(&lb, hash), Some(host));
    }
}
