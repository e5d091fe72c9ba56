//! MeshConfig: the mesh-wide settings Istio keeps in the ConfigMap `istio` of the root
//! namespace (`data.mesh`).
//!
//! Mirrors istio/api `mesh/v1alpha1/config.proto`. Every field is optional and records what
//! the YAML said; the accessor methods return the value that applies, with the defaults of
//! istio/istio `pkg/config/mesh/mesh.go` (`DefaultMeshConfig`) for fields the YAML omits.
//!
//! Istio overlays the YAML on its defaults field by field: a top-level field that is present
//! replaces the default wholesale (so `outboundTrafficPolicy: {}` means `REGISTRY_ONLY`, the
//! proto zero value), `extensionProviders` are merged by name into the three default providers
//! (`prometheus`, `stackdriver`, `envoy`), and `trustDomainAliases` are unioned. The accessors
//! follow these rules.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Duration;
use crate::kube::LabelSelector;
use crate::networking::{
    ClientTlsSettings, ConnectionPoolSettings, HttpRetry, LocalityLoadBalancerSetting, OutlierDetection,
    TcpKeepalive, ZoneAwareLoadBalancerSetting,
};

/// Istio's default root namespace.
pub const DEFAULT_ROOT_NAMESPACE: &str = "istio-system";
/// Istio's default trust domain.
pub const DEFAULT_TRUST_DOMAIN: &str = "cluster.local";
/// Istio's default ingress class.
pub const DEFAULT_INGRESS_CLASS: &str = "istio";
/// Istio's default ingress service.
pub const DEFAULT_INGRESS_SERVICE: &str = "istio-ingressgateway";
/// The conditions Istio retries on when no retry policy is configured (Envoy `retry_on`).
pub const DEFAULT_RETRY_ON: &str =
    "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
/// The number of retries Istio configures when no retry policy is configured.
pub const DEFAULT_RETRY_ATTEMPTS: i32 = 2;

/// Mesh-wide settings (`data.mesh` of the `istio` ConfigMap); unset fields take Istio's
/// defaults through the accessor methods.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeshConfig {
    /// Port the sidecar's outbound listener captures traffic on (default 15001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_listen_port: Option<i32>,
    /// Port the sidecar's inbound listener captures traffic on (default 15006).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_inbound_listen_port: Option<i32>,
    /// Port of the HTTP proxy listener for apps that speak explicit HTTP proxying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_http_port: Option<i32>,
    /// Connection timeout for upstream connections (default 10s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<Duration>,
    /// Idle timeout of HBONE (ambient) tunnels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hbone_idle_timeout: Option<Duration>,
    /// How long protocol sniffing waits for client bytes; 0s (the default) disables the timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_detection_timeout: Option<Duration>,
    /// TCP keep-alive applied to every upstream cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp_keepalive: Option<TcpKeepalive>,
    /// Ingress class (`kubernetes.io/ingress.class`) Istio's Ingress controller serves (default `istio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class: Option<String>,
    /// Service whose address Kubernetes Ingress status reports (default `istio-ingressgateway`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_service: Option<String>,
    /// Which Kubernetes Ingress resources Istio serves (default `STRICT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_controller_mode: Option<IngressControllerMode>,
    /// The `istio` label value of the gateway pods that serve Kubernetes Ingress.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_selector: Option<String>,
    /// Whether tracing is on (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_tracing: Option<bool>,
    /// File Envoy writes access logs to (`/dev/stdout`); empty (the default) disables them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_file: Option<String>,
    /// Envoy access log format; empty means Istio's default format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_format: Option<String>,
    /// Access log encoding (default `TEXT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_encoding: Option<AccessLogEncoding>,
    /// Whether Envoy sends access logs to a gRPC access log service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_envoy_access_log_service: Option<bool>,
    /// Whether listener-level access logs are turned off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_envoy_listener_log: Option<bool>,
    /// Default ProxyConfig for every proxy, merged with Istio's defaults (kept verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_config: Option<serde_json::Value>,
    /// What sidecars do with traffic to hosts outside the registry (default `ALLOW_ANY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_traffic_policy: Option<OutboundTrafficPolicy>,
    /// How sidecars forward inbound traffic to the application (default `PASSTHROUGH`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_traffic_policy: Option<InboundTrafficPolicy>,
    /// Configuration sources (MCP servers) Istio reads config from, besides Kubernetes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_sources: Vec<ConfigSource>,
    /// Whether clients use mTLS automatically to servers with a sidecar (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_auto_mtls: Option<bool>,
    /// The mesh's SPIFFE trust domain (default `cluster.local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_domain: Option<String>,
    /// Other trust domains whose identities are treated as this mesh's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trust_domain_aliases: Vec<String>,
    /// Extra trust anchors (PEM or SPIFFE bundle endpoints).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<CertificateData>,
    /// Default `exportTo` of Services and ServiceEntries (default `["*"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_service_export_to: Option<Vec<String>>,
    /// Default `exportTo` of VirtualServices (default `["*"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_virtual_service_export_to: Option<Vec<String>>,
    /// Default `exportTo` of DestinationRules (default `["*"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_destination_rule_export_to: Option<Vec<String>>,
    /// Namespace whose config applies mesh-wide (default `istio-system`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_namespace: Option<String>,
    /// Mesh-wide locality load balancing (default `{enabled: true}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality_lb_setting: Option<LocalityLoadBalancerSetting>,
    /// Mesh-wide zone-aware load balancing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_aware_lb_setting: Option<ZoneAwareLoadBalancerSetting>,
    /// DNS refresh rate of DNS-resolved clusters when resolution fails (default 60s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_refresh_rate: Option<Duration>,
    /// Whether HTTP/1.1 connections to upstreams are upgraded to HTTP/2 (default `DO_NOT_UPGRADE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub h2_upgrade_policy: Option<H2UpgradePolicy>,
    /// Template of inbound cluster stat names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inbound_cluster_stat_name: Option<String>,
    /// Template of outbound cluster stat names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbound_cluster_stat_name: Option<String>,
    /// Deprecated: DNS certificates Istio's CA provisions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<Certificate>,
    /// Settings for services selected by host (such as cluster-local visibility).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_settings: Vec<ServiceSettings>,
    /// Multi-cluster scope (local or global) of services selected by label.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_scope_configs: Vec<ServiceScopeConfigs>,
    /// Whether Prometheus scrape annotations are merged with Envoy's metrics (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_prometheus_merge: Option<bool>,
    /// Deprecated: whether clients verify server certificates by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_certificate_at_client: Option<bool>,
    /// An external certificate authority Istiod uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca: Option<Ca>,
    /// Named providers that Telemetry and CUSTOM AuthorizationPolicy refer to; merged by
    /// name into the defaults `prometheus`, `stackdriver` and `envoy`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension_providers: Vec<ExtensionProvider>,
    /// Providers used when a Telemetry names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_providers: Option<DefaultProviders>,
    /// Namespaces Istio watches; empty watches all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discovery_selectors: Vec<LabelSelector>,
    /// How request paths are normalised before routing and authorization (default `BASE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_normalization: Option<ProxyPathNormalization>,
    /// Retry policy of routes without one (default: 2 attempts on connect failures).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_http_retry_policy: Option<HttpRetry>,
    /// TLS settings of mesh (istio-mTLS) connections.
    #[serde(rename = "meshMTLS", default, skip_serializing_if = "Option::is_none")]
    pub mesh_mtls: Option<TlsConfig>,
    /// TLS settings of non-mesh TLS connections (gateways, DestinationRule TLS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_defaults: Option<TlsConfig>,
    /// Connection pool and outlier detection applied to every destination without its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_traffic_policy: Option<DefaultTrafficPolicy>,
    /// Default visibility of ServiceEntries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_entry_visibility: Option<ServiceEntryVisibility>,
}

