//! Ambient mode: the authorization policies istiod derives from PeerAuthentication for ztunnel,
//! pinned to istio/istio `pilot/pkg/serviceregistry/ambient/ambientindex_test.go`
//! (TestRBACConvert `testdata/peer-authn-*`, TestAmbientIndex_Policy,
//! TestAmbientIndex_PeerAuthenticationNamespacePolicyChange), and their evaluation as ztunnel
//! applies them (istio/ztunnel `src/state.rs` `assert_rbac`: DENY policies of the workload's
//! list, a plaintext connection has no principal), plus a proptest against the plain
//! reference in `ztunnel_reference/`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

mod ztunnel_reference;

use std::collections::BTreeMap;

use mesh_model::security::{
    AuthorizationPolicy, AuthorizationPolicyAction, AuthorizationPolicySpec, MutualTls, MutualTlsMode,
    PeerAuthentication, PeerAuthenticationSpec, Rule, RuleFrom, Source,
};
use mesh_model::{ObjectMeta, Resource, Snapshot, WorkloadSelector, load_str};
use mesh_policy::authz::ztunnel::peer_authn::{
    self, CONVERTED_PEER_AUTHENTICATION_PREFIX, STATIC_STRICT_POLICY_NAME, workload_refs,
};
use mesh_policy::authz::ztunnel::{
    Connection, Identity, PolicyOrigin, Scope, ZtunnelAuthorizer, ZtunnelOptions,
    convert_peer_authentication, static_strict_policy,
};
use mesh_policy::authz::{Action, Reason, Workload};
use proptest::prelude::*;
use serde_json::{Value, json};

const ROOT: &str = "istio-system";
const STATIC: &str = "istio-system/istio_converted_static_strict";

// === helpers ===

