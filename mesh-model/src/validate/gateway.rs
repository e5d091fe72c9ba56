//! Validation of [`Gateway`](crate::networking::Gateway), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` (`ValidateGateway`, `validateServer`,
//! `validateServerPort`, `validateServerBind`, `validateTLSOptions`) and the CEL/structural rules
//! of the Gateway CRD. The TLS, protocol, bind and `namespace/host` checks are shared with the
//! Sidecar validator.

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;

use crate::networking::{Gateway, Server, ServerTlsMode, ServerTlsProtocol, ServerTlsSettings};
use crate::validate::common;

use super::{Path, Report};

/// The prefix of a `bind` or `defaultEndpoint` naming a Unix domain socket.
pub(crate) const UNIX_ADDRESS_PREFIX: &str = "unix://";

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
        && !common::is_dns1123_label(name)
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
                && let Err(e) = common::validate_port(port.number)
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

/// Whether an optional string is set to a non-empty value (proto3 string semantics).
pub(crate) fn non_empty(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.is_empty())
}

/// Cipher suites Istio accepts by name (`security.ValidCipherSuites`).
const VALID_CIPHER_SUITES: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "ECDHE-RSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES256-GCM-SHA384",
    "AES128-SHA",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

/// Istio's `security.IsValidCipherSuite`: empty, `ALL`, an expression starting with an
/// operator (`-`, `+`, `!`, `[`), or a known suite.
fn is_valid_cipher_suite(cs: &str) -> bool {
    match cs.chars().next() {
        None => true,
        Some(_) if cs == "ALL" => true,
        Some(c) if !c.is_alphanumeric() => true,
        Some(_) => VALID_CIPHER_SUITES.contains(&cs),
    }
}

