//! `meshctl inject` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl inject`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl inject`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl inject is not available in this build".to_string()))
}
