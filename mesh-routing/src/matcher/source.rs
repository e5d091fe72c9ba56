//! Conditions Istio resolves when it builds a proxy's routes rather than per request: the
//! listener `port`, `sourceLabels` and `sourceNamespace` of the calling proxy, and `gateways`
//! (`sourceMatchHTTP`, `matchTCP`). For HTTP, a match that lists `gateways` ignores
//! `sourceLabels` and `sourceNamespace`; for TCP and TLS all of them must hold.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::networking::{HttpMatchRequest, L4MatchAttributes, TlsMatchAttributes};

use crate::host::resolve_gateway_name;

/// Where a route is evaluated: the proxy and the listener.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// `mesh`, or the gateway's `namespace/name`.
    pub gateway: &'a str,
    /// The listener port.
    pub port: u32,
    /// The proxy's namespace (the client's for a sidecar, the gateway's for a gateway).
    pub namespace: &'a str,
    /// The proxy's labels.
    pub labels: Option<&'a BTreeMap<String, String>>,
}

/// The build-time conditions of an HTTP match.
#[derive(Debug, Clone, Default)]
pub struct SourcePredicate {
    port: Option<u32>,
    labels: Box<[(Box<str>, Box<str>)]>,
    namespace: Option<Box<str>>,
    gateways: Box<[Box<str>]>,
}

fn labels_subset(want: &[(Box<str>, Box<str>)], have: Option<&BTreeMap<String, String>>) -> bool {
    want.iter().all(|(k, v)| have.and_then(|h| h.get(&**k)).is_some_and(|x| x == &**v))
}

impl SourcePredicate {
    /// From an HTTP match of a VirtualService in `namespace`.
    pub fn from_http(m: &HttpMatchRequest, namespace: &str) -> Self {
        Self::new(m.port, &m.source_labels, m.source_namespace.as_deref(), &m.gateways, namespace)
    }

    /// From the source fields every match kind has (port 0 and an empty namespace are unset;
    /// gateway names resolve in the VirtualService's `namespace`).
    fn new(
        port: Option<u32>,
        labels: &BTreeMap<String, String>,
        source_namespace: Option<&str>,
        gateways: &[String],
        namespace: &str,
    ) -> Self {
        Self {
            port: port.filter(|p| *p != 0),
            labels: labels.iter().map(|(k, v)| (k.as_str().into(), v.as_str().into())).collect(),
            namespace: source_namespace.filter(|s| !s.is_empty()).map(Into::into),
            gateways: gateways.iter().map(|g| resolve_gateway_name(g, namespace).into()).collect(),
        }
    }

    /// Whether the match is part of the routes built for `scope` (`TranslateRoute`'s port
    /// check, then `sourceMatchHTTP`).
    pub fn applies(&self, scope: &Scope<'_>) -> bool {
        if self.port.is_some_and(|p| p != scope.port) {
            return false;
        }
        if !self.gateways.is_empty() {
            return self.gateways.iter().any(|g| &**g == scope.gateway);
        }
        labels_subset(&self.labels, scope.labels)
            && self.namespace.as_deref().is_none_or(|n| n == scope.namespace)
    }

    /// Whether the predicate is empty (applies everywhere).
    pub fn is_empty(&self) -> bool {
        self.port.is_none() && self.labels.is_empty() && self.namespace.is_none() && self.gateways.is_empty()
    }
}

/// The conditions of a TCP or TLS match (`L4MatchAttributes`, `TLSMatchAttributes`).
#[derive(Debug, Clone, Default)]
pub struct L4Predicate {
    source: SourcePredicate,
    destination_subnets: Box<[Box<str>]>,
    source_subnet: Option<Box<str>>,
    sni_hosts: Box<[Box<str>]>,
}

impl L4Predicate {
    /// From a TCP match of a VirtualService in `namespace`.
    pub fn from_tcp(m: &L4MatchAttributes, namespace: &str) -> Self {
        Self {
            source: SourcePredicate::new(
                m.port,
                &m.source_labels,
                m.source_namespace.as_deref(),
                &m.gateways,
                namespace,
            ),
            destination_subnets: m.destination_subnets.iter().map(|s| s.as_str().into()).collect(),
            source_subnet: m.source_subnet.as_deref().map(Into::into),
            sni_hosts: Box::new([]),
        }
    }

    /// From a TLS match of a VirtualService in `namespace`.
    pub fn from_tls(m: &TlsMatchAttributes, namespace: &str) -> Self {
        Self {
            source: SourcePredicate::new(
                m.port,
                &m.source_labels,
                m.source_namespace.as_deref(),
                &m.gateways,
                namespace,
            ),
            destination_subnets: m.destination_subnets.iter().map(|s| s.as_str().into()).collect(),
            source_subnet: None,
            sni_hosts: m.sni_hosts.iter().map(|s| s.to_ascii_lowercase().into()).collect(),
        }
    }

    /// Whether the connection matches (`matchTCP` plus the filter-chain conditions):
    /// gateways, labels, port and namespace all hold, the destination IP lies in a
    /// `destinationSubnets` entry, the source IP in `sourceSubnet`, the SNI in `sniHosts`.
    pub fn matches(
        &self,
        scope: &Scope<'_>,
        dest_ip: Option<&str>,
        source_ip: Option<&str>,
        sni: &str,
    ) -> bool {
        let s = &self.source;
        let gateway_ok = s.gateways.is_empty() || s.gateways.iter().any(|g| &**g == scope.gateway);
        gateway_ok
            && labels_subset(&s.labels, scope.labels)
            && s.port.is_none_or(|p| p == scope.port)
            && s.namespace.as_deref().is_none_or(|n| n == scope.namespace)
            && (self.destination_subnets.is_empty()
                || dest_ip.is_some_and(|ip| self.destination_subnets.iter().any(|c| cidr_contains(c, ip))))
            && self.source_subnet.as_deref().is_none_or(|c| source_ip.is_some_and(|ip| cidr_contains(c, ip)))
            && (self.sni_hosts.is_empty() || self.sni_hosts.iter().any(|h| sni_matches(h, sni)))
    }
}

/// Whether a TLS `sniHosts` entry admits `sni`, as Envoy's `server_names`: exact (case
/// folded), or `*.suffix` for any name ending in `.suffix`.
pub(crate) fn sni_matches(pattern: &str, sni: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix('*') {
        Some(suffix) => sni.len() > suffix.len() && sni.to_ascii_lowercase().ends_with(suffix),
        None => pattern.eq_ignore_ascii_case(sni),
    }
}

/// Whether the IP or CIDR block `cidr` (`10.0.0.0/8`, `10.1.2.3`, `2001:db8::/32`) contains
/// `ip`. Unparsable input contains nothing.
pub(crate) fn cidr_contains(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => match b.parse::<u32>() {
            Ok(b) => (n, Some(b)),
            Err(_) => return false,
        },
        None => (cidr, None),
    };
    match (net.parse::<IpAddr>(), ip.parse::<IpAddr>()) {
        (Ok(IpAddr::V4(n)), Ok(IpAddr::V4(a))) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (Ok(IpAddr::V6(n)), Ok(IpAddr::V6(a))) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}
