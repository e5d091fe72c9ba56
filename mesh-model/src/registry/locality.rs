//! An endpoint's locality, `region/zone/subzone`, and where Istio reads it from.

use std::collections::BTreeMap;
use std::fmt;

use crate::kube::{LABEL_TOPOLOGY_REGION, LABEL_TOPOLOGY_SUBZONE, LABEL_TOPOLOGY_ZONE, Node};

/// The pod label that overrides the node's locality (`region.zone.subzone`, or with `/`).
pub const LABEL_TOPOLOGY_LOCALITY: &str = "topology.istio.io/locality";
/// The legacy pod label that overrides the node's locality.
pub const LABEL_ISTIO_LOCALITY: &str = "istio-locality";
/// The deprecated node label for the region, read when the GA label is absent.
pub const LABEL_FAILURE_DOMAIN_REGION: &str = "failure-domain.beta.kubernetes.io/region";
/// The deprecated node label for the zone, read when the GA label is absent.
pub const LABEL_FAILURE_DOMAIN_ZONE: &str = "failure-domain.beta.kubernetes.io/zone";

/// A locality: region, zone and subzone, each possibly empty.
///
/// Written `region/zone/subzone` with empty parts kept (`us-east1/us-east1-b/`), as the
/// meshctl contract writes it; an empty locality is `//`.
///
/// ```
/// use mesh_model::registry::Locality;
/// let l = Locality::parse("us-east1/us-east1-b");
/// assert_eq!((l.region.as_str(), l.zone.as_str(), l.subzone.as_str()), ("us-east1", "us-east1-b", ""));
/// assert_eq!(l.to_string(), "us-east1/us-east1-b/");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locality {
    /// The region (`us-east1`).
    pub region: String,
    /// The zone (`us-east1-b`).
    pub zone: String,
    /// The subzone (Istio's own level; often empty).
    pub subzone: String,
}

impl Locality {
    /// Splits `region/zone/subzone` as Istio's `SplitLocalityLabel` does: missing parts are
    /// empty, parts after the third are ignored.
    pub fn parse(s: &str) -> Self {
        let mut parts = s.split('/');
        let mut next = || parts.next().unwrap_or("").to_string();
        Self { region: next(), zone: next(), subzone: next() }
    }

    /// Whether every part is empty.
    pub fn is_empty(&self) -> bool {
        self.region.is_empty() && self.zone.is_empty() && self.subzone.is_empty()
    }

    /// The locality of a node, from `topology.kubernetes.io/region|zone` (falling back to the
    /// deprecated `failure-domain.beta.kubernetes.io/region|zone`) and
    /// `topology.istio.io/subzone`.
    pub fn of_node(node: &Node) -> Self {
        let labels = &node.metadata.labels;
        let get = |ga: &str, beta: Option<&str>| {
            labels.get(ga).or_else(|| beta.and_then(|b| labels.get(b))).cloned().unwrap_or_default()
        };
        Self {
            region: get(LABEL_TOPOLOGY_REGION, Some(LABEL_FAILURE_DOMAIN_REGION)),
            zone: get(LABEL_TOPOLOGY_ZONE, Some(LABEL_FAILURE_DOMAIN_ZONE)),
            subzone: get(LABEL_TOPOLOGY_SUBZONE, None),
        }
    }

    /// The locality a workload's own labels give: `topology.istio.io/locality`, else
    /// `istio-locality`; Kubernetes labels cannot hold `/`, so `.` separates the parts unless
    /// the value already holds a `/`.
    pub fn from_labels(labels: &BTreeMap<String, String>) -> Option<Self> {
        let raw = labels.get(LABEL_TOPOLOGY_LOCALITY).or_else(|| labels.get(LABEL_ISTIO_LOCALITY))?;
        if raw.is_empty() {
            return None;
        }
        if raw.contains('/') { Some(Self::parse(raw)) } else { Some(Self::parse(&raw.replace('.', "/"))) }
    }
}

impl fmt::Display for Locality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.region, self.zone, self.subzone)
    }
}
