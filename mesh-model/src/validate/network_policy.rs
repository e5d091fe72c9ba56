//! Validation of [`NetworkPolicy`](crate::kube::NetworkPolicy), as the Kubernetes API server
//! performs it on create (k8s.io/kubernetes `pkg/apis/networking/validation`
//! `ValidateNetworkPolicySpec`, with apimachinery's label-selector rules and strict IP/CIDR
//! parsing, `StrictIPCIDRValidation`, on by default since Kubernetes 1.36).

use crate::kube::{
    IntOrString, IpBlock, LabelSelector, LabelSelectorOperator, NetworkPolicy, NetworkPolicyPeer,
    NetworkPolicyPort,
};

use super::common::ip::{parse_cidr_sloppy, parse_cidr_strict};
use super::common::labels::{validate_label_key, validate_label_map, validate_label_value};
use super::{Path, Report};

/// Checks a NetworkPolicy; diagnostics go to `report`.
pub(crate) fn validate(r: &NetworkPolicy, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    let s = &r.spec;

    validate_label_selector(&s.pod_selector, &spec.field("podSelector"), report);

    let ingress = spec.field("ingress");
    for (i, rule) in s.ingress.iter().enumerate() {
        validate_rule(&rule.ports, "from", &rule.from, &ingress.index(i), report);
    }
    let egress = spec.field("egress");
    for (i, rule) in s.egress.iter().enumerate() {
        validate_rule(&rule.ports, "to", &rule.to, &egress.index(i), report);
    }

    let types = spec.field("policyTypes");
    if s.policy_types.len() > 2 {
        report.error(&types, format!("may not specify more than two policyTypes, got {:?}", s.policy_types));
        return;
    }
    for (i, t) in s.policy_types.iter().enumerate() {
        if t != "Ingress" && t != "Egress" {
            report.error(
                &types.index(i),
                format!(
                    "policy type {t:?} is not supported: supported values are \"Ingress\" and \"Egress\""
                ),
            );
        }
    }
}

/// One ingress or egress rule: its ports, then its peers (`from` or `to`).
fn validate_rule(
    ports: &[NetworkPolicyPort],
    peers_field: &str,
    peers: &[NetworkPolicyPeer],
    at: &Path<'_>,
    report: &mut Report,
) {
    let ports_at = at.field("ports");
    for (j, port) in ports.iter().enumerate() {
        validate_port(port, &ports_at.index(j), report);
    }
    let peers_at = at.field(peers_field);
    for (j, peer) in peers.iter().enumerate() {
        validate_peer(peer, &peers_at.index(j), report);
    }
}

/// apimachinery `ValidateLabelSelector` (on create: invalid label values are not tolerated).
fn validate_label_selector(sel: &LabelSelector, at: &Path<'_>, report: &mut Report) {
    validate_label_map(&sel.match_labels, &at.field("matchLabels"), report);
    let exprs = at.field("matchExpressions");
    for (i, req) in sel.match_expressions.iter().enumerate() {
        let at = exprs.index(i);
        match req.op() {
            Some(LabelSelectorOperator::In | LabelSelectorOperator::NotIn) => {
                if req.values.is_empty() {
                    report.error(
                        &at.field("values"),
                        format!("values must be specified when operator is {:?}", req.operator),
                    );
                }
            }
            Some(LabelSelectorOperator::Exists | LabelSelectorOperator::DoesNotExist) => {
                if !req.values.is_empty() {
                    report.error(
                        &at.field("values"),
                        format!("values may not be specified when operator is {:?}", req.operator),
                    );
                }
            }
            None => report.error(
                &at.field("operator"),
                format!(
                    "{:?} is not a valid selector operator: use In, NotIn, Exists or DoesNotExist",
                    req.operator
                ),
            ),
        }
        if let Err(e) = validate_label_key(&req.key) {
            report.error(&at.field("key"), e);
        }
        let values = at.field("values");
        for (j, v) in req.values.iter().enumerate() {
            if let Err(e) = validate_label_value(v) {
                report.error(&values.index(j), e);
            }
        }
    }
}

