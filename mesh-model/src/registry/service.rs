//! A service as the mesh sees it: a host with addresses, ports and visibility, converted from
//! a Kubernetes Service (`pilot/pkg/serviceregistry/kube/conversion.go`) or a ServiceEntry.

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::RegistryOptions;
use super::protocol::Protocol;
use crate::kube;
use crate::networking::Location;

/// The annotation limiting which namespaces see a Kubernetes Service (comma-separated).
pub const ANNOTATION_EXPORT_TO: &str = "networking.istio.io/exportTo";
/// The annotation listing SPIFFE identities a Service's workloads run as.
pub const ANNOTATION_CANONICAL_SERVICE_ACCOUNTS: &str = "alpha.istio.io/canonical-serviceaccounts";
/// The annotation listing Kubernetes service accounts a Service's workloads run as.
pub const ANNOTATION_KUBERNETES_SERVICE_ACCOUNTS: &str = "alpha.istio.io/kubernetes-serviceaccounts";
/// Service labels that turn on persistent sessions (and so draining endpoints).
pub const LABELS_PERSISTENT_SESSION: [&str; 2] =
    ["istio.io/persistent-session", "istio.io/persistent-session-header"];

/// Which registry a service comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Origin {
    /// A Kubernetes Service.
    Kubernetes,
    /// A ServiceEntry (one service per host).
    ServiceEntry,
}

impl Origin {
    /// `Kubernetes` or `ServiceEntry`: the kind of the object the service comes from.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Kubernetes => "Kubernetes",
            Self::ServiceEntry => "ServiceEntry",
        }
    }
}

/// How a client reaches a service's endpoints (Istio's `model.Resolution`), written in the
/// ServiceEntry vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// The proxy load-balances over the registry's endpoints (`STATIC`; Kubernetes ClusterIP).
    ClientSideLb,
    /// The original destination IP is used (`NONE`; headless Services).
    Passthrough,
    /// Endpoints are DNS names resolved by the proxy, every address used (`DNS`).
    DnsLb,
    /// As `DnsLb`, but only the first address for each new connection (`DNS_ROUND_ROBIN`).
    DnsRoundRobinLb,
    /// Each request's host is resolved at request time (`DYNAMIC_DNS`).
    DynamicDns,
    /// A Kubernetes `ExternalName` Service: an alias of another DNS name (`ALIAS`).
    Alias,
}

impl Resolution {
    /// `STATIC`, `NONE`, `DNS`, `DNS_ROUND_ROBIN`, `DYNAMIC_DNS` or `ALIAS`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ClientSideLb => "STATIC",
            Self::Passthrough => "NONE",
            Self::DnsLb => "DNS",
            Self::DnsRoundRobinLb => "DNS_ROUND_ROBIN",
            Self::DynamicDns => "DYNAMIC_DNS",
            Self::Alias => "ALIAS",
        }
    }
}

/// Which namespaces see a service (`exportTo`), resolved: `.` is the service's own namespace.
///
/// ```
/// use mesh_model::registry::ExportTo;
/// let e = ExportTo::parse(["."].iter().copied(), "shop");
/// assert!(e.is_visible_from("shop") && !e.is_visible_from("other"));
/// assert!(ExportTo::parse(["*", "~"].iter().copied(), "shop").is_visible_from("other"));
/// assert!(!ExportTo::parse(["~"].iter().copied(), "shop").is_visible_from("shop"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExportTo {
    /// Every namespace (`*`).
    Public,
    /// No namespace (`~`).
    Hidden,
    /// These namespaces (`.` resolved to the service's own).
    Namespaces(BTreeSet<String>),
}

