//! Diagnostics and the report that collects them.

use serde::Serialize;

use super::path::Path;

/// How serious a diagnostic is. Istio's webhook rejects errors and admits warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The resource is admitted, with a warning.
    Warning,
    /// The resource is rejected.
    Error,
}

/// One problem found in a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The field path, such as `spec.http[0].route[1].weight` (`""` for the whole resource).
    pub path: String,
    /// A full sentence naming the problem and the offending value.
    pub message: String,
}

/// Collects the diagnostics of one resource.
#[derive(Debug, Default)]
pub struct Report {
    diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error at `at`.
    pub fn error(&mut self, at: &Path<'_>, message: impl Into<String>) {
        self.push(Severity::Error, at, message.into());
    }

    /// Records a warning at `at`.
    pub fn warning(&mut self, at: &Path<'_>, message: impl Into<String>) {
        self.push(Severity::Warning, at, message.into());
    }

    fn push(&mut self, severity: Severity, at: &Path<'_>, message: String) {
        self.diagnostics.push(Diagnostic { severity, path: at.to_string(), message });
    }

    /// Whether any error was recorded.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }

    /// The diagnostics, in the order they were found.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Takes the diagnostics out.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diagnostics
    }
}
