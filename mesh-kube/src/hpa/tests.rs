use std::collections::BTreeMap;

use super::*;

fn pods(n: usize) -> Vec<PodState> {
    (0..n).map(|i| PodState::running(&format!("test-pod-{i}"))).collect()
}

fn pod_values(levels: &[i64]) -> BTreeMap<String, i64> {
    levels.iter().enumerate().map(|(i, v)| (format!("test-pod-{i}"), *v)).collect()
}

fn proposal(current: i32, pods: Vec<PodState>, m: MetricSource) -> (Option<i32>, Option<i64>) {
    let hpa = Hpa {
        current_replicas: current,
        max_replicas: 1000,
        metrics: vec![m.clone()],
        pods,
        ..Hpa::default()
    };
    let p = hpa.proposal(&m);
    (p.replicas, p.usage)
}

fn with_readiness(n: usize, ready: &[bool]) -> Vec<PodState> {
    let mut p = pods(n);
    for (pod, r) in p.iter_mut().zip(ready) {
        pod.ready = *r;
    }
    p
}

// kubernetes pkg/controller/podautoscaler replica_calculator_test.go, custom-metric cases.
#[test]
fn replica_calculator_custom_metric_cases() {
    let pm = |levels: &[i64], target| MetricSource::Pods { target, values: pod_values(levels) };
    let obj = |v, t| MetricSource::Object { target: Target::Value(t), value: v };
    let obj_avg = |v, t| MetricSource::Object { target: Target::AverageValue(t), value: v };
    let ext = |v, t| MetricSource::External { target: Target::Value(t), values: vec![v] };
    let ext_avg = |v, t| MetricSource::External { target: Target::AverageValue(t), values: vec![v] };
    type Row = (&'static str, i32, Vec<PodState>, MetricSource, i32, i64);
    let rows: Vec<Row> = vec![
        ("ScaleUpCM", 3, pods(3), pm(&[20000, 10000, 30000], 15000), 4, 20000),
        (
            "ScaleUpCMUnreadyHotCpuNoLessScale",
            3,
            with_readiness(3, &[true, true, false]),
            pm(&[50000, 10000, 30000], 15000),
            6,
            30000,
        ),
        (
            "ScaleUpCMUnreadyHotCpuScaleWouldScaleDown",
            3,
            with_readiness(3, &[false, true, false]),
            pm(&[50000, 15000, 30000], 15000),
            7,
            31666,
        ),
        ("ScaleUpCMObject", 3, pods(3), obj(20000, 15000), 4, 20000),
        ("ScaleUpCMPerPodObject", 3, pods(3), obj_avg(20000, 5000), 4, 6667),
        (
            "ScaleUpCMObjectIgnoresUnreadyPods",
            3,
            with_readiness(3, &[false, true, false]),
            obj(50000, 10000),
            5,
            50000,
        ),
        ("ScaleUpCMExternal", 1, pods(1), pm(&[8600], 4400), 2, 8600),
        (
            "ScaleUpCMExternalIgnoresUnreadyPods",
            3,
            with_readiness(3, &[false, true, false]),
            ext(8600, 4400),
            2,
            8600,
        ),
        ("ScaleUpPerPodCMExternal", 3, pods(3), ext_avg(8600, 2150), 4, 2867),
        ("ScaleDownCM", 5, pods(5), pm(&[12000, 12000, 12000, 12000, 12000], 20000), 3, 12000),
        ("ScaleDownPerPodCMObject", 5, pods(5), obj_avg(6000, 2000), 3, 1200),
        ("ScaleDownCMObject", 5, pods(5), obj(12000, 20000), 3, 12000),
        ("ScaleDownCMExternal", 5, pods(5), ext(8600, 14334), 3, 8600),
        ("ScaleDownPerPodCMExternal", 5, pods(5), ext_avg(8600, 2867), 3, 1720),
        ("ToleranceCM", 3, pods(3), pm(&[20000, 21000, 21000], 20000), 3, 20666),
        ("ToleranceCMObject", 3, pods(3), obj(20666, 20000), 3, 20666),
        ("TolerancePerPodCMObject", 4, pods(4), obj_avg(20166, 5000), 4, 5042),
        ("ToleranceCMExternal", 3, pods(3), ext(8600, 8888), 3, 8600),
        ("TolerancePerPodCMExternal", 3, pods(3), ext_avg(8600, 2900), 3, 2867),
    ];
    for (name, current, pods, metric, want, usage) in rows {
        assert_eq!(proposal(current, pods, metric), (Some(want), Some(usage)), "{name}");
    }
}

// The missing-pod rules of calcPlainMetricReplicas (the same rules the CPU cases
// "MissingMetrics*" pin): on a scale-down a missing pod counts as at target, on a scale-up
// as zero, and a direction change keeps the current count.
#[test]
fn missing_and_pending_pods() {
    let values = pod_values(&[40000, 9500]);
    // 4 pods, 2 reporting, average 24750 of target 10000: scale up; missing count as 0.
    let (r, _) = proposal(4, pods(4), MetricSource::Pods { target: 10000, values: values.clone() });
    assert_eq!(r, Some(5)); // (40000 + 9500 + 0 + 0) / 4 = 12375 -> ceil(1.2375 * 4) = 5
    // Scale-down with one missing pod: the missing pod counts as exactly the target.
    let (r, _) =
        proposal(3, pods(3), MetricSource::Pods { target: 10000, values: pod_values(&[1000, 1000]) });
    assert_eq!(r, Some(2)); // (1000+1000+10000)/3 = 4000 -> 0.4*3 = 1.2 -> 2
    // A pending pod on a scale-up counts as zero.
    let mut p = pods(3);
    p[2].phase = "Pending".into();
    let (r, _) = proposal(3, p, MetricSource::Pods { target: 10000, values: pod_values(&[30000, 30000]) });
    assert_eq!(r, Some(6)); // (30000 + 30000 + 0) / 3 = 20000 -> ceil(2.0 * 3) = 6
}

#[test]
fn failed_and_deleted_pods_are_ignored() {
    let mut p = pods(4);
    p[2].phase = "Failed".into();
    p[3].deleted = true;
    let (r, _) = proposal(2, p, MetricSource::Pods { target: 10000, values: pod_values(&[30000, 30000]) });
    assert_eq!(r, Some(6));
}

// kubernetes horizontal.go convertDesiredReplicasWithRules: scale-up limit max(2*current, 4).
#[test]
fn legacy_normalization_limits() {
    let base = Hpa {
        current_replicas: 2,
        min_replicas: 1,
        max_replicas: 100,
        pods: pods(2),
        metrics: vec![MetricSource::Pods { target: 1000, values: pod_values(&[50000, 50000]) }],
        ..Hpa::default()
    };
    let d = base.decide();
    assert_eq!(d.metric_replicas, Some(100));
    assert_eq!((d.desired_replicas, d.reason.as_str()), (4, "ScaleUpLimit"));
    let small = Hpa { max_replicas: 3, ..base.clone() };
    assert_eq!(small.decide().reason, "TooManyReplicas");
    // Stabilization: a recent higher recommendation holds a scale-down.
    let down = Hpa {
        current_replicas: 4,
        max_replicas: 10,
        pods: pods(4),
        metrics: vec![MetricSource::Pods { target: 10000, values: pod_values(&[1000, 1000, 1000, 1000]) }],
        now: 1000,
        recommendations: vec![Timed { time: 900, replicas: 4 }, Timed { time: 600, replicas: 9 }],
        ..base
    };
    let d = down.decide();
    assert_eq!(d.metric_replicas, Some(1));
    assert_eq!(d.desired_replicas, 4);
    assert!(d.stabilized);
}

#[test]
fn guards_before_metrics() {
    let h = Hpa { current_replicas: 0, min_replicas: 1, ..Hpa::default() };
    assert_eq!(h.decide().reason, "ScalingDisabled");
    let h = Hpa { current_replicas: 12, max_replicas: 10, ..Hpa::default() };
    assert_eq!(h.decide().desired_replicas, 10);
    let h = Hpa { current_replicas: 2, min_replicas: 3, max_replicas: 10, ..Hpa::default() };
    assert_eq!(h.decide().desired_replicas, 3);
    let h = Hpa {
        current_replicas: 2,
        max_replicas: 10,
        metrics: vec![MetricSource::Pods { target: 1, values: BTreeMap::new() }],
        ..Hpa::default()
    };
    assert_eq!(h.decide().reason, "FailedGetMetrics");
}

// kubernetes horizontal.go convertDesiredReplicasWithBehaviorRate with the default rules.
#[test]
fn behavior_default_rates() {
    let base = Hpa {
        current_replicas: 10,
        min_replicas: 1,
        max_replicas: 100,
        pods: pods(10),
        metrics: vec![MetricSource::Pods {
            target: 1000,
            values: (0..10).map(|i| (format!("test-pod-{i}"), 10000)).collect(),
        }],
        behavior: Some(Behavior::default()),
        now: 1000,
        ..Hpa::default()
    };
    // Default scale-up: max(4 pods, 100%) per 15s -> 20.
    let d = base.decide();
    assert_eq!((d.desired_replicas, d.reason.as_str()), (20, "ScaleUpLimit"));
    // A scale-up of 5 within the last 15s counts against the period start.
    let recent = Hpa { scale_up_events: vec![Timed { time: 995, replicas: 5 }], ..base.clone() };
    assert_eq!(recent.decide().desired_replicas, 10);
    // Scale-down is stabilized for 300s by default: a recent recommendation of 10 holds it.
    let down = Hpa {
        metrics: vec![MetricSource::Pods {
            target: 1000,
            values: (0..10).map(|i| (format!("test-pod-{i}"), 100)).collect(),
        }],
        recommendations: vec![Timed { time: 900, replicas: 10 }],
        ..base
    };
    let d = down.decide();
    assert_eq!(d.metric_replicas, Some(1));
    assert_eq!(d.desired_replicas, 10);
}

#[test]
fn tolerance_band_is_closed() {
    let t = Tolerances::default();
    assert!(t.is_within(0.9) && t.is_within(1.1) && !t.is_within(1.11) && !t.is_within(0.89));
}

// The JSON input stays backwards compatible: old inputs parse with the new fields defaulted, and
// the new metric kinds parse in camelCase or Kubernetes' PascalCase `type`.
#[test]
fn json_input_resource_metrics() {
    let old: Hpa = serde_json::from_value(serde_json::json!({
        "currentReplicas": 2, "maxReplicas": 5,
        "metrics": [{"type": "pods", "target": 1000, "values": {"a": 3000}}],
        "pods": [{"name": "a", "phase": "Running", "ready": true, "deleted": false}]
    }))
    .unwrap();
    assert_eq!(old.pods[0], PodState::running("a"));
    assert_eq!(old.cpu_initialization_period_seconds, DEFAULT_CPU_INITIALIZATION_PERIOD);

    let hpa: Hpa = serde_json::from_value(serde_json::json!({
        "currentReplicas": 2, "maxReplicas": 10, "now": 1000,
        "metrics": [
            {"type": "Resource", "name": "cpu", "target": {"averageUtilization": 50},
             "usage": {"a": {"containers": {"app": 400, "istio-proxy": 100}},
                       "b": {"containers": {"app": 500, "istio-proxy": 100}}}},
            {"type": "containerResource", "name": "cpu", "container": "app",
             "target": {"averageValue": 300},
             "usage": {"a": {"containers": {"app": 400}}, "b": {"containers": {"app": 500}}}}
        ],
        "pods": [
            {"name": "a", "startTime": 0, "readyTransitionTime": 10,
             "containers": [{"name": "app", "requests": {"cpu": 500}},
                            {"name": "istio-proxy", "requests": {"cpu": 100}}]},
            {"name": "b", "startTime": 0, "readyTransitionTime": 10,
             "containers": [{"name": "app", "requests": {"cpu": 500}},
                            {"name": "istio-proxy", "requests": {"cpu": 100}}]}
        ]
    }))
    .unwrap();
    let d = hpa.decide();
    // Whole pod: 1100m of 1200m = 91%, ratio 1.82 -> ceil(1.82 * 2) = 4.
    assert_eq!(
        (d.proposals[0].replicas, d.proposals[0].utilization, d.proposals[0].usage),
        (Some(4), Some(91), Some(550))
    );
    // The app container: average 450m of a 300m target -> ceil(1.5 * 2) = 3.
    assert_eq!(
        (d.proposals[1].replicas, d.proposals[1].utilization, d.proposals[1].usage),
        (Some(3), None, Some(450))
    );
    assert_eq!(d.desired_replicas, 4);
    let v = serde_json::to_value(&d).unwrap();
    assert_eq!(v["proposals"][0]["utilization"], 91);
    assert!(v["proposals"][1]["utilization"].is_null());
}

// horizontal.go: an invalid resource metric (here a missing request) fails the metric; a
// scale-down is then not allowed on the remaining metrics' word.
#[test]
fn missing_request_invalidates_the_metric() {
    let usage: BTreeMap<String, PodUsage> = [(
        "a".to_string(),
        PodUsage { containers: [("app".to_string(), 100)].into(), ..PodUsage::default() },
    )]
    .into();
    let hpa = Hpa {
        current_replicas: 3,
        max_replicas: 10,
        metrics: vec![MetricSource::Resource {
            name: "memory".into(),
            target: ResourceTarget::AverageUtilization(80),
            usage,
        }],
        pods: vec![PodState {
            containers: vec![ContainerState { name: "app".into(), ..ContainerState::default() }],
            ..PodState::running("a")
        }],
        ..Hpa::default()
    };
    let d = hpa.decide();
    assert_eq!(d.reason, "FailedGetMetrics");
    assert_eq!(
        d.proposals[0].error.as_deref(),
        Some("failed to get memory utilization: missing request for memory in container app of Pod a")
    );
}
