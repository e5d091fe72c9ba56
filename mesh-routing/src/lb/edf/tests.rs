use super::*;

#[test]
fn ties_pick_in_insertion_order() {
    let mut s = EdfScheduler::new();
    for i in 0..4 {
        s.add(1.0, i);
    }
    let picks: Vec<u32> = (0..8).filter_map(|_| s.pick_and_add(|_| 1.0)).collect();
    assert_eq!(picks, [0, 1, 2, 3, 0, 1, 2, 3]);
}

#[test]
fn non_positive_weights_are_ignored() {
    let mut s = EdfScheduler::new();
    s.add(0.0, 1);
    s.add(f64::NAN, 2);
    assert!(s.is_empty());
}

#[test]
fn with_picks_skips_ahead() {
    let w = [1.0, 1.0, 1.0];
    let mut s = EdfScheduler::with_picks(&w, 4, |i| w[i as usize]);
    // Four picks of an equal-weight rotation leave item 1 next.
    assert_eq!(s.pick_and_add(|i| w[i as usize]), Some(1));
}
