//! Envoy's EDF scheduler and round-robin test vectors (envoy test/common/upstream/
//! edf_scheduler_test.cc and test/extensions/load_balancing_policies/round_robin/
//! round_robin_lb_test.cc), plus least-request picks, each named after its upstream test.
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_routing::lb::least_request::{LeastRequestConfig, SelectionMethod, host_weight};
use mesh_routing::lb::{EdfScheduler, LeastRequest, RoundRobin};

// envoy edf_scheduler_test.cc: Empty
#[test]
fn edf_empty() {
    let mut s = EdfScheduler::new();
    assert_eq!(s.peek_again(|_| 0.0), None);
    assert_eq!(s.pick_and_add(|_| 0.0), None);
}

// envoy edf_scheduler_test.cc: Unweighted
#[test]
fn edf_unweighted() {
    let mut s = EdfScheduler::new();
    for i in 0..128 {
        s.add(1.0, i);
    }
    for _ in 0..128 {
        for i in 0..128 {
            let peek = s.peek_again(|_| 1.0);
            let p = s.pick_and_add(|_| 1.0);
            assert_eq!(p, Some(i));
            assert_eq!(peek, p);
        }
    }
}

// envoy edf_scheduler_test.cc: Weighted
#[test]
fn edf_weighted() {
    let mut s = EdfScheduler::new();
    for i in 0..128u32 {
        s.add(f64::from(i + 1), i);
    }
    let mut counts = [0u32; 128];
    for _ in 0..(128 * 129) / 2 {
        let peek = s.peek_again(|i| f64::from(i + 1));
        let p = s.pick_and_add(|i| f64::from(i + 1)).expect("entry");
        assert_eq!(peek, Some(p));
        counts[p as usize] += 1;
    }
    for (i, c) in counts.iter().enumerate() {
        assert_eq!(*c, i as u32 + 1);
    }
}

// envoy edf_scheduler_test.cc: ManyPeekahead
#[test]
fn edf_many_peekahead() {
    let mut a = EdfScheduler::new();
    let mut b = EdfScheduler::new();
    for i in 0..128 {
        a.add(1.0, i);
        b.add(1.0, i);
    }
    let peeked: Vec<u32> = (0..10).filter_map(|_| a.peek_again(|_| 1.0)).collect();
    for expected in peeked {
        let p1 = a.pick_and_add(|_| 1.0);
        let p2 = b.pick_and_add(|_| 1.0);
        assert_eq!(p1, Some(expected));
        assert_eq!(p1, p2);
    }
}

/// Envoy's `compareEdfSchedulers`: the same entries in the same order, deadlines within 1e-5.
fn assert_same_schedule(a: &EdfScheduler, b: &EdfScheduler) {
    let (a, b) = (a.pending(), b.pending());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.0, y.0);
        assert!((x.1 - y.1).abs() < 1e-5, "{x:?} vs {y:?}");
    }
}

// envoy edf_scheduler_test.cc: SchedulerWithZeroPicksEqualToEmptyWithAddedEntries
#[test]
fn edf_scheduler_with_zero_picks_equal_to_empty_with_added_entries() {
    let weights: Vec<f64> = (1..=128).map(f64::from).collect();
    let mut a = EdfScheduler::new();
    for (i, &w) in weights.iter().enumerate() {
        a.add(w, i as u32);
    }
    let b = EdfScheduler::with_picks(&weights, 0, |i| weights[i as usize]);
    assert_same_schedule(&a, &b);
}

// envoy edf_scheduler_test.cc: SchedulerWithSomePicksEqualToEmptyWithAddedEntries
#[test]
fn edf_scheduler_with_some_picks_equal_to_empty_with_added_entries() {
    let n = 128;
    let weights: Vec<f64> = (0..n).map(|i| (100.5 - 0.01) / f64::from(n) * f64::from(i) + 0.01).collect();
    for picks in [5u32, 140, 501, 123_456, 894_571] {
        let mut a = EdfScheduler::new();
        for (i, &w) in weights.iter().enumerate() {
            a.add(w, i as u32);
        }
        for _ in 0..picks {
            a.pick_and_add(|i| weights[i as usize]);
        }
        let b = EdfScheduler::with_picks(&weights, picks, |i| weights[i as usize]);
        assert_same_schedule(&a, &b);
    }
}

// envoy edf_scheduler_test.cc: SchedulerWithSomePicksEmptyEntries
#[test]
fn edf_scheduler_with_some_picks_empty_entries() {
    let mut s = EdfScheduler::with_picks(&[], 123, |_| 1.0);
    assert_eq!(s.pick_and_add(|_| 1.0), None);
}

