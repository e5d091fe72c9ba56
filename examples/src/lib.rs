//! Shared data for the example programs: the Bookinfo mesh written for this project.
//!
//! It also holds the three programs that embed the crates, as libraries so that tests start
//! them in-process: [`sidecar_proxy`] (an HTTP/1.1 and HTTP/2 mesh sidecar),
//! [`ca_server`] (a workload CA signing CSRs over HTTPS) and [`inject_webhook`] (the sidecar
//! injector webhook answering AdmissionReviews over HTTPS). Their binaries in `src/bin/` only
//! parse flags. Unlike the library crates, these do I/O, read the clock and draw randomness.
#![forbid(unsafe_code)]

pub mod ca_server;
pub mod credentials;
pub mod inject_webhook;
pub mod sidecar_proxy;

/// The Bookinfo mesh (`examples/bookinfo/*.yaml`), concatenated as one multi-document YAML.
pub const BOOKINFO: &str = "";
