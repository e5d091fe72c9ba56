//! Prometheus metrics merge (Istio's `applyPrometheusMerge`): the app's `prometheus.io/*`
//! scrape settings move to the agent (`ISTIO_PROMETHEUS_ANNOTATIONS`), which serves Envoy's
//! and the app's metrics together on the status port, and the annotations point there.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::access::{sidecar_mut, with_env, with_map};
use super::template::{parse_go_bool, string_map};
use super::{InjectError, InjectValues};

/// Go's `SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes `_`.
pub(super) fn sanitize(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

pub(super) fn is_prometheus_annotation(key: &str) -> bool {
    matches!(
        sanitize(key).as_str(),
        "prometheus_io_path"
            | "prometheus_io_port"
            | "prometheus_io_scrape"
            | "prometheus_istio_io_scrape_targets"
    )
}

pub(super) fn prometheus_port(annotations: &BTreeMap<String, String>) -> Option<&String> {
    annotations.iter().find(|(k, _)| sanitize(k) == "prometheus_io_port").map(|(_, v)| v)
}

/// Prometheus merge (Istio's `applyPrometheusMerge`): the app's scrape settings move to the
/// agent in `ISTIO_PROMETHEUS_ANNOTATIONS`, and the pod's annotations point at the agent.
pub(super) fn prometheus_merge(
    pod: &mut Value,
    values: &InjectValues,
    mesh_status_port: i64,
) -> Result<(), InjectError> {
    let annotations = string_map(pod["metadata"].get("annotations"));
    let scrape = annotations
        .iter()
        .filter(|(k, _)| sanitize(k) == "prometheus_io_scrape")
        .find_map(|(_, v)| parse_go_bool(v))
        .unwrap_or(true);
    let enabled = annotations
        .get("prometheus.istio.io/merge-metrics")
        .and_then(|v| parse_go_bool(v))
        .unwrap_or(values.enable_prometheus_merge);
    if !scrape || !enabled {
        return Ok(());
    }
    let target = mesh_status_port.to_string();
    if prometheus_port(&annotations).is_some_and(|p| *p == target) {
        return Ok(());
    }
    let (mut cfg_scrape, mut path, mut port, mut targets) =
        (String::new(), String::new(), String::new(), Vec::new());
    for (k, v) in &annotations {
        match sanitize(k).as_str() {
            "prometheus_io_port" => port = v.clone(),
            "prometheus_io_scrape" => cfg_scrape = v.clone(),
            "prometheus_io_path" => path = v.clone(),
            "prometheus_istio_io_scrape_targets" => targets = scrape_targets(v),
            _ => {}
        }
    }
    let invalid = |reason: String| InjectError::Prometheus(reason);
    let check = |p: &str, what: &str| -> Result<(), InjectError> {
        let n: u32 = p.parse().map_err(|_| invalid(format!("invalid {what}: invalid port {p:?}")))?;
        if !(1..=65535).contains(&n) {
            return Err(invalid(format!("invalid {what}: invalid port {p:?}")));
        }
        if n.to_string() == target {
            return Err(invalid(format!("invalid {what}: port {p} conflicts with agent port")));
        }
        if let Some(reason) = reserved_port(n) {
            return Err(invalid(format!(
                "invalid {what}: port {p} is reserved for Istio ({reason}) and cannot be scraped"
            )));
        }
        Ok(())
    };
    if let Some((first_port, first_path)) = targets.first().cloned() {
        port = first_port;
        path = first_path;
        for (p, _) in &targets {
            check(p, "prometheus scrape targets")?;
        }
    } else if !port.is_empty() {
        check(&port, "prometheus scrape configuration")?;
    }
    let empty = cfg_scrape.is_empty() && path.is_empty() && port.is_empty() && targets.is_empty();
    if !empty && let Some(sidecar) = sidecar_mut(pod) {
        let mut cfg = json!({"scrape": cfg_scrape, "path": path, "port": port});
        if !targets.is_empty() {
            cfg["targets"] =
                Value::Array(targets.iter().map(|(p, path)| json!({"port": p, "path": path})).collect());
        }
        with_env(sidecar, |env| {
            env.push(json!({"name": "ISTIO_PROMETHEUS_ANNOTATIONS", "value": cfg.to_string()}));
        });
    }
    with_map(pod, "annotations", |ann| {
        ann.retain(|k, _| !is_prometheus_annotation(k));
        ann.insert("prometheus.io/port".into(), json!(target));
        ann.insert("prometheus.io/path".into(), json!("/stats/prometheus"));
        ann.insert("prometheus.io/scrape".into(), json!("true"));
    });
    Ok(())
}

/// `prometheus.istio.io/scrape-targets`: `port:path` pairs, `/metrics` by default.
fn scrape_targets(raw: &str) -> Vec<(String, String)> {
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let (port, path) = e.split_once(':').unwrap_or((e, ""));
            let port = port.trim();
            let path = if path.trim().is_empty() { "/metrics" } else { path.trim() };
            (!port.is_empty()).then(|| (port.to_string(), path.to_string()))
        })
        .collect()
}

/// The data-plane ports a scrape target may not use.
fn reserved_port(port: u32) -> Option<&'static str> {
    Some(match port {
        15000 => "Envoy admin",
        15001 => "outbound traffic capture",
        15004 => "pilot debug",
        15006 => "inbound traffic capture",
        15008 => "HBONE tunnel",
        15020 => "pilot-agent status / merged Prometheus",
        15021 => "Envoy health",
        15053 => "DNS proxy",
        15090 => "Envoy Prometheus (already merged)",
        _ => return None,
    })
}

/// `prometheus.istio.io/secure-port` from the proxy's `ENVOY_SECURE_MERGED_METRICS_PORT`.
pub(super) fn secure_prometheus(pod: &mut Value) {
    let annotations = string_map(pod["metadata"].get("annotations"));
    if annotations.keys().any(|k| sanitize(k) == "prometheus_istio_io_secure_port") {
        return;
    }
    let port = sidecar_mut(pod).and_then(|s| {
        s["env"].as_array().into_iter().flatten().find_map(|e| {
            (e["name"] == "ENVOY_SECURE_MERGED_METRICS_PORT")
                .then(|| e["value"].as_str().unwrap_or("").to_string())
                .filter(|v| !v.is_empty() && v != "0")
        })
    });
    if let Some(port) = port {
        with_map(pod, "annotations", |a| a.insert("prometheus.istio.io/secure-port".into(), json!(port)));
    }
}