// === enums ===

/// Which Kubernetes Ingress resources Istio's Ingress controller serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IngressControllerMode {
    /// Unspecified (the proto zero value).
    #[default]
    Unspecified,
    /// Istio does not serve Kubernetes Ingress.
    Off,
    /// Ingresses without a class annotation, or with Istio's class.
    Default,
    /// Only Ingresses with Istio's class.
    Strict,
}

/// Access log encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AccessLogEncoding {
    /// Plain text (the zero value and default).
    #[default]
    Text,
    /// JSON objects.
    Json,
}

/// Policy for upgrading HTTP/1.1 upstream connections to HTTP/2, mesh-wide.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum H2UpgradePolicy {
    /// Do not upgrade (the zero value and default).
    #[default]
    DoNotUpgrade,
    /// Upgrade to HTTP/2.
    Upgrade,
}

// === traffic policies ===

/// What sidecars do with outbound traffic to hosts outside the service registry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutboundTrafficPolicy {
    /// The mode; absent means `REGISTRY_ONLY` (the proto zero value) once the policy is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<OutboundTrafficPolicyMode>,
    /// TLS settings of passthrough traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientTlsSettings>,
}

/// The mesh-wide outbound traffic mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OutboundTrafficPolicyMode {
    /// Only hosts in the service registry are reachable (the proto zero value).
    #[default]
    RegistryOnly,
    /// Traffic to unknown destinations passes through (Istio's default).
    AllowAny,
    /// Like `ALLOW_ANY`, with DNS-based forwarding for hosts resolved at request time.
    AllowAnyDynamicDns,
}

/// How sidecars forward inbound traffic to the application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboundTrafficPolicy {
    /// The mode; absent means `PASSTHROUGH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<InboundTrafficPolicyMode>,
}

/// The inbound traffic mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InboundTrafficPolicyMode {
    /// Forward to the original destination IP (the default).
    #[default]
    Passthrough,
    /// Forward to localhost.
    Localhost,
}

/// Mesh-wide path normalisation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyPathNormalization {
    /// The normalisation; absent means `DEFAULT`, which Istio applies as `BASE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalization: Option<PathNormalization>,
}

/// A path normalisation level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PathNormalization {
    /// Istio's default, currently the same as `BASE`.
    #[default]
    Default,
    /// No normalisation.
    None,
    /// RFC 3986 normalisation (`/a/../b` becomes `/b`), backslashes become `/`.
    Base,
    /// `BASE`, then runs of slashes become one (`//a` becomes `/a`).
    MergeSlashes,
    /// `MERGE_SLASHES`, after decoding `%2F`, `%2f`, `%5C` and `%5c`.
    DecodeAndMergeSlashes,
}

impl PathNormalization {
    /// The level Istio applies: `DEFAULT` is `BASE`.
    pub fn effective(self) -> Self {
        match self {
            Self::Default => Self::Base,
            other => other,
        }
    }
}

/// Traffic policy applied to destinations that have none.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultTrafficPolicy {
    /// Default connection pool settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_pool: Option<ConnectionPoolSettings>,
    /// Default outlier detection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlier_detection: Option<OutlierDetection>,
}

/// TLS protocol versions, curves and ciphers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    /// Minimum TLS version; absent means `TLS_AUTO`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_protocol_version: Option<TlsProtocol>,
    /// ECDH curves, such as `P-256`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ecdh_curves: Vec<String>,
    /// Cipher suites, such as `ECDHE-ECDSA-AES256-GCM-SHA384`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cipher_suites: Vec<String>,
}

/// A TLS protocol version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub enum TlsProtocol {
    /// Envoy's default (TLS 1.2 for mesh mTLS).
    #[default]
    #[serde(rename = "TLS_AUTO")]
    TlsAuto,
    /// TLS 1.2.
    #[serde(rename = "TLSV1_2")]
    TlsV1_2,
    /// TLS 1.3.
    #[serde(rename = "TLSV1_3")]
    TlsV1_3,
}

// === services and visibility ===

/// Settings for the services whose hosts match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSettings {
    /// The settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ServiceSettingsValues>,
    /// Host names (`*.svc.cluster.local` wildcards allowed) the settings apply to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
}

/// The values of a [`ServiceSettings`] entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSettingsValues {
    /// Whether the services are reachable only from their own cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_local: Option<bool>,
}

/// The multi-cluster scope of the services a pair of selectors picks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceScopeConfigs {
    /// Namespaces whose services are selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Services selected within those namespaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services_selector: Option<LabelSelector>,
    /// The scope; absent means `LOCAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<ServiceScope>,
}

/// Multi-cluster scope of a service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceScope {
    /// Reachable only in its own cluster.
    #[default]
    Local,
    /// Reachable from every cluster.
    Global,
}

/// Default visibility of ServiceEntries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntryVisibility {
    /// Visibility when no policy matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_visibility: Option<Visibility>,
    /// Whether the visibility also applies to sidecars.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apply_to_sidecars: Option<bool>,
    /// Visibility by namespace, first match wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<VisibilityPolicy>,
}

/// A ServiceEntry visibility level.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Visibility {
    /// Unspecified (the zero value).
    #[default]
    VisibilityUnspecified,
    /// Not visible.
    None,
    /// Visible in its own namespace.
    Namespace,
    /// Visible everywhere.
    Public,
}

/// A visibility for ServiceEntries in matching namespaces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisibilityPolicy {
    /// The visibility.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// Rules of which any must match.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matching_rules: Vec<VisibilityMatchRule>,
}

/// A match rule of a [`VisibilityPolicy`] (a one-member `oneof matcher`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VisibilityMatchRule {
    /// Namespaces the rule matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
}

// === certificates and config sources ===

/// A config source (MCP server).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigSource {
    /// Address of the server, such as `xds://istiod:15010` or `k8s://`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// TLS settings of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_settings: Option<ClientTlsSettings>,
    /// Resources the source provides.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscribed_resources: Vec<ConfigResource>,
}

/// A resource type a [`ConfigSource`] provides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConfigResource {
    /// Services and endpoints.
    #[default]
    ServiceRegistry,
}

/// Deprecated: a certificate Istio's CA provisions into a Secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Certificate {
    /// Name of the Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// DNS names of the certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dns_names: Vec<String>,
}

/// An extra trust anchor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "CertificateDataWire", into = "CertificateDataWire")]
pub struct CertificateData {
    /// The anchor (the proto `oneof certificate_data`).
    pub certificate_data: Option<CertificateSource>,
    /// Signers (`istio-system/...`) whose certificates this anchor verifies.
    pub cert_signers: Vec<String>,
    /// Trust domains this anchor verifies.
    pub trust_domains: Vec<String>,
}

