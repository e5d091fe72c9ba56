//! `meshctl lb` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl lb`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl lb`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl lb is not available in this build".to_string()))
}
