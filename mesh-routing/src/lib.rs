//! Route decisions and Envoy-compatible load balancing for a service mesh.
//!
//! This crate performs no I/O, reads no clock and spawns nothing: callers pass request
//! hashes, random draws, health and the time, and get the decision Envoy would make.
//!
//! ```
//! use mesh_routing::lb::{Endpoint, RoundRobin};
//! // Weighted round robin in Envoy's order (EDF): weights 1 and 2.
//! let eps = [Endpoint::new("10.0.0.1:80"), Endpoint::new("10.0.0.2:80").with_weight(2)];
//! let weights: Vec<u32> = eps.iter().map(|e| e.weight).collect();
//! let mut rr = RoundRobin::new(&weights, 0);
//! let picks: Vec<usize> = (0..3).filter_map(|_| rr.pick()).collect();
//! assert_eq!(picks, [1, 0, 1]);
//! ```
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
#![warn(missing_docs, unreachable_pub)]

pub mod lb;

// === routing (VirtualService, Gateway, DestinationRule decisions) ===
pub mod action;
pub mod decision;
pub mod delegate;
mod gateway;
pub mod host;
pub mod matcher;
pub mod request;
pub mod resilience;
mod router;
pub mod table;
pub mod traffic_policy;
mod trie;
mod vhost;
pub mod visibility;
mod vs;

pub use decision::{Action, RouteDecision};
pub use request::{Protocol, RouteRequest};
pub use router::Router;
pub use table::RouteTable;
