//! `meshctl registry` (being built).

use crate::Answer;
use crate::config::CliError;

/// Arguments of `meshctl registry`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `meshctl registry`.
pub(crate) fn run(_args: &Args) -> Result<Answer, CliError> {
    Err(CliError("meshctl registry is not available in this build".to_string()))
}