fn peer_authns(yaml: &str) -> Vec<PeerAuthentication> {
    let out = load_str(yaml, &Default::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.resources
        .into_iter()
        .filter_map(|l| match l.resource {
            Resource::PeerAuthentication(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn snapshot(yaml: &str) -> Snapshot {
    Snapshot::builder().build(load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource))
}

fn labels(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
    kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A PeerAuthentication document: `mode` and `ports` (`port: mode`) may be empty.
fn pa(ns: &str, name: &str, selector: Option<&str>, mode: &str, ports: &str) -> String {
    let mut s = format!(
        "---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n"
    );
    if let Some(sel) = selector {
        s.push_str(&format!("  selector: {{matchLabels: {{{sel}}}}}\n"));
    }
    if !mode.is_empty() {
        s.push_str(&format!("  mtls: {{mode: {mode}}}\n"));
    }
    if !ports.is_empty() {
        s.push_str(&format!("  portLevelMtls: {{{ports}}}\n"));
    }
    if selector.is_none() && mode.is_empty() && ports.is_empty() {
        s.push_str("  {}\n");
    }
    s
}

fn ap_selector(ns: &str, name: &str, sel: &str) -> String {
    format!(
        "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{selector: {{matchLabels: {{{sel}}}}}}}\n"
    )
}

fn plaintext(port: u16) -> Connection<'static> {
    Connection { source_identity: None, source_ip: None, destination_ip: None, destination_port: port }
}

fn mtls(port: u16) -> Connection<'static> {
    Connection {
        source_identity: Some(Identity::from_principal("cluster.local/ns/other/sa/client").unwrap()),
        source_ip: None,
        destination_ip: None,
        destination_port: port,
    }
}

/// `None` when allowed, else the denying policy and rule.
fn denied(
    a: &ZtunnelAuthorizer,
    ns: &str,
    l: &[(&str, &str)],
    c: &Connection<'_>,
) -> Option<(String, usize)> {
    let l = labels(l);
    let d = a.check(&Workload::new(ns, &l), c);
    assert_eq!(d.allowed, d.decider.is_none_or(|m| m.action == Action::Allow), "{d:?}");
    (!d.allowed).then(|| d.decider.map(|m| (m.policy.to_string(), m.rule)).unwrap_or_default())
}

// === istio/istio ambientindex_test.go TestRBACConvert (testdata/peer-authn-*) ===

/// The TestRBACConvert harness: one policy converts alone; with several, the root
/// namespace's oldest is the mesh policy, the one with a selector the workload policy and the
/// oldest other the namespace policy (which stands in for the workload policy when there is
/// none, so that nothing converts).
fn rbac_convert(yaml: &str) -> Option<Value> {
    let pols = peer_authns(yaml);
    let out = if pols.len() == 1 {
        convert_peer_authentication(&pols[0], None, None, ROOT)
    } else {
        let root = pols.iter().find(|p| p.metadata.namespace() == ROOT);
        let workload = pols.iter().find(|p| p.metadata.namespace() != ROOT && p.spec.selector.is_some());
        let ns = pols.iter().find(|p| p.metadata.namespace() != ROOT && p.spec.selector.is_none());
        match workload {
            Some(w) => convert_peer_authentication(w, ns, root, ROOT),
            None => convert_peer_authentication(ns.unwrap(), None, root, ROOT),
        }
    };
    out.map(|p| {
        assert_eq!(
            (p.scope, p.action, p.origin),
            (Scope::WorkloadSelector, Action::Deny, PolicyOrigin::PeerAuthentication)
        );
        p.to_ztunnel_json()
    })
}

/// The golden's form in ztunnel's JSON: `groups` of `rules` of `matches`.
fn golden(name: &str, namespace: &str, groups: Value) -> Option<Value> {
    Some(json!({
        "name": name, "namespace": namespace, "scope": "WorkloadSelector", "action": "Deny",
        "rules": groups, "dryRun": false,
    }))
}

fn plain() -> Value {
    json!({"notPrincipals": [{"Presence": []}]})
}

fn plain_on(port: u16) -> Value {
    json!({"destinationPorts": [port], "notPrincipals": [{"Presence": []}]})
}

fn except(port: u16) -> Value {
    json!({"notDestinationPorts": [port]})
}

const MESH_PERMISSIVE: &str = "default-mesh";
const NS_FOO: &str = "default-foo";

fn sel(ns: &str, name: &str, mode: &str, ports: &str) -> String {
    pa(ns, name, Some("app: a"), mode, ports)
}

#[test]
fn rbac_convert_peer_authn_disable() {
    // testdata/peer-authn-disable: a namespace DISABLE policy converts to nothing.
    assert_eq!(rbac_convert(&pa("", "disable-mtls", None, "DISABLE", "")), None);
}

#[test]
fn rbac_convert_peer_authn_disable_port_mtls_strict() {
    // testdata/peer-authn-disable-port-mtls-strict
    let got = rbac_convert(&sel("", "disable-strict-mtls", "DISABLE", "9090: {mode: STRICT}"));
    assert_eq!(
        got,
        golden("converted_peer_authentication_disable-strict-mtls", "", json!([[[plain_on(9090)]]]))
    );
}

#[test]
fn rbac_convert_peer_authn_permissive() {
    // testdata/peer-authn-permissive
    assert_eq!(rbac_convert(&pa("", "permissive-mtls", None, "PERMISSIVE", "")), None);
}

#[test]
fn rbac_convert_peer_authn_permissive_port_mtls_strict_and_permissive() {
    // testdata/peer-authn-permissive-port-mtls-strict-and-permissive
    let got = rbac_convert(&sel(
        "",
        "permissive-strict-mtls",
        "PERMISSIVE",
        "9090: {mode: STRICT}, 8080: {mode: PERMISSIVE}",
    ));
    assert_eq!(
        got,
        golden("converted_peer_authentication_permissive-strict-mtls", "", json!([[[plain_on(9090)]]]))
    );
}

#[test]
fn rbac_convert_peer_authn_permissive_port_mtls_strict() {
    // testdata/peer-authn-permissive-port-mtls-strict
    let got = rbac_convert(&sel("", "permissive-strict-mtls", "PERMISSIVE", "9090: {mode: STRICT}"));
    assert_eq!(
        got,
        golden("converted_peer_authentication_permissive-strict-mtls", "", json!([[[plain_on(9090)]]]))
    );
}

#[test]
fn rbac_convert_peer_authn_permissive_root_permissive_namespace_strict_workload_ports() {
    // testdata/peer-authn-permissive-root-permissive-namespace-strict-workload-ports: one group
    // per STRICT port, ascending.
    let yaml = pa(ROOT, MESH_PERMISSIVE, None, "PERMISSIVE", "")
        + &pa("foo", NS_FOO, None, "PERMISSIVE", "")
        + &sel("foo", "workload", "", "9090: {mode: STRICT}, 8080: {mode: STRICT}");
    let want = golden(
        "converted_peer_authentication_workload",
        "foo",
        json!([[[plain_on(8080)]], [[plain_on(9090)]]]),
    );
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_permissive_root_permissive_workload() {
    // testdata/peer-authn-permissive-root-permissive-workload: a PERMISSIVE port under a
    // PERMISSIVE mesh adds nothing.
    let yaml = pa(ROOT, MESH_PERMISSIVE, None, "PERMISSIVE", "")
        + &sel("foo", "workload", "", "9090: {mode: PERMISSIVE}");
    assert_eq!(rbac_convert(&yaml), None);
}

#[test]
fn rbac_convert_peer_authn_permissive_root_strict_namespace_permissive_workload() {
    // testdata/peer-authn-permissive-root-strict-namespace-permissive-workload: the
    // namespace's STRICT is merged in after the exception.
    let yaml = pa(ROOT, MESH_PERMISSIVE, None, "PERMISSIVE", "")
        + &pa("foo", NS_FOO, None, "STRICT", "")
        + &sel("foo", "workload", "", "9090: {mode: PERMISSIVE}");
    let want = golden("converted_peer_authentication_workload", "foo", json!([[[except(9090)], [plain()]]]));
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_permissive_root_unset_namespace_mixed_workload_ports() {
    // testdata/peer-authn-permissive-root-unset-namespace-mixed-workload-ports
    let yaml = pa(ROOT, MESH_PERMISSIVE, None, "PERMISSIVE", "")
        + &pa("foo", NS_FOO, None, "UNSET", "")
        + &sel("foo", "workload", "", "9090: {mode: STRICT}, 8080: {mode: PERMISSIVE}");
    let want = golden("converted_peer_authentication_workload", "foo", json!([[[plain_on(9090)]]]));
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_strict_and_disable_port_mtls() {
    // testdata/peer-authn-strict-and-disable-port-mtls: DISABLE exempts like PERMISSIVE.
    let got = rbac_convert(&sel("", "strict-and-disable-mtls", "STRICT", "9090: {mode: DISABLE}"));
    let want = golden(
        "converted_peer_authentication_strict-and-disable-mtls",
        "",
        json!([[[plain()], [except(9090)]]]),
    );
    assert_eq!(got, want);
}

#[test]
fn rbac_convert_peer_authn_strict_and_permissive_port_mtls() {
    // testdata/peer-authn-strict-and-permissive-port-mtls
    let got = rbac_convert(&sel("", "strict-and-permissive-mtls", "STRICT", "9090: {mode: PERMISSIVE}"));
    let want = golden(
        "converted_peer_authentication_strict-and-permissive-mtls",
        "",
        json!([[[plain()], [except(9090)]]]),
    );
    assert_eq!(got, want);
}

#[test]
fn rbac_convert_peer_authn_strict_and_strict_port_mtls() {
    // testdata/peer-authn-strict-and-strict-port-mtls: all STRICT is the static policy's job.
    assert_eq!(rbac_convert(&sel("", "strict-mtls", "STRICT", "8080: {mode: STRICT}")), None);
}

#[test]
fn rbac_convert_peer_authn_strict() {
    // testdata/peer-authn-strict
    assert_eq!(rbac_convert(&pa("", "strict-mtls", None, "STRICT", "")), None);
}

#[test]
fn rbac_convert_peer_authn_strict_port_mtls_strict_and_permissive() {
    // testdata/peer-authn-strict-port-mtls-strict-and-permissive: the STRICT port is implied.
    let got = rbac_convert(&sel(
        "",
        "permissive-strict-mtls",
        "STRICT",
        "9090: {mode: STRICT}, 8080: {mode: PERMISSIVE}",
    ));
    let want = golden(
        "converted_peer_authentication_permissive-strict-mtls",
        "",
        json!([[[plain()], [except(8080)]]]),
    );
    assert_eq!(got, want);
}

#[test]
fn rbac_convert_peer_authn_strict_root_permissive_namespace_strict_workload() {
    // testdata/peer-authn-strict-root-permissive-namespace-strict-workload
    let yaml = pa(ROOT, "default-mesh", None, "STRICT", "")
        + &pa("foo", NS_FOO, None, "PERMISSIVE", "")
        + &sel("foo", "workload", "", "9090: {mode: STRICT}");
    let want = golden("converted_peer_authentication_workload", "foo", json!([[[plain_on(9090)]]]));
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_strict_root_permissive_workload() {
    // testdata/peer-authn-strict-root-permissive-workload: the mesh's STRICT is merged in.
    let yaml = pa(ROOT, "default-mesh", None, "STRICT", "")
        + &sel("foo", "workload", "", "9090: {mode: PERMISSIVE}");
    let want = golden("converted_peer_authentication_workload", "foo", json!([[[except(9090)], [plain()]]]));
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_strict_root_unset_workload_port_mtls_strict_and_permissive() {
    // testdata/peer-authn-strict-root-unset-workload-port-mtls-strict-and-permissive
    let yaml = pa(ROOT, "default-mesh", None, "STRICT", "")
        + &sel("foo", "workload", "", "9090: {mode: PERMISSIVE}, 8080: {mode: STRICT}");
    let want = golden("converted_peer_authentication_workload", "foo", json!([[[except(9090)], [plain()]]]));
    assert_eq!(rbac_convert(&yaml), want);
}

#[test]
fn rbac_convert_peer_authn_strict_workload() {
    // testdata/peer-authn-strict-workload: no portLevelMtls, nothing converted.
    assert_eq!(rbac_convert(&sel("", "strict-mtls", "STRICT", "")), None);
}

#[test]
fn rbac_convert_peer_authn_unset_port_mtls_strict() {
    // testdata/peer-authn-unset-port-mtls-strict
    let got = rbac_convert(&sel("", "strict-mtls", "UNSET", "8080: {mode: STRICT}"));
    assert_eq!(got, golden("converted_peer_authentication_strict-mtls", "", json!([[[plain_on(8080)]]])));
}

#[test]
fn converted_names_and_static_policy_shape() {
    // istio/istio authorization.go staticStrictPolicyName, model/authentication.go
    // convertedPeerAuthenticationPrefix; policies.go DefaultPolicy.
    assert_eq!(STATIC_STRICT_POLICY_NAME, "istio_converted_static_strict");
    assert_eq!(CONVERTED_PEER_AUTHENTICATION_PREFIX, "converted_peer_authentication_");
    let s = static_strict_policy(ROOT);
    assert_eq!(
        (s.scope, s.action, s.origin),
        (Scope::WorkloadSelector, Action::Deny, PolicyOrigin::StaticStrict)
    );
    assert_eq!(s.to_ztunnel_json(), golden(STATIC_STRICT_POLICY_NAME, ROOT, json!([[[plain()]]])).unwrap());
    assert!(s.matches(&plaintext(80)));
    assert!(!s.matches(&mtls(80)));
}

#[test]
fn root_namespace_and_selectorless_policies_never_convert() {
    // policies.go PeerAuthDerivedPolicies: skipped in the root namespace, without a selector
    // or without portLevelMtls.
    let root = peer_authns(&sel(ROOT, "r", "PERMISSIVE", "9090: {mode: STRICT}"));
    assert_eq!(convert_peer_authentication(&root[0], None, None, ROOT), None);
    let nosel = peer_authns(&pa("foo", "n", None, "PERMISSIVE", "9090: {mode: STRICT}"));
    assert_eq!(convert_peer_authentication(&nosel[0], None, None, ROOT), None);
    // `selector: {}` is a selector: it converts (though no workload lists it).
    let empty = peer_authns(&pa("foo", "e", Some(""), "PERMISSIVE", "9090: {mode: STRICT}"));
    assert!(convert_peer_authentication(&empty[0], None, None, ROOT).is_some());
}

// === istio/istio ambientindex_test.go TestAmbientIndex_Policy (the workload's list) ===

/// The derived keys istiod lists on a workload of `ns1` with `l`.
fn listed(pas: &str, ns: &str, l: &[(&str, &str)]) -> Vec<String> {
    let pols = peer_authns(pas);
    let l = labels(l);
    workload_refs(&peer_authn::select(&pols, ROOT, ns, &l)).keys(ROOT)
}

/// The full list of WorkloadSelector policies ztunnel finds for the workload (sorted
/// AuthorizationPolicies, then the derived one it holds).
fn workload_list(yaml: &str, ns: &str, l: &[(&str, &str)]) -> Vec<String> {
    let a = ZtunnelAuthorizer::compile(&snapshot(yaml));
    let l = labels(l);
    a.policies_for(&Workload::new(ns, &l))
        .iter()
        .filter(|p| p.scope == Scope::WorkloadSelector)
        .map(|p| p.key())
        .collect()
}

const POD1: &[(&str, &str)] = &[("app", "a")];
const CONVERTED_SELECTOR: &str = "ns1/converted_peer_authentication_selector";

#[test]
fn ambient_index_policy_peer_authn_steps() {
    // TestAmbientIndex_Policy, pod1 (app: a) in ns1, step by step.
    let global = pa(ROOT, "global", None, "PERMISSIVE", "");
    let ns_strict = pa("ns1", "namespace", None, "STRICT", "");
    let ns_permissive = pa("ns1", "namespace", None, "PERMISSIVE", "");
    let s = |mode: &str, ports: &str| sel("ns1", "selector", mode, ports);
    type Row<'a> = (&'a str, String, &'a [(&'a str, &'a str)], &'a [&'a str]);
    let rows: Vec<Row<'_>> = vec![
        ("global PERMISSIVE only", global.clone(), POD1, &[]),
        ("namespace STRICT: static policy", global.clone() + &ns_strict, POD1, &[STATIC]),
        ("workload STRICT: no change", global.clone() + &ns_strict + &s("STRICT", ""), POD1, &[STATIC]),
        (
            "workload PERMISSIVE: static removed",
            global.clone() + &ns_strict + &s("PERMISSIVE", ""),
            POD1,
            &[],
        ),
        (
            "workload PERMISSIVE with STRICT 9090",
            global.clone() + &ns_strict + &s("PERMISSIVE", "9090: {mode: STRICT}"),
            POD1,
            &[CONVERTED_SELECTOR],
        ),
        (
            "pod2 not selected: namespace STRICT",
            global.clone() + &ns_strict + &s("PERMISSIVE", "9090: {mode: STRICT}"),
            &[("app", "not-a")],
            &[STATIC],
        ),
        (
            "root selector policies are ignored",
            global.clone()
                + &ns_strict
                + &s("PERMISSIVE", "9090: {mode: STRICT}")
                + &pa(ROOT, "global-selector", Some("app: a"), "STRICT", ""),
            POD1,
            &[CONVERTED_SELECTOR],
        ),
        (
            "workload PERMISSIVE with PERMISSIVE 9090",
            global.clone() + &ns_strict + &s("PERMISSIVE", "9090: {mode: PERMISSIVE}"),
            POD1,
            &[],
        ),
        (
            "namespace PERMISSIVE",
            global.clone() + &ns_permissive + &s("PERMISSIVE", "9090: {mode: PERMISSIVE}"),
            POD1,
            &[],
        ),
        ("workload STRICT, no ports", global.clone() + &ns_permissive + &s("STRICT", ""), POD1, &[STATIC]),
        (
            "workload STRICT with PERMISSIVE 9090",
            global.clone() + &ns_permissive + &s("STRICT", "9090: {mode: PERMISSIVE}"),
            POD1,
            &[CONVERTED_SELECTOR],
        ),
        (
            "workload UNSET with STRICT 9090",
            global.clone() + &ns_permissive + &s("", "9090: {mode: STRICT}"),
            POD1,
            &[CONVERTED_SELECTOR],
        ),
        (
            "namespace back to STRICT",
            global.clone() + &ns_strict + &s("", "9090: {mode: STRICT}"),
            POD1,
            &[STATIC],
        ),
        (
            "workload UNSET with PERMISSIVE 9090: strictness merged in",
            global.clone() + &ns_strict + &s("", "9090: {mode: PERMISSIVE}"),
            POD1,
            &[CONVERTED_SELECTOR],
        ),
        ("workload policy deleted", global.clone() + &ns_strict, POD1, &[STATIC]),
        ("all deleted", String::new(), POD1, &[]),
    ];
    for (step, yaml, l, want) in rows {
        assert_eq!(listed(&yaml, "ns1", l), want, "{step}");
    }
}

#[test]
fn ambient_index_policy_converted_policies_exist_as_the_steps_say() {
    // TestAmbientIndex_Policy: the events on xdsConvertedPeerAuthSelector say when the
    // converted policy exists; the static policy exists while any PeerAuthentication does.
    let global = pa(ROOT, "global", None, "PERMISSIVE", "");
    let ns_strict = pa("ns1", "namespace", None, "STRICT", "");
    let keys = |yaml: &str| -> Vec<String> {
        ZtunnelAuthorizer::compile(&snapshot(yaml)).policies().iter().map(|p| p.key()).collect()
    };
    assert_eq!(keys(&global), [STATIC]);
    assert_eq!(keys(""), Vec::<String>::new());
    assert_eq!(
        keys(&(global.clone() + &ns_strict + &sel("ns1", "selector", "PERMISSIVE", "9090: {mode: STRICT}"))),
        [CONVERTED_SELECTOR, STATIC]
    );
    // PERMISSIVE port under a PERMISSIVE workload: removed.
    assert_eq!(
        keys(
            &(global.clone()
                + &ns_strict
                + &sel("ns1", "selector", "PERMISSIVE", "9090: {mode: PERMISSIVE}"))
        ),
        [STATIC]
    );
    // UNSET workload, STRICT port, STRICT namespace: implied, nothing converted.
    assert_eq!(keys(&(global + &ns_strict + &sel("ns1", "selector", "", "9090: {mode: STRICT}"))), [STATIC]);
}

#[test]
fn ambient_index_policy_with_authorization_policies() {
    // TestAmbientIndex_Policy, second half: AuthorizationPolicies sorted first, then the
    // derived policy.
    let aps = ap_selector("ns1", "selector", "app: a");
    let strict = pa(ROOT, "strict", None, "STRICT", "");
    let w = |mode: &str, ports: &str| sel("ns1", "selector-strict", mode, ports);
    let converted = "ns1/converted_peer_authentication_selector-strict";
    assert_eq!(workload_list(&aps, "ns1", POD1), ["ns1/selector"]);
    assert_eq!(
        workload_list(&(aps.clone() + &ap_selector(ROOT, "global-selector", "app: a")), "ns1", POD1),
        ["istio-system/global-selector", "ns1/selector"]
    );
    assert_eq!(
        workload_list(&(aps.clone() + &ap_selector(ROOT, "global-selector", "app: not-a")), "ns1", POD1),
        ["ns1/selector"]
    );
    assert_eq!(workload_list(&(aps.clone() + &strict), "ns1", POD1), ["ns1/selector", STATIC]);
    assert_eq!(
        workload_list(&(aps.clone() + &strict + &w("STRICT", "")), "ns1", POD1),
        ["ns1/selector", STATIC]
    );
    assert_eq!(workload_list(&(aps.clone() + &strict + &w("PERMISSIVE", "")), "ns1", POD1), ["ns1/selector"]);
    assert_eq!(workload_list(&(aps.clone() + &strict + &w("DISABLE", "")), "ns1", POD1), ["ns1/selector"]);
    let exception = strict.clone() + &w("STRICT", "9090: {mode: PERMISSIVE}");
    assert_eq!(workload_list(&(aps.clone() + &exception), "ns1", POD1), ["ns1/selector", converted]);
    assert_eq!(workload_list(&exception, "ns1", POD1), [converted]);
    assert_eq!(workload_list(&strict, "ns1", POD1), [STATIC]);
    assert_eq!(workload_list("", "ns1", POD1), Vec::<String>::new());
}

#[test]
fn ambient_index_peer_authentication_namespace_policy_change() {
    // TestAmbientIndex_PeerAuthenticationNamespacePolicyChange: the list and the converted
    // policy follow the namespace policy.
    let w = sel("ns1", "selector", "", "9090: {mode: PERMISSIVE}");
    let strict = pa("ns1", "namespace", None, "STRICT", "") + &w;
    assert_eq!(listed(&strict, "ns1", POD1), [CONVERTED_SELECTOR]);
    assert_eq!(workload_list(&strict, "ns1", POD1), [CONVERTED_SELECTOR]);
    let permissive = pa("ns1", "namespace", None, "PERMISSIVE", "") + &w;
    assert_eq!(listed(&permissive, "ns1", POD1), Vec::<String>::new());
    let a = ZtunnelAuthorizer::compile(&snapshot(&permissive));
    assert!(a.policies().iter().all(|p| p.origin != PolicyOrigin::PeerAuthentication));
}

// === evaluation, as ztunnel applies the derived DENY policies (state.rs assert_rbac) ===

#[test]
fn plaintext_denied_under_mesh_strict_mtls_allowed() {
    let a = ZtunnelAuthorizer::compile(&snapshot(&pa(ROOT, "default", None, "STRICT", "")));
    assert_eq!(denied(&a, "foo", &[], &plaintext(8080)), Some((STATIC.to_string(), 0)));
    assert_eq!(denied(&a, ROOT, &[], &plaintext(8080)), Some((STATIC.to_string(), 0)));
    assert_eq!(denied(&a, "foo", &[], &mtls(8080)), None);
    let l = labels(&[]);
    let d = a.check(&Workload::new("foo", &l), &plaintext(8080));
    assert_eq!(d.reason, Reason::DenyMatched { dropped_http: false });
}

#[test]
fn permissive_and_no_policy_accept_plaintext() {
    let a = ZtunnelAuthorizer::compile(&snapshot(&pa(ROOT, "default", None, "PERMISSIVE", "")));
    assert_eq!(denied(&a, "foo", &[], &plaintext(8080)), None);
    // A namespace STRICT policy reaches only its namespace.
    let a = ZtunnelAuthorizer::compile(&snapshot(&pa("foo", "default", None, "STRICT", "")));
    assert_eq!(denied(&a, "foo", &[], &plaintext(80)), Some((STATIC.to_string(), 0)));
    assert_eq!(denied(&a, "bar", &[], &plaintext(80)), None);
}

#[test]
fn port_exception_under_strict() {
    // Workload STRICT with PERMISSIVE 9090: plaintext is accepted on 9090 only.
    let a = ZtunnelAuthorizer::compile(&snapshot(&sel("foo", "w", "STRICT", "9090: {mode: PERMISSIVE}")));
    let name = "foo/converted_peer_authentication_w".to_string();
    assert_eq!(denied(&a, "foo", POD1, &plaintext(8080)), Some((name, 0)));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(9090)), None);
    assert_eq!(denied(&a, "foo", POD1, &mtls(8080)), None);
    // Another workload of the namespace is not selected.
    assert_eq!(denied(&a, "foo", &[("app", "b")], &plaintext(8080)), None);
}

#[test]
fn strict_port_under_permissive() {
    let a = ZtunnelAuthorizer::compile(&snapshot(
        &(pa(ROOT, "default", None, "PERMISSIVE", "")
            + &sel("foo", "w", "", "8080: {mode: STRICT}, 9090: {mode: STRICT}")),
    ));
    let name = "foo/converted_peer_authentication_w".to_string();
    assert_eq!(denied(&a, "foo", POD1, &plaintext(8080)), Some((name.clone(), 0)));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(9090)), Some((name, 1)));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(80)), None);
    assert_eq!(denied(&a, "foo", POD1, &mtls(9090)), None);
}

#[test]
fn inherited_strict_merged_into_the_exception() {
    // A STRICT mesh, an UNSET workload with PERMISSIVE 9090: one converted policy carries both.
    let a = ZtunnelAuthorizer::compile(&snapshot(
        &(pa(ROOT, "default", None, "STRICT", "") + &sel("foo", "w", "", "9090: {mode: PERMISSIVE}")),
    ));
    let name = "foo/converted_peer_authentication_w".to_string();
    assert_eq!(denied(&a, "foo", POD1, &plaintext(8080)), Some((name, 0)));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(9090)), None);
    assert_eq!(denied(&a, "foo", &[], &plaintext(9090)), Some((STATIC.to_string(), 0)));
}

