//! The per-request pick of [`ClusterLoadAssignment`] as Envoy's balancers make it.
//!
//! Weighted-host policies (`ROUND_ROBIN`, `LEAST_REQUEST`, `RANDOM`) follow Envoy's
//! `ZoneAwareLoadBalancerBase::hostSourceToUse`: one draw chooses the priority (and healthy or
//! degraded hosts); a priority in panic uses all its hosts; with locality weights the
//! locality schedule chooses a locality; the host is then picked from that source by the
//! policy, with state kept per source as Envoy keeps a scheduler per `HostsSource`
//! (`EdfLoadBalancerBase::refresh`): a rotation or EDF schedule for round robin, power of
//! two choices or an EDF schedule of `weight / (active + 1)` for least request, and for
//! random the same draw that chose the priority, modulo the source's size.
//!
//! Consistent-hash policies (`RING_HASH`, `MAGLEV`) follow `ThreadAwareLoadBalancerBase`:
//! the request's hash (a random draw when the request has none) chooses the priority and the
//! host of that priority's table.

use super::ClusterLoadAssignment;
use crate::lb::host_set::{HostSet, PrioritySet};
use crate::lb::least_request::{LeastRequest, LeastRequestConfig};
use crate::lb::locality_wrr::LocalityWrr;
use crate::lb::policy::Policy;
use crate::lb::priority::Availability;
use crate::lb::random::RandomSource;
use crate::lb::round_robin::RoundRobin;

/// What a pick reads besides the cluster and its state: the request's hash and the
/// proxy's active-request counters.
///
/// ```
/// use mesh_routing::lb::cluster::PickContext;
/// let active = [3u64, 0, 1];
/// let counters = |member: usize| active.get(member).copied().unwrap_or(0);
/// let context = PickContext { hash: None, active_requests: Some(&counters) };
/// # let _ = context;
/// ```
#[derive(Clone, Copy, Default)]
pub struct PickContext<'a> {
    /// The request's hash for `RING_HASH`/`MAGLEV` (see
    /// [`request_hash`](crate::lb::hash_policy::request_hash)); `None` when the request has
    /// no hash key, and then, as in Envoy, a random draw stands for it.
    pub hash: Option<u64>,
    /// The active requests of a member ([`ClusterLoadAssignment::members`] index), read by
    /// `LEAST_REQUEST`; `None`: no member has any.
    pub active_requests: Option<&'a dyn Fn(usize) -> u64>,
}

impl PickContext<'_> {
    fn active(&self, member: usize) -> u64 {
        self.active_requests.map_or(0, |f| f(member))
    }
}

impl std::fmt::Debug for PickContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PickContext")
            .field("hash", &self.hash)
            .field("active_requests", &self.active_requests.map(|_| "fn"))
            .finish()
    }
}

/// The hosts of one priority a pick draws from (Envoy's `HostsSource::SourceType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostsSource {
    /// Every host of the priority (panic).
    All,
    /// Its healthy hosts.
    Healthy,
    /// Its degraded hosts.
    Degraded,
    /// The healthy hosts of one locality (index into the host set's localities).
    LocalityHealthy(usize),
    /// The degraded hosts of one locality.
    LocalityDegraded(usize),
}

impl HostsSource {
    /// The source's hosts (indices into the cluster's Envoy endpoints).
    pub(crate) fn hosts(self, hs: &HostSet) -> &[usize] {
        match self {
            Self::All => &hs.hosts,
            Self::Healthy => &hs.healthy,
            Self::Degraded => &hs.degraded,
            Self::LocalityHealthy(li) => hs.healthy_per_locality.get(li).map_or(&[], Vec::as_slice),
            Self::LocalityDegraded(li) => hs.degraded_per_locality.get(li).map_or(&[], Vec::as_slice),
        }
    }

    /// The source's slot among its priority's sources: all, healthy, degraded, then the
    /// healthy localities, then the degraded ones.
    fn slot(self, hs: &HostSet) -> usize {
        match self {
            Self::All => 0,
            Self::Healthy => 1,
            Self::Degraded => 2,
            Self::LocalityHealthy(li) => 3 + li,
            Self::LocalityDegraded(li) => 3 + hs.healthy_per_locality.len() + li,
        }
    }

    /// Every source of a priority, in slot order.
    fn all(hs: &HostSet) -> impl Iterator<Item = Self> + '_ {
        [Self::All, Self::Healthy, Self::Degraded]
            .into_iter()
            .chain((0..hs.healthy_per_locality.len()).map(Self::LocalityHealthy))
            .chain((0..hs.degraded_per_locality.len()).map(Self::LocalityDegraded))
    }
}

/// Where each priority's sources start in [`PickState`]'s flat list.
pub(super) fn source_offsets(set: &PrioritySet) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(set.host_sets.len());
    let mut next = 0;
    for hs in &set.host_sets {
        offsets.push(next);
        next += 3 + hs.healthy_per_locality.len() + hs.degraded_per_locality.len();
    }
    offsets
}

