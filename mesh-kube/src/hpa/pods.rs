//! Which pods a per-pod metric counts (`groupPods` in kubernetes'
//! `pkg/controller/podautoscaler/replica_calculator.go`): ready pods, pods not yet ready,
//! pods with no sample, and pods ignored outright.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::PodState;

/// Kubernetes' zero time (0001-01-01T00:00:00Z) in Unix seconds: what an unset time means.
pub(super) const ZERO_TIME: i64 = -62_135_596_800;

/// One pod's sample of a per-pod metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Sample {
    /// The value (milli-units).
    pub(super) value: i64,
    /// When it was taken (seconds).
    pub(super) timestamp: i64,
    /// The window it covers (seconds).
    pub(super) window: i64,
}

/// The CPU readiness settings of the controller, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Readiness {
    /// `--horizontal-pod-autoscaler-cpu-initialization-period`.
    pub(super) cpu_initialization_period: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay`.
    pub(super) initial_readiness_delay: i64,
    /// The controller's clock.
    pub(super) now: i64,
}

/// The pods sorted by how a metric treats them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Groups<'a> {
    /// Pods with a sample that counts.
    pub(super) ready: usize,
    /// Pending pods, and (for CPU) pods whose sample is not trusted yet.
    pub(super) unready: BTreeSet<&'a str>,
    /// Running pods without a sample.
    pub(super) missing: BTreeSet<&'a str>,
    /// Pods being deleted or failed.
    pub(super) ignored: BTreeSet<&'a str>,
}

/// Sorts `pods` for a metric with `samples`; `cpu` turns on the CPU readiness rules.
///
/// A CPU sample is not trusted while the pod is in its initialization period (since
/// `startTime`) unless the pod is ready and the sample's window started after the last
/// readiness transition; after the period, only a pod that is unready and has never been
/// ready (its readiness last changed within the initial readiness delay of its start) is
/// left out.
pub(super) fn group_pods<'a>(
    pods: &'a [PodState],
    samples: &BTreeMap<String, Sample>,
    cpu: bool,
    r: Readiness,
) -> Groups<'a> {
    let mut g = Groups::default();
    for pod in pods {
        let name = pod.name.as_str();
        if pod.deleted || pod.phase == "Failed" {
            g.ignored.insert(name);
            continue;
        }
        if pod.phase == "Pending" {
            g.unready.insert(name);
            continue;
        }
        let Some(sample) = samples.get(name) else {
            g.missing.insert(name);
            continue;
        };
        if cpu && cpu_sample_unready(pod, sample, r) {
            g.unready.insert(name);
            continue;
        }
        g.ready += 1;
    }
    g
}

fn cpu_sample_unready(pod: &PodState, sample: &Sample, r: Readiness) -> bool {
    if !pod.has_ready_condition {
        return true;
    }
    let start = pod.start_time.unwrap_or(ZERO_TIME);
    let transition = pod.ready_transition_time.unwrap_or(ZERO_TIME);
    if start.saturating_add(r.cpu_initialization_period) > r.now {
        !pod.ready || sample.timestamp < transition.saturating_add(sample.window)
    } else {
        !pod.ready && start.saturating_add(r.initial_readiness_delay) > transition
    }
}

#[cfg(test)]
mod tests;