#[test]
fn authorization_policy_deny_ranks_before_the_derived_deny() {
    // The derived policy comes last in the workload's list; ztunnel names the first match.
    let yaml = pa(ROOT, "default", None, "STRICT", "")
        + "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: deny-all, namespace: foo}\nspec: {action: DENY, rules: [{}]}\n";
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    assert_eq!(denied(&a, "foo", &[], &plaintext(80)), Some(("foo/deny-all".to_string(), 0)));
    assert_eq!(denied(&a, "bar", &[], &plaintext(80)), Some((STATIC.to_string(), 0)));
}

#[test]
fn allow_rule_does_not_override_strict() {
    // A DENY wins over any ALLOW: an allow-all policy does not let plaintext through STRICT.
    let yaml = pa(ROOT, "default", None, "STRICT", "")
        + "---\napiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: allow-all, namespace: foo}\nspec: {rules: [{}]}\n";
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    assert_eq!(denied(&a, "foo", &[], &plaintext(80)), Some((STATIC.to_string(), 0)));
    assert_eq!(denied(&a, "foo", &[], &mtls(80)), None);
}

#[test]
fn upstream_gap_listed_converted_policy_that_does_not_exist() {
    // istiod lists `converted_peer_authentication_w` for a PERMISSIVE workload with a STRICT
    // port, but under a STRICT mesh without a namespace policy the conversion treats the port
    // as inherited and produces nothing: ztunnel skips the unknown policy and accepts
    // plaintext on 9090, where the sidecar's effective mode is STRICT.
    let yaml =
        pa(ROOT, "default", None, "STRICT", "") + &sel("foo", "w", "PERMISSIVE", "9090: {mode: STRICT}");
    assert_eq!(listed(&yaml, "foo", POD1), ["foo/converted_peer_authentication_w"]);
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(9090)), None);
    let sidecar = mesh_policy::peer_authn::PeerAuthn::compile(&snapshot(&yaml));
    assert_eq!(sidecar.mode("foo", &labels(POD1), 9090).mode, MutualTlsMode::Strict);
}

