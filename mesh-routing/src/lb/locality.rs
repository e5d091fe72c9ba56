//! Istio's locality load balancing: the priorities and locality weights Istio writes into
//! the endpoints it sends Envoy, from a `LocalityLoadBalancerSetting` and the client's
//! locality and labels (istio/istio `pilot/pkg/networking/core/loadbalancer`).
//!
//! - `distribute` sets locality weights from the client's locality; localities that no rule
//!   names get no traffic.
//! - Otherwise, when failover applies (Istio requires outlier detection for it), endpoints
//!   get priorities by `failoverPriority` labels, then by locality: same subzone 0, same zone
//!   1, same region 2, another region 3, and 4 for regions other than the `failover` target of
//!   the client's region. Priorities are then renumbered 0..N without gaps.

use std::collections::BTreeMap;

use mesh_model::networking::LocalityLoadBalancerSetting;

use super::endpoint::{Endpoint, Locality};

/// The label whose mismatch Istio ignores when it is the first `failoverPriority` label (the
/// network), ranking such endpoints after all same-network ones instead.
pub const NETWORK_LABEL: &str = "topology.istio.io/network";

/// One endpoint of a [`LocalityGroup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupEndpoint {
    /// The caller's identifier of the endpoint (its index in the caller's list).
    pub id: usize,
    /// The endpoint's load-balancing weight.
    pub weight: u32,
    /// The endpoint's labels.
    pub labels: BTreeMap<String, String>,
}

/// A group of endpoints in one locality, as Istio sends them (Envoy's
/// `LocalityLbEndpoints`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalityGroup {
    /// The group's locality; `None` for a group without one.
    pub locality: Option<Locality>,
    /// The locality's load-balancing weight; `None` when unset.
    pub weight: Option<u32>,
    /// The group's priority.
    pub priority: u32,
    /// The group's endpoints.
    pub endpoints: Vec<GroupEndpoint>,
    /// Whether `distribute` left the locality out: Istio then sends the group without
    /// endpoints, so it takes no traffic.
    pub dropped: bool,
}

impl LocalityGroup {
    fn locality_or_default(&self) -> Locality {
        self.locality.clone().unwrap_or_default()
    }
}

/// Groups endpoints by locality as Istio's endpoint builder does: one group per locality,
/// sorted by locality label, each at priority 0, with the locality's weight from
/// `locality_weights` (unset when absent).
pub fn group_by_locality(
    endpoints: &[Endpoint],
    locality_weights: Option<&BTreeMap<Locality, u32>>,
) -> Vec<LocalityGroup> {
    let mut by_label: BTreeMap<String, LocalityGroup> = BTreeMap::new();
    for (id, e) in endpoints.iter().enumerate() {
        let group = by_label.entry(e.locality.to_string()).or_insert_with(|| LocalityGroup {
            locality: Some(e.locality.clone()),
            weight: locality_weights.and_then(|w| w.get(&e.locality).copied()),
            priority: 0,
            endpoints: Vec::new(),
            dropped: false,
        });
        group.endpoints.push(GroupEndpoint { id, weight: e.weight, labels: e.labels.clone() });
    }
    by_label.into_values().collect()
}

/// The locality setting that applies to a destination (Istio's `GetEffectiveLbSetting`,
/// locality part): the DestinationRule's when it sets one, else the mesh's; `None` when the
/// one that applies is disabled.
pub fn effective_setting(
    mesh: Option<&LocalityLoadBalancerSetting>,
    destination_rule: Option<&LocalityLoadBalancerSetting>,
) -> Option<LocalityLoadBalancerSetting> {
    let setting = destination_rule.or(mesh)?;
    if setting.enabled == Some(false) {
        return None;
    }
    Some(setting.clone())
}

/// Applies `setting` to `groups` for a client in `source` with `source_labels`, as Istio's
/// `ApplyLocalityLoadBalancer` does. `enable_failover` is whether the cluster has outlier
/// detection (without it Istio assigns no failover priorities).
///
/// ```
/// use mesh_model::networking::LocalityLoadBalancerSetting;
/// use mesh_routing::lb::locality::{apply_locality_lb, group_by_locality};
/// use mesh_routing::lb::{Endpoint, Locality};
/// let eps = [
///     Endpoint::new("10.0.0.1:80").with_locality(Locality::parse("r1/z1/s1")),
///     Endpoint::new("10.0.0.2:80").with_locality(Locality::parse("r1/z2/s1")),
///     Endpoint::new("10.0.0.3:80").with_locality(Locality::parse("r2/z1/s1")),
/// ];
/// let mut groups = group_by_locality(&eps, None);
/// let setting = LocalityLoadBalancerSetting { enabled: Some(true), ..Default::default() };
/// apply_locality_lb(&mut groups, &Locality::parse("r1/z1/s1"), &Default::default(), &setting, true);
/// let priorities: Vec<u32> = groups.iter().map(|g| g.priority).collect();
/// assert_eq!(priorities, [0, 1, 2]);
/// ```
pub fn apply_locality_lb(
    groups: &mut Vec<LocalityGroup>,
    source: &Locality,
    source_labels: &BTreeMap<String, String>,
    setting: &LocalityLoadBalancerSetting,
    enable_failover: bool,
) {
    if !setting.distribute.is_empty() {
        apply_distribute(groups, source, setting);
    } else if enable_failover {
        if !setting.failover_priority.is_empty() {
            apply_failover_priorities(groups, source_labels, &setting.failover_priority);
            if !setting.failover.is_empty() {
                apply_locality_failover(groups, source, setting);
            }
        } else {
            apply_locality_failover(groups, source, setting);
        }
    }
}

