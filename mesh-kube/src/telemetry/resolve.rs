//! Istio's merge rules for metrics, tracing and access logging (pilot/pkg/model/telemetry.go).

use std::collections::{BTreeMap, BTreeSet};

use mesh_model::MeshConfig;
use mesh_model::mesh_config::{ExtensionProvider, Provider};
use mesh_model::telemetry::{
    AccessLogging, CustomTag, IstioMetric, MetricMatch, MetricSelector, Metrics, TagOperation, TagOverride,
    Telemetry, Tracing, WorkloadMode,
};
use serde::Serialize;

/// Every standard metric by its enum name, sorted (Istio's `allMetrics`).
const ALL_METRICS: [&str; 10] = [
    "GRPC_REQUEST_MESSAGES",
    "GRPC_RESPONSE_MESSAGES",
    "REQUEST_COUNT",
    "REQUEST_DURATION",
    "REQUEST_SIZE",
    "RESPONSE_SIZE",
    "TCP_CLOSED_CONNECTIONS",
    "TCP_OPENED_CONNECTIONS",
    "TCP_RECEIVED_BYTES",
    "TCP_SENT_BYTES",
];

fn metric_name(m: IstioMetric) -> &'static str {
    match m {
        IstioMetric::AllMetrics => "ALL_METRICS",
        IstioMetric::RequestCount => "REQUEST_COUNT",
        IstioMetric::RequestDuration => "REQUEST_DURATION",
        IstioMetric::RequestSize => "REQUEST_SIZE",
        IstioMetric::ResponseSize => "RESPONSE_SIZE",
        IstioMetric::TcpOpenedConnections => "TCP_OPENED_CONNECTIONS",
        IstioMetric::TcpClosedConnections => "TCP_CLOSED_CONNECTIONS",
        IstioMetric::TcpSentBytes => "TCP_SENT_BYTES",
        IstioMetric::TcpReceivedBytes => "TCP_RECEIVED_BYTES",
        IstioMetric::GrpcRequestMessages => "GRPC_REQUEST_MESSAGES",
        IstioMetric::GrpcResponseMessages => "GRPC_RESPONSE_MESSAGES",
    }
}

/// One tag change of a metric override.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagChange {
    /// The tag.
    pub name: String,
    /// Whether the tag is removed.
    pub remove: bool,
    /// The CEL expression of an upserted tag (`""` for a removal).
    pub value: String,
}

/// The merged override of one metric in one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricOverride {
    /// The metric (`REQUEST_COUNT`, or a custom metric's name).
    pub name: String,
    /// Whether the metric is not generated.
    pub disabled: bool,
    /// Tag changes, by tag name.
    pub tags: Vec<TagChange>,
}

/// The metrics of one direction (client or server) for one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModeMetrics {
    /// Every metric is disabled: the filter is not installed.
    pub disabled: bool,
    /// Per-metric overrides, by name.
    pub overrides: Vec<MetricOverride>,
}

/// The effective metrics configuration of one provider.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderMetrics {
    /// Client-side (outbound) metrics.
    pub client: ModeMetrics,
    /// Server-side (inbound) metrics.
    pub server: ModeMetrics,
    /// The reporting interval, when a Telemetry sets one.
    pub reporting_interval: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Override {
    disabled: Option<bool>,
    tags: BTreeMap<String, TagOverride>,
}

fn modes(mode: Option<WorkloadMode>) -> Vec<WorkloadMode> {
    match mode {
        Some(WorkloadMode::Client) => vec![WorkloadMode::Client],
        Some(WorkloadMode::Server) => vec![WorkloadMode::Server],
        _ => vec![WorkloadMode::Client, WorkloadMode::Server],
    }
}

fn is_all_metrics(m: Option<&MetricSelector>) -> bool {
    match m.and_then(|m| m.metric_match.as_ref()) {
        Some(MetricMatch::CustomMetric(_)) => false,
        Some(MetricMatch::Metric(x)) => *x == IstioMetric::AllMetrics,
        None => true,
    }
}

