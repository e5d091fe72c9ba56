//! A DestinationRule: policies that apply to traffic for a service after routing.
//!
//! Mirrors istio/api `networking/v1alpha3/destination_rule.proto` (served as `v1alpha3`,
//! `v1beta1` and `v1`, which share one schema). Proto `oneof`s that sit next to ordinary
//! fields on the wire (`simple | consistentHash`, the hash key and the hash algorithm) are Rust
//! enums; a private wire struct carries the flat JSON form, and decoding rejects two members
//! of one `oneof` set at once, as protobuf's JSON decoding does.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Duration, PortSelector, WorkloadSelector};
use crate::object::IstioObject;

/// A DestinationRule: policies that apply to traffic for a service after routing.
pub type DestinationRule = IstioObject<DestinationRuleSpec>;

/// The `spec` of a [`DestinationRule`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {
    /// The service the rule applies to: a registry name, short names resolved against the
    /// rule's namespace; a wildcard prefix (`*.example.com`) is allowed.
    #[serde(default)]
    pub host: String,
    /// Policies (load balancing, connection pool, outlier detection, TLS) for the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
    /// Named subsets of the service's endpoints (versions), each selected by labels.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subsets: Vec<Subset>,
    /// Namespaces the rule is visible to: `.` (own namespace), `*` (all), or names; empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Workloads (in the rule's namespace) whose sidecars apply the rule; absent means all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<WorkloadSelector>,
}

/// Traffic policies for a destination, a subset, or (port-level) one port.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrafficPolicy {
    /// The load-balancing algorithm and locality settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection-pool limits for the upstream service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Ejection of unhealthy hosts from the load-balancing pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS settings for connections to the upstream service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
    /// Per-port overrides; a port-level setting replaces the destination-level one entirely.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_level_settings: Vec<PortTrafficPolicy>,
    /// Tunnels TCP traffic through another host (HTTP CONNECT) on its way to the destination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<TunnelSettings>,
    /// Sends a PROXY protocol header to the upstream with the downstream's addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_protocol: Option<ProxyProtocol>,
    /// Limits the fraction of active requests that may be retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_budget: Option<RetryBudget>,
}

/// Traffic policy for one port of the destination (`TrafficPolicy.PortTrafficPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortTrafficPolicy {
    /// The port the policy applies to; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
    /// The load-balancing algorithm for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerSettings>,
    /// Connection-pool limits for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Outlier detection for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
    /// TLS settings for this port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// Tunnel settings (`TrafficPolicy.TunnelSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TunnelSettings {
    /// Tunnelling protocol: `CONNECT` (default, HTTP/1.1) or `POST` (HTTP/2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host the proxy tunnels to (the final destination): an IP or a FQDN; required.
    #[serde(default)]
    pub target_host: String,
    /// Port the proxy tunnels to; required.
    #[serde(default)]
    pub target_port: u32,
}

/// PROXY protocol settings (`TrafficPolicy.ProxyProtocol`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyProtocol {
    /// The PROXY protocol version; `V1` when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<ProxyProtocolVersion>,
}

/// A PROXY protocol version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum ProxyProtocolVersion {
    /// PROXY protocol version 1 (human readable).
    #[default]
    V1,
    /// PROXY protocol version 2 (binary).
    V2,
}

/// A retry budget (`TrafficPolicy.RetryBudget`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RetryBudget {
    /// Largest share (0-100) of active requests that may be retries; 20 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percent: Option<f64>,
    /// Retries always allowed, whatever the budget; 3 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_retry_concurrency: Option<u32>,
    /// Window over which the budget is computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_interval: Option<Duration>,
}

/// A named subset of a service's endpoints.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subset {
    /// The subset's name, referenced by routes; a DNS-1123 label, required.
    #[serde(default)]
    pub name: String,
    /// Labels an endpoint must carry to belong to the subset.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Policies for the subset; they override the destination-level ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_policy: Option<TrafficPolicy>,
}

// === load balancing ===

/// Load-balancing settings: an algorithm (`simple` or `consistentHash`) plus locality,
/// zone-aware and warm-up settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "LoadBalancerSettingsWire", into = "LoadBalancerSettingsWire")]
pub struct LoadBalancerSettings {
    /// The `lb_policy` oneof: on the wire, a `simple` or a `consistentHash` field.
    pub lb_policy: Option<LbPolicy>,
    /// Locality-weighted load balancing; overrides the mesh-wide setting.
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Zone-aware load balancing.
    pub zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
    /// Slow-start window for new endpoints (deprecated in favour of `warmup`).
    pub warmup_duration_secs: Option<Duration>,
    /// Slow-start configuration for new endpoints.
    pub warmup: Option<WarmupConfiguration>,
}

