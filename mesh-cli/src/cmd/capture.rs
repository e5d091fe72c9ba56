//! `meshctl capture` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl capture`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl capture`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl capture is not available in this build".to_string()))
}
