//! The injected pod: what Istio's `sidecar` injection template adds to a pod (labels,
//! annotations, the `istio-init` or `istio-validation` init container, the `istio-proxy`
//! container, volumes), with the annotations that steer it (`sidecar.istio.io/proxyCPU`,
//! `...Memory`, `...CPULimit`, `...MemoryLimit`, `proxyImage`, `interceptionMode`,
//! `traffic.sidecar.istio.io/*`, readiness probe settings).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::InjectError;
use crate::capture::annotations::{CaptureDefaults, PodCapture, STATUS_PORT, pod_capture};

/// `sidecar.istio.io/status`: what injection added, so that it can be undone.
pub const STATUS_ANNOTATION: &str = "sidecar.istio.io/status";
/// The proxy container's name.
pub const PROXY_CONTAINER: &str = "istio-proxy";

/// Settings of the injector (the Helm values and mesh config the template reads), with
/// Istio's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InjectValues {
    /// `global.hub`.
    pub hub: String,
    /// `global.tag`.
    pub tag: String,
    /// `global.proxy.image`.
    pub proxy_image: String,
    /// The control plane's revision; empty for the default revision.
    pub revision: String,
    /// The namespace istiod runs in.
    pub istio_namespace: String,
    /// `global.proxy.clusterDomain`.
    pub cluster_domain: String,
    /// MeshConfig `trustDomain`.
    pub trust_domain: String,
    /// `global.multiCluster.clusterName`.
    pub cluster_id: String,
    /// `global.proxy.logLevel`.
    pub log_level: String,
    /// `global.proxy.componentLogLevel`.
    pub component_log_level: String,
    /// `global.logging.level`.
    pub agent_log_level: String,
    /// `pilot.cni.enabled`: the CNI plugin installs the rules; the init container only validates.
    pub cni: bool,
    /// Inject the proxy as a native sidecar (an init container with `restartPolicy: Always`).
    pub native_sidecar: bool,
    /// `holdApplicationUntilProxyStarts`: the proxy goes first and blocks the app's start.
    pub hold_application_until_proxy_starts: bool,
    /// MeshConfig `enablePrometheusMerge`.
    pub enable_prometheus_merge: bool,
    /// `global.proxy.privileged`.
    pub privileged: bool,
    /// `global.proxy.readinessInitialDelaySeconds`.
    pub readiness_initial_delay_seconds: i64,
    /// `global.proxy.readinessPeriodSeconds`.
    pub readiness_period_seconds: i64,
    /// `global.proxy.readinessFailureThreshold`.
    pub readiness_failure_threshold: i64,
    /// `global.proxy.startupProbe.enabled`.
    pub startup_probe: bool,
    /// `global.proxy.resources`: used when no resource annotation is set.
    pub proxy_resources: Value,
    /// What traffic capture falls back to.
    pub capture: CaptureDefaults,
}

impl Default for InjectValues {
    fn default() -> Self {
        Self {
            hub: "docker.io/istio".into(),
            tag: "1.28.0".into(),
            proxy_image: "proxyv2".into(),
            revision: String::new(),
            istio_namespace: "istio-system".into(),
            cluster_domain: "cluster.local".into(),
            trust_domain: "cluster.local".into(),
            cluster_id: "Kubernetes".into(),
            log_level: "warning".into(),
            component_log_level: "misc:error".into(),
            agent_log_level: "default:info".into(),
            cni: false,
            native_sidecar: false,
            hold_application_until_proxy_starts: false,
            enable_prometheus_merge: true,
            privileged: false,
            readiness_initial_delay_seconds: 0,
            readiness_period_seconds: 15,
            readiness_failure_threshold: 4,
            startup_probe: true,
            proxy_resources: json!({
                "limits": {"cpu": "2000m", "memory": "1024Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"}
            }),
            capture: CaptureDefaults::default(),
        }
    }
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// Whether `s` is a Kubernetes quantity (`100m`, `1.5`, `128Mi`, `1e3`).
pub fn is_quantity(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let num_end = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_end);
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return false;
    }
    matches!(suffix, "" | "m" | "k" | "M" | "G" | "T" | "P" | "E" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei")
        || ((suffix.starts_with('e') || suffix.starts_with('E'))
            && suffix[1..]
                .strip_prefix(['+', '-'])
                .unwrap_or(&suffix[1..])
                .bytes()
                .all(|b| b.is_ascii_digit())
            && suffix.len() > 1)
}