#[test]
fn upstream_gap_unset_namespace_hides_the_mesh_strict() {
    // An UNSET namespace policy under a STRICT mesh: the listing inherits STRICT and lists the
    // converted policy for a PERMISSIVE port, while the conversion skips the port because the
    // namespace policy is not STRICT. Nothing denies plaintext on any port.
    let yaml = pa(ROOT, "default", None, "STRICT", "")
        + &pa("foo", "ns", None, "UNSET", "")
        + &sel("foo", "w", "", "9090: {mode: PERMISSIVE}");
    assert_eq!(listed(&yaml, "foo", POD1), ["foo/converted_peer_authentication_w"]);
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(8080)), None);
}

#[test]
fn disable_port_under_inherited_strict_keeps_the_static_policy() {
    // Only a PERMISSIVE port switches an UNSET workload under inherited STRICT to its
    // converted policy; with DISABLE the static policy stays and denies plaintext on the port.
    let yaml = pa("foo", "ns", None, "STRICT", "") + &sel("foo", "w", "", "9090: {mode: DISABLE}");
    assert_eq!(listed(&yaml, "foo", POD1), [STATIC]);
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    assert_eq!(denied(&a, "foo", POD1, &plaintext(9090)), Some((STATIC.to_string(), 0)));
}

#[test]
fn empty_selector_is_namespace_wide_for_the_listing() {
    // fetchPeerAuthentications: `selector: {}` selects every workload of the namespace and
    // counts as the namespace policy.
    let yaml = pa("foo", "ns", Some(""), "STRICT", "");
    assert_eq!(listed(&yaml, "foo", &[]), [STATIC]);
    // In the root namespace it is the mesh policy only for the root namespace's workloads.
    let yaml = pa(ROOT, "mesh", Some(""), "STRICT", "");
    assert_eq!(listed(&yaml, ROOT, &[]), [STATIC]);
    assert_eq!(listed(&yaml, "foo", &[]), Vec::<String>::new());
}