// envoy edf_scheduler_test.cc: SchedulerWithRandomPicksFirstPickDistribution
#[test]
fn edf_scheduler_with_random_picks_first_pick_distribution() {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for weights in [vec![25.0, 75.0], vec![1.0, 99.0], vec![50.0, 50.0], vec![1.0, 20.0, 79.0]] {
        let iterations = 40_000u32;
        let mut counts = vec![0u32; weights.len()];
        for _ in 0..iterations {
            let w = weights.clone();
            let mut s = EdfScheduler::with_picks(&weights, next() as u32, |i| w[i as usize]);
            counts[s.pick_and_add(|i| weights[i as usize]).expect("entry") as usize] += 1;
        }
        for (i, &c) in counts.iter().enumerate() {
            let observed = 100.0 * f64::from(c) / f64::from(iterations);
            assert!((observed - weights[i]).abs() < 1.0, "{weights:?}: entry {i} got {observed}%");
        }
    }
}

// envoy round_robin_lb_test.cc: NoHosts
#[test]
fn round_robin_no_hosts() {
    assert_eq!(RoundRobin::new(&[], 0).pick(), None);
}

// envoy round_robin_lb_test.cc: SingleHost
#[test]
fn round_robin_single_host() {
    let mut rr = RoundRobin::new(&[1], 0);
    assert_eq!(rr.pick(), Some(0));
    assert_eq!(rr.pick(), Some(0));
}

// envoy round_robin_lb_test.cc: Normal
#[test]
fn round_robin_normal() {
    let mut rr = RoundRobin::new(&[1, 1], 0);
    let picks: Vec<usize> = (0..4).filter_map(|_| rr.pick()).collect();
    assert_eq!(picks, [0, 1, 0, 1]);
}

// envoy round_robin_lb_test.cc: Seed
#[test]
fn round_robin_seed() {
    let mut rr = RoundRobin::new(&[1, 1, 1], 1);
    let picks: Vec<usize> = (0..4).filter_map(|_| rr.pick()).collect();
    assert_eq!(picks, [1, 2, 0, 1]);
}

// envoy round_robin_lb_test.cc: Weighted (initial weights respected)
#[test]
fn round_robin_weighted() {
    let mut rr = RoundRobin::new(&[1, 2], 0);
    let picks: Vec<usize> = (0..6).filter_map(|_| rr.pick()).collect();
    assert_eq!(picks, [1, 0, 1, 1, 0, 1]);
}

// envoy round_robin_lb_test.cc: WeightedSeed
#[test]
fn round_robin_weighted_seed() {
    let mut rr = RoundRobin::new(&[1, 2], 1);
    let picks: Vec<usize> = (0..6).filter_map(|_| rr.pick()).collect();
    assert_eq!(picks, [0, 1, 1, 0, 1, 1]);
}

// envoy round_robin_lb_test.cc: WeightedInitializationPicksAllHosts
#[test]
fn round_robin_weighted_initialization_picks_all_hosts() {
    let mut counts = [0u32; 3];
    for seed in 0..10 {
        let mut rr = RoundRobin::new(&[6, 3, 1], seed);
        counts[rr.pick().expect("host")] += 1;
    }
    assert_eq!(counts, [6, 3, 1]);
}

// envoy least_request_lb_test.cc: the P2C pick keeps the sampled host with fewer active
// requests; ties keep the first sample.
#[test]
fn least_request_n_choices() {
    let mut lr = LeastRequest::new(&[1, 1, 1], &[0, 0, 0], LeastRequestConfig::default(), 0);
    let mut draws = [2u64, 1, 0, 1].into_iter();
    let mut rng = || draws.next().unwrap_or(0);
    // Samples 2 and 1: host 1 has fewer requests.
    assert_eq!(lr.pick(&[5, 1, 3], &mut rng), Some(1));
    // Samples 0 and 1: equal, the first stays.
    assert_eq!(lr.pick(&[2, 2, 0], &mut rng), Some(0));
}

// envoy least_request_lb_test.cc: FullScan picks the least loaded host whatever the draws.
#[test]
fn least_request_full_scan() {
    let config = LeastRequestConfig { selection_method: SelectionMethod::FullScan, ..Default::default() };
    let mut lr = LeastRequest::new(&[1, 1, 1, 1], &[0; 4], config, 0);
    assert_eq!(lr.pick(&[4, 3, 1, 2], &mut || 0u64), Some(2));
}

// envoy least_request_lb.cc: weighted hosts are scheduled by weight / (active + 1) ^ bias.
#[test]
fn least_request_weighted_bias() {
    assert_eq!(host_weight(4, 1, 1.0), 2.0);
    assert_eq!(host_weight(4, 3, 0.0), 4.0);
    assert!((host_weight(8, 3, 0.5) - 4.0).abs() < 1e-12);
    // Weighted with no active requests follows round robin's EDF order.
    let mut lr = LeastRequest::new(&[1, 2], &[0, 0], LeastRequestConfig::default(), 0);
    let picks: Vec<usize> = (0..3).filter_map(|_| lr.pick(&[0, 0], &mut || 0u64)).collect();
    assert_eq!(picks, [1, 0, 1]);
}
