//! One upstream cluster as a client's Envoy balances over it: the destination's endpoints,
//! the DestinationRule subset's label filter, the locality priorities and weights Istio
//! assigns for this client, Envoy's priority loads (overprovisioning, panic), and the pick of
//! one endpoint per request.
//!
//! [`ClusterLoadAssignment::build`] does the stitching once per cluster and client (Istio's
//! `EndpointBuilder::BuildClusterLoadAssignment` then Envoy's host set update); a pick then
//! allocates nothing. Two picks are offered:
//! - [`ClusterLoadAssignment::pick_in`] with a [`PickState`]: Envoy's stateful balancer for
//!   the cluster's policy (priority by `choosePriority`, panic to all hosts, locality by
//!   `LocalityWrr`, then round robin, least request or random within that host source;
//!   ring hash and Maglev by the request's hash), for a proxy;
//! - [`ClusterLoadAssignment::pick_with_draw`]: the same choices made by one draw in `[0, 1)`
//!   instead of schedules, for a tool that explains one request.
//!
//! ```
//! use mesh_routing::lb::cluster::{ClientLocality, ClusterLoadAssignment, ClusterSettings};
//! use mesh_routing::lb::{Endpoint, Locality};
//! let eps = vec![
//!     Endpoint::new("10.0.0.1:80").with_locality(Locality::parse("r1/z1/")),
//!     Endpoint::new("10.0.0.2:80").with_locality(Locality::parse("r1/z2/")),
//! ];
//! // Locality failover (enabled setting, outlier detection set): same zone first.
//! let settings = ClusterSettings { locality: Some(Default::default()), failover: true, ..Default::default() };
//! let client = ClientLocality { locality: Locality::parse("r1/z2/"), labels: Default::default() };
//! let cla = ClusterLoadAssignment::build(eps, &settings, Some(&client));
//! assert_eq!(cla.members()[1].priority, 0);
//! assert_eq!(cla.load().healthy, [100, 0]);
//! assert_eq!(cla.pick_with_draw(0.3).map(|i| cla.members()[i].endpoint.address.as_str()), Some("10.0.0.2:80"));
//! let mut state = cla.new_state(0);
//! let mut draws = || 7u64;
//! assert_eq!(cla.pick(&mut state, &mut draws), Some(1));
//! ```

use std::collections::BTreeMap;

use mesh_model::networking::LocalityLoadBalancerSetting;
use mesh_model::registry;

use super::consistent::{ConsistentHashConfig, ConsistentHashLb, HashTableKind};
use super::endpoint::{Endpoint, Health, Locality};
use super::error::LbError;
use super::host_set::{HostSet, PrioritySet};
use super::locality::{apply_locality_lb, assignments, effective_setting, group_by_locality};
use super::locality_wrr::effective_locality_weight;
use super::outlier::istio_panic_threshold;
use super::policy::{Policy, policy_from_istio};
use super::priority::{Availability, PriorityLoad, PriorityParams};
use super::ring_hash::RingConfig;
use crate::RouteDecision;

/// Which endpoints of the destination belong to the cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Subset {
    /// No subset: every endpoint.
    #[default]
    All,
    /// A DestinationRule subset: the endpoints carrying all of these labels.
    Labels(BTreeMap<String, String>),
    /// A subset no DestinationRule defines: Envoy has no such cluster, so no endpoint.
    Undefined(String),
}

/// What shapes a cluster besides its endpoints: the subset, the locality setting that applies
/// (already resolved between the mesh and the DestinationRule), and the Envoy cluster settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSettings {
    /// The cluster's port (endpoints serving it belong to the cluster).
    pub port: u32,
    /// The subset's label filter.
    pub subset: Subset,
    /// The effective locality load-balancing setting; `None` when disabled.
    pub locality: Option<LocalityLoadBalancerSetting>,
    /// Whether the cluster has outlier detection (Istio assigns failover priorities only then).
    pub failover: bool,
    /// Overprovisioning factor and panic threshold.
    pub params: PriorityParams,
    /// The load-balancing policy.
    pub policy: Policy,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        Self {
            port: 0,
            subset: Subset::All,
            locality: None,
            failover: false,
            params: PriorityParams::default(),
            policy: Policy::LeastRequest,
        }
    }
}

