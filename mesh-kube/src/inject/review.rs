//! One AdmissionReview answered end to end, as Istio's webhook answers it (`Webhook.inject`
//! in `pkg/kube/inject/webhook.go`): the pod's namespace filled from the request, the
//! injection decision, the JSON Patch against that pod, and the AdmissionReview response
//! that carries it, or the `allowed: false` answer when the pod cannot be injected.
//!
//! This is what a webhook server or `meshctl inject --review` calls; the transport (HTTPS,
//! content type, body limits) is the caller's.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::decision::inject_required;
use super::patch::admission_error;
use super::{
    Decision, InjectError, InjectValues, InjectorConfig, admission_response, decide, diff, inject_pod,
};

/// The answer to one AdmissionReview.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewAnswer {
    /// The pod's namespace: its own `metadata.namespace`, else the request's `namespace`
    /// (a pod created by a Deployment has none yet), else `default`.
    pub namespace: String,
    /// Whether the pod is injected and why.
    pub decision: Decision,
    /// The JSON Patch (RFC 6902) turning the request's pod into the injected one; `None`
    /// when the pod is not injected or its injection failed. It never touches
    /// `metadata.namespace`, which the webhook fills in before diffing.
    pub patch: Option<Value>,
    /// The AdmissionReview to send back (same `apiVersion` and `request.uid`): allowed, with
    /// the patch base64-encoded when there is one, or not allowed with [`Self::failure`] as
    /// the status message.
    pub response: Value,
    /// Why the pod could not be injected, such as an invalid `traffic.sidecar.istio.io/*`
    /// annotation or a user template that does not render: the bare error, as Istio's
    /// `toAdmissionResponse` sends it (istiod only logs it with "Pod injection failed: ").
    pub failure: Option<String>,
}

impl ReviewAnswer {
    /// Whether the response admits the pod (injected or not); `false` only when injection
    /// was wanted and failed.
    pub fn allowed(&self) -> bool {
        self.failure.is_none()
    }
}

