//! Field coverage: every field of every Istio CRD schema (`../shared/corpus/istio-crds/`) must
//! exist, under the same JSON name, in the JSON Schema that schemars derives from our model.
//!
//! Reads the shared corpus beside the repository; skips (with a note) when it is absent, as
//! in a fresh clone outside CI.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;

use mesh_model::{networking, security, telemetry};
use schemars::JsonSchema;
use serde_json::Value;

fn crds_path() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/istio-crds/customresourcedefinitions.gen.yaml"
    ))
}

fn ours<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schema serialises")
}

/// The schema nodes `node` stands for: itself, its `$ref` target, and its
/// `anyOf`/`oneOf`/`allOf` branches, recursively.
fn expand<'a>(root: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        if let Some(target) = root.get("$defs").and_then(|d| d.get(name)) {
            expand(root, target, out);
        }
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(branches) = node.get(key).and_then(Value::as_array) {
            for b in branches {
                expand(root, b, out);
            }
        }
    }
    out.push(node);
}

fn child<'a>(
    root: &'a Value,
    node: &'a Value,
    pick: impl Fn(&'a Value) -> Option<&'a Value>,
) -> Vec<&'a Value> {
    let mut nodes = Vec::new();
    expand(root, node, &mut nodes);
    nodes.into_iter().filter_map(pick).collect()
}

/// Walks the upstream schema; records every field path missing from ours.
fn walk(
    root: &Value,
    upstream: &Value,
    ours: &[&Value],
    path: &str,
    total: &mut usize,
    missing: &mut Vec<String>,
) {
    if let Some(props) = upstream.get("properties").and_then(Value::as_object) {
        for (name, sub) in props {
            *total += 1;
            let p = format!("{path}.{name}");
            let found: Vec<&Value> = ours
                .iter()
                .flat_map(|o| child(root, o, |n| n.get("properties").and_then(|ps| ps.get(name))))
                .collect();
            if found.is_empty() {
                missing.push(p);
            } else {
                walk(root, sub, &found, &p, total, missing);
            }
        }
    }
    if let Some(items) = upstream.get("items") {
        let found: Vec<&Value> = ours.iter().flat_map(|o| child(root, o, |n| n.get("items"))).collect();
        walk(root, items, &found, &format!("{path}[]"), total, missing);
    }
    if let Some(ap) = upstream.get("additionalProperties").filter(|v| v.is_object()) {
        let found: Vec<&Value> = ours
            .iter()
            .flat_map(|o| child(root, o, |n| n.get("additionalProperties").filter(|v| v.is_object())))
            .collect();
        walk(root, ap, &found, &format!("{path}[*]"), total, missing);
    }
}

#[test]
fn every_upstream_crd_field_is_modelled() {
    let path = crds_path();
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipping: the shared corpus is not beside this checkout ({})", path.display());
        return;
    };
    let schemas: Vec<(&str, Value)> = vec![
        ("VirtualService", ours::<networking::VirtualServiceSpec>()),
        ("DestinationRule", ours::<networking::DestinationRuleSpec>()),
        ("Gateway", ours::<networking::GatewaySpec>()),
        ("ServiceEntry", ours::<networking::ServiceEntrySpec>()),
        ("WorkloadEntry", ours::<networking::WorkloadEntrySpec>()),
        ("WorkloadGroup", ours::<networking::WorkloadGroupSpec>()),
        ("Sidecar", ours::<networking::SidecarSpec>()),
        ("AuthorizationPolicy", ours::<security::AuthorizationPolicySpec>()),
        ("PeerAuthentication", ours::<security::PeerAuthenticationSpec>()),
        ("RequestAuthentication", ours::<security::RequestAuthenticationSpec>()),
        ("Telemetry", ours::<telemetry::TelemetrySpec>()),
    ];
    let mut report = Vec::new();
    let mut all_missing = Vec::new();
    let (mut grand_total, mut grand_missing) = (0, 0);
    for doc in serde_yaml_ng::Deserializer::from_str(&text) {
        let crd: Value = serde::Deserialize::deserialize(doc).expect("CRD YAML parses");
        let Some(kind) = crd.pointer("/spec/names/kind").and_then(Value::as_str) else { continue };
        let Some((_, schema)) = schemas.iter().find(|(k, _)| *k == kind) else { continue };
        for version in crd.pointer("/spec/versions").and_then(Value::as_array).into_iter().flatten() {
            let v = version.get("name").and_then(Value::as_str).unwrap_or("?");
            let Some(spec) = version.pointer("/schema/openAPIV3Schema/properties/spec") else { continue };
            let (mut total, mut missing) = (0, Vec::new());
            walk(schema, spec, &[schema], &format!("{kind}/{v}: spec"), &mut total, &mut missing);
            report.push(format!("{kind}/{v}: {}/{total} fields", total - missing.len()));
            grand_total += total;
            grand_missing += missing.len();
            all_missing.extend(missing);
        }
    }
    // The walk itself must notice a missing field: a PeerAuthentication schema lacks every
    // VirtualService field.
    let vs_crd =
        text.split("\n---").find(|d| d.contains("kind: VirtualService\n")).expect("VirtualService CRD");
    let vs_crd: Value = serde_yaml_ng::from_str(vs_crd).expect("CRD parses");
    let vs_spec =
        vs_crd.pointer("/spec/versions/0/schema/openAPIV3Schema/properties/spec").expect("spec schema");
    let pa = ours::<security::PeerAuthenticationSpec>();
    let (mut t, mut m) = (0, Vec::new());
    walk(&pa, vs_spec, &[&pa], "spec", &mut t, &mut m);
    assert!(m.contains(&"spec.hosts".to_string()), "the coverage walk is blind: {m:?}");

    let covered = grand_total - grand_missing;
    eprintln!(
        "schema coverage: {covered}/{grand_total} upstream fields ({:.1}%)\n{}",
        100.0 * covered as f64 / grand_total.max(1) as f64,
        report.join("\n")
    );
    assert!(
        grand_total > 1000,
        "the walk found too few upstream fields ({grand_total}): is the CRD file complete?"
    );
    assert!(all_missing.is_empty(), "fields missing from the model:\n{}", all_missing.join("\n"));
}