impl ClusterSettings {
    /// The settings of the destination `decision` selected: its port (the destination's,
    /// else the service's only port, else the listener's, as Istio names the cluster), its
    /// subset's labels, the locality setting of its DestinationRule (else `mesh_locality`, Istio's
    /// `GetLocalityLbSetting`), outlier detection and the load-balancing policy.
    pub fn for_decision(decision: &RouteDecision<'_>, mesh_locality: &LocalityLoadBalancerSetting) -> Self {
        let subset = match decision.selected.as_ref().and_then(|s| s.subset) {
            None => Subset::All,
            Some(name) => match decision.destination_rule.and_then(|dr| dr.subset(name)) {
                Some(s) => Subset::Labels(s.labels.clone()),
                None => Subset::Undefined(name.to_string()),
            },
        };
        let tp = decision.traffic_policy();
        let lb = tp.as_ref().and_then(|t| t.load_balancer.as_ref());
        let outlier = tp.as_ref().and_then(|t| t.outlier_detection.as_ref());
        let mut params = PriorityParams::default();
        // istio cluster_traffic_policy.go applyOutlierDetection: with outlier detection the
        // healthy panic threshold is minHealthPercent (unset: 0, panic off).
        if let Some(od) = outlier {
            params.panic_threshold = istio_panic_threshold(od);
        }
        Self {
            port: decision.selected.as_ref().and_then(|s| s.port).unwrap_or(decision.policy_port),
            subset,
            locality: effective_setting(Some(mesh_locality), lb.and_then(|l| l.locality_lb_setting.as_ref())),
            failover: outlier.is_some(),
            params,
            policy: policy_from_istio(lb),
        }
    }
}

/// The client a cluster is built for: its locality and labels (for `failoverPriority`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientLocality {
    /// The client's locality (empty when its pod has none, which Istio still applies).
    pub locality: Locality,
    /// The client's labels.
    pub labels: BTreeMap<String, String>,
}

/// How Istio shaped the endpoints' priorities and weights for this client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalityMode {
    /// Locality load balancing is disabled (mesh or DestinationRule `enabled: false`).
    Disabled,
    /// The client is not known, so no locality applies: every endpoint at priority 0.
    UnknownClient,
    /// No outlier detection and no `distribute`: Istio leaves every endpoint at priority 0.
    NoOutlierDetection,
    /// `distribute`: locality weights from the client's locality.
    Distribute,
    /// Failover priorities (`failoverPriority` labels, then same zone, region, failover target).
    Failover,
}

/// One endpoint of the cluster as Istio assigned it for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The endpoint, its `priority` set.
    pub endpoint: Endpoint,
    /// Its index in the endpoint list given to [`ClusterLoadAssignment::build`].
    pub input: usize,
    /// Its priority for this client (0 the nearest).
    pub priority: u32,
    /// Its locality's weight as Istio sends it: `None` unset, `Some(0)` dropped by
    /// `distribute` (Istio sends the locality without endpoints, so Envoy never sees it).
    pub locality_weight: Option<u32>,
}

impl Member {
    /// Whether `distribute` left its locality out.
    pub fn dropped(&self) -> bool {
        self.locality_weight == Some(0)
    }
}

/// A cluster's endpoints with Istio's priorities and Envoy's priority loads, built once and
/// then picked from without allocating. Immutable, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct ClusterLoadAssignment {
    members: Vec<Member>,
    /// The endpoints Envoy sees (members not dropped), which the host sets index.
    envoy: Vec<Endpoint>,
    /// For each of `envoy`, its member index.
    member_of: Vec<usize>,
    set: PrioritySet,
    load: PriorityLoad,
    mode: LocalityMode,
    policy: Policy,
    overprovisioning: u32,
    /// Where each priority's host sources start in a [`PickState`].
    source_offsets: Vec<usize>,
    /// The consistent-hash balancer under `RING_HASH`/`MAGLEV` (an error when Envoy would
    /// reject the settings).
    consistent: Option<Result<ConsistentHashLb, LbError>>,
}

// === impl ClusterLoadAssignment ===