/// Server TLS settings of a gateway server or sidecar ingress listener (`validateTLSOptions`,
/// plus the CRD's `maxItems` limits).
pub(crate) fn validate_tls_options(tls: &ServerTlsSettings, at: &Path<'_>, report: &mut Report) {
    let mode = tls.mode.unwrap_or_default();
    let min_version = tls.min_protocol_version.unwrap_or_default();
    if matches!(min_version, ServerTlsProtocol::TlsV10 | ServerTlsProtocol::TlsV11)
        && tls.cipher_suites.is_empty()
    {
        report.warning(
            &at.field("minProtocolVersion"),
            "TLS version below TLSV1_2 require setting compatible ciphers as by default they no longer include compatible ciphers.",
        );
    }

    let mut invalid = BTreeSet::new();
    let mut valid = HashSet::new();
    let mut duplicate = BTreeSet::new();
    for cs in &tls.cipher_suites {
        if !is_valid_cipher_suite(cs) {
            invalid.insert(cs.as_str());
        } else if !valid.insert(cs.as_str()) {
            duplicate.insert(cs.as_str());
        }
    }
    let ciphers_at = at.field("cipherSuites");
    if !invalid.is_empty() {
        report.warning(
            &ciphers_at,
            format!(
                "ignoring invalid cipher suites: [{}]",
                invalid.into_iter().collect::<Vec<_>>().join(" ")
            ),
        );
    }
    if !duplicate.is_empty() {
        report.warning(
            &ciphers_at,
            format!(
                "ignoring duplicate cipher suites: [{}]",
                duplicate.into_iter().collect::<Vec<_>>().join(" ")
            ),
        );
    }

    // CRD structural limits.
    if tls.credential_names.len() > 2 {
        report.error(
            &at.field("credentialNames"),
            format!("credentialNames may hold at most 2 items, not {}", tls.credential_names.len()),
        );
    }
    if tls.tls_certificates.len() > 2 {
        report.error(
            &at.field("tlsCertificates"),
            format!("tlsCertificates may hold at most 2 items, not {}", tls.tls_certificates.len()),
        );
    }

    if mode == ServerTlsMode::IstioMutual {
        for (set, field, what) in [
            (non_empty(&tls.server_certificate), "serverCertificate", "server certificate"),
            (non_empty(&tls.private_key), "privateKey", "private key"),
            (non_empty(&tls.ca_certificates), "caCertificates", "CA bundle"),
            (!tls.tls_certificates.is_empty(), "tlsCertificates", "tlsCertificates"),
            (non_empty(&tls.credential_name), "credentialName", "credentialName"),
            (!tls.credential_names.is_empty(), "credentialNames", "credentialNames"),
        ] {
            if set {
                report.error(&at.field(field), format!("ISTIO_MUTUAL TLS cannot have associated {what}"));
            }
        }
        return;
    }

    if matches!(mode, ServerTlsMode::Passthrough | ServerTlsMode::AutoPassthrough)
        && (non_empty(&tls.ca_crl)
            || non_empty(&tls.server_certificate)
            || non_empty(&tls.private_key)
            || non_empty(&tls.ca_certificates)
            || !tls.tls_certificates.is_empty()
            || non_empty(&tls.credential_name)
            || !tls.credential_names.is_empty())
    {
        report.warning(at, format!("{} mode does not use certificates, they will be ignored", mode.as_str()));
    }

    let sources = [
        non_empty(&tls.server_certificate) && non_empty(&tls.private_key),
        non_empty(&tls.credential_name),
        !tls.credential_names.is_empty(),
        !tls.tls_certificates.is_empty(),
    ];
    if sources.iter().filter(|s| **s).count() > 1 {
        report.error(
            at,
            "only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified",
        );
    }

    let terminating =
        matches!(mode, ServerTlsMode::Simple | ServerTlsMode::Mutual | ServerTlsMode::OptionalMutual);
    if terminating && (non_empty(&tls.credential_name) || !tls.credential_names.is_empty()) {
        // Certificates come from the secret; nothing else is required.
        return;
    }
    if terminating {
        let prefix = if mode == ServerTlsMode::Simple { "SIMPLE TLS" } else { "MUTUAL TLS" };
        if mode != ServerTlsMode::Simple && !non_empty(&tls.ca_certificates) {
            report.error(&at.field("caCertificates"), format!("{prefix} requires a client CA bundle"));
        }
        if tls.tls_certificates.len() > 2 {
            report.warning(
                &at.field("tlsCertificates"),
                format!("{prefix} can support up to 2 server certificates"),
            );
        }
        if tls.tls_certificates.is_empty() {
            if !non_empty(&tls.server_certificate) {
                report
                    .error(&at.field("serverCertificate"), format!("{prefix} requires a server certificate"));
            }
            if !non_empty(&tls.private_key) {
                report.error(&at.field("privateKey"), format!("{prefix} requires a private key"));
            }
        } else {
            let certs = at.field("tlsCertificates");
            for (k, cert) in tls.tls_certificates.iter().enumerate() {
                let c = certs.index(k);
                if !non_empty(&cert.server_certificate) {
                    report.error(
                        &c.field("serverCertificate"),
                        format!("{prefix} requires a server certificate"),
                    );
                }
                if !non_empty(&cert.private_key) {
                    report.error(&c.field("privateKey"), format!("{prefix} requires a private key"));
                }
            }
        }
    }
    if non_empty(&tls.ca_crl) {
        let crl = at.field("caCrl");
        if non_empty(&tls.credential_name) {
            report.error(
                &crl,
                "CRL is not supported with credentialName. CRL has to be specified in the credential",
            );
        }
        if mode == ServerTlsMode::Simple {
            report.error(&crl, "CRL is not supported with SIMPLE TLS");
        }
    }
}

/// A port protocol as Istio parses it (`protocol.Parse`, case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Protocol {
    /// `TCP`
    Tcp,
    /// `UDP`
    Udp,
    /// `GRPC`
    Grpc,
    /// `GRPC-WEB`
    GrpcWeb,
    /// `HTTP`
    Http,
    /// `HTTP_PROXY`
    HttpProxy,
    /// `HTTP2`
    Http2,
    /// `HTTPS`
    Https,
    /// `TLS`
    Tls,
    /// `MONGO`
    Mongo,
    /// `REDIS`
    Redis,
    /// `MYSQL`
    Mysql,
    /// Anything else, including the empty string.
    Unsupported,
}

