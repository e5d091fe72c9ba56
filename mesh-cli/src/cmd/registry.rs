//! `meshctl registry --config ... [-o json] [--host H]`: the service registry as the mesh
//! sees it: services with their ports, protocols and endpoints (address, labels, locality,
//! health, network), and the Gateway and VirtualServices generated from Kubernetes Ingress.

use std::path::PathBuf;

use mesh_model::networking::Location;
use mesh_model::registry::{Endpoint, Registry, Service, TargetPort};
use serde_json::{Value, json};

use crate::Answer;
use crate::config::{CliError, MeshFlags, load_config};
use crate::output::{Format, print_json};

/// Arguments of `meshctl registry`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Mesh config: files, folders (read recursively) or `-` for stdin; repeatable. None: the
    /// built-in Bookinfo mesh.
    #[arg(long = "config", value_name = "PATH")]
    config: Vec<PathBuf>,
    /// Only the services of this host: an FQDN, a wildcard (`*.example.com`, `*`) or a short
    /// name (resolved in `--namespace`).
    #[arg(long, value_name = "H")]
    host: Option<String>,
    /// The client namespace a short `--host` name is resolved in.
    #[arg(long, value_name = "NS", default_value = "default")]
    namespace: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    mesh: MeshFlags,
}

fn location_name(l: Location) -> &'static str {
    match l {
        Location::MeshExternal => "MESH_EXTERNAL",
        Location::MeshInternal => "MESH_INTERNAL",
    }
}

fn target_port_json(t: Option<&TargetPort>) -> Value {
    match t {
        Some(TargetPort::Number(n)) => json!(n),
        Some(TargetPort::Name(s)) => json!(s),
        None => Value::Null,
    }
}

fn endpoint_json(svc: &Service, e: &Endpoint) -> Value {
    json!({
        "address": e.address,
        "port": e.port,
        "servicePort": svc.port_by_name(&e.service_port_name).map(|p| p.number),
        "servicePortName": e.service_port_name,
        "weight": e.weight,
        "locality": (!e.locality.is_empty()).then(|| e.locality.to_string()),
        "health": e.health.as_str(),
        "network": e.network,
        "labels": *e.labels,
        "serviceAccount": e.service_account,
        "tlsMode": e.tls_mode,
        "workload": e.workload.as_ref().map(|w| json!({
            "kind": w.kind.as_str(), "namespace": w.namespace, "name": w.name,
        })),
        "node": e.node_name,
    })
}

fn service_json(reg: &Registry, s: &Service) -> Value {
    json!({
        "host": s.hostname,
        "namespace": s.namespace,
        "name": s.name,
        "origin": s.origin.as_str(),
        "addresses": s.addresses,
        "ports": s.ports.iter().map(|p| json!({
            "name": p.name,
            "port": p.number,
            "protocol": p.protocol.as_str(),
            "targetPort": target_port_json(p.target_port.as_ref()),
            "appProtocol": p.app_protocol,
        })).collect::<Vec<_>>(),
        "resolution": s.resolution.as_str(),
        "location": location_name(s.location),
        "exportTo": s.export_to.entries(),
        "selector": s.selector,
        "serviceAccounts": s.service_accounts,
        "type": s.service_type,
        "externalName": s.external_name,
        "externalAddresses": s.external_addresses,
        "endpoints": reg.endpoints(s).iter().map(|e| endpoint_json(s, e)).collect::<Vec<_>>(),
    })
}

/// The services `--host` names (all of them without it), in key order for a full listing.
fn selected<'a>(reg: &'a Registry, host: Option<&str>, namespace: &str) -> Vec<&'a Service> {
    let Some(h) = host else { return reg.services().collect() };
    if h == "*" || h.starts_with("*.") {
        return reg.matching(h, None);
    }
    if !h.contains('.') {
        return reg.resolve(h, namespace).into_iter().collect();
    }
    let exact: Vec<&Service> = reg.by_host(h).collect();
    if exact.is_empty() { reg.resolve(h, namespace).into_iter().collect() } else { exact }
}

fn print_text(reg: &Registry, services: &[&Service], with_ingress: bool) {
    for s in services {
        let addrs = if s.addresses.is_empty() { "-".to_string() } else { s.addresses.join(",") };
        println!(
            "{}  ({} {}/{})  {addrs}  {}  {}  exportTo={}",
            s.hostname,
            s.origin.as_str(),
            s.namespace,
            s.name,
            s.resolution.as_str(),
            location_name(s.location),
            s.export_to.entries().join(",")
        );
        for p in &s.ports {
            let target = p.target_port.as_ref().map_or_else(String::new, |t| format!(" -> {t}"));
            let name = if p.name.is_empty() { String::new() } else { format!("/{}", p.name) };
            println!("  port {}{name} {}{target}", p.number, p.protocol);
        }
        for e in reg.endpoints(s) {
            let locality = if e.locality.is_empty() { "-".to_string() } else { e.locality.to_string() };
            let workload = e.workload.as_ref().map_or_else(
                || "-".to_string(),
                |w| format!("{} {}/{}", w.kind.as_str(), w.namespace, w.name),
            );
            let own_labels = e
                .workload
                .as_ref()
                .and_then(|w| reg.workload(w))
                .map(|w| w.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","))
                .unwrap_or_default();
            println!(
                "  {}:{} ({})  {}  {locality}  network={}  sa={}  {workload}  {own_labels}",
                e.address,
                e.port,
                e.service_port_name,
                e.health.as_str(),
                e.network.as_deref().unwrap_or("-"),
                e.service_account.as_deref().unwrap_or("-"),
            );
        }
    }
    if with_ingress {
        for g in reg.ingress_gateways() {
            println!("ingress gateway {}/{}", g.metadata.namespace(), g.metadata.name());
        }
        for vs in reg.ingress_virtual_services() {
            println!(
                "ingress virtual service {}/{} for {} ({} routes)",
                vs.metadata.namespace(),
                vs.metadata.name(),
                vs.spec.hosts.join(","),
                vs.spec.http.len()
            );
        }
    }
    println!("{} service{}", services.len(), if services.len() == 1 { "" } else { "s" });
}

/// Runs `meshctl registry`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    let cfg = load_config(&args.config, &args.mesh, true)?;
    let reg = Registry::from_snapshot(&cfg.snapshot);
    let services = selected(&reg, args.host.as_deref(), &args.namespace);
    let with_ingress = args.host.is_none();
    match args.output {
        Format::Json => {
            let ingress = if with_ingress {
                json!({
                    "gateways": reg.ingress_gateways().map(|g| serde_json::to_value(g).unwrap_or(Value::Null)).collect::<Vec<_>>(),
                    "virtualServices": reg.ingress_virtual_services().map(|v| serde_json::to_value(v).unwrap_or(Value::Null)).collect::<Vec<_>>(),
                })
            } else {
                Value::Null
            };
            print_json(&json!({
                "services": services.iter().map(|s| service_json(&reg, s)).collect::<Vec<_>>(),
                "ingress": ingress,
            }));
        }
        Format::Text => print_text(&reg, &services, with_ingress),
    }
    Ok(if args.host.is_some() && services.is_empty() { Answer::Negative } else { Answer::Positive })
}
