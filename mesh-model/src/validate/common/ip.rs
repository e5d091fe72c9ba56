//! IP addresses and CIDR prefixes, in the three Go grammars the validators mirror:
//!
//! - Go's `net/netip` (`ParseAddr`, `ParsePrefix`): what Istio's webhook uses. IPv6 may
//!   carry a `%zone` (not in a prefix); no IPv4 leading zeros.
//! - Go's `net.ParseIP`: the same without zones.
//! - Kubernetes' CIDR parsers (`netutils.ParseCIDRSloppy` and the strict check of
//!   `ipBlock` fields): leading zeros tolerated by the sloppy one only.
//!
//! The differences are deliberate: each function names the upstream function it mirrors.

use std::net::{IpAddr, Ipv6Addr};

// === Go net/netip (Istio) ===

/// Go's `netip.ParseAddr`: IPv4 dotted quad (no leading zeros) or IPv6, which may carry a
/// non-empty `%zone` (dropped from the result).
pub(crate) fn parse_go_addr(s: &str) -> Option<IpAddr> {
    if let Some((addr, zone)) = s.split_once('%') {
        if zone.is_empty() {
            return None;
        }
        return addr.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    s.parse::<IpAddr>().ok()
}

/// Whether `s` is an IP address as Istio's `netutil.IsValidIPAddress` (Go's
/// `netip.ParseAddr`) accepts it: IPv6 may carry a `%zone`.
pub(crate) fn is_ip_address(s: &str) -> bool {
    parse_go_addr(s).is_some()
}

/// Why Go's `netip.ParsePrefix` rejects a prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrefixError<'a> {
    /// There is no `/`.
    NoSlash,
    /// The part before the last `/` is not an address.
    BadAddr(&'a str),
    /// The address carries an IPv6 zone.
    Zone,
    /// The part after the last `/` is not a decimal length (without leading zeros) within the
    /// address's bit length.
    BadBits(&'a str),
}

/// Go's `netip.ParsePrefix`: an address without zone, the last `/`, and a decimal prefix
/// length with no sign or leading zeros, at most 32 (IPv4) or 128 (IPv6).
pub(crate) fn parse_go_prefix(s: &str) -> Result<(IpAddr, u8), PrefixError<'_>> {
    let (addr, bits) = s.rsplit_once('/').ok_or(PrefixError::NoSlash)?;
    let ip = parse_go_addr(addr).ok_or(PrefixError::BadAddr(addr))?;
    if addr.contains('%') {
        return Err(PrefixError::Zone);
    }
    let digits_ok = !bits.is_empty()
        && bits.bytes().all(|c| c.is_ascii_digit())
        && (bits.len() == 1 || !bits.starts_with('0'));
    let max = if ip.is_ipv4() { 32 } else { 128 };
    match bits.parse::<u8>() {
        Ok(n) if digits_ok && n <= max => Ok((ip, n)),
        _ => Err(PrefixError::BadBits(bits)),
    }
}

/// Istio's `agent.ValidateIPAddress` (Gateway and Sidecar `bind`).
pub(crate) fn validate_ip_address(addr: &str) -> Result<(), String> {
    if is_ip_address(addr) { Ok(()) } else { Err(format!("{addr} is not a valid IP")) }
}

/// Istio's `agent.ValidateIPSubnet` (ServiceEntry `addresses`, VirtualService
/// `destinationSubnets`): a CIDR prefix when the value has exactly one `/`, else an address.
pub(crate) fn validate_ip_subnet(s: &str) -> Result<(), String> {
    if s.matches('/').count() == 1 {
        match parse_go_prefix(s) {
            Ok(_) => Ok(()),
            Err(_) => Err(format!("{s} is not a valid CIDR block")),
        }
    } else {
        validate_ip_address(s)
    }
}

/// One value of Istio's `security.ValidateIPs` (AuthorizationPolicy `ipBlocks` and the
/// `source.ip`-like condition keys): a prefix when it has a `/`, else an address.
pub(crate) fn validate_ip_or_cidr(v: &str) -> Result<(), String> {
    if !v.contains('/') {
        return if is_ip_address(v) { Ok(()) } else { Err(format!("bad IP address ({v})")) };
    }
    parse_go_prefix(v).map(|_| ()).map_err(|e| match e {
        PrefixError::NoSlash => format!("bad CIDR range ({v}): no '/'"),
        PrefixError::BadAddr(addr) => format!("bad CIDR range ({v}): bad address {addr:?}"),
        PrefixError::Zone => format!("bad CIDR range ({v}): IPv6 zones cannot be present in a prefix"),
        PrefixError::BadBits(bits) => format!("bad CIDR range ({v}): bad prefix length {bits:?}"),
    })
}

// === Go net.ParseIP ===

/// Go's `net.ParseIP`: IPv4 dotted quad (no leading zeros) or IPv6, without a zone.
pub(crate) fn parse_go_net_ip(s: &str) -> Option<IpAddr> {
    s.parse::<IpAddr>().ok()
}

// === Kubernetes CIDRs ===

/// A parsed Kubernetes CIDR: the address as written and the prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    /// The address, host bits included.
    pub(crate) addr: IpAddr,
    /// The prefix length.
    pub(crate) len: u8,
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
    pub(crate) fn contains(&self, addr: IpAddr) -> bool {
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

/// Kubernetes' `netutils.ParseCIDRSloppy` (Go's lenient `ParseCIDR`: IPv4 leading zeros
/// allowed, read as decimal); NetworkPolicy uses it to keep checking after a strict-parse
/// error.
pub(crate) fn parse_cidr_sloppy(s: &str) -> Option<Cidr> {
    let (ip, len) = s.split_once('/')?;
    if len.is_empty() || !len.bytes().all(|c| c.is_ascii_digit()) || len.len() > 3 {
        return None;
    }
    let len: u8 = len.parse().ok()?;
    let addr = match parse_go_net_ip(ip) {
        Some(a) => a,
        None => {
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

/// A CIDR as Kubernetes' strict `parseCIDR` accepts it for NetworkPolicy `ipBlock` fields
/// (`StrictIPCIDRValidation`): a valid IP and prefix length, no leading zeros, no
/// IPv4-mapped IPv6 address, no bits set beyond the prefix length.
pub(crate) fn parse_cidr_strict(s: &str) -> Result<Cidr, String> {
    let Some(sloppy) = parse_cidr_sloppy(s) else {
        return Err(format!("{s:?} must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
    };
    let (ip, len) = s.split_once('/').unwrap_or((s, ""));
    if parse_go_net_ip(ip).is_none() || (len.len() > 1 && len.starts_with('0')) {
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
    fn ip_subnets_follow_go_netip() {
        for ok in ["10.0.0.1", "172.1.2.16/16", "2001:db8::/32", "::1", "fe80::1%eth0", "0.0.0.0/0"] {
            assert!(validate_ip_subnet(ok).is_ok(), "{ok}");
        }
        for bad in
            ["", "1.2.3", "01.2.3.4", "10.0.0.0/33", "10.0.0.0/08", "1.2.3.4/8/9", "fe80::1%", "a.b.c.d"]
        {
            assert!(validate_ip_subnet(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn go_netip_prefixes() {
        // Go net/netip netip_test.go TestParsePrefix: zones, signs and leading zeros are errors.
        assert_eq!(parse_go_prefix("10.0.0.0/8"), Ok((IpAddr::from([10, 0, 0, 0]), 8)));
        assert_eq!(parse_go_prefix("10.0.0.0"), Err(PrefixError::NoSlash));
        assert_eq!(parse_go_prefix("fe80::1%eth0/64"), Err(PrefixError::Zone));
        assert_eq!(parse_go_prefix("fe80::1%/64"), Err(PrefixError::BadAddr("fe80::1%")));
        assert_eq!(parse_go_prefix("1.2.3.4/8/9"), Err(PrefixError::BadAddr("1.2.3.4/8")));
        for bits in ["", "+8", "08", "33", "256", "99999999999"] {
            assert_eq!(parse_go_prefix(&format!("1.2.3.4/{bits}")), Err(PrefixError::BadBits(bits)));
        }
        assert!(parse_go_prefix("::/128").is_ok());
        assert!(parse_go_prefix("::/129").is_err());
    }

    #[test]
    fn security_ip_values() {
        // istio/istio pkg/config/security ValidateIPs.
        assert_eq!(validate_ip_or_cidr("fe80::1%eth0"), Ok(()));
        assert_eq!(
            validate_ip_or_cidr("1.2.3.4/33"),
            Err("bad CIDR range (1.2.3.4/33): bad prefix length \"33\"".into())
        );
        assert_eq!(validate_ip_or_cidr("1.2.3"), Err("bad IP address (1.2.3)".into()));
    }

    #[test]
    fn net_parse_ip_takes_no_zone() {
        assert!(parse_go_net_ip("fe80::1").is_some());
        assert!(parse_go_net_ip("fe80::1%eth0").is_none());
        assert!(is_ip_address("fe80::1%eth0"));
    }

    #[test]
    fn strict_cidr_parsing() {
        for ok in ["10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32", "2001:db8::/64", "::/0", "FE80::/10"] {
            assert!(parse_cidr_strict(ok).is_ok(), "{ok}");
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
            assert!(parse_cidr_strict(bad).is_err(), "{bad}");
        }
        assert!(parse_cidr_sloppy("010.0.0.0/8").is_some());
    }

    #[test]
    fn containment() {
        let net = parse_cidr_strict("10.0.0.0/8").unwrap();
        assert!(net.contains(parse_cidr_strict("10.1.0.0/16").unwrap().addr));
        assert!(!net.contains(parse_cidr_strict("11.0.0.0/16").unwrap().addr));
        assert!(!net.contains(parse_cidr_strict("2001:db8::/64").unwrap().addr));
        let all = parse_cidr_strict("0.0.0.0/0").unwrap();
        assert!(all.contains(parse_cidr_strict("203.0.113.0/24").unwrap().addr));
        let v6 = parse_cidr_strict("2001:db8::/32").unwrap();
        assert!(v6.contains(parse_cidr_strict("2001:db8:1::/48").unwrap().addr));
        assert!(!v6.contains(parse_cidr_strict("2001:db9::/48").unwrap().addr));
    }
}
