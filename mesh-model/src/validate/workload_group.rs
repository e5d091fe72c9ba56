//! Validation of [`WorkloadGroup`](crate::networking::WorkloadGroup), as Istio's admission webhook performs it.
//!
//! The template is not checked as a WorkloadEntry (its address is filled in at registration),
//! only by the CRD's own rules on Unix socket addresses.

use crate::networking::{HealthCheckMethod, ReadinessProbe, WorkloadEntrySpec, WorkloadGroup};

use super::common::labels::validate_istio_label;
use super::common::ports::validate_port;
use super::common::unix::UNIX_ADDRESS_PREFIX;
use super::common::values::check_non_negative;
use super::{Path, Report};

/// Checks a WorkloadGroup; diagnostics go to `report`.
pub(crate) fn validate(r: &WorkloadGroup, report: &mut Report) {
    let wg = &r.spec;
    let root = Path::Root;
    let spec = root.field("spec");
    let template = spec.field("template");
    let Some(t) = &wg.template else {
        report.error(&template, "template is required");
        return;
    };
    validate_template_address(t, &template, report);

    // Upstream reports every bad label, then skips the probe.
    if let Some(meta) = &wg.metadata {
        let metadata = spec.field("metadata");
        let labels = metadata.field("labels");
        let mut bad = false;
        for (k, v) in &meta.labels {
            if let Err(e) = validate_istio_label(k, v) {
                report.error(&labels.key(k), format!("invalid labels: {e}"));
                bad = true;
            }
        }
        if bad {
            return;
        }
    }

    if let Some(probe) = &wg.probe {
        validate_probe(probe, &spec.field("probe"), report);
    }
}

/// The CRD's rules on a template address: a `unix://` address is an absolute path or an
/// abstract socket, not a directory, and carries no ports.
fn validate_template_address(t: &WorkloadEntrySpec, at: &Path<'_>, report: &mut Report) {
    let Some(addr) = t.address.as_deref() else { return };
    let Some(path) = addr.strip_prefix(UNIX_ADDRESS_PREFIX) else { return };
    let address = at.field("address");
    if !(path.starts_with('/') || path.starts_with('@')) {
        report.error(&address, format!("UDS address {addr:?} must be an absolute path or abstract socket"));
    }
    if addr.ends_with('/') {
        report.error(&address, format!("UDS address {addr:?} may not be a directory"));
    }
    if !t.ports.is_empty() {
        report.error(&at.field("ports"), format!("UDS address {addr:?} may not include ports"));
    }
}

/// Istio's `validateReadinessProbe`.
fn validate_probe(probe: &ReadinessProbe, at: &Path<'_>, report: &mut Report) {
    for (name, value) in [
        ("periodSeconds", probe.period_seconds),
        ("initialDelaySeconds", probe.initial_delay_seconds),
        ("timeoutSeconds", probe.timeout_seconds),
        ("successThreshold", probe.success_threshold),
        ("failureThreshold", probe.failure_threshold),
    ] {
        check_non_negative(value, name, &at.field(name), report);
    }
    match &probe.health_check_method {
        Some(HealthCheckMethod::HttpGet(h)) => {
            let http = at.field("httpGet");
            if let Err(e) = validate_port(h.port) {
                report.error(&http.field("port"), e);
            }
            if let Some(s) = h.scheme.as_deref()
                && !matches!(s, "" | "HTTP" | "HTTPS")
            {
                report.error(
                    &http.field("scheme"),
                    format!("httpGet.scheme {s:?} must be one of \"HTTPS\", \"HTTP\""),
                );
            }
            let headers = http.field("httpHeaders");
            for (i, header) in h.http_headers.iter().enumerate() {
                if let Err(e) = validate_probe_header_name(header.name.as_deref().unwrap_or("")) {
                    report.error(&headers.index(i).field("name"), e);
                }
            }
        }
        Some(HealthCheckMethod::TcpSocket(t)) => {
            if let Err(e) = validate_port(t.port) {
                report.error(&at.field("tcpSocket").field("port"), e);
            }
        }
        Some(HealthCheckMethod::Exec(e)) => {
            if e.command.is_empty() {
                report.error(&at.field("exec").field("command"), "exec.command is required");
            }
        }
        // Upstream's webhook has no case for gRPC probes and rejects them.
        Some(HealthCheckMethod::Grpc(_)) => {
            report.error(&at.field("grpc"), "unknown health check method: grpc probes are not supported");
        }
        None => report.error(at, "a probe needs a health check method: one of httpGet, tcpSocket or exec"),
    }
}

/// Istio's `ValidateProbeHeaderName` (as Kubernetes): `[-A-Za-z0-9]+`.
fn validate_probe_header_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') {
        return Err(format!("header name {name:?} is not a valid header name"));
    }
    Ok(())
}
