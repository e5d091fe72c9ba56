//! Which Envoy load-balancing policy Istio configures from a DestinationRule's
//! `loadBalancer` (Istio's `applyLoadBalancer` and `ApplyRingHashLoadBalancer`).

use mesh_model::networking::{HashAlgorithm, LbPolicy, LoadBalancerSettings, SimpleLb};

use super::maglev::DEFAULT_TABLE_SIZE;
use super::ring_hash::DEFAULT_MIN_RING_SIZE;

/// An Envoy cluster load-balancing policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// `ROUND_ROBIN` (weighted, EDF).
    RoundRobin,
    /// `LEAST_REQUEST` (Istio's default).
    LeastRequest,
    /// `RANDOM`.
    Random,
    /// `CLUSTER_PROVIDED` on an `ORIGINAL_DST` cluster: the connection's original
    /// destination, no balancing.
    Passthrough,
    /// `RING_HASH` with this minimum ring size.
    RingHash {
        /// Minimum ring size (1024 by default).
        minimum_ring_size: u64,
    },
    /// `MAGLEV` with this table size.
    Maglev {
        /// Table size (65537 by default).
        table_size: u64,
    },
}

/// The policy Istio configures for `settings` (none: Istio's default, least request).
///
/// ```
/// use mesh_routing::lb::policy::{policy_from_istio, Policy};
/// assert_eq!(policy_from_istio(None), Policy::LeastRequest);
/// ```
pub fn policy_from_istio(settings: Option<&LoadBalancerSettings>) -> Policy {
    match settings.and_then(|s| s.lb_policy.as_ref()) {
        None => Policy::LeastRequest,
        Some(LbPolicy::Simple(simple)) => match simple {
            SimpleLb::Unspecified | SimpleLb::LeastConn | SimpleLb::LeastRequest => Policy::LeastRequest,
            SimpleLb::Random => Policy::Random,
            SimpleLb::RoundRobin => Policy::RoundRobin,
            SimpleLb::Passthrough => Policy::Passthrough,
        },
        Some(LbPolicy::ConsistentHash(ch)) => match &ch.hash_algorithm {
            Some(HashAlgorithm::Maglev(m)) => {
                Policy::Maglev { table_size: m.table_size.filter(|&t| t != 0).unwrap_or(DEFAULT_TABLE_SIZE) }
            }
            Some(HashAlgorithm::RingHash(r)) => Policy::RingHash {
                minimum_ring_size: r.minimum_ring_size.filter(|&m| m != 0).unwrap_or(DEFAULT_MIN_RING_SIZE),
            },
            None => Policy::RingHash {
                minimum_ring_size: ch.minimum_ring_size.filter(|&m| m != 0).unwrap_or(DEFAULT_MIN_RING_SIZE),
            },
        },
    }
}
