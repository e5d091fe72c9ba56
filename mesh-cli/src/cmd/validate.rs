//! `meshctl validate [--strict] [-o json] PATH...`: checks resources as Istio's admission
//! webhook would.

use std::path::PathBuf;

use mesh_model::load::{LoadErrorKind, SourceMap};
use mesh_model::{Severity, validate};
use serde_json::json;

use crate::Answer;
use crate::config::{CliError, LoadedSource, MeshFlags, load_all, sources_or_builtin};
use crate::output::{Format, print_json};

/// Arguments of `meshctl validate`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Files or folders to check (`-` for stdin); none checks the built-in Bookinfo mesh.
    paths: Vec<PathBuf>,
    /// Also reject fields the resource's schema does not define.
    #[arg(long)]
    strict: bool,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    mesh: MeshFlags,
}

/// One diagnostic as the contract prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reported {
    pub(crate) severity: Severity,
    pub(crate) kind: Option<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) name: Option<String>,
    pub(crate) path: String,
    pub(crate) message: String,
    pub(crate) file: String,
    pub(crate) line: Option<u32>,
}

impl Reported {
    fn to_json(&self) -> serde_json::Value {
        json!({
            "severity": self.severity,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "path": self.path,
            "message": self.message,
            "file": self.file,
            "line": self.line,
        })
    }

    fn to_text(&self) -> String {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s =
            format!("{}:{}: {sev}:", self.file, self.line.map_or_else(|| "?".to_string(), |l| l.to_string()));
        if let Some(kind) = &self.kind {
            s.push(' ');
            s.push_str(kind);
            match (&self.namespace, &self.name) {
                (Some(ns), Some(n)) => s.push_str(&format!(" {ns}/{n}")),
                (None, Some(n)) => s.push_str(&format!(" {n}")),
                _ => {}
            }
            s.push(':');
        }
        if !self.path.is_empty() {
            s.push_str(&format!(" {}:", self.path));
        }
        s.push(' ');
        s.push_str(&self.message);
        s
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// Every diagnostic of one loaded source, in document order.
pub(crate) fn diagnose(loaded: &LoadedSource, strict: bool) -> Vec<Reported> {
    let file = &loaded.source.name;
    let mut found: Vec<((usize, usize), Reported)> = Vec::new();
    for e in &loaded.output.errors {
        let (severity, message) = match &e.reason {
            LoadErrorKind::Unsupported { api_version, kind } => (
                Severity::Warning,
                format!("{api_version} {kind} is not a kind meshctl models; it was not checked"),
            ),
            other => (Severity::Error, other.to_string()),
        };
        let report = Reported {
            severity,
            kind: e.kind.clone(),
            namespace: e.namespace.clone(),
            name: e.name.clone(),
            path: e.path.clone(),
            message,
            file: file.clone(),
            line: Some(e.line),
        };
        found.push(((e.document, e.item.unwrap_or(0)), report));
    }
    let mut map: Option<SourceMap<'_>> = None;
    for r in &loaded.output.resources {
        let res = &r.resource;
        let base = |severity, path: String, message: String, line| Reported {
            severity,
            kind: Some(res.kind().name().to_string()),
            namespace: non_empty(res.namespace()),
            name: non_empty(res.name()),
            path,
            message,
            file: file.clone(),
            line,
        };
        let key = (r.origin.document, r.origin.item.unwrap_or(0));
        for u in &r.unknown_fields {
            let field = u.path.rsplit(['.', '[']).next().unwrap_or(&u.path).trim_end_matches(']');
            let (severity, message) = if strict {
                (Severity::Error, format!("unknown field {field:?}"))
            } else {
                (Severity::Warning, format!("unknown field {field:?} is ignored"))
            };
            found.push((key, base(severity, u.path.clone(), message, Some(u.line))));
        }
        let diags = validate(res);
        if diags.is_empty() {
            continue;
        }
        let map = map.get_or_insert_with(|| SourceMap::new(&loaded.source.text));
        for d in diags {
            let line = map.line(&r.origin, &d.path);
            found.push((key, base(d.severity, d.path, d.message, line)));
        }
    }
    found.sort_by_key(|(k, _)| *k);
    found.into_iter().map(|(_, r)| r).collect()
}

/// Runs `meshctl validate`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let sources = sources_or_builtin(&args.paths)?;
    let loaded = load_all(sources, &args.mesh);
    let objects: usize = loaded.iter().map(|l| l.output.objects).sum();
    let diagnostics: Vec<Reported> = loaded.iter().flat_map(|l| diagnose(l, args.strict)).collect();
    let valid = !diagnostics.iter().any(|d| d.severity == Severity::Error);
    match args.output {
        Format::Json => print_json(&json!({
            "valid": valid,
            "resources": objects,
            "diagnostics": diagnostics.iter().map(Reported::to_json).collect::<Vec<_>>(),
        })),
        Format::Text => {
            for d in &diagnostics {
                println!("{}", d.to_text());
            }
            let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            let warnings = diagnostics.len() - errors;
            println!(
                "{}: {objects} resource{}, {errors} error{}, {warnings} warning{}",
                if valid { "valid" } else { "invalid" },
                if objects == 1 { "" } else { "s" },
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" },
            );
        }
    }
    Ok(if valid { Answer::Positive } else { Answer::Negative })
}
