//! Property tests of the loader and the model:
//! - round trip: a resource generated from the model's own JSON Schema loads; serialising it
//!   (to JSON and to YAML) and loading that again gives an equal value;
//! - the loader never panics, whatever the bytes.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_model::load::{LoadOptions, load_str};
use mesh_model::{Kind, Resource, kube, networking, security, telemetry};
use proptest::prelude::*;
use schemars::JsonSchema;
use serde_json::{Map, Value, json};

/// A small deterministic generator (splitmix64) driven by a proptest seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn word(&mut self) -> String {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-.";
        let len = 1 + self.below(8) as usize;
        let mut s: String =
            (0..len).map(|_| ALPHABET[self.below(ALPHABET.len() as u64) as usize] as char).collect();
        if self.below(8) == 0 {
            // Strings that YAML would otherwise read as other types must survive quoting.
            s = ["true", "null", "123", "0x1F", "~", "1.5", "", "a: b", "- x", "#c"][self.below(10) as usize]
                .to_string();
        }
        s
    }

    fn value(&mut self, root: &Value, node: &Value, depth: u32) -> Value {
        if let Some(r) = node.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/$defs/");
            if name == "Duration" {
                return json!(format!(
                    "{}{}",
                    self.below(10_000),
                    ["s", "ms", "m", "h"][self.below(4) as usize]
                ));
            }
            let target = root.get("$defs").and_then(|d| d.get(name)).cloned().unwrap_or(Value::Null);
            return self.value(root, &target, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(branches) = node.get(key).and_then(Value::as_array) {
                let non_null: Vec<&Value> =
                    branches.iter().filter(|b| b.get("type") != Some(&json!("null"))).collect();
                let pick = non_null[self.below(non_null.len() as u64) as usize];
                return self.value(root, pick, depth);
            }
        }
        if let Some(all) = node.get("allOf").and_then(Value::as_array)
            && let Some(first) = all.first()
        {
            return self.value(root, first, depth);
        }
        if let Some(values) = node.get("enum").and_then(Value::as_array) {
            return values[self.below(values.len() as u64) as usize].clone();
        }
        if let Some(c) = node.get("const") {
            return c.clone();
        }
        let ty = match node.get("type") {
            Some(Value::String(t)) => t.clone(),
            Some(Value::Array(ts)) => {
                ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null").to_string()
            }
            _ => "any".to_string(),
        };
        match ty.as_str() {
            "string" if node.get("format").and_then(Value::as_str) == Some("byte") => {
                json!(["aGVsbG8=", "", "AAEC", "3q2-7w", "YQ"][self.below(5) as usize])
            }
            "string" => json!(self.word()),
            "boolean" => json!(self.below(2) == 0),
            "integer" => {
                let min = node.get("minimum").and_then(Value::as_i64).unwrap_or(-1000).max(-1000);
                let max = node.get("maximum").and_then(Value::as_i64).unwrap_or(100_000).min(100_000);
                let min = if node.get("format").and_then(Value::as_str).is_some_and(|f| f.starts_with('u')) {
                    min.max(0)
                } else {
                    min
                };
                json!(min + self.below((max - min + 1) as u64) as i64)
            }
            "number" => json!(self.below(4001) as f64 / 40.0),
            "array" => {
                let n = if depth > 6 { 0 } else { self.below(3) };
                let items = node.get("items").cloned().unwrap_or(json!({"type": "string"}));
                Value::Array((0..n).map(|_| self.value(root, &items, depth + 1)).collect())
            }
            "object" => {
                let mut obj = Map::new();
                let required: Vec<&str> = node
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if let Some(props) = node.get("properties").and_then(Value::as_object) {
                    for (k, v) in props {
                        if required.contains(&k.as_str()) || (depth <= 6 && self.below(2) == 0) {
                            obj.insert(k.clone(), self.value(root, v, depth + 1));
                        }
                    }
                }
                if let Some(ap) = node.get("additionalProperties").filter(|v| v.is_object())
                    && depth <= 6
                {
                    for _ in 0..self.below(3) {
                        let key = if ap.get("format").is_some() {
                            self.below(65535).to_string()
                        } else {
                            self.word()
                        };
                        obj.insert(key, self.value(root, ap, depth + 1));
                    }
                }
                Value::Object(obj)
            }
            _ => json!(self.word()),
        }
    }
}

fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schema serialises")
}

/// (kind, apiVersion, schema of the spec or of the whole object, whether it is a spec).
fn kinds() -> Vec<(Kind, &'static str, Value, bool)> {
    vec![
        (Kind::VirtualService, "networking.istio.io/v1", schema_of::<networking::VirtualServiceSpec>(), true),
        (
            Kind::DestinationRule,
            "networking.istio.io/v1beta1",
            schema_of::<networking::DestinationRuleSpec>(),
            true,
        ),
        (Kind::Gateway, "networking.istio.io/v1alpha3", schema_of::<networking::GatewaySpec>(), true),
        (Kind::ServiceEntry, "networking.istio.io/v1", schema_of::<networking::ServiceEntrySpec>(), true),
        (Kind::WorkloadEntry, "networking.istio.io/v1", schema_of::<networking::WorkloadEntrySpec>(), true),
        (Kind::WorkloadGroup, "networking.istio.io/v1", schema_of::<networking::WorkloadGroupSpec>(), true),
        (Kind::Sidecar, "networking.istio.io/v1", schema_of::<networking::SidecarSpec>(), true),
        (
            Kind::AuthorizationPolicy,
            "security.istio.io/v1",
            schema_of::<security::AuthorizationPolicySpec>(),
            true,
        ),
        (
            Kind::PeerAuthentication,
            "security.istio.io/v1",
            schema_of::<security::PeerAuthenticationSpec>(),
            true,
        ),
        (
            Kind::RequestAuthentication,
            "security.istio.io/v1",
            schema_of::<security::RequestAuthenticationSpec>(),
            true,
        ),
        (Kind::Telemetry, "telemetry.istio.io/v1", schema_of::<telemetry::TelemetrySpec>(), true),
        (Kind::Service, "v1", schema_of::<kube::Service>(), false),
        (Kind::EndpointSlice, "discovery.k8s.io/v1", schema_of::<kube::EndpointSlice>(), false),
        (Kind::Pod, "v1", schema_of::<kube::Pod>(), false),
        (Kind::NetworkPolicy, "networking.k8s.io/v1", schema_of::<kube::NetworkPolicy>(), false),
        (Kind::Ingress, "networking.k8s.io/v1", schema_of::<kube::Ingress>(), false),
        (Kind::IngressClass, "networking.k8s.io/v1", schema_of::<kube::IngressClass>(), false),
        (Kind::Node, "v1", schema_of::<kube::Node>(), false),
        (Kind::ConfigMap, "v1", schema_of::<kube::ConfigMap>(), false),
    ]
}

