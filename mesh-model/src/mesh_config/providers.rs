//! [`ExtensionProvider`] and the provider types that are neither tracing nor access logging.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Duration;

use super::{
    DatadogTracingProvider, EnvoyFileAccessLogProvider, EnvoyHttpGrpcV3LogProvider,
    EnvoyOpenTelemetryLogProvider, EnvoyTcpGrpcV3LogProvider, LightstepTracingProvider,
    OpenCensusAgentTracingProvider, OpenTelemetryTracingProvider, SkyWalkingTracingProvider,
    StackdriverProvider, ZipkinTracingProvider,
};

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
