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

use std::sync::LazyLock;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Duration;
use crate::kube::LabelSelector;
use crate::networking::{HttpRetry, LocalityLoadBalancerSetting, TcpKeepalive, ZoneAwareLoadBalancerSetting};

mod access_log;
mod certificates;
mod providers;
mod tracing;
mod traffic;

pub use access_log::*;
pub use certificates::*;
pub use providers::*;
pub use tracing::*;
pub use traffic::*;

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
mod tests;
