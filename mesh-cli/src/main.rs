//! `meshctl`: validate, explain and simulate service-mesh decisions from YAML on disk.
//!
//! The JSON output (`-o json`) is a stable contract, defined in the project's CONTRACT.md.
//! Exit codes: 0 positive answer, 1 negative answer, 2 the command could not run.
#![forbid(unsafe_code)]

mod builtin;
mod cmd;
mod config;
mod output;
mod request;
mod trace;
mod workload;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Validate, explain and simulate service-mesh decisions from YAML on disk.
#[derive(Debug, Parser)]
#[command(name = "meshctl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check resources as Istio's admission webhook would.
    Validate(cmd::validate::Args),
    /// Parse and verify SPIFFE IDs and X.509-SVIDs.
    Spiffe(cmd::spiffe::Args),
    /// A workload CA: create a root, issue X.509-SVIDs.
    Ca(cmd::ca::Args),
    /// Envoy-compatible load balancing: tables, picks, priority loads.
    Lb(cmd::lb::Args),
    /// The authorization decision for one request.
    Authz(cmd::authz::Args),
    /// The effective mTLS mode for one request's destination.
    Mtls(cmd::mtls::Args),
    /// The service registry: services, ports, protocols and endpoints.
    Registry(cmd::registry::Args),
    /// The route decision for one request.
    Route(cmd::route::Args),
    /// Route, authorization and mTLS for one request, with a readable trace of why.
    Explain(cmd::explain::Args),
    /// Sidecar injection: an AdmissionReview in, its response with the JSON Patch out.
    Inject(cmd::inject::Args),
    /// The traffic-capture rules (iptables or nftables) for a pod.
    Capture(cmd::capture::Args),
    /// Istio's standard metrics for a request.
    Metrics(cmd::metrics::Args),
    /// The Horizontal Pod Autoscaler's decision for a mesh metric.
    Hpa(cmd::hpa::Args),
}

/// The outcome of a command that ran: a positive or a negative answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Valid, allowed, verified, found: exit 0.
    Positive,
    /// Invalid, denied, rejected: exit 1.
    Negative,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Validate(args) => cmd::validate::run(&args),
        Command::Spiffe(args) => cmd::spiffe::run(&args),
        Command::Ca(args) => cmd::ca::run(&args),
        Command::Lb(args) => cmd::lb::run(&args),
        Command::Authz(args) => cmd::authz::run(&args),
        Command::Mtls(args) => cmd::mtls::run(&args),
        Command::Registry(args) => cmd::registry::run(&args),
        Command::Route(args) => cmd::route::run(&args),
        Command::Explain(args) => cmd::explain::run(&args),
        Command::Inject(args) => cmd::inject::run(&args),
        Command::Capture(args) => cmd::capture::run(&args),
        Command::Metrics(args) => cmd::metrics::run(&args),
        Command::Hpa(args) => cmd::hpa::run(&args),
    };
    match result {
        Ok(Answer::Positive) => ExitCode::SUCCESS,
        Ok(Answer::Negative) => ExitCode::from(1),
        Err(e) => {
            eprintln!("meshctl: {e}");
            ExitCode::from(2)
        }
    }
}
