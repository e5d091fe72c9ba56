use std::collections::BTreeMap;

use mesh_model::kube::{LabelSelector, LabelSelectorRequirement};

use super::*;

fn m(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn labels_sel(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector { match_labels: m(pairs), match_expressions: vec![] }
}

/// `parseToLabelSelector(t, "foo")` in the upstream test: the key exists.
fn exists(key: &str) -> LabelSelector {
    LabelSelector {
        match_labels: BTreeMap::new(),
        match_expressions: vec![LabelSelectorRequirement {
            key: key.into(),
            operator: "Exists".into(),
            values: vec![],
        }],
    }
}

// istio/istio pkg/kube/inject webhook_test.go TestInjectRequired, row by row.
#[test]
fn inject_required_matches_istio_table() {
    use InjectionPolicy::{Disabled, Enabled};
    let on = |p| InjectorConfig { policy: p, ..InjectorConfig::default() };
    let never = |p, s: Vec<LabelSelector>| InjectorConfig {
        policy: p,
        never_inject_selector: s,
        ..InjectorConfig::default()
    };
    let always = |p, s: Vec<LabelSelector>| InjectorConfig {
        policy: p,
        always_inject_selector: s,
        ..InjectorConfig::default()
    };
    let both = |p| InjectorConfig {
        policy: p,
        always_inject_selector: vec![exists("always")],
        never_inject_selector: vec![exists("never")],
        ..InjectorConfig::default()
    };
    let ann = |v: &str| m(&[("sidecar.istio.io/inject", v)]);
    let none = BTreeMap::new();
    #[allow(clippy::type_complexity)]
    let rows: Vec<(
        &str,
        InjectorConfig,
        BTreeMap<String, String>,
        BTreeMap<String, String>,
        bool,
        bool,
    )> = vec![
        ("no-policy enabled", on(Enabled), none.clone(), none.clone(), false, true),
        ("force-on-policy", on(Enabled), none.clone(), ann("true"), false, true),
        ("force-off-policy", on(Enabled), none.clone(), ann("false"), false, false),
        ("no-policy disabled", on(Disabled), none.clone(), none.clone(), false, false),
        ("force-on disabled", on(Disabled), none.clone(), ann("true"), false, true),
        ("force-off disabled", on(Disabled), none.clone(), ann("false"), false, false),
        ("invalid-inject-value-yes", on(Enabled), none.clone(), ann("yes"), false, true),
        ("invalid-inject-value-on", on(Disabled), none.clone(), ann("on"), false, false),
        (
            "invalid-inject-value-random",
            on(Enabled),
            m(&[("sidecar.istio.io/inject", "random")]),
            none.clone(),
            false,
            true,
        ),
        ("host-network", on(Enabled), none.clone(), none.clone(), true, false),
        ("wrong-policy", on(InjectionPolicy::Invalid), none.clone(), none.clone(), false, false),
        (
            "policy-enabled-always-inject-no-labels",
            always(Enabled, vec![labels_sel(&[("foo", "bar")])]),
            none.clone(),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-enabled-always-inject-with-labels",
            always(Enabled, vec![labels_sel(&[("foo", "bar")])]),
            m(&[("foo", "bar1")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-disabled-always-inject-no-labels",
            always(Disabled, vec![labels_sel(&[("foo", "bar")])]),
            none.clone(),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-disabled-always-inject-with-labels",
            always(Disabled, vec![labels_sel(&[("foo", "bar")])]),
            m(&[("foo", "bar")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-enabled-never-inject-no-labels",
            never(Enabled, vec![labels_sel(&[("foo", "bar")])]),
            none.clone(),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-enabled-never-inject-with-labels",
            never(Enabled, vec![labels_sel(&[("foo", "bar")])]),
            m(&[("foo", "bar")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-disabled-never-inject-no-labels",
            never(Disabled, vec![labels_sel(&[("foo", "bar")])]),
            none.clone(),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-disabled-never-inject-with-labels",
            never(Disabled, vec![labels_sel(&[("foo", "bar")])]),
            m(&[("foo", "bar")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-enabled-never-inject-with-empty-label",
            never(Enabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-disabled-always-inject-with-empty-label",
            always(Disabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-disabled-always-never-inject-with-label-returns-true",
            both(Disabled),
            m(&[("always", "bar"), ("foo2", "bar2")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-disabled-always-never-inject-with-label-returns-false",
            both(Disabled),
            m(&[("never", "bar"), ("foo2", "bar2")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-disabled-always-never-inject-with-both-labels",
            both(Disabled),
            m(&[("always", "bar"), ("never", "bar2")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-enabled-annotation-true-never-inject",
            never(Enabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            ann("true"),
            false,
            true,
        ),
        (
            "policy-enabled-annotation-false-always-inject",
            always(Enabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            ann("false"),
            false,
            false,
        ),
        (
            "policy-disabled-annotation-false-always-inject",
            always(Disabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            ann("false"),
            false,
            false,
        ),
        (
            "policy-enabled-never-inject-multiple-labels",
            never(Enabled, vec![exists("foo"), exists("bar")]),
            m(&[("label1", ""), ("bar", "anything")]),
            none.clone(),
            false,
            false,
        ),
        (
            "policy-enabled-always-inject-multiple-labels",
            always(Disabled, vec![exists("foo"), exists("bar")]),
            m(&[("label1", ""), ("bar", "anything")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-disabled-annotation-true-never-inject",
            never(Disabled, vec![exists("foo")]),
            m(&[("foo", ""), ("foo2", "bar2")]),
            ann("true"),
            false,
            true,
        ),
        (
            "policy-disabled-label-enabled",
            on(Disabled),
            m(&[("sidecar.istio.io/inject", "true")]),
            none.clone(),
            false,
            true,
        ),
        (
            "policy-disabled-both-enabled",
            on(Disabled),
            m(&[("sidecar.istio.io/inject", "true")]),
            ann("true"),
            false,
            true,
        ),
        (
            "policy-disabled-label-enabled-annotation-disabled",
            on(Disabled),
            m(&[("sidecar.istio.io/inject", "true")]),
            ann("false"),
            false,
            true,
        ),
        (
            "policy-disabled-label-disabled-annotation-enabled",
            on(Disabled),
            m(&[("sidecar.istio.io/inject", "false")]),
            ann("true"),
            false,
            false,
        ),
    ];
    for (name, cfg, labels, annotations, host, want) in rows {
        let (got, _) = inject_required(&cfg, "test-namespace", &labels, &annotations, host);
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn ignored_namespaces_are_never_injected() {
    let (got, why) =
        inject_required(&InjectorConfig::default(), "kube-system", &BTreeMap::new(), &BTreeMap::new(), false);
    assert!(!got);
    assert_eq!(why, DecisionReason::IgnoredNamespace);
}

// istio manifests istio-discovery templates/mutatingwebhook.yaml: the four selector cases.
#[test]
fn webhook_selectors_follow_the_chart() {
    let cfg = InjectorConfig::default();
    let none = BTreeMap::new();
    let sel = |ns: &[(&str, &str)], pod: &[(&str, &str)]| selecting_webhook(&cfg, "app", &m(ns), &m(pod));
    assert_eq!(sel(&[("istio.io/rev", "default")], &[]), Some("rev.namespace.sidecar-injector.istio.io"));
    // The legacy label takes precedence over the revision label.
    assert_eq!(
        sel(&[("istio.io/rev", "default"), ("istio-injection", "enabled")], &[]),
        Some("namespace.sidecar-injector.istio.io")
    );
    assert_eq!(sel(&[("istio-injection", "disabled")], &[("sidecar.istio.io/inject", "true")]), None);
    assert_eq!(sel(&[], &[("istio.io/rev", "default")]), Some("rev.object.sidecar-injector.istio.io"));
    assert_eq!(sel(&[], &[("sidecar.istio.io/inject", "true")]), Some("object.sidecar-injector.istio.io"));
    assert_eq!(sel(&[("istio-injection", "enabled")], &[("sidecar.istio.io/inject", "false")]), None);
    assert_eq!(sel(&[], &[]), None);
    let auto = InjectorConfig { enable_namespaces_by_default: true, ..InjectorConfig::default() };
    assert_eq!(selecting_webhook(&auto, "app", &none, &none), Some("auto.sidecar-injector.istio.io"));
    assert_eq!(selecting_webhook(&auto, "kube-system", &none, &none), None);
    // A revisioned control plane answers only for its revision.
    let canary = InjectorConfig { revision: "canary".into(), ..InjectorConfig::default() };
    assert_eq!(selecting_webhook(&canary, "app", &m(&[("istio-injection", "enabled")]), &none), None);
    assert_eq!(
        selecting_webhook(&canary, "app", &m(&[("istio.io/rev", "canary")]), &none),
        Some("rev.namespace.sidecar-injector.istio.io")
    );
}
