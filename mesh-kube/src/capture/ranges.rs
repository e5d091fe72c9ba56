//! CIDR lists split by address family, as istio-iptables' `SeparateV4V6` does.

use std::net::IpAddr;

use super::{CaptureError, split};

/// The CIDRs of one address family from a comma-separated list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkRange {
    /// The list was `*`.
    pub is_wildcard: bool,
    /// The CIDRs, each rendered as Go's `netip.Prefix` prints it (host bits kept).
    pub cidrs: Vec<String>,
    /// One of the CIDRs has a loopback address (127/8, or `::1`).
    pub has_loopback: bool,
}

impl NetworkRange {
    /// Splits `list` into its IPv4 and IPv6 ranges; `*` makes both wildcards.
    pub fn separate(field: &str, list: &str) -> Result<(Self, Self), CaptureError> {
        if list == "*" {
            let w = Self { is_wildcard: true, ..Self::default() };
            return Ok((w.clone(), w));
        }
        let mut v4 = Self::default();
        let mut v6 = Self::default();
        for item in split(list) {
            let bad = || CaptureError::InvalidCidr { field: field.into(), value: item.into() };
            let (addr, bits) = item.split_once('/').ok_or_else(bad)?;
            let addr: IpAddr = addr.parse().map_err(|_| bad())?;
            if bits.is_empty()
                || (bits.len() > 1 && bits.starts_with('0'))
                || !bits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            let bits: u8 = bits.parse().map_err(|_| bad())?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            if bits > max {
                return Err(bad());
            }
            let target = if addr.is_ipv4() { &mut v4 } else { &mut v6 };
            target.cidrs.push(format!("{addr}/{bits}"));
            if addr.is_loopback() {
                target.has_loopback = true;
            }
        }
        Ok((v4, v6))
    }
}
