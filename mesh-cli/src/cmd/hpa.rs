//! `meshctl hpa`: the Horizontal Pod Autoscaler's decision for a mesh metric.

use std::path::PathBuf;

use mesh_kube::hpa::Hpa;

use crate::Answer;
use crate::cmd::inject::read_json;
use crate::config::CliError;
use crate::output::{Format, print_json};

/// Arguments of `meshctl hpa`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The HPA, its metrics readings (resource, containerResource, pods, object, external),
    /// pods and history (JSON); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

/// Runs `meshctl hpa`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let v = read_json(&args.input, "HPA input")?;
    let hpa: Hpa = serde_json::from_value(v)
        .map_err(|e| CliError(format!("{}: the HPA input does not parse: {e}", args.input.display())))?;
    if hpa.max_replicas < 1 || hpa.min_replicas < 0 || hpa.min_replicas > hpa.max_replicas {
        return Err(CliError(format!(
            "{}: minReplicas {} and maxReplicas {} are not a valid range (0 <= min <= max, max >= 1)",
            args.input.display(),
            hpa.min_replicas,
            hpa.max_replicas
        )));
    }
    let d = hpa.decide();
    match args.output {
        Format::Json => print_json(&serde_json::to_value(&d).map_err(|e| CliError(e.to_string()))?),
        Format::Text => {
            println!("desired replicas: {} ({})", d.desired_replicas, d.reason);
            if let Some(m) = d.metric_replicas {
                println!("metric proposal: {m}");
            }
            for (i, p) in d.proposals.iter().enumerate() {
                match (&p.replicas, &p.error) {
                    (Some(r), _) => match p.utilization {
                        Some(u) => println!(
                            "metric [{i}]: {r} replicas (utilization {u}%, usage {})",
                            p.usage.unwrap_or(0)
                        ),
                        None => println!("metric [{i}]: {r} replicas (usage {})", p.usage.unwrap_or(0)),
                    },
                    (None, Some(e)) => println!("metric [{i}]: invalid: {e}"),
                    _ => {}
                }
            }
        }
    }
    Ok(Answer::Positive)
}
