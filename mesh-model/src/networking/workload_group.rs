//! A WorkloadGroup: a template for WorkloadEntries.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::networking::WorkloadEntrySpec;
use crate::object::IstioObject;

/// A WorkloadGroup: a template for WorkloadEntries.
pub type WorkloadGroup = IstioObject<WorkloadGroupSpec>;

/// The `spec` of a [`WorkloadGroup`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadGroupSpec {
    /// Labels and annotations copied to every generated WorkloadEntry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<WorkloadGroupObjectMeta>,
    /// Template of the generated WorkloadEntries (required); `address` is filled in at
    /// registration time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<WorkloadEntrySpec>,
    /// Readiness probe the proxy runs against the workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<ReadinessProbe>,
}

/// Metadata given to every WorkloadEntry of a WorkloadGroup.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadGroupObjectMeta {
    /// Labels of the generated entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the generated entries.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// How the proxy health-checks a workload of a WorkloadGroup.
///
/// On the wire the check method is one of the sibling fields `httpGet`, `tcpSocket`, `exec`
/// or `grpc`; here it is [`HealthCheckMethod`]. Setting more than one fails to decode.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "ReadinessProbeWire", into = "ReadinessProbeWire")]
pub struct ReadinessProbe {
    /// Seconds after the workload starts before probing begins.
    pub initial_delay_seconds: Option<i32>,
    /// Seconds after which a probe attempt times out.
    pub timeout_seconds: Option<i32>,
    /// Seconds between probes.
    pub period_seconds: Option<i32>,
    /// Consecutive successes needed to become ready after a failure.
    pub success_threshold: Option<i32>,
    /// Consecutive failures needed to become unready after a success.
    pub failure_threshold: Option<i32>,
    /// The check performed; `None` when no method is set (which Istio rejects).
    pub health_check_method: Option<HealthCheckMethod>,
}

/// The check a [`ReadinessProbe`] performs (proto oneof `health_check_method`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum HealthCheckMethod {
    /// An HTTP GET; a 2xx/3xx status is healthy.
    HttpGet(HttpHealthCheckConfig),
    /// A TCP connect; connecting is healthy.
    TcpSocket(TcpHealthCheckConfig),
    /// A command run by the agent; exit status 0 is healthy.
    Exec(ExecHealthCheckConfig),
    /// A gRPC health-check call.
    Grpc(GrpcHealthCheckConfig),
}

/// An HTTP GET readiness check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpHealthCheckConfig {
    /// Path to request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Port to connect to (required).
    #[serde(default)]
    pub port: u32,
    /// Host name to connect to; defaults to the workload's IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `HTTP` (default) or `HTTPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Headers sent with the request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_headers: Vec<HttpHeader>,
}

/// A header sent by an HTTP readiness check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpHeader {
    /// Header name, `[-A-Za-z0-9]+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Header value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// A TCP connect readiness check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpHealthCheckConfig {
    /// Host to connect to; defaults to the workload's IP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Port to connect to (required).
    #[serde(default)]
    pub port: u32,
}

/// A command readiness check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExecHealthCheckConfig {
    /// The command and its arguments (required).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
}

/// A gRPC readiness check (grpc.health.v1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GrpcHealthCheckConfig {
    /// Port to call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Service name sent in the health-check request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
}

/// The wire form of [`ReadinessProbe`]: the oneof members as sibling fields.
#[derive(Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(rename = "ReadinessProbe")]
struct ReadinessProbeWire {
    /// Seconds after the workload starts before probing begins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initial_delay_seconds: Option<i32>,
    /// Seconds after which a probe attempt times out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timeout_seconds: Option<i32>,
    /// Seconds between probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    period_seconds: Option<i32>,
    /// Consecutive successes needed to become ready after a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    success_threshold: Option<i32>,
    /// Consecutive failures needed to become unready after a success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failure_threshold: Option<i32>,
    /// An HTTP GET check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_get: Option<HttpHealthCheckConfig>,
    /// A TCP connect check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tcp_socket: Option<TcpHealthCheckConfig>,
    /// A command check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exec: Option<ExecHealthCheckConfig>,
    /// A gRPC check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grpc: Option<GrpcHealthCheckConfig>,
}

impl TryFrom<ReadinessProbeWire> for ReadinessProbe {
    type Error = String;

    fn try_from(w: ReadinessProbeWire) -> Result<Self, String> {
        let mut methods = Vec::new();
        if let Some(h) = w.http_get {
            methods.push(HealthCheckMethod::HttpGet(h));
        }
        if let Some(t) = w.tcp_socket {
            methods.push(HealthCheckMethod::TcpSocket(t));
        }
        if let Some(e) = w.exec {
            methods.push(HealthCheckMethod::Exec(e));
        }
        if let Some(g) = w.grpc {
            methods.push(HealthCheckMethod::Grpc(g));
        }
        if methods.len() > 1 {
            return Err("only one of httpGet, tcpSocket, exec or grpc may be set in a probe".to_string());
        }
        Ok(Self {
            initial_delay_seconds: w.initial_delay_seconds,
            timeout_seconds: w.timeout_seconds,
            period_seconds: w.period_seconds,
            success_threshold: w.success_threshold,
            failure_threshold: w.failure_threshold,
            health_check_method: methods.pop(),
        })
    }
}

impl From<ReadinessProbe> for ReadinessProbeWire {
    fn from(p: ReadinessProbe) -> Self {
        let mut w = Self {
            initial_delay_seconds: p.initial_delay_seconds,
            timeout_seconds: p.timeout_seconds,
            period_seconds: p.period_seconds,
            success_threshold: p.success_threshold,
            failure_threshold: p.failure_threshold,
            ..Self::default()
        };
        match p.health_check_method {
            Some(HealthCheckMethod::HttpGet(h)) => w.http_get = Some(h),
            Some(HealthCheckMethod::TcpSocket(t)) => w.tcp_socket = Some(t),
            Some(HealthCheckMethod::Exec(e)) => w.exec = Some(e),
            Some(HealthCheckMethod::Grpc(g)) => w.grpc = Some(g),
            None => {}
        }
        w
    }
}
