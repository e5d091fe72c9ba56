//! Authorization, mTLS mode, request authentication and Kubernetes NetworkPolicy for a
//! service mesh, with Istio's and Envoy's exact semantics.
//!
//! This crate performs no I/O, reads no clock and spawns nothing: policies are compiled once
//! from a [`mesh_model::Snapshot`] into immutable `Send + Sync` values, and each decision
//! reads the caller's view of the request. Times (`now`) and key material (JWKS) are passed in.
//!
//! - [`authz`]: AuthorizationPolicy (CUSTOM, DENY, ALLOW, AUDIT), [`authz::Authorizer`].
//! - [`normalize`]: the path normalisation the mesh configures Envoy with.
//! - [`peer_authn`]: the effective PeerAuthentication mTLS mode of a workload port.
//! - [`jwt`]: RequestAuthentication: which JWT rules apply, and token verification.
//! - [`network_policy`]: Kubernetes NetworkPolicy verdicts for a pod-to-pod connection.
//!
//! ```
//! use std::collections::BTreeMap;
//! use mesh_model::{load_str, Snapshot};
//! use mesh_policy::authz::{Authorizer, NoHeaders, Request, Workload};
//!
//! let yaml = "\
//! apiVersion: security.istio.io/v1
//! kind: AuthorizationPolicy
//! metadata: {name: allow-productpage, namespace: default}
//! spec:
//!   selector: {matchLabels: {app: reviews}}
//!   rules:
//!   - from: [{source: {principals: [cluster.local/ns/default/sa/productpage]}}]
//! ";
//! let resources = load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource);
//! let authz = Authorizer::compile(&Snapshot::builder().build(resources));
//!
//! let labels = BTreeMap::from([("app".to_string(), "reviews".to_string())]);
//! let reviews = Workload::new("default", &labels);
//! let from_productpage = Request {
//!     source_principal: Some("cluster.local/ns/default/sa/productpage"),
//!     ..Request::new(&NoHeaders)
//! };
//! assert!(authz.check(&reviews, &from_productpage).allowed);
//! assert!(!authz.check(&reviews, &Request::new(&NoHeaders)).allowed);
//! ```
#![forbid(unsafe_code)]
#![deny(rust_2018_idioms)]
#![warn(missing_docs, unreachable_pub)]

pub mod authz;
mod ip;
pub mod jwt;
pub mod network_policy;
/// The path normalisation the mesh configures Envoy with (shared with routing; it lives in
/// [`mesh_model::path_normalization`]).
pub mod normalize {
    pub use mesh_model::path_normalization::*;
}
pub mod peer_authn;

pub use ip::Cidr;
