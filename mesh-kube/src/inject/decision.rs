//! Whether a pod gets a sidecar: first the MutatingWebhookConfiguration's namespace and
//! object selectors (namespace label `istio-injection`, `istio.io/rev`, pod label
//! `sidecar.istio.io/inject`), then the webhook's own check (host network, ignored
//! namespaces, the pod's label and annotation, `neverInjectSelector`, `alwaysInjectSelector`,
//! the default policy).

use std::collections::BTreeMap;

use mesh_model::kube::LabelSelector;
use serde::{Deserialize, Serialize};

/// `sidecar.istio.io/inject` (label, and legacy annotation).
pub const INJECT_KEY: &str = "sidecar.istio.io/inject";
/// `istio-injection` (namespace label).
pub const NAMESPACE_INJECTION_LABEL: &str = "istio-injection";
/// `istio.io/rev` (namespace or pod label).
pub const REVISION_LABEL: &str = "istio.io/rev";

/// Namespaces the webhook never injects into.
pub const IGNORED_NAMESPACES: [&str; 4] =
    ["kube-system", "kube-public", "kube-node-lease", "local-path-storage"];

/// The injector's default policy (`policy` in the `istio-sidecar-injector` ConfigMap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InjectionPolicy {
    /// Pods in a selected namespace are injected unless they opt out.
    #[default]
    Enabled,
    /// Pods are injected only when they opt in.
    Disabled,
    /// Any other value: Istio logs an error and injects nothing.
    #[serde(other)]
    Invalid,
}

/// The injector's configuration: the policy and selectors of the `istio-sidecar-injector`
/// ConfigMap, the control plane's revision and the Helm setting that adds the "auto"
/// webhook.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InjectorConfig {
    /// The default policy.
    pub policy: InjectionPolicy,
    /// Pods these select are not injected unless they opt in.
    pub never_inject_selector: Vec<LabelSelector>,
    /// Pods these select are injected unless they opt out.
    pub always_inject_selector: Vec<LabelSelector>,
    /// The control plane's revision; empty for the default revision.
    pub revision: String,
    /// `sidecarInjectorWebhook.enableNamespacesByDefault`: namespaces without labels inject.
    pub enable_namespaces_by_default: bool,
}

/// Why the decision came out as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum DecisionReason {
    /// No webhook of this revision selects the pod: the API server never calls the injector.
    NotSelected,
    /// The pod uses the host network.
    HostNetwork,
    /// The pod's namespace is one of [`IGNORED_NAMESPACES`].
    IgnoredNamespace,
    /// The pod's `sidecar.istio.io/inject` label (or annotation) says `true`.
    PodEnabled,
    /// The pod's `sidecar.istio.io/inject` label (or annotation) says `false`.
    PodDisabled,
    /// A `neverInjectSelector` selects the pod.
    NeverInjectSelector,
    /// An `alwaysInjectSelector` selects the pod.
    AlwaysInjectSelector,
    /// Nothing on the pod decides; the policy is `enabled`.
    PolicyEnabled,
    /// Nothing on the pod decides; the policy is `disabled`.
    PolicyDisabled,
    /// The policy is neither `enabled` nor `disabled`.
    InvalidPolicy,
}

/// The injection decision for one pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// Whether the sidecar is injected.
    pub inject: bool,
    /// The webhook that selected the pod (`rev.namespace.sidecar-injector.istio.io`, ...),
    /// `None` when none did.
    pub webhook: Option<String>,
    /// Why.
    pub reason: DecisionReason,
}

/// How a selector requirement of the webhook configuration reads a label set.
fn has(labels: &BTreeMap<String, String>, key: &str) -> bool {
    labels.contains_key(key)
}

fn is(labels: &BTreeMap<String, String>, key: &str, value: &str) -> bool {
    labels.get(key).is_some_and(|v| v == value)
}

