//! Resource-metric cases ported from kubernetes
//! `pkg/controller/podautoscaler/replica_calculator_test.go`: each test is named after the
//! upstream test function (newer upstream folds several into `TestReplicaCalcResourceScale`
//! subtests, named in the comments). The fixture mirrors upstream's: pods `test-pod-N` with two
//! containers that each request the pod's CPU quantity, metric samples stamped with the zero
//! time over a one-minute window, a 2-minute CPU initialization period and a 10-second
//! readiness delay; a hot pod started now, a cool one 3 minutes ago.

use super::*;
use crate::hpa::pods::ZERO_TIME;
use crate::hpa::{ContainerState, Tolerances};

const NOW: i64 = 1_700_000_000;
const HOT: i64 = NOW;
const COOL: i64 = NOW - 180;

#[derive(Default)]
struct Case {
    current: i32,
    requests: Vec<i64>,
    levels: Vec<Vec<i64>>,
    pod_names: Vec<&'static str>,
    readiness: Vec<bool>,
    start: Vec<i64>,
    phase: Vec<&'static str>,
    deleted: Vec<bool>,
    container: Option<&'static str>,
    target: i32,
    tolerance: Option<Tolerances>,
}

/// Every container of pod `i` reports `levels[i]`.
fn both(levels: &[i64]) -> Vec<Vec<i64>> {
    levels.iter().map(|l| vec![*l, *l]).collect()
}

fn req(n: usize, milli: i64) -> Vec<i64> {
    vec![milli; n]
}

impl Case {
    fn hpa(&self) -> Hpa {
        let n = (self.current.max(0) as usize).max(self.phase.len());
        let pods = (0..n)
            .map(|i| {
                let requests: BTreeMap<String, i64> =
                    self.requests.get(i).map(|r| [("cpu".to_string(), *r)].into()).unwrap_or_default();
                let containers = ["container1", "container2"]
                    .iter()
                    .map(|c| ContainerState { name: (*c).into(), requests: requests.clone() })
                    .collect();
                PodState {
                    ready: self.readiness.get(i).copied().unwrap_or(true),
                    start_time: self.start.get(i).copied(),
                    phase: self.phase.get(i).copied().unwrap_or("Running").into(),
                    deleted: self.deleted.get(i).copied().unwrap_or(false),
                    containers,
                    ..PodState::running(&format!("test-pod-{i}"))
                }
            })
            .collect();
        Hpa {
            current_replicas: self.current,
            max_replicas: 1000,
            pods,
            now: NOW,
            tolerance: self.tolerance.unwrap_or_default(),
            cpu_initialization_period_seconds: 120,
            initial_readiness_delay_seconds: 10,
            ..Hpa::default()
        }
    }

    fn usage(&self) -> BTreeMap<String, PodUsage> {
        self.levels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let name = self.pod_names.get(i).map_or(format!("test-pod-{i}"), |n| (*n).to_string());
                let containers =
                    l.iter().enumerate().map(|(j, v)| (format!("container{}", j + 1), *v)).collect();
                (name, PodUsage { containers, timestamp: Some(ZERO_TIME), window_seconds: Some(60) })
            })
            .collect()
    }

    /// `GetResourceReplicas` for CPU: (replicas, utilization, raw average value).
    fn run(&self) -> Result<(i32, i32, i64), String> {
        let target = ResourceTarget::AverageUtilization(self.target);
        let (r, raw, util) = self.hpa().resource_replicas("cpu", self.container, target, &self.usage())?;
        Ok((r, util.unwrap_or(-1), raw))
    }
}

fn check(name: &str, c: Case, want: (i32, i32, i64)) {
    assert_eq!(c.run(), Ok(want), "{name}");
}

fn check_err(name: &str, c: Case, want: &str) {
    match c.run() {
        Err(e) => assert!(e.contains(want), "{name}: {e:?} should contain {want:?}"),
        Ok(r) => panic!("{name}: expected an error, got {r:?}"),
    }
}

const T: bool = true;
const F: bool = false;

// TestReplicaCalcScaleUp ("scale up").
#[test]
fn replica_calc_scale_up() {
    let c = Case {
        current: 3,
        requests: req(3, 1000),
        levels: both(&[300, 500, 700]),
        target: 30,
        ..Case::default()
    };
    check("ScaleUp", c, (5, 50, 1000));
}