#[test]
fn oldest_policy_wins_at_each_level() {
    // getOldestPeerAuthn / convertedSelectorPeerAuthentications: the oldest of a level decides.
    let yaml = "\
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: newer, namespace: foo, creationTimestamp: '2024-01-02T00:00:00Z'}
spec: {mtls: {mode: STRICT}}
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: older, namespace: foo, creationTimestamp: '2024-01-01T00:00:00Z'}
spec: {mtls: {mode: PERMISSIVE}}
";
    let a = ZtunnelAuthorizer::compile(&snapshot(yaml));
    assert_eq!(denied(&a, "foo", &[], &plaintext(80)), None);
}

#[test]
fn policies_for_lists_the_derived_policy_last() {
    let yaml = pa(ROOT, "default", None, "STRICT", "") + &ap_selector("foo", "z", "app: a");
    let a = ZtunnelAuthorizer::compile(&snapshot(&yaml));
    let l = labels(POD1);
    let keys: Vec<String> = a.policies_for(&Workload::new("foo", &l)).iter().map(|p| p.key()).collect();
    assert_eq!(keys, ["foo/z", STATIC]);
    // from_policies takes AuthorizationPolicies only.
    let b = ZtunnelAuthorizer::from_policies([], ROOT, &ZtunnelOptions::default());
    assert!(b.policies().is_empty());
}

