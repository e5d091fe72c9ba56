//! One metric's replica proposal (kubernetes' `ReplicaCalculator`): plain per-pod metrics
//! (`calcPlainMetricReplicas`), object and external metrics, and the dispatch per metric kind.

use std::collections::BTreeMap;

use super::pods::{Groups, Readiness, Sample, group_pods};
use super::spec::{DEFAULT_METRIC_WINDOW, MetricSource, Target};
use super::{Hpa, Proposal, ceil_i32};

/// The error when the selector matches no pod.
pub(super) const NO_PODS: &str = "no pods returned by selector while calculating replica count";
/// The error when no pod that counts has a sample.
pub(super) const NO_READY_METRICS: &str = "did not receive metrics for targeted pods (pods might be unready)";

/// A metric's figures: proposed replicas, current usage (average or total, milli-units) and,
/// for a utilization target, the current utilization in percent.
pub(super) type Figures = (i32, i64, Option<i32>);

/// Clamps a wide integer into `i64`.
pub(super) fn clamp_i64(x: i128) -> i64 {
    i64::try_from(x).unwrap_or(if x < 0 { i64::MIN } else { i64::MAX })
}

/// The average of the values (integer division, as the controller divides).
fn average(values: &BTreeMap<&str, i64>) -> i64 {
    let total: i128 = values.values().map(|v| i128::from(*v)).sum();
    clamp_i64(total / values.len().max(1) as i128)
}

impl Hpa {
    /// The controller's CPU readiness settings and clock.
    pub(super) fn readiness(&self) -> Readiness {
        Readiness {
            cpu_initialization_period: self.cpu_initialization_period_seconds,
            initial_readiness_delay: self.initial_readiness_delay_seconds,
            now: self.now,
        }
    }

    fn ready_pods(&self) -> i64 {
        self.pods.iter().filter(|p| p.phase == "Running" && p.ready).count() as i64
    }

    fn usage_ratio_replicas(&self, ratio: f64) -> Result<i32, String> {
        if self.current_replicas != 0 {
            if self.tolerance.is_within(ratio) {
                return Ok(self.current_replicas);
            }
            if self.pods.is_empty() {
                return Err(NO_PODS.into());
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

    /// The proposal for a plain per-pod metric with an average-value target
    /// (`calcPlainMetricReplicas`): a pods metric, or a resource metric with an `averageValue`
    /// target (then `cpu` applies the CPU readiness rules). Samples of pods the selector does
    /// not match still count in the average, as upstream.
    pub(super) fn plain_replicas(
        &self,
        samples: &BTreeMap<String, Sample>,
        target: i64,
        cpu: bool,
    ) -> Result<(i32, i64), String> {
        let (g, mut metrics) = self.ready_samples(samples, cpu)?;
        let usage = average(&metrics);
        let ratio = usage as f64 / target as f64;
        let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && g.missing.is_empty() {
            if self.tolerance.is_within(ratio) {
                return Ok((self.current_replicas, usage));
            }
            return Ok((ceil_i32(ratio * g.ready as f64), usage));
        }
        if ratio < 1.0 {
            // On a scale-down a pod without a sample counts as exactly at target.
            metrics.extend(g.missing.iter().map(|m| (*m, target)));
        } else if ratio > 1.0 {
            metrics.extend(g.missing.iter().map(|m| (*m, 0)));
        }
        if scale_up_with_unready {
            metrics.extend(g.unready.iter().map(|u| (*u, 0)));
        }
        let new_ratio = average(&metrics) as f64 / target as f64;
        Ok((self.rebalanced(ratio, new_ratio, metrics.len()), usage))
    }

    /// The pods grouped (`groupPods`) and the samples that count: those of pods neither
    /// ignored nor unready. An error when there are no pods or no such sample.
    pub(super) fn ready_samples<'a>(
        &'a self,
        samples: &'a BTreeMap<String, Sample>,
        cpu: bool,
    ) -> Result<(Groups<'a>, BTreeMap<&'a str, i64>), String> {
        if self.pods.is_empty() {
            return Err(NO_PODS.into());
        }
        let g = group_pods(&self.pods, samples, cpu, self.readiness());
        let metrics: BTreeMap<&str, i64> = samples
            .iter()
            .filter(|(k, _)| !g.ignored.contains(k.as_str()) && !g.unready.contains(k.as_str()))
            .map(|(k, s)| (k.as_str(), s.value))
            .collect();
        if metrics.is_empty() {
            return Err(NO_READY_METRICS.into());
        }
        Ok((g, metrics))
    }

    /// The replicas after missing and unready pods were filled in: the current count when the
    /// change is within tolerance or would reverse the direction, else `ceil(ratio * n)`.
    pub(super) fn rebalanced(&self, ratio: f64, new_ratio: f64, n: usize) -> i32 {
        let cur = self.current_replicas;
        if self.tolerance.is_within(new_ratio)
            || (ratio < 1.0 && new_ratio > 1.0)
            || (ratio > 1.0 && new_ratio < 1.0)
        {
            return cur;
        }
        let new_replicas = ceil_i32(new_ratio * n as f64);
        if (new_ratio < 1.0 && new_replicas > cur) || (new_ratio > 1.0 && new_replicas < cur) {
            return cur;
        }
        new_replicas
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

    /// One metric's proposal.
    pub(super) fn proposal(&self, m: &MetricSource) -> Proposal {
        let no_util = |(r, u): (i32, i64)| (r, u, None);
        let r: Result<Figures, String> = match m {
            MetricSource::Pods { target, values } => {
                if *target <= 0 {
                    Err("the target average value must be positive".to_string())
                } else {
                    let samples = values
                        .iter()
                        .map(|(k, v)| {
                            let s = Sample { value: *v, timestamp: self.now, window: DEFAULT_METRIC_WINDOW };
                            (k.clone(), s)
                        })
                        .collect();
                    self.plain_replicas(&samples, *target, false).map(no_util)
                }
            }
            MetricSource::Object { target, value } => self.object_like(*target, *value).map(no_util),
            MetricSource::External { target, values } => {
                let total = values.iter().fold(0i64, |a, v| a.saturating_add(*v));
                self.object_like(*target, total).map(no_util)
            }
            MetricSource::Resource { name, target, usage } => {
                self.resource_replicas(name, None, *target, usage)
            }
            MetricSource::ContainerResource { name, container, target, usage } => {
                self.resource_replicas(name, Some(container), *target, usage)
            }
        };
        match r {
            Ok((replicas, usage, utilization)) => {
                Proposal { replicas: Some(replicas), usage: Some(usage), utilization, error: None }
            }
            Err(e) => Proposal { replicas: None, usage: None, utilization: None, error: Some(e) },
        }
    }
}