// TestReplicaCalcContainerScaleUp ("scale up: container metric").
#[test]
fn replica_calc_container_scale_up() {
    let c = Case {
        current: 3,
        requests: req(3, 1000),
        levels: vec![vec![1000, 300], vec![1000, 500], vec![1000, 700]],
        container: Some("container2"),
        target: 30,
        ..Case::default()
    };
    check("ContainerScaleUp", c, (5, 50, 500));
}

// TestReplicaCalcScaleUpUnreadyLessScale ("scale up: unready pod scales less").
#[test]
fn replica_calc_scale_up_unready_less_scale() {
    let c = Case {
        current: 3,
        readiness: vec![F, T, T],
        requests: req(3, 1000),
        levels: both(&[300, 500, 700]),
        target: 30,
        ..Case::default()
    };
    check("ScaleUpUnreadyLessScale", c, (4, 60, 1200));
}

// TestReplicaCalcScaleUpHotCpuLessScale ("scale up: hot-CPU pod scales less").
#[test]
fn replica_calc_scale_up_hot_cpu_less_scale() {
    let c = Case {
        current: 3,
        start: vec![HOT, COOL, COOL],
        requests: req(3, 1000),
        levels: both(&[300, 500, 700]),
        target: 30,
        ..Case::default()
    };
    check("ScaleUpHotCpuLessScale", c, (4, 60, 1200));
}

// TestReplicaCalcScaleUpContainerHotCpuLessScale ("scale up: hot-CPU container scales less").
#[test]
fn replica_calc_scale_up_container_hot_cpu_less_scale() {
    let c = Case {
        current: 3,
        start: vec![HOT, COOL, COOL],
        container: Some("container2"),
        requests: req(3, 1000),
        levels: vec![vec![0, 300], vec![0, 500], vec![0, 700]],
        target: 30,
        ..Case::default()
    };
    check("ScaleUpContainerHotCpuLessScale", c, (4, 60, 600));
}

// TestReplicaCalcScaleUpUnreadyNoScale ("no scale: unready pods ignored").
#[test]
fn replica_calc_scale_up_unready_no_scale() {
    let c = Case {
        current: 3,
        readiness: vec![T, F, F],
        requests: req(3, 1000),
        levels: both(&[400, 500, 700]),
        target: 30,
        ..Case::default()
    };
    check("ScaleUpUnreadyNoScale", c, (3, 40, 800));
}

// TestReplicaCalcScaleHotCpuNoScale ("no scale: hot-CPU pods ignored").
#[test]
fn replica_calc_scale_hot_cpu_no_scale() {
    let c = Case {
        current: 3,
        readiness: vec![T, F, F],
        start: vec![COOL, HOT, HOT],
        requests: req(3, 1000),
        levels: both(&[400, 500, 700]),
        target: 30,
        ..Case::default()
    };
    check("ScaleHotCpuNoScale", c, (3, 40, 800));
}

fn two_running_two_failed() -> Case {
    Case {
        current: 2,
        readiness: vec![T, T, F, F],
        phase: vec!["Running", "Running", "Failed", "Failed"],
        requests: req(4, 1000),
        target: 30,
        ..Case::default()
    }
}

// TestReplicaCalcScaleUpIgnoresFailedPods ("scale up: failed pods ignored").
#[test]
fn replica_calc_scale_up_ignores_failed_pods() {
    let c = Case { levels: both(&[500, 700]), ..two_running_two_failed() };
    check("ScaleUpIgnoresFailedPods", c, (4, 60, 1200));
}

// TestReplicaCalcScaleUpContainerIgnoresFailedPods ("scale up: container metrics with failed
// pods ignored").
#[test]
fn replica_calc_scale_up_container_ignores_failed_pods() {
    let c = Case {
        levels: vec![vec![1000, 500], vec![9000, 700]],
        container: Some("container2"),
        ..two_running_two_failed()
    };
    check("ScaleUpContainerIgnoresFailedPods", c, (4, 60, 600));
}

// TestReplicaCalcMissingContainerMetricScaleUpIgnoresFailedPods: failed pods whose samples lack
// the container (kubernetes#127193: such a pod has no sample, not an error).
#[test]
fn replica_calc_missing_container_metric_scale_up_ignores_failed_pods() {
    let c = Case {
        levels: vec![vec![1000, 500], vec![9000, 700], vec![1000], vec![9000]],
        container: Some("container2"),
        ..two_running_two_failed()
    };
    check("MissingContainerMetricScaleUpIgnoresFailedPods", c, (4, 60, 600));
}

