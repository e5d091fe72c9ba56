//! Upstream clusters: the endpoints of one destination (host, subset, port) as the mesh
//! registry lists them, given locality priorities by the DestinationRule's (or the mesh's)
//! locality load-balancing setting, and the pick of one endpoint per request.
//!
//! Built on first use for each destination of a configuration generation and kept until
//! the next reload. Every endpoint is taken as healthy: the example does no active health
//! checking or outlier ejection.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use mesh_identity::{SpiffeId, TrustDomain};
use mesh_model::networking::LocalityLoadBalancerSetting;
use mesh_model::registry::Service;
use mesh_routing::RouteDecision;
use mesh_routing::lb::locality::{apply_locality_lb, assignments, effective_setting, group_by_locality};
use mesh_routing::lb::locality_wrr::LocalityWrr;
use mesh_routing::lb::policy::{Policy, policy_from_istio};
use mesh_routing::lb::priority::{Availability, PriorityParams};
use mesh_routing::lb::{Endpoint, Locality, PriorityLoad, PrioritySet, RoundRobin};

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
    upstreams: Vec<Upstream>,
    endpoints: Vec<Endpoint>,
    set: PrioritySet,
    load: PriorityLoad,
    policy: Policy,
    /// Per priority: a weighted round robin over its healthy hosts (Envoy's EDF order).
    round_robin: Vec<Mutex<RoundRobin>>,
    /// Per priority: the locality scheduler, when localities carry weights (`distribute`).
    locality_wrr: Vec<Mutex<LocalityWrr>>,
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
    /// The cluster of the destination `decision` selected, reached on `port`.
    pub fn build(
        decision: &RouteDecision<'_>,
        service: &Service,
        endpoints: Vec<&mesh_model::registry::Endpoint>,
        mesh_locality: &LocalityLoadBalancerSetting,
        client: ClientView<'_>,
    ) -> Self {
        let subset = decision.selected.as_ref().and_then(|s| s.subset);
        let subset_labels = subset
            .and_then(|name| decision.destination_rule.and_then(|dr| dr.subset(name)))
            .map(|s| &s.labels);
        let selected: Vec<&mesh_model::registry::Endpoint> = endpoints
            .into_iter()
            .filter(|e| subset_labels.is_none_or(|want| want.iter().all(|(k, v)| e.labels.get(k) == Some(v))))
            .collect();
        let mut upstreams: Vec<Upstream> = selected
            .iter()
            .map(|e| Upstream {
                address: socket_address(&e.address, e.port),
                spiffe_id: e.service_account.as_deref().and_then(|sa| {
                    let ns = if e.namespace.is_empty() {
                        service.namespace.as_str()
                    } else {
                        e.namespace.as_str()
                    };
                    SpiffeId::parse(&format!("spiffe://{}/ns/{ns}/sa/{sa}", client.trust_domain.name())).ok()
                }),
                locality: format!("{}/{}/{}", e.locality.region, e.locality.zone, e.locality.subzone),
                priority: 0,
            })
            .collect();
        let mut lb_endpoints: Vec<Endpoint> = selected
            .iter()
            .zip(&upstreams)
            .map(|(e, u)| {
                let mut ep = Endpoint::new(u.address.clone()).with_weight(e.weight.max(1)).with_locality(
                    Locality::new(&*e.locality.region, &*e.locality.zone, &*e.locality.subzone),
                );
                ep.labels = e.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                ep
            })
            .collect();

        let policy_settings = decision.traffic_policy();
        let lb_settings = policy_settings.as_ref().and_then(|p| p.load_balancer.as_ref());
        let failover = policy_settings.as_ref().is_some_and(|p| p.outlier_detection.is_some());
        let setting =
            effective_setting(Some(mesh_locality), lb_settings.and_then(|l| l.locality_lb_setting.as_ref()));
        let mut locality_weights: Option<BTreeMap<Locality, u32>> = None;
        if let Some(setting) = setting {
            let mut groups = group_by_locality(&lb_endpoints, None);
            apply_locality_lb(&mut groups, client.locality, client.labels, &setting, failover);
            for (i, a) in assignments(&groups, lb_endpoints.len()).into_iter().enumerate() {
                let Some((priority, weight)) = a else { continue };
                lb_endpoints[i].priority = priority;
                upstreams[i].priority = priority;
                if let Some(w) = weight {
                    locality_weights
                        .get_or_insert_with(BTreeMap::new)
                        .insert(lb_endpoints[i].locality.clone(), w);
                }
            }
        }
        let set = PrioritySet::new(&lb_endpoints, locality_weights.as_ref());
        let load = set.load(&lb_endpoints, &PriorityParams::default());
        let round_robin = set
            .host_sets
            .iter()
            .map(|hs| {
                let weights: Vec<u32> = hs.healthy.iter().map(|&i| lb_endpoints[i].weight).collect();
                Mutex::new(RoundRobin::new(&weights, 0))
            })
            .collect();
        let locality_wrr = set.host_sets.iter().map(|hs| Mutex::new(LocalityWrr::new(hs, 140, 0))).collect();
        Cluster {
            upstreams,
            endpoints: lb_endpoints,
            set,
            load,
            policy: policy_from_istio(lb_settings),
            round_robin,
            locality_wrr,
        }
    }

    /// Every endpoint of the cluster.
    pub fn upstreams(&self) -> &[Upstream] {
        &self.upstreams
    }

    /// Picks an endpoint: a priority by the priority loads, then (with locality weights) a
    /// locality, then a host by the DestinationRule's policy. `ROUND_ROBIN` is Envoy's
    /// weighted EDF order; the other policies are approximated by a weighted random pick.
    pub fn pick(&self, draws: &Draws) -> Option<&Upstream> {
        if self.endpoints.is_empty() {
            return None;
        }
        let (priority, availability) = self.load.choose(draws.next_u64());
        let p = priority as usize;
        let hs = self.set.host_sets.get(p)?;
        let panic = self.load.panic.get(p).copied().unwrap_or(false);
        let hosts = match availability {
            _ if panic => &hs.hosts,
            Availability::Healthy => &hs.healthy,
            Availability::Degraded => &hs.degraded,
        };
        if hs.locality_weights.is_some() {
            let li =
                self.locality_wrr.get(p)?.lock().unwrap_or_else(PoisonError::into_inner).choose(availability);
            if let Some(li) = li {
                let in_locality = match availability {
                    Availability::Healthy => hs.healthy_per_locality.get(li),
                    Availability::Degraded => hs.degraded_per_locality.get(li),
                }?;
                return self.weighted_random(in_locality, draws);
            }
        }
        if self.policy == Policy::RoundRobin && !panic && availability == Availability::Healthy {
            let i = self.round_robin.get(p)?.lock().unwrap_or_else(PoisonError::into_inner).pick()?;
            return hosts.get(i).and_then(|&h| self.upstreams.get(h));
        }
        self.weighted_random(hosts, draws)
    }

    fn weighted_random(&self, hosts: &[usize], draws: &Draws) -> Option<&Upstream> {
        let total: u64 = hosts.iter().map(|&h| u64::from(self.endpoints[h].weight)).sum();
        if total == 0 {
            return None;
        }
        let mut r = draws.next_u64() % total;
        for &h in hosts {
            let w = u64::from(self.endpoints[h].weight);
            if r < w {
                return self.upstreams.get(h);
            }
            r -= w;
        }
        None
    }
}

fn socket_address(ip: &str, port: u32) -> String {
    if ip.contains(':') { format!("[{ip}]:{port}") } else { format!("{ip}:{port}") }
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