/// The `lb_policy` oneof of [`LoadBalancerSettings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LbPolicy {
    /// A standard algorithm that needs no tuning.
    Simple(SimpleLb),
    /// Consistent hashing (soft session affinity).
    ConsistentHash(ConsistentHashLb),
}

/// Flat JSON form of [`LoadBalancerSettings`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "LoadBalancerSettings")]
struct LoadBalancerSettingsWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    simple: Option<SimpleLb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    consistent_hash: Option<ConsistentHashLb>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warmup_duration_secs: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    warmup: Option<WarmupConfiguration>,
}

impl TryFrom<LoadBalancerSettingsWire> for LoadBalancerSettings {
    type Error = String;

    fn try_from(w: LoadBalancerSettingsWire) -> Result<Self, String> {
        let lb_policy = match (w.simple, w.consistent_hash) {
            (Some(_), Some(_)) => {
                return Err("only one of `simple` and `consistentHash` may be set (oneof lb_policy)".into());
            }
            (Some(s), None) => Some(LbPolicy::Simple(s)),
            (None, Some(c)) => Some(LbPolicy::ConsistentHash(c)),
            (None, None) => None,
        };
        Ok(Self {
            lb_policy,
            locality_lb_setting: w.locality_lb_setting,
            zone_aware_lb_setting: w.zone_aware_lb_setting,
            warmup_duration_secs: w.warmup_duration_secs,
            warmup: w.warmup,
        })
    }
}

impl From<LoadBalancerSettings> for LoadBalancerSettingsWire {
    fn from(s: LoadBalancerSettings) -> Self {
        let (simple, consistent_hash) = match s.lb_policy {
            Some(LbPolicy::Simple(x)) => (Some(x), None),
            Some(LbPolicy::ConsistentHash(c)) => (None, Some(c)),
            None => (None, None),
        };
        Self {
            simple,
            consistent_hash,
            locality_lb_setting: s.locality_lb_setting,
            zone_aware_lb_setting: s.zone_aware_lb_setting,
            warmup_duration_secs: s.warmup_duration_secs,
            warmup: s.warmup,
        }
    }
}

/// Standard load-balancing algorithms (`LoadBalancerSettings.SimpleLB`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SimpleLb {
    /// No algorithm chosen: the proxy's default (least request).
    #[default]
    Unspecified,
    /// Deprecated alias of `LEAST_REQUEST`.
    LeastConn,
    /// A random healthy host.
    Random,
    /// Forward to the original destination address, without load balancing.
    Passthrough,
    /// Round robin over healthy hosts.
    RoundRobin,
    /// The host with fewer active requests of two (or more) picked at random.
    LeastRequest,
}

/// Consistent-hash load balancing (`LoadBalancerSettings.ConsistentHashLB`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "ConsistentHashLbWire", into = "ConsistentHashLbWire")]
pub struct ConsistentHashLb {
    /// The `hash_key` oneof: what the hash is computed from.
    pub hash_key: Option<HashKey>,
    /// The `hash_algorithm` oneof: ring hash or Maglev.
    pub hash_algorithm: Option<HashAlgorithm>,
    /// Deprecated: minimum ring size for ring hash; use `ringHash.minimumRingSize`.
    pub minimum_ring_size: Option<u64>,
}

/// The `hash_key` oneof of [`ConsistentHashLb`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum HashKey {
    /// Hash on the value of this HTTP header.
    HttpHeaderName(String),
    /// Hash on this HTTP cookie, generating it when absent.
    HttpCookie(HttpCookie),
    /// Hash on the source IP address.
    UseSourceIp(bool),
    /// Hash on this HTTP query parameter.
    HttpQueryParameterName(String),
}

/// The `hash_algorithm` oneof of [`ConsistentHashLb`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum HashAlgorithm {
    /// Ketama ring hash.
    RingHash(RingHash),
    /// Maglev consistent hashing.
    Maglev(MagLev),
}

/// Flat JSON form of [`ConsistentHashLb`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ConsistentHashLb")]
struct ConsistentHashLbWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_header_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_cookie: Option<HttpCookie>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    use_source_ip: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_query_parameter_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ring_hash: Option<RingHash>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    maglev: Option<MagLev>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    minimum_ring_size: Option<u64>,
}

impl TryFrom<ConsistentHashLbWire> for ConsistentHashLb {
    type Error = String;

