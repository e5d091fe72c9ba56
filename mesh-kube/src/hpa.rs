//! The Horizontal Pod Autoscaler, as Kubernetes' controller computes it
//! (`pkg/controller/podautoscaler`): a replica proposal per metric (resource, container
//! resource, pods, object or external metric, with the tolerance, missing-pod and
//! not-yet-ready rules), the largest proposal, then normalization: the scale-down
//! stabilization window and min/max with the scale-up limit, or the `behavior` stabilization
//! windows and rate policies.
//!
//! Metric values are milli-units (`1500` is 1.5 requests per second, `250` is 250m CPU), as the
//! controller handles Kubernetes quantities. Time is whole seconds passed by the caller; this
//! module reads no clock.
//!
//! ```
//! use mesh_kube::hpa::{Hpa, MetricSource, PodState, Target};
//! // 3 pods serve 150, 160 and 170 rps; the target is 100 rps per pod.
//! let hpa = Hpa {
//!     current_replicas: 3, min_replicas: 1, max_replicas: 10,
//!     metrics: vec![MetricSource::Pods { target: 100_000, values: [
//!         ("a".into(), 150_000), ("b".into(), 160_000), ("c".into(), 170_000)].into() }],
//!     pods: vec![PodState::running("a"), PodState::running("b"), PodState::running("c")],
//!     ..Hpa::default()
//! };
//! let d = hpa.decide();
//! assert_eq!(d.metric_replicas, Some(5));
//! assert_eq!(d.desired_replicas, 5);
//! # let _ = Target::Value(1);
//! ```
//!
//! CPU utilization: each pod requests 500m; they use 400m and 500m against a 50% target.
//!
//! ```
//! use mesh_kube::hpa::{ContainerState, Hpa, MetricSource, PodState, PodUsage, ResourceTarget};
//! let pod = |name: &str| PodState {
//!     containers: vec![ContainerState { name: "app".into(), requests: [("cpu".into(), 500)].into() }],
//!     ..PodState::running(name)
//! };
//! let used = |m: i64| PodUsage { containers: [("app".into(), m)].into(), ..PodUsage::default() };
//! let hpa = Hpa {
//!     current_replicas: 2, max_replicas: 10,
//!     metrics: vec![MetricSource::Resource {
//!         name: "cpu".into(),
//!         target: ResourceTarget::AverageUtilization(50),
//!         usage: [("a".into(), used(400)), ("b".into(), used(500))].into(),
//!     }],
//!     pods: vec![pod("a"), pod("b")],
//!     ..Hpa::default()
//! };
//! let d = hpa.decide();
//! assert_eq!(d.proposals[0].utilization, Some(90)); // 900m of 1000m requested
//! assert_eq!(d.proposals[0].usage, Some(450)); // the average per pod
//! assert_eq!(d.desired_replicas, 4); // ceil(90 / 50 * 2)
//! ```

use serde::{Deserialize, Serialize};

mod normalize;
mod pods;
mod replicas;
mod resource;
mod spec;

pub use spec::{
    Behavior, ContainerState, DEFAULT_CPU_INITIALIZATION_PERIOD, DEFAULT_DOWNSCALE_STABILIZATION,
    DEFAULT_INITIAL_READINESS_DELAY, DEFAULT_METRIC_WINDOW, DEFAULT_TOLERANCE, MetricSource, PodState,
    PodUsage, PolicyKind, ResourceTarget, ScalingPolicy, ScalingRules, SelectPolicy, Target, Timed,
    Tolerances,
};

/// An HPA and the state its controller keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Hpa {
    /// The scale target's current replicas.
    pub current_replicas: i32,
    /// `spec.minReplicas` (default 1).
    pub min_replicas: i32,
    /// `spec.maxReplicas`.
    pub max_replicas: i32,
    /// The metrics with their readings.
    pub metrics: Vec<MetricSource>,
    /// The pods the selector matches.
    pub pods: Vec<PodState>,
    /// The tolerance.
    pub tolerance: Tolerances,
    /// `spec.behavior`; `None` uses the legacy normalization.
    pub behavior: Option<Behavior>,
    /// The controller's clock, in seconds.
    pub now: i64,
    /// Past unnormalized recommendations.
    pub recommendations: Vec<Timed>,
    /// Past scale-ups (replicas added).
    pub scale_up_events: Vec<Timed>,
    /// Past scale-downs (replicas removed).
    pub scale_down_events: Vec<Timed>,
    /// `--horizontal-pod-autoscaler-downscale-stabilization` in seconds.
    pub downscale_stabilization_seconds: i64,
    /// `--horizontal-pod-autoscaler-cpu-initialization-period` in seconds (default 300): how
    /// long after its start a pod's CPU sample needs the pod ready and the sample fresh.
    pub cpu_initialization_period_seconds: i64,
    /// `--horizontal-pod-autoscaler-initial-readiness-delay` in seconds (default 30): after the
    /// initialization period, an unready pod whose readiness last changed within this delay of
    /// its start has never been ready, and its CPU sample is left out.
    pub initial_readiness_delay_seconds: i64,
}

