//! A Kubernetes Ingress (networking.k8s.io/v1).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::LoadBalancerStatus;
use crate::meta::ObjectMeta;

/// A Kubernetes Ingress (networking.k8s.io/v1): HTTP routes from hosts and paths to
/// Services, which Istio's ingress gateway serves when the class is `istio`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ingress {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `Ingress`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The routes.
    #[serde(default)]
    pub spec: IngressSpec,
    /// The observed state: the addresses the Ingress is served on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<IngressStatus>,
}

/// The routes of an Ingress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    /// The IngressClass that implements this Ingress (`istio` for Istio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress_class_name: Option<String>,
    /// Where requests that match no rule go.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_backend: Option<IngressBackend>,
    /// TLS termination: hosts and the Secret holding their certificate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<IngressTls>,
    /// The host rules, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<IngressRule>,
}

/// TLS settings for some hosts of an Ingress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressTls {
    /// The hosts the certificate covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// The Secret, in the Ingress's namespace, holding the certificate and key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
}

/// The routes of one host (or of every host when `host` is unset).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressRule {
    /// The host, exact (`foo.example.com`) or with a leading wildcard label (`*.example.com`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The HTTP paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpIngressRuleValue>,
}

/// The HTTP paths of an Ingress rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpIngressRuleValue {
    /// The paths and their backends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<HttpIngressPath>,
}

/// One path of an Ingress rule and the backend it routes to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpIngressPath {
    /// The path, starting with `/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `Exact`, `Prefix` (element-wise, split on `/`) or `ImplementationSpecific`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_type: Option<String>,
    /// Where matching requests go.
    #[serde(default)]
    pub backend: IngressBackend,
}

/// Where an Ingress sends requests: a Service port or another resource (exactly one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressBackend {
    /// A Service in the Ingress's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<IngressServiceBackend>,
    /// Another object in the Ingress's namespace (such as a storage bucket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<TypedLocalObjectReference>,
}

/// A Service port an Ingress routes to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressServiceBackend {
    /// The Service's name.
    #[serde(default)]
    pub name: String,
    /// The Service's port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<ServiceBackendPort>,
}

/// A Service port, by name or by number (exactly one is set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceBackendPort {
    /// The port's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The port's number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<i32>,
}

/// A reference to an object in the same namespace, by API group, kind and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TypedLocalObjectReference {
    /// The referent's API group; unset for the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_group: Option<String>,
    /// The referent's kind.
    #[serde(default)]
    pub kind: String,
    /// The referent's name.
    #[serde(default)]
    pub name: String,
}

/// The observed state of an Ingress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct IngressStatus {
    /// The addresses the Ingress is served on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerStatus>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_round_trips_an_ingress() {
        let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: default}
spec:
  ingressClassName: istio
  tls: [{hosts: [shop.example.com], secretName: shop-cert}]
  defaultBackend: {resource: {apiGroup: k8s.example.com, kind: StorageBucket, name: static}}
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}
      - {path: /, pathType: Exact, backend: {service: {name: web, port: {name: http}}}}
status:
  loadBalancer:
    ingress: [{hostname: lb.example.com}]
"#;
        let ing: Ingress = serde_yaml_ng::from_str(yaml).unwrap();
        let paths = &ing.spec.rules[0].http.as_ref().unwrap().paths;
        let svc = paths[0].backend.service.as_ref().unwrap();
        assert_eq!((svc.name.as_str(), svc.port.as_ref().unwrap().number), ("api", Some(8080)));
        let port = paths[1].backend.service.as_ref().unwrap().port.as_ref().unwrap();
        assert_eq!(port.name.as_deref(), Some("http"));
        assert_eq!(
            ing.spec.default_backend.as_ref().unwrap().resource.as_ref().unwrap().kind,
            "StorageBucket"
        );
        let json = serde_json::to_value(&ing).unwrap();
        assert_eq!(serde_json::from_value::<Ingress>(json).unwrap(), ing);
    }
}