fn matches_of(m: Option<&MetricSelector>) -> Vec<String> {
    match m.and_then(|m| m.metric_match.as_ref()) {
        Some(MetricMatch::CustomMetric(c)) => vec![c.clone()],
        Some(MetricMatch::Metric(IstioMetric::AllMetrics)) | None => {
            ALL_METRICS.iter().map(|s| s.to_string()).collect()
        }
        Some(MetricMatch::Metric(x)) => vec![metric_name(*x).to_string()],
    }
}

fn default_providers(
    mesh: &MeshConfig,
    f: fn(&mesh_model::mesh_config::DefaultProviders) -> &Vec<String>,
) -> Vec<String> {
    mesh.default_providers.as_ref().map(|d| f(d).clone()).unwrap_or_default()
}

/// Merges Metrics entries (in override order) into the per-provider configuration, as
/// Istio's `mergeMetrics`: a list of providers replaces the parent's; overrides apply in
/// order; disabling ALL_METRICS drops the provider's filter for that direction until a later
/// override re-enables a metric. Every provider named is kept, defined by the mesh or not;
/// [`Effective::metrics`] keeps only those Istio installs a stats filter for.
pub fn merge_metrics(metrics: &[&Metrics], mesh: &MeshConfig) -> BTreeMap<String, ProviderMetrics> {
    let defaults = default_providers(mesh, |d| &d.metrics);
    let mut providers: BTreeMap<String, BTreeMap<u8, BTreeMap<String, Override>>> = BTreeMap::new();
    if metrics.is_empty() {
        for p in &defaults {
            providers.insert(p.clone(), BTreeMap::new());
        }
    }
    let names = |m: &Metrics| m.providers.iter().map(|p| p.name.clone()).collect::<Vec<_>>();
    let mut in_scope = defaults.clone();
    for m in metrics {
        let n = names(m);
        if !n.is_empty() {
            in_scope = n;
        }
    }
    let in_scope: BTreeSet<String> = in_scope.into_iter().collect();
    let mode_key = |m: WorkloadMode| if m == WorkloadMode::Client { 0u8 } else { 1u8 };
    let mut parent = defaults;
    let mut disabled_all: BTreeSet<(String, u8)> = BTreeSet::new();
    let mut intervals: BTreeMap<String, String> = BTreeMap::new();
    for m in metrics {
        let mut provs = names(m);
        if provs.is_empty() {
            provs = parent.clone();
        }
        parent = provs.clone();
        for p in provs {
            if !in_scope.contains(&p) {
                continue;
            }
            if let Some(i) = &m.reporting_interval {
                intervals.insert(p.clone(), i.to_string());
            }
            let mp = providers
                .entry(p.clone())
                .or_insert_with(|| BTreeMap::from([(0, BTreeMap::new()), (1, BTreeMap::new())]));
            for o in &m.overrides {
                let sel = o.r#match.as_ref();
                let mode = sel.and_then(|s| s.mode);
                if is_all_metrics(sel) && o.disabled == Some(true) {
                    for md in modes(mode) {
                        disabled_all.insert((p.clone(), mode_key(md)));
                    }
                    continue;
                }
                for md in modes(mode) {
                    disabled_all.remove(&(p.clone(), mode_key(md)));
                    for name in matches_of(sel) {
                        let entry = mp.entry(mode_key(md)).or_default().entry(name).or_default();
                        if o.disabled.is_some() {
                            entry.disabled = o.disabled;
                        }
                        for (k, v) in &o.tag_overrides {
                            entry.tags.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }
    }
    let mut out = BTreeMap::new();
    for (p, mode_map) in providers {
        let mut pm =
            ProviderMetrics { reporting_interval: intervals.get(&p).cloned(), ..ProviderMetrics::default() };
        for (mk, metric_map) in mode_map {
            let target = if mk == 0 { &mut pm.client } else { &mut pm.server };
            if disabled_all.contains(&(p.clone(), mk)) {
                target.disabled = true;
                continue;
            }
            for (name, o) in metric_map {
                let tags = o
                    .tags
                    .iter()
                    .map(|(k, v)| match v.effective_operation() {
                        TagOperation::Remove => {
                            TagChange { name: k.clone(), remove: true, value: String::new() }
                        }
                        TagOperation::Upsert => TagChange {
                            name: k.clone(),
                            remove: false,
                            value: v.value.clone().unwrap_or_default(),
                        },
                    })
                    .collect();
                target.overrides.push(MetricOverride { name, disabled: o.disabled == Some(true), tags });
            }
        }
        out.insert(p, pm);
    }
    out
}

/// The tracing configuration of one direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TracingSpec {
    /// The provider, as named in the mesh config; `None` when none is configured or found.
    pub provider: Option<String>,
    /// Whether spans are not reported (always so without a provider).
    pub disabled: bool,
    /// The sampling percentage, when a Telemetry sets one.
    pub random_sampling_percentage: Option<f64>,
    /// Custom tags, as the last Telemetry that set any wrote them.
    pub custom_tags: BTreeMap<String, CustomTag>,
    /// Whether `x-request-id` drives sampling.
    pub use_request_id_for_trace_sampling: bool,
    /// Whether Istio's span tags are added.
    pub enable_istio_tags: bool,
    /// Whether context headers are not propagated.
    pub disable_context_propagation: bool,
}

/// Istio's `fetchProvider`: the first of the mesh's effective extension providers (Istio's
/// built-in `prometheus`, `stackdriver` and `envoy` first, then the configured ones in order,
/// as `MeshConfig::effective_extension_providers` merges them) whose name matches
/// case-insensitively.
pub(crate) fn fetch_provider<'a>(
    providers: &'a [ExtensionProvider],
    name: &str,
) -> Option<&'a ExtensionProvider> {
    providers.iter().find(|p| p.name.eq_ignore_ascii_case(name))
}

/// Istio's `Tracing`: `None` when no Telemetry sets tracing and there is no default provider
/// (the legacy mesh-config tracing applies); otherwise the client and server specs.
pub fn merge_tracing(tracing: &[&Tracing], mesh: &MeshConfig) -> Option<(TracingSpec, TracingSpec)> {
    tracing_with(tracing, mesh, &mesh.effective_extension_providers())
}

fn tracing_with(
    tracing: &[&Tracing],
    mesh: &MeshConfig,
    providers: &[ExtensionProvider],
) -> Option<(TracingSpec, TracingSpec)> {
    let fetch = |name: &str| fetch_provider(providers, name).map(|p| p.name.clone());
    let defaults = default_providers(mesh, |d| &d.tracing);
    if tracing.is_empty() && defaults.is_empty() {
        return None;
    }
    let base = TracingSpec {
        provider: None,
        disabled: false,
        random_sampling_percentage: None,
        custom_tags: BTreeMap::new(),
        use_request_id_for_trace_sampling: true,
        enable_istio_tags: true,
        disable_context_propagation: false,
    };
    let mut specs = [base.clone(), base];
    if let Some(first) = defaults.first() {
        let p = fetch(first);
        specs[0].provider = p.clone();
        specs[1].provider = p;
    }
    for t in tracing {
        let which: &[usize] = match t.r#match.as_ref().and_then(|m| m.mode) {
            Some(WorkloadMode::Client) => &[0],
            Some(WorkloadMode::Server) => &[1],
            _ => &[0, 1],
        };
        for &i in which {
            let s = &mut specs[i];
            if let Some(p) = t.providers.first() {
                s.provider = fetch(&p.name);
            }
            if let Some(d) = t.disable_span_reporting {
                s.disabled = d;
            }
            if !t.custom_tags.is_empty() {
                s.custom_tags = t.custom_tags.clone();
            }
            if let Some(r) = t.random_sampling_percentage {
                s.random_sampling_percentage = Some(r);
            }
            if let Some(v) = t.use_request_id_for_trace_sampling {
                s.use_request_id_for_trace_sampling = v;
            }
            if let Some(v) = t.enable_istio_tags {
                s.enable_istio_tags = v;
            }
            if let Some(v) = t.disable_context_propagation {
                s.disable_context_propagation = v;
            }
        }
    }
    for s in &mut specs {
        if s.provider.is_none() {
            s.disabled = true;
        }
    }
    let [client, server] = specs;
    Some((client, server))
}