/// Where a [`CertificateData`]'s anchor comes from (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CertificateSource {
    /// PEM-encoded root certificates.
    Pem(String),
    /// A SPIFFE bundle endpoint URL.
    SpiffeBundleUrl(String),
}

#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "CertificateData")]
struct CertificateDataWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pem: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    spiffe_bundle_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cert_signers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    trust_domains: Vec<String>,
}

impl TryFrom<CertificateDataWire> for CertificateData {
    type Error = String;

    fn try_from(w: CertificateDataWire) -> Result<Self, String> {
        let certificate_data = match (w.pem, w.spiffe_bundle_url) {
            (Some(_), Some(_)) => {
                return Err("caCertificates may set only one of pem, spiffeBundleUrl".into());
            }
            (Some(p), None) => Some(CertificateSource::Pem(p)),
            (None, Some(u)) => Some(CertificateSource::SpiffeBundleUrl(u)),
            (None, None) => None,
        };
        Ok(Self { certificate_data, cert_signers: w.cert_signers, trust_domains: w.trust_domains })
    }
}

impl From<CertificateData> for CertificateDataWire {
    fn from(c: CertificateData) -> Self {
        let (pem, spiffe_bundle_url) = match c.certificate_data {
            Some(CertificateSource::Pem(p)) => (Some(p), None),
            Some(CertificateSource::SpiffeBundleUrl(u)) => (None, Some(u)),
            None => (None, None),
        };
        Self { pem, spiffe_bundle_url, cert_signers: c.cert_signers, trust_domains: c.trust_domains }
    }
}

/// An external certificate authority.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ca {
    /// Address of the CA's gRPC endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// TLS settings of the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_settings: Option<ClientTlsSettings>,
    /// Timeout of certificate requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timeout: Option<Duration>,
    /// Whether Istiod (rather than the agent) talks to the CA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istiod_side: Option<bool>,
}

/// Providers used when a Telemetry resource names none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultProviders {
    /// Default tracing providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracing: Vec<String>,
    /// Default metrics providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<String>,
    /// Default access logging providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_logging: Vec<String>,
}

// === extension providers ===

/// A named provider of tracing, metrics, access logging, external authorization or SDS.
///
/// A provider key this model does not know leaves `provider` as `None` rather than failing
/// the whole MeshConfig, as Istio's lenient decoding does.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "ExtensionProviderWire", into = "ExtensionProviderWire")]
pub struct ExtensionProvider {
    /// Name Telemetry and AuthorizationPolicy resources refer to.
    pub name: String,
    /// The provider (the proto `oneof provider`); `None` when absent or unknown.
    pub provider: Option<Provider>,
}

/// The kind and settings of an [`ExtensionProvider`] (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Provider {
    /// Envoy ext_authz over HTTP.
    EnvoyExtAuthzHttp(EnvoyExternalAuthorizationHttpProvider),
    /// Envoy ext_authz over gRPC.
    EnvoyExtAuthzGrpc(EnvoyExternalAuthorizationGrpcProvider),
    /// Zipkin tracing.
    Zipkin(ZipkinTracingProvider),
    /// Deprecated: Lightstep tracing.
    Lightstep(LightstepTracingProvider),
    /// Datadog tracing.
    Datadog(DatadogTracingProvider),
    /// Google Cloud (Stackdriver) metrics, logs and traces.
    Stackdriver(StackdriverProvider),
    /// Deprecated: OpenCensus agent tracing.
    Opencensus(OpenCensusAgentTracingProvider),
    /// Apache SkyWalking tracing.
    Skywalking(SkyWalkingTracingProvider),
    /// OpenTelemetry tracing.
    Opentelemetry(OpenTelemetryTracingProvider),
    /// Prometheus metrics.
    Prometheus(PrometheusMetricsProvider),
    /// Envoy access log to a file.
    EnvoyFileAccessLog(EnvoyFileAccessLogProvider),
    /// Envoy HTTP gRPC access log service.
    EnvoyHttpAls(EnvoyHttpGrpcV3LogProvider),
    /// Envoy TCP gRPC access log service.
    EnvoyTcpAls(EnvoyTcpGrpcV3LogProvider),
    /// Envoy OpenTelemetry access log service.
    EnvoyOtelAls(EnvoyOpenTelemetryLogProvider),
    /// A Secret Discovery Service for certificates.
    Sds(SdsProvider),
}

#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ExtensionProvider")]
struct ExtensionProviderWire {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_ext_authz_http: Option<EnvoyExternalAuthorizationHttpProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_ext_authz_grpc: Option<EnvoyExternalAuthorizationGrpcProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    zipkin: Option<ZipkinTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lightstep: Option<LightstepTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    datadog: Option<DatadogTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stackdriver: Option<StackdriverProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opencensus: Option<OpenCensusAgentTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    skywalking: Option<SkyWalkingTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opentelemetry: Option<OpenTelemetryTracingProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prometheus: Option<PrometheusMetricsProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_file_access_log: Option<EnvoyFileAccessLogProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_http_als: Option<EnvoyHttpGrpcV3LogProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_tcp_als: Option<EnvoyTcpGrpcV3LogProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envoy_otel_als: Option<EnvoyOpenTelemetryLogProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sds: Option<SdsProvider>,
}

impl TryFrom<ExtensionProviderWire> for ExtensionProvider {
    type Error = String;

    fn try_from(w: ExtensionProviderWire) -> Result<Self, String> {
        let candidates = [
            w.envoy_ext_authz_http.map(Provider::EnvoyExtAuthzHttp),
            w.envoy_ext_authz_grpc.map(Provider::EnvoyExtAuthzGrpc),
            w.zipkin.map(Provider::Zipkin),
            w.lightstep.map(Provider::Lightstep),
            w.datadog.map(Provider::Datadog),
            w.stackdriver.map(Provider::Stackdriver),
            w.opencensus.map(Provider::Opencensus),
            w.skywalking.map(Provider::Skywalking),
            w.opentelemetry.map(Provider::Opentelemetry),
            w.prometheus.map(Provider::Prometheus),
            w.envoy_file_access_log.map(Provider::EnvoyFileAccessLog),
            w.envoy_http_als.map(Provider::EnvoyHttpAls),
            w.envoy_tcp_als.map(Provider::EnvoyTcpAls),
            w.envoy_otel_als.map(Provider::EnvoyOtelAls),
            w.sds.map(Provider::Sds),
        ];
        let mut set = candidates.into_iter().flatten();
        let provider = set.next();
        if set.next().is_some() {
            return Err(format!("extension provider {:?} may set only one of its provider kinds", w.name));
        }
        Ok(Self { name: w.name, provider })
    }
}

