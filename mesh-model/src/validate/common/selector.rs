//! Workload selectors: the label maps that pick the workloads a resource applies to
//! (istio/istio `validateWorkloadSelector`, `ValidateAlphaWorkloadSelector`, and the CRDs'
//! limits on selector values).

use std::collections::BTreeMap;

use crate::common::WorkloadSelector;
use crate::validate::{Path, Report};

/// The CRDs' `maxLength: 63` on selector label values, as each validator counts and words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LabelValueLimit {
    /// Not checked (DestinationRule, ServiceEntry).
    Unchecked,
    /// AuthorizationPolicy, RequestAuthentication and PeerAuthentication: counted in bytes.
    SecurityPolicy,
    /// Telemetry: counted in characters.
    Telemetry,
    /// Sidecar: counted in characters.
    Sidecar,
}

impl LabelValueLimit {
    /// The message for a value over the limit, if it is.
    fn check(self, key: &str, value: &str) -> Option<String> {
        match self {
            LabelValueLimit::Unchecked => None,
            LabelValueLimit::SecurityPolicy => (value.len() > 63).then(|| {
                format!("label value {value:?} is longer than the 63 characters the CRD schema allows")
            }),
            LabelValueLimit::Telemetry => (value.chars().count() > 63)
                .then(|| format!("label value {value:?} is longer than 63 characters")),
            LabelValueLimit::Sidecar => (value.chars().count() > 63)
                .then(|| format!("selector value for {key:?} must be at most 63 characters")),
        }
    }
}

/// The per-label checks of `validateWorkloadSelector`: no empty key, no `*` in a key or
/// value, and the value limit. Each problem is an error at `at[key]`; returns whether there
/// was any.
pub(crate) fn check_selector_labels(
    labels: &BTreeMap<String, String>,
    at: &Path<'_>,
    limit: LabelValueLimit,
    report: &mut Report,
) -> bool {
    let mut bad = false;
    for (k, v) in labels {
        let entry = at.key(k);
        if k.is_empty() {
            report.error(&entry, format!("empty key is not supported in selector: \"={v}\""));
            bad = true;
        }
        if k.contains('*') || v.contains('*') {
            report.error(&entry, format!("wildcard is not supported in selector: \"{k}={v}\""));
            bad = true;
        }
        if let Some(m) = limit.check(k, v) {
            report.error(&entry, m);
            bad = true;
        }
    }
    bad
}

/// istio/istio `validateWorkloadSelector` for a `{matchLabels}` selector at `at`: the label
/// checks, and a warning for a selector without labels.
pub(crate) fn validate_workload_selector(
    selector: Option<&WorkloadSelector>,
    at: &Path<'_>,
    limit: LabelValueLimit,
    report: &mut Report,
) {
    let Some(sel) = selector else { return };
    check_selector_labels(&sel.match_labels, &at.field("matchLabels"), limit, report);
    if sel.match_labels.is_empty() {
        report.warning(at, "workload selector specified without labels");
    }
}
