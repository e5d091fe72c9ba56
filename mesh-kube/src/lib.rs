//! The Kubernetes coupling of a service mesh: sidecar injection, traffic capture, telemetry,
//! tracing and autoscaling, as pure functions.
//!
//! This crate performs no I/O, reads no clock and spawns nothing.
#![forbid(unsafe_code)]