impl From<ExtensionProvider> for ExtensionProviderWire {
    fn from(p: ExtensionProvider) -> Self {
        let mut w = Self { name: p.name, ..Self::default() };
        match p.provider {
            Some(Provider::EnvoyExtAuthzHttp(v)) => w.envoy_ext_authz_http = Some(v),
            Some(Provider::EnvoyExtAuthzGrpc(v)) => w.envoy_ext_authz_grpc = Some(v),
            Some(Provider::Zipkin(v)) => w.zipkin = Some(v),
            Some(Provider::Lightstep(v)) => w.lightstep = Some(v),
            Some(Provider::Datadog(v)) => w.datadog = Some(v),
            Some(Provider::Stackdriver(v)) => w.stackdriver = Some(v),
            Some(Provider::Opencensus(v)) => w.opencensus = Some(v),
            Some(Provider::Skywalking(v)) => w.skywalking = Some(v),
            Some(Provider::Opentelemetry(v)) => w.opentelemetry = Some(v),
            Some(Provider::Prometheus(v)) => w.prometheus = Some(v),
            Some(Provider::EnvoyFileAccessLog(v)) => w.envoy_file_access_log = Some(v),
            Some(Provider::EnvoyHttpAls(v)) => w.envoy_http_als = Some(v),
            Some(Provider::EnvoyTcpAls(v)) => w.envoy_tcp_als = Some(v),
            Some(Provider::EnvoyOtelAls(v)) => w.envoy_otel_als = Some(v),
            Some(Provider::Sds(v)) => w.sds = Some(v),
            None => {}
        }
        w
    }
}

/// How much of the request body ext_authz receives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyExternalAuthorizationRequestBody {
    /// Maximum bytes of body buffered and sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_bytes: Option<u32>,
    /// Whether a body larger than the maximum is sent truncated instead of rejected (413).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_partial_message: Option<bool>,
    /// Whether the body is sent as raw bytes (gRPC only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack_as_bytes: Option<bool>,
}

/// Envoy ext_authz over HTTP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyExternalAuthorizationHttpProvider {
    /// Host of the authorization service (`[<Namespace>/]<Hostname>`).
    #[serde(default)]
    pub service: String,
    /// Port of the authorization service.
    #[serde(default)]
    pub port: u32,
    /// Timeout of authorization requests (Envoy's default 600s when unset).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Prefix added to the request path of the check request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_prefix: Option<String>,
    /// Whether requests are allowed when the authorization service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open: Option<bool>,
    /// Whether the route cache is cleared after the check, to re-pick routes by new headers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_route_cache: Option<bool>,
    /// HTTP status returned when the authorization service fails (default 403).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_on_error: Option<String>,
    /// Deprecated: use `includeRequestHeadersInCheck`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_headers_in_check: Vec<String>,
    /// Request headers sent to the authorization service (prefix/suffix `*` allowed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_request_headers_in_check: Vec<String>,
    /// Extra headers (with fixed values) added to the check request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub include_additional_headers_in_check: BTreeMap<String, String>,
    /// Whether and how much of the request body is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_request_body_in_check: Option<EnvoyExternalAuthorizationRequestBody>,
    /// Check-response headers copied to the upstream request on allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_upstream_on_allow: Vec<String>,
    /// Check-response headers copied to the downstream response on deny.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_downstream_on_deny: Vec<String>,
    /// Check-response headers copied to the downstream response on allow.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers_to_downstream_on_allow: Vec<String>,
}

/// Envoy ext_authz over gRPC.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyExternalAuthorizationGrpcProvider {
    /// Host of the authorization service (`[<Namespace>/]<Hostname>`).
    #[serde(default)]
    pub service: String,
    /// Port of the authorization service.
    #[serde(default)]
    pub port: u32,
    /// Timeout of authorization requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Whether requests are allowed when the authorization service fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_open: Option<bool>,
    /// Whether the route cache is cleared after the check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clear_route_cache: Option<bool>,
    /// HTTP status returned when the authorization service fails (default 403).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_on_error: Option<String>,
    /// Whether and how much of the request body is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_request_body_in_check: Option<EnvoyExternalAuthorizationRequestBody>,
}

/// Zipkin tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ZipkinTracingProvider {
    /// Host of the Zipkin collector.
    #[serde(default)]
    pub service: String,
    /// Port of the Zipkin collector.
    #[serde(default)]
    pub port: u32,
    /// Maximum length of tag values (default 256).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Whether 64-bit trace ids are generated (default 128-bit).
    #[serde(rename = "enable64bitTraceId", default, skip_serializing_if = "Option::is_none")]
    pub enable_64bit_trace_id: Option<bool>,
    /// Collector endpoint path (default `/api/v2/spans`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Trace context headers propagated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_context_option: Option<ZipkinTraceContextOption>,
    /// Timeout of span export requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Headers added to span export requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
}

/// Trace context headers a Zipkin provider propagates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ZipkinTraceContextOption {
    /// B3 headers only (the default).
    #[default]
    UseB3,
    /// B3 and W3C `traceparent` headers.
    UseB3WithW3cPropagation,
}

/// Deprecated: Lightstep tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LightstepTracingProvider {
    /// Host of the Lightstep collector.
    #[serde(default)]
    pub service: String,
    /// Port of the collector.
    #[serde(default)]
    pub port: u32,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    /// Maximum length of tag values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// Datadog tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatadogTracingProvider {
    /// Host of the Datadog agent.
    #[serde(default)]
    pub service: String,
    /// Port of the agent.
    #[serde(default)]
    pub port: u32,
    /// Maximum length of tag values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// Apache SkyWalking tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkyWalkingTracingProvider {
    /// Host of the SkyWalking OAP server.
    #[serde(default)]
    pub service: String,
    /// Port of the server.
    #[serde(default)]
    pub port: u32,
    /// Access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
}

/// Google Cloud (Stackdriver) telemetry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackdriverProvider {
    /// Deprecated: debug logging of the exporter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// Deprecated: maximum attributes per span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_attributes: Option<i64>,
    /// Deprecated: maximum annotations per span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_annotations: Option<i64>,
    /// Deprecated: maximum message events per span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_number_of_message_events: Option<i64>,
    /// Maximum length of tag values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Cloud Logging settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging: Option<StackdriverLogging>,
}

/// Cloud Logging settings of a [`StackdriverProvider`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StackdriverLogging {
    /// Extra labels (values are CEL expressions) added to log entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Deprecated: OpenCensus agent tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenCensusAgentTracingProvider {
    /// Host of the OpenCensus agent.
    #[serde(default)]
    pub service: String,
    /// Port of the agent.
    #[serde(default)]
    pub port: u32,
    /// Trace context headers propagated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub context: Vec<OpenCensusTraceContext>,
    /// Maximum length of tag values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
}

/// A trace context format of the OpenCensus provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OpenCensusTraceContext {
    /// Unspecified.
    #[default]
    Unspecified,
    /// W3C `traceparent`.
    W3cTraceContext,
    /// gRPC binary `grpc-trace-bin`.
    GrpcBin,
    /// Google `x-cloud-trace-context`.
    CloudTraceContext,
    /// Zipkin B3.
    B3,
}

/// OpenTelemetry tracing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OpenTelemetryTracingProvider {
    /// Host of the OpenTelemetry collector.
    #[serde(default)]
    pub service: String,
    /// Port of the collector.
    #[serde(default)]
    pub port: u32,
    /// Maximum length of tag values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tag_length: Option<u32>,
    /// Export over OTLP/HTTP with these settings (gRPC when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpService>,
    /// Settings of OTLP/gRPC export.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grpc: Option<GrpcService>,
    /// Resource detectors that add resource attributes to spans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_detectors: Option<ResourceDetectors>,
    /// How the service name and attributes are derived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_attribute_enrichment: Option<ServiceAttributeEnrichment>,
    /// The Dynatrace sampler (the one-member proto `oneof sampling`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynatrace_sampler: Option<DynatraceSampler>,
}

