//! Traffic policies, path normalization, service settings and visibility of a [`MeshConfig`](super::MeshConfig).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kube::LabelSelector;
use crate::networking::{ClientTlsSettings, ConnectionPoolSettings, OutlierDetection};

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
