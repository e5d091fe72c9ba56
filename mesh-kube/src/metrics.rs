//! Istio's standard metrics: the samples a proxy records for one request or connection, with
//! their exact label sets, and a Prometheus text-format rendering of accumulated metrics.
//!
//! HTTP and gRPC requests produce `istio_requests_total`, `istio_request_duration_milliseconds`,
//! `istio_request_bytes` and `istio_response_bytes` (and, for gRPC with message counts,
//! `istio_request_messages_total` and `istio_response_messages_total`); TCP connections
//! produce `istio_tcp_connections_opened_total`, `istio_tcp_connections_closed_total`,
//! `istio_tcp_sent_bytes_total` and `istio_tcp_received_bytes_total`. Labels come in the
//! order the proxy emits them; TCP metrics carry neither `response_code` nor
//! `grpc_response_status`. An unknown value is `unknown`.
//!
//! ```
//! use mesh_kube::metrics::{Registry, RequestRecord};
//! let mut reg = Registry::default();
//! reg.record(&RequestRecord { response_code: 200, ..RequestRecord::default() });
//! let text = reg.render();
//! assert!(text.contains("# TYPE istio_requests_total counter\n"));
//! assert!(text.contains("istio_requests_total{response_code=\"200\",reporter=\"destination\","));
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// Envoy's default histogram buckets, which Istio's histograms use.
pub const DEFAULT_BUCKETS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0,
    300000.0, 600000.0, 1800000.0, 3600000.0,
];

/// Which proxy reports the metric.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reporter {
    /// The client-side proxy.
    Source,
    /// The server-side proxy.
    #[default]
    Destination,
    /// A waypoint proxy (ambient).
    Waypoint,
}

/// The request's protocol as the metric's `request_protocol` label reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// HTTP/1.1 or HTTP/2.
    #[default]
    Http,
    /// gRPC.
    Grpc,
    /// A TCP connection.
    Tcp,
}

/// One side of a request, as the proxies know it from workload metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Peer {
    /// Workload (Deployment) name.
    pub workload: Option<String>,
    /// Workload namespace.
    pub namespace: Option<String>,
    /// Peer identity (`spiffe://...`); only known with mTLS.
    pub principal: Option<String>,
    /// The `app` label.
    pub app: Option<String>,
    /// The `version` label.
    pub version: Option<String>,
    /// `service.istio.io/canonical-name`.
    pub canonical_service: Option<String>,
    /// `service.istio.io/canonical-revision`.
    pub canonical_revision: Option<String>,
    /// The cluster id.
    pub cluster: Option<String>,
}

/// A request (or, for TCP, a connection) and what happened to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestRecord {
    /// Which proxy reports.
    pub reporter: Reporter,
    /// The protocol.
    pub protocol: Protocol,
    /// The client.
    pub source: Peer,
    /// The server.
    pub destination: Peer,
    /// The destination service's host (`reviews.default.svc.cluster.local`).
    pub destination_service: Option<String>,
    /// The destination service's short name.
    pub destination_service_name: Option<String>,
    /// The destination service's namespace.
    pub destination_service_namespace: Option<String>,
    /// HTTP status (0 when no response).
    pub response_code: u16,
    /// gRPC status code, for gRPC.
    pub grpc_status: Option<u32>,
    /// Envoy response flags (`UH`, `UF`, ...); `None` is `-`.
    pub response_flags: Option<String>,
    /// Whether the connection used Istio mutual TLS.
    pub mtls: bool,
    /// Request duration in milliseconds.
    pub duration_ms: f64,
    /// Request body bytes.
    pub request_bytes: u64,
    /// Response body bytes.
    pub response_bytes: u64,
    /// gRPC messages sent by the client.
    pub request_messages: Option<u64>,
    /// gRPC messages sent by the server.
    pub response_messages: Option<u64>,
    /// TCP: bytes sent to the client.
    pub sent_bytes: u64,
    /// TCP: bytes received from the client.
    pub received_bytes: u64,
    /// TCP: whether the connection has closed.
    pub closed: bool,
}

