//! Priority loads: how Envoy spreads traffic across priority levels from their health, with
//! the overprovisioning factor, spill-over to lower priorities, degraded hosts and panic
//! (Envoy's `LoadBalancerBase::recalculatePerPriorityState`, `recalculatePerPriorityPanic`
//! and `recalculateLoadInTotalPanic`).

/// Envoy's default overprovisioning factor, in percent (1.4).
pub const DEFAULT_OVERPROVISIONING_FACTOR: u32 = 140;
/// Envoy's default healthy panic threshold, in percent.
pub const DEFAULT_PANIC_THRESHOLD: u32 = 50;

/// What one priority level holds, by count or by weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HostCounts {
    /// All hosts, excluded ones included.
    pub hosts: u64,
    /// Healthy hosts.
    pub healthy: u64,
    /// Degraded hosts.
    pub degraded: u64,
    /// Excluded hosts (also counted in `hosts`).
    pub excluded: u64,
}

/// One priority level's hosts: counted, and weighted (the weights matter only under
/// [`PriorityParams::weighted_priority_health`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrioritySummary {
    /// Numbers of hosts.
    pub counts: HostCounts,
    /// Sums of host weights.
    pub weights: HostCounts,
}

/// The cluster settings priority loads depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityParams {
    /// Overprovisioning factor in percent (Envoy's `overprovisioning_factor`, default 140).
    pub overprovisioning_factor: u32,
    /// Healthy panic threshold in percent, 0 disabling panic (default 50; Istio sets it from
    /// `outlierDetection.minHealthPercent`).
    pub panic_threshold: u32,
    /// Health from host weights instead of host counts (Envoy's `weighted_priority_health`).
    pub weighted_priority_health: bool,
}

impl Default for PriorityParams {
    fn default() -> Self {
        Self {
            overprovisioning_factor: DEFAULT_OVERPROVISIONING_FACTOR,
            panic_threshold: DEFAULT_PANIC_THRESHOLD,
            weighted_priority_health: false,
        }
    }
}

/// The share of traffic (percent) each priority level takes, healthy and degraded, and
/// which levels are in panic. Healthy and degraded loads always sum to 100.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriorityLoad {
    /// Percent of traffic for the healthy hosts of each priority.
    pub healthy: Vec<u32>,
    /// Percent of traffic for the degraded hosts of each priority.
    pub degraded: Vec<u32>,
    /// Whether each priority is in panic (routes to all its hosts, whatever their health).
    pub panic: Vec<bool>,
    /// Whether every priority is in panic, so that load follows host counts.
    pub total_panic: bool,
}

/// Which hosts of the chosen priority a pick targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// The priority's healthy hosts.
    Healthy,
    /// The priority's degraded hosts.
    Degraded,
}

impl PriorityLoad {
    /// Computes the loads of `priorities` (index = priority level) as Envoy does after a host
    /// set update.
    ///
    /// ```
    /// use mesh_routing::lb::priority::{HostCounts, PriorityLoad, PriorityParams, PrioritySummary};
    /// // envoy load_balancer_impl_base_test.cc: GentleFailover (50% healthy P0 gives 70/30).
    /// let half = PrioritySummary { counts: HostCounts { hosts: 2, healthy: 1, ..Default::default() },
    ///                              ..Default::default() };
    /// let load = PriorityLoad::compute(&[half, half], &PriorityParams::default());
    /// assert_eq!(load.healthy, [70, 30]);
    /// ```
    pub fn compute(priorities: &[PrioritySummary], params: &PriorityParams) -> Self {
        let n = priorities.len();
        let mut load =
            Self { healthy: vec![0; n], degraded: vec![0; n], panic: vec![false; n], total_panic: false };
        if n == 0 {
            return load;
        }
        let op = u64::from(params.overprovisioning_factor);
        let mut health = vec![0u32; n];
        let mut degraded = vec![0u32; n];
        for (i, p) in priorities.iter().enumerate() {
            let host_count = p.counts.hosts.saturating_sub(p.counts.excluded);
            if host_count == 0 {
                continue;
            }
            let (h, d, t) = if params.weighted_priority_health {
                (p.weights.healthy, p.weights.degraded, p.weights.hosts.saturating_sub(p.weights.excluded))
            } else {
                (p.counts.healthy, p.counts.degraded, host_count)
            };
            if t == 0 {
                continue;
            }
            health[i] = (op.saturating_mul(h) / t).min(100) as u32;
            degraded[i] = (op.saturating_mul(d) / t).min(100) as u32;
        }
        let nta = normalized_total_availability(&health, &degraded);
        if nta > 0 {
            let (first_healthy, rest) = distribute(&mut load.healthy, &health, 100, nta);
            let (first_degraded, rest) = distribute(&mut load.degraded, &degraded, rest, nta);
            if rest != 0 {
                if let Some(i) = first_healthy {
                    load.healthy[i] += rest;
                } else if let Some(i) = first_degraded {
                    load.degraded[i] += rest;
                }
            }
        }

        let threshold = params.panic_threshold.min(100);
        if threshold == 0 && nta == 0 {
            load.healthy[0] = 100;
            return load;
        }
        let mut total_panic = true;
        for (i, p) in priorities.iter().enumerate() {
            load.panic[i] = nta != 100 && in_panic(&p.counts, threshold);
            total_panic &= load.panic[i];
        }
        load.total_panic = total_panic;
        if total_panic {
            load.load_in_total_panic(priorities);
        }
        load
    }

