//! The Horizontal Pod Autoscaler, as Kubernetes' controller computes it
//! (`pkg/controller/podautoscaler`): a replica proposal per metric (pods, object or external
//! metric, with the tolerance, missing-pod and not-yet-ready rules), the largest proposal,
//! then normalization: the scale-down stabilization window and min/max with the scale-up
//! limit, or the `behavior` stabilization windows and rate policies.
//!
//! Metric values are milli-units (`1500` is 1.5 requests per second), as the controller
//! handles Kubernetes quantities. Time is whole seconds passed by the caller.
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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The default tolerance (`--horizontal-pod-autoscaler-tolerance`).
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// The default scale-down stabilization window in seconds.
pub const DEFAULT_DOWNSCALE_STABILIZATION: i64 = 300;

/// The band around 1.0 in which the usage ratio leaves the replica count alone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tolerances {
    /// Below `1 - scaleDown`, scale down.
    pub scale_down: f64,
    /// Above `1 + scaleUp`, scale up.
    pub scale_up: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self { scale_down: DEFAULT_TOLERANCE, scale_up: DEFAULT_TOLERANCE }
    }
}

impl Tolerances {
    /// Whether `ratio` is close enough to 1 to change nothing.
    pub fn is_within(&self, ratio: f64) -> bool {
        (1.0 - self.scale_down) <= ratio && ratio <= (1.0 + self.scale_up)
    }
}

/// A pod the HPA's selector matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodState {
    /// The pod's name (metrics are keyed by it).
    pub name: String,
    /// `Running`, `Pending`, `Succeeded`, `Failed` or `Unknown`.
    pub phase: String,
    /// The `Ready` condition is true.
    pub ready: bool,
    /// The pod has a deletion timestamp.
    pub deleted: bool,
}

impl Default for PodState {
    fn default() -> Self {
        Self { name: String::new(), phase: "Running".into(), ready: true, deleted: false }
    }
}

impl PodState {
    /// A running, ready pod.
    pub fn running(name: &str) -> Self {
        Self { name: name.into(), ..Self::default() }
    }
}

/// What a target is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Target {
    /// The metric's total value (milli-units).
    Value(i64),
    /// The metric's value divided by the replica count (milli-units).
    AverageValue(i64),
}

/// One metric of the HPA with its current readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum MetricSource {
    /// A per-pod metric (such as requests per second from `istio_requests_total`) with an
    /// average-value target; `values` by pod name.
    Pods {
        /// Target average per pod (milli-units).
        target: i64,
        /// Current value per pod (milli-units).
        values: BTreeMap<String, i64>,
    },
    /// A metric of one object (such as a Service's request rate).
    Object {
        /// The target.
        target: Target,
        /// The current value (milli-units).
        value: i64,
    },
    /// An external metric; its series are summed.
    External {
        /// The target.
        target: Target,
        /// The current values (milli-units).
        values: Vec<i64>,
    },
}

/// A scaling policy of a `behavior` rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScalingPolicy {
    /// `Pods` or `Percent`.
    #[serde(rename = "type")]
    pub kind: PolicyKind,
    /// Pods or percent per period.
    pub value: i32,
    /// The period in seconds.
    pub period_seconds: i64,
}

/// The kind of a [`ScalingPolicy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyKind {
    /// A number of pods.
    Pods,
    /// A percentage of the replicas at the period's start.
    Percent,
}

/// How policies combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum SelectPolicy {
    /// The largest change.
    #[default]
    Max,
    /// The smallest change.
    Min,
    /// No scaling in this direction.
    Disabled,
}

/// One direction's `behavior` rules; unset fields take Kubernetes' defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScalingRules {
    /// The stabilization window in seconds.
    pub stabilization_window_seconds: Option<i64>,
    /// How policies combine.
    pub select_policy: Option<SelectPolicy>,
    /// The policies; empty means the defaults.
    pub policies: Vec<ScalingPolicy>,
}

/// `spec.behavior`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Behavior {
    /// Scaling up.
    pub scale_up: Option<ScalingRules>,
    /// Scaling down.
    pub scale_down: Option<ScalingRules>,
}

/// A past recommendation or scale event, at a time in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Timed {
    /// When (seconds, the caller's clock).
    pub time: i64,
    /// The recommended replicas, or the number of replicas a scale event added or removed.
    pub replicas: i32,
}

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
        }
    }
}

