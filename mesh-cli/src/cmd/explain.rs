//! `meshctl explain` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl explain`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl explain is not available in this build".to_string()))
}
