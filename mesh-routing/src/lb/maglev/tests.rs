use super::*;

#[test]
fn table_sizes_follow_envoy() {
    assert_eq!(check_table_size(65_537), Ok(()));
    assert_eq!(check_table_size(2), Ok(()));
    assert_eq!(check_table_size(8), Err(LbError::TableSizeNotPrime(8)));
    assert_eq!(check_table_size(1), Err(LbError::TableSizeNotPrime(1)));
    assert_eq!(check_table_size(0), Err(LbError::TableSizeNotPrime(0)));
    assert_eq!(check_table_size(5_000_011), Ok(()));
    assert_eq!(check_table_size(5_000_077), Err(LbError::TableSizeTooLarge(5_000_077)));
}

#[test]
fn zero_weight_hosts_get_no_slot() {
    let t = MaglevTable::build(&[("a", 0.0), ("b", 1.0)], 1.0, 7).expect("prime");
    assert!(t.slots().all(|h| h == 1));
    let empty = MaglevTable::build(&[("a", 0.0)], 0.0, 7).expect("prime");
    assert!(empty.is_empty());
    assert_eq!(empty.choose(3, 0), None);
}

#[test]
fn retry_attempt_flips_the_hash() {
    let hosts: Vec<(String, f64)> = (0..5).map(|i| (format!("h{i}"), 0.2)).collect();
    let t = MaglevTable::build(&hosts, 0.2, 7).expect("prime");
    let h = 12_345u64;
    let flipped = h ^ (u64::MAX - 2 + 1);
    assert_eq!(t.choose(h, 2), t.choose(flipped, 0));
}
