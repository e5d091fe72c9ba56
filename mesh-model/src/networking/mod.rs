//! `networking.istio.io`: traffic management.

mod destination_rule;
mod gateway;
mod service_entry;
mod sidecar;
mod virtual_service;
mod workload_entry;
mod workload_group;

pub use destination_rule::*;
pub use gateway::*;
pub use service_entry::*;
pub use sidecar::*;
pub use virtual_service::*;
pub use workload_entry::*;
pub use workload_group::*;
