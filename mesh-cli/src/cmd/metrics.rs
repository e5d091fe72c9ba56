//! `meshctl metrics record|telemetry`: Istio's standard metrics for requests (with a
//! Prometheus rendering), and the effective Telemetry API configuration of a workload.

use std::path::PathBuf;

use mesh_kube::metrics::{Registry, RequestRecord, samples};
use mesh_kube::telemetry::{ServiceRef, TelemetryIndex, Workload};
use serde_json::{Map, Value, json};

use crate::Answer;
use crate::cmd::inject::{parse_pairs, read_json};
use crate::config::{CliError, MeshFlags, load_config};
use crate::output::{Format, print_json};

/// Arguments of `meshctl metrics`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// The standard metrics samples of requests, and their Prometheus text rendering.
    Record(RecordArgs),
    /// The Telemetry resources that apply to a workload and the merged configuration.
    Telemetry(TelemetryArgs),
}

#[derive(Debug, clap::Args)]
struct RecordArgs {
    /// A request record, or an array of them (JSON); `-` for stdin.
    #[arg(long, value_name = "FILE")]
    records: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct TelemetryArgs {
    /// Mesh config (Telemetry resources, the istio ConfigMap); repeatable.
    #[arg(long, value_name = "PATH")]
    config: Vec<PathBuf>,
    #[command(flatten)]
    mesh: MeshFlags,
    /// The workload's namespace.
    #[arg(long, value_name = "NS")]
    namespace: String,
    /// A label of the workload (repeatable).
    #[arg(long = "label", value_name = "KEY=VALUE")]
    labels: Vec<String>,
    /// The workload is a waypoint proxy.
    #[arg(long)]
    waypoint: bool,
    /// For a waypoint: the service the traffic is for, `namespace/name`.
    #[arg(long, value_name = "NS/NAME")]
    service: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

/// Runs `meshctl metrics`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    match &args.command {
        Command::Record(a) => record(a),
        Command::Telemetry(a) => telemetry(a),
    }
}

fn record(args: &RecordArgs) -> Result<Answer, CliError> {
    let v = read_json(&args.records, "records file")?;
    let list = if let Value::Array(a) = v { a } else { vec![v] };
    let mut registry = Registry::default();
    let mut out = Vec::new();
    for (i, item) in list.into_iter().enumerate() {
        let r: RequestRecord = serde_json::from_value(item)
            .map_err(|e| CliError(format!("{}: record [{i}] does not parse: {e}", args.records.display())))?;
        for s in samples(&r) {
            registry.add(&s);
            let mut labels = Map::new();
            for (k, v) in &s.labels {
                labels.insert((*k).to_string(), json!(v));
            }
            out.push(json!({"name": s.name, "kind": s.kind, "labels": labels, "value": s.value}));
        }
    }
    let text = registry.render();
    match args.output {
        Format::Json => print_json(&json!({"samples": out, "prometheus": text})),
        Format::Text => print!("{text}"),
    }
    Ok(Answer::Positive)
}

fn telemetry(args: &TelemetryArgs) -> Result<Answer, CliError> {
    let set = load_config(&args.config, &args.mesh, true)?;
    let index = TelemetryIndex::new(&set.snapshot);
    let service = match &args.service {
        None => None,
        Some(s) => {
            let (ns, name) = s
                .split_once('/')
                .ok_or_else(|| CliError(format!("--service {s:?} is not namespace/name")))?;
            Some(ServiceRef { name: name.into(), namespace: ns.into(), kind: "Service".into() })
        }
    };
    let w = Workload {
        namespace: args.namespace.clone(),
        labels: parse_pairs(&args.labels, "--label")?,
        waypoint: args.waypoint,
        service,
    };
    let eff = index.resolve(&w);
    let v = serde_json::to_value(&eff).map_err(|e| CliError(e.to_string()))?;
    match args.output {
        Format::Json => print_json(&v),
        Format::Text => {
            println!(
                "telemetries: {}",
                if eff.telemetries.is_empty() { "(none)".into() } else { eff.telemetries.join(", ") }
            );
            for (p, m) in &eff.metrics {
                println!(
                    "metrics {p}: client {} ({} overrides), server {} ({} overrides)",
                    if m.client.disabled { "disabled" } else { "enabled" },
                    m.client.overrides.len(),
                    if m.server.disabled { "disabled" } else { "enabled" },
                    m.server.overrides.len()
                );
            }
            match &eff.tracing {
                None => println!("tracing: not configured by the Telemetry API"),
                Some(t) => println!(
                    "tracing: client {} {}, server {} {}",
                    t.client.provider.as_deref().unwrap_or("-"),
                    if t.client.disabled { "disabled" } else { "enabled" },
                    t.server.provider.as_deref().unwrap_or("-"),
                    if t.server.disabled { "disabled" } else { "enabled" }
                ),
            }
            match &eff.access_logging {
                None => println!("access logging: not configured by the Telemetry API"),
                Some(l) => println!(
                    "access logging: client {} providers, server {} providers",
                    l.client.len(),
                    l.server.len()
                ),
            }
        }
    }
    Ok(Answer::Positive)
}
