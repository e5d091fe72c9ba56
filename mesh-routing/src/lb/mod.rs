//! Envoy-compatible load balancing, bit for bit: the tables, rings, schedules, priority
//! loads and ejections an Envoy next to you would compute from the same endpoints, and the
//! locality priorities Istio would send it.
//!
//! Everything here is pure: callers pass request hashes, random draws, health, active
//! request counts and the time. Tables are built once per endpoint set ([`MaglevTable`],
//! [`RingHash`], [`ConsistentHashLb`] are immutable, `Send + Sync` and cheap to share in an
//! `Arc`) and a pick allocates nothing.
//!
//! | Envoy / Istio | here |
//! |---|---|
//! | `HashUtil::xxHash64`, `MurmurHash::murmurHash2` | [`hash`] |
//! | `MaglevTable` | [`maglev`] |
//! | `RingHashLoadBalancer::Ring` | [`ring_hash`] |
//! | `EdfScheduler` | [`edf`] |
//! | `RoundRobinLoadBalancer` | [`round_robin`] |
//! | `LeastRequestLoadBalancer` | [`least_request`] |
//! | `RandomLoadBalancer` | [`random`] |
//! | `LoadBalancerBase` priority loads and panic | [`priority`] |
//! | `PrioritySet`, `HostSet`, weight normalization | [`host_set`] |
//! | `LocalityWrr` | [`locality_wrr`] |
//! | `ThreadAwareLoadBalancerBase` | [`consistent`] |
//! | route `HashPolicy` from `consistentHash` | [`hash_policy`] |
//! | Istio `ApplyLocalityLoadBalancer` | [`locality`] |
//! | `Outlier::DetectorImpl` | [`outlier`] |
//! | `ResourceManagerImpl` (circuit breakers) | [`limits`] |
//! | Istio `applyLoadBalancer` policy choice | [`policy`] |
//! | Istio `BuildClusterLoadAssignment` + Envoy's pick, stitched | [`cluster`] |
//!
//! ```
//! use mesh_routing::lb::{Endpoint, MaglevTable};
//! let eps: Vec<Endpoint> = (90..96).map(|p| Endpoint::new(format!("127.0.0.1:{p}"))).collect();
//! let hosts: Vec<(&str, f64)> = eps.iter().map(|e| (e.key(false), 1.0 / 6.0)).collect();
//! let table = MaglevTable::build(&hosts, 1.0 / 6.0, 7)?;
//! // The slots Envoy's own test expects (maglev_lb_test.cc: Basic).
//! let slots: Vec<&str> = table.slots().map(|i| eps[i].address.as_str()).collect();
//! assert_eq!(slots[0], "127.0.0.1:92");
//! # Ok::<(), mesh_routing::lb::LbError>(())
//! ```

pub mod cluster;
pub mod consistent;
pub mod edf;
pub mod endpoint;
pub mod error;
pub mod hash;
pub mod hash_policy;
pub mod host_set;
pub mod least_request;
pub mod limits;
pub mod locality;
pub mod locality_wrr;
pub mod maglev;
pub mod outlier;
pub mod policy;
pub mod priority;
pub mod random;
pub mod ring_hash;
pub mod round_robin;

pub use consistent::{ConsistentHashConfig, ConsistentHashLb, HashTableKind};
pub use edf::EdfScheduler;
pub use endpoint::{Endpoint, Health, Locality};
pub use error::LbError;
pub use hash::HashFunction;
pub use hash_policy::HashPolicy;
pub use host_set::{HostSet, PrioritySet};
pub use least_request::LeastRequest;
pub use limits::{CircuitBreakerLimits, would_overflow};
pub use maglev::{MaglevBuilder, MaglevTable};
pub use outlier::{OutlierConfig, OutlierDetector};
pub use priority::{PriorityLoad, PriorityParams};
pub use random::RandomSource;
pub use ring_hash::{RingConfig, RingHash};
pub use round_robin::RoundRobin;
