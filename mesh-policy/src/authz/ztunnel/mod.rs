//! Ambient mode: AuthorizationPolicy as ztunnel, Istio's L4 node proxy, enforces it.
//!
//! Two steps, as in a cluster. [`convert`] is istiod's conversion (istio/istio
//! `pilot/pkg/serviceregistry/ambient/authorization.go`): it decides which policies ztunnel
//! receives, with which [`Scope`], and turns each rule into a [`Group`] of clauses of
//! [`Match`]es; the converted [`ZtunnelPolicy`] is public so that a ztunnel-like data plane can
//! consume it. [`ZtunnelAuthorizer`] then evaluates connections as ztunnel does (istio/ztunnel
//! `src/rbac.rs` and `src/state.rs`).
//!
//! Where ambient differs from the sidecar ([`Authorizer`](super::Authorizer)):
//! - Only ALLOW and DENY exist: AUDIT and CUSTOM policies are not sent, and policies with
//!   `targetRef(s)` go to waypoints only. Dry-run policies are not sent unless enabled
//!   ([`ZtunnelOptions::dry_run_enabled`]), and then only log.
//! - HTTP attributes (hosts, methods, paths, request principals, remote IP blocks, `when`
//!   keys other than `source.ip`, `source.namespace`, `source.principal`, `destination.ip`,
//!   `destination.port`) are not converted. An ALLOW rule using any is left out. A DENY rule
//!   keeps its other fields, so a `from`, `to` or `when` entry with only HTTP attributes
//!   becomes an empty match, which never matches, and the whole rule never fires.
//! - An empty entry never matches either: `from: [{source: {}}]`, `to` with only unparsable
//!   ports, or a `when` key with no values.
//! - Principals are compared as written: no trust-domain alias expansion; `trustDomains`
//!   fields are dropped.
//! - A selector without labels selects no workload (istiod lists selector policies per label
//!   set), where the sidecar reads it as namespace-wide.
//! - A plaintext connection has no identity: it matches no principal, namespace or service
//!   account (not even `*`), and every `not` form of them.
//!
//! PeerAuthentication becomes authorization in ambient mode ([`peer_authn`]): istiod sends
//! DENY policies that match plaintext connections (no peer identity) for workloads whose
//! effective mode is STRICT, with port-level exceptions, and [`ZtunnelAuthorizer`] applies them
//! after the workload's AuthorizationPolicies. So under STRICT a plaintext connection is denied
//! by a policy named `istio_converted_static_strict` or `converted_peer_authentication_<name>`.
//!
//! Not modelled: the implicit allow-from-waypoint policy (`istio_allow_waypoint_<ns>_<name>`)
//! istiod sends when `PILOT_AUTO_ALLOW_WAYPOINT_POLICY` is on (off by default), which needs the
//! waypoint bindings of each workload.

mod authorizer;
mod connection;
mod convert;
mod model;
pub mod peer_authn;

pub use authorizer::{Rejected, ZtunnelAuthorizer};
pub use connection::{Connection, Identity, IdentityError};
pub use convert::{ConvertError, ZtunnelOptions, convert, parse_ip_net};
pub use model::{
    Group, HttpWarning, HttpWarningKind, IpNet, Match, PolicyOrigin, Scope, ServiceAccountMatch, StringMatch,
    ZtunnelPolicy,
};
pub use peer_authn::{convert_peer_authentication, static_strict_policy};
