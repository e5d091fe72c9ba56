//! The workload a pod belongs to, as Istio derives it from the pod's controller reference
//! (`kube.GetDeployMetaFromPod`): the name behind `ISTIO_META_WORKLOAD_NAME`,
//! `ISTIO_META_OWNER` and the default canonical service name.

use serde_json::Value;

/// The workload of a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployMeta {
    /// The workload's name (a Deployment's, not its ReplicaSet's).
    pub name: String,
    /// The pod's namespace (empty when the pod does not say).
    pub namespace: String,
    /// The workload's kind: `Pod`, `Deployment`, `CronJob`, `DaemonSet`, ...
    pub kind: String,
    /// The workload's API version (`v1`, `apps/v1`, `batch/v1`).
    pub api_version: String,
}

impl DeployMeta {
    /// `ISTIO_META_OWNER`: `kubernetes://apis/<apiVersion>/namespaces/<ns>/<kind>s/<name>`,
    /// the namespace `default` when the pod has none.
    pub fn owner(&self) -> String {
        let ns = if self.namespace.is_empty() { "default" } else { self.namespace.as_str() };
        format!(
            "kubernetes://apis/{}/namespaces/{ns}/{}s/{}",
            self.api_version,
            self.kind.to_lowercase(),
            self.name
        )
    }
}

/// A Job created by a CronJob is named `<cronjob>-<8 to 10 digit timestamp>`.
fn cron_job_name(job: &str) -> Option<&str> {
    let (base, stamp) = job.rsplit_once('-')?;
    (!base.is_empty() && (8..=10).contains(&stamp.len()) && stamp.bytes().all(|b| b.is_ascii_digit()))
        .then_some(base)
}

/// The workload of `pod` (a Pod object as JSON).
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::deploy_meta::deploy_meta;
/// let pod = json!({"metadata": {"generateName": "reviews-v1-7f9c-", "namespace": "shop",
///     "labels": {"pod-template-hash": "7f9c"},
///     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
///                          "name": "reviews-v1-7f9c", "controller": true}]}});
/// let meta = deploy_meta(&pod);
/// assert_eq!(meta.name, "reviews-v1");
/// assert_eq!(meta.owner(), "kubernetes://apis/apps/v1/namespaces/shop/deployments/reviews-v1");
/// ```
pub fn deploy_meta(pod: &Value) -> DeployMeta {
    let meta = &pod["metadata"];
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out = DeployMeta {
        name: s(&meta["name"]),
        namespace: s(&meta["namespace"]),
        kind: "Pod".into(),
        api_version: "v1".into(),
    };
    let generated = !meta["generateName"].as_str().unwrap_or("").is_empty();
    let controller = meta["ownerReferences"]
        .as_array()
        .and_then(|refs| refs.iter().find(|r| r["controller"].as_bool() == Some(true)));
    if let (true, Some(owner)) = (generated, controller) {
        out.api_version = s(&owner["apiVersion"]);
        out.kind = s(&owner["kind"]);
        out.name = s(&owner["name"]);
        let label = |k: &str| meta["labels"][k].as_str().unwrap_or("");
        let hash = label("pod-template-hash");
        let rollout_hash = label("rollouts-pod-template-hash");
        if out.kind == "ReplicaSet" && !hash.is_empty() && out.name.ends_with(hash) {
            out.name = out.name.strip_suffix(&format!("-{hash}")).unwrap_or(&out.name).to_string();
            out.kind = "Deployment".into();
        } else if out.kind == "ReplicaSet" && !rollout_hash.is_empty() && out.name.ends_with(rollout_hash) {
            out.name = out.name.strip_suffix(&format!("-{rollout_hash}")).unwrap_or(&out.name).to_string();
            out.kind = "Rollout".into();
            out.api_version = "v1alpha1".into();
        } else if out.kind == "ReplicationController" && !label("deploymentconfig").is_empty() {
            out.name = label("deploymentconfig").to_string();
            out.kind = "DeploymentConfig".into();
        } else if out.kind == "Job"
            && let Some(base) = cron_job_name(&out.name)
        {
            out.name = base.to_string();
            out.kind = "CronJob".into();
            out.api_version = "batch/v1".into();
        }
    }
    if out.name.is_empty() {
        out.name = s(&meta["name"]);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn owned(kind: &str, name: &str, labels: Value) -> Value {
        json!({"metadata": {"generateName": format!("{name}-"), "labels": labels,
            "ownerReferences": [{"apiVersion": "batch/v1", "kind": kind, "name": name, "controller": true}]}})
    }

    // istio pkg/kube/util_test.go TestDeploymentMetaFromPod (the heuristics it pins).
    #[test]
    fn controller_heuristics_match_istio() {
        let m = deploy_meta(&json!({"metadata": {"name": "bare", "namespace": "ns"}}));
        assert_eq!((m.name.as_str(), m.kind.as_str(), m.api_version.as_str()), ("bare", "Pod", "v1"));
        let m = deploy_meta(&owned("Job", "nightly-27345678", json!({})));
        assert_eq!(
            (m.name.as_str(), m.kind.as_str(), m.api_version.as_str()),
            ("nightly", "CronJob", "batch/v1")
        );
        let m = deploy_meta(&owned("Job", "once", json!({})));
        assert_eq!((m.name.as_str(), m.kind.as_str()), ("once", "Job"));
        let m = deploy_meta(&owned("ReplicaSet", "web-abc", json!({"rollouts-pod-template-hash": "abc"})));
        assert_eq!(
            (m.name.as_str(), m.kind.as_str(), m.api_version.as_str()),
            ("web", "Rollout", "v1alpha1")
        );
        let m = deploy_meta(&owned("ReplicationController", "dc-1", json!({"deploymentconfig": "dc"})));
        assert_eq!((m.name.as_str(), m.kind.as_str()), ("dc", "DeploymentConfig"));
        // Without generateName the owner is not consulted.
        let mut p = owned("ReplicaSet", "web-abc", json!({"pod-template-hash": "abc"}));
        p["metadata"]["generateName"] = json!("");
        p["metadata"]["name"] = json!("web-abc-xyz");
        assert_eq!(deploy_meta(&p).kind, "Pod");
        assert_eq!(deploy_meta(&json!({})).owner(), "kubernetes://apis/v1/namespaces/default/pods/");
    }
}
