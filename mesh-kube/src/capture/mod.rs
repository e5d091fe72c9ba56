//! Traffic capture: the iptables (and nftables) rules that Istio's `istio-iptables` installs in
//! a pod's network namespace so that the sidecar sees its traffic.
//!
//! [`CaptureConfig`] holds the settings `istio-iptables` takes as flags (comma-separated
//! lists, as on its command line); [`annotations::pod_capture`] derives them from a
//! pod's `traffic.sidecar.istio.io/*` annotations as the injection template does.
//! [`iptables::render`] produces the `iptables-restore` input and [`nftables::render`] the
//! `nft` transaction, both as text and both rule for rule what upstream generates.

pub mod annotations;
pub mod iptables;
pub mod nftables;
mod ranges;

use serde::{Deserialize, Serialize};

pub use ranges::NetworkRange;

/// The port Istio's agent answers DNS on.
pub const AGENT_DNS_PORT: &str = "15053";
/// The mark TPROXY mode puts on packets from the proxy to the application.
pub const OUTBOUND_MARK: &str = "1338";

/// How inbound traffic reaches the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InterceptionMode {
    /// NAT `REDIRECT`: the proxy sees the pod as the source of inbound connections.
    #[default]
    Redirect,
    /// `TPROXY`: the original source address is preserved.
    Tproxy,
}

impl InterceptionMode {
    /// The mode as Istio spells it (`REDIRECT`, `TPROXY`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Redirect => "REDIRECT",
            Self::Tproxy => "TPROXY",
        }
    }
}

/// The settings of one `istio-iptables` run. List-valued fields are comma-separated strings,
/// exactly as the flags take them (empty items are skipped, as upstream does).
///
/// [`Default`] is the configuration of upstream's golden tests: ports 15001/15006/15008, UID
/// and GID 1337, REDIRECT mode, no inbound ports captured, every owner group captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CaptureConfig {
    /// `-p`: the port outbound traffic is redirected to (Envoy's outbound listener).
    pub proxy_port: String,
    /// `-z`: the port inbound traffic is redirected to.
    pub inbound_capture_port: String,
    /// The HBONE tunnel port, never captured inbound.
    pub inbound_tunnel_port: String,
    /// `-u`: the proxy's UIDs, whose traffic is not captured.
    pub proxy_uid: String,
    /// `-g`: the proxy's GIDs, whose traffic is not captured.
    pub proxy_gid: String,
    /// `-m`: REDIRECT or TPROXY.
    pub inbound_interception_mode: InterceptionMode,
    /// `-t`: the mark TPROXY mode sets on inbound packets.
    pub inbound_tproxy_mark: String,
    /// `-b`: inbound ports to capture; `*` for all, empty for none.
    pub inbound_ports_include: String,
    /// `-d`: inbound ports to leave alone (only with `-b '*'`).
    pub inbound_ports_exclude: String,
    /// `-i`: outbound CIDRs to capture; `*` for all.
    pub outbound_ip_ranges_include: String,
    /// `-x`: outbound CIDRs to leave alone.
    pub outbound_ip_ranges_exclude: String,
    /// `-q`: outbound ports always captured.
    pub outbound_ports_include: String,
    /// `-o`: outbound ports never captured.
    pub outbound_ports_exclude: String,
    /// `-k`: virtual interfaces whose inbound traffic is treated as outbound.
    pub reroute_virtual_interfaces: String,
    /// `-c`: interfaces whose traffic is never captured.
    pub exclude_interfaces: String,
    /// `--redirect-dns`: capture DNS to the agent (port 15053).
    pub redirect_dns: bool,
    /// `--capture-all-dns`: capture all port-53 traffic, not only to the resolvers below.
    pub capture_all_dns: bool,
    /// The IPv4 resolvers of the pod's `/etc/resolv.conf` (the caller reads the file).
    pub dns_servers_v4: Vec<String>,
    /// The IPv6 resolvers of the pod's `/etc/resolv.conf`.
    pub dns_servers_v6: Vec<String>,
    /// Owner groups whose outbound traffic is captured; `*` for all.
    pub owner_groups_include: String,
    /// Owner groups whose outbound traffic is not captured (with `*` above).
    pub owner_groups_exclude: String,
    /// `--drop-invalid`: drop conntrack-INVALID packets instead of resetting.
    pub drop_invalid: bool,
    /// Whether IPv6 rules are generated (upstream detects it from the pod's addresses).
    pub enable_ipv6: bool,
    /// The IPv4 loopback range the proxy treats as local.
    pub host_ipv4_loopback_cidr: String,
}

