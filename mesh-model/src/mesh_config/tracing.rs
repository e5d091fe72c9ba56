//! Tracing extension providers.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::Duration;

use super::{EmptyMessage, GrpcService, HttpHeader, HttpService};

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