fn two_running_two_deleted() -> Case {
    Case {
        current: 2,
        readiness: vec![T, T, F, F],
        phase: vec!["Running"; 4],
        deleted: vec![F, F, T, T],
        requests: req(4, 1000),
        levels: both(&[500, 700]),
        target: 30,
        ..Case::default()
    }
}

// TestReplicaCalcScaleUpIgnoresDeletionPods ("scale up: pods being deleted are ignored").
#[test]
fn replica_calc_scale_up_ignores_deletion_pods() {
    check("ScaleUpIgnoresDeletionPods", two_running_two_deleted(), (4, 60, 1200));
}

// TestReplicaCalcScaleUpContainerIgnoresDeletionPods ("scale up: container metrics with pods
// being deleted ignored").
#[test]
fn replica_calc_scale_up_container_ignores_deletion_pods() {
    let c = Case { container: Some("container1"), ..two_running_two_deleted() };
    check("ScaleUpContainerIgnoresDeletionPods", c, (4, 60, 600));
}

fn scale_down(levels: Vec<Vec<i64>>, container: Option<&'static str>) -> Case {
    Case { current: 5, requests: req(5, 1000), levels, container, target: 50, ..Case::default() }
}

fn container2(levels: &[i64]) -> Vec<Vec<i64>> {
    levels.iter().map(|l| vec![1000, *l]).collect()
}

// TestReplicaCalcScaleDown ("scale down") and TestReplicaCalcContainerScaleDown.
#[test]
fn replica_calc_scale_down() {
    check("ScaleDown", scale_down(both(&[100, 300, 500, 250, 250]), None), (3, 28, 560));
    let c = scale_down(container2(&[100, 300, 500, 250, 250]), Some("container2"));
    check("ContainerScaleDown", c, (3, 28, 280));
}

// TestReplicaCalcScaleDownExcludeUnreadyPods and TestReplicaCalcScaleDownContainerExcludeUnreadyPods.
#[test]
fn replica_calc_scale_down_exclude_unready_pods() {
    let c = Case { readiness: vec![T, T, T, F, F], ..scale_down(both(&[100, 300, 500, 250, 250]), None) };
    check("ScaleDownExcludeUnreadyPods", c, (2, 30, 600));
    let c = Case {
        readiness: vec![T, T, T, F, F],
        ..scale_down(container2(&[100, 300, 500, 250, 250]), Some("container2"))
    };
    check("ScaleDownContainerExcludeUnreadyPods", c, (2, 30, 300));
}

// TestReplicaCalcScaleDownExcludeUnscheduledPods and its container variant: pending pods.
#[test]
fn replica_calc_scale_down_exclude_unscheduled_pods() {
    let pending = |c: Case| Case {
        readiness: vec![T, F, F, F, F],
        phase: vec!["Running", "Pending", "Pending", "Pending", "Pending"],
        ..c
    };
    check("ScaleDownExcludeUnscheduledPods", pending(scale_down(both(&[100]), None)), (1, 10, 200));
    let c = pending(scale_down(container2(&[100, 300, 500, 250, 250]), Some("container2")));
    check("ScaleDownContainerExcludeUnscheduledPods", c, (1, 10, 100));
}

// TestReplicaCalcScaleDownIgnoreHotCpuPods and TestReplicaCalcScaleDownContainerIgnoreHotCpuPods.
#[test]
fn replica_calc_scale_down_ignore_hot_cpu_pods() {
    let start = vec![COOL, COOL, COOL, HOT, HOT];
    let c = Case { start: start.clone(), ..scale_down(both(&[100, 300, 500, 250, 250]), None) };
    check("ScaleDownIgnoreHotCpuPods", c, (2, 30, 600));
    let c = Case { start, ..scale_down(container2(&[100, 300, 500, 1000, 1000]), Some("container2")) };
    check("ScaleDownContainerIgnoreHotCpuPods", c, (2, 30, 300));
}

fn five_and_two(c: Case) -> Case {
    Case { readiness: vec![T, T, T, T, T, F, F], requests: req(7, 1000), ..c }
}