/// One provider's access logging for one direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogEntry {
    /// The provider, as the mesh config names it.
    pub provider: String,
    /// Whether logging is turned off for it.
    pub disabled: bool,
    /// The CEL filter, when one applies.
    pub filter: Option<String>,
}

fn mode_matches(sel: Option<WorkloadMode>, mode: WorkloadMode) -> bool {
    matches!(sel, None | Some(WorkloadMode::ClientAndServer)) || sel == Some(mode)
}

/// Whether Istio builds an access log for a provider of this kind (`telemetryAccessLog`):
/// file, HTTP and TCP gRPC, and OpenTelemetry access-log services do; every other kind
/// (Prometheus, Stackdriver, tracers, ext_authz, SDS) and an unknown kind do not.
fn writes_access_log(p: &ExtensionProvider) -> bool {
    matches!(
        p.provider,
        Some(
            Provider::EnvoyFileAccessLog(_)
                | Provider::EnvoyHttpAls(_)
                | Provider::EnvoyTcpAls(_)
                | Provider::EnvoyOtelAls(_)
        )
    )
}

/// Istio's access logging for one direction (`Telemetries.AccessLogging` over `mergeLogs`):
/// each Telemetry's providers (those matching the direction) replace the parent's; the last
/// matching entry per provider sets its filter or disables it. Providers the mesh does not
/// define, and those of a kind that writes no access log (Prometheus, Stackdriver, tracers),
/// are dropped, as Istio drops them; the rest are sorted by provider name as the mesh spells
/// it. Istio also drops a gRPC or OpenTelemetry log service whose cluster it cannot find in
/// the service registry, which this pure function cannot know.
pub fn merge_logs(logs: &[&[AccessLogging]], mesh: &MeshConfig, mode: WorkloadMode) -> Vec<AccessLogEntry> {
    logs_with(logs, mesh, &mesh.effective_extension_providers(), mode)
}

