//! Validation of [`Sidecar`](crate::networking::Sidecar), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` (`ValidateSidecar`,
//! `ValidateAlphaWorkloadSelector`, `validateSidecarIngressPortAndBind`,
//! `validateSidecarEgressPortBindAndCaptureMode`, `validateSidecarOutboundTrafficPolicy`,
//! `validateConnectionPool`) and the structural rules of the Sidecar CRD.

use std::collections::{HashMap, HashSet};

use crate::networking::{
    CaptureMode, IstioEgressListener, IstioIngressListener, OutboundTrafficPolicy, OutboundTrafficPolicyMode,
    ServerTlsMode, Sidecar, SidecarPort, SidecarWorkloadSelector,
};
use crate::registry::Protocol;

use super::common::connection_pool::{PoolWording, validate_connection_pool};
use super::common::destination::validate_destination;
use super::common::dns::{is_dns1123_label, validate_fqdn};
use super::common::host::validate_namespace_slash_wildcard_hostname;
use super::common::ip::validate_ip_address;
use super::common::non_empty;
use super::common::ports::validate_port;
use super::common::selector::{LabelValueLimit, check_selector_labels};
use super::common::server_tls::validate_tls_options;
use super::common::unix::{UNIX_ADDRESS_PREFIX, validate_unix_address};
use super::{Path, Report};

/// Checks a Sidecar; diagnostics go to `report`.
pub(crate) fn validate(r: &Sidecar, report: &mut Report) {
    let root = Path::Root;
    let spec_at = root.field("spec");
    let spec = &r.spec;

    if let Some(selector) = &spec.workload_selector {
        validate_workload_selector(selector, &spec_at.field("workloadSelector"), report);
    }

    if spec.egress.is_empty()
        && spec.ingress.is_empty()
        && spec.outbound_traffic_policy.is_none()
        && spec.inbound_connection_pool.is_none()
    {
        report.error(
            &spec_at,
            "sidecar: empty configuration provided: set at least one of ingress, egress, outboundTrafficPolicy or inboundConnectionPool",
        );
        return;
    }

    let ingress_at = spec_at.field("ingress");
    let mut ports = HashSet::new();
    for (i, listener) in spec.ingress.iter().enumerate() {
        validate_ingress(listener, &ingress_at.index(i), &mut ports, report);
    }

    if let Some(pool) = &spec.inbound_connection_pool {
        let pool_at = spec_at.field("inboundConnectionPool");
        validate_connection_pool(pool, PoolWording::Sidecar, &pool_at, report);
    }

    validate_egress(&spec.egress, r.metadata.namespace(), &spec_at.field("egress"), report);

    if let Some(policy) = &spec.outbound_traffic_policy {
        validate_outbound_traffic_policy(policy, &spec_at.field("outboundTrafficPolicy"), report);
    }
}

/// `ValidateAlphaWorkloadSelector`, plus the CRD's limits on the label map.
fn validate_workload_selector(selector: &SidecarWorkloadSelector, at: &Path<'_>, report: &mut Report) {
    let labels = at.field("labels");
    if selector.labels.is_empty() {
        report.warning(
            at,
            "sidecar: workload selector specified without labels, will be applied to all services in namespace",
        );
        return;
    }
    if selector.labels.len() > 256 {
        report.error(
            &labels,
            format!("workload selector may hold at most 256 labels, not {}", selector.labels.len()),
        );
    }
    check_selector_labels(&selector.labels, &labels, LabelValueLimit::Sidecar, report);
}