impl ClusterLoadAssignment {
    /// The cluster of `endpoints` (the destination's endpoints on the cluster's port) for
    /// `client` (`None`: unknown, no locality applies): the subset's endpoints, given Istio's
    /// locality priorities and weights, grouped by priority and locality as Envoy does, with
    /// the priority loads.
    pub fn build(
        endpoints: Vec<Endpoint>,
        settings: &ClusterSettings,
        client: Option<&ClientLocality>,
    ) -> Self {
        let mut eps: Vec<(usize, Endpoint)> = match &settings.subset {
            Subset::All => endpoints.into_iter().enumerate().collect(),
            Subset::Labels(want) => endpoints
                .into_iter()
                .enumerate()
                .filter(|(_, e)| want.iter().all(|(k, v)| e.labels.get(k) == Some(v)))
                .collect(),
            Subset::Undefined(_) => Vec::new(),
        };
        let mode = match (&settings.locality, client) {
            (None, _) => LocalityMode::Disabled,
            (Some(_), None) => LocalityMode::UnknownClient,
            (Some(s), Some(_)) if !s.distribute.is_empty() => LocalityMode::Distribute,
            (Some(_), Some(_)) if settings.failover => LocalityMode::Failover,
            (Some(_), Some(_)) => LocalityMode::NoOutlierDetection,
        };
        let mut weights: Vec<Option<u32>> = vec![None; eps.len()];
        if let (Some(setting), Some(client)) = (&settings.locality, client) {
            let plain: Vec<Endpoint> = eps.iter().map(|(_, e)| e.clone()).collect();
            let mut groups = group_by_locality(&plain, None);
            apply_locality_lb(&mut groups, &client.locality, &client.labels, setting, settings.failover);
            for (i, a) in assignments(&groups, eps.len()).into_iter().enumerate() {
                let (priority, weight) = a.unwrap_or((0, None));
                eps[i].1.priority = priority;
                weights[i] = weight;
            }
        } else {
            for (_, e) in &mut eps {
                e.priority = 0;
            }
        }
        let mut locality_weights: BTreeMap<Locality, u32> = BTreeMap::new();
        let mut members = Vec::with_capacity(eps.len());
        let mut envoy = Vec::with_capacity(eps.len());
        let mut member_of = Vec::with_capacity(eps.len());
        for ((input, endpoint), locality_weight) in eps.into_iter().zip(weights) {
            let member = Member { priority: endpoint.priority, endpoint, input, locality_weight };
            if let Some(w) = locality_weight {
                locality_weights.insert(member.endpoint.locality.clone(), w);
            }
            // Istio sends a dropped locality without endpoints: Envoy never counts them.
            if !member.dropped() {
                envoy.push(member.endpoint.clone());
                member_of.push(members.len());
            }
            members.push(member);
        }
        let weighted = (!locality_weights.is_empty()).then_some(&locality_weights);
        let set = PrioritySet::new(&envoy, weighted);
        let load = set.load(&envoy, &settings.params);
        let kind = match settings.policy {
            Policy::RingHash { minimum_ring_size } => Some(HashTableKind::RingHash(RingConfig {
                min_ring_size: minimum_ring_size,
                ..RingConfig::default()
            })),
            Policy::Maglev { table_size } => Some(HashTableKind::Maglev { table_size }),
            _ => None,
        };
        // Istio asks Envoy for locality-weighted balancing exactly when it sends locality
        // weights (`distribute`).
        let consistent = kind.map(|kind| {
            let config = ConsistentHashConfig {
                kind,
                use_hostname: false,
                locality_weighted: weighted.is_some(),
                priority: settings.params,
            };
            ConsistentHashLb::new(envoy.clone(), weighted, config)
        });
        Self {
            members,
            envoy,
            member_of,
            source_offsets: pick::source_offsets(&set),
            set,
            load,
            mode,
            policy: settings.policy,
            overprovisioning: settings.params.overprovisioning_factor,
            consistent,
        }
    }

    /// Every endpoint of the cluster (subset applied), in input order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// How Istio's locality setting shaped the cluster.
    pub fn mode(&self) -> LocalityMode {
        self.mode
    }

    /// Envoy's priority loads and panic flags.
    pub fn load(&self) -> &PriorityLoad {
        &self.load
    }

    /// Percent of traffic per priority, healthy and degraded together.
    pub fn load_per_priority(&self) -> impl Iterator<Item = u32> + '_ {
        self.load.healthy.iter().zip(&self.load.degraded).map(|(h, d)| h.saturating_add(*d))
    }

    /// The load-balancing policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Picks a member with one draw `r` in `[0, 1)` standing for every random choice: the
    /// priority (and healthy or degraded hosts) by the loads, then in panic any host of it by
    /// weight; else, when localities carry weights, a locality by its effective weight (as
    /// Envoy's `LocalityWrr` weighs it) and a host by weight within it; else a host by
    /// weight. Each step takes the first item whose cumulative weight exceeds `r * total` and
    /// passes on `r` rescaled within that item. `None` when nothing can be picked.
    pub fn pick_with_draw(&self, r: f64) -> Option<usize> {
        let loads = self.load.healthy.iter().chain(&self.load.degraded).map(|&l| f64::from(l));
        let (slot, r) = pick_weighted(loads, r)?;
        let n = self.load.healthy.len();
        let (p, availability) =
            if slot < n { (slot, Availability::Healthy) } else { (slot - n, Availability::Degraded) };
        let hs = self.set.host_sets.get(p)?;
        let weight = |&h: &usize| f64::from(self.envoy[h].weight);
        if self.load.panic.get(p).copied().unwrap_or(false) {
            return pick_weighted(hs.hosts.iter().map(weight), r).map(|(k, _)| self.member_of[hs.hosts[k]]);
        }
        let localities = per_locality(hs, availability);
        if let Some(lw) = &hs.locality_weights {
            let effective = |li: usize| {
                effective_locality_weight(
                    lw.get(li).copied().unwrap_or(0),
                    localities.get(li).map_or(0, Vec::len),
                    hs.hosts_per_locality[li].len(),
                    hs.excluded_per_locality.get(li).map_or(0, Vec::len),
                    self.overprovisioning,
                )
            };
            if let Some((li, r)) = pick_weighted((0..hs.localities.len()).map(effective), r) {
                let hosts = localities.get(li)?;
                return pick_weighted(hosts.iter().map(weight), r).map(|(k, _)| self.member_of[hosts[k]]);
            }
        }
        let hosts = eligible(hs, availability);
        pick_weighted(hosts.iter().map(weight), r).map(|(k, _)| self.member_of[hosts[k]])
    }
}