impl Default for CaptureConfig {
    fn default() -> Self {
        Self {
            proxy_port: "15001".into(),
            inbound_capture_port: "15006".into(),
            inbound_tunnel_port: "15008".into(),
            proxy_uid: "1337".into(),
            proxy_gid: "1337".into(),
            inbound_interception_mode: InterceptionMode::Redirect,
            inbound_tproxy_mark: "1337".into(),
            inbound_ports_include: String::new(),
            inbound_ports_exclude: String::new(),
            outbound_ip_ranges_include: String::new(),
            outbound_ip_ranges_exclude: String::new(),
            outbound_ports_include: String::new(),
            outbound_ports_exclude: String::new(),
            reroute_virtual_interfaces: String::new(),
            exclude_interfaces: String::new(),
            redirect_dns: false,
            capture_all_dns: false,
            dns_servers_v4: Vec::new(),
            dns_servers_v6: Vec::new(),
            owner_groups_include: "*".into(),
            owner_groups_exclude: String::new(),
            drop_invalid: false,
            enable_ipv6: false,
            host_ipv4_loopback_cidr: "127.0.0.1/32".into(),
        }
    }
}

/// Why a capture configuration cannot be turned into rules.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaptureError {
    /// A port list holds something that is not a port (1..=65535) or `*` where allowed:
    /// `"80,8080"` is valid, `"80,http"` is not.
    #[error("{field} holds {value:?}, which is not a port number between 1 and 65535")]
    InvalidPort {
        /// The setting, such as `traffic.sidecar.istio.io/includeInboundPorts`.
        field: String,
        /// The offending item.
        value: String,
    },
    /// A CIDR list holds something that is not `address/bits`: `"10.0.0.0/8"` is valid,
    /// `"10.0.0.0"` and `"10.0.0.0/33"` are not.
    #[error("{field} holds {value:?}, which is not a CIDR such as 10.0.0.0/8")]
    InvalidCidr {
        /// The setting, such as `traffic.sidecar.istio.io/excludeOutboundIPRanges`.
        field: String,
        /// The offending item.
        value: String,
    },
    /// `*` is not allowed in the outbound exclusion list (istio-iptables rejects it).
    #[error("{field} may not be \"*\": excluding every outbound address is not supported")]
    WildcardExclude {
        /// The setting.
        field: String,
    },
    /// An unknown interception mode: `REDIRECT`, `TPROXY` (and `NONE`, which captures nothing)
    /// are known.
    #[error("sidecar.istio.io/interceptionMode is {0:?}; expected REDIRECT, TPROXY or NONE")]
    InvalidMode(String),
}

/// Splits a comma-separated list as istio-iptables does: empty items are dropped.
pub(crate) fn split(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').filter(|p| !p.is_empty())
}

/// Which owner groups' outbound traffic is captured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InterceptFilter {
    pub(crate) values: Vec<String>,
    /// `true`: capture all groups except `values`; `false`: only `values`.
    pub(crate) except: bool,
}

impl InterceptFilter {
    pub(crate) fn parse(include: &str, exclude: &str) -> Self {
        if include == "*" {
            Self { values: split(exclude).map(String::from).collect(), except: true }
        } else {
            Self { values: split(include).map(String::from).collect(), except: false }
        }
    }
}

/// The ranges a configuration captures, parsed once for both renderers.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub(crate) v4_exclude: NetworkRange,
    pub(crate) v6_exclude: NetworkRange,
    pub(crate) v4_include: NetworkRange,
    pub(crate) v6_include: NetworkRange,
    pub(crate) redirect_dns: bool,
    pub(crate) owner_groups: InterceptFilter,
}

impl CaptureConfig {
    /// Checks the configuration as istio-iptables would before generating rules: every
    /// port list holds ports, every CIDR list CIDRs, and the exclusion list is not `*`.
    pub fn validate(&self) -> Result<(), CaptureError> {
        self.parse().map(|_| ())
    }

    pub(crate) fn parse(&self) -> Result<Parsed, CaptureError> {
        for (field, value, wildcard) in [
            ("inboundPortsInclude", &self.inbound_ports_include, true),
            ("inboundPortsExclude", &self.inbound_ports_exclude, false),
            ("outboundPortsInclude", &self.outbound_ports_include, false),
            ("outboundPortsExclude", &self.outbound_ports_exclude, false),
        ] {
            if wildcard && value == "*" {
                continue;
            }
            for p in split(value) {
                let ok = p.parse::<u16>().is_ok_and(|n| n > 0) && !p.starts_with('+');
                if !ok {
                    return Err(CaptureError::InvalidPort { field: field.into(), value: p.into() });
                }
            }
        }
        let (v4_exclude, v6_exclude) =
            NetworkRange::separate("outboundIPRangesExclude", &self.outbound_ip_ranges_exclude)?;
        if v4_exclude.is_wildcard {
            return Err(CaptureError::WildcardExclude { field: "outboundIPRangesExclude".into() });
        }
        let (v4_include, v6_include) =
            NetworkRange::separate("outboundIPRangesInclude", &self.outbound_ip_ranges_include)?;
        // REDIRECT_DNS without CAPTURE_ALL_DNS and without resolvers captures nothing.
        let redirect_dns = self.redirect_dns
            && (self.capture_all_dns || !self.dns_servers_v4.is_empty() || !self.dns_servers_v6.is_empty());
        Ok(Parsed {
            v4_exclude,
            v6_exclude,
            v4_include,
            v6_include,
            redirect_dns,
            owner_groups: InterceptFilter::parse(&self.owner_groups_include, &self.owner_groups_exclude),
        })
    }
}

#[cfg(test)]
mod tests;
