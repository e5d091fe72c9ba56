//! From a pod's annotations to the `istio-iptables` arguments, as Istio's injection template
//! derives them (`traffic.sidecar.istio.io/*`, `sidecar.istio.io/interceptionMode`,
//! `status.sidecar.istio.io/port`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CaptureConfig, CaptureError, InterceptionMode};

/// `sidecar.istio.io/interceptionMode`.
pub const INTERCEPTION_MODE: &str = "sidecar.istio.io/interceptionMode";
/// `traffic.sidecar.istio.io/includeOutboundIPRanges`.
pub const INCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/includeOutboundIPRanges";
/// `traffic.sidecar.istio.io/excludeOutboundIPRanges`.
pub const EXCLUDE_OUTBOUND_IP_RANGES: &str = "traffic.sidecar.istio.io/excludeOutboundIPRanges";
/// `traffic.sidecar.istio.io/includeInboundPorts`.
pub const INCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/includeInboundPorts";
/// `traffic.sidecar.istio.io/excludeInboundPorts`.
pub const EXCLUDE_INBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeInboundPorts";
/// `traffic.sidecar.istio.io/includeOutboundPorts`.
pub const INCLUDE_OUTBOUND_PORTS: &str = "traffic.sidecar.istio.io/includeOutboundPorts";
/// `traffic.sidecar.istio.io/excludeOutboundPorts`.
pub const EXCLUDE_OUTBOUND_PORTS: &str = "traffic.sidecar.istio.io/excludeOutboundPorts";
/// `traffic.sidecar.istio.io/kubevirtInterfaces` (deprecated spelling of the next one).
pub const KUBEVIRT_INTERFACES: &str = "traffic.sidecar.istio.io/kubevirtInterfaces";
/// `istio.io/reroute-virtual-interfaces`.
pub const REROUTE_VIRTUAL_INTERFACES: &str = "istio.io/reroute-virtual-interfaces";
/// `traffic.sidecar.istio.io/excludeInterfaces`.
pub const EXCLUDE_INTERFACES: &str = "traffic.sidecar.istio.io/excludeInterfaces";
/// `status.sidecar.istio.io/port`: the agent's status port, never captured inbound.
pub const STATUS_PORT: &str = "status.sidecar.istio.io/port";

/// The mesh-wide values the template falls back to when an annotation is absent
/// (`.Values.global.proxy.*`, `.MeshConfig`, `.ProxyConfig`), with Istio's defaults, plus
/// what `istio-iptables` learns at run time (DNS resolvers, IPv6), which the caller supplies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CaptureDefaults {
    /// ProxyConfig `interceptionMode` (`REDIRECT`).
    pub interception_mode: String,
    /// MeshConfig `proxyListenPort` (15001).
    pub proxy_listen_port: u16,
    /// MeshConfig `proxyInboundListenPort` (15006).
    pub proxy_inbound_listen_port: u16,
    /// The proxy's UID (1337).
    pub proxy_uid: String,
    /// `global.proxy.includeIPRanges` (`*`).
    pub include_ip_ranges: String,
    /// `global.proxy.excludeIPRanges` (empty).
    pub exclude_ip_ranges: String,
    /// `global.proxy.includeInboundPorts` (`*`).
    pub include_inbound_ports: String,
    /// `global.proxy.excludeInboundPorts` (empty).
    pub exclude_inbound_ports: String,
    /// `global.proxy.includeOutboundPorts` (empty).
    pub include_outbound_ports: String,
    /// `global.proxy.excludeOutboundPorts` (empty).
    pub exclude_outbound_ports: String,
    /// `global.proxy.statusPort` (15020).
    pub status_port: String,
    /// ProxyConfig `proxyMetadata.ISTIO_META_DNS_CAPTURE` is `true`.
    pub dns_capture: bool,
    /// Capture all port-53 traffic (CNI mode), not only to the resolvers.
    pub capture_all_dns: bool,
    /// The pod's IPv4 resolvers (`/etc/resolv.conf`).
    pub dns_servers_v4: Vec<String>,
    /// The pod's IPv6 resolvers.
    pub dns_servers_v6: Vec<String>,
    /// The pod has an IPv6 address.
    pub enable_ipv6: bool,
    /// `INVALID_DROP` is set.
    pub drop_invalid: bool,
}

