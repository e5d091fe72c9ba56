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
//! the next reload. Endpoint health is the registry's (readiness), less the endpoints the
//! DestinationRule's outlier detection ejects (`mesh_routing::lb::outlier`: each call's
//! result is recorded, the interval sweeps run as traffic arrives, an ejection or its end
//! rebuilds the balancer with those endpoints unhealthy). No active health checking.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Instant;

use mesh_identity::{SpiffeId, TrustDomain};
use mesh_model::networking::LbPolicy;
use mesh_model::networking::LocalityLoadBalancerSetting;
use mesh_model::registry::Service;
use mesh_routing::RouteDecision;
use mesh_routing::lb::cluster::{
    ClientLocality, ClusterLoadAssignment, ClusterSettings, PickContext, PickState, endpoint_from_registry,
};
use mesh_routing::lb::hash_policy::{RequestHash, set_cookie_header};
use mesh_routing::lb::outlier::{CallResult, OutlierConfig, OutlierDetector, OutlierEvent};
use mesh_routing::lb::{self, HashPolicy, Locality};

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
    /// One per member of the assignment (stable across rebuilds: health does not change
    /// which endpoints are members).
    upstreams: Vec<Upstream>,
    /// The balancer: rebuilt when outlier detection ejects or returns an endpoint.
    balancer: Mutex<Balancer>,
    /// What a rebuild starts from: the endpoints as the registry gives them, the settings and
    /// the client.
    endpoints: Vec<lb::Endpoint>,
    settings: ClusterSettings,
    client: ClientLocality,
    /// The DestinationRule's outlier detection, when it has one.
    outlier: Option<Mutex<Outlier>>,
    /// The cluster's clock origin (outlier detection counts milliseconds from it).
    started: Instant,
    /// What requests are hashed on (the DestinationRule's `consistentHash` key).
    hash_policies: Vec<HashPolicy>,
    /// Requests in flight to each member (awaiting response headers).
    active: Vec<AtomicU64>,
}

/// The assignment and the per-worker state that picks from it.
#[derive(Debug)]
struct Balancer {
    assignment: ClusterLoadAssignment,
    state: PickState,
}

/// Outlier detection over the cluster's members, swept lazily on traffic.
#[derive(Debug)]
struct Outlier {
    detector: OutlierDetector,
    next_sweep_ms: u64,
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

impl InFlight {
    /// Ends the request with its result, which outlier detection records (Envoy's
    /// `putResult`/`putHttpResponseCode`).
    pub fn finish(self, result: CallResult, draws: &Draws) {
        self.cluster.record(self.member, result, draws);
    }
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
        let lb_endpoints: Vec<lb::Endpoint> = endpoints.iter().map(|e| endpoint_from_registry(e)).collect();
        let assignment = ClusterLoadAssignment::build(lb_endpoints.clone(), &settings, Some(&me));
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
        let outlier = decision
            .traffic_policy()
            .and_then(|tp| tp.outlier_detection)
            .and_then(|od| OutlierDetector::new(OutlierConfig::from_istio(&od), upstreams.len()).ok())
            .map(|detector| {
                let next_sweep_ms = detector.config().interval_ms;
                Mutex::new(Outlier { detector, next_sweep_ms })
            });
        let balancer = Mutex::new(Balancer { state: assignment.new_state(0), assignment });
        let hash_policies = decision
            .traffic_policy()
            .and_then(|tp| match tp.load_balancer.as_ref()?.lb_policy.as_ref()? {
                LbPolicy::ConsistentHash(ch) => HashPolicy::from_istio(ch),
                LbPolicy::Simple(_) => None,
            })
            .into_iter()
            .collect();
        let active = upstreams.iter().map(|_| AtomicU64::new(0)).collect();
        #[allow(clippy::disallowed_methods)] // the proxy is the I/O shell: it reads the clock
        let started = Instant::now();
        Cluster {
            upstreams,
            balancer,
            endpoints: lb_endpoints,
            settings,
            client: me,
            outlier,
            started,
            hash_policies,
            active,
        }
    }

