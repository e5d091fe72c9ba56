use super::*;

#[test]
fn decimal_suffixes() {
    let mut b = Vec::new();
    push_decimal(&mut b, 0);
    push_decimal(&mut b, 10);
    push_decimal(&mut b, u64::MAX);
    assert_eq!(String::from_utf8(b).expect("ascii"), format!("010{}", u64::MAX));
}

#[test]
fn bucket_sort_matches_stable_sort() {
    let mut x: u64 = 7;
    let mut v: Vec<(u64, u32)> = (0..10_000u32)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 5000, i)
        })
        .collect();
    let mut expected = v.clone();
    expected.sort_by_key(|e| e.0);
    sort_by_hash(&mut v, |e| e.0);
    assert_eq!(v, expected);
}

#[test]
fn ring_size_bounds() {
    let ok = RingConfig::default();
    assert_eq!(ok.check(), Ok(()));
    let too_big = RingConfig { max_ring_size: DEFAULT_MAX_RING_SIZE + 1, ..ok };
    assert_eq!(too_big.check(), Err(LbError::RingSizeTooLarge(DEFAULT_MAX_RING_SIZE + 1)));
}

#[test]
fn empty_ring_picks_nothing() {
    let hosts: [(&str, f64); 0] = [];
    let ring = RingHash::build(&hosts, 1.0, &RingConfig::default()).expect("valid");
    assert!(ring.is_empty());
    assert_eq!(ring.choose(1, 0), None);
}