/// The webhook (of the `istio-sidecar-injector` MutatingWebhookConfiguration of `cfg`'s
/// revision) whose selectors match the namespace and pod labels, in the order they are listed.
pub fn selecting_webhook(
    cfg: &InjectorConfig,
    namespace: &str,
    ns_labels: &BTreeMap<String, String>,
    pod_labels: &BTreeMap<String, String>,
) -> Option<&'static str> {
    let rev = if cfg.revision.is_empty() { "default" } else { cfg.revision.as_str() };
    let not_disabled = !is(pod_labels, INJECT_KEY, "false");
    if is(ns_labels, REVISION_LABEL, rev) && !has(ns_labels, NAMESPACE_INJECTION_LABEL) && not_disabled {
        return Some("rev.namespace.sidecar-injector.istio.io");
    }
    if !has(ns_labels, REVISION_LABEL)
        && !has(ns_labels, NAMESPACE_INJECTION_LABEL)
        && not_disabled
        && is(pod_labels, REVISION_LABEL, rev)
    {
        return Some("rev.object.sidecar-injector.istio.io");
    }
    if !cfg.revision.is_empty() {
        return None;
    }
    if is(ns_labels, NAMESPACE_INJECTION_LABEL, "enabled") && not_disabled {
        return Some("namespace.sidecar-injector.istio.io");
    }
    if !has(ns_labels, NAMESPACE_INJECTION_LABEL)
        && !has(ns_labels, REVISION_LABEL)
        && is(pod_labels, INJECT_KEY, "true")
        && !has(pod_labels, REVISION_LABEL)
    {
        return Some("object.sidecar-injector.istio.io");
    }
    if cfg.enable_namespaces_by_default
        && !has(ns_labels, NAMESPACE_INJECTION_LABEL)
        && !has(ns_labels, REVISION_LABEL)
        && !IGNORED_NAMESPACES.contains(&namespace)
        && !has(pod_labels, INJECT_KEY)
        && !has(pod_labels, REVISION_LABEL)
    {
        return Some("auto.sidecar-injector.istio.io");
    }
    None
}

/// The webhook's own check once it is called (Istio's `injectRequired`).
pub fn inject_required(
    cfg: &InjectorConfig,
    namespace: &str,
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    host_network: bool,
) -> (bool, DecisionReason) {
    if host_network {
        return (false, DecisionReason::HostNetwork);
    }
    if IGNORED_NAMESPACES.contains(&namespace) {
        return (false, DecisionReason::IgnoredNamespace);
    }
    // The label is the newer API and wins over the annotation; other values fall back.
    let selector = labels.get(INJECT_KEY).or_else(|| annotations.get(INJECT_KEY)).map(String::as_str);
    let mut explicit = match selector {
        Some("true") => Some((true, DecisionReason::PodEnabled)),
        Some("false") => Some((false, DecisionReason::PodDisabled)),
        _ => None,
    };
    let matches = |s: &LabelSelector| !s.is_empty() && s.matches(labels);
    if explicit.is_none() && cfg.never_inject_selector.iter().any(matches) {
        explicit = Some((false, DecisionReason::NeverInjectSelector));
    }
    if explicit.is_none() && cfg.always_inject_selector.iter().any(matches) {
        explicit = Some((true, DecisionReason::AlwaysInjectSelector));
    }
    match (cfg.policy, explicit) {
        (InjectionPolicy::Invalid, _) => (false, DecisionReason::InvalidPolicy),
        (_, Some(e)) => e,
        (InjectionPolicy::Enabled, None) => (true, DecisionReason::PolicyEnabled),
        (InjectionPolicy::Disabled, None) => (false, DecisionReason::PolicyDisabled),
    }
}

/// The full decision: a webhook must select the pod, then the webhook must want to inject.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_kube::inject::{decide, InjectorConfig};
/// let ns = BTreeMap::from([("istio-injection".to_string(), "enabled".to_string())]);
/// let d = decide(&InjectorConfig::default(), "shop", &ns, &BTreeMap::new(), &BTreeMap::new(), false);
/// assert!(d.inject);
/// assert_eq!(d.webhook.as_deref(), Some("namespace.sidecar-injector.istio.io"));
/// ```
pub fn decide(
    cfg: &InjectorConfig,
    namespace: &str,
    ns_labels: &BTreeMap<String, String>,
    pod_labels: &BTreeMap<String, String>,
    pod_annotations: &BTreeMap<String, String>,
    host_network: bool,
) -> Decision {
    let Some(webhook) = selecting_webhook(cfg, namespace, ns_labels, pod_labels) else {
        return Decision { inject: false, webhook: None, reason: DecisionReason::NotSelected };
    };
    let (inject, reason) = inject_required(cfg, namespace, pod_labels, pod_annotations, host_network);
    Decision { inject, webhook: Some(webhook.to_string()), reason }
}

#[cfg(test)]
mod tests;
