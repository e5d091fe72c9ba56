//! Access logging extension providers.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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
