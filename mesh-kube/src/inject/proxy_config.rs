//! The pod's effective ProxyConfig (the mesh's `defaultConfig` with the pod's
//! `proxy.istio.io/config` annotation merged over it) and the `PROXY_CONFIG` value the
//! template writes: Istio's protobuf JSON with the settings equal to Istio's defaults left
//! out, fields in the order `proxy.proto` declares them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::typed::is_zero;
use super::{InjectError, InjectValues};

/// `proxy.istio.io/config`: ProxyConfig overrides for one pod (YAML or JSON).
pub const PROXY_CONFIG_ANNOTATION: &str = "proxy.istio.io/config";

/// ProxyConfig's fields in `proxy.proto` declaration order: protobuf JSON writes them so.
const FIELD_ORDER: &[&str] = &[
    "configPath",
    "binaryPath",
    "serviceCluster",
    "tracingServiceName",
    "drainDuration",
    "discoveryAddress",
    "discoveryRefreshDelay",
    "zipkinAddress",
    "statsdUdpAddress",
    "envoyMetricsServiceAddress",
    "proxyAdminPort",
    "availabilityZone",
    "controlPlaneAuthPolicy",
    "customConfigFile",
    "statNameLength",
    "concurrency",
    "proxyBootstrapTemplatePath",
    "interceptionMode",
    "tracing",
    "sds",
    "envoyAccessLogService",
    "envoyMetricsService",
    "proxyMetadata",
    "runtimeValues",
    "statusPort",
    "extraStatTags",
    "gatewayTopology",
    "terminationDrainDuration",
    "meshId",
    "readinessProbe",
    "proxyStatsMatcher",
    "holdApplicationUntilProxyStarts",
    "caCertificatesPem",
    "image",
    "privateKeyProvider",
    "proxyHeaders",
    "fileFlushInterval",
    "fileFlushMinSizeKb",
    "statsCompression",
    "connectionSettings",
];

/// Duration fields (written as protobuf JSON durations, `"23s"`).
const DURATIONS: &[&str] =
    &["drainDuration", "discoveryRefreshDelay", "terminationDrainDuration", "fileFlushInterval"];

/// Plain scalars (not wrappers): protobuf JSON leaves them out at their zero value.
const PLAIN_SCALARS: &[&str] = &[
    "configPath",
    "binaryPath",
    "serviceCluster",
    "tracingServiceName",
    "discoveryAddress",
    "zipkinAddress",
    "statsdUdpAddress",
    "envoyMetricsServiceAddress",
    "proxyAdminPort",
    "availabilityZone",
    "customConfigFile",
    "statNameLength",
    "proxyBootstrapTemplatePath",
    "statusPort",
    "meshId",
    "fileFlushMinSizeKb",
];