impl Default for CaptureDefaults {
    fn default() -> Self {
        Self {
            interception_mode: "REDIRECT".into(),
            proxy_listen_port: 15001,
            proxy_inbound_listen_port: 15006,
            proxy_uid: "1337".into(),
            include_ip_ranges: "*".into(),
            exclude_ip_ranges: String::new(),
            include_inbound_ports: "*".into(),
            exclude_inbound_ports: String::new(),
            include_outbound_ports: String::new(),
            exclude_outbound_ports: String::new(),
            status_port: "15020".into(),
            dns_capture: false,
            capture_all_dns: false,
            dns_servers_v4: Vec::new(),
            dns_servers_v6: Vec::new(),
            enable_ipv6: false,
            drop_invalid: false,
        }
    }
}

/// The capture a pod gets: the `istio-iptables` arguments of its init container and the
/// configuration they stand for. `config` is `None` for interception mode `NONE`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodCapture {
    /// The interception mode as written (`REDIRECT`, `TPROXY`, `NONE`).
    pub mode: String,
    /// The init container's arguments, `istio-iptables` first.
    pub args: Vec<String>,
    /// The resulting configuration; `None` when nothing is captured.
    pub config: Option<CaptureConfig>,
}

/// The template's `annotation` helper: the annotation when present, else the default.
fn ann<'a>(annotations: &'a BTreeMap<String, String>, key: &str, default: &'a str) -> &'a str {
    annotations.get(key).map_or(default, String::as_str)
}

/// Adds the status port to the excluded inbound ports unless it is `0` or already there
/// (the template's `excludeInboundPort`).
pub fn exclude_inbound_port(port: &str, excluded: &str) -> String {
    let port = port.trim();
    if port.is_empty() || port == "0" {
        return excluded.to_string();
    }
    let mut out = Vec::new();
    for p in excluded.split(',') {
        if p == port {
            return excluded.to_string();
        }
        let p = p.trim();
        if !p.is_empty() {
            out.push(p.to_string());
        }
    }
    out.push(port.to_string());
    out.join(",")
}

