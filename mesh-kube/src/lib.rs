//! The Kubernetes coupling of a service mesh, as pure functions: sidecar injection
//! ([`inject`]), traffic capture ([`capture`]), Telemetry API resolution ([`telemetry`]),
//! Istio's standard metrics ([`metrics`]), trace-context propagation ([`trace_context`]) and
//! the Horizontal Pod Autoscaler ([`hpa`]).
//!
//! This crate performs no I/O, reads no clock and spawns nothing: callers pass the pod, the
//! namespace, the mesh config, `now` and random bits; every function returns a value
//! (rules as text, a JSON Patch, a decision) that says what Istio or Kubernetes would do.
//!
//! ```
//! use mesh_kube::capture::{CaptureConfig, iptables};
//! // istio-iptables with its test defaults: outbound capture only.
//! let rules = iptables::render(&CaptureConfig::default()).unwrap();
//! assert!(rules.ipv4.starts_with("* nat\n-N ISTIO_INBOUND\n"));
//! assert!(rules.ipv4.contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001\n"));
//! ```
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
#![warn(missing_docs, unreachable_pub)]

pub mod capture;
pub mod hpa;
pub mod inject;
pub mod metrics;
pub mod telemetry;
pub mod trace_context;