impl Default for RequestRecord {
    fn default() -> Self {
        Self {
            reporter: Reporter::Destination,
            protocol: Protocol::Http,
            source: Peer::default(),
            destination: Peer::default(),
            destination_service: None,
            destination_service_name: None,
            destination_service_namespace: None,
            response_code: 200,
            grpc_status: None,
            response_flags: None,
            mtls: false,
            duration_ms: 0.0,
            request_bytes: 0,
            response_bytes: 0,
            request_messages: None,
            response_messages: None,
            sent_bytes: 0,
            received_bytes: 0,
            closed: false,
        }
    }
}

/// How a metric accumulates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MetricKind {
    /// A counter: samples add up.
    Counter,
    /// A histogram: samples are observations.
    Histogram,
}

/// One sample: a metric, its labels in emission order, and a value (an increment or an
/// observation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    /// The metric name.
    pub name: &'static str,
    /// Counter or histogram.
    pub kind: MetricKind,
    /// The labels, in the order the proxy emits them.
    pub labels: Vec<(&'static str, String)>,
    /// The increment (counters) or the observation (histograms).
    pub value: f64,
}

fn or_unknown(v: &Option<String>) -> String {
    v.as_deref().filter(|s| !s.is_empty()).unwrap_or("unknown").to_string()
}

/// The label set of `r`, in the proxy's emission order.
pub fn labels(r: &RequestRecord) -> Vec<(&'static str, String)> {
    let tcp = r.protocol == Protocol::Tcp;
    let principal = |p: &Peer| if r.mtls { or_unknown(&p.principal) } else { "unknown".to_string() };
    let mut l = Vec::with_capacity(25);
    if !tcp {
        l.push(("response_code", r.response_code.to_string()));
    }
    let reporter = match r.reporter {
        Reporter::Source => "source",
        Reporter::Destination => "destination",
        Reporter::Waypoint => "waypoint",
    };
    l.extend([
        ("reporter", reporter.to_string()),
        ("source_workload", or_unknown(&r.source.workload)),
        ("source_workload_namespace", or_unknown(&r.source.namespace)),
        ("source_principal", principal(&r.source)),
        ("source_app", or_unknown(&r.source.app)),
        ("source_version", or_unknown(&r.source.version)),
        ("source_cluster", or_unknown(&r.source.cluster)),
        ("destination_workload", or_unknown(&r.destination.workload)),
        ("destination_workload_namespace", or_unknown(&r.destination.namespace)),
        ("destination_principal", principal(&r.destination)),
        ("destination_app", or_unknown(&r.destination.app)),
        ("destination_version", or_unknown(&r.destination.version)),
        ("destination_service", or_unknown(&r.destination_service)),
        ("destination_service_name", or_unknown(&r.destination_service_name)),
        ("destination_service_namespace", or_unknown(&r.destination_service_namespace)),
        ("destination_cluster", or_unknown(&r.destination.cluster)),
        (
            "request_protocol",
            match r.protocol {
                Protocol::Http => "http".into(),
                Protocol::Grpc => "grpc".into(),
                Protocol::Tcp => "tcp".into(),
            },
        ),
        ("response_flags", r.response_flags.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| "-".into())),
    ]);
    if !tcp {
        l.push(("grpc_response_status", r.grpc_status.map(|s| s.to_string()).unwrap_or_default()));
    }
    let policy = match (r.reporter, r.mtls) {
        (Reporter::Source, _) => "unknown",
        (_, true) => "mutual_tls",
        (_, false) => "none",
    };
    l.extend([
        ("connection_security_policy", policy.to_string()),
        ("source_canonical_service", or_unknown(&r.source.canonical_service)),
        ("destination_canonical_service", or_unknown(&r.destination.canonical_service)),
        ("source_canonical_revision", r.source.canonical_revision.clone().unwrap_or_else(|| "latest".into())),
        (
            "destination_canonical_revision",
            r.destination.canonical_revision.clone().unwrap_or_else(|| "latest".into()),
        ),
    ]);
    l
}

