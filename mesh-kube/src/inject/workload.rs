//! Injection into workload manifests, as `istioctl kube-inject` does it: the pod template
//! of a Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, ReplicationController,
//! DeploymentConfig or CronJob (or a bare Pod, or a `List` of them) is injected in place;
//! other documents pass through.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::decision::inject_required;
use super::deploy_meta::{DeployMeta, deploy_meta};
use super::pod::inject_pod_of;
use super::template::string_map;
use super::{InjectError, InjectValues, InjectorConfig};

/// What happened to one document.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkloadOutcome {
    /// The document with its pod template injected.
    Injected(Value),
    /// A workload left as it is, and why (host networking, injection disabled).
    Skipped {
        /// The document, unchanged.
        document: Value,
        /// Istio's reason, such as `Deployment "shop/web" has host networking enabled`.
        reason: String,
    },
    /// Not a workload (a Service, a ConfigMap, ...): unchanged.
    NotAWorkload(Value),
}

impl WorkloadOutcome {
    /// The resulting document.
    pub fn document(&self) -> &Value {
        match self {
            Self::Injected(d) | Self::Skipped { document: d, .. } | Self::NotAWorkload(d) => d,
        }
    }
}

/// The JSON pointers of a workload's pod metadata and pod spec. A CronJob's pod metadata is
/// its job template's metadata: that is where kube-inject writes it.
fn template_paths(kind: &str) -> Option<(&'static str, &'static str)> {
    match kind {
        "Pod" => Some(("/metadata", "/spec")),
        "CronJob" => Some(("/spec/jobTemplate/metadata", "/spec/jobTemplate/spec/template/spec")),
        "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => Some(("/spec/template/metadata", "/spec/template/spec")),
        _ => None,
    }
}

fn set(doc: &mut Value, pointer: &str, value: Value) {
    let mut target = doc;
    for token in pointer.split('/').skip(1) {
        if !target.is_object() {
            *target = json!({});
        }
        target = &mut target[token];
    }
    *target = value;
}

/// Injects one document (a `List`'s items each).
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::workload::{inject_workload, WorkloadOutcome};
/// use mesh_kube::inject::InjectValues;
/// let deploy = json!({"apiVersion": "apps/v1", "kind": "Deployment",
///     "metadata": {"name": "web", "namespace": "shop"},
///     "spec": {"template": {"metadata": {"labels": {"app": "web"}},
///                           "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}});
/// let out = inject_workload(&deploy, &InjectValues::default()).unwrap();
/// let WorkloadOutcome::Injected(doc) = out else { panic!() };
/// assert_eq!(doc["spec"]["template"]["spec"]["containers"][1]["name"], "istio-proxy");
/// ```
pub fn inject_workload(doc: &Value, values: &InjectValues) -> Result<WorkloadOutcome, InjectError> {
    let kind = doc["kind"].as_str().unwrap_or("");
    if kind == "List" || (kind.ends_with("List") && doc["items"].is_array()) {
        let mut out = doc.clone();
        if let Some(items) = out["items"].as_array_mut() {
            for item in items.iter_mut() {
                let injected = inject_workload(item, values)?;
                *item = injected.document().clone();
            }
        }
        return Ok(WorkloadOutcome::Injected(out));
    }
    let Some((meta_at, spec_at)) = template_paths(kind) else {
        return Ok(WorkloadOutcome::NotAWorkload(doc.clone()));
    };
    let Some(spec) = doc.pointer(spec_at).filter(|s| s.is_object()) else {
        return Err(InjectError::NoPod(format!("the {kind} has no pod template at {spec_at}")));
    };
    let no_meta = json!({});
    let meta = doc.pointer(meta_at).filter(|m| m.is_object()).unwrap_or(&no_meta);
    let pod = json!({"metadata": meta, "spec": spec});
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let deploy = if kind == "Pod" {
        deploy_meta(doc)
    } else {
        DeployMeta {
            name: s(&doc["metadata"]["name"]),
            namespace: s(&doc["metadata"]["namespace"]),
            kind: kind.to_string(),
            api_version: s(&doc["apiVersion"]),
        }
    };
    let name = meta["name"].as_str().filter(|n| !n.is_empty()).unwrap_or(&deploy.name);
    let namespace = meta["namespace"].as_str().filter(|n| !n.is_empty()).unwrap_or(&deploy.namespace);
    let full =
        if deploy.namespace.is_empty() { name.to_string() } else { format!("{}/{name}", deploy.namespace) };
    if spec["hostNetwork"].as_bool() == Some(true) {
        let reason = format!("{kind} {full:?} has host networking enabled");
        return Ok(WorkloadOutcome::Skipped { document: doc.clone(), reason });
    }
    let labels: BTreeMap<String, String> = string_map(meta.get("labels"));
    let annotations = string_map(meta.get("annotations"));
    let (inject, _) = inject_required(&InjectorConfig::default(), namespace, &labels, &annotations, false);
    if !inject {
        let reason = format!("{kind} {full:?} has sidecar injection disabled");
        return Ok(WorkloadOutcome::Skipped { document: doc.clone(), reason });
    }
    let injected = inject_pod_of(&pod, &deploy, values)?;
    let mut out = doc.clone();
    set(&mut out, meta_at, injected["metadata"].clone());
    set(&mut out, spec_at, injected["spec"].clone());
    Ok(WorkloadOutcome::Injected(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    // istio inject.go IntoObject: host networking and the opt-out annotation skip the
    // workload; other kinds pass through; a List injects each item.
    #[test]
    fn kube_inject_skips_and_passes_through_like_istio() {
        let values = InjectValues::default();
        let host = json!({"kind": "Deployment", "apiVersion": "apps/v1", "metadata": {"name": "h", "namespace": "ns"},
            "spec": {"template": {"spec": {"hostNetwork": true, "containers": [{"name": "a"}]}}}});
        match inject_workload(&host, &values).unwrap() {
            WorkloadOutcome::Skipped { reason, .. } => {
                assert_eq!(reason, r#"Deployment "ns/h" has host networking enabled"#)
            }
            other => panic!("{other:?}"),
        }
        let svc = json!({"kind": "Service", "metadata": {"name": "s"}});
        assert_eq!(inject_workload(&svc, &values).unwrap(), WorkloadOutcome::NotAWorkload(svc.clone()));
        let off = json!({"kind": "Pod", "metadata": {"name": "p", "annotations": {"sidecar.istio.io/inject": "false"}},
            "spec": {"containers": [{"name": "a"}]}});
        assert!(matches!(inject_workload(&off, &values).unwrap(), WorkloadOutcome::Skipped { .. }));
        let list = json!({"kind": "List", "items": [svc, {"kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "a"}]}}]});
        let out = inject_workload(&list, &values).unwrap();
        assert_eq!(out.document()["items"][1]["spec"]["containers"][1]["name"], "istio-proxy");
        let broken = json!({"kind": "Deployment", "metadata": {"name": "d"}, "spec": {}});
        assert!(inject_workload(&broken, &values).is_err());
    }
}