fn eligible(hs: &HostSet, availability: Availability) -> &[usize] {
    match availability {
        Availability::Healthy => &hs.healthy,
        Availability::Degraded => &hs.degraded,
    }
}

fn per_locality(hs: &HostSet, availability: Availability) -> &[Vec<usize>] {
    match availability {
        Availability::Healthy => &hs.healthy_per_locality,
        Availability::Degraded => &hs.degraded_per_locality,
    }
}

/// Picks an index from `weights` with the draw `r` in `[0, 1)`: the first item of positive
/// weight whose cumulative weight exceeds `r * total`, with `r` rescaled to `[0, 1)` within
/// that item so that a nested choice can reuse the draw. `None` when no weight is positive.
///
/// ```
/// use mesh_routing::lb::cluster::pick_weighted;
/// assert_eq!(pick_weighted([50.0, 50.0], 0.75), Some((1, 0.5)));
/// assert_eq!(pick_weighted([0.0, 10.0], 0.0), Some((1, 0.0)));
/// assert_eq!(pick_weighted([0.0], 0.3), None);
/// ```
pub fn pick_weighted<I>(weights: I, r: f64) -> Option<(usize, f64)>
where
    I: IntoIterator<Item = f64>,
    I::IntoIter: Clone,
{
    let weights = weights.into_iter();
    let total: f64 = weights.clone().sum();
    if total <= 0.0 {
        return None;
    }
    let target = r * total;
    let mut cum = 0.0;
    let mut last = None;
    for (i, w) in weights.enumerate() {
        if w > 0.0 && cum + w > target {
            return Some((i, ((target - cum) / w).clamp(0.0, 1.0 - f64::EPSILON)));
        }
        if w > 0.0 {
            last = Some(i);
        }
        cum += w;
    }
    last.map(|i| (i, 1.0 - f64::EPSILON))
}

/// The load-balancing endpoint of a registry endpoint, as Istio sends it to Envoy: the
/// address as Envoy prints it (`[ip]:port` for IPv6), weight at least 1, its locality and
/// labels; ready endpoints healthy, any other (not ready, draining, terminating) unhealthy.
///
/// ```
/// use mesh_model::registry::{Endpoint, Health, Locality};
/// use mesh_routing::lb::cluster::endpoint_from_registry;
/// let e = Endpoint {
///     address: "fd00::1".into(), port: 9080, service_port_name: "http".into(), weight: 0,
///     locality: Locality::parse("r1/z1"), health: Health::Terminating, labels: Default::default(),
///     network: None, service_account: None, tls_mode: "istio".into(), namespace: "default".into(),
///     workload: None, node_name: None,
/// };
/// let lb = endpoint_from_registry(&e);
/// assert_eq!((lb.address.as_str(), lb.weight), ("[fd00::1]:9080", 1));
/// assert_eq!(lb.health, mesh_routing::lb::Health::Unhealthy);
/// ```
pub fn endpoint_from_registry(e: &registry::Endpoint) -> Endpoint {
    let address = if e.address.contains(':') {
        format!("[{}]:{}", e.address, e.port)
    } else {
        format!("{}:{}", e.address, e.port)
    };
    let mut out = Endpoint::new(address)
        .with_weight(e.weight.max(1))
        .with_locality(Locality::new(&*e.locality.region, &*e.locality.zone, &*e.locality.subzone))
        .with_health(match e.health {
            registry::Health::Healthy => Health::Healthy,
            _ => Health::Unhealthy,
        });
    out.labels = (*e.labels).clone();
    out
}

mod pick;
pub use pick::{HostsSource, PickContext, PickState};

#[cfg(test)]
mod tests;
