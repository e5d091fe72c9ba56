//! `meshctl mtls --config ... --request R [-o json]`: the effective PeerAuthentication mode
//! for the request's destination workload and port.

use mesh_model::security::MutualTlsMode;
use mesh_policy::peer_authn::{MtlsDecision, PeerAuthn};
use serde_json::{Value, json};

use crate::Answer;
use crate::config::{CliError, DecisionArgs, load_config};
use crate::output::{Format, print_json};
use crate::request;
use crate::workload::resolve;

/// Arguments of `meshctl mtls`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    decision: DecisionArgs,
}

/// `STRICT`, `PERMISSIVE` or `DISABLE`.
pub(crate) fn mode_name(m: MutualTlsMode) -> &'static str {
    match m {
        MutualTlsMode::Strict => "STRICT",
        MutualTlsMode::Disable => "DISABLE",
        MutualTlsMode::Permissive | MutualTlsMode::Unset => "PERMISSIVE",
    }
}

/// The contract's JSON for an mTLS decision.
pub(crate) fn to_json(d: &MtlsDecision<'_>) -> Value {
    json!({"mode": mode_name(d.mode), "policy": d.policy.map(|p| p.to_string())})
}

/// Runs `meshctl mtls`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let req = request::read(&args.decision.request)?;
    let cfg = load_config(&args.decision.config, &args.decision.mesh, false)?;
    let registry = mesh_model::registry::Registry::from_snapshot(&cfg.snapshot);
    let dest = resolve(&registry, &req, &args.decision.mesh.default_namespace);
    let pa = PeerAuthn::compile(&cfg.snapshot);
    let d = pa.mode(&dest.namespace, &dest.labels, u32::from(dest.port));
    match args.decision.output {
        Format::Json => print_json(&to_json(&d)),
        Format::Text => {
            let by = d.policy.map_or_else(|| "the default".to_string(), |p| format!("policy {p}"));
            println!(
                "{} (set by {by}) for workload port {} in namespace {}",
                mode_name(d.mode),
                dest.port,
                dest.namespace
            );
        }
    }
    Ok(Answer::Positive)
}