impl ExportTo {
    /// Resolves `exportTo` entries as Istio's push context does: `*` anywhere makes the
    /// service public; otherwise `~` anywhere hides it; otherwise the listed namespaces (`.`
    /// meaning `own_namespace`) see it.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>, own_namespace: &str) -> Self {
        let entries: Vec<&str> = entries.into_iter().map(str::trim).collect();
        if entries.contains(&"*") {
            return Self::Public;
        }
        if entries.contains(&"~") {
            return Self::Hidden;
        }
        Self::Namespaces(
            entries.iter().map(|e| if *e == "." { own_namespace } else { e }.to_string()).collect(),
        )
    }

    /// Whether clients in `namespace` see the service.
    pub fn is_visible_from(&self, namespace: &str) -> bool {
        match self {
            Self::Public => true,
            Self::Hidden => false,
            Self::Namespaces(set) => set.contains(namespace),
        }
    }

    /// Whether every namespace sees the service.
    pub fn is_public(&self) -> bool {
        matches!(self, Self::Public)
    }

    /// The entries, as `exportTo` would list them (`["*"]`, `["~"]` or namespace names).
    pub fn entries(&self) -> Vec<String> {
        match self {
            Self::Public => vec!["*".to_string()],
            Self::Hidden => vec!["~".to_string()],
            Self::Namespaces(set) => set.iter().cloned().collect(),
        }
    }
}

/// A Service's target port as written: a number, or the name of a container port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetPort {
    /// A port number on the endpoints.
    Number(u32),
    /// A container port name, resolved per pod (Kubernetes writes the number into each
    /// EndpointSlice).
    Name(String),
}

impl fmt::Display for TargetPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => write!(f, "{n}"),
            Self::Name(s) => f.write_str(s),
        }
    }
}

/// One port of a service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServicePort {
    /// The port's name (`""` for the single unnamed port of a Kubernetes Service). Endpoints
    /// name the service port they serve by this name.
    pub name: String,
    /// The port clients address.
    pub number: u32,
    /// The protocol Istio selects for the port.
    pub protocol: Protocol,
    /// Where the endpoints listen: a Kubernetes `targetPort` (defaulted to the port) or a
    /// ServiceEntry `targetPort`; `None` for a ServiceEntry port without one.
    pub target_port: Option<TargetPort>,
    /// The Kubernetes `appProtocol`, when set.
    pub app_protocol: Option<String>,
}

/// A service in the registry: one host, its addresses, ports, visibility and the workloads it
/// selects. Endpoints are held beside it (see [`Registry::endpoints`](super::Registry::endpoints)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The FQDN (`reviews.default.svc.cluster.local`) or a ServiceEntry host, which may be a
    /// wildcard (`*.example.com`).
    pub hostname: String,
    /// The namespace of the object the service comes from.
    pub namespace: String,
    /// The name of that object (the Service or the ServiceEntry).
    pub name: String,
    /// The registry the service comes from.
    pub origin: Origin,
    /// Virtual IPs: a Service's `clusterIPs`, a ServiceEntry's `addresses` (CIDRs with a full
    /// mask written as plain IPs). Empty when unspecified (Istio's `0.0.0.0`) or headless.
    pub addresses: Vec<String>,
    /// The ports, in declaration order.
    pub ports: Vec<ServicePort>,
    /// How clients reach the endpoints.
    pub resolution: Resolution,
    /// Inside the mesh, or outside (ExternalName Services and `MESH_EXTERNAL` entries).
    pub location: Location,
    /// Which namespaces see the service (mesh default applied when unset).
    pub export_to: ExportTo,
    /// The labels of the Service or ServiceEntry.
    pub labels: BTreeMap<String, String>,
    /// The workloads the service selects: a Service's `selector` or a ServiceEntry's
    /// `workloadSelector.labels`; `None` when it has none (an empty selector counts as none).
    pub selector: Option<BTreeMap<String, String>>,
    /// Identities the service's workloads run as, from the `alpha.istio.io/*serviceaccounts`
    /// annotations or a ServiceEntry's `subjectAltNames`.
    pub service_accounts: Vec<String>,
    /// The Kubernetes Service `type` (`ClusterIP`, `NodePort`, `LoadBalancer`,
    /// `ExternalName`); `None` for ServiceEntries.
    pub service_type: Option<String>,
    /// The DNS name an `ExternalName` Service aliases.
    pub external_name: Option<String>,
    /// Addresses outside the cluster: load-balancer ingress IPs or hostnames, then
    /// `externalIPs`.
    pub external_addresses: Vec<String>,
    /// Whether `internalTrafficPolicy: Local` keeps traffic on the client's node.
    pub node_local: bool,
    /// Whether endpoints that are not ready are published (`publishNotReadyAddresses`).
    pub publish_not_ready_addresses: bool,
    /// The object's `creationTimestamp` as written.
    pub creation_timestamp: Option<String>,
    /// `creationTimestamp` as nanoseconds since the epoch (missing: oldest).
    pub(crate) created: i128,
}

