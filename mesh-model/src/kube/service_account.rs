//! A Kubernetes ServiceAccount.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// A Kubernetes ServiceAccount: the identity a workload runs as. Istio derives the
/// workload's SPIFFE ID from it (`spiffe://<trust-domain>/ns/<namespace>/sa/<name>`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `ServiceAccount`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Whether pods running as this account get an API token mounted; `None` means yes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_service_account_token: Option<bool>,
}
