//! Sidecar injection as Istio's webhook performs it: whether a pod gets a sidecar
//! ([`decision`]), what the injected pod looks like ([`pod`], rendering Istio's [`template`]
//! and overlaying it with a [`smp`] strategic merge, rewriting [`probes`]), and the JSON
//! Patch and AdmissionReview response that carry it ([`patch`]); [`review`] answers a whole
//! AdmissionReview as the webhook does. Pinned to Istio's own injection golden files
//! (`tests/inject_golden.rs`).
//!
//! The pod is handled as JSON (`serde_json::Value`): the AdmissionReview carries it raw, and
//! the patch must preserve every field, including those the typed model leaves out.

mod access;
pub mod decision;
pub mod deploy_meta;
pub mod gotemplate;
pub mod openshift;
pub mod overrides;
pub mod patch;
pub mod pod;
pub mod probes;
mod prometheus;
pub mod proxy_config;
pub mod quantity;
pub mod review;
pub mod smp;
pub mod template;
pub mod typed;
pub mod values;
pub mod workload;

pub use decision::{Decision, DecisionReason, InjectionPolicy, InjectorConfig, decide};
pub use patch::{admission_response, apply, diff};
pub use pod::{inject_pod, inject_pod_of};
pub use review::{ReviewAnswer, answer_review};
pub use values::InjectValues;

/// Why an injection request could not be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InjectError {
    /// The AdmissionReview lacks `request.object`, or it is not a Pod object.
    #[error("the AdmissionReview has no pod at request.object: {0}")]
    NoPod(String),
    /// A capture annotation is invalid, such as `traffic.sidecar.istio.io/includeInboundPorts: "http"`.
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    /// A resource annotation is not a Kubernetes quantity: `"100m"` is valid, `"lots"` is not.
    #[error("annotation {annotation} is {value:?}, which is not a Kubernetes quantity such as 100m or 128Mi")]
    InvalidQuantity {
        /// The annotation, such as `sidecar.istio.io/proxyCPU`.
        annotation: String,
        /// Its value.
        value: String,
    },
    /// Another annotation the injector reads does not parse, such as
    /// `proxy.istio.io/config` that is not a ProxyConfig.
    #[error("annotation {annotation} is {value:?}: {reason}")]
    InvalidAnnotation {
        /// The annotation.
        annotation: String,
        /// Its value.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// `inject.istio.io/templates` names a template meshkit does not have.
    #[error("requested template {name:?} not found; have {known}")]
    UnknownTemplate {
        /// The requested template.
        name: String,
        /// The templates there are.
        known: String,
    },
    /// A user's injection template (`sidecarInjectorWebhook.templates`) does not parse,
    /// fails while running (`{{ index .Values.missing "x" }}`), or does not render a YAML
    /// mapping.
    #[error("injection template {name:?} failed at line {line}: {reason}")]
    Template {
        /// The template's name.
        name: String,
        /// The 1-based line of the action at fault (0 for the rendered YAML as a whole).
        line: usize,
        /// Why.
        reason: String,
    },
    /// The pod's Prometheus scrape annotations cannot be merged, such as a port the agent
    /// itself uses.
    #[error("{0}")]
    Prometheus(String),
    /// A JSON Patch operation cannot be applied (bad path, missing target).
    #[error("the JSON Patch operation at {path} cannot be applied: {reason}")]
    Patch {
        /// The operation's path.
        path: String,
        /// Why it failed.
        reason: String,
    },
}
