//! Validation of [`Gateway`](crate::networking::Gateway), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` (`ValidateGateway`, `validateServer`,
//! `validateServerPort`, `validateServerBind`, `validateTLSOptions`) and the CEL/structural rules
//! of the Gateway CRD. The TLS, bind and `namespace/host` checks, shared with the Sidecar
//! validator, live in [`super::common`].

use std::collections::HashSet;

use crate::networking::{Gateway, Server, ServerTlsMode, ServerTlsSettings};
use crate::registry::Protocol;

use super::common::dns::is_dns1123_label;
use super::common::host::validate_namespace_slash_wildcard_hostname;
use super::common::ip::validate_ip_address;
use super::common::non_empty;
use super::common::ports::validate_port;
use super::common::server_tls::validate_tls_options;
use super::common::unix::{UNIX_ADDRESS_PREFIX, validate_unix_address};
use super::{Path, Report};

/// Annotation Istio sets on Gateways it generated from Gateway API resources.
const INTERNAL_GATEWAY_SEMANTICS: &str = "internal.istio.io/gateway-semantics";

/// Checks a Gateway; diagnostics go to `report`.
pub(crate) fn validate(r: &Gateway, report: &mut Report) {
    let root = Path::Root;
    let gateway_semantics =
        r.metadata.annotations.get(INTERNAL_GATEWAY_SEMANTICS).is_some_and(|v| v == "gateway");

    // Gateway names must be DNS-1123 labels (no dots).
    if let Some(name) = r.metadata.name.as_deref()
        && !name.is_empty()
        && !gateway_semantics
        && !is_dns1123_label(name)
    {
        let metadata = root.field("metadata");
        report.error(
            &metadata.field("name"),
            format!("invalid gateway name {name:?}: a Gateway name must be a DNS-1123 label (no dots)"),
        );
    }

    let spec = root.field("spec");
    let servers = spec.field("servers");
    if r.spec.servers.is_empty() {
        report.error(&servers, "gateway must have at least one server");
        return;
    }
    for (i, server) in r.spec.servers.iter().enumerate() {
        let at = servers.index(i);
        validate_server(server, gateway_semantics, &at, report);
    }

    // Port names must be unique across servers (an empty name counts as a name).
    let mut port_names = HashSet::new();
    for (i, server) in r.spec.servers.iter().enumerate() {
        let Some(port) = &server.port else { continue };
        let at = servers.index(i);
        let port_at = at.field("port");
        if !port_names.insert(port.name.as_str()) {
            report.error(
                &port_at.field("name"),
                format!("port names in servers must be unique: duplicate name {:?}", port.name),
            );
        }
        if !Protocol::parse(&port.protocol).is_http()
            && server.tls.as_ref().is_some_and(|t| t.https_redirect == Some(true))
        {
            let tls = at.field("tls");
            report.warning(
                &tls.field("httpsRedirect"),
                format!(
                    "tls.httpsRedirect should only be used with http servers, but port {:?} has protocol {:?}",
                    port.name, port.protocol
                ),
            );
        }
    }
}

/// One server (`validateServer`).
fn validate_server(server: &Server, gateway_semantics: bool, at: &Path<'_>, report: &mut Report) {
    let hosts = at.field("hosts");
    if server.hosts.is_empty() {
        report.error(&hosts, "server config must contain at least one host");
    } else {
        for (j, host) in server.hosts.iter().enumerate() {
            if let Err(e) = validate_namespace_slash_wildcard_hostname(host, true, gateway_semantics) {
                report.error(&hosts.index(j), e);
            }
        }
    }

    let bind = server.bind.as_deref().unwrap_or("");
    let port_at = at.field("port");
    let bind_at = at.field("bind");
    let tls_at = at.field("tls");

    // validateServerPort
    let mut port_ok = true;
    match &server.port {
        None => {
            report.error(&port_at, "port is required");
            port_ok = false;
        }
        Some(port) => {
            if Protocol::parse(&port.protocol) == Protocol::Unsupported {
                report.error(
                    &port_at.field("protocol"),
                    format!(
                        "invalid protocol {:?}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP, TLS, HTTPS",
                        port.protocol
                    ),
                );
                port_ok = false;
            }
            if (port.number > 0 || !bind.starts_with(UNIX_ADDRESS_PREFIX))
                && let Err(e) = validate_port(port.number)
            {
                report.error(&port_at.field("number"), e);
                port_ok = false;
            }
            if let Some(tp) = port.target_port
                && tp > 0
            {
                report.error(
                    &port_at.field("targetPort"),
                    format!("targetPort {tp} has no impact on Gateways"),
                );
                port_ok = false;
            }
            if port.name.is_empty() {
                report.error(&port_at.field("name"), format!("port name must be set (port {})", port.number));
                port_ok = false;
            }
        }
    }

    // validateServerBind
    if let Some(path) = bind.strip_prefix(UNIX_ADDRESS_PREFIX) {
        if let Err(e) = validate_unix_address(path) {
            report.error(&bind_at, e);
        }
        if let Some(port) = &server.port
            && port.number != 0
        {
            report.error(
                &port_at.field("number"),
                format!("port number must be 0 for unix domain socket {bind:?}, not {}", port.number),
            );
        }
    } else if !bind.is_empty()
        && let Err(e) = validate_ip_address(bind)
    {
        report.error(&bind_at, e);
    }

    if let Some(tls) = &server.tls {
        validate_tls_options(tls, &tls_at, report);
    }

    // HTTPS/TLS ports need TLS settings; other ports may only carry an HTTPS redirect.
    if port_ok && let Some(port) = &server.port {
        let p = Protocol::parse(&port.protocol);
        match &server.tls {
            None if p.is_tls() => {
                report.error(
                    &tls_at,
                    format!(
                        "server must have TLS settings for HTTPS/TLS protocols (port protocol {:?})",
                        port.protocol
                    ),
                );
            }
            Some(tls) if !p.is_tls() => {
                if p.is_http() {
                    if !is_passthrough(tls)
                        || non_empty(&tls.ca_certificates)
                        || non_empty(&tls.private_key)
                        || non_empty(&tls.server_certificate)
                    {
                        report.error(
                            &tls_at,
                            format!(
                                "server cannot have TLS settings for plain text HTTP ports (protocol {:?}); only httpsRedirect is allowed",
                                port.protocol
                            ),
                        );
                    }
                } else {
                    report.error(
                        &tls_at,
                        format!(
                            "server cannot have TLS settings for non HTTPS/TLS ports (protocol {:?})",
                            port.protocol
                        ),
                    );
                }
            }
            _ => {}
        }
    }
}

/// Whether TLS is passed through (`PASSTHROUGH`, the default, or `AUTO_PASSTHROUGH`).
fn is_passthrough(tls: &ServerTlsSettings) -> bool {
    matches!(tls.mode.unwrap_or_default(), ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough)
}
