//! IP addresses and CIDR ranges, as Istio's `AddrStrToCidrRange` and Envoy's `CidrRange` read
//! them: a bare address is a single-host range, host bits below the prefix are ignored.

use std::net::IpAddr;

/// An IP range such as `10.0.0.0/16` or `2001:db8::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Parses `1.2.3.4`, `1.2.3.0/24`, `::1` or `2001:db8::/32`; `None` when malformed.
    ///
    /// ```
    /// use mesh_policy::Cidr;
    /// let c = Cidr::parse("10.1.0.0/16").unwrap();
    /// assert!(c.contains("10.1.200.3".parse().unwrap()));
    /// assert!(!c.contains("10.2.0.1".parse().unwrap()));
    /// ```
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) || p.len() > 3 {
                    return None;
                }
                (a.parse::<IpAddr>().ok()?, p.parse::<u8>().ok()?)
            }
            None => {
                let a = s.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Cidr { addr, prefix })
    }

    /// Whether `ip` lies in the range; an address of the other IP family never does.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(self.prefix)) };
                (u32::from(net) & mask) == (u32::from(ip) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = if self.prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(self.prefix)) };
                (u128::from(net) & mask) == (u128::from(ip) & mask)
            }
            _ => false,
        }
    }

    /// Whether `other` lies wholly inside this range.
    pub fn covers(&self, other: &Cidr) -> bool {
        other.prefix >= self.prefix && self.contains(other.addr)
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        // istio/istio pilot/pkg/networking/util AddrStrToCidrRange: bare IPs are /32 and /128.
        let c = Cidr::parse("1.2.3.4").unwrap();
        assert_eq!(c.prefix(), 32);
        assert!(c.contains("1.2.3.4".parse().unwrap()));
        assert!(!c.contains("1.2.3.5".parse().unwrap()));
        // Host bits below the prefix are ignored, as Envoy's CidrRange masks them.
        assert!(Cidr::parse("10.0.0.9/8").unwrap().contains("10.255.0.1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        assert!(!Cidr::parse("0.0.0.0/0").unwrap().contains("::1".parse().unwrap()));
        assert!(Cidr::parse("2001:db8::/32").unwrap().contains("2001:db8:1::5".parse().unwrap()));
        for bad in ["", "1.2.3", "1.2.3.4/33", "1.2.3.4/", "::/129", "x/8", "1.2.3.4/-1"] {
            assert_eq!(Cidr::parse(bad), None, "{bad}");
        }
        assert!(Cidr::parse("10.0.0.0/8").unwrap().covers(&Cidr::parse("10.1.0.0/16").unwrap()));
    }
}