    fn try_from(w: ConsistentHashLbWire) -> Result<Self, String> {
        let keys = [
            w.http_header_name.map(HashKey::HttpHeaderName),
            w.http_cookie.map(HashKey::HttpCookie),
            w.use_source_ip.map(HashKey::UseSourceIp),
            w.http_query_parameter_name.map(HashKey::HttpQueryParameterName),
        ];
        let mut hash_key = None;
        for k in keys.into_iter().flatten() {
            if hash_key.is_some() {
                return Err("only one of `httpHeaderName`, `httpCookie`, `useSourceIp` and \
                            `httpQueryParameterName` may be set (oneof hash_key)"
                    .into());
            }
            hash_key = Some(k);
        }
        let hash_algorithm = match (w.ring_hash, w.maglev) {
            (Some(_), Some(_)) => {
                return Err("only one of `ringHash` and `maglev` may be set (oneof hash_algorithm)".into());
            }
            (Some(r), None) => Some(HashAlgorithm::RingHash(r)),
            (None, Some(m)) => Some(HashAlgorithm::Maglev(m)),
            (None, None) => None,
        };
        Ok(Self { hash_key, hash_algorithm, minimum_ring_size: w.minimum_ring_size })
    }
}

impl From<ConsistentHashLb> for ConsistentHashLbWire {
    fn from(c: ConsistentHashLb) -> Self {
        let mut w = Self { minimum_ring_size: c.minimum_ring_size, ..Self::default() };
        match c.hash_key {
            Some(HashKey::HttpHeaderName(h)) => w.http_header_name = Some(h),
            Some(HashKey::HttpCookie(h)) => w.http_cookie = Some(h),
            Some(HashKey::UseSourceIp(b)) => w.use_source_ip = Some(b),
            Some(HashKey::HttpQueryParameterName(q)) => w.http_query_parameter_name = Some(q),
            None => {}
        }
        match c.hash_algorithm {
            Some(HashAlgorithm::RingHash(r)) => w.ring_hash = Some(r),
            Some(HashAlgorithm::Maglev(m)) => w.maglev = Some(m),
            None => {}
        }
        w
    }
}

/// Ring-hash settings (`ConsistentHashLB.RingHash`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RingHash {
    /// Minimum number of virtual nodes on the ring; 1024 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_ring_size: Option<u64>,
}

/// Maglev settings (`ConsistentHashLB.MagLev`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MagLev {
    /// Lookup-table size, a prime; 65537 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_size: Option<u64>,
}

/// The cookie a consistent hash is computed from (`ConsistentHashLB.HTTPCookie`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpCookie {
    /// Name of the cookie; required.
    #[serde(default)]
    pub name: String,
    /// Path of the cookie, when the proxy generates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Lifetime of a generated cookie; a cookie is only generated when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl: Option<Duration>,
    /// Extra attributes of a generated cookie.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<CookieAttribute>,
}

/// One attribute of a generated cookie (`HTTPCookie.Attribute`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CookieAttribute {
    /// Attribute name; required.
    #[serde(default)]
    pub name: String,
    /// Attribute value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Slow-start ("warm-up") for newly added endpoints (`WarmupConfiguration`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WarmupConfiguration {
    /// Length of the warm-up window; required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Duration>,
    /// Minimum share (0-100) of traffic a warming endpoint receives; 10 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_percent: Option<f64>,
    /// How fast traffic ramps up (1.0 linear); 1.0 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggression: Option<f64>,
}

/// Locality-weighted load balancing (`LocalityLoadBalancerSetting`); also used mesh-wide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityLoadBalancerSetting {
    /// Traffic weights from an origin locality to destination localities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribute: Vec<LocalityDistribute>,
    /// Region-to-region failover when a region's endpoints are unhealthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<LocalityFailover>,
    /// Ordered labels used to prioritise endpoints for failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Whether locality load balancing is on; overrides the mesh setting when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

/// Weights from one origin locality (`LocalityLoadBalancerSetting.Distribute`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityDistribute {
    /// Origin locality `region/zone/subzone`; a trailing `*` segment matches any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Destination localities and their weights, which must sum to 100.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub to: BTreeMap<String, u32>,
}

/// One failover rule (`LocalityLoadBalancerSetting.Failover`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalityFailover {
    /// The origin region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The region traffic fails over to when `from` becomes unhealthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Zone-aware load balancing (`ZoneAwareLoadBalancerSetting`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZoneAwareLoadBalancerSetting {
    /// Whether zone-aware load balancing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Region-to-region failover rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover: Vec<LocalityFailover>,
    /// Ordered labels used to prioritise endpoints for failover.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failover_priority: Vec<String>,
    /// Minimum cluster size in the local zone for zone-aware routing to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cluster_size: Option<u64>,
}

// === connection pool ===

/// Connection-pool limits for an upstream host (`ConnectionPoolSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionPoolSettings {
    /// Settings common to HTTP and TCP connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<TcpSettings>,
    /// HTTP connection-pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpSettings>,
}

