//! Envoy's priority set: endpoints grouped by priority, then by locality, with the healthy,
//! degraded and excluded subsets, and the weight normalization the consistent-hash
//! balancers build from (Envoy's `ThreadAwareLoadBalancerBase::refresh`).

use std::collections::BTreeMap;

use super::endpoint::{Endpoint, Health, Locality};
use super::error::LbError;
use super::priority::{HostCounts, PriorityLoad, PriorityParams, PrioritySummary};

/// The hosts of one priority level. Hosts are indices into the endpoint slice the set was
/// built from, in input order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostSet {
    /// The priority level.
    pub priority: u32,
    /// Every host at this priority.
    pub hosts: Vec<usize>,
    /// The healthy hosts.
    pub healthy: Vec<usize>,
    /// The degraded hosts.
    pub degraded: Vec<usize>,
    /// The excluded hosts.
    pub excluded: Vec<usize>,
    /// The localities of this priority, in order of first appearance.
    pub localities: Vec<Locality>,
    /// The hosts of each locality (same order as `localities`).
    pub hosts_per_locality: Vec<Vec<usize>>,
    /// The healthy hosts of each locality.
    pub healthy_per_locality: Vec<Vec<usize>>,
    /// The degraded hosts of each locality.
    pub degraded_per_locality: Vec<Vec<usize>>,
    /// The excluded hosts of each locality.
    pub excluded_per_locality: Vec<Vec<usize>>,
    /// Each locality's load-balancing weight, when the endpoints came with locality weights
    /// (a locality without one weighs 0, as an unset weight does in Envoy).
    pub locality_weights: Option<Vec<u32>>,
}

impl HostSet {
    /// A summary of the host set for [`PriorityLoad::compute`].
    pub fn summary(&self, endpoints: &[Endpoint]) -> PrioritySummary {
        let weight = |ids: &[usize]| ids.iter().map(|&i| u64::from(endpoints[i].weight)).sum::<u64>();
        PrioritySummary {
            counts: HostCounts {
                hosts: self.hosts.len() as u64,
                healthy: self.healthy.len() as u64,
                degraded: self.degraded.len() as u64,
                excluded: self.excluded.len() as u64,
            },
            weights: HostCounts {
                hosts: weight(&self.hosts),
                healthy: weight(&self.healthy),
                degraded: weight(&self.degraded),
                excluded: weight(&self.excluded),
            },
        }
    }
}

/// All priority levels of a cluster, 0 to the highest priority any endpoint has; a level
/// without endpoints is an empty host set, as in Envoy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrioritySet {
    /// One host set per priority level.
    pub host_sets: Vec<HostSet>,
}

impl PrioritySet {
    /// Groups `endpoints` by priority and locality. `locality_weights`, when given, sets the
    /// weight of each locality (`None` leaves locality weights unset, so locality-weighted
    /// balancing falls back to host weights).
    pub fn new(endpoints: &[Endpoint], locality_weights: Option<&BTreeMap<Locality, u32>>) -> Self {
        let levels = endpoints.iter().map(|e| e.priority as usize + 1).max().unwrap_or(1);
        let mut host_sets: Vec<HostSet> =
            (0..levels).map(|p| HostSet { priority: p as u32, ..HostSet::default() }).collect();
        for (i, e) in endpoints.iter().enumerate() {
            let hs = &mut host_sets[e.priority as usize];
            let li = match hs.localities.iter().position(|l| *l == e.locality) {
                Some(li) => li,
                None => {
                    hs.localities.push(e.locality.clone());
                    hs.hosts_per_locality.push(Vec::new());
                    hs.healthy_per_locality.push(Vec::new());
                    hs.degraded_per_locality.push(Vec::new());
                    hs.excluded_per_locality.push(Vec::new());
                    hs.localities.len() - 1
                }
            };
            hs.hosts.push(i);
            hs.hosts_per_locality[li].push(i);
            match e.health {
                Health::Healthy => {
                    hs.healthy.push(i);
                    hs.healthy_per_locality[li].push(i);
                }
                Health::Degraded => {
                    hs.degraded.push(i);
                    hs.degraded_per_locality[li].push(i);
                }
                Health::Excluded => {
                    hs.excluded.push(i);
                    hs.excluded_per_locality[li].push(i);
                }
                Health::Unhealthy => {}
            }
        }
        if let Some(weights) = locality_weights {
            for hs in &mut host_sets {
                hs.locality_weights =
                    Some(hs.localities.iter().map(|l| weights.get(l).copied().unwrap_or(0)).collect());
            }
        }
        Self { host_sets }
    }

