//! Endpoints as the load balancers see them: an address, a weight, a locality, a priority,
//! labels and a health status.

use std::collections::BTreeMap;
use std::fmt;

/// Where an endpoint runs: `region/zone/subzone`, any part possibly empty (Envoy's
/// `core.Locality`, Istio's locality label).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Locality {
    /// The region, such as `us-east1`.
    pub region: String,
    /// The zone, such as `us-east1-b`.
    pub zone: String,
    /// The subzone (Envoy's `sub_zone`), often empty.
    pub sub_zone: String,
}

impl Locality {
    /// A locality from its three parts.
    pub fn new(region: impl Into<String>, zone: impl Into<String>, sub_zone: impl Into<String>) -> Self {
        Self { region: region.into(), zone: zone.into(), sub_zone: sub_zone.into() }
    }

    /// Parses `region/zone/subzone` as Istio splits a locality label: missing trailing parts
    /// are empty (`us-east1` has no zone), and parts after the third are ignored.
    ///
    /// ```
    /// use mesh_routing::lb::Locality;
    /// let l = Locality::parse("us-east1/us-east1-b/");
    /// assert_eq!((l.region.as_str(), l.zone.as_str(), l.sub_zone.as_str()), ("us-east1", "us-east1-b", ""));
    /// assert_eq!(l.to_string(), "us-east1/us-east1-b/");
    /// ```
    pub fn parse(label: &str) -> Self {
        let mut parts = label.split('/');
        let region = parts.next().unwrap_or("").to_string();
        let zone = parts.next().unwrap_or("").to_string();
        let sub_zone = parts.next().unwrap_or("").to_string();
        Self { region, zone, sub_zone }
    }

    /// Whether all three parts are empty (Envoy's default locality).
    pub fn is_empty(&self) -> bool {
        self.region.is_empty() && self.zone.is_empty() && self.sub_zone.is_empty()
    }
}

impl fmt::Display for Locality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.region, self.zone, self.sub_zone)
    }
}

/// An endpoint's health as Envoy's load balancers classify it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Health {
    /// Takes traffic.
    #[default]
    Healthy,
    /// Takes traffic only when too few healthy endpoints remain (Envoy's degraded hosts).
    Degraded,
    /// Takes traffic only when its priority is in panic.
    Unhealthy,
    /// Counted nowhere but in panic: Envoy's excluded hosts (being drained, or not yet
    /// health-checked); they do not lower a priority's health.
    Excluded,
}

/// One upstream endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `ip:port`, as Envoy prints the address (`Address::asString`).
    pub address: String,
    /// The endpoint's hostname, hashed instead of the address under `use_hostname_for_hashing`.
    pub hostname: Option<String>,
    /// An explicit hash key (Envoy's `envoy.lb` metadata `hash_key`), which wins over both.
    pub hash_key: Option<String>,
    /// Load-balancing weight, at least 1 for Envoy.
    pub weight: u32,
    /// Where the endpoint runs.
    pub locality: Locality,
    /// Priority level, 0 the highest.
    pub priority: u32,
    /// The endpoint's labels (for Istio's `failoverPriority`).
    pub labels: BTreeMap<String, String>,
    /// Health status.
    pub health: Health,
}

impl Endpoint {
    /// A healthy endpoint of weight 1 at priority 0 in the empty locality.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            hostname: None,
            hash_key: None,
            weight: 1,
            locality: Locality::default(),
            priority: 0,
            labels: BTreeMap::new(),
            health: Health::Healthy,
        }
    }

    /// The same endpoint with `weight`.
    pub fn with_weight(mut self, weight: u32) -> Self {
        self.weight = weight;
        self
    }

    /// The same endpoint in `locality`.
    pub fn with_locality(mut self, locality: Locality) -> Self {
        self.locality = locality;
        self
    }

    /// The same endpoint at `priority`.
    pub fn with_priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// The same endpoint with `health`.
    pub fn with_health(mut self, health: Health) -> Self {
        self.health = health;
        self
    }

    /// The same endpoint with `hostname`.
    pub fn with_hostname(mut self, hostname: impl Into<String>) -> Self {
        self.hostname = Some(hostname.into());
        self
    }

    /// The same endpoint with an explicit hash key.
    pub fn with_hash_key(mut self, key: impl Into<String>) -> Self {
        self.hash_key = Some(key.into());
        self
    }

    /// The key Envoy hashes for this endpoint on a ring or a Maglev table: the `hash_key`
    /// when set and not empty, else the hostname under `use_hostname`, else the address.
    pub fn key(&self, use_hostname: bool) -> &str {
        match &self.hash_key {
            Some(k) if !k.is_empty() => k,
            _ if use_hostname => self.hostname.as_deref().unwrap_or(""),
            _ => &self.address,
        }
    }
}