/// How an OpenTelemetry provider names services.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServiceAttributeEnrichment {
    /// Istio's canonical service name (the default).
    #[default]
    IstioCanonical,
    /// OpenTelemetry semantic conventions.
    OtelSemanticConventions,
}

/// The Dynatrace sampler.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DynatraceSampler {
    /// Dynatrace tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Dynatrace cluster id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<i32>,
    /// Number of root spans sampled per minute (default 1000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root_spans_per_minute: Option<u32>,
    /// The Dynatrace API the sampler reads its configuration from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_service: Option<DynatraceApi>,
}

/// The Dynatrace API endpoint of a [`DynatraceSampler`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DynatraceApi {
    /// Host of the API.
    #[serde(default)]
    pub service: String,
    /// Port of the API.
    #[serde(default)]
    pub port: u32,
    /// HTTP settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpService>,
}

/// Resource detectors of an OpenTelemetry provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDetectors {
    /// Reads `OTEL_RESOURCE_ATTRIBUTES`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<EmptyMessage>,
    /// Reads Dynatrace host enrichment files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dynatrace: Option<EmptyMessage>,
}

/// A message without fields, present or absent (`{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EmptyMessage {}

/// Prometheus metrics (no settings).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PrometheusMetricsProvider {}

/// HTTP export settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpService {
    /// Request path, such as `/v1/traces`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Request timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Headers added to requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HttpHeader>,
}

/// gRPC export settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrpcService {
    /// Request timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Metadata added to requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub initial_metadata: Vec<HttpHeader>,
}

/// A header added to export requests, with a fixed value or one read from the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "HttpHeaderWire", into = "HttpHeaderWire")]
pub struct HttpHeader {
    /// Header name.
    pub name: String,
    /// Header value (the proto `oneof header_value`).
    pub header_value: Option<HttpHeaderValue>,
}

/// The value of an [`HttpHeader`] (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum HttpHeaderValue {
    /// A fixed value.
    Value(String),
    /// The name of an environment variable of Istiod holding the value.
    EnvName(String),
}

#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "HttpHeader")]
struct HttpHeaderWire {
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    env_name: Option<String>,
}

impl TryFrom<HttpHeaderWire> for HttpHeader {
    type Error = String;

    fn try_from(w: HttpHeaderWire) -> Result<Self, String> {
        let header_value = match (w.value, w.env_name) {
            (Some(_), Some(_)) => {
                return Err(format!("header {:?} may set only one of value, envName", w.name));
            }
            (Some(v), None) => Some(HttpHeaderValue::Value(v)),
            (None, Some(e)) => Some(HttpHeaderValue::EnvName(e)),
            (None, None) => None,
        };
        Ok(Self { name: w.name, header_value })
    }
}

impl From<HttpHeader> for HttpHeaderWire {
    fn from(h: HttpHeader) -> Self {
        let (value, env_name) = match h.header_value {
            Some(HttpHeaderValue::Value(v)) => (Some(v), None),
            Some(HttpHeaderValue::EnvName(e)) => (None, Some(e)),
            None => (None, None),
        };
        Self { name: h.name, value, env_name }
    }
}

/// Envoy access log to a file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyFileAccessLogProvider {
    /// File path, such as `/dev/stdout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Log format; Istio's default text format when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<FileLogFormat>,
    /// Whether empty values are omitted from the log line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub omit_empty_values: Option<bool>,
}

/// The format of a file access log (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum FileLogFormat {
    /// A text format string of Envoy command operators.
    Text(String),
    /// JSON log entries: key to command operator (a `google.protobuf.Struct`).
    Labels(serde_json::Map<String, serde_json::Value>),
}

/// Envoy HTTP gRPC access log service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyHttpGrpcV3LogProvider {
    /// Host of the log service.
    #[serde(default)]
    pub service: String,
    /// Port of the log service.
    #[serde(default)]
    pub port: u32,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Filter state objects logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter_state_objects_to_log: Vec<String>,
    /// Extra request headers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_request_headers_to_log: Vec<String>,
    /// Extra response headers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_response_headers_to_log: Vec<String>,
    /// Extra response trailers logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub additional_response_trailers_to_log: Vec<String>,
}

/// Envoy TCP gRPC access log service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyTcpGrpcV3LogProvider {
    /// Host of the log service.
    #[serde(default)]
    pub service: String,
    /// Port of the log service.
    #[serde(default)]
    pub port: u32,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Filter state objects logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter_state_objects_to_log: Vec<String>,
}

/// Envoy OpenTelemetry access log service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvoyOpenTelemetryLogProvider {
    /// Host of the OpenTelemetry collector.
    #[serde(default)]
    pub service: String,
    /// Port of the collector.
    #[serde(default)]
    pub port: u32,
    /// Log name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
    /// Log body and attributes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_format: Option<OtelLogFormat>,
}

/// The body and attributes of OpenTelemetry access log records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OtelLogFormat {
    /// Body: a text format string of Envoy command operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Attributes: key to command operator (a `google.protobuf.Struct`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A Secret Discovery Service provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SdsProvider {
    /// Name of the SDS resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Host of the SDS server.
    #[serde(default)]
    pub service: String,
    /// Port of the SDS server.
    #[serde(default)]
    pub port: u32,
}

// === effective values ===

/// Istio's default extension providers, which configured ones are merged into by name.
static DEFAULT_EXTENSION_PROVIDERS: LazyLock<Vec<ExtensionProvider>> = LazyLock::new(|| {
    vec![
        ExtensionProvider {
            name: "prometheus".into(),
            provider: Some(Provider::Prometheus(PrometheusMetricsProvider {})),
        },
        ExtensionProvider {
            name: "stackdriver".into(),
            provider: Some(Provider::Stackdriver(StackdriverProvider::default())),
        },
        ExtensionProvider {
            name: "envoy".into(),
            provider: Some(Provider::EnvoyFileAccessLog(EnvoyFileAccessLogProvider {
                path: Some("/dev/stdout".into()),
                ..Default::default()
            })),
        },
    ]
});

static DEFAULT_EXPORT_TO: LazyLock<Vec<String>> = LazyLock::new(|| vec!["*".to_string()]);

