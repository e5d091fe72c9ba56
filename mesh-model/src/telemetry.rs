//! A Telemetry resource: metrics, tracing and access logging settings.
//!
//! Mirrors istio/api `telemetry/v1alpha1/telemetry.proto`, served as `telemetry.istio.io/v1`
//! and `v1alpha1` with the same schema.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Duration, PolicyTargetReference, WorkloadSelector};
use crate::object::IstioObject;

/// A Telemetry resource: metrics, tracing and access logging settings.
pub type Telemetry = IstioObject<TelemetrySpec>;

/// The `spec` of a [`Telemetry`].
///
/// A Telemetry in the root namespace without a selector applies mesh-wide, one in another
/// namespace without a selector applies to that namespace, and one with a `selector` or
/// `targetRef(s)` applies to the selected workloads only. At most one of `selector`,
/// `targetRef` and `targetRefs` may be set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TelemetrySpec {
    /// Workloads (by label) this Telemetry applies to; absent means the whole namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// A single resource (Gateway, Service, ...) this Telemetry attaches to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// Resources (at most 16) this Telemetry attaches to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// Tracing settings; Istio supports one entry (more are warned about).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracing: Vec<Tracing>,
    /// Metrics settings, one entry per provider set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Metrics>,
    /// Access logging settings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_logging: Vec<AccessLogging>,
}

/// The direction of traffic, relative to the proxied workload, a setting applies to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum WorkloadMode {
    /// Both outbound (client) and inbound (server) traffic; the default.
    #[default]
    ClientAndServer,
    /// Outbound traffic only: the workload acts as a client.
    Client,
    /// Inbound traffic only: the workload acts as a server.
    Server,
}

/// A reference to a provider defined in MeshConfig `extensionProviders`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProviderRef {
    /// Name of the extension provider; required and non-empty.
    #[serde(default)]
    pub name: String,
}

// === tracing ===

/// Tracing settings for the selected workloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tracing {
    /// Traffic direction these settings apply to; absent means client and server.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<TracingSelector>,
    /// Tracing providers; empty means MeshConfig's default tracing provider. Only one is
    /// supported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Percentage (0..=100) of requests without a prior sampling decision that are traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub random_sampling_percentage: Option<f64>,
    /// Whether spans are not reported to the provider (context is still propagated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_span_reporting: Option<bool>,
    /// Tags added to every span, by tag name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_tags: BTreeMap<String, CustomTag>,
    /// Whether the `x-request-id` header drives the sampling decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_request_id_for_trace_sampling: Option<bool>,
    /// Whether Envoy's spans carry Istio-specific tags (defaults to true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_istio_tags: Option<bool>,
    /// Whether trace context headers are not propagated in forwarded requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_context_propagation: Option<bool>,
}

/// Scope of a [`Tracing`] entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TracingSelector {
    /// Traffic direction; absent means client and server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// A tag added to every span. Istio admits an empty tag (`{}`), which sets no value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "CustomTagWire", into = "CustomTagWire")]
pub struct CustomTag {
    /// Where the tag's value comes from (the proto `oneof type`); `None` for `{}`.
    pub tag_type: Option<CustomTagType>,
}

/// The source of a [`CustomTag`]'s value (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum CustomTagType {
    /// A fixed value.
    Literal(LiteralTag),
    /// The value of an environment variable of the proxy.
    Environment(EnvironmentTag),
    /// The value of a request header.
    Header(RequestHeaderTag),
    /// The value of an access-log substitution formatter such as `%REQ(:PATH)%`.
    Formatter(FormatterTag),
}

/// A custom tag with a fixed value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiteralTag {
    /// The tag value; required and non-empty.
    #[serde(default)]
    pub value: String,
}

/// A custom tag read from an environment variable.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentTag {
    /// Name of the environment variable; required and non-empty.
    #[serde(default)]
    pub name: String,
    /// Value used when the variable is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A custom tag read from a request header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestHeaderTag {
    /// Name of the header; required and non-empty.
    #[serde(default)]
    pub name: String,
    /// Value used when the header is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_value: Option<String>,
}

/// A custom tag computed by an access-log substitution formatter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct FormatterTag {
    /// The formatter, such as `%REQ(:PATH)%`; required and non-empty.
    #[serde(default)]
    pub value: String,
}

/// The wire form of [`CustomTag`]: at most one of the four keys.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "CustomTag")]
struct CustomTagWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    literal: Option<LiteralTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<EnvironmentTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    header: Option<RequestHeaderTag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    formatter: Option<FormatterTag>,
}

impl TryFrom<CustomTagWire> for CustomTag {
    type Error = String;

    fn try_from(w: CustomTagWire) -> Result<Self, String> {
        let mut set = Vec::new();
        if let Some(v) = w.literal {
            set.push(CustomTagType::Literal(v));
        }
        if let Some(v) = w.environment {
            set.push(CustomTagType::Environment(v));
        }
        if let Some(v) = w.header {
            set.push(CustomTagType::Header(v));
        }
        if let Some(v) = w.formatter {
            set.push(CustomTagType::Formatter(v));
        }
        if set.len() > 1 {
            return Err("a custom tag may set only one of literal, environment, header, formatter".into());
        }
        Ok(Self { tag_type: set.pop() })
    }
}

