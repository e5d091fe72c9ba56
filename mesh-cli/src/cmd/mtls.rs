//! `meshctl mtls` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl mtls`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl mtls`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl mtls is not available in this build".to_string()))
}
