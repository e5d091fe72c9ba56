//! Validation test tables, one file per kind. Each case names the upstream behaviour it pins
//! (usually a row of istio/istio `pkg/config/validation/*_test.go`).

use crate::resource::{Kind, Resource};
use crate::validate::{Diagnostic, Severity, validate};

mod authorization_policy;
mod config_map;
mod destination_rule;
mod gateway;
mod metadata;
mod network_policy;
mod peer_authentication;
mod request_authentication;
mod service_entry;
mod sidecar;
mod telemetry;
mod virtual_service;
mod workload_entry;
mod workload_group;

/// Parses one resource from YAML (apiVersion and kind pick the type) and validates it.
/// Panics on YAML that does not decode: test input is expected to decode.
pub(crate) fn diagnostics(yaml: &str) -> Vec<Diagnostic> {
    let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).expect("test YAML parses");
    let api_version = value.get("apiVersion").and_then(|v| v.as_str()).expect("apiVersion");
    let kind = value.get("kind").and_then(|v| v.as_str()).expect("kind");
    let kind = Kind::from_type(api_version, kind).expect("a known kind");
    let resource = Resource::deserialize_as(kind, value).expect("test YAML decodes");
    validate(&resource)
}

/// What a case expects.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect {
    /// No error (warnings allowed).
    Valid,
    /// An error at exactly this field path.
    ErrorAt(&'static str),
    /// No error, and a warning at exactly this field path.
    WarningAt(&'static str),
}

/// Runs one case and panics with the diagnostics when the expectation fails.
pub(crate) fn check(name: &str, yaml: &str, expect: Expect) {
    let diags = diagnostics(yaml);
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
    let ok = match expect {
        Expect::Valid => errors.is_empty(),
        Expect::ErrorAt(p) => errors.iter().any(|d| d.path == p),
        Expect::WarningAt(p) => {
            errors.is_empty() && diags.iter().any(|d| d.severity == Severity::Warning && d.path == p)
        }
    };
    assert!(ok, "case {name:?}: expected {expect:?}, got {diags:#?}");
}