    /// The summaries of every level, for [`PriorityLoad::compute`].
    pub fn summaries(&self, endpoints: &[Endpoint]) -> Vec<PrioritySummary> {
        self.host_sets.iter().map(|hs| hs.summary(endpoints)).collect()
    }

    /// The priority loads and panic flags of this set.
    pub fn load(&self, endpoints: &[Endpoint], params: &PriorityParams) -> PriorityLoad {
        PriorityLoad::compute(&self.summaries(endpoints), params)
    }
}

/// Host weights normalized so that they sum to 1 (Envoy's `NormalizedHostWeightVector`), with
/// the smallest and largest weight.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NormalizedWeights {
    /// `(endpoint index, normalized weight)` in Envoy's order: host order, or locality by
    /// locality when locality-weighted.
    pub hosts: Vec<(usize, f64)>,
    /// The smallest normalized weight (1.0 when there is no host).
    pub min: f64,
    /// The largest normalized weight (0.0 when there is no host).
    pub max: f64,
}

/// Normalizes the weights of one host set as Envoy does before building a ring or a Maglev
/// table: healthy hosts (all hosts `in_panic`), scaled by locality weights when
/// `locality_weighted` and the set has locality weights (localities of weight 0 are left out).
pub fn normalize_weights(
    host_set: &HostSet,
    endpoints: &[Endpoint],
    in_panic: bool,
    locality_weighted: bool,
) -> Result<NormalizedWeights, LbError> {
    let mut out = NormalizedWeights { hosts: Vec::new(), min: 1.0, max: 0.0 };
    match (&host_set.locality_weights, locality_weighted) {
        (Some(weights), true) if !weights.is_empty() => {
            let mut sum: u64 = 0;
            for &w in weights {
                sum += u64::from(w);
                if sum > u64::from(u32::MAX) {
                    return Err(LbError::WeightOverflow { what: "localities at the same priority" });
                }
            }
            if sum == 0 {
                return Ok(out);
            }
            let per_locality =
                if in_panic { &host_set.hosts_per_locality } else { &host_set.healthy_per_locality };
            for (li, &w) in weights.iter().enumerate() {
                if w != 0 {
                    let hosts = per_locality.get(li).map(Vec::as_slice).unwrap_or(&[]);
                    normalize_hosts(hosts, endpoints, f64::from(w) / sum as f64, &mut out)?;
                }
            }
        }
        _ => {
            let hosts = if in_panic { &host_set.hosts } else { &host_set.healthy };
            normalize_hosts(hosts, endpoints, 1.0, &mut out)?;
        }
    }
    Ok(out)
}

fn normalize_hosts(
    hosts: &[usize],
    endpoints: &[Endpoint],
    locality_weight: f64,
    out: &mut NormalizedWeights,
) -> Result<(), LbError> {
    let mut sum: u64 = 0;
    for &h in hosts {
        sum += u64::from(endpoints[h].weight);
        if sum > u64::from(u32::MAX) {
            return Err(LbError::WeightOverflow { what: "hosts in a locality" });
        }
    }
    for &h in hosts {
        let w = f64::from(endpoints[h].weight) * locality_weight / sum as f64;
        out.hosts.push((h, w));
        out.min = out.min.min(w);
        out.max = out.max.max(w);
    }
    Ok(())
}