/// The labels or annotations at `v` (a JSON object of strings); other values are skipped.
fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// Answers the AdmissionReview `review` (admission.k8s.io/v1 or v1beta1, as JSON).
///
/// `namespace_labels` chooses how the decision is made:
/// - `None`: the webhook is taken as called, as Istio's webhook itself works: the API server
///   has already applied the MutatingWebhookConfiguration's namespace and object selectors,
///   so only the webhook's own check runs ([`inject_required`]: host network, ignored namespaces, the pod's `sidecar.istio.io/inject`, the
///   never/always-inject selectors, the policy).
/// - `Some(labels)`: the pod's namespace has these labels, and the selectors of the webhook
///   configuration of `cfg`'s revision are checked first ([`decide`]); a pod no webhook
///   selects is admitted unchanged with
///   [`DecisionReason::NotSelected`](super::DecisionReason::NotSelected).
///
/// A pod that is injected gets its namespace filled from the request before injection, as
/// Istio does, so the patch applies to the pod exactly as the request carries it. When
/// injection fails, the answer is `allowed: false` with the reason (Istio's
/// `toAdmissionResponse`); whether the API server then rejects the pod depends on the
/// webhook's `failurePolicy`.
///
/// # Errors
///
/// [`InjectError::NoPod`] when `request.object` is absent or not a JSON object: there is
/// nothing to decide about.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::{InjectValues, InjectorConfig, answer_review, apply};
/// let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
///     "request": {"uid": "u-1", "namespace": "shop", "object": {
///         "metadata": {"name": "web", "labels": {"app": "web"}},
///         "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}});
/// let answer = answer_review(&review, &InjectorConfig::default(), None, &InjectValues::default()).unwrap();
/// assert!(answer.decision.inject && answer.allowed());
/// assert_eq!(answer.response["response"]["uid"], "u-1");
/// assert_eq!(answer.response["response"]["patchType"], "JSONPatch");
/// let pod = apply(&review["request"]["object"], answer.patch.as_ref().unwrap()).unwrap();
/// assert_eq!(pod["spec"]["containers"][1]["name"], "istio-proxy");
/// ```
pub fn answer_review(
    review: &Value,
    cfg: &InjectorConfig,
    namespace_labels: Option<&BTreeMap<String, String>>,
    values: &InjectValues,
) -> Result<ReviewAnswer, InjectError> {
    let pod = &review["request"]["object"];
    if !pod.is_object() {
        let what = if pod.is_null() { "it is absent".to_string() } else { format!("it is {pod}") };
        return Err(InjectError::NoPod(what));
    }
    let namespace = pod["metadata"]["namespace"]
        .as_str()
        .or_else(|| review["request"]["namespace"].as_str())
        .unwrap_or("default")
        .to_string();
    let labels = string_map(&pod["metadata"]["labels"]);
    let annotations = string_map(&pod["metadata"]["annotations"]);
    let host_network = pod["spec"]["hostNetwork"].as_bool().unwrap_or(false);
    let decision = match namespace_labels {
        None => {
            let (inject, reason) = inject_required(cfg, &namespace, &labels, &annotations, host_network);
            Decision { inject, webhook: None, reason }
        }
        Some(ns_labels) => decide(cfg, &namespace, ns_labels, &labels, &annotations, host_network),
    };
    if !decision.inject {
        let response = admission_response(review, None);
        return Ok(ReviewAnswer { namespace, decision, patch: None, response, failure: None });
    }
    // Istio's webhook fills in the request's namespace before injecting; the patch is taken
    // against that pod, so it never touches metadata.namespace.
    let mut pod = pod.clone();
    if pod["metadata"]["namespace"].as_str().unwrap_or("").is_empty() && pod["metadata"].is_object() {
        pod["metadata"]["namespace"] = Value::String(namespace.clone());
    }
    match inject_pod(&pod, values) {
        Ok(injected) => {
            let patch = diff(&pod, &injected);
            let response = admission_response(review, Some(&patch));
            Ok(ReviewAnswer { namespace, decision, patch: Some(patch), response, failure: None })
        }
        Err(e) => {
            // istio webhook.go: the response carries err.Error(); the prefix is only logged.
            let message = e.to_string();
            let response = admission_error(review, &message);
            Ok(ReviewAnswer { namespace, decision, patch: None, response, failure: Some(message) })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;
    use crate::inject::{DecisionReason, InjectionPolicy, apply};

    fn review(metadata: Value) -> Value {
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u-1", "namespace": "shop", "object": {
                "apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
    }

    fn answer(review: &Value, ns: Option<&BTreeMap<String, String>>) -> ReviewAnswer {
        answer_review(review, &InjectorConfig::default(), ns, &InjectValues::default()).unwrap()
    }

    // istio webhook.go inject: the namespace comes from the request when the pod has none,
    // and the patch is taken against the pod with it, so it does not add metadata.namespace.
    #[test]
    fn injects_with_the_request_namespace() {
        let r = review(json!({"name": "web", "labels": {"app": "web"}}));
        let a = answer(&r, None);
        assert_eq!(a.namespace, "shop");
        assert_eq!(
            a.decision,
            Decision { inject: true, webhook: None, reason: DecisionReason::PolicyEnabled }
        );
        assert!(a.allowed());
        let patch = a.patch.as_ref().unwrap();
        assert!(patch.as_array().unwrap().iter().all(|op| op["path"] != "/metadata/namespace"));
        let pod = apply(&r["request"]["object"], patch).unwrap();
        assert_eq!(pod["spec"]["containers"][1]["name"], "istio-proxy");
        assert_eq!(a.response["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(a.response["response"]["uid"], "u-1");
        assert_eq!(a.response["response"]["allowed"], true);
        assert_eq!(a.response["response"]["patchType"], "JSONPatch");
    }

    #[test]
    fn the_pods_own_namespace_wins() {
        let a = answer(&review(json!({"name": "web", "namespace": "kube-system"})), None);
        assert_eq!(a.namespace, "kube-system");
        assert_eq!(a.decision.reason, DecisionReason::IgnoredNamespace);
        let mut r = review(json!({"name": "web"}));
        r["request"].as_object_mut().unwrap().remove("namespace");
        assert_eq!(answer(&r, None).namespace, "default");
    }

    // istio webhook_test.go TestInjectRequired "force-off-policy": opted out, allowed, no patch.
    #[test]
    fn opted_out_pod_is_allowed_without_patch() {
        let a = answer(
            &review(json!({"name": "web", "annotations": {"sidecar.istio.io/inject": "false"}})),
            None,
        );
        assert!(!a.decision.inject && a.allowed());
        assert_eq!(a.decision.reason, DecisionReason::PodDisabled);
        assert_eq!(a.patch, None);
        assert_eq!(a.response["response"], json!({"uid": "u-1", "allowed": true}));
    }

    // With namespace labels the webhook configuration's selectors apply first.
    #[test]
    fn namespace_labels_select_the_webhook() {
        let r = review(json!({"name": "web"}));
        let none = BTreeMap::new();
        let a = answer(&r, Some(&none));
        assert_eq!(a.decision.reason, DecisionReason::NotSelected);
        assert_eq!(a.patch, None);
        let enabled = BTreeMap::from([("istio-injection".to_string(), "enabled".to_string())]);
        let a = answer(&r, Some(&enabled));
        assert_eq!(a.decision.webhook.as_deref(), Some("namespace.sidecar-injector.istio.io"));
        assert!(a.patch.is_some());
    }

    #[test]
    fn policy_disabled_and_host_network_skip() {
        let cfg = InjectorConfig { policy: InjectionPolicy::Disabled, ..InjectorConfig::default() };
        let a = answer_review(&review(json!({"name": "web"})), &cfg, None, &InjectValues::default()).unwrap();
        assert_eq!(a.decision.reason, DecisionReason::PolicyDisabled);
        let mut r = review(json!({"name": "web"}));
        r["request"]["object"]["spec"]["hostNetwork"] = json!(true);
        assert_eq!(answer(&r, None).decision.reason, DecisionReason::HostNetwork);
    }

    // istio webhook.go toAdmissionResponse: a pod that cannot be injected is answered
    // allowed: false with the reason (inject_test.go traffic-annotations-bad-* cases).
    #[test]
    fn uninjectable_pod_is_not_allowed() {
        let bad = json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "bad"});
        let a = answer(&review(json!({"name": "web", "annotations": bad})), None);
        assert!(a.decision.inject && !a.allowed());
        assert_eq!(a.patch, None);
        let message = a.failure.as_deref().unwrap();
        assert!(!message.starts_with("Pod injection failed"), "{message}");
        assert!(message.to_lowercase().contains("includeipranges"), "{message}");
        assert_eq!(a.response["response"]["allowed"], false);
        assert_eq!(a.response["response"]["uid"], "u-1");
        assert_eq!(a.response["response"]["status"]["message"], message);
    }

    #[test]
    fn review_without_pod_is_an_error() {
        let e = answer_review(&json!({}), &InjectorConfig::default(), None, &InjectValues::default());
        assert_eq!(e, Err(InjectError::NoPod("it is absent".into())));
        let r = json!({"request": {"object": "pod"}});
        let e = answer_review(&r, &InjectorConfig::default(), None, &InjectValues::default());
        assert!(matches!(e, Err(InjectError::NoPod(_))));
    }
}