/// `ValidateNetworkPolicyPort`: protocol, port number or name, and the `endPort` range.
fn validate_port(port: &NetworkPolicyPort, at: &Path<'_>, report: &mut Report) {
    if let Some(p) = port.protocol.as_deref()
        && !matches!(p, "TCP" | "UDP" | "SCTP")
    {
        report.error(
            &at.field("protocol"),
            format!("protocol {p:?} is not supported: supported values are \"TCP\", \"UDP\" and \"SCTP\""),
        );
    }
    let end = at.field("endPort");
    match &port.port {
        Some(IntOrString::Int(n)) => {
            if !(1..=65535).contains(n) {
                report.error(&at.field("port"), format!("port {n} must be between 1 and 65535, inclusive"));
            }
            if let Some(e) = port.end_port {
                if e < *n {
                    report.error(&end, format!("endPort {e} must be greater than or equal to port {n}"));
                }
                if !(1..=65535).contains(&e) {
                    report.error(&end, format!("endPort {e} must be between 1 and 65535, inclusive"));
                }
            }
        }
        Some(IntOrString::String(name)) => {
            if let Some(e) = port.end_port {
                report.error(&end, format!("endPort {e} may not be specified when port is non-numeric"));
            }
            if let Err(e) = validate_port_name(name) {
                report.error(&at.field("port"), e);
            }
        }
        None => {
            if let Some(e) = port.end_port {
                report.error(&end, format!("endPort {e} may not be specified when port is not specified"));
            }
        }
    }
}

/// `ValidateNetworkPolicyPeer`: at least one of the selectors or `ipBlock`, and `ipBlock`
/// alone.
fn validate_peer(peer: &NetworkPolicyPeer, at: &Path<'_>, report: &mut Report) {
    let mut count = 0;
    if let Some(sel) = &peer.pod_selector {
        count += 1;
        validate_label_selector(sel, &at.field("podSelector"), report);
    }
    if let Some(sel) = &peer.namespace_selector {
        count += 1;
        validate_label_selector(sel, &at.field("namespaceSelector"), report);
    }
    if let Some(block) = &peer.ip_block {
        count += 1;
        validate_ip_block(block, &at.field("ipBlock"), report);
    }
    if count == 0 {
        report.error(at, "a peer must specify podSelector, namespaceSelector or ipBlock");
    } else if count > 1 && peer.ip_block.is_some() {
        report.error(
            at,
            "a peer may not specify both ipBlock and another peer (podSelector or namespaceSelector)",
        );
    }
}

/// `ValidateIPBlock`: a valid `cidr`, and `except` entries strictly inside it.
fn validate_ip_block(block: &IpBlock, at: &Path<'_>, report: &mut Report) {
    let cidr_at = at.field("cidr");
    if block.cidr.is_empty() {
        report.error(&cidr_at, "cidr is required");
        return;
    }
    let net = match parse_cidr_strict(&block.cidr) {
        Ok(net) => Some(net),
        Err(e) => {
            report.error(&cidr_at, e);
            // Kubernetes still checks the except list when only strict parsing failed.
            parse_cidr_sloppy(&block.cidr)
        }
    };
    let Some(net) = net else { return };
    let except = at.field("except");
    for (i, ex) in block.except.iter().enumerate() {
        let ex_at = except.index(i);
        let parsed = match parse_cidr_strict(ex) {
            Ok(p) => Some(p),
            Err(e) => {
                report.error(&ex_at, e);
                parse_cidr_sloppy(ex)
            }
        };
        if let Some(sub) = parsed
            && !(net.contains(sub.addr) && net.len < sub.len)
        {
            report.error(
                &ex_at,
                format!("except entry {ex:?} must be a strict subset of cidr {:?}", block.cidr),
            );
        }
    }
}

/// apimachinery `IsValidPortName` (an IANA service name): at most 15 characters of
/// `[-a-z0-9]`, at least one letter, no leading, trailing or doubled hyphen.
fn validate_port_name(name: &str) -> Result<(), String> {
    let mut problems = Vec::new();
    if name.len() > 15 {
        problems.push("must be no more than 15 characters");
    }
    if name.is_empty() || !name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-') {
        problems.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
    }
    if !name.bytes().any(|c| c.is_ascii_lowercase()) {
        problems.push("must contain at least one letter (a-z)");
    }
    if name.contains("--") {
        problems.push("must not contain consecutive hyphens");
    }
    if name.starts_with('-') || name.ends_with('-') {
        problems.push("must not begin or end with a hyphen");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("port name {name:?} is invalid: it {}", problems.join(", ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names() {
        for ok in ["http", "dns-tcp", "h2c", "a1", "abcdefghijklmno"] {
            assert!(validate_port_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "80", "HTTP", "-http", "http-", "a--b", "abcdefghijklmnop", "!@#$"] {
            assert!(validate_port_name(bad).is_err(), "{bad}");
        }
    }
}
