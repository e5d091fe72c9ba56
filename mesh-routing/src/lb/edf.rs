//! Envoy's earliest-deadline-first scheduler (`EdfScheduler`), the engine of weighted round
//! robin, weighted least request and locality picking: each entry is due `1 / weight` after
//! the time it was last picked; the earliest deadline wins, ties in insertion order.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// The most picks [`EdfScheduler::with_picks`] emulates (`UINT32_MAX / 10`).
const MAX_EMULATED_PICKS: u32 = 429_496_729;

#[derive(Debug, Clone, Copy)]
struct Entry {
    deadline: f64,
    order: u64,
    item: u32,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that `BinaryHeap` (a max-heap) yields the earliest deadline first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.deadline.total_cmp(&self.deadline).then_with(|| other.order.cmp(&self.order))
    }
}

/// An EDF schedule of items `0..n` (the caller's host or locality indices).
///
/// ```
/// use mesh_routing::lb::EdfScheduler;
/// // envoy edf_scheduler_test.cc: Weighted (weights 1 and 2: item 1 is picked twice as often).
/// let mut s = EdfScheduler::new();
/// s.add(1.0, 0);
/// s.add(2.0, 1);
/// let picks: Vec<u32> = (0..6).filter_map(|_| s.pick_and_add(|i| f64::from(i + 1))).collect();
/// assert_eq!(picks, [1, 0, 1, 1, 0, 1]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct EdfScheduler {
    queue: BinaryHeap<Entry>,
    current_time: f64,
    order_offset: u64,
    prepicked: VecDeque<u32>,
}

impl EdfScheduler {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the schedule has no entry.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Adds `item`, due `1 / weight` from now. A weight that is not above 0 is ignored (Envoy
    /// asserts it never happens).
    pub fn add(&mut self, weight: f64, item: u32) {
        if weight.is_nan() || weight <= 0.0 {
            return;
        }
        let deadline = self.current_time + 1.0 / weight;
        self.queue.push(Entry { deadline, order: self.order_offset, item });
        self.order_offset += 1;
    }

    /// Picks the item with the earliest deadline and re-adds it with the weight `weight_of`
    /// gives it now.
    pub fn pick_and_add(&mut self, mut weight_of: impl FnMut(u32) -> f64) -> Option<u32> {
        if let Some(item) = self.prepicked.pop_front() {
            return Some(item);
        }
        let item = self.pop()?;
        self.add(weight_of(item), item);
        Some(item)
    }

    /// The item a later [`pick_and_add`](Self::pick_and_add) will return, looking one pick
    /// further each call (Envoy's `peekAgain`, used for preconnecting).
    pub fn peek_again(&mut self, mut weight_of: impl FnMut(u32) -> f64) -> Option<u32> {
        let item = self.pop()?;
        self.prepicked.push_back(item);
        self.add(weight_of(item), item);
        Some(item)
    }

    /// The pending entries as `(item, deadline)`, earliest first (ties in insertion order).
    pub fn pending(&self) -> Vec<(u32, f64)> {
        let mut entries: Vec<Entry> = self.queue.iter().copied().collect();
        entries.sort_by(|a, b| b.cmp(a));
        entries.into_iter().map(|e| (e.item, e.deadline)).collect()
    }

    fn pop(&mut self) -> Option<u32> {
        let e = self.queue.pop()?;
        self.current_time = e.deadline;
        Some(e.item)
    }

    /// A schedule of `weights` (item `i` has `weights[i]`) in the state reached after `picks`
    /// picks from a fresh schedule, computed in O(n log n) rather than by picking (Envoy's
    /// `createWithPicks`, which seeds every worker at a different point of the rotation).
    /// Later picks re-add items with `weight_of`.
    pub fn with_picks(weights: &[f64], picks: u32, mut weight_of: impl FnMut(u32) -> f64) -> Self {
        let picks = picks % MAX_EMULATED_PICKS;
        if weights.is_empty() {
            return Self::default();
        }
        // Envoy adds 1e-13 to every weight so that weights that are multiples of each other
        // emulate the same picks as picking one by one.
        let aug = |w: f64| w + 1e-13;
        let sum: f64 = weights.iter().map(|&w| aug(w)).sum();
        let mut entries = Vec::with_capacity(weights.len());
        let mut picks_so_far: u32 = 0;
        let mut max_pick_time = 0.0f64;
        for (i, &w) in weights.iter().enumerate() {
            let weight = aug(w);
            let mut floor = (weight * f64::from(picks) / sum) as u32;
            if floor > 0 && f64::from(floor) / weight >= f64::from(picks) / sum {
                floor -= 1;
            }
            let pick_time = f64::from(floor) / weight;
            let deadline = (f64::from(floor) + 1.0) / weight;
            entries.push(Entry { deadline, order: i as u64, item: i as u32 });
            max_pick_time = max_pick_time.max(pick_time);
            picks_so_far += floor;
        }
        let mut s = Self {
            queue: BinaryHeap::from(entries),
            current_time: max_pick_time,
            order_offset: weights.len() as u64,
            prepicked: VecDeque::new(),
        };
        while picks_so_far < picks {
            s.pick_and_add(&mut weight_of);
            picks_so_far += 1;
        }
        s
    }
}

#[cfg(test)]
mod tests;