/// Identifies a service: its origin, the object's namespace and name, and the host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceKey {
    /// The registry.
    pub origin: Origin,
    /// The object's namespace.
    pub namespace: String,
    /// The object's name.
    pub name: String,
    /// The host.
    pub hostname: String,
}

/// The parts of a service key, borrowed, so that a map keyed by [`SvcId`] is searched with a
/// [`ServiceKey`] or a [`Service`] without building a key.
pub(crate) trait KeyParts {
    /// Origin, namespace, name, host.
    fn parts(&self) -> (Origin, &str, &str, &str);
}

impl KeyParts for ServiceKey {
    fn parts(&self) -> (Origin, &str, &str, &str) {
        (self.origin, &self.namespace, &self.name, &self.hostname)
    }
}

impl KeyParts for Service {
    fn parts(&self) -> (Origin, &str, &str, &str) {
        (self.origin, &self.namespace, &self.name, &self.hostname)
    }
}

impl PartialEq for dyn KeyParts + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyParts + '_ {}

impl Hash for dyn KeyParts + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.parts().hash(state);
    }
}

/// A shared service key, hashed by its parts (see [`KeyParts`]).
#[derive(Debug, Clone)]
pub(crate) struct SvcId(pub(crate) Arc<ServiceKey>);

impl PartialEq for SvcId {
    fn eq(&self, other: &Self) -> bool {
        self.0.parts() == other.0.parts()
    }
}

impl Eq for SvcId {}

impl Hash for SvcId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.parts().hash(state);
    }
}

impl<'a> Borrow<dyn KeyParts + 'a> for SvcId {
    fn borrow(&self) -> &(dyn KeyParts + 'a) {
        &*self.0
    }
}

impl Service {
    /// The key identifying this service in the registry.
    pub fn key(&self) -> ServiceKey {
        ServiceKey {
            origin: self.origin,
            namespace: self.namespace.clone(),
            name: self.name.clone(),
            hostname: self.hostname.clone(),
        }
    }

    /// The port with this number.
    pub fn port(&self, number: u32) -> Option<&ServicePort> {
        self.ports.iter().find(|p| p.number == number)
    }

    /// The port with this name.
    pub fn port_by_name(&self, name: &str) -> Option<&ServicePort> {
        self.ports.iter().find(|p| p.name == name)
    }

    /// Whether the service is outside the mesh.
    pub fn is_mesh_external(&self) -> bool {
        self.location == Location::MeshExternal
    }

    /// Whether the hostname is a wildcard (`*.example.com`).
    pub fn is_wildcard(&self) -> bool {
        self.hostname.starts_with('*')
    }

    /// Whether the service is a headless Kubernetes Service (`clusterIP: None`).
    pub fn is_headless(&self) -> bool {
        self.origin == Origin::Kubernetes && self.resolution == Resolution::Passthrough
    }

    /// Whether endpoints that stopped being ready while serving count as draining: the
    /// service uses persistent sessions.
    pub fn supports_draining(&self) -> bool {
        LABELS_PERSISTENT_SESSION.iter().any(|l| self.labels.get(*l).is_some_and(|v| !v.is_empty()))
    }

    /// Istio's precedence among services of the same host: older first, then by name
    /// (the host for ServiceEntries), then namespace; the key breaks remaining ties.
    pub(crate) fn precedence(&self) -> (i128, &str, &str, Origin, &str) {
        let name = match self.origin {
            Origin::Kubernetes => self.name.as_str(),
            Origin::ServiceEntry => self.hostname.as_str(),
        };
        (self.created, name, self.namespace.as_str(), self.origin, self.name.as_str())
    }
}

/// The FQDN of a Kubernetes Service: `name.namespace.svc.domainSuffix`.
pub fn kube_hostname(name: &str, namespace: &str, domain_suffix: &str) -> String {
    format!("{name}.{namespace}.svc.{domain_suffix}")
}

