//! Fuzz the Go `text/template` interpreter behind user injection templates: arbitrary text
//! is parsed and, when it parses, run on fixed data shaped like an injection template's.
//! Checks that nothing panics, that parsing is deterministic, and that a run is
//! deterministic (same output or same error twice).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_kube::inject::gotemplate::Template;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let input = json!({
        "Values": {"global": {"proxy": {"resources": {"limits": {"cpu": null, "memory": "1Gi"}}}, "hub": "h"}},
        "Spec": {"Containers": [{"name": "app", "ports": [{"containerPort": 80}]}]},
        "ObjectMeta": {"annotations": {"a": "b"}, "labels": {"app": "x"}},
        "n": 3, "f": 1.5, "l": [1, "x", null], "b": true,
    });
    let first = Template::parse(text);
    assert_eq!(first.is_ok(), Template::parse(text).is_ok());
    if let Ok(t) = first {
        assert_eq!(t.render_json(&input), t.render_json(&input));
    }
});
