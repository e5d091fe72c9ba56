//! A ServiceEntry: a service added to the mesh's registry.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::networking::WorkloadEntrySpec;
use crate::object::IstioObject;

/// A ServiceEntry: a service added to the mesh's registry.
pub type ServiceEntry = IstioObject<ServiceEntrySpec>;

/// The `spec` of a [`ServiceEntry`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntrySpec {
    /// Host names of the service (required); may carry a `*.` prefix wildcard.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Virtual IPs or CIDR blocks of the service; traffic to them is matched to this service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Ports of the service.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// Whether the service is outside (default) or part of the mesh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// How the proxy resolves the service's endpoints; unset is `NONE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// Endpoints of the service (exclusive with `workloadSelector`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub endpoints: Vec<WorkloadEntrySpec>,
    /// Selects pods and WorkloadEntries of the namespace as endpoints (MESH_INTERNAL only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_selector: Option<ServiceEntryWorkloadSelector>,
    /// Namespaces the service is visible to: `.` (own), `*` (all), `~` (none) or names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
    /// Subject alternative names the server certificate must present one of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subject_alt_names: Vec<String>,
}

/// A port of a ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// The port number (required).
    #[serde(default)]
    pub number: u32,
    /// Protocol on the port: `HTTP`, `HTTPS`, `GRPC`, `HTTP2`, `MONGO`, `TCP`, `TLS`, ...;
    /// unset means protocol sniffing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Name of the port (required), a DNS-1123 label unique in the ServiceEntry.
    #[serde(default)]
    pub name: String,
    /// Port on the endpoints receiving the traffic; defaults to `number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<u32>,
}

/// Where a ServiceEntry's service lives relative to the mesh.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Location {
    /// Outside the mesh: no mTLS, policies enforced on the client side (the default).
    #[default]
    MeshExternal,
    /// Part of the mesh: the workloads run sidecars (VMs added by hand).
    MeshInternal,
}

/// How the endpoints of a ServiceEntry's hosts are found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Resolution {
    /// The connection's original destination IP is used (the default).
    #[default]
    None,
    /// The addresses of the `endpoints` (or selected workloads) are used.
    Static,
    /// The hosts (or endpoint addresses) are resolved by DNS asynchronously, all IPs used.
    Dns,
    /// As `DNS`, but only the first IP returned is used for a new connection.
    DnsRoundRobin,
    /// Each request's host is resolved at request time (Envoy's dynamic forward proxy);
    /// needs wildcard hosts.
    DynamicDns,
}

/// Selects workloads by labels (Istio's `networking.v1alpha3.WorkloadSelector`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceEntryWorkloadSelector {
    /// Labels a workload must all carry; wildcards are not supported.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}
