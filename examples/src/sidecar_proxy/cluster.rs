//! Upstream clusters: the endpoints of one destination (host, subset, port) as the mesh
//! registry lists them, shaped for this client by [`ClusterLoadAssignment`] (subset, Istio's
//! locality priorities and weights, Envoy's priority loads), and the pick of one endpoint per
//! request.
//!
//! The pick is Envoy's for the DestinationRule's policy
//! ([`ClusterLoadAssignment::pick_in`]): least request (Istio's default) reads the
//! cluster's own count of requests in flight to each endpoint, ring hash and Maglev the
//! request's hash from the DestinationRule's `consistentHash` key.
//!
//! Built on first use for each destination of a configuration generation and kept until
//! the next reload. Endpoint health is the registry's (readiness); the example does no
//! active health checking or outlier ejection.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use mesh_identity::{SpiffeId, TrustDomain};
use mesh_model::networking::LbPolicy;
use mesh_model::networking::LocalityLoadBalancerSetting;
use mesh_model::registry::Service;
use mesh_routing::RouteDecision;
use mesh_routing::lb::cluster::{
    ClientLocality, ClusterLoadAssignment, ClusterSettings, PickContext, PickState, endpoint_from_registry,
};
use mesh_routing::lb::hash_policy::{HashInput, request_hash, set_cookie_header};
use mesh_routing::lb::{HashPolicy, Locality};

use crate::credentials::Draws;

/// One endpoint a request can be sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `ip:port` of the peer sidecar's inbound listener.
    pub address: String,
    /// The SPIFFE ID the peer must present, when the registry knows its service account.
    pub spiffe_id: Option<SpiffeId>,
    /// `region/zone/subzone`.
    pub locality: String,
    /// Its locality priority for this client (0 is the nearest).
    pub priority: u32,
}

/// The endpoints of one destination and the state that balances over them.
#[derive(Debug)]
pub struct Cluster {
    /// One per member of `assignment`.
    upstreams: Vec<Upstream>,
    assignment: ClusterLoadAssignment,
    /// The balancer's round-robin and locality schedules.
    state: Mutex<PickState>,
    /// What requests are hashed on (the DestinationRule's `consistentHash` key).
    hash_policies: Vec<HashPolicy>,
    /// Requests in flight to each member (awaiting response headers).
    active: Vec<AtomicU64>,
}

/// An endpoint picked for a request.
#[derive(Debug)]
pub struct Picked {
    /// Where the request goes.
    pub upstream: Upstream,
    /// Counts it in flight until dropped.
    pub in_flight: InFlight,
    /// The `set-cookie` header for a generated hash cookie.
    pub set_cookie: Option<String>,
}

/// One request in flight to a cluster member, counted until dropped.
#[derive(Debug)]
pub struct InFlight {
    cluster: Arc<Cluster>,
    member: usize,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if let Some(a) = self.cluster.active.get(self.member) {
            a.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Who the client is, for locality priorities and subset-independent identity.
#[derive(Debug, Clone, Copy)]
pub struct ClientView<'a> {
    /// The client's locality.
    pub locality: &'a Locality,
    /// The client's labels (for `failoverPriority`).
    pub labels: &'a BTreeMap<String, String>,
    /// The trust domain peers' SPIFFE IDs are in.
    pub trust_domain: &'a TrustDomain,
}

// === impl Cluster ===

impl Cluster {
    /// The cluster of the destination `decision` selected, over `endpoints` (the service's
    /// endpoints on the cluster's port, [`ClusterSettings::port`]).
    pub fn build(
        decision: &RouteDecision<'_>,
        service: &Service,
        endpoints: Vec<&mesh_model::registry::Endpoint>,
        mesh_locality: &LocalityLoadBalancerSetting,
        client: ClientView<'_>,
    ) -> Self {
        let settings = ClusterSettings::for_decision(decision, mesh_locality);
        let me = ClientLocality { locality: client.locality.clone(), labels: client.labels.clone() };
        let assignment = ClusterLoadAssignment::build(
            endpoints.iter().map(|e| endpoint_from_registry(e)).collect(),
            &settings,
            Some(&me),
        );
        let upstreams: Vec<Upstream> = assignment
            .members()
            .iter()
            .map(|m| {
                let e = endpoints[m.input];
                Upstream {
                    address: m.endpoint.address.clone(),
                    spiffe_id: e.service_account.as_deref().and_then(|sa| {
                        let ns = if e.namespace.is_empty() {
                            service.namespace.as_str()
                        } else {
                            e.namespace.as_str()
                        };
                        SpiffeId::parse(&format!("spiffe://{}/ns/{ns}/sa/{sa}", client.trust_domain.name()))
                            .ok()
                    }),
                    locality: m.endpoint.locality.to_string(),
                    priority: m.priority,
                }
            })
            .collect();
        let state = Mutex::new(assignment.new_state(0));
        let hash_policies = decision
            .traffic_policy()
            .and_then(|tp| match tp.load_balancer.as_ref()?.lb_policy.as_ref()? {
                LbPolicy::ConsistentHash(ch) => HashPolicy::from_istio(ch),
                LbPolicy::Simple(_) => None,
            })
            .into_iter()
            .collect();
        let active = upstreams.iter().map(|_| AtomicU64::new(0)).collect();
        Cluster { upstreams, assignment, state, hash_policies, active }
    }

    /// Every endpoint of the cluster.
    pub fn upstreams(&self) -> &[Upstream] {
        &self.upstreams
    }

    /// Picks an endpoint for a request as Envoy's balancer does
    /// ([`ClusterLoadAssignment::pick_in`]) and counts the request in flight to it until the
    /// returned guard is dropped. With a cookie hash key the request lacks, the
    /// `set-cookie` header Envoy adds to the response comes too.
    pub fn pick(self: &Arc<Self>, draws: &Draws, request: &HashInput<'_>) -> Option<Picked> {
        let (hash, set_cookie) = if self.hash_policies.is_empty() {
            (None, None)
        } else {
            let h = request_hash(&self.hash_policies, request);
            (h.hash, set_cookie_header(&self.hash_policies, &h))
        };
        let active = |m: usize| self.active.get(m).map_or(0, |a| a.load(Ordering::Relaxed));
        let context = PickContext { hash, active_requests: Some(&active) };
        let member = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            self.assignment.pick_in(&mut state, &mut || draws.next_u64(), context)?
        };
        let upstream = self.upstreams.get(member)?.clone();
        if let Some(a) = self.active.get(member) {
            a.fetch_add(1, Ordering::Relaxed);
        }
        Some(Picked { upstream, in_flight: InFlight { cluster: self.clone(), member }, set_cookie })
    }
}

/// The key of a cluster: FQDN, subset, port.
type ClusterKey = (String, Option<String>, u32);

/// The clusters of one configuration generation, built on first use.
#[derive(Debug, Default)]
pub struct Clusters {
    map: RwLock<HashMap<ClusterKey, Arc<Cluster>>>,
}

impl Clusters {
    /// The cluster for `key`, built with `build` the first time.
    pub fn get_or_build(
        &self,
        key: (&str, Option<&str>, u32),
        build: impl FnOnce() -> Cluster,
    ) -> Arc<Cluster> {
        let owned = (key.0.to_string(), key.1.map(str::to_string), key.2);
        if let Some(c) = self.map.read().unwrap_or_else(PoisonError::into_inner).get(&owned) {
            return c.clone();
        }
        let mut map = self.map.write().unwrap_or_else(PoisonError::into_inner);
        map.entry(owned).or_insert_with(|| Arc::new(build())).clone()
    }
}
