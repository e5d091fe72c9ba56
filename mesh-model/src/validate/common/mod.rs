//! Rules several kinds share, one concern per file. Each names the upstream function it
//! mirrors (istio/istio `pkg/config/validation`, `pkg/config/validation/agent`,
//! `pkg/config/labels`, `pkg/config/security`; Kubernetes' apimachinery).
//!
//! Where validators word a shared rule differently, or upstream's rule depends on the kind,
//! the shared function takes the kind (or its wording) as a parameter, so every kind keeps
//! its messages and field paths.
//!
//! - [`dns`]: DNS labels, FQDNs, wildcard domains; [`host`]: `namespace/dnsName` hosts.
//! - [`ip`]: IP addresses and CIDR prefixes (Go `netip`, `net.ParseIP`, Kubernetes).
//! - [`labels`]: label keys and values; [`selector`]: workload selectors;
//!   [`target_ref`]: `targetRef(s)` and their exclusion with `selector`.
//! - [`export_to`]: `exportTo`; [`destination`]: route destinations;
//!   [`connection_pool`]: connection pool settings; [`server_tls`]: server TLS settings.
//! - [`ports`]: port numbers and names; [`unix`]: `unix://` addresses;
//!   [`values`]: durations, RE2 regexes, non-negative counts.

pub(crate) mod connection_pool;
pub(crate) mod destination;
pub(crate) mod dns;
pub(crate) mod export_to;
pub(crate) mod host;
pub(crate) mod ip;
pub(crate) mod labels;
pub(crate) mod ports;
pub(crate) mod selector;
pub(crate) mod server_tls;
pub(crate) mod target_ref;
pub(crate) mod unix;
pub(crate) mod values;

/// Whether an optional string is set to a non-empty value (proto3 string semantics).
pub(crate) fn non_empty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}
