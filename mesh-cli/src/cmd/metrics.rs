//! `meshctl metrics` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl metrics`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl metrics`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl metrics is not available in this build".to_string()))
}
