//! Path normalisation and the classic bypasses: a rule on `/admin` must see every spelling a
//! client may send, at each `pathNormalization` level (istio/istio security best practices,
//! "Understand path normalization in authorization policy"; Envoy path_utility_test.cc).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;

use common::{R, check, snapshot_with};
use mesh_model::MeshConfig;
use mesh_policy::authz::{Authorizer, Reason};

fn deny_admin(level: &str) -> Authorizer {
    let mesh = format!("pathNormalization: {{normalization: {level}}}\n");
    let (mesh, _) = mesh_model::load::parse_mesh_config(&mesh).unwrap();
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: d, namespace: foo}\nspec: {action: DENY, rules: [{to: [{operation: {paths: [/admin, '/admin/*']}}]}]}\n";
    Authorizer::compile(&snapshot_with(yaml, mesh, false))
}

fn denied(level: &str, path: &str) -> bool {
    !check(&deny_admin(level), &R { path: path.into(), ..R::default() }).allowed
}

macro_rules! bypass {
    ($($name:ident: $level:literal, $path:literal, $denied:literal;)+) => {
        $( #[test] fn $name() { assert_eq!(denied($level, $path), $denied, "{} {}", $level, $path); } )+
    };
}

bypass! {
    none_plain: "NONE", "/admin", true;
    none_dot_dot_bypasses: "NONE", "/a/../admin", false;
    none_double_slash_bypasses: "NONE", "//admin", false;
    base_dot_dot_caught: "BASE", "/a/../admin", true;
    base_dot_caught: "BASE", "/./admin", true;
    base_encoded_dots_caught: "BASE", "/a/%2e%2e/admin", true;
    base_backslash_caught: "BASE", "/a\\..\\admin", true;
    base_unreserved_escape_caught: "BASE", "/%61dmin", true;
    base_double_slash_not_merged: "BASE", "//admin", false;
    base_encoded_slash_kept: "BASE", "/%2Fadmin", false;
    base_upper_case_is_another_path: "BASE", "/ADMIN", false;
    base_query_ignored: "BASE", "/admin?x=1", true;
    base_sub_path: "BASE", "/admin/users", true;
    base_dot_dot_above_root: "BASE", "/../admin", true;
    default_is_base: "DEFAULT", "/a/../admin", true;
    merge_double_slash_caught: "MERGE_SLASHES", "//admin", true;
    merge_triple_slash_sub_path: "MERGE_SLASHES", "/admin///users", true;
    merge_encoded_slash_kept: "MERGE_SLASHES", "/%2Fadmin", false;
    decode_encoded_slash_caught: "DECODE_AND_MERGE_SLASHES", "/%2Fadmin", true;
    decode_lower_case_escape: "DECODE_AND_MERGE_SLASHES", "/%2fadmin", true;
    decode_backslash_escape: "DECODE_AND_MERGE_SLASHES", "/%5Cadmin", true;
    decode_dot_dot_with_encoded_slash: "DECODE_AND_MERGE_SLASHES", "/x/..%2Fadmin", true;
    decode_upper_case_still_distinct: "DECODE_AND_MERGE_SLASHES", "/Admin", false;
}

#[test]
fn nul_path_is_rejected_before_authorization() {
    let o = check(&deny_admin("BASE"), &R { path: "/admin%00".into(), ..R::default() });
    assert!(!o.allowed);
    assert_eq!(o.reason, Reason::InvalidPath);
}

#[test]
fn relative_path_is_rejected() {
    let a = Authorizer::compile(&snapshot_with("", MeshConfig::default(), false));
    let o = check(&a, &R { path: "admin".into(), ..R::default() });
    assert_eq!(o.reason, Reason::PathNotAbsolute);
}

#[test]
fn allow_rule_sees_normalised_path() {
    let yaml = "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a, namespace: foo}\nspec: {rules: [{to: [{operation: {paths: ['/public/*']}}]}]}\n";
    let a = Authorizer::compile(&snapshot_with(yaml, MeshConfig::default(), false));
    assert!(!check(&a, &R { path: "/public/../admin".into(), ..R::default() }).allowed);
    assert!(check(&a, &R { path: "/public/./x".into(), ..R::default() }).allowed);
}
