//! Locality-weighted picking as Envoy does it within one priority (`LocalityWrr`): each
//! locality's weight is scaled by its availability (eligible hosts over all non-excluded
//! hosts, times the overprovisioning factor, capped at 1), then localities are picked by an
//! EDF schedule.

use super::edf::EdfScheduler;
use super::host_set::HostSet;
use super::priority::Availability;

/// A locality's effective weight: `weight * min(1, overprovisioning/100 * eligible/hosts)`,
/// where `hosts` leaves excluded hosts out; 0 for a locality without hosts.
///
/// ```
/// use mesh_routing::lb::locality_wrr::effective_locality_weight;
/// // 2 of 4 hosts healthy: 1.4 * 0.5 = 0.7 of the weight.
/// assert!((effective_locality_weight(10, 2, 4, 0, 140) - 7.0).abs() < 1e-9);
/// // 3 of 4 healthy: 1.4 * 0.75 caps at 1.
/// assert_eq!(effective_locality_weight(10, 3, 4, 0, 140), 10.0);
/// ```
pub fn effective_locality_weight(
    weight: u32,
    eligible: usize,
    hosts: usize,
    excluded: usize,
    overprovisioning: u32,
) -> f64 {
    let host_count = hosts.saturating_sub(excluded);
    if host_count == 0 {
        return 0.0;
    }
    let ratio = eligible as f64 / host_count as f64;
    f64::from(weight) * (f64::from(overprovisioning) / 100.0 * ratio).min(1.0)
}

/// Picks localities of one host set by their effective weights, for healthy and for
/// degraded hosts.
#[derive(Debug, Clone, Default)]
pub struct LocalityWrr {
    healthy: Option<(EdfScheduler, Vec<(u32, f64)>)>,
    degraded: Option<(EdfScheduler, Vec<(u32, f64)>)>,
}

impl LocalityWrr {
    /// Schedules for `host_set` (none without locality weights or eligible hosts), seeded
    /// like Envoy's.
    pub fn new(host_set: &HostSet, overprovisioning: u32, seed: u64) -> Self {
        Self {
            healthy: schedule(
                host_set,
                &host_set.healthy_per_locality,
                host_set.healthy.is_empty(),
                overprovisioning,
                seed,
            ),
            degraded: schedule(
                host_set,
                &host_set.degraded_per_locality,
                host_set.degraded.is_empty(),
                overprovisioning,
                seed,
            ),
        }
    }

    /// The next locality (index into the host set's localities) for hosts of `availability`,
    /// or `None` when locality weighting does not apply.
    pub fn choose(&mut self, availability: Availability) -> Option<usize> {
        let slot = match availability {
            Availability::Healthy => &mut self.healthy,
            Availability::Degraded => &mut self.degraded,
        };
        let (edf, entries) = slot.as_mut()?;
        let i = edf.pick_and_add(|i| entries[i as usize].1)?;
        Some(entries[i as usize].0 as usize)
    }
}

fn schedule(
    host_set: &HostSet,
    eligible: &[Vec<usize>],
    none_eligible: bool,
    overprovisioning: u32,
    seed: u64,
) -> Option<(EdfScheduler, Vec<(u32, f64)>)> {
    let weights = host_set.locality_weights.as_ref()?;
    if weights.is_empty() || none_eligible {
        return None;
    }
    let entries: Vec<(u32, f64)> = (0..host_set.hosts_per_locality.len())
        .filter_map(|i| {
            let w = effective_locality_weight(
                weights.get(i).copied().unwrap_or(0),
                eligible.get(i).map_or(0, Vec::len),
                host_set.hosts_per_locality[i].len(),
                host_set.excluded_per_locality.get(i).map_or(0, Vec::len),
                overprovisioning,
            );
            (w > 0.0).then_some((i as u32, w))
        })
        .collect();
    if entries.is_empty() {
        return None;
    }
    let w: Vec<f64> = entries.iter().map(|e| e.1).collect();
    let edf = EdfScheduler::with_picks(&w, seed as u32, |i| w[i as usize]);
    Some((edf, entries))
}
