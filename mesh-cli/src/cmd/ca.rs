//! `meshctl ca` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl ca`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl ca`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl ca is not available in this build".to_string()))
}