impl From<CustomTag> for CustomTagWire {
    fn from(t: CustomTag) -> Self {
        let mut w = Self::default();
        match t.tag_type {
            Some(CustomTagType::Literal(v)) => w.literal = Some(v),
            Some(CustomTagType::Environment(v)) => w.environment = Some(v),
            Some(CustomTagType::Header(v)) => w.header = Some(v),
            Some(CustomTagType::Formatter(v)) => w.formatter = Some(v),
            None => {}
        }
        w
    }
}

// === metrics ===

/// Metrics settings for the selected workloads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    /// Metrics providers; empty means MeshConfig's default metrics providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Per-metric customisations, applied in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<MetricsOverrides>,
    /// How often metrics are reported (at least 1ms); the provider's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting_interval: Option<Duration>,
}

/// Customises, disables or re-tags the metrics a [`MetricSelector`] picks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MetricsOverrides {
    /// Which metrics and traffic direction the override applies to; absent means all.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<MetricSelector>,
    /// Whether the selected metrics are not generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Tag (dimension) changes, by tag name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tag_overrides: BTreeMap<String, TagOverride>,
}

/// Selects metrics by name and traffic direction.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "MetricSelectorWire", into = "MetricSelectorWire")]
pub struct MetricSelector {
    /// The metric (the proto `oneof metric_match`); `None` means all metrics.
    pub metric_match: Option<MetricMatch>,
    /// Traffic direction; absent means client and server.
    pub mode: Option<WorkloadMode>,
}

/// Which metric a [`MetricSelector`] picks (exactly one key on the wire).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum MetricMatch {
    /// One of Istio's standard metrics.
    Metric(IstioMetric),
    /// A metric by its name, without the `istio_` prefix, such as `request_count`.
    CustomMetric(String),
}

/// Istio's standard metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IstioMetric {
    /// Every metric; the default.
    #[default]
    AllMetrics,
    /// `istio_requests_total`.
    RequestCount,
    /// `istio_request_duration_milliseconds`.
    RequestDuration,
    /// `istio_request_bytes`.
    RequestSize,
    /// `istio_response_bytes`.
    ResponseSize,
    /// `istio_tcp_connections_opened_total`.
    TcpOpenedConnections,
    /// `istio_tcp_connections_closed_total`.
    TcpClosedConnections,
    /// `istio_tcp_sent_bytes_total`.
    TcpSentBytes,
    /// `istio_tcp_received_bytes_total`.
    TcpReceivedBytes,
    /// `istio_request_messages_total`.
    GrpcRequestMessages,
    /// `istio_response_messages_total`.
    GrpcResponseMessages,
}

/// The wire form of [`MetricSelector`]: at most one of `metric` and `customMetric`.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "MetricSelector")]
struct MetricSelectorWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metric: Option<IstioMetric>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    custom_metric: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mode: Option<WorkloadMode>,
}

impl TryFrom<MetricSelectorWire> for MetricSelector {
    type Error = String;

    fn try_from(w: MetricSelectorWire) -> Result<Self, String> {
        let metric_match = match (w.metric, w.custom_metric) {
            (Some(_), Some(_)) => {
                return Err("a metric selector may set only one of metric, customMetric".into());
            }
            (Some(m), None) => Some(MetricMatch::Metric(m)),
            (None, Some(c)) => Some(MetricMatch::CustomMetric(c)),
            (None, None) => None,
        };
        Ok(Self { metric_match, mode: w.mode })
    }
}

impl From<MetricSelector> for MetricSelectorWire {
    fn from(s: MetricSelector) -> Self {
        let (metric, custom_metric) = match s.metric_match {
            Some(MetricMatch::Metric(m)) => (Some(m), None),
            Some(MetricMatch::CustomMetric(c)) => (None, Some(c)),
            None => (None, None),
        };
        Self { metric, custom_metric, mode: s.mode }
    }
}

/// A change to one tag of the selected metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TagOverride {
    /// Whether the tag is set or removed; absent means `UPSERT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<TagOperation>,
    /// A CEL expression giving the tag's value; required for `UPSERT`, forbidden for `REMOVE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// What a [`TagOverride`] does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TagOperation {
    /// Adds the tag or replaces its value; the default.
    #[default]
    Upsert,
    /// Removes the tag.
    Remove,
}

// === access logging ===

/// Access logging settings for the selected workloads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogging {
    /// Traffic direction these settings apply to; absent means client and server.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub r#match: Option<LogSelector>,
    /// Logging providers; empty means MeshConfig's default access logging providers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<ProviderRef>,
    /// Whether access logging is turned off for the selected providers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Logs only the requests or connections the filter selects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<AccessLogFilter>,
}

/// Scope of an [`AccessLogging`] entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LogSelector {
    /// Traffic direction; absent means client and server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<WorkloadMode>,
}

/// Selects which requests or connections are logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogFilter {
    /// A CEL expression over Envoy attributes, such as `response.code >= 400`.
    #[serde(default)]
    pub expression: String,
}

// === effective values ===

impl WorkloadMode {
    /// Whether this mode covers outbound (client-side) traffic.
    pub fn covers_client(self) -> bool {
        matches!(self, Self::ClientAndServer | Self::Client)
    }

    /// Whether this mode covers inbound (server-side) traffic.
    pub fn covers_server(self) -> bool {
        matches!(self, Self::ClientAndServer | Self::Server)
    }
}

impl TagOverride {
    /// The operation, `UPSERT` when unset.
    pub fn effective_operation(&self) -> TagOperation {
        self.operation.unwrap_or_default()
    }
}