// === proptest against the reference ===

fn mode() -> impl Strategy<Value = Option<MutualTlsMode>> {
    prop::sample::select(vec![
        None,
        Some(MutualTlsMode::Unset),
        Some(MutualTlsMode::Disable),
        Some(MutualTlsMode::Permissive),
        Some(MutualTlsMode::Permissive),
        Some(MutualTlsMode::Strict),
        Some(MutualTlsMode::Strict),
    ])
}

/// A PeerAuthentication in one of the roles that meet at a workload of `foo` with
/// `app: httpbin`: mesh, namespace, workload, or noise (any namespace and selector).
fn peer_authentication() -> impl Strategy<Value = PeerAuthentication> {
    let role = prop::sample::select(vec![0u8, 0, 1, 1, 2, 2, 2, 3]);
    let noise_ns = prop::sample::select(vec!["foo", ROOT, "bar"]);
    let noise_sel = prop::option::of(prop::sample::select(vec![
        vec![("app", "httpbin")],
        vec![("app", "other")],
        vec![],
    ]));
    let ports = prop::option::weighted(
        0.7,
        prop::collection::btree_map(prop::sample::select(vec!["80", "8080", "9090"]), mode(), 1..3),
    );
    (role, noise_ns, noise_sel, mode(), ports, 0..2u8, 0..3u8).prop_map(
        |(role, nns, nsel, mode, ports, name, age)| {
            let (ns, sel, prefix) = match role {
                0 => (ROOT, None, "mesh"),
                1 => ("foo", None, "ns"),
                2 => ("foo", Some(vec![("app", "httpbin")]), "w"),
                _ => (nns, nsel, "noise"),
            };
            PeerAuthentication {
                api_version: "security.istio.io/v1".into(),
                kind: "PeerAuthentication".into(),
                metadata: ObjectMeta {
                    name: Some(format!("{prefix}{name}")),
                    namespace: Some(ns.into()),
                    creation_timestamp: Some(format!("2024-01-0{}T00:00:00Z", age + 1)),
                    ..Default::default()
                },
                spec: PeerAuthenticationSpec {
                    selector: sel.map(|l| WorkloadSelector {
                        match_labels: l.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
                    }),
                    mtls: mode.map(|m| MutualTls { mode: Some(m) }),
                    port_level_mtls: ports.map(|p| {
                        p.into_iter().map(|(k, m)| (k.to_string(), MutualTls { mode: m })).collect()
                    }),
                },
                status: None,
            }
        },
    )
}

