//! Server-side TLS settings of Gateway servers and Sidecar ingress listeners (istio/istio
//! `validateTLSOptions`, `security.IsValidCipherSuite`, and the CRD's `maxItems` limits).

use std::collections::{BTreeSet, HashSet};

use super::non_empty;
use crate::networking::{ServerTlsMode, ServerTlsProtocol, ServerTlsSettings};
use crate::validate::{Path, Report};

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
    for (what, suites) in [("invalid", invalid), ("duplicate", duplicate)] {
        if !suites.is_empty() {
            let list = suites.into_iter().collect::<Vec<_>>().join(" ");
            report.warning(&ciphers_at, format!("ignoring {what} cipher suites: [{list}]"));
        }
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
