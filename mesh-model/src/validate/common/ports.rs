//! Port numbers and port names (istio/istio `pkg/config/validation/agent` `ValidatePort`,
//! `ValidatePortName`).

use super::dns::is_dns1123_label;

/// A port number in `1..=65535` (Istio's `ValidatePort`).
pub(crate) fn validate_port(port: u32) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// A port name must be a DNS-1123 label (Istio's `ValidatePortName`; ServiceEntry ports and
/// WorkloadEntry / ServiceEntry endpoint ports).
pub(crate) fn validate_port_name(name: &str) -> Result<(), String> {
    if is_dns1123_label(name) {
        Ok(())
    } else {
        Err(format!("invalid port name {name:?}: must be a DNS-1123 label"))
    }
}