/// One source's balancer state.
#[derive(Debug, Clone)]
enum SourcePicker {
    /// Round robin: a rotation, or an EDF schedule when weights differ.
    RoundRobin(RoundRobin),
    /// Least request: power of two choices, or an EDF schedule when weights differ.
    LeastRequest(LeastRequest),
    /// A policy without per-source state.
    Stateless,
}

/// The per-worker state of [`ClusterLoadAssignment::pick`]: each source's schedule and
/// each priority's locality schedule (Envoy keeps one balancer per worker thread).
#[derive(Debug, Clone)]
pub struct PickState {
    pickers: Vec<SourcePicker>,
    locality_wrr: Vec<LocalityWrr>,
}

impl ClusterLoadAssignment {
    /// Fresh balancer state for one worker; `seed` is Envoy's per-worker random start (the
    /// rotation index and the number of picks each EDF schedule starts after).
    pub fn new_state(&self, seed: u64) -> PickState {
        let weight = |hosts: &[usize]| hosts.iter().map(|&h| self.envoy[h].weight).collect::<Vec<_>>();
        let mut pickers = Vec::new();
        for hs in &self.set.host_sets {
            for source in HostsSource::all(hs) {
                let weights = weight(source.hosts(hs));
                pickers.push(match self.policy {
                    Policy::RoundRobin => SourcePicker::RoundRobin(RoundRobin::new(&weights, seed)),
                    Policy::LeastRequest => SourcePicker::LeastRequest(LeastRequest::new(
                        &weights,
                        &[],
                        LeastRequestConfig::default(),
                        seed,
                    )),
                    _ => SourcePicker::Stateless,
                });
            }
        }
        PickState {
            pickers,
            locality_wrr: self
                .set
                .host_sets
                .iter()
                .map(|h| LocalityWrr::new(h, self.overprovisioning, seed))
                .collect(),
        }
    }

    /// Picks a member (its index in [`members`](Self::members)) as Envoy's balancer does,
    /// for a request without a hash key and with no active requests known; see
    /// [`pick_in`](Self::pick_in). `None` for an empty cluster.
    pub fn pick(&self, state: &mut PickState, random: &mut impl RandomSource) -> Option<usize> {
        self.pick_in(state, random, PickContext::default())
    }

    /// Picks a member for a request as Envoy's balancer for the cluster's policy does.
    ///
    /// Round robin, least request and random follow `hostSourceToUse`: one draw chooses the
    /// priority; a priority in panic uses all its hosts, else the locality schedule chooses a
    /// locality when localities carry weights, else its healthy (or degraded) hosts; the
    /// policy then picks from that source with per-source state (a rotation or EDF schedule;
    /// power of two choices or an EDF schedule of `weight / (active + 1)`; or the priority
    /// draw modulo the source's size). Ring hash and Maglev look the request's hash up in the
    /// chosen priority's table. The hash and active-request counters come from `context`,
    /// other draws from `random`. `None` for an empty cluster, or when Envoy would have
    /// rejected the cluster's consistent-hash settings.
    pub fn pick_in(
        &self,
        state: &mut PickState,
        random: &mut impl RandomSource,
        context: PickContext<'_>,
    ) -> Option<usize> {
        if self.envoy.is_empty() {
            return None;
        }
        if let Some(consistent) = &self.consistent {
            let lb = consistent.as_ref().ok()?;
            let hash = context.hash.unwrap_or_else(|| random.next_u64());
            return lb.choose(hash, 0, |_| false).map(|h| self.member_of[h]);
        }
        let draw = random.next_u64();
        let (priority, availability) = self.load.choose(draw);
        let p = priority as usize;
        let hs = self.set.host_sets.get(p)?;
        let source = self.source_to_use(state, hs, p, availability);
        let hosts = source.hosts(hs);
        if hosts.is_empty() {
            return None;
        }
        let picker = state.pickers.get_mut(self.source_offsets.get(p)? + source.slot(hs))?;
        let k = match picker {
            SourcePicker::RoundRobin(rr) => rr.pick()?,
            SourcePicker::LeastRequest(lr) => {
                lr.pick_by(|k| hosts.get(k).map_or(0, |&h| context.active(self.member_of[h])), random)?
            }
            // envoy RandomLoadBalancer: the draw that chose the priority picks the host.
            SourcePicker::Stateless => (draw % hosts.len() as u64) as usize,
        };
        hosts.get(k).map(|&h| self.member_of[h])
    }

    /// envoy `hostSourceToUse`: all hosts in panic, else a locality when localities carry
    /// weights and one is available, else the healthy or degraded hosts.
    fn source_to_use(
        &self,
        state: &mut PickState,
        hs: &HostSet,
        p: usize,
        availability: Availability,
    ) -> HostsSource {
        if self.load.panic.get(p).copied().unwrap_or(false) {
            return HostsSource::All;
        }
        if hs.locality_weights.is_some()
            && let Some(li) = state.locality_wrr.get_mut(p).and_then(|w| w.choose(availability))
        {
            return match availability {
                Availability::Healthy => HostsSource::LocalityHealthy(li),
                Availability::Degraded => HostsSource::LocalityDegraded(li),
            };
        }
        match availability {
            Availability::Healthy => HostsSource::Healthy,
            Availability::Degraded => HostsSource::Degraded,
        }
    }
}

#[cfg(test)]
mod tests;