impl MeshConfig {
    /// Istio's `DefaultMeshConfig` written out: every field that Istio defaults is set, so
    /// serialising it gives the effective defaults (ProxyConfig excepted).
    pub fn istio_defaults() -> Self {
        Self {
            proxy_listen_port: Some(15001),
            proxy_inbound_listen_port: Some(15006),
            connect_timeout: Some(Duration::from_secs(10)),
            protocol_detection_timeout: Some(Duration::from_secs(0)),
            ingress_class: Some(DEFAULT_INGRESS_CLASS.into()),
            ingress_service: Some(DEFAULT_INGRESS_SERVICE.into()),
            ingress_controller_mode: Some(IngressControllerMode::Strict),
            enable_tracing: Some(true),
            access_log_file: Some(String::new()),
            access_log_format: Some(String::new()),
            access_log_encoding: Some(AccessLogEncoding::Text),
            enable_envoy_access_log_service: Some(false),
            outbound_traffic_policy: Some(OutboundTrafficPolicy {
                mode: Some(OutboundTrafficPolicyMode::AllowAny),
                tls: None,
            }),
            inbound_traffic_policy: Some(InboundTrafficPolicy {
                mode: Some(InboundTrafficPolicyMode::Passthrough),
            }),
            enable_auto_mtls: Some(true),
            trust_domain: Some(DEFAULT_TRUST_DOMAIN.into()),
            default_service_export_to: Some(DEFAULT_EXPORT_TO.clone()),
            default_virtual_service_export_to: Some(DEFAULT_EXPORT_TO.clone()),
            default_destination_rule_export_to: Some(DEFAULT_EXPORT_TO.clone()),
            root_namespace: Some(DEFAULT_ROOT_NAMESPACE.into()),
            locality_lb_setting: Some(LocalityLoadBalancerSetting {
                enabled: Some(true),
                ..Default::default()
            }),
            dns_refresh_rate: Some(Duration::from_secs(60)),
            enable_prometheus_merge: Some(true),
            default_providers: Some(DefaultProviders::default()),
            extension_providers: DEFAULT_EXTENSION_PROVIDERS.clone(),
            ..Self::default()
        }
    }

    /// The root namespace, whose config applies mesh-wide (default `istio-system`).
    pub fn root_namespace(&self) -> &str {
        self.root_namespace.as_deref().unwrap_or(DEFAULT_ROOT_NAMESPACE)
    }

    /// The trust domain (default `cluster.local`).
    pub fn trust_domain(&self) -> &str {
        self.trust_domain.as_deref().unwrap_or(DEFAULT_TRUST_DOMAIN)
    }

    /// The trust domain aliases, sorted and de-duplicated as Istio stores them.
    pub fn trust_domain_aliases(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.trust_domain_aliases.iter().map(String::as_str).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The outbound traffic mode: `ALLOW_ANY` when `outboundTrafficPolicy` is absent,
    /// `REGISTRY_ONLY` when it is present without a mode.
    pub fn outbound_traffic_policy(&self) -> OutboundTrafficPolicyMode {
        match &self.outbound_traffic_policy {
            None => OutboundTrafficPolicyMode::AllowAny,
            Some(p) => p.mode.unwrap_or_default(),
        }
    }

    /// The inbound traffic mode (default `PASSTHROUGH`).
    pub fn inbound_traffic_policy(&self) -> InboundTrafficPolicyMode {
        self.inbound_traffic_policy.as_ref().and_then(|p| p.mode).unwrap_or_default()
    }

    /// The path normalisation Istio applies: `BASE` when unset or `DEFAULT`.
    pub fn path_normalization(&self) -> PathNormalization {
        self.path_normalization.as_ref().and_then(|p| p.normalization).unwrap_or_default().effective()
    }

    /// Whether auto mTLS is on (default true).
    pub fn enable_auto_mtls(&self) -> bool {
        self.enable_auto_mtls.unwrap_or(true)
    }

    /// Whether tracing is on (default true).
    pub fn enable_tracing(&self) -> bool {
        self.enable_tracing.unwrap_or(true)
    }

    /// Whether Prometheus metrics merging is on (default true).
    pub fn enable_prometheus_merge(&self) -> bool {
        self.enable_prometheus_merge.unwrap_or(true)
    }

    /// The Kubernetes Ingress class Istio serves (default `istio`).
    pub fn ingress_class(&self) -> &str {
        self.ingress_class.as_deref().unwrap_or(DEFAULT_INGRESS_CLASS)
    }

    /// The Kubernetes Ingress mode (default `STRICT`).
    pub fn ingress_controller_mode(&self) -> IngressControllerMode {
        self.ingress_controller_mode.unwrap_or(IngressControllerMode::Strict)
    }

    /// The Service whose address Ingress status reports (default `istio-ingressgateway`).
    pub fn ingress_service(&self) -> &str {
        self.ingress_service.as_deref().unwrap_or(DEFAULT_INGRESS_SERVICE)
    }

    /// The upstream connect timeout (default 10s).
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout.unwrap_or(Duration::from_secs(10))
    }

    /// The protocol sniffing timeout (default 0s, no timeout).
    pub fn protocol_detection_timeout(&self) -> Duration {
        self.protocol_detection_timeout.unwrap_or_default()
    }

    /// The DNS refresh rate (default 60s).
    pub fn dns_refresh_rate(&self) -> Duration {
        self.dns_refresh_rate.unwrap_or(Duration::from_secs(60))
    }

    /// The access log file; empty (the default) means access logging is off.
    pub fn access_log_file(&self) -> &str {
        self.access_log_file.as_deref().unwrap_or("")
    }

    /// The access log encoding (default `TEXT`).
    pub fn access_log_encoding(&self) -> AccessLogEncoding {
        self.access_log_encoding.unwrap_or_default()
    }

    /// The HTTP/2 upgrade policy (default `DO_NOT_UPGRADE`).
    pub fn h2_upgrade_policy(&self) -> H2UpgradePolicy {
        self.h2_upgrade_policy.unwrap_or_default()
    }

    /// Default `exportTo` of Services and ServiceEntries (default `["*"]`).
    pub fn default_service_export_to(&self) -> &[String] {
        self.default_service_export_to.as_deref().unwrap_or(&DEFAULT_EXPORT_TO)
    }

    /// Default `exportTo` of VirtualServices (default `["*"]`).
    pub fn default_virtual_service_export_to(&self) -> &[String] {
        self.default_virtual_service_export_to.as_deref().unwrap_or(&DEFAULT_EXPORT_TO)
    }

    /// Default `exportTo` of DestinationRules (default `["*"]`).
    pub fn default_destination_rule_export_to(&self) -> &[String] {
        self.default_destination_rule_export_to.as_deref().unwrap_or(&DEFAULT_EXPORT_TO)
    }

    /// The mesh-wide locality load balancing setting (default `{enabled: true}`).
    pub fn locality_lb_setting(&self) -> LocalityLoadBalancerSetting {
        self.locality_lb_setting
            .clone()
            .unwrap_or_else(|| LocalityLoadBalancerSetting { enabled: Some(true), ..Default::default() })
    }

    /// The retry policy of routes without one: the configured policy, else Istio's default
    /// (2 attempts on `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`).
    pub fn default_http_retry_policy(&self) -> HttpRetry {
        self.default_http_retry_policy.clone().unwrap_or_else(|| HttpRetry {
            attempts: Some(DEFAULT_RETRY_ATTEMPTS),
            retry_on: Some(DEFAULT_RETRY_ON.to_string()),
            ..Default::default()
        })
    }

    /// The default providers (empty lists unless configured).
    pub fn default_providers(&self) -> DefaultProviders {
        self.default_providers.clone().unwrap_or_default()
    }

