//! Istio's `sidecar` injection template (`injection-template.yaml` of the `istio-discovery`
//! chart), rendered for one pod as the partial pod it overlays: labels, annotations, the
//! `istio-init` or `istio-validation` init container, the `istio-proxy` container (a native
//! sidecar when enabled), volumes and image pull secrets, steered by the pod's annotations
//! (`sidecar.istio.io/proxyCPU`, `proxyImage`, `interceptionMode`, `userVolume`,
//! `traffic.sidecar.istio.io/*`, readiness settings, ...).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::deploy_meta::DeployMeta;
use super::quantity::{canonical, is_quantity};
use super::{InjectError, InjectValues, proxy_config};
use crate::capture::CaptureError;
use crate::capture::annotations::pod_capture;

/// `sidecar.istio.io/status`: what injection added, so that it can be undone.
pub const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
/// The proxy container's name.
pub const PROXY_CONTAINER: &str = "istio-proxy";
/// The init container that installs traffic capture.
pub const INIT_CONTAINER: &str = "istio-init";
/// The init container that checks the CNI plugin installed traffic capture.
pub const VALIDATION_CONTAINER: &str = "istio-validation";

/// The template's inputs for one pod.
#[derive(Debug, Clone, Copy)]
pub struct TemplateInput<'a> {
    /// The pod (stripped of a previous injection), as JSON.
    pub pod: &'a Value,
    /// The injector's settings.
    pub values: &'a InjectValues,
    /// The pod's effective ProxyConfig.
    pub proxy_config: &'a Value,
    /// The pod's workload.
    pub deploy: &'a DeployMeta,
}

pub(crate) fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// The four resource annotations, with the section and resource each sets.
const RESOURCE_ANNOTATIONS: [(&str, &str, &str); 4] = [
    ("sidecar.istio.io/proxyCPU", "requests", "cpu"),
    ("sidecar.istio.io/proxyMemory", "requests", "memory"),
    ("sidecar.istio.io/proxyCPULimit", "limits", "cpu"),
    ("sidecar.istio.io/proxyMemoryLimit", "limits", "memory"),
];

/// The template's `resources` block: from the annotations when any is set, else the mesh
/// default; quantities in Kubernetes' canonical form (`2000m` is `2`).
fn resources(annotations: &BTreeMap<String, String>, values: &InjectValues) -> Result<Value, InjectError> {
    if !RESOURCE_ANNOTATIONS.iter().any(|(k, _, _)| annotations.contains_key(*k)) {
        return Ok(canonical_resources(&values.proxy_resources));
    }
    let mut out = Map::new();
    for (key, group, res) in RESOURCE_ANNOTATIONS {
        if let Some(v) = annotations.get(key) {
            if !is_quantity(v) {
                return Err(InjectError::InvalidQuantity { annotation: key.into(), value: v.clone() });
            }
            let g = out.entry(group).or_insert_with(|| json!({}));
            if let Some(m) = g.as_object_mut() {
                m.insert(res.into(), Value::String(canonical(v).unwrap_or_else(|| v.clone())));
            }
        }
    }
    Ok(Value::Object(out))
}

/// `omitNil` of the chart's resources, quantities in canonical form.
fn canonical_resources(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), canonical_resources(v)))
                .collect(),
        ),
        q => canonical_value(q),
    }
}

fn canonical_value(q: &Value) -> Value {
    match q {
        Value::String(s) => canonical(s).map_or_else(|| q.clone(), Value::String),
        Value::Number(n) => canonical(&n.to_string()).map_or_else(|| q.clone(), Value::String),
        other => other.clone(),
    }
}

