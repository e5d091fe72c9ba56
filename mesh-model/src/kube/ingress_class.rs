//! A Kubernetes IngressClass (networking.k8s.io/v1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::meta::ObjectMeta;

/// The controller name of Istio's IngressClass (`istio.io/ingress-controller`).
pub const ISTIO_INGRESS_CONTROLLER: &str = "istio.io/ingress-controller";

/// A Kubernetes IngressClass (networking.k8s.io/v1, cluster-scoped): which controller
/// implements the Ingresses that name it in `ingressClassName`.
///
/// ```
/// use mesh_model::kube::IngressClass;
/// let class: IngressClass = serde_json::from_value(serde_json::json!({
///     "apiVersion": "networking.k8s.io/v1", "kind": "IngressClass",
///     "metadata": {"name": "istio"}, "spec": {"controller": "istio.io/ingress-controller"}
/// })).unwrap();
/// assert!(class.is_istio());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressClass {
    /// `networking.k8s.io/v1`.
    pub api_version: String,
    /// `IngressClass`.
    pub kind: String,
    /// Object metadata (no namespace: the kind is cluster-scoped).
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The controller and its parameters.
    #[serde(default)]
    pub spec: IngressClassSpec,
}

/// What an IngressClass says.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressClassSpec {
    /// The controller that implements the class (`istio.io/ingress-controller` for Istio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
    /// A reference to the controller's own configuration for the class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<IngressClassParametersReference>,
}

/// A reference to an IngressClass's parameters resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressClassParametersReference {
    /// The API group of the referenced resource (empty: the core group).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    /// Its kind.
    #[serde(default)]
    pub kind: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its namespace, when `scope` is `Namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `Cluster` or `Namespace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl IngressClass {
    /// Whether Istio's ingress controller implements the class.
    pub fn is_istio(&self) -> bool {
        self.spec.controller.as_deref() == Some(ISTIO_INGRESS_CONTROLLER)
    }
}
