//! PeerAuthentication composition, pinned to istio/istio policy_applier_test.go
//! (TestComposePeerAuthentication) cases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;

use std::collections::BTreeMap;

use mesh_model::MeshConfig;
use mesh_model::security::MutualTlsMode::{self, Disable, Permissive, Strict};
use mesh_policy::peer_authn::PeerAuthn;

fn pa(ns: &str, name: &str, spec: &str, created: &str) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: {name}, namespace: {ns}, creationTimestamp: '{created}'}}\nspec: {spec}\n---\n"
    )
}

fn mode(yaml: &str, port: u32) -> (MutualTlsMode, Option<String>) {
    let p = PeerAuthn::compile(&common::snapshot_with(yaml, MeshConfig::default(), false));
    let labels = BTreeMap::from([("app".to_string(), "foo".to_string())]);
    let d = p.mode("foo", &labels, port);
    (d.mode, d.policy.map(|p| p.to_string()))
}

const T1: &str = "2020-01-01T00:00:00Z";
const T2: &str = "2021-01-01T00:00:00Z";

#[test]
fn no_policy_is_permissive() {
    assert_eq!(mode("", 80), (Permissive, None));
}

#[test]
fn mesh_only() {
    assert_eq!(
        mode(&pa("istio-system", "m", "{mtls: {mode: STRICT}}", T1), 80),
        (Strict, Some("istio-system/m".into()))
    );
}

#[test]
fn mesh_unset_is_permissive_without_policy() {
    assert_eq!(mode(&pa("istio-system", "m", "{}", T1), 80), (Permissive, None));
}

#[test]
fn namespace_overrides_mesh() {
    let y = pa("istio-system", "m", "{mtls: {mode: STRICT}}", T1)
        + &pa("foo", "n", "{mtls: {mode: PERMISSIVE}}", T1);
    assert_eq!(mode(&y, 80), (Permissive, Some("foo/n".into())));
}

#[test]
fn namespace_unset_inherits_mesh() {
    let y =
        pa("istio-system", "m", "{mtls: {mode: STRICT}}", T1) + &pa("foo", "n", "{mtls: {mode: UNSET}}", T1);
    assert_eq!(mode(&y, 80), (Strict, Some("istio-system/m".into())));
}

#[test]
fn workload_overrides_namespace() {
    let y = pa("foo", "n", "{mtls: {mode: STRICT}}", T1)
        + &pa("foo", "w", "{selector: {matchLabels: {app: foo}}, mtls: {mode: DISABLE}}", T1);
    assert_eq!(mode(&y, 80), (Disable, Some("foo/w".into())));
}

#[test]
fn workload_selector_must_match() {
    let y = pa("foo", "w", "{selector: {matchLabels: {app: bar}}, mtls: {mode: DISABLE}}", T1);
    assert_eq!(mode(&y, 80), (Permissive, None));
}

#[test]
fn oldest_namespace_policy_wins() {
    let y =
        pa("foo", "b-new", "{mtls: {mode: STRICT}}", T2) + &pa("foo", "a-old", "{mtls: {mode: DISABLE}}", T1);
    assert_eq!(mode(&y, 80), (Disable, Some("foo/a-old".into())));
}

#[test]
fn same_time_first_by_name_wins() {
    let y = pa("foo", "b", "{mtls: {mode: STRICT}}", T1) + &pa("foo", "a", "{mtls: {mode: DISABLE}}", T1);
    assert_eq!(mode(&y, 80), (Disable, Some("foo/a".into())));
}

#[test]
fn port_level_overrides() {
    let y = pa(
        "foo",
        "w",
        "{selector: {matchLabels: {app: foo}}, mtls: {mode: STRICT}, portLevelMtls: {8080: {mode: PERMISSIVE}}}",
        T1,
    );
    assert_eq!(mode(&y, 8080), (Permissive, Some("foo/w".into())));
    assert_eq!(mode(&y, 9090), (Strict, Some("foo/w".into())));
}

#[test]
fn port_level_unset_inherits_the_workload_mode() {
    let y = pa("istio-system", "m", "{mtls: {mode: STRICT}}", T1)
        + &pa("foo", "w", "{selector: {matchLabels: {app: foo}}, portLevelMtls: {8080: {mode: UNSET}}}", T1);
    assert_eq!(mode(&y, 8080), (Strict, Some("istio-system/m".into())));
}

#[test]
fn root_namespace_selector_policy_is_ignored() {
    // ComposePeerAuthentication: a selector policy in the root namespace is not a workload policy.
    let y = pa("istio-system", "w", "{selector: {matchLabels: {app: foo}}, mtls: {mode: DISABLE}}", T1);
    assert_eq!(mode(&y, 80), (Permissive, None));
}

#[test]
fn other_namespace_ignored() {
    assert_eq!(mode(&pa("bar", "n", "{mtls: {mode: STRICT}}", T1), 80), (Permissive, None));
}