/// Istio's ProxyConfig defaults (`mesh.DefaultProxyConfig`) for the fields the injector
/// drops when they are unchanged (`cleanProxyConfig`).
fn cleaned_defaults() -> [(&'static str, Value); 12] {
    [
        ("configPath", json!("./etc/istio/proxy")),
        ("binaryPath", json!("/usr/local/bin/envoy")),
        ("serviceCluster", json!("istio-proxy")),
        ("controlPlaneAuthPolicy", json!("MUTUAL_TLS")),
        ("drainDuration", json!("45s")),
        ("terminationDrainDuration", json!("5s")),
        ("discoveryAddress", json!("istiod.istio-system.svc:15012")),
        ("tracing", json!({"zipkin": {"address": "zipkin.istio-system:9411"}})),
        ("proxyAdminPort", json!(15000)),
        ("statNameLength", json!(189)),
        ("statusPort", json!(15020)),
        ("concurrency", json!(2)),
    ]
}

/// Protobuf merge of `over` into `base`: messages merge field by field, maps key by key,
/// lists append, scalars replace.
fn merge(base: &mut Value, over: &Value, depth_is_root: bool) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v, false),
                    Some(Value::Array(existing)) if depth_is_root && v.is_array() => {
                        existing.extend(v.as_array().into_iter().flatten().cloned());
                    }
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// The pod's effective ProxyConfig: the mesh's `defaultConfig` (`values.proxy_config`) with
/// the `proxy.istio.io/config` annotation merged over it, durations in protobuf form.
pub fn effective(
    values: &InjectValues,
    annotations: &BTreeMap<String, String>,
) -> Result<Value, InjectError> {
    let mut pc = if values.proxy_config.is_object() { values.proxy_config.clone() } else { json!({}) };
    if let Some(text) = annotations.get(PROXY_CONFIG_ANNOTATION) {
        let (over, _) = mesh_model::load::parse_document::<Value>(text, "ProxyConfig").map_err(|e| {
            InjectError::InvalidAnnotation {
                annotation: PROXY_CONFIG_ANNOTATION.into(),
                value: text.clone(),
                reason: e.to_string(),
            }
        })?;
        if !over.is_null() && !over.is_object() {
            return Err(InjectError::InvalidAnnotation {
                annotation: PROXY_CONFIG_ANNOTATION.into(),
                value: text.clone(),
                reason: "it is not a ProxyConfig object".into(),
            });
        }
        merge(&mut pc, &over, true);
    }
    if let Some(m) = pc.as_object_mut() {
        for key in DURATIONS {
            if let Some(Value::String(s)) = m.get(*key) {
                let d: mesh_model::Duration = s.parse().map_err(|e: mesh_model::common::DurationError| {
                    InjectError::InvalidAnnotation {
                        annotation: PROXY_CONFIG_ANNOTATION.into(),
                        value: s.clone(),
                        reason: e.to_string(),
                    }
                })?;
                m.insert((*key).to_string(), json!(proto_duration(d.as_nanos())));
            }
        }
    }
    Ok(pc)
}

/// A duration as protobuf JSON writes it: seconds, with 0, 3, 6 or 9 fractional digits.
pub fn proto_duration(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    let (secs, frac) = (abs / 1_000_000_000, abs % 1_000_000_000);
    if frac == 0 {
        format!("{sign}{secs}s")
    } else if frac % 1_000_000 == 0 {
        format!("{sign}{secs}.{:03}s", frac / 1_000_000)
    } else if frac % 1_000 == 0 {
        format!("{sign}{secs}.{:06}s", frac / 1_000)
    } else {
        format!("{sign}{secs}.{frac:09}s")
    }
}

/// The `PROXY_CONFIG` environment value: the effective ProxyConfig without the settings
/// equal to Istio's defaults, as compact protobuf JSON.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::proxy_config::env_json;
/// assert_eq!(env_json(&json!({"drainDuration": "45s"})), "{}");
/// assert_eq!(env_json(&json!({"concurrency": 0, "discoveryAddress": "foo:123"})),
///            r#"{"discoveryAddress":"foo:123","concurrency":0}"#);
/// ```
pub fn env_json(pc: &Value) -> String {
    let Some(fields) = pc.as_object() else { return "{}".into() };
    let defaults = cleaned_defaults();
    let mut out = Map::new();
    let mut emit = |key: &str, v: &Value| {
        if defaults.iter().any(|(k, d)| *k == key && d == v) {
            return;
        }
        if PLAIN_SCALARS.contains(&key) && is_zero(v) {
            return;
        }
        match (key, v) {
            ("interceptionMode", Value::String(m)) if m == "REDIRECT" => return,
            ("controlPlaneAuthPolicy", Value::String(m)) if m == "NONE" => return,
            ("proxyMetadata" | "runtimeValues", Value::Object(m)) if m.is_empty() => return,
            (_, Value::Null) => return,
            _ => {}
        }
        let v = match v {
            // Protobuf JSON writes map entries sorted by key.
            Value::Object(m) if key == "proxyMetadata" || key == "runtimeValues" => {
                let sorted: BTreeMap<&String, &Value> = m.iter().collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            }
            _ => v.clone(),
        };
        out.insert(key.to_string(), v);
    };
    for key in FIELD_ORDER {
        if let Some(v) = fields.get(*key) {
            emit(key, v);
        }
    }
    // Fields this list does not know (newer Istio) follow, in the order given.
    for (k, v) in fields {
        if !FIELD_ORDER.contains(&k.as_str()) {
            emit(k, v);
        }
    }
    Value::Object(out).to_string()
}