    /// The extension provider named `name`: a configured one (the last of that name wins,
    /// as Istio's merge does), else one of Istio's defaults `prometheus`, `stackdriver`, `envoy`.
    pub fn extension_provider(&self, name: &str) -> Option<&ExtensionProvider> {
        self.extension_providers
            .iter()
            .rev()
            .find(|p| p.name == name)
            .or_else(|| DEFAULT_EXTENSION_PROVIDERS.iter().find(|p| p.name == name))
    }

    /// Every extension provider after Istio's merge: the defaults first (a configured provider
    /// of the same name replaces a default's settings), then configured ones in order.
    pub fn effective_extension_providers(&self) -> Vec<ExtensionProvider> {
        let mut out: Vec<ExtensionProvider> = DEFAULT_EXTENSION_PROVIDERS.clone();
        for p in &self.extension_providers {
            match out.iter_mut().find(|e| e.name == p.name) {
                Some(e) => e.provider = p.provider.clone(),
                None => out.push(p.clone()),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `data.mesh` as Istio's demo profile and a typical production install write it.
    const MESH: &str = r#"
accessLogFile: /dev/stdout
accessLogEncoding: JSON
defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
  proxyMetadata:
    ISTIO_META_DNS_CAPTURE: "true"
  tracing:
    zipkin:
      address: zipkin.istio-system:9411
enablePrometheusMerge: true
rootNamespace: istio-config
trustDomain: example.org
trustDomainAliases: [old.example.org, legacy.example.org, old.example.org]
outboundTrafficPolicy:
  mode: REGISTRY_ONLY
pathNormalization:
  normalization: MERGE_SLASHES
meshMTLS:
  minProtocolVersion: TLSV1_3
tlsDefaults:
  ecdhCurves: [P-256]
  cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384]
discoverySelectors:
- matchLabels:
    istio-discovery: enabled
- matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: In
    values: [istio-system, apps]
localityLbSetting:
  enabled: true
  failover:
  - from: us-east
    to: us-west
defaultHttpRetryPolicy:
  attempts: 3
  retryOn: 5xx,connect-failure
defaultProviders:
  metrics: [prometheus]
  accessLogging: [envoy, otel]
serviceSettings:
- settings:
    clusterLocal: true
  hosts: ["*.kube-system.svc.cluster.local"]
caCertificates:
- spiffeBundleUrl: https://bundle.example.org
  trustDomains: [example.org]
extensionProviders:
- name: otel
  envoyOtelAls:
    service: opentelemetry-collector.observability.svc.cluster.local
    port: 4317
    logFormat:
      labels:
        path: "%REQ(:PATH)%"
- name: otel-tracing
  opentelemetry:
    port: 4317
    service: opentelemetry-collector.observability.svc.cluster.local
    http:
      path: /v1/traces
      timeout: 5s
      headers:
      - name: x-api-key
        envName: OTEL_API_KEY
    resourceDetectors:
      environment: {}
- name: zipkin
  zipkin:
    service: zipkin.istio-system.svc.cluster.local
    port: 9411
    enable64bitTraceId: true
    traceContextOption: USE_B3_WITH_W3C_PROPAGATION
- name: ext-authz
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: 8000
    timeout: 0.5s
    pathPrefix: /check
    failOpen: false
    statusOnError: "503"
    includeRequestHeadersInCheck: [x-ext-authz, cookie]
    includeAdditionalHeadersInCheck:
      x-ext-authz-additional: value
    includeRequestBodyInCheck:
      maxRequestBytes: 4096
      allowPartialMessage: true
    headersToUpstreamOnAllow: [x-user]
    headersToDownstreamOnDeny: [content-type, set-cookie]
    headersToDownstreamOnAllow: [set-cookie]
- name: ext-authz-grpc
  envoyExtAuthzGrpc:
    service: ext-authz.foo.svc.cluster.local
    port: 9000
- name: envoy
  envoyFileAccessLog:
    path: /var/log/access.log
    logFormat:
      text: "[%START_TIME%] %REQ(:METHOD)%\n"
- name: future
  someProviderFromTheFuture:
    endpoint: x
"#;

    /// YAML -> JSON value -> MeshConfig (externally tagged enums as single-key maps).
    fn try_parse(yaml: &str) -> Result<MeshConfig, serde_json::Error> {
        let value: serde_json::Value = serde_yaml_ng::from_str(yaml).expect("YAML parses");
        serde_json::from_value(value)
    }

    fn parse(yaml: &str) -> MeshConfig {
        try_parse(yaml).expect("mesh config decodes")
    }

    #[test]
    fn empty_mesh_config_has_istio_defaults() {
        let m = parse("{}");
        assert_eq!(m, MeshConfig::default());
        assert_eq!(m.root_namespace(), "istio-system");
        assert_eq!(m.trust_domain(), "cluster.local");
        assert!(m.trust_domain_aliases().is_empty());
        assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::AllowAny);
        assert_eq!(m.inbound_traffic_policy(), InboundTrafficPolicyMode::Passthrough);
        assert_eq!(m.path_normalization(), PathNormalization::Base);
        assert!(m.enable_auto_mtls());
        assert!(m.enable_tracing());
        assert!(m.enable_prometheus_merge());
        assert_eq!(m.ingress_class(), "istio");
        assert_eq!(m.ingress_service(), "istio-ingressgateway");
        assert_eq!(m.ingress_controller_mode(), IngressControllerMode::Strict);
        assert_eq!(m.connect_timeout(), Duration::from_secs(10));
        assert_eq!(m.protocol_detection_timeout(), Duration::from_secs(0));
        assert_eq!(m.dns_refresh_rate(), Duration::from_secs(60));
        assert_eq!(m.access_log_file(), "");
        assert_eq!(m.access_log_encoding(), AccessLogEncoding::Text);
        assert_eq!(m.h2_upgrade_policy(), H2UpgradePolicy::DoNotUpgrade);
        assert_eq!(m.default_service_export_to(), ["*"]);
        assert_eq!(m.default_virtual_service_export_to(), ["*"]);
        assert_eq!(m.default_destination_rule_export_to(), ["*"]);
        assert_eq!(m.locality_lb_setting().enabled, Some(true));
        let retry = m.default_http_retry_policy();
        assert_eq!(retry.attempts, Some(2));
        assert_eq!(
            retry.retry_on.as_deref(),
            Some("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
        );
        assert_eq!(m.default_providers(), DefaultProviders::default());
        let names: Vec<String> = m.effective_extension_providers().into_iter().map(|p| p.name).collect();
        assert_eq!(names, ["prometheus", "stackdriver", "envoy"]);
        assert!(matches!(
            m.extension_provider("envoy").and_then(|p| p.provider.as_ref()),
            Some(Provider::EnvoyFileAccessLog(f)) if f.path.as_deref() == Some("/dev/stdout")
        ));
        assert!(m.extension_provider("nope").is_none());
        // Unset fields are omitted.
        assert_eq!(serde_json::to_string(&m).expect("serialises"), "{}");
    }

    #[test]
    fn istio_defaults_agree_with_accessors() {
        let d = MeshConfig::istio_defaults();
        let e = MeshConfig::default();
        assert_eq!(d.root_namespace(), e.root_namespace());
        assert_eq!(d.outbound_traffic_policy(), e.outbound_traffic_policy());
        assert_eq!(d.ingress_controller_mode(), e.ingress_controller_mode());
        assert_eq!(d.locality_lb_setting(), e.locality_lb_setting());
        assert_eq!(d.effective_extension_providers(), e.effective_extension_providers());
        assert_eq!(d.default_service_export_to(), e.default_service_export_to());
        let json = serde_json::to_value(&d).expect("serialises");
        assert_eq!(json["outboundTrafficPolicy"]["mode"], "ALLOW_ANY");
        assert_eq!(json["connectTimeout"], "10s");
        assert_eq!(json["extensionProviders"][2]["envoyFileAccessLog"]["path"], "/dev/stdout");
        let back: MeshConfig = serde_json::from_value(json).expect("round-trips");
        assert_eq!(back, d);
    }

    #[test]
    fn realistic_mesh_config() {
        let m = parse(MESH);
        assert_eq!(m.root_namespace(), "istio-config");
        assert_eq!(m.trust_domain(), "example.org");
        assert_eq!(m.trust_domain_aliases(), ["legacy.example.org", "old.example.org"]);
        assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::RegistryOnly);
        assert_eq!(m.path_normalization(), PathNormalization::MergeSlashes);
        assert_eq!(m.access_log_file(), "/dev/stdout");
        assert_eq!(m.access_log_encoding(), AccessLogEncoding::Json);
        assert_eq!(m.mesh_mtls.as_ref().and_then(|t| t.min_protocol_version), Some(TlsProtocol::TlsV1_3));
        assert_eq!(m.discovery_selectors.len(), 2);
        assert_eq!(m.discovery_selectors[1].match_expressions[0].values, ["istio-system", "apps"]);
        assert_eq!(m.locality_lb_setting().failover.len(), 1);
        assert_eq!(m.default_http_retry_policy().attempts, Some(3));
        assert_eq!(m.default_providers().access_logging, ["envoy", "otel"]);
        assert!(matches!(
            m.ca_certificates[0].certificate_data,
            Some(CertificateSource::SpiffeBundleUrl(ref u)) if u == "https://bundle.example.org"
        ));
        assert_eq!(
            m.default_config.as_ref().and_then(|c| c.get("discoveryAddress")).and_then(|v| v.as_str()),
            Some("istiod.istio-system.svc:15012")
        );

        // Extension providers: typed, merged by name into the defaults, unknown kinds kept.
        let Some(Provider::EnvoyExtAuthzHttp(authz)) =
            m.extension_provider("ext-authz").and_then(|p| p.provider.clone())
        else {
            panic!("ext-authz is an HTTP ext_authz provider");
        };
        assert_eq!(authz.port, 8000);
        assert_eq!(authz.timeout, Some(Duration::from_millis(500)));
        assert_eq!(authz.status_on_error.as_deref(), Some("503"));
        assert_eq!(authz.include_additional_headers_in_check["x-ext-authz-additional"], "value");
        assert_eq!(authz.include_request_body_in_check.and_then(|b| b.max_request_bytes), Some(4096));
        assert_eq!(authz.headers_to_downstream_on_deny, ["content-type", "set-cookie"]);
        let Some(Provider::Opentelemetry(otel)) =
            m.extension_provider("otel-tracing").and_then(|p| p.provider.clone())
        else {
            panic!("otel-tracing is an OpenTelemetry provider");
        };
        let http = otel.http.expect("http settings");
        assert_eq!(http.headers[0].header_value, Some(HttpHeaderValue::EnvName("OTEL_API_KEY".into())));
        assert!(otel.resource_detectors.and_then(|r| r.environment).is_some());
        assert!(matches!(
            m.extension_provider("zipkin").and_then(|p| p.provider.as_ref()),
            Some(Provider::Zipkin(z)) if z.enable_64bit_trace_id == Some(true)
                && z.trace_context_option == Some(ZipkinTraceContextOption::UseB3WithW3cPropagation)
        ));
        // The configured `envoy` replaces the default's settings.
        assert!(matches!(
            m.extension_provider("envoy").and_then(|p| p.provider.as_ref()),
            Some(Provider::EnvoyFileAccessLog(f)) if f.path.as_deref() == Some("/var/log/access.log")
                && matches!(f.log_format, Some(FileLogFormat::Text(_)))
        ));
        assert!(m.extension_provider("prometheus").is_some());
        let future = m.extension_provider("future").expect("unknown provider kinds are kept by name");
        assert_eq!(future.provider, None);
        let names: Vec<String> = m.effective_extension_providers().into_iter().map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "prometheus",
                "stackdriver",
                "envoy",
                "otel",
                "otel-tracing",
                "zipkin",
                "ext-authz",
                "ext-authz-grpc",
                "future"
            ]
        );

