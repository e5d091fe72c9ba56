//! Output formats: human text (the default) or the JSON contract.

use std::io::Write;

use clap::ValueEnum;

/// `-o text|json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub(crate) enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// The JSON contract.
    Json,
}

/// Prints a JSON value on stdout, pretty, with a trailing newline.
pub(crate) fn print_json(value: &serde_json::Value) {
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, value);
    let _ = writeln!(out);
}