fn authorization_policy() -> impl Strategy<Value = AuthorizationPolicy> {
    let action =
        prop::sample::select(vec![AuthorizationPolicyAction::Allow, AuthorizationPolicyAction::Deny]);
    let ns = prop::sample::select(vec!["foo", ROOT]);
    let from = prop::sample::select(vec![
        vec![],
        vec!["cluster.local/ns/a/sa/x".to_string()],
        vec!["*".to_string()],
    ]);
    (action, ns, from, 0..2u8).prop_map(|(action, ns, principals, name)| AuthorizationPolicy {
        api_version: "security.istio.io/v1".into(),
        kind: "AuthorizationPolicy".into(),
        metadata: ObjectMeta {
            name: Some(format!("ap{name}")),
            namespace: Some(ns.into()),
            ..Default::default()
        },
        spec: AuthorizationPolicySpec {
            action: Some(action),
            rules: vec![Rule {
                from: if principals.is_empty() {
                    vec![]
                } else {
                    vec![RuleFrom { source: Some(Source { principals, ..Default::default() }) }]
                },
                ..Default::default()
            }],
            ..Default::default()
        },
        status: None,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8000))]

    #[test]
    fn compiled_agrees_with_reference(
        pas in prop::collection::vec(peer_authentication(), 0..6),
        aps in prop::collection::vec(authorization_policy(), 0..3),
        principal in prop::option::weighted(0.3, prop::sample::select(vec!["cluster.local/ns/a/sa/x", "td/ns/b/sa/y"])),
        port in prop::sample::select(vec![80u16, 8080, 9090]),
        ns in prop::sample::select(vec!["foo", "foo", "foo", "foo", "foo", "foo", "bar", ROOT]),
        app in prop::option::weighted(0.9, prop::sample::select(vec!["httpbin", "httpbin", "httpbin", "other"])),
    ) {
        // Unique names per namespace, in precedence order, as a Snapshot holds them.
        let mut seen = std::collections::BTreeSet::new();
        let mut pas: Vec<PeerAuthentication> = pas.into_iter().filter(|p| seen.insert((p.metadata.namespace().to_string(), p.metadata.name().to_string()))).collect();
        pas.sort_by(|a, b| (&a.metadata.creation_timestamp, a.metadata.namespace(), a.metadata.name()).cmp(&(&b.metadata.creation_timestamp, b.metadata.namespace(), b.metadata.name())));
        let mut seen = std::collections::BTreeSet::new();
        let aps: Vec<AuthorizationPolicy> = aps.into_iter().filter(|p| seen.insert((p.metadata.namespace().to_string(), p.metadata.name().to_string()))).collect();
        let l: BTreeMap<String, String> = app.map(|a| ("app".to_string(), a.to_string())).into_iter().collect();
        let a = ZtunnelAuthorizer::from_resources(&aps, &pas, ROOT, &ZtunnelOptions::default());
        let conn = Connection {
            source_identity: principal.map(|p| Identity::from_principal(p).unwrap()),
            source_ip: None,
            destination_ip: None,
            destination_port: port,
        };
        let d = a.check(&Workload::new(ns, &l), &conn);
        let got = (d.allowed, d.decider.map(|m| (m.policy.to_string(), m.rule)));
        let c = ztunnel_reference::Conn { principal: principal.map(str::to_string), source_ip: None, destination_ip: None, port };
        let want = ztunnel_reference::decide_with_peer_authn(&aps, &pas, ROOT, ns, &l, &c);
        prop_assert_eq!(got, want);
    }
}