    /// What requests to the cluster are hashed on (empty: no consistent hashing, so no
    /// request needs hashing).
    pub fn hash_policies(&self) -> &[HashPolicy] {
        &self.hash_policies
    }

    /// Every endpoint of the cluster.
    pub fn upstreams(&self) -> &[Upstream] {
        &self.upstreams
    }

    /// Picks an endpoint for a request as Envoy's balancer does
    /// ([`ClusterLoadAssignment::pick_in`]) by the request's hash (see [`Self::hash_policies`])
    /// and counts the request in flight to it until the returned guard is dropped. When the
    /// hash came from a generated cookie, the `set-cookie` header Envoy adds to the response
    /// comes too.
    pub fn pick(self: &Arc<Self>, draws: &Draws, request: &RequestHash) -> Option<Picked> {
        let (hash, set_cookie) = (request.hash, set_cookie_header(&self.hash_policies, request));
        let active = |m: usize| self.active.get(m).map_or(0, |a| a.load(Ordering::Relaxed));
        let context = PickContext { hash, active_requests: Some(&active) };
        self.sweep(draws);
        let member = {
            let mut b = self.balancer.lock().unwrap_or_else(PoisonError::into_inner);
            let Balancer { assignment, state } = &mut *b;
            assignment.pick_in(state, &mut || draws.next_u64(), context)?
        };
        let upstream = self.upstreams.get(member)?.clone();
        if let Some(a) = self.active.get(member) {
            a.fetch_add(1, Ordering::Relaxed);
        }
        Some(Picked { upstream, in_flight: InFlight { cluster: self.clone(), member }, set_cookie })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Records a call's result with outlier detection; an ejection rebuilds the balancer.
    fn record(&self, member: usize, result: CallResult, draws: &Draws) {
        let Some(outlier) = &self.outlier else { return };
        let events = {
            let mut o = outlier.lock().unwrap_or_else(PoisonError::into_inner);
            o.detector.record(member, result, self.now_ms(), &mut || draws.next_u64())
        };
        self.apply(&events);
    }

    /// Runs outlier detection's interval sweeps that are due (Envoy runs them on a timer;
    /// here the traffic that reaches the cluster runs them).
    fn sweep(&self, draws: &Draws) {
        let Some(outlier) = &self.outlier else { return };
        let now = self.now_ms();
        let mut events = Vec::new();
        {
            let mut o = outlier.lock().unwrap_or_else(PoisonError::into_inner);
            while o.next_sweep_ms <= now {
                let at = o.next_sweep_ms;
                events.extend(o.detector.on_interval(at, &mut || draws.next_u64()));
                o.next_sweep_ms = at.saturating_add(o.detector.config().interval_ms.max(1));
            }
        }
        self.apply(&events);
    }

    /// Rebuilds the balancer when an ejection took effect or ended: ejected members count as
    /// unhealthy, as Envoy's `FAILED_OUTLIER_CHECK` flag makes them.
    fn apply(&self, events: &[OutlierEvent]) {
        let changed = events.iter().any(|e| {
            matches!(e, OutlierEvent::Ejected { enforced: true, .. } | OutlierEvent::Unejected { .. })
        });
        let Some(outlier) = &self.outlier else { return };
        if !changed {
            return;
        }
        let mut endpoints = self.endpoints.clone();
        {
            let o = outlier.lock().unwrap_or_else(PoisonError::into_inner);
            let b = self.balancer.lock().unwrap_or_else(PoisonError::into_inner);
            for (m, member) in b.assignment.members().iter().enumerate() {
                if o.detector.is_ejected(m)
                    && let Some(e) = endpoints.get_mut(member.input)
                {
                    e.health = lb::Health::Unhealthy;
                }
            }
        }
        let assignment = ClusterLoadAssignment::build(endpoints, &self.settings, Some(&self.client));
        let mut b = self.balancer.lock().unwrap_or_else(PoisonError::into_inner);
        *b = Balancer { state: assignment.new_state(0), assignment };
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