impl Protocol {
    /// Parses a protocol name, ignoring case.
    pub(crate) fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "grpc" => Protocol::Grpc,
            "grpc-web" => Protocol::GrpcWeb,
            "http" => Protocol::Http,
            "http_proxy" => Protocol::HttpProxy,
            "http2" => Protocol::Http2,
            "https" => Protocol::Https,
            "tls" => Protocol::Tls,
            "mongo" => Protocol::Mongo,
            "redis" => Protocol::Redis,
            "mysql" => Protocol::Mysql,
            _ => Protocol::Unsupported,
        }
    }

    /// Carried over HTTP (`HTTP`, `HTTP2`, `HTTP_PROXY`, `GRPC`, `GRPC-WEB`).
    pub(crate) fn is_http(self) -> bool {
        matches!(
            self,
            Protocol::Http | Protocol::Http2 | Protocol::HttpProxy | Protocol::Grpc | Protocol::GrpcWeb
        )
    }

    /// Carried over TLS (`HTTPS`, `TLS`).
    pub(crate) fn is_tls(self) -> bool {
        matches!(self, Protocol::Https | Protocol::Tls)
    }
}

/// A Unix domain socket path after `unix://` (`ValidateUnixAddress`): an abstract socket
/// (`@name`) or an absolute path not ending in `/`.
pub(crate) fn validate_unix_address(addr: &str) -> Result<(), String> {
    if addr.is_empty() {
        return Err("unix address must not be empty".to_string());
    }
    if addr.starts_with('@') {
        return Ok(());
    }
    if !addr.starts_with('/') || addr.ends_with('/') {
        return Err(format!("{addr} is not an absolute path to a file"));
    }
    Ok(())
}

/// Whether `addr` is an IPv4 or IPv6 address as Go's `netip.ParseAddr` accepts it
/// (IPv6 may carry a `%zone`).
pub(crate) fn is_ip_address(addr: &str) -> bool {
    if addr.parse::<IpAddr>().is_ok() {
        return true;
    }
    match addr.split_once('%') {
        Some((ip, zone)) => !zone.is_empty() && ip.parse::<std::net::Ipv6Addr>().is_ok(),
        None => false,
    }
}

/// `ValidateIPAddress`.
pub(crate) fn validate_ip_address(addr: &str) -> Result<(), String> {
    if is_ip_address(addr) { Ok(()) } else { Err(format!("{addr} is not a valid IP")) }
}

/// The host part of a gateway or sidecar host entry (`validateSidecarOrGatewayHostnamePart`).
fn validate_hostname_part(hostname: &str, is_gateway: bool) -> Result<(), String> {
    let mut errs = Vec::new();
    if hostname != "*" && !hostname.contains('.') {
        errs.push(format!("short names (non FQDN) are not allowed: {hostname:?}"));
    }
    if let Err(e) = common::validate_wildcard_domain(hostname) {
        // Gateways also accept an IP address as the host.
        if !is_gateway || !is_ip_address(hostname) {
            errs.push(e);
        }
    }
    if hostname.contains('*') && hostname.len() != 1 && !hostname.starts_with("*.") {
        errs.push(format!("partial wildcard {hostname:?} not allowed"));
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}

/// A `namespace/dnsName` host of a gateway server or sidecar egress listener
/// (`ValidateNamespaceSlashWildcardHostname`). Gateways also accept a bare `dnsName`.
pub(crate) fn validate_namespace_slash_wildcard_hostname(
    hostname: &str,
    is_gateway: bool,
    gateway_semantics: bool,
) -> Result<(), String> {
    let Some((ns, host)) = hostname.split_once('/') else {
        if is_gateway {
            return validate_hostname_part(hostname, true);
        }
        return Err(format!("host {hostname:?} must be of form namespace/dnsName"));
    };
    let mut errs = Vec::new();
    if ns.is_empty() || host.is_empty() {
        errs.push(format!("config namespace and dnsName in host entry {hostname:?} cannot be empty"));
    }
    if !is_gateway {
        // `*`, `.`, or a DNS label, optionally `~`-prefixed to exclude it.
        let n = ns.strip_prefix('~').unwrap_or(ns);
        if !n.is_empty() && n != "*" && n != "." && !common::is_dns1123_label(n) {
            errs.push(format!("invalid namespace value {ns:?} in sidecar"));
        }
    } else if ns != "*" && ns != "." && (ns != "~" || !gateway_semantics) && !common::is_dns1123_label(ns) {
        errs.push(format!("invalid namespace value {ns:?} in gateway"));
    }
    if let Err(e) = validate_hostname_part(host, is_gateway) {
        errs.push(e);
    }
    if errs.is_empty() { Ok(()) } else { Err(errs.join("; ")) }
}