/// sprig's `trunc 63 | trimAll "-_."`.
fn canonical_name(labels: &BTreeMap<String, String>, workload: &str) -> String {
    let base = ["service.istio.io/canonical-name", "app.kubernetes.io/name", "app"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .find(|s| !s.is_empty())
        .map_or(workload, String::as_str);
    let truncated: String = base.chars().take(63).collect();
    truncated.trim_matches(['-', '_', '.']).to_string()
}

fn canonical_revision(labels: &BTreeMap<String, String>) -> String {
    ["service.istio.io/canonical-revision", "app.kubernetes.io/version", "version"]
        .iter()
        .filter_map(|k| labels.get(*k))
        .find(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| "latest".into())
}

/// A readiness setting: the annotation (a number, as the template writes it raw) or the default.
fn int_setting(annotations: &BTreeMap<String, String>, key: &str, default: i64) -> Result<i64, InjectError> {
    match annotations.get(key) {
        None => Ok(default),
        Some(v) => v.trim().parse::<u32>().map(i64::from).map_err(|_| InjectError::InvalidAnnotation {
            annotation: key.into(),
            value: v.clone(),
            reason: "it is not a whole number between 0 and 4294967295".into(),
        }),
    }
}

/// The proxy's readiness probe on `port`: the readiness settings from the pod's annotations
/// when the template reads them (`readiness.status.sidecar.istio.io/*`), else the injector's.
fn readiness_probe(
    port: u16,
    annotations: Option<&BTreeMap<String, String>>,
    values: &InjectValues,
) -> Result<Value, InjectError> {
    let mut readiness = json!({"httpGet": {"path": "/healthz/ready", "port": port}});
    for (field, key, default) in [
        (
            "initialDelaySeconds",
            "readiness.status.sidecar.istio.io/initialDelaySeconds",
            values.readiness_initial_delay_seconds,
        ),
        ("periodSeconds", "readiness.status.sidecar.istio.io/periodSeconds", values.readiness_period_seconds),
        ("timeoutSeconds", "", 3),
        (
            "failureThreshold",
            "readiness.status.sidecar.istio.io/failureThreshold",
            values.readiness_failure_threshold,
        ),
    ] {
        let v = match annotations {
            Some(a) if !key.is_empty() => int_setting(a, key, default)?,
            _ => default,
        };
        // Kubernetes leaves zero-valued probe fields out.
        if v != 0 {
            readiness[field] = json!(v);
        }
    }
    Ok(readiness)
}

fn field_env(name: &str, path: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}})
}

fn resource_env(name: &str, resource: &str) -> Value {
    json!({"name": name, "valueFrom": {"resourceFieldRef": {"resource": resource, "divisor": "1"}}})
}

/// A plain env var; an empty value is left out, as Kubernetes writes it.
fn value_env(name: &str, value: impl Into<String>) -> Value {
    let value = value.into();
    if value.is_empty() { json!({"name": name}) } else { json!({"name": name, "value": value}) }
}

/// istio `appendMultusNetwork`: add the istio-cni network to `k8s.v1.cni.cncf.io/networks`
/// (a comma list or a JSON list) unless it is there.
pub(crate) fn append_multus_network(existing: &str, network: &str) -> String {
    if existing.is_empty() {
        return network.to_string();
    }
    let (ns, name) = network.split_once('/').unwrap_or(("", network));
    if let Some(i) = existing.rfind(']') {
        let Ok(list) = serde_json::from_str::<Vec<Map<String, Value>>>(existing) else {
            return existing.to_string();
        };
        let present = list.iter().any(|n| {
            n.get("name").and_then(Value::as_str) == Some(name)
                && n.get("namespace").and_then(Value::as_str).unwrap_or("") == ns
        });
        if present {
            return existing.to_string();
        }
        let entry = if ns.is_empty() {
            format!(r#", {{"name": "{name}"}}"#)
        } else {
            format!(r#", {{"name": "{name}", "namespace": "{ns}"}}"#)
        };
        return format!("{}{entry}{}", &existing[..i], &existing[i..]);
    }
    if existing.split(',').any(|n| n.trim() == network) {
        return existing.to_string();
    }
    format!("{existing}, {network}")
}

/// The tag and digest of an image reference (`repo:tag@digest`).
fn image_tag_digest(image: &str) -> (&str, &str) {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let tag = rest[last_slash..].rsplit_once(':').map_or("", |(_, t)| t);
    (tag, digest)
}

/// istio `imageURL`: `hub/name:tag`, with the image type (variant) replacing a known one.
fn image_url(hub: &str, name: &str, tag: &str, image_type: &str) -> String {
    let mut tag = tag.to_string();
    if !image_type.is_empty() {
        for known in ["distroless", "debug"] {
            if let Some(stripped) = tag.strip_suffix(&format!("-{known}")) {
                tag = stripped.to_string();
                break;
            }
        }
        if image_type != "default" {
            tag = format!("{tag}-{image_type}");
        }
    }
    format!("{hub}/{name}:{tag}")
}

/// The ContainerPort as Go writes it (`structToJSON`): name, hostPort, containerPort,
/// protocol, hostIP, empty fields left out.
fn port_json(p: &Value) -> String {
    let mut m = Map::new();
    for key in ["name", "hostPort", "containerPort", "protocol", "hostIP"] {
        match p.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::Number(n)) if key != "containerPort" && n.as_i64() == Some(0) => {}
            Some(v) => {
                m.insert(key.to_string(), v.clone());
            }
        }
    }
    if !m.contains_key("containerPort") {
        m.insert("containerPort".into(), json!(0));
        // Keep Go's field order: containerPort after name and hostPort.
        let mut ordered = Map::new();
        for key in ["name", "hostPort", "containerPort", "protocol", "hostIP"] {
            if let Some(v) = m.shift_remove(key) {
                ordered.insert(key.to_string(), v);
            }
        }
        m = ordered;
    }
    Value::Object(m).to_string()
}