fn logs_with(
    logs: &[&[AccessLogging]],
    mesh: &MeshConfig,
    known: &[ExtensionProvider],
    mode: WorkloadMode,
) -> Vec<AccessLogEntry> {
    let mut out: Vec<AccessLogEntry> = merge_log_specs(logs, mesh, mode)
        .into_iter()
        .filter_map(|(p, (disabled, filter))| {
            let fp = fetch_provider(known, &p).filter(|fp| writes_access_log(fp))?;
            Some(AccessLogEntry { provider: fp.name.clone(), disabled, filter })
        })
        .collect();
    out.sort_by(|a, b| a.provider.cmp(&b.provider));
    out
}

/// Istio's `mergeLogs`: provider name (as the Telemetry spells it) to (disabled, filter).
fn merge_log_specs(
    logs: &[&[AccessLogging]],
    mesh: &MeshConfig,
    mode: WorkloadMode,
) -> BTreeMap<String, (bool, Option<String>)> {
    let defaults = default_providers(mesh, |d| &d.access_logging);
    let mut providers: BTreeMap<String, (bool, Option<String>)> = BTreeMap::new();
    if logs.is_empty() {
        for p in &defaults {
            providers.insert(p.clone(), (false, None));
        }
        return providers;
    }
    let selected = |l: &AccessLogging| mode_matches(l.r#match.as_ref().and_then(|m| m.mode), mode);
    // The providers of the last Telemetry naming any for this direction are in scope; the
    // filter of a provider is the one of the last entry naming it for this direction.
    let mut in_scope: BTreeSet<String> = defaults.iter().cloned().collect();
    let mut filters: BTreeMap<&str, Option<&str>> = BTreeMap::new();
    for group in logs {
        let mut names = BTreeSet::new();
        for l in group.iter().filter(|l| selected(l)) {
            for p in &l.providers {
                names.insert(p.name.clone());
                filters.insert(&p.name, l.filter.as_ref().map(|f| f.expression.as_str()));
            }
        }
        if !names.is_empty() {
            in_scope = names;
        }
    }
    let mut parent = defaults;
    for l in logs.iter().flat_map(|g| g.iter()) {
        let mut names: Vec<String> = l.providers.iter().map(|p| p.name.clone()).collect();
        if names.is_empty() {
            names = parent.clone();
        }
        parent = names.clone();
        if !selected(l) {
            continue;
        }
        for p in names.into_iter().filter(|p| in_scope.contains(p)) {
            let spec = if l.disabled == Some(true) {
                (true, None)
            } else {
                (false, filters.get(p.as_str()).copied().flatten().map(String::from))
            };
            providers.insert(p, spec);
        }
    }
    providers
}

/// The effective telemetry of a workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Effective {
    /// The Telemetry resources that apply, `namespace/name`, in merge order.
    pub telemetries: Vec<String>,
    /// Metrics per provider that Istio installs a stats filter for: the merged providers
    /// (named as the Telemetry spells them) that the mesh defines as Prometheus providers.
    /// Gateways use the `client` side. [`merge_metrics`] gives the merge before this step.
    pub metrics: BTreeMap<String, ProviderMetrics>,
    /// Tracing; `None` when neither a Telemetry nor a default provider configures it.
    pub tracing: Option<EffectiveTracing>,
    /// Access logging; `None` when neither a Telemetry nor a default provider configures it
    /// (the legacy `accessLogFile` then applies).
    pub access_logging: Option<EffectiveLogging>,
}

