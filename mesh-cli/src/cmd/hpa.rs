//! `meshctl hpa` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl hpa`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl hpa`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl hpa is not available in this build".to_string()))
}
