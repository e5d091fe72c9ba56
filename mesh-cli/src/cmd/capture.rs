//! `meshctl capture`: the iptables (or nftables) rules istio-iptables installs for a pod.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::ValueEnum;
use mesh_kube::capture::annotations::{CaptureDefaults, pod_capture};
use mesh_kube::capture::{iptables, nftables};
use serde_json::{Value, json};

use crate::Answer;
use crate::cmd::inject::{parse_pairs, read_json};
use crate::config::CliError;
use crate::output::{Format, print_json};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RuleFormat {
    /// iptables-restore input.
    Iptables,
    /// nft transaction.
    Nftables,
}

/// Arguments of `meshctl capture`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// A Pod (JSON) whose annotations steer the capture; `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pod: Option<PathBuf>,
    /// A pod annotation (repeatable), over those of `--pod`.
    #[arg(long = "annotation", value_name = "KEY=VALUE")]
    annotations: Vec<String>,
    /// Mesh-wide defaults (JSON: includeIPRanges, excludeInboundPorts, statusPort, ...).
    #[arg(long, value_name = "FILE")]
    defaults: Option<PathBuf>,
    /// The rule format.
    #[arg(long, value_enum, default_value = "iptables")]
    format: RuleFormat,
    /// The pod has an IPv6 address: generate ip6tables rules too.
    #[arg(long)]
    ipv6: bool,
    /// DNS capture (ISTIO_META_DNS_CAPTURE).
    #[arg(long)]
    dns_capture: bool,
    /// Capture all port-53 traffic, not only to the resolvers.
    #[arg(long)]
    capture_all_dns: bool,
    /// A resolver of the pod's /etc/resolv.conf (repeatable).
    #[arg(long = "dns-server", value_name = "IP")]
    dns_servers: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "text")]
    output: Format,
}

/// Runs `meshctl capture`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let mut annotations: BTreeMap<String, String> = BTreeMap::new();
    if let Some(p) = &args.pod {
        let pod = read_json(p, "pod")?;
        let obj = if pod["kind"] == "AdmissionReview" { &pod["request"]["object"] } else { &pod };
        if let Some(m) = obj["metadata"]["annotations"].as_object() {
            for (k, v) in m {
                if let Some(s) = v.as_str() {
                    annotations.insert(k.clone(), s.to_string());
                }
            }
        }
    }
    annotations.extend(parse_pairs(&args.annotations, "--annotation")?);
    let mut defaults: CaptureDefaults = match &args.defaults {
        None => CaptureDefaults::default(),
        Some(p) => serde_json::from_value(read_json(p, "defaults")?)
            .map_err(|e| CliError(format!("{}: the defaults do not parse: {e}", p.display())))?,
    };
    defaults.enable_ipv6 |= args.ipv6;
    defaults.dns_capture |= args.dns_capture;
    defaults.capture_all_dns |= args.capture_all_dns;
    for s in &args.dns_servers {
        let ip: std::net::IpAddr =
            s.parse().map_err(|_| CliError(format!("--dns-server {s:?} is not an IP address")))?;
        if ip.is_ipv4() {
            defaults.dns_servers_v4.push(s.clone())
        } else {
            defaults.dns_servers_v6.push(s.clone())
        }
    }
    let capture = match pod_capture(&annotations, &defaults) {
        Ok(c) => c,
        Err(e) => {
            if args.output == Format::Json {
                print_json(&json!({"error": e.to_string()}));
            } else {
                eprintln!("meshctl: {e}");
            }
            return Ok(Answer::Negative);
        }
    };
    let (ipt, nft) = match &capture.config {
        None => (Value::Null, Value::Null),
        Some(cfg) => match args.format {
            RuleFormat::Iptables => {
                let r = iptables::render(cfg).map_err(|e| CliError(e.to_string()))?;
                (json!({"ipv4": r.ipv4, "ipv6": r.ipv6}), Value::Null)
            }
            RuleFormat::Nftables => {
                (Value::Null, json!(nftables::render(cfg).map_err(|e| CliError(e.to_string()))?))
            }
        },
    };
    match args.output {
        Format::Json => print_json(&json!({
            "mode": capture.mode,
            "args": capture.args,
            "config": capture.config,
            "iptables": ipt,
            "nftables": nft,
        })),
        Format::Text => {
            println!("# {}", capture.args.join(" "));
            if let Some(v4) = ipt["ipv4"].as_str() {
                print!("{v4}");
            }
            if let Some(v6) = ipt["ipv6"].as_str() {
                println!("# ip6tables-restore");
                print!("{v6}");
            }
            if let Some(n) = nft.as_str() {
                print!("{n}");
            }
            if capture.config.is_none() {
                println!("# interception mode NONE: no rules");
            }
        }
    }
    Ok(Answer::Positive)
}
