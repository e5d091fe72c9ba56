use super::*;

const NOW: i64 = 1_700_000_000;

fn r() -> Readiness {
    // replica_calculator.go's test settings: 2-minute initialization, 10-second delay.
    Readiness { cpu_initialization_period: 120, initial_readiness_delay: 10, now: NOW }
}

fn pod(name: &str, phase: &str, start: Option<i64>, ready: Option<(bool, i64)>) -> PodState {
    PodState {
        name: name.into(),
        phase: phase.into(),
        start_time: start,
        has_ready_condition: ready.is_some(),
        ready: ready.is_some_and(|(r, _)| r),
        ready_transition_time: ready.map(|(_, t)| t),
        ..PodState::default()
    }
}

fn sample(timestamp: i64, window: i64) -> Sample {
    Sample { value: 1, timestamp, window }
}

/// A sample with only a value: zero timestamp and window.
fn bare() -> Sample {
    sample(ZERO_TIME, 0)
}

// kubernetes replica_calculator_test.go TestGroupPods, row by row.
#[test]
fn group_pods_table() {
    type Row = (
        &'static str,
        Vec<PodState>,
        Vec<(&'static str, Sample)>,
        bool,
        usize,
        Vec<&'static str>,
        Vec<&'static str>,
        Vec<&'static str>,
    );
    let rows: Vec<Row> = vec![
        ("void", vec![], vec![], true, 0, vec![], vec![], vec![]),
        (
            "count in a ready pod - memory",
            vec![pod("bentham", "Succeeded", None, None)],
            vec![("bentham", sample(NOW, 60))],
            false,
            1,
            vec![],
            vec![],
            vec![],
        ),
        (
            "unready a pod without ready condition - CPU",
            vec![pod("lucretius", "Succeeded", Some(NOW), None)],
            vec![("lucretius", bare())],
            true,
            0,
            vec!["lucretius"],
            vec![],
            vec![],
        ),
        (
            "count in a ready pod with fresh metrics during initialization period - CPU",
            vec![pod("bentham", "Succeeded", Some(NOW - 60), Some((true, NOW - 30)))],
            vec![("bentham", sample(NOW, 30))],
            true,
            1,
            vec![],
            vec![],
            vec![],
        ),
        (
            "unready a ready pod without fresh metrics during initialization period - CPU",
            vec![pod("bentham", "Succeeded", Some(NOW - 60), Some((true, NOW - 30)))],
            vec![("bentham", sample(NOW, 60))],
            true,
            0,
            vec!["bentham"],
            vec![],
            vec![],
        ),
        (
            "unready an unready pod during initialization period - CPU",
            vec![pod("lucretius", "Succeeded", Some(NOW - 600), Some((false, NOW - 594)))],
            vec![("lucretius", bare())],
            true,
            0,
            vec!["lucretius"],
            vec![],
            vec![],
        ),
        (
            "count in a ready pod without fresh metrics after initialization period - CPU",
            vec![pod("bentham", "Succeeded", Some(NOW - 180), Some((true, NOW - 180)))],
            vec![("bentham", sample(NOW - 120, 60))],
            true,
            1,
            vec![],
            vec![],
            vec![],
        ),
        (
            "count in an unready pod that was ready after initialization period - CPU",
            vec![pod("lucretius", "Succeeded", Some(NOW - 600), Some((false, NOW - 540)))],
            vec![("lucretius", bare())],
            true,
            1,
            vec![],
            vec![],
            vec![],
        ),
        (
            "unready pod that has never been ready after initialization period - CPU",
            vec![pod("lucretius", "Succeeded", Some(NOW - 600), Some((false, NOW - 590)))],
            vec![("lucretius", bare())],
            true,
            1,
            vec![],
            vec![],
            vec![],
        ),
        (
            "a missing pod",
            vec![pod("epicurus", "Succeeded", Some(NOW - 180), None)],
            vec![],
            true,
            0,
            vec![],
            vec!["epicurus"],
            vec![],
        ),
        (
            "several pods",
            vec![
                pod("lucretius", "Succeeded", Some(NOW), None),
                pod("niccolo", "Succeeded", Some(NOW - 180), Some((true, NOW - 180))),
                pod("epicurus", "Succeeded", Some(NOW - 180), None),
            ],
            vec![("lucretius", bare()), ("niccolo", bare())],
            true,
            1,
            vec!["lucretius"],
            vec!["epicurus"],
            vec![],
        ),
        (
            "pending pods are unreadied",
            vec![pod("unscheduled", "Pending", None, None)],
            vec![],
            true,
            0,
            vec!["unscheduled"],
            vec![],
            vec![],
        ),
        (
            "ignore pods with deletion timestamps",
            vec![PodState { deleted: true, ..pod("deleted", "Pending", None, None) }],
            vec![("deleted", bare())],
            true,
            0,
            vec![],
            vec![],
            vec!["deleted"],
        ),
        (
            "ignore pods in a failed state",
            vec![pod("failed", "Failed", None, None)],
            vec![("failed", bare())],
            true,
            0,
            vec![],
            vec![],
            vec!["failed"],
        ),
    ];
    for (name, pods, samples, cpu, ready, unready, missing, ignored) in rows {
        let samples: BTreeMap<String, Sample> =
            samples.into_iter().map(|(k, s)| (k.to_string(), s)).collect();
        let g = group_pods(&pods, &samples, cpu, r());
        let set = |v: Vec<&'static str>| v.into_iter().collect::<BTreeSet<&str>>();
        assert_eq!(g.ready, ready, "{name}: ready");
        assert_eq!(g.unready, set(unready), "{name}: unready");
        assert_eq!(g.missing, set(missing), "{name}: missing");
        assert_eq!(g.ignored, set(ignored), "{name}: ignored");
    }
}
