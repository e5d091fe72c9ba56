//! A Kubernetes Service.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::IntOrString;
use crate::meta::ObjectMeta;

/// A Kubernetes Service: a stable name (`name.namespace.svc.cluster.local`) and ports in
/// front of the pods its selector picks. The mesh builds a service host from each.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    /// `v1` or `group/version`.
    pub api_version: String,
    /// `Service`.
    pub kind: String,
    /// Object metadata.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// The desired state.
    #[serde(default)]
    pub spec: ServiceSpec,
    /// The observed state: load-balancer addresses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ServiceStatus>,
}

/// The desired state of a Service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// `ClusterIP` (the default), `NodePort`, `LoadBalancer` or `ExternalName`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// The pods the Service routes to: those carrying all these labels. Empty or absent
    /// means the Service has no managed endpoints.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub selector: BTreeMap<String, String>,
    /// The ports the Service exposes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ServicePort>,
    /// The virtual IP, or `None` for a headless Service.
    #[serde(rename = "clusterIP", default, skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<String>,
    /// The virtual IPs, one per IP family (the first equals `clusterIP`).
    #[serde(rename = "clusterIPs", default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_ips: Vec<String>,
    /// The DNS name an `ExternalName` Service aliases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_name: Option<String>,
    /// Further IPs on which nodes accept traffic for this Service.
    #[serde(rename = "externalIPs", default, skip_serializing_if = "Vec::is_empty")]
    pub external_ips: Vec<String>,
    /// The IP requested from the load balancer (deprecated in Kubernetes).
    #[serde(rename = "loadBalancerIP", default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    /// Client ranges a cloud load balancer admits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load_balancer_source_ranges: Vec<String>,
    /// The load-balancer implementation to use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<String>,
    /// Whether node ports are allocated for a `LoadBalancer` Service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocate_load_balancer_node_ports: Option<bool>,
    /// The node port serving health checks with `externalTrafficPolicy: Local`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check_node_port: Option<i32>,
    /// `None` (the default) or `ClientIP` (sticky sessions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_affinity: Option<String>,
    /// The IP families, `IPv4` and/or `IPv6`, in order of preference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_families: Vec<String>,
    /// `SingleStack`, `PreferDualStack` or `RequireDualStack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_family_policy: Option<String>,
    /// `Cluster` (the default) or `Local`: whether in-cluster traffic may leave the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internal_traffic_policy: Option<String>,
    /// `Cluster` (the default) or `Local`: whether external traffic may leave the node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<String>,
    /// A routing preference, such as `PreferClose` (prefer endpoints in the same zone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traffic_distribution: Option<String>,
    /// Whether endpoints that are not ready are still published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish_not_ready_addresses: Option<bool>,
}

impl ServiceSpec {
    /// Whether the Service is headless (`clusterIP: None`).
    pub fn is_headless(&self) -> bool {
        self.cluster_ip.as_deref() == Some("None")
    }
}

/// One port of a Service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    /// The port's name; required when a Service has several ports. Istio infers the
    /// protocol from a `<protocol>[-suffix]` name when `appProtocol` is unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `TCP` (the default), `UDP` or `SCTP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// The application protocol (`http`, `grpc`, `kubernetes.io/h2c`, ...); Istio prefers it
    /// over the port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<String>,
    /// The port the Service listens on.
    #[serde(default)]
    pub port: i32,
    /// The pods' port, by number or by container port name; defaults to `port`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_port: Option<IntOrString>,
    /// The port on every node for `NodePort` and `LoadBalancer` Services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

impl ServicePort {
    /// The target port, defaulted to `port` as Kubernetes does.
    pub fn effective_target_port(&self) -> IntOrString {
        self.target_port.clone().unwrap_or(IntOrString::Int(self.port))
    }
}

/// The observed state of a Service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceStatus {
    /// The load balancer's state, for `LoadBalancer` Services.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<LoadBalancerStatus>,
}

/// The addresses a load balancer was given (also used by an Ingress's status).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerStatus {
    /// The load balancer's ingress points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<LoadBalancerIngress>,
}

/// One ingress point of a load balancer: an IP or a hostname.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadBalancerIngress {
    /// The ingress point's IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// The ingress point's DNS name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_port_is_int_or_string_and_defaults_to_port() {
        let yaml = r#"
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default}
spec:
  selector: {app: reviews}
  clusterIP: None
  ports:
  - {name: http, port: 9080, targetPort: http}
  - {name: grpc, port: 9090, targetPort: 19090, appProtocol: grpc}
  - {name: tcp, port: 9100}
"#;
        let svc: Service = serde_yaml_ng::from_str(yaml).unwrap();
        assert!(svc.spec.is_headless());
        let p = &svc.spec.ports;
        assert_eq!(p[0].effective_target_port(), IntOrString::String("http".into()));
        assert_eq!(p[1].effective_target_port(), IntOrString::Int(19090));
        assert_eq!(p[2].effective_target_port(), IntOrString::Int(9100));
        let json = serde_json::to_value(&svc).unwrap();
        assert_eq!(json["spec"]["clusterIP"], "None");
        assert_eq!(serde_json::from_value::<Service>(json).unwrap(), svc);
    }
}