/// The proxy's resources: from the four annotations when any is set, else the mesh default.
fn resources(annotations: &BTreeMap<String, String>, values: &InjectValues) -> Result<Value, InjectError> {
    let keys = [
        ("sidecar.istio.io/proxyCPU", "requests", "cpu"),
        ("sidecar.istio.io/proxyMemory", "requests", "memory"),
        ("sidecar.istio.io/proxyCPULimit", "limits", "cpu"),
        ("sidecar.istio.io/proxyMemoryLimit", "limits", "memory"),
    ];
    if !keys.iter().any(|(k, _, _)| annotations.contains_key(*k)) {
        return Ok(values.proxy_resources.clone());
    }
    let mut out = Map::new();
    for (key, group, res) in keys {
        if let Some(v) = annotations.get(key) {
            if !is_quantity(v) {
                return Err(InjectError::InvalidQuantity { annotation: key.into(), value: v.clone() });
            }
            let g = out.entry(group).or_insert_with(|| json!({}));
            if let Some(m) = g.as_object_mut() {
                m.insert(res.into(), Value::String(v.clone()));
            }
        }
    }
    Ok(Value::Object(out))
}

/// The workload (Deployment) name of a pod, as Istio derives it: a ReplicaSet-owned pod
/// with a `pod-template-hash` label drops the hash from its generated name.
pub fn workload_name(pod: &Value) -> String {
    let meta = &pod["metadata"];
    let labels = string_map(meta.get("labels"));
    let owner = meta["ownerReferences"].as_array().and_then(|o| o.iter().find(|r| r["controller"] == true));
    if let Some(owner) = owner {
        let kind = owner["kind"].as_str().unwrap_or("");
        let name = owner["name"].as_str().unwrap_or("");
        if kind == "ReplicaSet"
            && let Some(hash) = labels.get("pod-template-hash")
            && let Some(stripped) = name.strip_suffix(&format!("-{hash}"))
        {
            return stripped.to_string();
        }
        if kind == "Job" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" {
            return name.to_string();
        }
    }
    let name = meta["name"].as_str().unwrap_or("");
    if !name.is_empty() {
        return name.to_string();
    }
    meta["generateName"].as_str().unwrap_or("").trim_end_matches('-').to_string()
}

fn canonical_name(labels: &BTreeMap<String, String>, workload: &str) -> String {
    let base = labels
        .get("service.istio.io/canonical-name")
        .or_else(|| labels.get("app.kubernetes.io/name"))
        .or_else(|| labels.get("app"))
        .filter(|s| !s.is_empty())
        .map_or(workload, String::as_str);
    let truncated: String = base.chars().take(63).collect();
    truncated.trim_matches(['-', '_', '.']).to_string()
}

fn canonical_revision(labels: &BTreeMap<String, String>) -> String {
    labels
        .get("service.istio.io/canonical-revision")
        .or_else(|| labels.get("app.kubernetes.io/version"))
        .or_else(|| labels.get("version"))
        .filter(|s| !s.is_empty())
        .cloned()
        .unwrap_or_else(|| "latest".into())
}

fn int_annotation(annotations: &BTreeMap<String, String>, key: &str, default: i64) -> Value {
    match annotations.get(key) {
        Some(v) => v.parse::<i64>().map_or_else(|_| Value::String(v.clone()), Value::from),
        None => Value::from(default),
    }
}

fn field_env(name: &str, path: &str) -> Value {
    json!({"name": name, "valueFrom": {"fieldRef": {"fieldPath": path}}})
}

fn resource_env(name: &str, resource: &str) -> Value {
    json!({"name": name, "valueFrom": {"resourceFieldRef": {"resource": resource, "divisor": "1"}}})
}

/// What injection adds to one pod, before it is merged in.
#[derive(Debug, Clone, PartialEq)]
pub struct Sidecar {
    /// Labels to set.
    pub labels: BTreeMap<String, String>,
    /// Annotations to set.
    pub annotations: BTreeMap<String, String>,
    /// Init containers (`istio-init` or `istio-validation`; and `istio-proxy` when native).
    pub init_containers: Vec<Value>,
    /// Containers (`istio-proxy`).
    pub containers: Vec<Value>,
    /// Volumes.
    pub volumes: Vec<Value>,
    /// The traffic capture the init container sets up.
    pub capture: PodCapture,
}

