//! How a policy attaches: `targetRef`/`targetRefs` and their exclusion with `selector`
//! (istio/istio `validateOneOfSelectorType`, `validatePolicyTargetReference`).
//!
//! AuthorizationPolicy, RequestAuthentication and Telemetry share these rules; the security
//! policies and Telemetry word them differently, so each keeps its wording.

use super::selector::{LabelValueLimit, validate_workload_selector};
use crate::common::{PolicyTargetReference, WorkloadSelector};
use crate::validate::{Path, Report};

/// Whose wording the checks use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetRefWording {
    /// AuthorizationPolicy and RequestAuthentication (which also cap names at 253 characters).
    SecurityPolicy,
    /// Telemetry.
    Telemetry,
}

/// The (group, kind) pairs a policy may target: Service, ServiceEntry, Gateway, GatewayClass.
const ALLOWED_TARGETS: [(&str, &str); 4] = [
    ("core", "Service"),
    ("networking.istio.io", "ServiceEntry"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "GatewayClass"),
];

/// istio/istio `validateOneOfSelectorType`: at most one of `selector`, `targetRef` and
/// `targetRefs`, reported at `spec.targetRef` or `spec.targetRefs`.
pub(crate) fn validate_one_of_selector_type(
    selector: Option<&WorkloadSelector>,
    target_ref: Option<&PolicyTargetReference>,
    target_refs: &[PolicyTargetReference],
    spec: &Path<'_>,
    wording: TargetRefWording,
    report: &mut Report,
) {
    let set = usize::from(selector.is_some())
        + usize::from(target_ref.is_some())
        + usize::from(!target_refs.is_empty());
    if set <= 1 {
        return;
    }
    let (field, message) = match wording {
        TargetRefWording::SecurityPolicy => (
            if target_refs.is_empty() { "targetRef" } else { "targetRefs" },
            "only one of targetRefs, targetRef or selector can be set",
        ),
        TargetRefWording::Telemetry => (
            if target_ref.is_some() { "targetRef" } else { "targetRefs" },
            "only one of targetRefs or workloadSelector can be set",
        ),
    };
    report.error(&spec.field(field), message);
}

/// The attachment checks AuthorizationPolicy and RequestAuthentication start with: at most
/// one of `selector`, `targetRef`, `targetRefs`; the selector; each target reference.
pub(crate) fn validate_security_attachment(
    selector: Option<&WorkloadSelector>,
    target_ref: Option<&PolicyTargetReference>,
    target_refs: &[PolicyTargetReference],
    spec: &Path<'_>,
    report: &mut Report,
) {
    let wording = TargetRefWording::SecurityPolicy;
    validate_one_of_selector_type(selector, target_ref, target_refs, spec, wording, report);
    validate_workload_selector(selector, &spec.field("selector"), LabelValueLimit::SecurityPolicy, report);
    validate_target_refs(target_ref, target_refs, spec, wording, report);
}

/// [`validate_target_ref`] for `spec.targetRef` and each of `spec.targetRefs`.
pub(crate) fn validate_target_refs(
    target_ref: Option<&PolicyTargetReference>,
    target_refs: &[PolicyTargetReference],
    spec: &Path<'_>,
    wording: TargetRefWording,
    report: &mut Report,
) {
    if let Some(t) = target_ref {
        validate_target_ref(t, &spec.field("targetRef"), wording, report);
    }
    let refs = spec.field("targetRefs");
    for (i, t) in target_refs.iter().enumerate() {
        validate_target_ref(t, &refs.index(i), wording, report);
    }
}

/// istio/istio `validatePolicyTargetReference`: a name, no namespace, and a Service,
/// ServiceEntry, Gateway or GatewayClass.
pub(crate) fn validate_target_ref(
    t: &PolicyTargetReference,
    at: &Path<'_>,
    wording: TargetRefWording,
    report: &mut Report,
) {
    let security = wording == TargetRefWording::SecurityPolicy;
    if t.name.is_empty() {
        report.error(&at.field("name"), "targetRef name must be set");
    } else if security && t.name.len() > 253 {
        report.error(&at.field("name"), "targetRef name must be at most 253 characters");
    }
    if let Some(ns) = t.namespace.as_deref()
        && !ns.is_empty()
    {
        let message = if security {
            format!(
                "targetRef namespace must not be set (found {ns:?}); cross namespace referencing is not supported"
            )
        } else {
            "targetRef namespace must not be set; cross namespace referencing is not supported".to_string()
        };
        report.error(&at.field("namespace"), message);
    }
    let group = t.group.as_deref().unwrap_or("");
    let canonical = if group.is_empty() { "core" } else { group };
    if !ALLOWED_TARGETS.iter().any(|(g, k)| *g == canonical && *k == t.kind) {
        let kind = &t.kind;
        let message = if security {
            format!(
                "targetRef must be to a Service, ServiceEntry (networking.istio.io), Gateway or GatewayClass (gateway.networking.k8s.io), but was {group}/{kind}"
            )
        } else {
            format!(
                "targetRef must be to one of core/Service, networking.istio.io/ServiceEntry, gateway.networking.k8s.io/Gateway, gateway.networking.k8s.io/GatewayClass but was {group}/{kind}"
            )
        };
        report.error(&at.field("kind"), message);
    }
}