fn load_one(text: &str) -> Result<Resource, String> {
    let out = load_str(text, &LoadOptions::default());
    if let Some(e) = out.errors.first() {
        return Err(e.to_string());
    }
    match out.resources.as_slice() {
        [one] => Ok(one.resource.clone()),
        other => Err(format!("expected one resource, got {}", other.len())),
    }
}

fn generate(kind: Kind, api_version: &str, schema: &Value, is_spec: bool, seed: u64) -> Value {
    let mut g = Gen(seed);
    let mut doc = if is_spec {
        json!({ "spec": g.value(schema, schema, 0) })
    } else {
        let mut v = g.value(schema, schema, 0);
        if let Some(o) = v.as_object_mut() {
            o.remove("metadata");
        }
        v
    };
    doc["apiVersion"] = json!(api_version);
    doc["kind"] = json!(kind.name());
    doc["metadata"] = json!({"name": "generated", "namespace": "ns", "labels": {"app": g.word()}});
    doc
}

/// Whether a load error only says that a generated document set two members of one proto
/// `oneof` (the JSON Schema lists them as plain optional properties, so the generator can).
fn is_oneof_conflict(e: &str) -> bool {
    e.contains("only one of") || e.contains("oneof") || e.contains("mutually exclusive")
}

/// The first of a few generated documents (seeds derived from `seed`) that loads, with its
/// text; a document that fails for any reason other than a oneof conflict is an error.
fn generate_loadable(
    kind: Kind,
    api_version: &str,
    schema: &Value,
    is_spec: bool,
    seed: u64,
) -> Result<Option<(String, Resource)>, String> {
    for attempt in 0..32u64 {
        let doc = generate(
            kind,
            api_version,
            schema,
            is_spec,
            seed.wrapping_add(attempt.wrapping_mul(0x1_0000_0001)),
        );
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        match load_one(&text) {
            Ok(r) => return Ok(Some((text, r))),
            Err(e) if is_oneof_conflict(&e) => continue,
            Err(e) => return Err(format!("{kind}: {e}\n{text}")),
        }
    }
    Ok(None)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn generated_resources_round_trip(seed in any::<u64>()) {
        for (kind, api_version, schema, is_spec) in kinds() {
            let Some((_, first)) = generate_loadable(kind, api_version, &schema, is_spec, seed).map_err(TestCaseError::fail)? else {
                continue;
            };
            prop_assert_eq!(first.kind(), kind);

            let json_again = serde_json::to_string(&first).unwrap();
            let second = load_one(&json_again).map_err(|e| TestCaseError::fail(format!("{kind} (JSON again): {e}\n{json_again}")))?;
            prop_assert_eq!(&first, &second, "{} JSON round trip of {}", kind, json_again);

            let yaml_again = serde_yaml_ng::to_string(&first).unwrap();
            let third = load_one(&yaml_again).map_err(|e| TestCaseError::fail(format!("{kind} (YAML again): {e}\n{yaml_again}")))?;
            prop_assert_eq!(&first, &third, "{} YAML round trip of {}", kind, yaml_again);
        }
    }

    #[test]
    fn loader_never_panics_on_arbitrary_text(text in "(?s).{0,400}") {
        let _ = load_str(&text, &LoadOptions::default());
    }

    #[test]
    fn loader_never_panics_on_yaml_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("apiVersion: networking.istio.io/v1\n"), Just("kind: VirtualService\n"),
                Just("kind: List\n"), Just("items:\n"), Just("- "), Just("spec:\n"), Just("  hosts: [a, b]\n"),
                Just("---\n"), Just("metadata: {name: x}\n"), Just("  http:\n  - route: ~\n"), Just("&a "),
                Just("*a\n"), Just("{"), Just("}"), Just("["), Just("]"), Just("\"\\u00e9\"\n"), Just("\t"),
                Just("  "), Just(": "), Just("? x\n"), Just("!!str "), Just("|\n  text\n"), Just("%YAML 1.2\n"),
            ],
            0..40,
        )
    ) {
        let text: String = parts.concat();
        let _ = load_str(&text, &LoadOptions::default());
    }
}

#[test]
fn generator_covers_every_kind() {
    // The generator must produce loadable documents of every kind for most seeds.
    for (kind, api_version, schema, is_spec) in kinds() {
        let loaded = (0..16u64)
            .filter(|seed| {
                matches!(generate_loadable(kind, api_version, &schema, is_spec, *seed), Ok(Some(_)))
            })
            .count();
        assert!(loaded >= 8, "{kind}: only {loaded} of 16 seeds gave a loadable document");
    }
}
