//! `meshctl spiffe` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl spiffe`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl spiffe`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl spiffe is not available in this build".to_string()))
}
