//! A consistent-hash load balancer over a whole cluster (Envoy's
//! `ThreadAwareLoadBalancerBase`): one ring or Maglev table per priority, built from that
//! priority's healthy hosts (all of them in panic), and a request's hash choosing both the
//! priority and the host.

use std::sync::Arc;

use super::endpoint::Endpoint;
use super::error::LbError;
use super::host_set::{PrioritySet, normalize_weights};
use super::maglev::MaglevTable;
use super::priority::{PriorityLoad, PriorityParams};
use super::ring_hash::{RingConfig, RingHash};

/// Which consistent-hash table to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashTableKind {
    /// A ketama ring.
    RingHash(RingConfig),
    /// A Maglev table of this many slots (a prime).
    Maglev {
        /// Number of slots.
        table_size: u64,
    },
}

/// How the balancer is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsistentHashConfig {
    /// The table kind and its parameters.
    pub kind: HashTableKind,
    /// Hash endpoints by hostname instead of address (`use_hostname_for_hashing`).
    pub use_hostname: bool,
    /// Scale host weights by locality weights (`locality_weighted_lb_config`).
    pub locality_weighted: bool,
    /// Overprovisioning factor and panic threshold.
    pub priority: PriorityParams,
}

/// One priority's table, its hosts as endpoint indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashTable {
    /// A ring.
    Ring(RingHash),
    /// A Maglev table.
    Maglev(MaglevTable),
}

impl HashTable {
    /// The table's host index (into [`PriorityTable::hosts`]) for `hash` and retry `attempt`.
    #[inline]
    pub fn choose(&self, hash: u64, attempt: u32) -> Option<usize> {
        match self {
            Self::Ring(r) => r.choose(hash, attempt),
            Self::Maglev(m) => m.choose(hash, attempt),
        }
    }
}

/// The table of one priority.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityTable {
    /// The endpoint index of each host in the table, in build order.
    pub hosts: Vec<usize>,
    /// Each host's normalized weight.
    pub weights: Vec<f64>,
    /// Whether the priority was in panic when built (so unhealthy hosts are in it).
    pub panic: bool,
    /// The table.
    pub table: HashTable,
}

impl PriorityTable {
    /// Builds the table of priority `priority` of `set`.
    pub fn build(
        set: &PrioritySet,
        endpoints: &[Endpoint],
        priority: usize,
        panic: bool,
        config: &ConsistentHashConfig,
    ) -> Result<Self, LbError> {
        let empty = Default::default();
        let host_set = set.host_sets.get(priority).unwrap_or(&empty);
        let normalized = normalize_weights(host_set, endpoints, panic, config.locality_weighted)?;
        let keyed: Vec<(&str, f64)> =
            normalized.hosts.iter().map(|&(i, w)| (endpoints[i].key(config.use_hostname), w)).collect();
        let table = match config.kind {
            HashTableKind::RingHash(ring) => HashTable::Ring(RingHash::build(&keyed, normalized.min, &ring)?),
            HashTableKind::Maglev { table_size } => {
                HashTable::Maglev(MaglevTable::build(&keyed, normalized.max, table_size)?)
            }
        };
        Ok(Self {
            hosts: normalized.hosts.iter().map(|h| h.0).collect(),
            weights: normalized.hosts.iter().map(|h| h.1).collect(),
            panic,
            table,
        })
    }

    /// The endpoint index for `hash` and retry `attempt`.
    #[inline]
    pub fn choose(&self, hash: u64, attempt: u32) -> Option<usize> {
        self.table.choose(hash, attempt).map(|i| self.hosts[i])
    }
}

/// A built, immutable, shareable consistent-hash balancer for a cluster.
///
/// ```
/// use mesh_routing::lb::consistent::{ConsistentHashConfig, ConsistentHashLb, HashTableKind};
/// use mesh_routing::lb::Endpoint;
/// let eps: Vec<Endpoint> = (90..96).map(|p| Endpoint::new(format!("127.0.0.1:{p}"))).collect();
/// let config = ConsistentHashConfig {
///     kind: HashTableKind::Maglev { table_size: 7 },
///     use_hostname: false,
///     locality_weighted: false,
///     priority: Default::default(),
/// };
/// let lb = ConsistentHashLb::new(eps, None, config).unwrap();
/// // envoy maglev_lb_test.cc: Basic.
/// assert_eq!(lb.choose(0, 0, |_| false), Some(2));
/// ```
#[derive(Debug, Clone)]
pub struct ConsistentHashLb {
    endpoints: Arc<[Endpoint]>,
    load: PriorityLoad,
    tables: Vec<PriorityTable>,
}

impl ConsistentHashLb {
    /// Builds every priority's table.
    pub fn new(
        endpoints: Vec<Endpoint>,
        locality_weights: Option<&std::collections::BTreeMap<super::Locality, u32>>,
        config: ConsistentHashConfig,
    ) -> Result<Self, LbError> {
        let set = PrioritySet::new(&endpoints, locality_weights);
        let load = set.load(&endpoints, &config.priority);
        let tables = (0..set.host_sets.len())
            .map(|p| PriorityTable::build(&set, &endpoints, p, load.panic[p], &config))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { endpoints: endpoints.into(), load, tables })
    }

    /// The endpoints, indexed as picks name them.
    pub fn endpoints(&self) -> &[Endpoint] {
        &self.endpoints
    }

    /// The priority loads the balancer chooses priorities by.
    pub fn load(&self) -> &PriorityLoad {
        &self.load
    }

    /// The table of each priority.
    pub fn tables(&self) -> &[PriorityTable] {
        &self.tables
    }

    /// The endpoint for request `hash`: the priority is chosen by the hash, then up to
    /// `retries + 1` attempts are made while `reject` refuses the host (Envoy's retry host
    /// predicate); the last host tried is returned when every attempt is refused.
    pub fn choose(&self, hash: u64, retries: u32, mut reject: impl FnMut(usize) -> bool) -> Option<usize> {
        let (priority, _) = self.load.choose(hash);
        let table = self.tables.get(priority as usize)?;
        let mut host = None;
        for attempt in 0..=retries {
            host = table.choose(hash, attempt);
            match host {
                Some(h) if reject(h) => continue,
                _ => return host,
            }
        }
        host
    }
}
