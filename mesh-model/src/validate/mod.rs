//! Validation as strict as Istio's admission webhook (istio/istio `pkg/config/validation`).
//!
//! [`validate`] checks one resource and returns its [`Diagnostic`]s, each with a field path
//! (`spec.http[0].route[1].weight`), a severity (Istio's warnings stay warnings) and a
//! message. Line numbers are attached by the loader's [`SourceMap`](crate::load::SourceMap).
//!
//! One file per kind mirrors the model; `common` holds the rules several kinds share (DNS
//! names, IPs, labels, selectors, exportTo, ports, ...), one concern per file.

pub(crate) mod common;
mod path;
mod report;

mod authorization_policy;
mod destination_rule;
mod gateway;
mod network_policy;
mod peer_authentication;
mod request_authentication;
mod service_entry;
mod sidecar;
mod telemetry;
mod virtual_service;
mod workload_entry;
mod workload_group;

#[cfg(test)]
mod tests;

pub use path::Path;
pub(crate) use path::{Segment, segments};
pub use report::{Diagnostic, Report, Severity};

use crate::resource::{Kind, Resource};
use common::dns::{is_dns1123_label, is_dns1123_subdomain};
use common::labels::validate_label_map;

/// Validates one resource as Istio's webhook would (and, for Kubernetes objects, the checks
/// the mesh relies on). An empty result means the resource is admitted without warnings.
///
/// ```
/// use mesh_model::{load_str, validate};
/// let yaml = "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: gw}\nspec: {servers: []}\n";
/// let loaded = load_str(yaml, &Default::default());
/// let diags = validate(&loaded.resources[0].resource);
/// assert!(diags.iter().any(|d| d.path == "spec.servers"));
/// ```
pub fn validate(resource: &Resource) -> Vec<Diagnostic> {
    let mut report = Report::new();
    validate_metadata(resource, &mut report);
    match resource {
        Resource::VirtualService(r) => virtual_service::validate(r, &mut report),
        Resource::DestinationRule(r) => destination_rule::validate(r, &mut report),
        Resource::Gateway(r) => gateway::validate(r, &mut report),
        Resource::ServiceEntry(r) => service_entry::validate(r, &mut report),
        Resource::Sidecar(r) => sidecar::validate(r, &mut report),
        Resource::WorkloadEntry(r) => workload_entry::validate(r, &mut report),
        Resource::WorkloadGroup(r) => workload_group::validate(r, &mut report),
        Resource::AuthorizationPolicy(r) => authorization_policy::validate(r, &mut report),
        Resource::PeerAuthentication(r) => peer_authentication::validate(r, &mut report),
        Resource::RequestAuthentication(r) => request_authentication::validate(r, &mut report),
        Resource::Telemetry(r) => telemetry::validate(r, &mut report),
        Resource::NetworkPolicy(r) => network_policy::validate(r, &mut report),
        Resource::ConfigMap(cm) => validate_mesh_config_map(cm, &mut report),
        _ => {}
    }
    report.into_diagnostics()
}

/// The mesh ConfigMap (`istio`, or `istio-<revision>`): its `data.mesh` must parse as
/// MeshConfig, as istiod requires to start; fields MeshConfig does not define are warnings.
fn validate_mesh_config_map(cm: &crate::kube::ConfigMap, report: &mut Report) {
    let name = cm.metadata.name();
    if name != "istio" && !name.starts_with("istio-") {
        return;
    }
    let Some(text) = cm.data.get("mesh") else { return };
    let root = Path::Root;
    let data = root.field("data");
    let mesh = data.key("mesh");
    match crate::load::parse_mesh_config(text) {
        Ok((_, unknown)) => {
            for u in unknown {
                report.warning(
                    &mesh,
                    format!("line {} of the mesh config: unknown field {} is ignored", u.line, u.path),
                );
            }
        }
        Err(e) => {
            let at = if e.path.is_empty() { String::new() } else { format!(", {}", e.path) };
            report
                .error(&mesh, format!("the mesh config does not parse (line {}{at}): {}", e.line, e.reason));
        }
    }
}

/// `istio.io/dry-run`, which puts an ALLOW/DENY AuthorizationPolicy in dry-run mode; only
/// AuthorizationPolicy supports it.
const DRY_RUN: &str = "istio.io/dry-run";
/// Makes Istio's webhook reject the resource (used by Istio's own tests).
const ALWAYS_REJECT: &str = "internal.istio.io/webhook-always-reject";
/// Internal annotations that escalate privileges; users may not set them.
const INTERNAL_PARENT_NAMESPACE: &str = "internal.istio.io/parent-namespace";
const INTERNAL_PARENT_NAMES: &str = "internal.istio.io/parents";

/// The API server's own rules for names, labels and annotations.
fn validate_metadata(resource: &Resource, report: &mut Report) {
    let root = Path::Root;
    let meta = resource.meta();
    let metadata = root.field("metadata");
    match meta.name.as_deref() {
        None | Some("") if meta.generate_name.is_none() => {
            report.error(&metadata.field("name"), "name is required");
        }
        Some(n) if !n.is_empty() && !is_dns1123_subdomain(n) => {
            report.error(
                &metadata.field("name"),
                format!("name {n:?} must be a lower-case DNS-1123 subdomain: lower-case alphanumerics, '-' or '.', starting and ending with an alphanumeric"),
            );
        }
        _ => {}
    }
    if let Some(ns) = meta.namespace.as_deref()
        && !ns.is_empty()
        && !(is_dns1123_label(ns) && ns.bytes().all(|c| !c.is_ascii_uppercase()))
    {
        report.error(
            &metadata.field("namespace"),
            format!("namespace {ns:?} must be a lower-case DNS-1123 label"),
        );
    }
    if resource.kind().is_istio() {
        // istio/istio pkg/config/validation validateMetadata: checks every Istio kind shares.
        let annotations = metadata.field("annotations");
        if resource.kind() != Kind::AuthorizationPolicy && meta.annotations.contains_key(DRY_RUN) {
            report.error(
                &annotations.key(DRY_RUN),
                format!("annotation {DRY_RUN} is only supported on AuthorizationPolicy; remove it"),
            );
        }
        for internal in [ALWAYS_REJECT, INTERNAL_PARENT_NAMESPACE, INTERNAL_PARENT_NAMES] {
            if meta.annotations.contains_key(internal) {
                report.error(
                    &annotations.key(internal),
                    format!("annotation {internal:?} is internal to Istio and may not be set by users"),
                );
            }
        }
    }
    validate_label_map(&meta.labels, &metadata.field("labels"), report);
}