/// The samples the standard metrics record for `r`.
pub fn samples(r: &RequestRecord) -> Vec<Sample> {
    let l = labels(r);
    let s = |name, kind, value| Sample { name, kind, labels: l.clone(), value };
    use MetricKind::{Counter, Histogram};
    if r.protocol == Protocol::Tcp {
        let mut v = vec![
            s("istio_tcp_connections_opened_total", Counter, 1.0),
            s("istio_tcp_sent_bytes_total", Counter, r.sent_bytes as f64),
            s("istio_tcp_received_bytes_total", Counter, r.received_bytes as f64),
        ];
        if r.closed {
            v.insert(1, s("istio_tcp_connections_closed_total", Counter, 1.0));
        }
        return v;
    }
    let mut v = vec![
        s("istio_requests_total", Counter, 1.0),
        s("istio_request_duration_milliseconds", Histogram, r.duration_ms),
        s("istio_request_bytes", Histogram, r.request_bytes as f64),
        s("istio_response_bytes", Histogram, r.response_bytes as f64),
    ];
    if r.protocol == Protocol::Grpc {
        if let Some(m) = r.request_messages {
            v.push(s("istio_request_messages_total", Counter, m as f64));
        }
        if let Some(m) = r.response_messages {
            v.push(s("istio_response_messages_total", Counter, m as f64));
        }
    }
    v
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Series {
    sum: f64,
    count: u64,
    buckets: Vec<u64>,
}

/// The series of one metric: each label set with its accumulated values, in insertion order.
type SeriesList = Vec<(Vec<(&'static str, String)>, Series)>;

/// Accumulated metrics, rendered in the Prometheus text exposition format.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    /// metric name -> (kind, series), in name order.
    metrics: BTreeMap<&'static str, (MetricKind, SeriesList)>,
}

impl Registry {
    /// Adds one sample.
    pub fn add(&mut self, s: &Sample) {
        let (_, series) = self.metrics.entry(s.name).or_insert_with(|| (s.kind, Vec::new()));
        let idx = match series.iter().position(|(l, _)| *l == s.labels) {
            Some(i) => i,
            None => {
                series.push((s.labels.clone(), Series::default()));
                series.len() - 1
            }
        };
        let entry = &mut series[idx].1;
        entry.sum += s.value;
        entry.count += 1;
        if s.kind == MetricKind::Histogram {
            if entry.buckets.is_empty() {
                entry.buckets = vec![0; DEFAULT_BUCKETS.len()];
            }
            for (i, b) in DEFAULT_BUCKETS.iter().enumerate() {
                if s.value <= *b {
                    entry.buckets[i] += 1;
                }
            }
        }
    }

    /// Records every standard-metric sample of `r`.
    pub fn record(&mut self, r: &RequestRecord) {
        for s in samples(r) {
            self.add(&s);
        }
    }

    /// The Prometheus text format: per metric a `# TYPE` line, then its series; histograms
    /// as cumulative `_bucket{le=...}` series, `_sum` and `_count`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, (kind, series)) in &self.metrics {
            match kind {
                MetricKind::Counter => {
                    let _ = writeln!(out, "# TYPE {name} counter");
                    for (labels, s) in series {
                        let _ = writeln!(out, "{name}{{{}}} {}", label_text(labels, None), number(s.sum));
                    }
                }
                MetricKind::Histogram => {
                    let _ = writeln!(out, "# TYPE {name} histogram");
                    for (labels, s) in series {
                        for (b, c) in DEFAULT_BUCKETS.iter().zip(&s.buckets) {
                            let le = number(*b);
                            let _ = writeln!(out, "{name}_bucket{{{}}} {c}", label_text(labels, Some(&le)));
                        }
                        let _ = writeln!(
                            out,
                            "{name}_bucket{{{}}} {}",
                            label_text(labels, Some("+Inf")),
                            s.count
                        );
                        let _ = writeln!(out, "{name}_sum{{{}}} {}", label_text(labels, None), number(s.sum));
                        let _ = writeln!(out, "{name}_count{{{}}} {}", label_text(labels, None), s.count);
                    }
                }
            }
        }
        out
    }
}

/// A number as Prometheus prints it: integers without a fraction.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// Escapes a label value: backslash, double quote and newline.
pub fn escape_label_value(v: &str) -> String {
    let mut s = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => s.push_str("\\\\"),
            '"' => s.push_str("\\\""),
            '\n' => s.push_str("\\n"),
            c => s.push(c),
        }
    }
    s
}

fn label_text(labels: &[(&'static str, String)], le: Option<&str>) -> String {
    let mut parts: Vec<String> =
        labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape_label_value(v))).collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    parts.join(",")
}

#[cfg(test)]
mod tests;
