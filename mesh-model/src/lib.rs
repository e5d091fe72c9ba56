//! Typed, validated models of a Kubernetes service mesh's resources.
//!
//! `mesh-model` performs no I/O, reads no clock and spawns nothing: it turns text that the
//! caller read into typed resources, validates them as Istio's admission webhook does, and
//! indexes them into an immutable [`Snapshot`] that the decision crates compile from.
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
#![warn(missing_docs, unreachable_pub)]

pub mod common;
pub mod kube;
pub mod load;
pub mod mesh_config;
pub mod meta;
pub mod networking;
pub mod object;
pub mod path_normalization;
pub mod re2;
pub mod registry;
pub mod resource;
pub mod security;
pub mod telemetry;
pub mod validate;

pub use common::{Duration, PolicyTargetReference, PortSelector, WorkloadSelector};
pub use mesh_config::MeshConfig;
pub use meta::ObjectMeta;
pub use object::IstioObject;
pub use resource::{Kind, Resource};
pub use validate::{Diagnostic, Severity, validate};
pub mod snapshot;
pub use load::{LoadOptions, LoadOutput, load_str};
pub use snapshot::Snapshot;
