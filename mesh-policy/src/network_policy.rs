//! Kubernetes NetworkPolicy: whether the L3/L4 network lets a connection through, as the
//! `networking.k8s.io/v1` semantics (and the network policy conformance tests) define it.
//!
//! A pod selected by some policy of a direction is isolated for that direction: only what a
//! rule of such a policy allows gets through; a pod no policy selects is not isolated. A
//! connection needs both the source's egress and the destination's ingress to allow it.
//! Peers: `podSelector` alone selects pods of the policy's namespace, `namespaceSelector`
//! alone every pod of the selected namespaces, both together the selected pods of the selected
//! namespaces, `ipBlock` an address range minus its `except` ranges. Ports: empty means every
//! port; a port is a number (with `endPort`, a range) or a named container port of the
//! destination pod; the protocol defaults to TCP.

use std::collections::BTreeMap;
use std::net::IpAddr;

use mesh_model::kube::{
    ContainerPort, IntOrString, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort,
};
use mesh_model::{Kind, Resource, Snapshot};

use crate::authz::PolicyRef;
use crate::ip::Cidr;

/// The label Kubernetes puts on every namespace, naming it.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// One end of a connection: a pod (namespace, labels, IP, declared ports) or, with no
/// namespace, an address outside the cluster.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    /// The pod's namespace; `None` for an address outside the cluster.
    pub namespace: Option<&'a str>,
    /// The pod's labels.
    pub labels: &'a BTreeMap<String, String>,
    /// The address.
    pub ip: Option<IpAddr>,
    /// The pod's container ports (named ports resolve against the destination's).
    pub ports: &'a [ContainerPort],
}

/// A connection from `source` to `destination` on `port`.
#[derive(Debug, Clone, Copy)]
pub struct Connection<'a> {
    /// The client.
    pub source: Endpoint<'a>,
    /// The server.
    pub destination: Endpoint<'a>,
    /// The destination port.
    pub port: u16,
    /// `TCP`, `UDP` or `SCTP`.
    pub protocol: &'a str,
}

/// The verdict of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectionVerdict<'a> {
    /// Whether some policy isolates the pod for this direction.
    pub isolated: bool,
    /// Whether the connection may pass in this direction.
    pub allowed: bool,
    /// The first policy (in precedence order) whose rule allowed it, when isolated.
    pub policy: Option<PolicyRef<'a>>,
}

/// The verdict for a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkVerdict<'a> {
    /// Whether the connection gets through (egress and ingress both allow it).
    pub allowed: bool,
    /// The source pod's egress.
    pub egress: DirectionVerdict<'a>,
    /// The destination pod's ingress.
    pub ingress: DirectionVerdict<'a>,
}

/// NetworkPolicies and namespace labels, compiled: immutable, `Send + Sync`.
#[derive(Debug, Default)]
pub struct NetworkPolicies {
    policies: Vec<NetworkPolicy>,
    namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ingress,
    Egress,
}

impl NetworkPolicies {
    /// Compiles the snapshot's NetworkPolicies and Namespace labels.
    pub fn compile(snapshot: &Snapshot) -> NetworkPolicies {
        let policies = snapshot.of_kind(Kind::NetworkPolicy).iter().filter_map(|r| match r {
            Resource::NetworkPolicy(p) => Some(p.clone()),
            _ => None,
        });
        let namespaces = snapshot.of_kind(Kind::Namespace).iter().filter_map(|r| match r {
            Resource::Namespace(n) => Some((n.metadata.name().to_string(), n.metadata.labels.clone())),
            _ => None,
        });
        Self::new(policies, namespaces)
    }

    /// From policies and `(namespace, labels)` pairs.
    pub fn new(
        policies: impl IntoIterator<Item = NetworkPolicy>,
        namespaces: impl IntoIterator<Item = (String, BTreeMap<String, String>)>,
    ) -> NetworkPolicies {
        NetworkPolicies {
            policies: policies.into_iter().collect(),
            namespace_labels: namespaces.into_iter().collect(),
        }
    }

    fn namespace_matches(&self, sel: &LabelSelector, ns: &str) -> bool {
        let mut labels = self.namespace_labels.get(ns).cloned().unwrap_or_default();
        labels.entry(NAMESPACE_NAME_LABEL.to_string()).or_insert_with(|| ns.to_string());
        sel.matches(&labels)
    }