/// `holdApplicationUntilProxyStarts` of the ProxyConfig.
pub fn holds_application(pc: &Value) -> bool {
    pc["holdApplicationUntilProxyStarts"].as_bool().unwrap_or(false)
}

/// The ProxyConfig's `statusPort` (15020 when unset or zero).
pub fn status_port(pc: &Value) -> i64 {
    pc["statusPort"].as_i64().filter(|p| *p != 0).unwrap_or(15020)
}

/// The ProxyConfig's `interceptionMode`, when set.
pub fn interception_mode(pc: &Value) -> Option<&str> {
    pc["interceptionMode"].as_str()
}

/// `proxyMetadata`, sorted by key (the template's `range` order).
pub fn proxy_metadata(pc: &Value) -> BTreeMap<String, String> {
    pc["proxyMetadata"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string)))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // istio template_test.go TestCleanProxyConfig: defaults vanish, changed values stay.
    #[test]
    fn defaults_are_cleaned_and_order_follows_the_proto() {
        assert_eq!(env_json(&json!({})), "{}");
        assert_eq!(
            env_json(&json!({"statusPort": 15020, "proxyAdminPort": 15000, "drainDuration": "45s",
                             "tracing": {"zipkin": {"address": "zipkin.istio-system:9411"}}})),
            "{}"
        );
        assert_eq!(env_json(&json!({"tracing": {}})), r#"{"tracing":{}}"#);
        assert_eq!(
            env_json(&json!({"holdApplicationUntilProxyStarts": true, "drainDuration": "23s"})),
            r#"{"drainDuration":"23s","holdApplicationUntilProxyStarts":true}"#
        );
        assert_eq!(env_json(&json!({"interceptionMode": "TPROXY"})), r#"{"interceptionMode":"TPROXY"}"#);
        assert_eq!(
            env_json(&json!({"proxyMetadata": {"b": "2", "a": "1"}})),
            r#"{"proxyMetadata":{"a":"1","b":"2"}}"#
        );
    }

    #[test]
    fn annotation_merges_over_the_mesh_default() {
        let values = InjectValues {
            proxy_config: json!({"proxyMetadata": {"A": "mesh", "B": "mesh"}, "concurrency": 2}),
            ..InjectValues::default()
        };
        let ann = BTreeMap::from([(
            PROXY_CONFIG_ANNOTATION.to_string(),
            "proxyMetadata:\n  B: pod\nconcurrency: 0\ndrainDuration: 1m\n".to_string(),
        )]);
        let pc = effective(&values, &ann).unwrap();
        assert_eq!(pc["proxyMetadata"], json!({"A": "mesh", "B": "pod"}));
        assert_eq!(pc["concurrency"], json!(0));
        assert_eq!(pc["drainDuration"], json!("60s"));
        let bad = BTreeMap::from([(PROXY_CONFIG_ANNOTATION.to_string(), "[1, 2]".to_string())]);
        assert!(matches!(effective(&values, &bad), Err(InjectError::InvalidAnnotation { .. })));
    }

    #[test]
    fn proto_durations() {
        assert_eq!(proto_duration(23_000_000_000), "23s");
        assert_eq!(proto_duration(1_500_000_000), "1.500s");
        assert_eq!(proto_duration(1_000), "0.000001s");
        assert_eq!(proto_duration(1), "0.000000001s");
    }
}