fn split_list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Converts a Kubernetes Service as Istio's `ConvertService` does.
pub(crate) fn from_kube(svc: &kube::Service, options: &RegistryOptions) -> Service {
    let meta = &svc.metadata;
    let spec = &svc.spec;
    let namespace = meta.namespace().to_string();
    let type_ = spec.type_.clone().unwrap_or_else(|| "ClusterIP".to_string());
    let external_name = spec.external_name.clone().filter(|n| type_ == "ExternalName" && !n.is_empty());
    let mut resolution = if external_name.is_some() { Resolution::Alias } else { Resolution::ClientSideLb };
    let mut addresses = Vec::new();
    if spec.is_headless() {
        resolution = Resolution::Passthrough;
    } else if let Some(ip) = spec.cluster_ip.as_deref().filter(|ip| !ip.is_empty()) {
        addresses = if spec.cluster_ips.len() > 1 { spec.cluster_ips.clone() } else { vec![ip.to_string()] };
    }
    let ports = spec
        .ports
        .iter()
        .map(|p| ServicePort {
            name: p.name.clone().unwrap_or_default(),
            number: u32::try_from(p.port).unwrap_or(0),
            protocol: Protocol::from_kube_port(
                p.port,
                p.name.as_deref(),
                p.protocol.as_deref(),
                p.app_protocol.as_deref(),
            ),
            target_port: Some(match p.effective_target_port() {
                kube::IntOrString::Int(n) => TargetPort::Number(u32::try_from(n).unwrap_or(0)),
                kube::IntOrString::String(s) => TargetPort::Name(s),
            }),
            app_protocol: p.app_protocol.clone(),
        })
        .collect();
    let mut service_accounts: Vec<String> = Vec::new();
    if let Some(v) = meta.annotations.get(ANNOTATION_CANONICAL_SERVICE_ACCOUNTS) {
        service_accounts.extend(split_list(v).map(str::to_string));
    }
    if let Some(v) = meta.annotations.get(ANNOTATION_KUBERNETES_SERVICE_ACCOUNTS) {
        service_accounts.extend(
            split_list(v).map(|sa| format!("spiffe://{}/ns/{namespace}/sa/{sa}", options.trust_domain)),
        );
    }
    let export_to = match meta.annotations.get(ANNOTATION_EXPORT_TO).filter(|v| !v.is_empty()) {
        Some(v) => ExportTo::parse(v.split(','), &namespace),
        None => ExportTo::parse(options.default_export_to.iter().map(String::as_str), &namespace),
    };
    let mut external_addresses = Vec::new();
    if type_ == "LoadBalancer"
        && let Some(lb) = svc.status.as_ref().and_then(|s| s.load_balancer.as_ref())
    {
        for ing in &lb.ingress {
            match (ing.ip.as_deref(), ing.hostname.as_deref()) {
                (Some(ip), _) if !ip.is_empty() => external_addresses.push(ip.to_string()),
                (_, Some(h)) if !h.is_empty() => external_addresses.push(h.to_string()),
                _ => {}
            }
        }
    }
    external_addresses.extend(spec.external_ips.iter().cloned());
    Service {
        hostname: kube_hostname(meta.name(), &namespace, &options.domain_suffix),
        name: meta.name().to_string(),
        origin: Origin::Kubernetes,
        addresses,
        ports,
        resolution,
        location: if external_name.is_some() { Location::MeshExternal } else { Location::MeshInternal },
        export_to,
        labels: meta.labels.clone(),
        selector: (!spec.selector.is_empty()).then(|| spec.selector.clone()),
        service_accounts,
        service_type: Some(type_),
        external_name,
        external_addresses,
        node_local: spec.internal_traffic_policy.as_deref() == Some("Local"),
        publish_not_ready_addresses: spec.publish_not_ready_addresses.unwrap_or(false),
        creation_timestamp: meta.creation_timestamp.clone(),
        created: created_nanos(meta.creation_timestamp.as_deref()),
        namespace,
    }
}

/// A creation timestamp as nanoseconds since the epoch; missing or unreadable sorts first.
pub(crate) fn created_nanos(ts: Option<&str>) -> i128 {
    ts.and_then(crate::snapshot::parse_rfc3339).unwrap_or(i128::MIN)
}