    fn peer_matches(&self, peer: &NetworkPolicyPeer, policy_ns: &str, other: &Endpoint<'_>) -> bool {
        if let Some(block) = &peer.ip_block {
            let Some(ip) = other.ip else { return false };
            let Some(cidr) = Cidr::parse(&block.cidr) else { return false };
            return cidr.contains(ip)
                && !block.except.iter().filter_map(|e| Cidr::parse(e)).any(|e| e.contains(ip));
        }
        let Some(ns) = other.namespace else { return false };
        let ns_ok = match &peer.namespace_selector {
            Some(sel) => self.namespace_matches(sel, ns),
            None => ns == policy_ns,
        };
        let pod_ok = peer.pod_selector.as_ref().is_none_or(|sel| sel.matches(other.labels));
        (peer.namespace_selector.is_some() || peer.pod_selector.is_some()) && ns_ok && pod_ok
    }

    fn port_matches(p: &NetworkPolicyPort, conn: &Connection<'_>) -> bool {
        let proto = p.protocol.as_deref().unwrap_or("TCP");
        if !proto.eq_ignore_ascii_case(conn.protocol) {
            return false;
        }
        match &p.port {
            None => true,
            Some(IntOrString::Int(n)) => {
                let port = i32::from(conn.port);
                match p.end_port {
                    Some(end) => (*n..=end).contains(&port),
                    None => *n == port,
                }
            }
            Some(IntOrString::String(name)) => conn.destination.ports.iter().any(|cp| {
                cp.name.as_deref() == Some(name.as_str())
                    && cp.container_port == i32::from(conn.port)
                    && cp.protocol.as_deref().unwrap_or("TCP").eq_ignore_ascii_case(conn.protocol)
            }),
        }
    }

    fn direction<'s>(&'s self, dir: Direction, conn: &Connection<'_>) -> DirectionVerdict<'s> {
        let (pod, other) = match dir {
            Direction::Ingress => (&conn.destination, &conn.source),
            Direction::Egress => (&conn.source, &conn.destination),
        };
        let Some(ns) = pod.namespace else {
            return DirectionVerdict { isolated: false, allowed: true, policy: None };
        };
        let mut isolated = false;
        for np in &self.policies {
            let (ingress, egress) = np.spec.effective_policy_types();
            let isolates = match dir {
                Direction::Ingress => ingress,
                Direction::Egress => egress,
            };
            if np.metadata.namespace() != ns || !isolates || !np.spec.pod_selector.matches(pod.labels) {
                continue;
            }
            isolated = true;
            let allowed = match dir {
                Direction::Ingress => np.spec.ingress.iter().any(|r| {
                    (r.from.is_empty() || r.from.iter().any(|p| self.peer_matches(p, ns, other)))
                        && (r.ports.is_empty() || r.ports.iter().any(|p| Self::port_matches(p, conn)))
                }),
                Direction::Egress => np.spec.egress.iter().any(|r| {
                    (r.to.is_empty() || r.to.iter().any(|p| self.peer_matches(p, ns, other)))
                        && (r.ports.is_empty() || r.ports.iter().any(|p| Self::port_matches(p, conn)))
                }),
            };
            if allowed {
                let policy = PolicyRef { namespace: np.metadata.namespace(), name: np.metadata.name() };
                return DirectionVerdict { isolated, allowed: true, policy: Some(policy) };
            }
        }
        DirectionVerdict { isolated, allowed: !isolated, policy: None }
    }

    /// The verdict for `conn`.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use mesh_policy::network_policy::{Connection, Endpoint, NetworkPolicies};
    /// let labels = BTreeMap::new();
    /// let pod = |ns| Endpoint { namespace: Some(ns), labels: &labels, ip: None, ports: &[] };
    /// let np = NetworkPolicies::default();
    /// let v = np.check(&Connection { source: pod("a"), destination: pod("b"), port: 80, protocol: "TCP" });
    /// assert!(v.allowed && !v.ingress.isolated);
    /// ```
    pub fn check<'s>(&'s self, conn: &Connection<'_>) -> NetworkVerdict<'s> {
        let egress = self.direction(Direction::Egress, conn);
        let ingress = self.direction(Direction::Ingress, conn);
        NetworkVerdict { allowed: egress.allowed && ingress.allowed, egress, ingress }
    }
}