impl Default for Hpa {
    fn default() -> Self {
        Self {
            current_replicas: 1,
            min_replicas: 1,
            max_replicas: 1,
            metrics: Vec::new(),
            pods: Vec::new(),
            tolerance: Tolerances::default(),
            behavior: None,
            now: 0,
            recommendations: Vec::new(),
            scale_up_events: Vec::new(),
            scale_down_events: Vec::new(),
            downscale_stabilization_seconds: DEFAULT_DOWNSCALE_STABILIZATION,
            cpu_initialization_period_seconds: DEFAULT_CPU_INITIALIZATION_PERIOD,
            initial_readiness_delay_seconds: DEFAULT_INITIAL_READINESS_DELAY,
        }
    }
}

/// One metric's proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The proposed replicas; `None` when the metric is invalid.
    pub replicas: Option<i32>,
    /// The current usage the controller reports (average or total, milli-units): for a
    /// resource metric, the average usage per pod (`status.currentMetrics[].current.averageValue`).
    pub usage: Option<i64>,
    /// For a resource metric with a utilization target, the current utilization in percent of
    /// the requests (`current.averageUtilization`).
    pub utilization: Option<i32>,
    /// Why the metric is invalid.
    pub error: Option<String>,
}

/// The controller's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HpaDecision {
    /// The replicas the scale target is set to.
    pub desired_replicas: i32,
    /// The largest metric proposal, before normalization; `None` when not computed.
    pub metric_replicas: Option<i32>,
    /// The proposal after stabilization.
    pub stabilized_replicas: Option<i32>,
    /// Each metric's proposal, in spec order.
    pub proposals: Vec<Proposal>,
    /// The condition reason: `DesiredWithinRange`, `TooFewReplicas`, `TooManyReplicas`,
    /// `ScaleUpLimit`, `ScaleDownLimit`, `ScalingDisabled`, `FailedGetMetrics`, ...
    pub reason: String,
    /// Whether the stabilization window changed the proposal.
    pub stabilized: bool,
    /// The recommendation to record at `now` for the next run.
    pub record: Option<i32>,
}

/// `ceil(x)` as a replica count, saturating at the `i32` bounds.
fn ceil_i32(x: f64) -> i32 {
    let c = x.ceil();
    if c >= f64::from(i32::MAX) {
        i32::MAX
    } else if c <= f64::from(i32::MIN) {
        i32::MIN
    } else {
        c as i32
    }
}

impl Hpa {
    /// The controller's decision for this HPA.
    pub fn decide(&self) -> HpaDecision {
        let min = self.min_replicas;
        let cur = self.current_replicas;
        let mut d = HpaDecision {
            desired_replicas: cur,
            metric_replicas: None,
            stabilized_replicas: None,
            proposals: Vec::new(),
            reason: String::new(),
            stabilized: false,
            record: None,
        };
        if cur == 0 && min != 0 {
            d.desired_replicas = 0;
            d.reason = "ScalingDisabled".into();
            return d;
        }
        if cur > self.max_replicas {
            d.desired_replicas = self.max_replicas;
            d.reason = "TooManyReplicas".into();
            return d;
        }
        if cur < min {
            d.desired_replicas = min;
            d.reason = "TooFewReplicas".into();
            return d;
        }
        d.proposals = self.metrics.iter().map(|m| self.proposal(m)).collect();
        let invalid = d.proposals.iter().filter(|p| p.replicas.is_none()).count();
        let best = d.proposals.iter().filter_map(|p| p.replicas).max();
        match best {
            Some(b) if !(invalid > 0 && b < cur) => d.metric_replicas = Some(b),
            _ => {
                d.reason = "FailedGetMetrics".into();
                return d;
            }
        }
        let proposed = d.metric_replicas.unwrap_or(cur);
        d.record = Some(proposed);
        let (stabilized, desired, reason) = match &self.behavior {
            None => {
                let s = self.stabilize(proposed);
                let (desired, reason) = self.with_rules(s);
                (s, desired, reason)
            }
            Some(b) => self.with_behavior(b, proposed),
        };
        d.stabilized_replicas = Some(stabilized);
        d.stabilized = stabilized != proposed;
        d.desired_replicas = desired;
        d.reason = reason.into();
        d
    }
}

#[cfg(test)]
mod tests;
