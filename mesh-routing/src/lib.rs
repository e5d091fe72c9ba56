//! Route decisions and Envoy-compatible load balancing for a service mesh.
//!
//! This crate performs no I/O, reads no clock and spawns nothing. It is being built; see the
//! project's issues for what lands next.
#![forbid(unsafe_code)]