/// `ISTIO_META_POD_PORTS`: the app containers' ports, one per line, as the template lays
/// them out.
fn pod_ports(containers: &[Value]) -> String {
    let mut out = String::from("[");
    let mut first = true;
    for c in containers {
        for p in c["ports"].as_array().into_iter().flatten() {
            out.push_str("\n    ");
            if !first {
                out.push(',');
            }
            out.push_str(&port_json(p));
            first = false;
        }
    }
    out.push_str("\n]");
    out
}

/// `fromJSON` of a `sidecar.istio.io/userVolume(Mount)` annotation: name → fields, in name
/// order (a Go template ranges over a map by sorted key).
fn user_entries(annotations: &BTreeMap<String, String>, key: &str) -> Result<Vec<Value>, InjectError> {
    let Some(text) = annotations.get(key) else { return Ok(Vec::new()) };
    let parsed: BTreeMap<String, Value> = serde_json::from_str(text).map_err(|e| {
        InjectError::InvalidAnnotation { annotation: key.into(), value: text.clone(), reason: e.to_string() }
    })?;
    Ok(parsed
        .into_iter()
        .map(|(name, fields)| {
            let mut m = Map::new();
            m.insert("name".into(), Value::String(name));
            if let Value::Object(f) = fields {
                for (k, v) in f {
                    if k != "name" {
                        m.insert(k, v);
                    }
                }
            }
            Value::Object(m)
        })
        .collect())
}

/// Whether the pod gets the proxy as a native sidecar: the `sidecar.istio.io/nativeSidecar`
/// annotation, else the injector's setting.
pub fn native_sidecar(annotations: &BTreeMap<String, String>, values: &InjectValues) -> bool {
    match annotations.get("sidecar.istio.io/nativeSidecar").map(String::as_str) {
        Some("") | None => values.native_sidecar,
        Some(v) => v != "false",
    }
}

/// The interception mode: the annotation, else the ProxyConfig's, else the capture default.
pub fn interception_mode<'a>(
    annotations: &'a BTreeMap<String, String>,
    pc: &'a Value,
    values: &'a InjectValues,
) -> &'a str {
    annotations
        .get("sidecar.istio.io/interceptionMode")
        .map(String::as_str)
        .or_else(|| proxy_config::interception_mode(pc))
        .unwrap_or(&values.capture.interception_mode)
}

/// A capture error on a pod annotation, worded as Istio's webhook words it: the annotation,
/// its value, and the parameter (`includeIPRanges invalid: ...`).
fn capture_error(e: CaptureError, annotations: &BTreeMap<String, String>) -> InjectError {
    let field = match &e {
        CaptureError::InvalidPort { field, .. }
        | CaptureError::InvalidCidr { field, .. }
        | CaptureError::WildcardExclude { field } => field.clone(),
        CaptureError::InvalidMode(_) => "sidecar.istio.io/interceptionMode".into(),
    };
    let param = match field.rsplit('/').next().unwrap_or("") {
        "includeOutboundIPRanges" => "includeIPRanges",
        "excludeOutboundIPRanges" => "excludeIPRanges",
        "includeInboundPorts" => "includeInboundPorts",
        "excludeInboundPorts" => "excludeInboundPorts",
        "includeOutboundPorts" => "includeOutboundPorts",
        "excludeOutboundPorts" => "excludeOutboundPorts",
        "interceptionMode" => "interceptionMode",
        _ => return InjectError::Capture(e),
    };
    match annotations.get(&field) {
        Some(value) => InjectError::InvalidAnnotation {
            annotation: field.clone(),
            value: value.clone(),
            reason: format!("{param} invalid: {e}"),
        },
        None => InjectError::Capture(e),
    }
}

/// The templates meshkit renders (the `templates` of Istio's injector config).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// `sidecar`: the proxy beside the app, with traffic capture.
    Sidecar,
    /// `gateway`: the pod is a gateway; the proxy is its container, without capture.
    Gateway,
    /// `grpc-agent`: proxyless gRPC; the agent without Envoy serves xDS and certificates
    /// to the app containers.
    GrpcAgent,
    /// `grpc-simple`: proxyless gRPC; an init container writes an xDS bootstrap that points
    /// the app at istiod, and no proxy runs.
    GrpcSimple,
}

