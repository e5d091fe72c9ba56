//! Validation of [`NetworkPolicy`](crate::kube::NetworkPolicy), as the Kubernetes API server
//! performs it on create (k8s.io/kubernetes `pkg/apis/networking/validation`
//! `ValidateNetworkPolicySpec`, with apimachinery's label-selector rules and strict IP/CIDR
//! parsing, `StrictIPCIDRValidation`, on by default since Kubernetes 1.36).

use std::net::IpAddr;

use crate::kube::{
    IntOrString, IpBlock, LabelSelector, LabelSelectorOperator, NetworkPolicy, NetworkPolicyPeer,
    NetworkPolicyPort,
};

use super::common::{validate_label_key, validate_label_value};
use super::{Path, Report};

/// Checks a NetworkPolicy; diagnostics go to `report`.
pub(crate) fn validate(r: &NetworkPolicy, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    let s = &r.spec;

    validate_label_selector(&s.pod_selector, &spec.field("podSelector"), report);

    let ingress = spec.field("ingress");
    for (i, rule) in s.ingress.iter().enumerate() {
        let at = ingress.index(i);
        let ports = at.field("ports");
        for (j, port) in rule.ports.iter().enumerate() {
            validate_port(port, &ports.index(j), report);
        }
        let from = at.field("from");
        for (j, peer) in rule.from.iter().enumerate() {
            validate_peer(peer, &from.index(j), report);
        }
    }
    let egress = spec.field("egress");
    for (i, rule) in s.egress.iter().enumerate() {
        let at = egress.index(i);
        let ports = at.field("ports");
        for (j, port) in rule.ports.iter().enumerate() {
            validate_port(port, &ports.index(j), report);
        }
        let to = at.field("to");
        for (j, peer) in rule.to.iter().enumerate() {
            validate_peer(peer, &to.index(j), report);
        }
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

/// apimachinery `ValidateLabelSelector` (on create: invalid label values are not tolerated).
fn validate_label_selector(sel: &LabelSelector, at: &Path<'_>, report: &mut Report) {
    let labels = at.field("matchLabels");
    for (k, v) in &sel.match_labels {
        if let Err(e) = validate_label_key(k).and_then(|()| validate_label_value(v)) {
            report.error(&labels.key(k), e);
        }
    }
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
    let net = match parse_cidr(&block.cidr) {
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
        let parsed = match parse_cidr(ex) {
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

// === CIDRs ===

/// A parsed CIDR: the address as written and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    fn bits(&self) -> u8 {
        if self.addr.is_ipv4() { 32 } else { 128 }
    }

    /// The address as an integer, and the mask of this prefix, in the family's width.
    fn value_and_mask(&self, addr: IpAddr) -> Option<(u128, u128)> {
        let v = match (self.addr, addr) {
            (IpAddr::V4(_), IpAddr::V4(a)) => u128::from(u32::from(a)),
            (IpAddr::V6(_), IpAddr::V6(a)) => u128::from(a),
            _ => return None,
        };
        let width = u32::from(self.bits());
        let host_bits = width - u32::from(self.len);
        let full = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
        let mask = if host_bits >= 128 { 0 } else { full & !((1u128 << host_bits).wrapping_sub(1)) };
        Some((v, mask))
    }

    /// Whether `addr` lies in this network (same family only, as Go's `IPNet.Contains`).
    fn contains(&self, addr: IpAddr) -> bool {
        match (self.value_and_mask(self.addr), self.value_and_mask(addr)) {
            (Some((net, mask)), Some((a, _))) => net & mask == a & mask,
            _ => false,
        }
    }

    /// Whether bits are set beyond the prefix length.
    fn has_host_bits(&self) -> bool {
        self.value_and_mask(self.addr).is_some_and(|(v, mask)| v & !mask != 0)
    }
}

/// Go's lenient `ParseCIDR` as Kubernetes' `ParseCIDRSloppy` (leading zeros allowed);
/// used only to keep checking after a strict-parse error.
fn parse_cidr_sloppy(s: &str) -> Option<Cidr> {
    let (ip, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|c| c.is_ascii_digit()) || len.len() > 3 {
        return None;
    }
    let len: u8 = len.parse().ok()?;
    let addr = match ip.parse::<IpAddr>() {
        Ok(a) => a,
        Err(_) => {
            // IPv4 octets with leading zeros, read as decimal.
            let octets: Vec<&str> = ip.split('.').collect();
            if octets.len() != 4 || octets.iter().any(|o| o.is_empty() || o.len() > 3) {
                return None;
            }
            let mut b = [0u8; 4];
            for (slot, o) in b.iter_mut().zip(&octets) {
                *slot = o.parse().ok()?;
            }
            IpAddr::from(b)
        }
    };
    let cidr = Cidr { addr, len };
    (len <= cidr.bits()).then_some(cidr)
}

/// A CIDR as Kubernetes' strict `parseCIDR` accepts it for `ipBlock` fields: a valid IP and
/// prefix length, no leading zeros, no IPv4-mapped IPv6 address, no bits set beyond the
/// prefix length.
fn parse_cidr(s: &str) -> Result<Cidr, String> {
    let Some(sloppy) = parse_cidr_sloppy(s) else {
        return Err(format!("{s:?} must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
    };
    let (ip, len) = s.split_once('/').unwrap_or((s, ""));
    if ip.parse::<IpAddr>().is_err() || (len.len() > 1 && len.starts_with('0')) {
        return Err(format!("CIDR {s:?} must not have leading 0s in IP or prefix length"));
    }
    if let IpAddr::V6(v6) = sloppy.addr
        && v6.to_ipv4_mapped().is_some()
    {
        return Err(format!("CIDR {s:?} must not have an IPv4-mapped IPv6 address"));
    }
    if sloppy.has_host_bits() {
        return Err(format!("CIDR {s:?} must not have bits set beyond the prefix length"));
    }
    Ok(sloppy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_cidr_parsing() {
        for ok in ["10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32", "2001:db8::/64", "::/0", "FE80::/10"] {
            assert!(parse_cidr(ok).is_ok(), "{ok}");
        }
        for bad in [
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0.1/24",
            "010.0.0.0/8",
            "10.0.0.0/08",
            "::ffff:10.0.0.0/104",
            "2001:db8::1/64",
            "fe80::/129",
            "foo/8",
            "10.0.0.0/",
        ] {
            assert!(parse_cidr(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn containment() {
        let net = parse_cidr("10.0.0.0/8").unwrap();
        assert!(net.contains(parse_cidr("10.1.0.0/16").unwrap().addr));
        assert!(!net.contains(parse_cidr("11.0.0.0/16").unwrap().addr));
        assert!(!net.contains(parse_cidr("2001:db8::/64").unwrap().addr));
        let all = parse_cidr("0.0.0.0/0").unwrap();
        assert!(all.contains(parse_cidr("203.0.113.0/24").unwrap().addr));
        let v6 = parse_cidr("2001:db8::/32").unwrap();
        assert!(v6.contains(parse_cidr("2001:db8:1::/48").unwrap().addr));
        assert!(!v6.contains(parse_cidr("2001:db9::/48").unwrap().addr));
    }

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
