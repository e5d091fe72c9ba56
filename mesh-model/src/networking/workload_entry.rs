//! A WorkloadEntry: a non-Kubernetes workload (a VM) in the mesh.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A WorkloadEntry: a non-Kubernetes workload (a VM) in the mesh.
pub type WorkloadEntry = IstioObject<WorkloadEntrySpec>;

/// The `spec` of a [`WorkloadEntry`]: one network endpoint of a workload. Also the shape of a
/// ServiceEntry's `endpoints` and a WorkloadGroup's `template`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadEntrySpec {
    /// Address of the endpoint without the port: an IP, a DNS name (DNS resolution) or a
    /// `unix://` socket path. May be unset when `network` is set (reached through a gateway).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Port name to port number on this endpoint; names refer to the service's port names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ports: BTreeMap<String, u32>,
    /// Labels of the endpoint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The L3 network the endpoint lives in; endpoints of other networks are reached through
    /// that network's gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    /// Locality of the endpoint, `region/zone/subzone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// Load-balancing weight; unset or 0 means 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<u32>,
    /// Service account of the workload when it runs a sidecar (its identity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}
