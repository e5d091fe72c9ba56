//! `meshctl inject`: sidecar injection as Istio's webhook performs it. An AdmissionReview in,
//! the AdmissionReview response with its JSON Patch out.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

use mesh_kube::inject::workload::{WorkloadOutcome, inject_workload};
use mesh_kube::inject::{InjectError, InjectValues, InjectorConfig, ReviewAnswer, answer_review};
use serde_json::Value;

use crate::Answer;
use crate::config::CliError;
use crate::output::{Format, print_json};

/// Arguments of `meshctl inject`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The AdmissionReview (JSON) the API server sends; `-` for stdin.
    #[arg(long, value_name = "FILE", required_unless_present = "workload", conflicts_with = "workload")]
    review: Option<PathBuf>,
    /// Instead of an AdmissionReview: workload manifests (YAML or JSON, multi-document;
    /// Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods, ...), injected in place as
    /// `istioctl kube-inject` does and printed as a JSON `List`; `-` for stdin.
    #[arg(long, value_name = "FILE")]
    workload: Option<PathBuf>,
    /// A label of the pod's namespace (repeatable). When given, the webhook configuration's
    /// namespace selectors are checked too; without, the webhook is taken as called.
    #[arg(long = "namespace-label", value_name = "KEY=VALUE")]
    namespace_labels: Vec<String>,
    /// The injector's settings (JSON: policy, neverInjectSelector, alwaysInjectSelector,
    /// revision, enableNamespacesByDefault).
    #[arg(long, value_name = "FILE")]
    injector_config: Option<PathBuf>,
    /// The template values (JSON: hub, tag, revision, cni, nativeSidecar, capture, ...).
    #[arg(long, value_name = "FILE")]
    values: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

pub(crate) fn read_json(path: &PathBuf, what: &str) -> Result<Value, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?
    };
    serde_json::from_str(&text)
        .map_err(|e| CliError(format!("{}: the {what} is not valid JSON: {e}", path.display())))
}

pub(crate) fn parse_pairs(pairs: &[String], flag: &str) -> Result<BTreeMap<String, String>, CliError> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| CliError(format!("{flag} {p:?} is not KEY=VALUE")))
        })
        .collect()
}

fn typed<T: serde::de::DeserializeOwned + Default>(
    path: &Option<PathBuf>,
    what: &str,
) -> Result<T, CliError> {
    match path {
        None => Ok(T::default()),
        Some(p) => serde_json::from_value(read_json(p, what)?)
            .map_err(|e| CliError(format!("{}: the {what} does not parse: {e}", p.display()))),
    }
}

fn read_text(path: &PathBuf) -> Result<String, CliError> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))
    }
}

/// `--workload`: every document injected as kube-inject does; skipped workloads are named on
/// stderr. Exit 0 when a workload was injected, 1 when none was.
fn run_workloads(path: &PathBuf, values: &InjectValues, output: Format) -> Result<Answer, CliError> {
    let text = read_text(path)?;
    let mut unknown = Vec::new();
    let docs = mesh_model::load::parse_documents::<Value>(&text, "manifest", &mut unknown)
        .map_err(|e| CliError(format!("{}: {e}", path.display())))?;
    let mut items = Vec::new();
    let mut injected = 0;
    for doc in &docs {
        let outcome =
            inject_workload(doc, values).map_err(|e| CliError(format!("{}: {e}", path.display())))?;
        match &outcome {
            WorkloadOutcome::Injected(_) => injected += 1,
            WorkloadOutcome::Skipped { reason, .. } => eprintln!("===> Skipping injection because {reason}"),
            WorkloadOutcome::NotAWorkload(_) => {}
        }
        let doc = outcome.document();
        match output {
            Format::Json => items.push(doc.clone()),
            Format::Text => println!(
                "{} {}/{}: {}",
                doc["kind"].as_str().unwrap_or("?"),
                doc["metadata"]["namespace"].as_str().unwrap_or("default"),
                doc["metadata"]["name"].as_str().unwrap_or(""),
                match outcome {
                    WorkloadOutcome::Injected(_) => "injected",
                    WorkloadOutcome::Skipped { .. } => "skipped",
                    WorkloadOutcome::NotAWorkload(_) => "not a workload, unchanged",
                }
            ),
        }
    }
    if output == Format::Json {
        print_json(&serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}));
    }
    Ok(if injected > 0 { Answer::Positive } else { Answer::Negative })
}

/// Runs `meshctl inject`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let values: InjectValues = typed(&args.values, "values file")?;
    let review_path = match (&args.review, &args.workload) {
        (_, Some(w)) => return run_workloads(w, &values, args.output),
        (Some(r), None) => r,
        (None, None) => return Err(CliError("give --review FILE or --workload FILE".into())),
    };
    let review = read_json(review_path, "AdmissionReview")?;
    let cfg: InjectorConfig = typed(&args.injector_config, "injector config")?;
    let no_pod =
        || CliError(format!("{}: the AdmissionReview has no pod at request.object", review_path.display()));
    let ns_labels = if args.namespace_labels.is_empty() {
        None
    } else {
        // A review without a pod is reported before a malformed label.
        match parse_pairs(&args.namespace_labels, "--namespace-label") {
            Ok(labels) => Some(labels),
            Err(_) if !review["request"]["object"].is_object() => return Err(no_pod()),
            Err(e) => return Err(e),
        }
    };
    let answer = answer_review(&review, &cfg, ns_labels.as_ref(), &values).map_err(|e| match e {
        InjectError::NoPod(_) => no_pod(),
        e => CliError(format!("{}: {e}", review_path.display())),
    })?;
    let ReviewAnswer { namespace, decision, patch, response, failure } = answer;
    if let Some(message) = failure {
        match args.output {
            Format::Json => print_json(&response),
            Format::Text => println!("{namespace}: not allowed: {message}"),
        }
        return Ok(Answer::Negative);
    }
    match args.output {
        Format::Json => print_json(&response),
        Format::Text => {
            let why = serde_json::to_value(decision.reason).unwrap_or(Value::Null);
            println!(
                "{}: {} ({})",
                namespace,
                if decision.inject { "inject" } else { "no injection" },
                why.as_str().unwrap_or("")
            );
            if let Some(w) = &decision.webhook {
                println!("webhook: {w}");
            }
            if let Some(p) = &patch {
                for op in p.as_array().into_iter().flatten() {
                    println!("{} {}", op["op"].as_str().unwrap_or(""), op["path"].as_str().unwrap_or(""));
                }
            }
        }
    }
    Ok(if decision.inject { Answer::Positive } else { Answer::Negative })
}