/// TCP connection-pool settings (`ConnectionPoolSettings.TCPSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpSettings {
    /// Maximum connections to a destination host; 2^32-1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<i32>,
    /// TCP connect timeout; 10s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// TCP keep-alive on the upstream socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Maximum lifetime of a connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connection_duration: Option<Duration>,
    /// Idle timeout of TCP connections; 1h when unset, 0 disables it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
}

/// TCP keep-alive settings (`TCPSettings.TcpKeepalive`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpKeepalive {
    /// Unanswered probes before the connection is dead; the OS default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<u32>,
    /// Idle time before probes start; the OS default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<Duration>,
    /// Time between probes; the OS default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
}

/// HTTP connection-pool settings (`ConnectionPoolSettings.HTTPSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpSettings {
    /// Maximum requests queued for a connection; 2^32-1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http1_max_pending_requests: Option<i32>,
    /// Maximum active requests to a destination; 2^32-1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_max_requests: Option<i32>,
    /// Maximum requests per connection; 0 means unlimited, 1 disables keep-alive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_requests_per_connection: Option<i32>,
    /// Maximum outstanding retries to all hosts of a cluster; 2^32-1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<i32>,
    /// Idle timeout of upstream pool connections; 1h when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout: Option<Duration>,
    /// Whether HTTP/1.1 connections are upgraded to HTTP/2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Use the downstream's protocol upstream, ignoring `h2UpgradePolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_client_protocol: Option<bool>,
    /// Maximum concurrent streams on one HTTP/2 connection; 2^31-1 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent_streams: Option<i32>,
    /// HTTP/2 keep-alive (PING) for upstream connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2_keep_alive: Option<ConnectionKeepalive>,
}

/// HTTP/2 keep-alive settings (`HTTPSettings.ConnectionKeepalive`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionKeepalive {
    /// Interval between HTTP/2 PINGs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Time to wait for a PING response before closing the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

/// Policy for upgrading HTTP/1.1 connections to HTTP/2 (`HTTPSettings.H2UpgradePolicy`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// Use the mesh-wide default.
    #[default]
    Default,
    /// Do not upgrade.
    DoNotUpgrade,
    /// Upgrade to HTTP/2.
    Upgrade,
}

// === outlier detection ===

/// Ejection of unhealthy hosts from the load-balancing pool (`OutlierDetection`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutlierDetection {
    /// Deprecated: consecutive 502/503/504 errors before ejection; use the fields below.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_errors: Option<i32>,
    /// Whether local-origin failures are counted apart from external errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_external_local_origin_errors: Option<bool>,
    /// Consecutive local-origin failures before ejection (with the split enabled); 5 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_local_origin_failures: Option<u32>,
    /// Consecutive gateway errors (502, 503, 504) before ejection; 0 disables.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consecutive_gateway_errors: Option<u32>,
    /// Consecutive 5xx errors before ejection; 5 when unset, 0 disables.
    #[serde(rename = "consecutive5xxErrors", default, skip_serializing_if = "Option::is_none")]
    pub consecutive_5xx_errors: Option<u32>,
    /// Interval between ejection sweeps; 10s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    /// Minimum ejection time, multiplied by the number of ejections; 30s when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ejection_time: Option<Duration>,
    /// Maximum share (0-100) of hosts that may be ejected; 10 when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ejection_percent: Option<i32>,
    /// Outlier detection is on only while this share (0-100) of hosts is healthy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_health_percent: Option<i32>,
    /// HTTP status codes (100-599) counted as outlier-detection errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outlier_detection_http_error_codes: Vec<u32>,
}

// === TLS ===

/// TLS settings for upstream connections (`ClientTLSSettings`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientTlsSettings {
    /// Whether and how the connection is secured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<ClientTlsMode>,
    /// File path of the client certificate (`MUTUAL` mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate: Option<String>,
    /// File path of the client private key (`MUTUAL` mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// File path of the CA bundle that verifies the server certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<String>,
    /// Name of a secret holding the client certificate, key and CA (instead of file paths).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_name: Option<String>,
    /// Names the server certificate's SANs must include.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
    /// SNI sent in the TLS handshake.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// Skip verifying the server certificate and SANs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insecure_skip_verify: Option<bool>,
    /// File path of a certificate revocation list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_crl: Option<String>,
}

/// Upstream TLS mode (`ClientTLSSettings.TLSmode`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ClientTlsMode {
    /// Plain-text connections.
    #[default]
    Disable,
    /// TLS to the upstream.
    Simple,
    /// Mutual TLS with the given client certificate.
    Mutual,
    /// Mutual TLS with Istio's workload certificates.
    IstioMutual,
}