/// One ingress listener; `ports` collects the port numbers seen so far.
fn validate_ingress(l: &IstioIngressListener, at: &Path<'_>, ports: &mut HashSet<u32>, report: &mut Report) {
    let port_at = at.field("port");
    let Some(port) = &l.port else {
        report.error(&port_at, "sidecar: port is required for ingress listeners");
        return;
    };
    let number = port.number.unwrap_or(0);
    let protocol = port.protocol.as_deref().unwrap_or("");
    let bind = l.bind.as_deref().unwrap_or("");

    if let Some(tp) = port.target_port
        && tp > 0
    {
        report.error(&port_at.field("targetPort"), format!("targetPort {tp} has no impact on Sidecars"));
    }

    // validateSidecarIngressPortAndBind
    validate_port_name_and_protocol(port, &port_at, report);
    if let Err(e) = validate_port(number) {
        report.error(&port_at.field("number"), e);
    }
    if !bind.is_empty()
        && let Err(e) = validate_ip_address(bind)
    {
        report.error(&at.field("bind"), e);
    }

    if !ports.insert(number) {
        report.error(
            &port_at.field("number"),
            format!("sidecar: ports on IP bound listeners must be unique: duplicate port {number}"),
        );
    }

    if let Some(ep) = l.default_endpoint.as_deref()
        && !ep.is_empty()
    {
        validate_default_endpoint(ep, &at.field("defaultEndpoint"), report);
    }

    if let Some(tls) = &l.tls {
        let tls_at = at.field("tls");
        if !tls.subject_alt_names.is_empty() {
            report.error(
                &tls_at.field("subjectAltNames"),
                "sidecar: subjectAltNames is not supported in ingress tls",
            );
        }
        if tls.https_redirect == Some(true) {
            report.error(&tls_at.field("httpsRedirect"), "sidecar: httpsRedirect is not supported");
        }
        if non_empty(&tls.credential_name) {
            report
                .error(&tls_at.field("credentialName"), "sidecar: credentialName is not currently supported");
        }
        if !tls.credential_names.is_empty() {
            report.error(
                &tls_at.field("credentialNames"),
                "sidecar: credentialNames is not currently supported",
            );
        }
        if !tls.tls_certificates.is_empty() {
            report.error(
                &tls_at.field("tlsCertificates"),
                "sidecar: tls_certificates is not currently supported",
            );
        }
        let mode = tls.mode.unwrap_or_default();
        if matches!(mode, ServerTlsMode::IstioMutual | ServerTlsMode::AutoPassthrough) {
            report.error(
                &tls_at.field("mode"),
                format!(
                    "configuration is invalid: cannot set mode to {} in sidecar ingress tls",
                    mode.as_str()
                ),
            );
        }
        if !Protocol::parse(protocol).is_tls() {
            report.error(
                &port_at.field("protocol"),
                format!("server cannot have TLS settings for non HTTPS/TLS ports (protocol {protocol:?})"),
            );
        }
        validate_tls_options(tls, &tls_at, report);
    }

    if let Some(pool) = &l.connection_pool {
        let pool_at = at.field("connectionPool");
        validate_connection_pool(pool, PoolWording::Sidecar, &pool_at, report);
        if pool.http.is_some() && !Protocol::parse(protocol).is_http() {
            report.warning(
                &pool_at.field("http"),
                format!(
                    "sidecar: HTTP connection pool settings are configured for port {number} ({:?}) but its protocol is not HTTP ({protocol}); only TCP settings will apply",
                    port.name.as_deref().unwrap_or("")
                ),
            );
        }
    }
}

/// Port name (a DNS-1123 label when set) and protocol (known or empty) of a sidecar port.
fn validate_port_name_and_protocol(port: &SidecarPort, port_at: &Path<'_>, report: &mut Report) {
    if let Some(name) = port.name.as_deref()
        && !name.is_empty()
        && !is_dns1123_label(name)
    {
        report.error(&port_at.field("name"), format!("invalid port name: {name:?}"));
    }
    if let Some(p) = port.protocol.as_deref()
        && !p.is_empty()
        && Protocol::parse(p) == Protocol::Unsupported
    {
        report.error(&port_at.field("protocol"), format!("unsupported protocol: {p}"));
    }
}

/// An ingress listener's `defaultEndpoint`: `unix://path`, or `HOST:PORT` with a loopback or
/// unspecified host (or none).
fn validate_default_endpoint(ep: &str, at: &Path<'_>, report: &mut Report) {
    if let Some(path) = ep.strip_prefix(UNIX_ADDRESS_PREFIX) {
        if let Err(e) = validate_unix_address(path) {
            report.error(at, e);
        }
        return;
    }
    let (host, port) = match split_host_port(ep) {
        Ok(hp) => hp,
        Err(e) => {
            report.error(at, format!("address {ep}: {e}"));
            ("", "")
        }
    };
    if !host.is_empty() && !matches!(host, "127.0.0.1" | "0.0.0.0" | "::1" | "::") {
        report.error(
            at,
            format!(
                "sidecar: defaultEndpoint {ep:?} must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset"
            ),
        );
    }
    match go_atoi(port) {
        Some(n) => {
            if !(1..=65535).contains(&n) {
                report.error(at, format!("port number {n} must be in the range 1..65535"));
            }
        }
        None => report.error(at, format!("sidecar: defaultEndpoint port ({port}) is not a number")),
    }
}