        // Load -> serialise -> load gives an equal value.
        let json = serde_json::to_string(&m).expect("serialises");
        assert!(json.contains("\"meshMTLS\""), "{json}");
        assert!(json.contains("\"enable64bitTraceId\":true"), "{json}");
        assert_eq!(serde_json::from_str::<MeshConfig>(&json).expect("reloads"), m);
    }

    #[test]
    fn present_fields_replace_defaults_wholesale() {
        // Istio overlays the YAML on its defaults field by field: a present message replaces
        // the default, so its unset fields take the proto zero value.
        let m = parse(
            "outboundTrafficPolicy: {}\npathNormalization:\n  normalization: DEFAULT\ningressControllerMode: UNSPECIFIED\nenableAutoMtls: false\ndefaultServiceExportTo: []\n",
        );
        assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::RegistryOnly);
        assert_eq!(m.path_normalization(), PathNormalization::Base);
        assert_eq!(m.ingress_controller_mode(), IngressControllerMode::Unspecified);
        assert!(!m.enable_auto_mtls());
        assert!(m.default_service_export_to().is_empty());
        let m = parse(
            "outboundTrafficPolicy:\n  mode: ALLOW_ANY_DYNAMIC_DNS\npathNormalization:\n  normalization: NONE\n",
        );
        assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::AllowAnyDynamicDns);
        assert_eq!(m.path_normalization(), PathNormalization::None);
    }

    #[test]
    fn oneofs_reject_two_members() {
        for yaml in [
            "extensionProviders:\n- name: x\n  zipkin: {service: a, port: 1}\n  datadog: {service: a, port: 1}\n",
            "caCertificates:\n- pem: abc\n  spiffeBundleUrl: https://x\n",
            "extensionProviders:\n- name: x\n  opentelemetry:\n    service: a\n    port: 1\n    grpc:\n      initialMetadata:\n      - name: h\n        value: v\n        envName: E\n",
        ] {
            assert!(try_parse(yaml).is_err(), "{yaml}");
        }
    }

    #[test]
    fn schema_has_wire_names() {
        let schema = serde_json::to_string(&schemars::schema_for!(MeshConfig)).expect("schema");
        for name in [
            "\"meshMTLS\"",
            "\"envoyExtAuthzHttp\"",
            "\"includeAdditionalHeadersInCheck\"",
            "\"spiffeBundleUrl\"",
            "\"envName\"",
            "\"enable64bitTraceId\"",
            "\"discoverySelectors\"",
        ] {
            assert!(schema.contains(name), "schema lacks {name}");
        }
    }
}