    fn load_in_total_panic(&mut self, priorities: &[PrioritySummary]) {
        let total: u64 = priorities.iter().map(|p| p.counts.hosts).sum();
        if total == 0 {
            self.healthy[0] = 100;
            return;
        }
        let mut rest = 100u32;
        let mut first_non_empty = None;
        for (i, p) in priorities.iter().enumerate() {
            if first_non_empty.is_none() && p.counts.hosts != 0 {
                first_non_empty = Some(i);
            }
            let share = (100 * p.counts.hosts / total) as u32;
            self.healthy[i] = share;
            self.degraded[i] = 0;
            rest -= share;
        }
        if let Some(i) = first_non_empty {
            self.healthy[i] += rest;
        }
    }

    /// Chooses a priority for a request hash or random draw as Envoy's `choosePriority`
    /// does: `hash % 100 + 1` against the cumulative healthy loads, then the degraded ones.
    ///
    /// ```
    /// use mesh_routing::lb::priority::{Availability, PriorityLoad};
    /// let load = PriorityLoad { healthy: vec![70, 30], degraded: vec![0, 0], ..Default::default() };
    /// // envoy ring_hash_lb_test.cc: BasicFailover (69 stays at P0, 71 goes to P1).
    /// assert_eq!(load.choose(69), (0, Availability::Healthy));
    /// assert_eq!(load.choose(71), (1, Availability::Healthy));
    /// ```
    pub fn choose(&self, hash: u64) -> (u32, Availability) {
        let h = (hash % 100 + 1) as u32;
        let mut acc = 0u32;
        for (i, l) in self.healthy.iter().enumerate() {
            acc += l;
            if h <= acc {
                return (i as u32, Availability::Healthy);
            }
        }
        for (i, l) in self.degraded.iter().enumerate() {
            acc += l;
            if h <= acc {
                return (i as u32, Availability::Degraded);
            }
        }
        (0, Availability::Healthy)
    }
}

/// Whether a host set is in panic: its healthy and degraded shares together fall below the
/// threshold (an empty host set is in panic whenever the threshold is above 0).
pub fn in_panic(counts: &HostCounts, threshold: u32) -> bool {
    let host_count = counts.hosts.saturating_sub(counts.excluded);
    let (healthy, degraded) = if host_count == 0 {
        (0.0, 0.0)
    } else {
        (
            100.0 * counts.healthy as f64 / host_count as f64,
            100.0 * counts.degraded as f64 / host_count as f64,
        )
    };
    healthy + degraded < f64::from(threshold.min(100))
}

fn normalized_total_availability(health: &[u32], degraded: &[u32]) -> u32 {
    let sum: u64 = health.iter().chain(degraded).map(|&v| u64::from(v)).sum();
    sum.min(100) as u32
}

fn distribute(load: &mut [u32], availability: &[u32], mut total: u32, nta: u32) -> (Option<usize>, u32) {
    let mut first = None;
    for (i, &a) in availability.iter().enumerate() {
        if first.is_none() && a > 0 {
            first = Some(i);
        }
        load[i] = total.min(a * 100 / nta);
        total -= load[i];
    }
    (first, total)
}

#[cfg(test)]
mod tests;