// TestReplicaCalcScaleDownIgnoresFailedPods and TestReplicaCalcScaleDownContainerIgnoresFailedPods.
#[test]
fn replica_calc_scale_down_ignores_failed_pods() {
    let failed = |c: Case| Case {
        phase: vec!["Running", "Running", "Running", "Running", "Running", "Failed", "Failed"],
        ..five_and_two(c)
    };
    check(
        "ScaleDownIgnoresFailedPods",
        failed(scale_down(both(&[100, 300, 500, 250, 250]), None)),
        (3, 28, 560),
    );
    let c = failed(scale_down(container2(&[100, 300, 500, 250, 250]), Some("container2")));
    check("ScaleDownContainerIgnoresFailedPods", c, (3, 28, 280));
}

// TestReplicaCalcScaleDownIgnoresDeletionPods and TestReplicaCalcScaleDownIgnoresDeletionPods_StillRunning
// (kubernetes#83561: running pods being deleted are ignored).
#[test]
fn replica_calc_scale_down_ignores_deletion_pods() {
    let deleting =
        |c: Case| Case { phase: vec!["Running"; 7], deleted: vec![F, F, F, F, F, T, T], ..five_and_two(c) };
    let c = deleting(scale_down(both(&[100, 300, 500, 250, 250]), None));
    check("ScaleDownIgnoresDeletionPods", c, (3, 28, 560));
    let c = deleting(scale_down(container2(&[100, 300, 500, 250, 250]), Some("container2")));
    check("ScaleDownIgnoresDeletionPods_StillRunning", c, (3, 28, 280));
}

fn uneven_requests(levels: &[i64], tolerance: Option<Tolerances>) -> Case {
    Case {
        current: 3,
        requests: vec![900, 1000, 1100],
        levels: both(levels),
        target: 100,
        tolerance,
        ..Case::default()
    }
}

// TestReplicaCalcTolerance.
#[test]
fn replica_calc_tolerance() {
    check("Tolerance", uneven_requests(&[1010, 1030, 1020], None), (3, 102, 2040));
}

// TestReplicaCalcConfigurableTolerance: asymmetric tolerances.
#[test]
fn replica_calc_configurable_tolerance() {
    let t = |scale_down, scale_up| Some(Tolerances { scale_down, scale_up });
    let rows = [
        ("Outside of a 0% tolerance", t(0.0, 0.0), [909, 1010, 1111], (4, 101, 2020)),
        ("Within a 200% scale-up tolerance", t(0.1, 2.0), [1890, 1910, 1900], (3, 190, 3800)),
        ("Outside 8% scale-up tolerance", t(2.0, 0.08), [1100, 1080, 1090], (4, 109, 2180)),
        ("Within a 36% scale-down tolerance", t(0.36, 0.1), [660, 640, 650], (3, 65, 1300)),
        ("Outside a 34% scale-down tolerance", t(0.34, 0.1), [660, 640, 650], (2, 65, 1300)),
    ];
    for (name, tol, levels, want) in rows {
        check(name, uneven_requests(&levels, tol), want);
    }
}

// TestReplicaCalcSuperfluousMetrics: samples of pods the selector does not match count in the
// average usage but not in the utilization.
#[test]
fn replica_calc_superfluous_metrics() {
    let c = Case {
        current: 4,
        requests: req(4, 1000),
        levels: both(&[4000, 9500, 3000, 7000, 3200, 2000]),
        target: 100,
        ..Case::default()
    };
    check("SuperfluousMetrics", c, (24, 587, 11750));
}

// TestReplicaCalcMissingMetrics.
#[test]
fn replica_calc_missing_metrics() {
    let c =
        Case { current: 4, requests: req(4, 1000), levels: both(&[400, 95]), target: 100, ..Case::default() };
    check("MissingMetrics", c, (3, 24, 495));
}

// TestReplicaCalcEmptyMetrics.
#[test]
fn replica_calc_empty_metrics() {
    let c = Case { current: 4, requests: req(3, 1000), levels: vec![], target: 100, ..Case::default() };
    check_err(
        "EmptyMetrics",
        c,
        "unable to get metrics for resource cpu: no metrics returned from resource metrics API",
    );
}

// TestReplicaCalcEmptyCPURequest.
#[test]
fn replica_calc_empty_cpu_request() {
    let c = Case { current: 1, requests: vec![], levels: both(&[200]), target: 100, ..Case::default() };
    check_err("EmptyCPURequest", c, "missing request for");
}