/// One metric's proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The proposed replicas; `None` when the metric is invalid.
    pub replicas: Option<i32>,
    /// The current usage the controller reports (average or total, milli-units).
    pub usage: Option<i64>,
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
    fn ready_pods(&self) -> i64 {
        self.pods.iter().filter(|p| p.phase == "Running" && p.ready).count() as i64
    }

    fn usage_ratio_replicas(&self, ratio: f64) -> Result<i32, String> {
        if self.current_replicas != 0 {
            if self.tolerance.is_within(ratio) {
                return Ok(self.current_replicas);
            }
            if self.pods.is_empty() {
                return Err("no pods returned by selector while calculating replica count".into());
            }
            Ok(ceil_i32(ratio * self.ready_pods() as f64))
        } else {
            Ok(ceil_i32(ratio))
        }
    }

    fn per_pod_replicas(&self, usage: i64, target: i64) -> (i32, i64) {
        let mut replicas = self.current_replicas;
        let ratio = usage as f64 / (target as f64 * f64::from(self.current_replicas));
        if !self.tolerance.is_within(ratio) {
            replicas = ceil_i32(usage as f64 / target as f64);
        }
        (replicas, (usage as f64 / f64::from(self.current_replicas)).ceil() as i64)
    }

    /// The proposal for one plain per-pod metric (`calcPlainMetricReplicas`).
    fn pods_replicas(&self, target: i64, values: &BTreeMap<String, i64>) -> Result<(i32, i64), String> {
        if self.pods.is_empty() {
            return Err("no pods returned by selector while calculating replica count".into());
        }
        let mut metrics: BTreeMap<&str, i64> = BTreeMap::new();
        let (mut ready, mut unready, mut missing) = (0i64, Vec::new(), Vec::new());
        for p in &self.pods {
            if p.deleted || p.phase == "Failed" {
                continue;
            }
            if p.phase == "Pending" {
                unready.push(p.name.as_str());
                continue;
            }
            match values.get(&p.name) {
                Some(v) => {
                    metrics.insert(&p.name, *v);
                    ready += 1;
                }
                None => missing.push(p.name.as_str()),
            }
        }
        if metrics.is_empty() {
            return Err("did not receive metrics for targeted pods (pods might be unready)".into());
        }
        let ratio_of = |m: &BTreeMap<&str, i64>| {
            let total: i64 = m.values().fold(0i64, |a, v| a.saturating_add(*v));
            let usage = total / m.len() as i64;
            (usage as f64 / target as f64, usage)
        };
        let (ratio, usage) = ratio_of(&metrics);
        let scale_up_with_unready = !unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && missing.is_empty() {
            if self.tolerance.is_within(ratio) {
                return Ok((self.current_replicas, usage));
            }
            return Ok((ceil_i32(ratio * ready as f64), usage));
        }
        if !missing.is_empty() {
            if ratio < 1.0 {
                for m in &missing {
                    metrics.insert(m, target);
                }
            } else if ratio > 1.0 {
                for m in &missing {
                    metrics.insert(m, 0);
                }
            }
        }
        if scale_up_with_unready {
            for u in &unready {
                metrics.insert(u, 0);
            }
        }
        let (new_ratio, _) = ratio_of(&metrics);
        if self.tolerance.is_within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return Ok((self.current_replicas, usage));
        }
        let new_replicas = ceil_i32(new_ratio * metrics.len() as f64);
        if (new_ratio < 1.0 && new_replicas > self.current_replicas)
            || (new_ratio > 1.0 && new_replicas < self.current_replicas)
        {
            return Ok((self.current_replicas, usage));
        }
        Ok((new_replicas, usage))
    }

    fn proposal(&self, m: &MetricSource) -> Proposal {
        let r = match m {
            MetricSource::Pods { target, values } => {
                if *target <= 0 {
                    Err("the target average value must be positive".to_string())
                } else {
                    self.pods_replicas(*target, values)
                }
            }
            MetricSource::Object { target, value } => self.object_like(*target, *value),
            MetricSource::External { target, values } => {
                let total = values.iter().fold(0i64, |a, v| a.saturating_add(*v));
                self.object_like(*target, total)
            }
        };
        match r {
            Ok((replicas, usage)) => Proposal { replicas: Some(replicas), usage: Some(usage), error: None },
            Err(e) => Proposal { replicas: None, usage: None, error: Some(e) },
        }
    }

    fn object_like(&self, target: Target, usage: i64) -> Result<(i32, i64), String> {
        match target {
            Target::Value(t) if t > 0 => {
                self.usage_ratio_replicas(usage as f64 / t as f64).map(|r| (r, usage))
            }
            Target::AverageValue(t) if t > 0 => {
                if self.current_replicas == 0 {
                    return Err("an average-value target needs a non-zero replica count".into());
                }
                Ok(self.per_pod_replicas(usage, t))
            }
            _ => Err("the target must be positive".into()),
        }
    }

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

    /// Legacy stabilization: the highest recommendation within the downscale window.
    fn stabilize(&self, proposed: i32) -> i32 {
        let cutoff = self.now - self.downscale_stabilization_seconds;
        self.recommendations.iter().filter(|r| r.time >= cutoff).map(|r| r.replicas).fold(proposed, i32::max)
    }

    fn with_rules(&self, desired: i32) -> (i32, &'static str) {
        let scale_up_limit = (2.0 * f64::from(self.current_replicas)).max(4.0) as i32;
        let (max_allowed, limit_reason) = if self.max_replicas > scale_up_limit {
            (scale_up_limit, "ScaleUpLimit")
        } else {
            (self.max_replicas, "TooManyReplicas")
        };
        if desired < self.min_replicas {
            (self.min_replicas, "TooFewReplicas")
        } else if desired > max_allowed {
            (max_allowed, limit_reason)
        } else {
            (desired, "DesiredWithinRange")
        }
    }

    fn rules(&self, b: &Behavior) -> (ScalingRules, ScalingRules) {
        let up = b.scale_up.clone().unwrap_or_default();
        let down = b.scale_down.clone().unwrap_or_default();
        let up = ScalingRules {
            stabilization_window_seconds: Some(up.stabilization_window_seconds.unwrap_or(0)),
            select_policy: Some(up.select_policy.unwrap_or_default()),
            policies: if up.policies.is_empty() {
                vec![
                    ScalingPolicy { kind: PolicyKind::Pods, value: 4, period_seconds: 15 },
                    ScalingPolicy { kind: PolicyKind::Percent, value: 100, period_seconds: 15 },
                ]
            } else {
                up.policies
            },
        };
        let down = ScalingRules {
            stabilization_window_seconds: Some(
                down.stabilization_window_seconds.unwrap_or(self.downscale_stabilization_seconds),
            ),
            select_policy: Some(down.select_policy.unwrap_or_default()),
            policies: if down.policies.is_empty() {
                vec![ScalingPolicy { kind: PolicyKind::Percent, value: 100, period_seconds: 15 }]
            } else {
                down.policies
            },
        };
        (up, down)
    }

    fn change_in_period(&self, events: &[Timed], period: i64) -> i32 {
        let cutoff = self.now - period;
        events.iter().filter(|e| e.time > cutoff).map(|e| e.replicas).sum()
    }

    fn with_behavior(&self, b: &Behavior, proposed: i32) -> (i32, i32, &'static str) {
        let (up, down) = self.rules(b);
        let up_cut = self.now - up.stabilization_window_seconds.unwrap_or(0);
        let down_cut = self.now - down.stabilization_window_seconds.unwrap_or(0);
        let (mut up_rec, mut down_rec) = (proposed, proposed);
        for r in &self.recommendations {
            if r.time > up_cut {
                up_rec = up_rec.min(r.replicas);
            }
            if r.time > down_cut {
                down_rec = down_rec.max(r.replicas);
            }
        }
        let stabilized = self.current_replicas.max(up_rec).min(down_rec);
        let cur = self.current_replicas;
        let start = |p: &ScalingPolicy| {
            cur - self.change_in_period(&self.scale_up_events, p.period_seconds)
                + self.change_in_period(&self.scale_down_events, p.period_seconds)
        };
        if stabilized > cur {
            let limit = match up.select_policy.unwrap_or_default() {
                SelectPolicy::Disabled => cur,
                sel => {
                    let props = up.policies.iter().map(|p| match p.kind {
                        PolicyKind::Pods => start(p) + p.value,
                        PolicyKind::Percent => {
                            ceil_i32(f64::from(start(p)) * (1.0 + f64::from(p.value) / 100.0))
                        }
                    });
                    if sel == SelectPolicy::Min {
                        props.min().unwrap_or(i32::MAX)
                    } else {
                        props.max().unwrap_or(i32::MIN)
                    }
                }
            }
            .max(cur);
            let (max_allowed, reason) = if self.max_replicas > limit {
                (limit, "ScaleUpLimit")
            } else {
                (self.max_replicas, "TooManyReplicas")
            };
            if stabilized > max_allowed {
                return (stabilized, max_allowed, reason);
            }
        } else if stabilized < cur {
            let limit = match down.select_policy.unwrap_or_default() {
                SelectPolicy::Disabled => cur,
                sel => {
                    let props = down.policies.iter().map(|p| match p.kind {
                        PolicyKind::Pods => start(p) - p.value,
                        PolicyKind::Percent => {
                            (f64::from(start(p)) * (1.0 - f64::from(p.value) / 100.0)) as i32
                        }
                    });
                    if sel == SelectPolicy::Min {
                        props.max().unwrap_or(i32::MIN)
                    } else {
                        props.min().unwrap_or(i32::MAX)
                    }
                }
            }
            .min(cur);
            let (min_allowed, reason) = if self.min_replicas < limit {
                (limit, "ScaleDownLimit")
            } else {
                (self.min_replicas, "TooFewReplicas")
            };
            if stabilized < min_allowed {
                return (stabilized, min_allowed, reason);
            }
        }
        (stabilized, stabilized, "DesiredWithinRange")
    }
}

#[cfg(test)]
mod tests;
