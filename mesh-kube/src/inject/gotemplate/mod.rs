//! An interpreter for the subset of Go's `text/template` that Istio injection templates
//! use, so that a user's own templates (Istio's `sidecarInjectorWebhook.templates` values,
//! such as the SPIRE template of Istio's documentation) render as istiod renders them.
//! Pure: no I/O, bounded work (at most 1,000,000 steps, 100 nested `{{template}}` calls,
//! 100 levels of nesting, 4 MiB of output), and bad templates are errors, never panics.
//!
//! ```
//! use mesh_kube::inject::gotemplate::Template;
//! use serde_json::json;
//! let t = Template::parse("{{- range $k, $v := .ports }}{{ $k }}={{ $v }} {{ end -}}").unwrap();
//! assert_eq!(t.render_json(&json!({"ports": {"http": 80, "grpc": 9090}})).unwrap(), "grpc=9090 http=80 ");
//! ```
//!
//! # The subset
//! - Text and actions `{{ }}`, trim markers `{{- ` and ` -}}`, comments `{{/* */}}`;
//!   actions may span lines.
//! - Pipelines with `|`; operands: fields `.A.B`, `.`, variables `$x`, `$x.A`, `$`,
//!   `(pipeline).A`, string (`"..."` with Go escapes, raw), character, number, `true`,
//!   `false`, `nil` constants.
//! - Variables: `$x := pipeline`, `$x = pipeline`, scoped to the enclosing `if`/`with`/`range`.
//! - `if` / `else if` / `else` / `end`, `with` (and `else with`), `range` over lists,
//!   maps (sorted keys) and integers with `$v :=` or `$i, $v :=`, with `else`, `break`,
//!   `continue`; `define`, `template`, `block`.
//! - Functions: Go's `and or not eq ne lt le gt ge len index print printf println`;
//!   sprig's `default empty coalesce ternary quote squote trunc trimAll trim trimPrefix
//!   trimSuffix hasPrefix hasSuffix upper lower replace join splitList list append push
//!   first last dict hasKey toString toJson toPrettyJson nindent`; Istio's `formatDuration
//!   isset excludeInboundPort includeInboundPorts kubevirtInterfaces excludeInterfaces
//!   applicationPorts annotation valueOrDefault toJSON fromJSON structToJSON protoToJSON
//!   toYaml indent directory contains toLower appendMultusNetwork env omit strdict
//!   toJsonMap mergeMaps omitNil` (Istio's `indent` and `contains` win over sprig's, as
//!   in istiod). `env` returns its default: istiod's environment is not read.
//! - Data: JSON. Untyped JSON is Go's `map[string]any` (numbers are `float64`, a missing
//!   key prints `<no value>`); typed JSON stands for Kubernetes and Istio structs (`.Name`
//!   finds `name`, `.APIVersion` finds `apiVersion`, `.GetTracing` finds `tracing`,
//!   `.GetValue` and `.String` on a scalar return it; an absent field is a zero value that
//!   prints as "" and equals "", 0 and false).
//!
//! Not supported (parse errors): other sprig functions, `call`, `slice`, `html`, `js`,
//! `urlquery`, custom delimiters, methods other than the getters above, complex numbers,
//! `\x`/octal escapes above 0x7f. Approximate: an absent typed field of a non-string type
//! prints "" (Go prints its zero, such as `0` or `<nil>`); an empty typed struct is false;
//! `printf` knows the common verbs only; `toYaml` follows go-yaml v2's quoting rules in
//! the usual cases.

mod exec;
mod format;
mod funcs;
mod lexer;
mod parser;
mod value;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub(crate) use value::Val;

/// A template that cannot be parsed or executed, with the line it happened at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct TemplateError {
    /// The 1-based line of the action at fault.
    pub line: usize,
    /// What went wrong, worded as Go's `text/template` words it where it can.
    pub message: String,
}

/// A parsed template, ready to run many times.
#[derive(Debug, Clone)]
pub struct Template {
    main: Vec<parser::Node>,
    defines: BTreeMap<String, Vec<parser::Node>>,
}

impl Template {
    /// Parses template text; undefined functions and variables, misplaced `else`/`end`
    /// and anything outside the subset are errors here, before it runs.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let tokens = lexer::lex(text)?;
        let parsed = parser::parse(&tokens)?;
        Ok(Template { main: parsed.main, defines: parsed.defines })
    }

    /// Runs the template on untyped JSON data (Go's `map[string]any`).
    pub fn render_json(&self, data: &serde_json::Value) -> Result<String, TemplateError> {
        self.execute(&Val::untyped(data))
    }

    /// Runs the template with `data` as dot and `$`.
    pub(crate) fn execute(&self, data: &Val) -> Result<String, TemplateError> {
        let mut ex = exec::Exec::new(&self.defines, data);
        ex.run(data, &self.main)?;
        Ok(ex.out)
    }
}
