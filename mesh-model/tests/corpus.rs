//! Real mesh configuration from `../shared/corpus/` (Istio's samples, pilot test data and the
//! webhook's validation dataset): Istio accepts every Istio resource there, so each must load
//! and validate without errors; Kubernetes objects must load; kinds the model does not serve
//! (EnvoyFilter, Deployment, ...) must be reported by kind without failing the rest of the file.
//!
//! Skips, with a note, when the corpus is not beside the checkout.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mesh_model::load::{LoadOptions, load_str};
use mesh_model::{Severity, validate};

fn corpus() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn every_corpus_resource_loads_and_validates() {
    let root = corpus();
    if !root.is_dir() {
        eprintln!("skipping: the shared corpus is not beside this checkout ({})", root.display());
        return;
    }
    let mut files = Vec::new();
    for sub in ["istio-samples", "istio-testdata", "istio-datasets"] {
        walk(&root.join(sub), &mut files);
    }
    files.sort();
    let mut failures = Vec::new();
    let mut loaded_by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let mut unsupported: BTreeMap<String, usize> = BTreeMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("corpus file is UTF-8");
        let out = load_str(&text, &LoadOptions::default().with_default_namespace("default"));
        let name = file.strip_prefix(&root).unwrap_or(file).display().to_string();
        for e in &out.errors {
            if e.is_unsupported() {
                let kind = e.kind.clone().unwrap_or_default();
                assert!(!kind.is_empty(), "{name}: an unsupported document must name its kind: {e}");
                *unsupported.entry(kind).or_default() += 1;
            } else {
                failures.push(format!("{name}: {e}"));
            }
        }
        for r in &out.resources {
            *loaded_by_kind.entry(r.resource.kind().to_string()).or_default() += 1;
            for d in validate(&r.resource) {
                if d.severity == Severity::Error {
                    failures.push(format!(
                        "{name}: {} {}/{}: {}: {}",
                        r.resource.kind(),
                        r.resource.namespace(),
                        r.resource.name(),
                        d.path,
                        d.message
                    ));
                }
            }
        }
    }
    eprintln!("corpus: {} files; loaded {loaded_by_kind:?}; unsupported {unsupported:?}", files.len());
    assert!(files.len() > 50, "too few corpus files found");
    assert!(loaded_by_kind.get("VirtualService").copied().unwrap_or(0) > 20);
    assert!(failures.is_empty(), "{} problems:\n{}", failures.len(), failures.join("\n"));
}
