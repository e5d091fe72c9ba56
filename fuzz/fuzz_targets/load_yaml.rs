//! The loader on arbitrary text: it never panics; the fast YAML reader agrees with the full
//! parser wherever it answers; every resource that loads survives a JSON round trip; and
//! validation never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_model::load::{LoadOptions, load_str};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(mesh_model::load::yaml_readers_agree(&text), "fast and full YAML readers disagree");
    let out = load_str(&text, &LoadOptions::default());
    for loaded in &out.resources {
        let _ = mesh_model::validate(&loaded.resource);
        let json = serde_json::to_string(&loaded.resource).expect("a loaded resource serialises");
        let again = load_str(&json, &LoadOptions::default());
        assert_eq!(again.resources.len(), 1, "{json}");
        assert_eq!(again.resources[0].resource, loaded.resource, "{json}");
    }
});
