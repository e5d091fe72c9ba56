//! Resource metrics (`type: Resource` and `ContainerResource`): CPU or memory usage against a
//! utilization target (a percentage of the pods' requests, kubernetes' `GetResourceReplicas`)
//! or an average-value target (`GetRawResourceReplicas`).

use std::collections::BTreeMap;

use super::pods::Sample;
use super::replicas::{Figures, clamp_i64};
use super::spec::{DEFAULT_METRIC_WINDOW, PodState, PodUsage, ResourceTarget};
use super::{Hpa, ceil_i32};

/// The samples the resource metrics client yields: per pod, the sum over its containers (a pod
/// with no container sample has none) or the named container's usage (a pod without that
/// container has none).
pub(super) fn resource_samples(
    resource: &str,
    container: Option<&str>,
    usage: &BTreeMap<String, PodUsage>,
    now: i64,
) -> Result<BTreeMap<String, Sample>, String> {
    if usage.is_empty() {
        return Err(format!(
            "unable to get metrics for resource {resource}: no metrics returned from resource metrics API"
        ));
    }
    let mut out = BTreeMap::new();
    for (pod, u) in usage {
        let value = match container {
            Some(c) => u.containers.get(c).copied(),
            None if u.containers.is_empty() => None,
            None => Some(clamp_i64(u.containers.values().map(|v| i128::from(*v)).sum())),
        };
        if let Some(value) = value {
            let timestamp = u.timestamp.unwrap_or(now);
            let window = u.window_seconds.unwrap_or(DEFAULT_METRIC_WINDOW);
            out.insert(pod.clone(), Sample { value, timestamp, window });
        }
    }
    Ok(out)
}

/// A pod's request for `resource` (`calculateRequests`): pod-level requests when set and no
/// container is named, else the named container's request, else the sum over containers and
/// restartable init containers. A container without a request for the resource is an error.
pub(super) fn pod_request(pod: &PodState, resource: &str, container: Option<&str>) -> Result<i64, String> {
    let pod_level = pod.requests.keys().any(|k| k == "cpu" || k == "memory");
    if container.is_none() && pod_level {
        return pod
            .requests
            .get(resource)
            .copied()
            .ok_or_else(|| format!("missing pod-level request for {resource} in Pod {}", pod.name));
    }
    let mut total: i128 = 0;
    for c in pod.containers.iter().chain(&pod.sidecars) {
        if container.is_none() || container == Some(c.name.as_str()) {
            let Some(r) = c.requests.get(resource) else {
                return Err(format!(
                    "missing request for {resource} in container {} of Pod {}",
                    c.name, pod.name
                ));
            };
            total += i128::from(*r);
        }
        if container == Some(c.name.as_str()) {
            return Ok(clamp_i64(total));
        }
    }
    match container {
        Some(c) => Err(format!("container {c} not found in Pod {}", pod.name)),
        None => Ok(clamp_i64(total)),
    }
}

/// `GetResourceUtilizationRatio`: the usage ratio, the current utilization in percent of the
/// requests, and the average usage, over the pods that have both a sample and a request.
pub(super) fn utilization_ratio(
    metrics: &BTreeMap<&str, i64>,
    requests: &BTreeMap<&str, i64>,
    target: i32,
) -> Result<(f64, i32, i64), String> {
    let (mut used, mut requested, mut n) = (0i128, 0i128, 0i128);
    for (pod, v) in metrics {
        if let Some(r) = requests.get(pod) {
            used += i128::from(*v);
            requested += i128::from(*r);
            n += 1;
        }
    }
    if requested == 0 {
        return Err("no metrics returned matched known pods".into());
    }
    let pct = used * 100 / requested;
    let utilization = i32::try_from(pct).unwrap_or(if pct < 0 { i32::MIN } else { i32::MAX });
    Ok((f64::from(utilization) / f64::from(target), utilization, clamp_i64(used / n)))
}

impl Hpa {
    /// The proposal for a resource metric; `container` for a `ContainerResource` metric.
    pub(super) fn resource_replicas(
        &self,
        resource: &str,
        container: Option<&str>,
        target: ResourceTarget,
        usage: &BTreeMap<String, PodUsage>,
    ) -> Result<Figures, String> {
        let cpu = resource == "cpu";
        let what = match target {
            ResourceTarget::AverageUtilization(_) => "utilization",
            ResourceTarget::AverageValue(_) => "usage",
        };
        let figures = match target {
            ResourceTarget::AverageValue(t) if t > 0 => {
                resource_samples(resource, container, usage, self.now)
                    .and_then(|s| self.plain_replicas(&s, t, cpu))
                    .map(|(r, u)| (r, u, None))
            }
            ResourceTarget::AverageUtilization(t) if t > 0 => {
                resource_samples(resource, container, usage, self.now)
                    .and_then(|s| self.utilization_replicas(&s, t, resource, container, cpu))
            }
            _ => Err(format!("the {what} target must be positive")),
        };
        figures.map_err(|e| match container {
            Some(c) => format!("failed to get {resource} {what} of container {c}: {e}"),
            None => format!("failed to get {resource} {what}: {e}"),
        })
    }

    /// `GetResourceReplicas`: the utilization-target calculation. Missing pods count as using
    /// their full request (or the target, above 100%) on a scale-down and nothing on a
    /// scale-up; unready pods count as using nothing on a scale-up.
    fn utilization_replicas(
        &self,
        samples: &BTreeMap<String, Sample>,
        target: i32,
        resource: &str,
        container: Option<&str>,
        cpu: bool,
    ) -> Result<Figures, String> {
        let (g, mut metrics) = self.ready_samples(samples, cpu)?;
        let mut requests = BTreeMap::new();
        for pod in &self.pods {
            requests.insert(pod.name.as_str(), pod_request(pod, resource, container)?);
        }
        let (ratio, utilization, raw) = utilization_ratio(&metrics, &requests, target)?;
        let scale_up_with_unready = !g.unready.is_empty() && ratio > 1.0;
        if !scale_up_with_unready && g.missing.is_empty() {
            if self.tolerance.is_within(ratio) {
                return Ok((self.current_replicas, raw, Some(utilization)));
            }
            return Ok((ceil_i32(ratio * g.ready as f64), raw, Some(utilization)));
        }
        if ratio < 1.0 {
            let fallback = i128::from(target.max(100));
            for m in &g.missing {
                let request = i128::from(requests.get(m).copied().unwrap_or(0));
                metrics.insert(m, clamp_i64(request * fallback / 100));
            }
        } else if ratio > 1.0 {
            metrics.extend(g.missing.iter().map(|m| (*m, 0)));
        }
        if scale_up_with_unready {
            metrics.extend(g.unready.iter().map(|u| (*u, 0)));
        }
        let (new_ratio, _, _) = utilization_ratio(&metrics, &requests, target)?;
        Ok((self.rebalanced(ratio, new_ratio, metrics.len()), raw, Some(utilization)))
    }
}

#[cfg(test)]
mod tests;