/// Derives a pod's traffic capture from its annotations as Istio's injection template does.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_kube::capture::annotations::{pod_capture, CaptureDefaults};
/// let annotations = BTreeMap::from([(
///     "traffic.sidecar.istio.io/excludeOutboundPorts".to_string(), "5432".to_string())]);
/// let c = pod_capture(&annotations, &CaptureDefaults::default()).unwrap();
/// assert_eq!(c.config.unwrap().inbound_ports_exclude, "15090,15021,15020");
/// assert!(c.args.windows(2).any(|w| w == ["-o", "5432"]));
/// ```
pub fn pod_capture(
    annotations: &BTreeMap<String, String>,
    d: &CaptureDefaults,
) -> Result<PodCapture, CaptureError> {
    let mode = ann(annotations, INTERCEPTION_MODE, &d.interception_mode).to_string();
    let parsed_mode = match mode.as_str() {
        "REDIRECT" => Some(InterceptionMode::Redirect),
        "TPROXY" => Some(InterceptionMode::Tproxy),
        "NONE" => None,
        other => return Err(CaptureError::InvalidMode(other.to_string())),
    };
    let tproxy = parsed_mode == Some(InterceptionMode::Tproxy);
    let uid = if tproxy { "1337".to_string() } else { d.proxy_uid.clone() };
    let include_ranges = ann(annotations, INCLUDE_OUTBOUND_IP_RANGES, &d.include_ip_ranges).to_string();
    let exclude_ranges = ann(annotations, EXCLUDE_OUTBOUND_IP_RANGES, &d.exclude_ip_ranges).to_string();
    let include_inbound = ann(annotations, INCLUDE_INBOUND_PORTS, &d.include_inbound_ports).to_string();
    let status = ann(annotations, STATUS_PORT, &d.status_port);
    let excluded =
        exclude_inbound_port(status, ann(annotations, EXCLUDE_INBOUND_PORTS, &d.exclude_inbound_ports));
    let exclude_inbound =
        if excluded.is_empty() { "15090,15021".to_string() } else { format!("15090,15021,{excluded}") };
    let mut args: Vec<String> = vec![
        "istio-iptables".into(),
        "-p".into(),
        d.proxy_listen_port.to_string(),
        "-z".into(),
        d.proxy_inbound_listen_port.to_string(),
        "-u".into(),
        uid.clone(),
        "-m".into(),
        mode.clone(),
        "-i".into(),
        include_ranges.clone(),
        "-x".into(),
        exclude_ranges.clone(),
        "-b".into(),
        include_inbound.clone(),
        "-d".into(),
        exclude_inbound.clone(),
    ];
    let mut include_outbound = String::new();
    if annotations.contains_key(INCLUDE_OUTBOUND_PORTS) || !d.include_outbound_ports.is_empty() {
        include_outbound = ann(annotations, INCLUDE_OUTBOUND_PORTS, &d.include_outbound_ports).to_string();
        args.extend(["-q".into(), include_outbound.clone()]);
    }
    let mut exclude_outbound = String::new();
    if annotations.contains_key(EXCLUDE_OUTBOUND_PORTS) || !d.exclude_outbound_ports.is_empty() {
        exclude_outbound = ann(annotations, EXCLUDE_OUTBOUND_PORTS, &d.exclude_outbound_ports).to_string();
        args.extend(["-o".into(), exclude_outbound.clone()]);
    }
    let reroute =
        annotations.get(REROUTE_VIRTUAL_INTERFACES).or_else(|| annotations.get(KUBEVIRT_INTERFACES)).cloned();
    if let Some(k) = &reroute {
        args.extend(["-k".into(), k.clone()]);
    }
    let exclude_ifaces = annotations.get(EXCLUDE_INTERFACES).cloned();
    if let Some(c) = &exclude_ifaces {
        args.extend(["-c".into(), c.clone()]);
    }
    args.push("--log_output_level=default:info".into());

    let config = parsed_mode.map(|m| CaptureConfig {
        proxy_port: d.proxy_listen_port.to_string(),
        inbound_capture_port: d.proxy_inbound_listen_port.to_string(),
        proxy_uid: uid.clone(),
        // istio-iptables: an unset GID is the UID.
        proxy_gid: uid.clone(),
        inbound_interception_mode: m,
        inbound_ports_include: include_inbound.clone(),
        inbound_ports_exclude: exclude_inbound.clone(),
        outbound_ip_ranges_include: include_ranges.clone(),
        outbound_ip_ranges_exclude: exclude_ranges.clone(),
        outbound_ports_include: include_outbound.clone(),
        outbound_ports_exclude: exclude_outbound.clone(),
        reroute_virtual_interfaces: reroute.clone().unwrap_or_default(),
        exclude_interfaces: exclude_ifaces.clone().unwrap_or_default(),
        redirect_dns: d.dns_capture,
        capture_all_dns: d.capture_all_dns,
        dns_servers_v4: d.dns_servers_v4.clone(),
        dns_servers_v6: d.dns_servers_v6.clone(),
        enable_ipv6: d.enable_ipv6,
        drop_invalid: d.drop_invalid,
        ..CaptureConfig::default()
    });
    if let Some(c) = &config {
        c.validate().map_err(|e| rename_field(e, annotations))?;
    }
    Ok(PodCapture { mode, args, config })
}

/// Names the annotation (rather than the flag) in a validation error.
fn rename_field(e: CaptureError, annotations: &BTreeMap<String, String>) -> CaptureError {
    let name = |field: &str| -> String {
        let key = match field {
            "inboundPortsInclude" => INCLUDE_INBOUND_PORTS,
            "inboundPortsExclude" => EXCLUDE_INBOUND_PORTS,
            "outboundPortsInclude" => INCLUDE_OUTBOUND_PORTS,
            "outboundPortsExclude" => EXCLUDE_OUTBOUND_PORTS,
            "outboundIPRangesInclude" => INCLUDE_OUTBOUND_IP_RANGES,
            "outboundIPRangesExclude" => EXCLUDE_OUTBOUND_IP_RANGES,
            _ => return field.to_string(),
        };
        if annotations.contains_key(key) { key.to_string() } else { format!("the mesh default for {key}") }
    };
    match e {
        CaptureError::InvalidPort { field, value } => {
            CaptureError::InvalidPort { field: name(&field), value }
        }
        CaptureError::InvalidCidr { field, value } => {
            CaptureError::InvalidCidr { field: name(&field), value }
        }
        CaptureError::WildcardExclude { field } => CaptureError::WildcardExclude { field: name(&field) },
        other => other,
    }
}