impl Template {
    /// The template named `name`, as `inject.istio.io/templates` names it.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "sidecar" => Some(Self::Sidecar),
            "gateway" => Some(Self::Gateway),
            "grpc-agent" => Some(Self::GrpcAgent),
            "grpc-simple" => Some(Self::GrpcSimple),
            _ => None,
        }
    }
}

/// `inject.istio.io/templates`: the templates a pod asks for, comma-separated.
pub const TEMPLATES_ANNOTATION: &str = "inject.istio.io/templates";

/// A template a pod asks for: one meshkit renders in Rust, or one the user wrote
/// (`sidecarInjectorWebhook.templates`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selected<'a> {
    /// A built-in template.
    BuiltIn(Template),
    /// A user's template: Go `text/template` text rendering a partial pod in YAML.
    User {
        /// Its name.
        name: &'a str,
        /// Its text.
        text: &'a str,
    },
}

/// The names of the built-in templates, in the order errors list them.
const BUILT_IN: [&str; 4] = ["sidecar", "gateway", "grpc-agent", "grpc-simple"];

/// The template called `name`: the user's when they wrote one of that name (it replaces a
/// built-in, as Istio's chart merges `sidecarInjectorWebhook.templates` over its own),
/// else the built-in.
fn resolve<'a>(name: &str, values: &'a InjectValues) -> Option<Selected<'a>> {
    if let Some((name, text)) = values.templates.get_key_value(name) {
        return Some(Selected::User { name, text });
    }
    Template::from_name(name).map(Selected::BuiltIn)
}

/// The templates for a pod: those its `inject.istio.io/templates` annotation names
/// (comma-separated, trimmed), else `sidecar`; each the user's or a built-in.
pub fn select<'a>(
    annotations: &BTreeMap<String, String>,
    values: &'a InjectValues,
) -> Result<Vec<Selected<'a>>, InjectError> {
    let Some(names) = annotations.get(TEMPLATES_ANNOTATION) else {
        return resolve("sidecar", values).map(|t| vec![t]).ok_or_else(|| unknown("sidecar", values));
    };
    names.split(',').map(str::trim).map(|n| resolve(n, values).ok_or_else(|| unknown(n, values))).collect()
}

fn unknown(name: &str, values: &InjectValues) -> InjectError {
    let mut known: Vec<&str> = BUILT_IN.to_vec();
    known.extend(values.templates.keys().map(String::as_str).filter(|n| !BUILT_IN.contains(n)));
    InjectError::UnknownTemplate { name: name.to_string(), known: known.join(", ") }
}

/// Istio's `validateAnnotations`, run before any template: the traffic-capture annotations
/// and interception mode, the readiness settings (whole numbers), the resource quantities
/// and `prometheus.istio.io/merge-metrics` (a boolean). The first invalid one is the error.
pub fn validate_annotations(
    annotations: &BTreeMap<String, String>,
    values: &InjectValues,
) -> Result<(), InjectError> {
    pod_capture(annotations, &values.capture).map_err(|e| capture_error(e, annotations))?;
    for key in [
        "readiness.status.sidecar.istio.io/initialDelaySeconds",
        "readiness.status.sidecar.istio.io/periodSeconds",
        "readiness.status.sidecar.istio.io/failureThreshold",
    ] {
        int_setting(annotations, key, 0)?;
    }
    resources(annotations, values)?;
    if let Some(v) = annotations.get("prometheus.istio.io/merge-metrics")
        && parse_go_bool(v).is_none()
    {
        return Err(InjectError::InvalidAnnotation {
            annotation: "prometheus.istio.io/merge-metrics".into(),
            value: v.clone(),
            reason: "it is not a boolean".into(),
        });
    }
    Ok(())
}

/// Renders a built-in or user template for a pod: the partial pod that is overlaid on it.
pub fn render_selected(selected: Selected<'_>, input: TemplateInput<'_>) -> Result<Value, InjectError> {
    match selected {
        Selected::BuiltIn(t) => render(t, input),
        Selected::User { name, text } => user::render(name, text, &Common::new(input)),
    }
}

/// Renders one built-in template for a pod: the partial pod that is overlaid on it.
pub fn render(template: Template, input: TemplateInput<'_>) -> Result<Value, InjectError> {
    let common = Common::new(input);
    match template {
        Template::Sidecar => sidecar::render(&common),
        Template::Gateway => gateway::render(&common),
        Template::GrpcAgent => grpc::render_agent(&common),
        Template::GrpcSimple => grpc::render_simple(&common),
    }
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_go_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

mod common;
pub(crate) use common::Common;
mod gateway;
mod grpc;
mod sidecar;
mod user;

#[cfg(test)]
mod tests;