// TestReplicaCalcDisjointResourcesMetrics: no sample matches a known pod.
#[test]
fn replica_calc_disjoint_resources_metrics() {
    let c = Case {
        current: 1,
        requests: req(1, 1000),
        levels: both(&[100]),
        pod_names: vec!["an-older-pod-name"],
        target: 100,
        ..Case::default()
    };
    check_err("DisjointResourcesMetrics", c, "no metrics returned matched known pods");
}

// TestReplicaCalcMissingMetricsNoChangeEq, ...Gt and ...Lt: a missing pod that would reverse
// the direction or land within tolerance keeps the current count.
#[test]
fn replica_calc_missing_metrics_no_change() {
    let c = |level| Case {
        current: 2,
        requests: req(2, 1000),
        levels: both(&[level]),
        target: 100,
        ..Case::default()
    };
    check("MissingMetricsNoChangeEq", c(1000), (2, 100, 2000));
    check("MissingMetricsNoChangeGt", c(1900), (2, 190, 3800));
    check("MissingMetricsNoChangeLt", c(600), (2, 60, 1200));
}

fn three_one_missing(levels: &[i64]) -> Case {
    Case { current: 3, requests: req(3, 1000), levels: both(levels), target: 50, ..Case::default() }
}

// TestReplicaCalcMissingMetricsUnreadyChange and TestReplicaCalcMissingMetricsHotCpuNoChange.
#[test]
fn replica_calc_missing_metrics_unready_no_change() {
    let c = Case { readiness: vec![F, T, T], ..three_one_missing(&[100, 450]) };
    check("MissingMetricsUnreadyChange", c, (3, 45, 900));
    let c = Case { start: vec![HOT, COOL, COOL], ..three_one_missing(&[100, 450]) };
    check("MissingMetricsHotCpuNoChange", c, (3, 45, 900));
}

// TestReplicaCalcMissingMetricsUnreadyScaleUp and TestReplicaCalcMissingMetricsHotCpuScaleUp.
#[test]
fn replica_calc_missing_metrics_scale_up() {
    let c = Case { readiness: vec![F, T, T], ..three_one_missing(&[100, 2000]) };
    check("MissingMetricsUnreadyScaleUp", c, (4, 200, 4000));
    let c =
        Case { readiness: vec![F, T, T], start: vec![HOT, COOL, COOL], ..three_one_missing(&[100, 2000]) };
    check("MissingMetricsHotCpuScaleUp", c, (4, 200, 4000));
}

// TestReplicaCalcMissingMetricsUnreadyScaleDown.
#[test]
fn replica_calc_missing_metrics_unready_scale_down() {
    let c = Case {
        current: 4,
        readiness: vec![F, T, T, T],
        requests: req(4, 1000),
        levels: both(&[100, 100, 100]),
        target: 50,
        ..Case::default()
    };
    check("MissingMetricsUnreadyScaleDown", c, (3, 10, 200));
}

// TestReplicaCalcMissingMetricsScaleDownTargetOver100: on a scale-down a missing pod counts at
// the target when it is above 100%.
#[test]
fn replica_calc_missing_metrics_scale_down_target_over_100() {
    let c = Case {
        current: 4,
        readiness: vec![F, T, T, T],
        requests: vec![1000, 1000, 2000, 2000],
        levels: both(&[200, 100, 100]),
        target: 300,
        ..Case::default()
    };
    check("MissingMetricsScaleDownTargetOver100", c, (2, 6, 200));
}

// TestReplicaCalcDuringRollingUpdateWithMaxSurge: a surge pod without a sample.
#[test]
fn replica_calc_during_rolling_update_with_max_surge() {
    let c = Case {
        current: 2,
        phase: vec!["Running"; 3],
        requests: req(3, 1000),
        levels: both(&[100, 100]),
        target: 50,
        ..Case::default()
    };
    check("DuringRollingUpdateWithMaxSurge", c, (2, 10, 200));
}