/// Each endpoint's `(priority, locality weight)` after [`apply_locality_lb`], by endpoint id;
/// the weight of a dropped locality is `Some(0)`.
pub fn assignments(groups: &[LocalityGroup], count: usize) -> Vec<Option<(u32, Option<u32>)>> {
    let mut out = vec![None; count];
    for g in groups {
        let weight = if g.dropped { Some(0) } else { g.weight };
        for e in &g.endpoints {
            if let Some(slot) = out.get_mut(e.id) {
                *slot = Some((g.priority, weight));
            }
        }
    }
    out
}

/// Whether a rule locality (`region/zone/subzone`, `*` or an empty part matching anything
/// below the region) names `locality` (Istio's `LocalityMatch`).
pub fn locality_matches(locality: &Locality, rule: &str) -> bool {
    let r = Locality::parse(rule);
    let region = r.region == "*" || locality.region == r.region;
    let zone = r.zone == "*" || r.zone.is_empty() || locality.zone == r.zone;
    let sub_zone = r.sub_zone == "*" || r.sub_zone.is_empty() || locality.sub_zone == r.sub_zone;
    region && zone && sub_zone
}

/// Istio's `LbPriority`: 0 same subzone, 1 same zone, 2 same region, 3 otherwise.
pub fn locality_priority(source: &Locality, endpoint: &Locality) -> u32 {
    if source.region != endpoint.region {
        3
    } else if source.zone != endpoint.zone {
        2
    } else if source.sub_zone != endpoint.sub_zone {
        1
    } else {
        0
    }
}

fn apply_distribute(groups: &mut [LocalityGroup], source: &Locality, setting: &LocalityLoadBalancerSetting) {
    for rule in &setting.distribute {
        if !locality_matches(source, rule.from.as_deref().unwrap_or("")) {
            continue;
        }
        let mut mismatched: Vec<bool> = vec![true; groups.len()];
        for (to, &weight) in &rule.to {
            let mut dest: Vec<(usize, u32)> = Vec::new();
            let mut total: u32 = 0;
            for (i, g) in groups.iter().enumerate() {
                if mismatched[i] && locality_matches(&g.locality_or_default(), to) {
                    mismatched[i] = false;
                    let original = g.weight.unwrap_or(1);
                    dest.push((i, original));
                    total = total.wrapping_add(original);
                }
            }
            for (i, original) in dest {
                let w = f64::from(original.wrapping_mul(weight)) / f64::from(total);
                if w > 0.0 {
                    groups[i].weight = Some(w.ceil() as u32);
                }
            }
        }
        for (g, m) in groups.iter_mut().zip(mismatched) {
            if m {
                g.dropped = true;
            }
        }
        break;
    }
}

fn apply_locality_failover(
    groups: &mut [LocalityGroup],
    source: &Locality,
    setting: &LocalityLoadBalancerSetting,
) {
    for g in groups.iter_mut() {
        let mut p = locality_priority(source, &g.locality_or_default());
        if p == 3
            && let Some(rule) =
                setting.failover.iter().find(|f| f.from.as_deref().unwrap_or("") == source.region)
        {
            let to = rule.to.as_deref().unwrap_or("");
            if g.locality.as_ref().is_none_or(|l| l.region != to) {
                p = 4;
            }
        }
        g.priority = g.priority.wrapping_mul(5).wrapping_add(p);
    }
    compact(groups);
}

fn apply_failover_priorities(
    groups: &mut Vec<LocalityGroup>,
    source_labels: &BTreeMap<String, String>,
    failover_priority: &[String],
) {
    if source_labels.is_empty() || groups.is_empty() {
        return;
    }
    let lowest = failover_priority.len() as u32;
    let includes_network = failover_priority.first().is_some_and(|l| l == NETWORK_LABEL);
    let mut names: Vec<&str> = Vec::with_capacity(failover_priority.len());
    let mut overrides: BTreeMap<&str, &str> = BTreeMap::new();
    for l in failover_priority {
        let parts: Vec<&str> = l.split('=').collect();
        names.push(parts[0]);
        if let [name, value] = parts[..] {
            overrides.insert(name, value);
        }
    }
    let mut out: Vec<LocalityGroup> = Vec::new();
    for g in groups.iter() {
        let mut by_priority: BTreeMap<u32, Vec<GroupEndpoint>> = BTreeMap::new();
        for e in &g.endpoints {
            let mut priority = 0u32;
            let mut adjust = 0u32;
            for (j, name) in names.iter().enumerate() {
                let for_proxy = match overrides.get(name) {
                    Some(v) => v,
                    None => source_labels.get(*name).map_or("", String::as_str),
                };
                let for_endpoint = e.labels.get(*name).map(String::as_str).unwrap_or("");
                if for_proxy != for_endpoint {
                    if j == 0 && includes_network {
                        adjust = lowest;
                        continue;
                    }
                    priority = lowest - j as u32;
                    break;
                }
            }
            by_priority.entry(priority + adjust).or_default().push(e.clone());
        }
        for (priority, endpoints) in by_priority {
            let weight = endpoints.iter().fold(0u32, |acc, e| acc.wrapping_add(e.weight));
            out.push(LocalityGroup {
                locality: g.locality.clone(),
                weight: Some(weight),
                priority,
                endpoints,
                dropped: g.dropped,
            });
        }
    }
    compact(&mut out);
    *groups = out;
}

/// Renumbers group priorities 0..N in order, without gaps.
fn compact(groups: &mut [LocalityGroup]) {
    let mut used: Vec<u32> = groups.iter().map(|g| g.priority).collect();
    used.sort_unstable();
    used.dedup();
    for g in groups.iter_mut() {
        if let Ok(rank) = used.binary_search(&g.priority) {
            g.priority = rank as u32;
        }
    }
}

#[cfg(test)]
mod tests;