/// Go's `net.SplitHostPort`.
fn split_host_port(hostport: &str) -> Result<(&str, &str), &'static str> {
    let Some(i) = hostport.rfind(':') else {
        return Err("missing port in address");
    };
    let (host, j, k);
    if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else {
            return Err("missing ']' in address");
        };
        if end + 1 == hostport.len() {
            return Err("missing port in address");
        } else if end + 1 != i {
            if hostport.as_bytes()[end + 1] == b':' {
                return Err("too many colons in address");
            }
            return Err("missing port in address");
        }
        host = &hostport[1..end];
        j = 1;
        k = end + 1;
    } else {
        host = &hostport[..i];
        if host.contains(':') {
            return Err("too many colons in address");
        }
        j = 0;
        k = 0;
    }
    if hostport[j..].contains('[') {
        return Err("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return Err("unexpected ']' in address");
    }
    Ok((host, &hostport[i + 1..]))
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, within 64 bits.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// The egress listeners: ports, binds, the catch-all listener and the hosts.
fn validate_egress(egress: &[IstioEgressListener], namespace: &str, at: &Path<'_>, report: &mut Report) {
    let mut ports = HashSet::new();
    let mut uds = HashSet::new();
    let mut catch_all_found = false;
    for (index, l) in egress.iter().enumerate() {
        let l_at = at.index(index);
        let port_at = l_at.field("port");
        match &l.port {
            None => {
                // At most one catch-all listener (without port), and it must be the last one.
                if catch_all_found {
                    report.error(&l_at, "sidecar: egress can have only one listener with empty port");
                    continue;
                }
                if index == egress.len() - 1 {
                    catch_all_found = true;
                } else {
                    report.error(&l_at, "sidecar: the egress listener with empty port should be the last listener in the list");
                }
            }
            Some(port) => {
                if let Some(tp) = port.target_port
                    && tp > 0
                {
                    report.error(
                        &port_at.field("targetPort"),
                        format!("targetPort {tp} has no impact on Sidecars"),
                    );
                }
                let bind = l.bind.as_deref().unwrap_or("");
                let number = port.number.unwrap_or(0);
                validate_egress_port_bind_and_capture_mode(l, port, &l_at, report);
                if number == 0 {
                    if !uds.insert(bind) {
                        report.error(
                            &l_at.field("bind"),
                            format!("sidecar: unix domain socket values for listeners must be unique: duplicate {bind:?}"),
                        );
                    }
                } else if !ports.insert(number) {
                    report.error(
                        &port_at.field("number"),
                        format!(
                            "sidecar: ports on IP bound listeners must be unique: duplicate port {number}"
                        ),
                    );
                }
            }
        }
        validate_egress_hosts(&l.hosts, namespace, &l_at.field("hosts"), report);
    }
}

/// `validateSidecarEgressPortBindAndCaptureMode`.
fn validate_egress_port_bind_and_capture_mode(
    l: &IstioEgressListener,
    port: &SidecarPort,
    at: &Path<'_>,
    report: &mut Report,
) {
    let port_at = at.field("port");
    let bind_at = at.field("bind");
    let bind = l.bind.as_deref().unwrap_or("");
    let number = port.number.unwrap_or(0);
    validate_port_name_and_protocol(port, &port_at, report);
    if number == 0 {
        // A listener without a port number binds to a Unix domain socket.
        match bind.strip_prefix(UNIX_ADDRESS_PREFIX) {
            None => report.error(
                &bind_at,
                format!(
                    "sidecar: ports with 0 value must have a unix domain socket bind address, not {bind:?}"
                ),
            ),
            Some(path) => {
                if let Err(e) = validate_unix_address(path) {
                    report.error(&bind_at, e);
                }
            }
        }
        let mode = l.capture_mode.unwrap_or_default();
        if !matches!(mode, CaptureMode::Default | CaptureMode::None) {
            report.error(
                &at.field("captureMode"),
                "sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners",
            );
        }
    } else {
        if let Err(e) = validate_port(number) {
            report.error(&port_at.field("number"), e);
        }
        if !bind.is_empty()
            && let Err(e) = validate_ip_address(bind)
        {
            report.error(&bind_at, e);
        }
    }
}

/// An egress listener's hosts: `namespace/dnsName` syntax, and warnings for duplicates.
fn validate_egress_hosts(hosts: &[String], namespace: &str, at: &Path<'_>, report: &mut Report) {
    if hosts.is_empty() {
        report.error(at, "sidecar: egress listener must contain at least one host");
        return;
    }
    let mut by_ns: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (j, hostname) in hosts.iter().enumerate() {
        let h_at = at.index(j);
        if let Some((ns, svc)) = hostname.split_once('/')
            && !ns.starts_with('~')
        {
            let ns = if ns == "." { namespace } else { ns };
            let svcs = by_ns.entry(ns).or_default();
            let duplicate =
                if svc != "*" { svcs.contains(svc) || svcs.contains("*") } else { !svcs.is_empty() };
            if duplicate {
                report.warning(&h_at, format!("duplicated egress host: {hostname}"));
            }
            svcs.insert(svc);
        }
        if let Err(e) = validate_namespace_slash_wildcard_hostname(hostname, false, false) {
            report.error(&h_at, e);
        }
    }
    if by_ns.get("*").is_some_and(|s| s.contains("*")) && by_ns.len() != 1 {
        report.warning(at, "`*/*` host select all resources, no other hosts can be added");
    }
}

/// `validateSidecarOutboundTrafficPolicy`.
fn validate_outbound_traffic_policy(p: &OutboundTrafficPolicy, at: &Path<'_>, report: &mut Report) {
    let Some(proxy) = &p.egress_proxy else { return };
    let proxy_at = at.field("egressProxy");
    if p.mode.unwrap_or_default() != OutboundTrafficPolicyMode::AllowAny {
        report.error(
            &proxy_at,
            "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode",
        );
        return;
    }
    if let Err(e) = validate_fqdn(&proxy.host) {
        report.error(&proxy_at.field("host"), e);
    }
    if proxy.port.is_none() {
        report.error(&proxy_at.field("port"), "sidecar: egress_proxy port must be non-nil");
        return;
    }
    validate_destination(proxy, &proxy_at, report);
}
