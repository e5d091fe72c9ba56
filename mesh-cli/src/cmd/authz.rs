//! `meshctl authz` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl authz`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl authz`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl authz is not available in this build".to_string()))
}