// TestReplicaCalcComputedToleranceAlgImplementation: 10 pods each using 150m per container of a
// ~300m request (50%); a target of 56% is just outside the tolerance, 55% just inside.
#[test]
fn replica_calc_computed_tolerance_alg_implementation() {
    let requested_to_used = 2.0_f64;
    let per_pod = 300;
    let requests: Vec<i64> =
        [per_pod + 100, per_pod - 100, per_pod + 10, per_pod - 10, per_pod + 2, per_pod - 2]
            .into_iter()
            .chain([per_pod + 1, per_pod - 1, per_pod, per_pod])
            .collect();
    let target = (1.0 / (requested_to_used * (1.0 - 0.1))).abs() + 0.01;
    let used_ratio = 1500.0 / (3000.0 * target);
    let final_pods = (used_ratio * 10.0).ceil() as i32;
    let c = |pct| Case {
        current: 10,
        requests: Vec::clone(&requests),
        levels: both(&[150; 10]),
        target: pct,
        ..Case::default()
    };
    assert_eq!(final_pods, 9);
    check("ComputedToleranceAlg (scale)", c((target * 100.0) as i32), (9, 50, 300));
    let target = (1.0 / (requested_to_used * (1.0 - 0.1))).abs() + 0.004;
    check("ComputedToleranceAlg (no scale)", c((target * 100.0) as i32), (10, 50, 300));
}

// TestCalculateRequests and TestCalculatePodRequestsFromContainers_NonExistentContainer.
#[test]
fn calculate_requests() {
    let ctr = |name: &str, cpu: Option<i64>| ContainerState {
        name: name.into(),
        requests: cpu.map(|c| [("cpu".to_string(), c)].into()).unwrap_or_default(),
    };
    let pod = |containers, requests: BTreeMap<String, i64>| PodState {
        containers,
        requests,
        ..PodState::running("test-pod")
    };
    let two = vec![ctr("container1", Some(100)), ctr("container2", Some(50))];
    let pod_level: BTreeMap<String, i64> = [("cpu".to_string(), 800)].into();
    let p = pod(two.clone(), BTreeMap::new());
    assert_eq!(pod_request(&p, "cpu", None), Ok(150), "sum container requests");
    let p = pod(two.clone(), pod_level.clone());
    assert_eq!(pod_request(&p, "cpu", None), Ok(800), "pod-level requests override");
    let missing = vec![ctr("container1", None), ctr("container2", Some(50))];
    assert_eq!(
        pod_request(&pod(missing.clone(), BTreeMap::new()), "cpu", None),
        Err("missing request for cpu in container container1 of Pod test-pod".into())
    );
    assert_eq!(pod_request(&pod(missing, pod_level.clone()), "cpu", None), Ok(800), "pod-level covers a gap");
    assert_eq!(pod_request(&pod(two.clone(), BTreeMap::new()), "cpu", Some("container1")), Ok(100));
    assert_eq!(pod_request(&pod(two, pod_level), "cpu", Some("container1")), Ok(100), "container wins");
    let p = PodState {
        sidecars: vec![ctr("restartable-container1", Some(50))],
        ..pod(vec![ctr("c1", Some(100))], BTreeMap::new())
    };
    assert_eq!(pod_request(&p, "cpu", None), Ok(150), "restartable init containers count");
    let p = pod(vec![ctr("container1", Some(100))], BTreeMap::new());
    assert_eq!(
        pod_request(&p, "cpu", Some("non-existent-container")),
        Err("container non-existent-container not found in Pod test-pod".into())
    );
}

// GetRawResourceReplicas: an averageValue target goes through calcPlainMetricReplicas with the
// CPU readiness rules (a hot pod's sample is left out).
#[test]
fn raw_resource_replicas() {
    let c = Case { current: 3, requests: req(3, 1000), levels: both(&[300, 500, 700]), ..Case::default() };
    let hpa = c.hpa();
    let got = hpa.resource_replicas("cpu", None, ResourceTarget::AverageValue(600), &c.usage());
    assert_eq!(got, Ok((5, 1000, None))); // average 1000m of 600m: ceil(1.667 * 3)
    let c = Case { start: vec![HOT, COOL, COOL], ..c };
    let got = c.hpa().resource_replicas("cpu", None, ResourceTarget::AverageValue(600), &c.usage());
    assert_eq!(got, Ok((4, 1200, None))); // (0 + 1000 + 1400) / 3 = 800 -> ceil(1.333 * 3)
    // Memory has no readiness rules: the hot pod counts.
    let got = c.hpa().resource_replicas("memory", None, ResourceTarget::AverageValue(600), &c.usage());
    assert_eq!(got, Ok((5, 1000, None)));
    let got = c.hpa().resource_replicas("memory", None, ResourceTarget::AverageValue(600), &BTreeMap::new());
    let want = "failed to get memory usage: unable to get metrics for resource memory: no metrics returned from \
                resource metrics API";
    assert_eq!(got, Err(want.into()));
}
