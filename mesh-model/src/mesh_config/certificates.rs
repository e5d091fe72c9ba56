//! Config sources, certificates and the external CA of a [`MeshConfig`](super::MeshConfig).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Duration;
use crate::networking::ClientTlsSettings;

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
