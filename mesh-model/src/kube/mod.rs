//! The Kubernetes objects the mesh reads, as lean own types.
//!
//! Only the fields the mesh uses are modelled; other fields are accepted and ignored
//! (reported as unknown under strict loading).

mod config_map;
mod endpoint_slice;
mod ingress;
mod ingress_class;
mod int_or_string;
mod namespace;
mod network_policy;
mod node;
mod pod;
mod selector;
mod service;
mod service_account;

pub use config_map::*;
pub use endpoint_slice::*;
pub use ingress::*;
pub use ingress_class::*;
pub use int_or_string::IntOrString;
pub use namespace::*;
pub use network_policy::*;
pub use node::*;
pub use pod::*;
pub use selector::{LabelSelector, LabelSelectorOperator, LabelSelectorRequirement};
pub use service::*;
pub use service_account::*;