/// Renders the sidecar template for `pod` (a Pod object as JSON).
pub fn render_sidecar(pod: &Value, values: &InjectValues) -> Result<Sidecar, InjectError> {
    let meta = &pod["metadata"];
    let labels = string_map(meta.get("labels"));
    let annotations = string_map(meta.get("annotations"));
    let capture = pod_capture(&annotations, &values.capture)?;
    let tproxy = capture.mode == "TPROXY";
    let resources = resources(&annotations, values)?;
    let workload = workload_name(pod);
    let app_containers: Vec<String> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["name"].as_str())
                .filter(|n| *n != PROXY_CONTAINER)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let image = |ann_key: &str| -> String {
        match annotations.get(ann_key) {
            Some(i) if i.contains('/') => i.clone(),
            _ => format!("{}/{}:{}", values.hub, values.proxy_image, values.tag),
        }
    };
    let proxy_image = image("sidecar.istio.io/proxyImage");

    let mut out_labels = BTreeMap::new();
    out_labels.insert(
        "security.istio.io/tlsMode".to_string(),
        labels.get("security.istio.io/tlsMode").cloned().unwrap_or_else(|| "istio".into()),
    );
    out_labels.insert("service.istio.io/canonical-name".to_string(), canonical_name(&labels, &workload));
    out_labels.insert("service.istio.io/canonical-revision".to_string(), canonical_revision(&labels));

    let mut out_ann = BTreeMap::new();
    let rev = if values.revision.is_empty() { "default" } else { values.revision.as_str() };
    out_ann.insert("istio.io/rev".to_string(), rev.to_string());
    if let Some(first) = app_containers.first() {
        for key in ["kubectl.kubernetes.io/default-logs-container", "kubectl.kubernetes.io/default-container"]
        {
            if !annotations.contains_key(key) {
                out_ann.insert(key.to_string(), first.clone());
            }
        }
    }

    // The init container.
    let mut init_containers = Vec::new();
    if capture.mode != "NONE" {
        let (name, mut args, security) = if values.cni {
            let mut args = capture.args.clone();
            args.extend(["--run-validation".to_string(), "--skip-rule-apply".to_string()]);
            let id = if tproxy { 1337 } else { values.capture.proxy_uid.parse::<i64>().unwrap_or(1337) };
            let sc = json!({
                "allowPrivilegeEscalation": values.privileged, "privileged": values.privileged,
                "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true,
                "runAsGroup": id, "runAsUser": id, "runAsNonRoot": true
            });
            ("istio-validation", args, sc)
        } else {
            let sc = json!({
                "allowPrivilegeEscalation": values.privileged, "privileged": values.privileged,
                "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                "readOnlyRootFilesystem": false, "runAsGroup": 0, "runAsNonRoot": false, "runAsUser": 0
            });
            ("istio-init", capture.args.clone(), sc)
        };
        args.shrink_to_fit();
        init_containers.push(json!({
            "name": name,
            "image": image("sidecar.istio.io/proxyImage"),
            "args": args,
            "resources": resources,
            "securityContext": security,
        }));
    }

    // The proxy container.
    let status_port =
        annotations.get(STATUS_PORT).cloned().unwrap_or_else(|| values.capture.status_port.clone());
    let pod_ports: Vec<Value> = pod["spec"]["containers"]
        .as_array()
        .map(|cs| cs.iter().flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default()).collect())
        .unwrap_or_default();
    let ca_addr = if values.revision.is_empty() {
        format!("istiod.{}.svc:15012", values.istio_namespace)
    } else {
        format!("istiod-{}.{}.svc:15012", values.revision, values.istio_namespace)
    };
    let mut env = vec![
        json!({"name": "PILOT_CERT_PROVIDER", "value": "istiod"}),
        json!({"name": "CA_ADDR", "value": ca_addr}),
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        field_env("INSTANCE_IP", "status.podIP"),
        field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        field_env("HOST_IP", "status.hostIP"),
        resource_env("ISTIO_CPU_LIMIT", "limits.cpu"),
        json!({"name": "PROXY_CONFIG", "value": "{}\n"}),
        json!({"name": "ISTIO_META_POD_PORTS", "value": Value::Array(pod_ports).to_string()}),
        json!({"name": "ISTIO_META_APP_CONTAINERS", "value": app_containers.join(",")}),
        resource_env("GOMEMLIMIT", "limits.memory"),
        json!({"name": "ISTIO_META_CLUSTER_ID", "value": values.cluster_id}),
        field_env("ISTIO_META_NODE_NAME", "spec.nodeName"),
        json!({"name": "ISTIO_META_INTERCEPTION_MODE", "value": capture.mode}),
    ];
    let workload_label =
        labels.get("service.istio.io/workload-name").cloned().unwrap_or_else(|| workload.clone());
    if !workload_label.is_empty() {
        env.push(json!({"name": "ISTIO_META_WORKLOAD_NAME", "value": workload_label}));
    }
    if !values.trust_domain.is_empty() {
        env.push(json!({"name": "ISTIO_META_MESH_ID", "value": values.trust_domain}));
        env.push(json!({"name": "TRUST_DOMAIN", "value": values.trust_domain}));
    }
    let security = if tproxy {
        json!({
            "allowPrivilegeEscalation": values.privileged,
            "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
            "privileged": values.privileged, "readOnlyRootFilesystem": true,
            "runAsNonRoot": false, "runAsUser": 0, "runAsGroup": 1337
        })
    } else {
        let id = values.capture.proxy_uid.parse::<i64>().unwrap_or(1337);
        json!({
            "allowPrivilegeEscalation": values.privileged,
            "capabilities": {"drop": ["ALL"]},
            "privileged": values.privileged, "readOnlyRootFilesystem": true,
            "runAsNonRoot": true, "runAsUser": id, "runAsGroup": id
        })
    };
    let mut proxy = json!({
        "name": PROXY_CONTAINER,
        "image": proxy_image,
        "ports": [{"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}],
        "args": [
            "proxy", "sidecar", "--domain",
            format!("$(POD_NAMESPACE).svc.{}", values.cluster_domain),
            format!("--proxyLogLevel={}", annotations.get("sidecar.istio.io/logLevel").unwrap_or(&values.log_level)),
            format!("--proxyComponentLogLevel={}",
                annotations.get("sidecar.istio.io/componentLogLevel").unwrap_or(&values.component_log_level)),
            format!("--log_output_level={}",
                annotations.get("sidecar.istio.io/agentLogLevel").unwrap_or(&values.agent_log_level)),
        ],
        "env": env,
        "securityContext": security,
        "resources": resources,
        "volumeMounts": [
            {"name": "workload-socket", "mountPath": "/var/run/secrets/workload-spiffe-uds"},
            {"name": "credential-socket", "mountPath": "/var/run/secrets/credential-uds"},
            {"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"},
            {"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"},
            {"mountPath": "/var/run/secrets/istio/crl", "name": "istio-ca-crl"},
            {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
            {"mountPath": "/etc/istio/proxy", "name": "istio-envoy"},
            {"mountPath": "/var/run/secrets/tokens", "name": "istio-token"},
            {"name": "istio-podinfo", "mountPath": "/etc/istio/pod"}
        ],
    });
    if let Some(p) = proxy.as_object_mut() {
        if values.native_sidecar {
            p.insert("restartPolicy".into(), json!("Always"));
        }
        if values.hold_application_until_proxy_starts && !values.native_sidecar {
            p.insert(
                "lifecycle".into(),
                json!({"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}}),
            );
        }
        if status_port != "0" {
            if values.startup_probe {
                p.insert("startupProbe".into(), json!({
                    "httpGet": {"path": "/healthz/ready", "port": 15021},
                    "initialDelaySeconds": 0, "periodSeconds": 1, "timeoutSeconds": 3, "failureThreshold": 600
                }));
            }
            p.insert("readinessProbe".into(), json!({
                "httpGet": {"path": "/healthz/ready", "port": 15021},
                "initialDelaySeconds": int_annotation(&annotations,
                    "readiness.status.sidecar.istio.io/initialDelaySeconds", values.readiness_initial_delay_seconds),
                "periodSeconds": int_annotation(&annotations,
                    "readiness.status.sidecar.istio.io/periodSeconds", values.readiness_period_seconds),
                "timeoutSeconds": 3,
                "failureThreshold": int_annotation(&annotations,
                    "readiness.status.sidecar.istio.io/failureThreshold", values.readiness_failure_threshold),
            }));
        }
    }
    let mut containers = Vec::new();
    if values.native_sidecar {
        init_containers.push(proxy);
    } else {
        containers.push(proxy);
    }

    let volumes = vec![
        json!({"emptyDir": {}, "name": "workload-socket"}),
        json!({"emptyDir": {}, "name": "credential-socket"}),
        json!({"emptyDir": {}, "name": "workload-certs"}),
        json!({"emptyDir": {"medium": "Memory"}, "name": "istio-envoy"}),
        json!({"name": "istio-data", "emptyDir": {}}),
        json!({"name": "istio-podinfo", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}}
        ]}}),
        json!({"name": "istio-token", "projected": {"sources": [{"serviceAccountToken": {
            "path": "istio-token", "expirationSeconds": 43200, "audience": "istio-ca"}}]}}),
        json!({"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}}),
        json!({"name": "istio-ca-crl", "configMap": {"name": "istio-ca-crl", "optional": true}}),
    ];

    // Prometheus merge: the agent serves merged metrics on the status port.
    let scrape_off = annotations.get("prometheus.io/scrape").is_some_and(|v| v == "false")
        || annotations.get("prometheus.istio.io/merge-metrics").is_some_and(|v| v == "false");
    if values.enable_prometheus_merge && !scrape_off && status_port != "0" {
        out_ann.insert("prometheus.io/path".into(), "/stats/prometheus".into());
        out_ann.insert("prometheus.io/port".into(), status_port.clone());
        out_ann.insert("prometheus.io/scrape".into(), "true".into());
    }

    let names = |v: &[Value]| -> Vec<String> {
        v.iter().filter_map(|c| c["name"].as_str().map(String::from)).collect()
    };
    let status = json!({
        "initContainers": nullable(names(&init_containers)),
        "containers": nullable(names(&containers)),
        "volumes": nullable(names(&volumes)),
        "imagePullSecrets": Value::Null,
        "revision": rev,
    });
    out_ann.insert(STATUS_ANNOTATION.into(), status.to_string());
    Ok(Sidecar { labels: out_labels, annotations: out_ann, init_containers, containers, volumes, capture })
}

fn nullable(v: Vec<String>) -> Value {
    if v.is_empty() { Value::Null } else { json!(v) }
}

fn merge_named(list: &mut Vec<Value>, item: Value, first: bool) {
    let name = item["name"].as_str().unwrap_or("").to_string();
    let mut item = item;
    if let Some(pos) = list.iter().position(|c| c["name"] == name.as_str()) {
        // A container the pod already declares under this name overrides the template's
        // fields (Istio's custom-template override), key by key.
        let existing = list.remove(pos);
        if let (Some(base), Some(over)) = (item.as_object_mut(), existing.as_object()) {
            for (k, v) in over {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    if first { list.insert(0, item) } else { list.push(item) }
}

/// The pod with the sidecar injected, as the webhook would admit it.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::{inject_pod, InjectValues};
/// let pod = json!({"metadata": {"name": "p", "labels": {"app": "shop"}},
///                  "spec": {"containers": [{"name": "app", "image": "shop"}]}});
/// let out = inject_pod(&pod, &InjectValues::default()).unwrap();
/// assert_eq!(out["spec"]["containers"][1]["name"], "istio-proxy");
/// assert_eq!(out["spec"]["initContainers"][0]["name"], "istio-init");
/// assert_eq!(out["metadata"]["labels"]["service.istio.io/canonical-name"], "shop");
/// ```
pub fn inject_pod(pod: &Value, values: &InjectValues) -> Result<Value, InjectError> {
    if !pod.is_object() {
        return Err(InjectError::NoPod("the object is not a JSON object".into()));
    }
    let sidecar = render_sidecar(pod, values)?;
    let mut out = pod.clone();
    let obj = out.as_object_mut().ok_or_else(|| InjectError::NoPod("not an object".into()))?;
    let meta = obj.entry("metadata").or_insert_with(|| json!({}));
    if !meta.is_object() {
        *meta = json!({});
    }
    for (field, add) in [("labels", &sidecar.labels), ("annotations", &sidecar.annotations)] {
        let m = meta.as_object_mut().map(|m| m.entry(field).or_insert_with(|| json!({})));
        if let Some(m) = m {
            if !m.is_object() {
                *m = json!({});
            }
            if let Some(m) = m.as_object_mut() {
                for (k, v) in add {
                    m.insert(k.clone(), Value::String(v.clone()));
                }
            }
        }
    }
    let spec = obj.entry("spec").or_insert_with(|| json!({}));
    let Some(spec) = spec.as_object_mut() else {
        return Err(InjectError::NoPod("spec is not an object".into()));
    };
    let list =
        |key: &str| -> Vec<Value> { spec.get(key).and_then(Value::as_array).cloned().unwrap_or_default() };
    let mut inits = list("initContainers");
    let mut containers = list("containers");
    let mut volumes = list("volumes");
    if values.native_sidecar {
        // istio-init, then the proxy, then the pod's own init containers.
        for c in sidecar.init_containers.into_iter().rev() {
            merge_named(&mut inits, c, true);
        }
    } else {
        for c in sidecar.init_containers {
            merge_named(&mut inits, c, false);
        }
    }
    for c in sidecar.containers {
        merge_named(&mut containers, c, values.hold_application_until_proxy_starts);
    }
    for v in sidecar.volumes {
        merge_named(&mut volumes, v, false);
    }
    if !inits.is_empty() {
        spec.insert("initContainers".into(), Value::Array(inits));
    }
    spec.insert("containers".into(), Value::Array(containers));
    spec.insert("volumes".into(), Value::Array(volumes));
    Ok(out)
}

#[cfg(test)]
mod tests;
