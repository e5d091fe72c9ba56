//! The autoscaler's inputs: the metric sources with their readings, the pods the selector
//! matches, the tolerance and `spec.behavior`. Wire types: serde shapes of the JSON `meshctl hpa`
//! reads; every field added after the first release is optional.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The default tolerance (`--horizontal-pod-autoscaler-tolerance`).
pub const DEFAULT_TOLERANCE: f64 = 0.1;
/// The default scale-down stabilization window in seconds.
pub const DEFAULT_DOWNSCALE_STABILIZATION: i64 = 300;
/// The default `--horizontal-pod-autoscaler-cpu-initialization-period`, in seconds.
pub const DEFAULT_CPU_INITIALIZATION_PERIOD: i64 = 300;
/// The default `--horizontal-pod-autoscaler-initial-readiness-delay`, in seconds.
pub const DEFAULT_INITIAL_READINESS_DELAY: i64 = 30;
/// The window a resource sample covers when the reading does not say (one minute, the
/// metrics client's default window).
pub const DEFAULT_METRIC_WINDOW: i64 = 60;

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

/// A container of a pod with its resource requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ContainerState {
    /// The container's name.
    pub name: String,
    /// `resources.requests` by resource name (`cpu`, `memory`, ...), in milli-units: `250` is
    /// 250m CPU, `1000` is one byte of memory.
    pub requests: BTreeMap<String, i64>,
}

/// A pod the HPA's selector matches.
///
/// Times are whole seconds on the caller's clock. An absent time is Kubernetes' zero time, long
/// before any initialization period: a pod without `startTime` counts as started long ago.
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
    /// The pod has a `Ready` condition and a start time (default true). When false, a CPU
    /// sample of the pod is always treated as not yet ready.
    pub has_ready_condition: bool,
    /// `status.startTime`.
    pub start_time: Option<i64>,
    /// The `lastTransitionTime` of the `Ready` condition.
    pub ready_transition_time: Option<i64>,
    /// `spec.containers` with their requests (resource metrics only).
    pub containers: Vec<ContainerState>,
    /// Restartable init containers (`restartPolicy: Always`, native sidecars); their requests
    /// count like a container's.
    pub sidecars: Vec<ContainerState>,
    /// Pod-level `spec.resources.requests`; when set, they replace the containers' sum for a
    /// `Resource` metric (KEP-2837).
    pub requests: BTreeMap<String, i64>,
}

impl Default for PodState {
    fn default() -> Self {
        Self {
            name: String::new(),
            phase: "Running".into(),
            ready: true,
            deleted: false,
            has_ready_condition: true,
            start_time: None,
            ready_transition_time: None,
            containers: Vec::new(),
            sidecars: Vec::new(),
            requests: BTreeMap::new(),
        }
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

/// The target of a `Resource` or `ContainerResource` metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ResourceTarget {
    /// `averageUtilization`: the average usage as a percentage of the pods' requests.
    AverageUtilization(i32),
    /// `averageValue`: the average usage per pod (milli-units).
    AverageValue(i64),
}

/// One pod's resource sample, as the resource metrics API (`metrics.k8s.io` `PodMetrics`)
/// reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PodUsage {
    /// Usage per container name (milli-units). An empty map is no sample.
    pub containers: BTreeMap<String, i64>,
    /// When the sample was taken; absent means `now`.
    pub timestamp: Option<i64>,
    /// The window the sample covers in seconds; absent means 60.
    pub window_seconds: Option<i64>,
}

/// One metric of the HPA with its current readings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "type")]
pub enum MetricSource {
    /// A per-pod metric (such as requests per second from `istio_requests_total`) with an
    /// average-value target; `values` by pod name.
    #[serde(alias = "Pods")]
    Pods {
        /// Target average per pod (milli-units).
        target: i64,
        /// Current value per pod (milli-units).
        values: BTreeMap<String, i64>,
    },
    /// A metric of one object (such as a Service's request rate).
    #[serde(alias = "Object")]
    Object {
        /// The target.
        target: Target,
        /// The current value (milli-units).
        value: i64,
    },
    /// An external metric; its series are summed.
    #[serde(alias = "External")]
    External {
        /// The target.
        target: Target,
        /// The current values (milli-units).
        values: Vec<i64>,
    },
    /// A resource (`cpu`, `memory`) of the whole pod: the sum over its containers.
    #[serde(alias = "Resource")]
    Resource {
        /// The resource name.
        name: String,
        /// The target.
        target: ResourceTarget,
        /// Samples by pod name.
        usage: BTreeMap<String, PodUsage>,
    },
    /// A resource of one container of each pod.
    #[serde(alias = "ContainerResource")]
    ContainerResource {
        /// The resource name.
        name: String,
        /// The container's name.
        container: String,
        /// The target.
        target: ResourceTarget,
        /// Samples by pod name; a pod without the container has no sample.
        usage: BTreeMap<String, PodUsage>,
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