/// Tracing per direction.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveTracing {
    /// Outbound (and gateways).
    pub client: TracingSpec,
    /// Inbound.
    pub server: TracingSpec,
}

/// Access logging per direction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveLogging {
    /// Outbound (and gateways).
    pub client: Vec<AccessLogEntry>,
    /// Inbound.
    pub server: Vec<AccessLogEntry>,
}

/// Whether Istio builds a stats filter for a metrics provider of this kind (only Prometheus).
fn writes_stats(p: &ExtensionProvider) -> bool {
    matches!(p.provider, Some(Provider::Prometheus(_)))
}

/// Merges the Telemetry resources that apply (in merge order) with the mesh's effective
/// extension providers `known`.
pub(crate) fn effective(applied: &[&Telemetry], mesh: &MeshConfig, known: &[ExtensionProvider]) -> Effective {
    let metrics: Vec<&Metrics> = applied.iter().flat_map(|t| t.spec.metrics.iter()).collect();
    let tracing: Vec<&Tracing> = applied.iter().flat_map(|t| t.spec.tracing.iter()).collect();
    let logs: Vec<&[AccessLogging]> = applied
        .iter()
        .filter(|t| !t.spec.access_logging.is_empty())
        .map(|t| t.spec.access_logging.as_slice())
        .collect();
    let has_default_logs = !default_providers(mesh, |d| &d.access_logging).is_empty();
    let mut metrics = merge_metrics(&metrics, mesh);
    metrics.retain(|name, _| fetch_provider(known, name).is_some_and(writes_stats));
    Effective {
        telemetries: applied
            .iter()
            .map(|t| format!("{}/{}", t.metadata.namespace(), t.metadata.name()))
            .collect(),
        metrics,
        tracing: tracing_with(&tracing, mesh, known)
            .map(|(client, server)| EffectiveTracing { client, server }),
        access_logging: if logs.is_empty() && !has_default_logs {
            None
        } else {
            Some(EffectiveLogging {
                client: logs_with(&logs, mesh, known, WorkloadMode::Client),
                server: logs_with(&logs, mesh, known, WorkloadMode::Server),
            })
        },
    }
}
