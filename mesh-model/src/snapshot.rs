//! [`Snapshot`]: an immutable, indexed set of resources that the decision crates compile from.

use std::collections::HashMap;

use crate::mesh_config::MeshConfig;
use crate::resource::{Kind, Resource};

/// An immutable set of resources, indexed by kind/namespace/name and by host.
///
/// Within each kind, resources are kept in Istio's precedence order: oldest
/// `creationTimestamp` first (a resource without one counts as oldest), then by name, then
/// by namespace (Istio's `configCompareByCreationTime`). Where two resources conflict, Istio
/// lets the first one in this order win.
///
/// Hosts are indexed as FQDNs: a short name such as `reviews` in a VirtualService or
/// DestinationRule of namespace `default` is `reviews.default.svc.cluster.local` (with the
/// default domain suffix), as Istio resolves it; a Kubernetes Service `reviews` in `default` is
/// indexed under the same name.
///
/// ```
/// use mesh_model::{load_str, Kind, Snapshot};
/// let yaml = "\
/// apiVersion: networking.istio.io/v1
/// kind: VirtualService
/// metadata: {name: reviews, namespace: default}
/// spec: {hosts: [reviews]}
/// ";
/// let loaded = load_str(yaml, &Default::default());
/// let snap = Snapshot::builder().build(loaded.resources.into_iter().map(|l| l.resource));
/// let vs: Vec<_> = snap.by_host(Kind::VirtualService, "reviews.default.svc.cluster.local").collect();
/// assert_eq!(vs[0].name(), "reviews");
/// assert!(snap.get(Kind::VirtualService, "default", "reviews").is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// All resources, grouped by kind (in `Kind` order), each group in precedence order.
    resources: Vec<Resource>,
    /// The index range of each kind's group.
    kinds: HashMap<Kind, std::ops::Range<usize>>,
    by_name: HashMap<(Kind, String, String), usize>,
    /// FQDN (or wildcard host) -> resources naming it, in precedence order.
    by_host: HashMap<(Kind, String), Vec<usize>>,
    mesh: MeshConfig,
    domain_suffix: String,
}

/// Builds a [`Snapshot`].
#[derive(Debug, Clone)]
pub struct SnapshotBuilder {
    mesh: MeshConfig,
    domain_suffix: String,
}

impl Default for SnapshotBuilder {
    fn default() -> Self {
        Self { mesh: MeshConfig::default(), domain_suffix: "cluster.local".to_string() }
    }
}

impl SnapshotBuilder {
    /// The mesh-wide settings the snapshot carries (default: Istio's defaults).
    pub fn mesh_config(mut self, mesh: MeshConfig) -> Self {
        self.mesh = mesh;
        self
    }

    /// The cluster's DNS domain suffix (default `cluster.local`).
    pub fn domain_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.domain_suffix = suffix.into();
        self
    }

    /// Indexes `resources`. When two resources share kind, namespace and name, the later
    /// one in the input replaces the earlier, as applying both to a cluster would.
    pub fn build(self, resources: impl IntoIterator<Item = Resource>) -> Snapshot {
        let mut latest: HashMap<(Kind, String, String), Resource> = HashMap::new();
        let mut order: Vec<(Kind, String, String)> = Vec::new();
        for r in resources {
            let key = (r.kind(), r.namespace().to_string(), r.name().to_string());
            if latest.insert(key.clone(), r).is_none() {
                order.push(key);
            }
        }
        let mut resources: Vec<Resource> = order.into_iter().filter_map(|k| latest.remove(&k)).collect();
        resources.sort_by(|a, b| {
            a.kind()
                .cmp(&b.kind())
                .then_with(|| created_nanos(a).cmp(&created_nanos(b)))
                .then_with(|| a.name().cmp(b.name()))
                .then_with(|| a.namespace().cmp(b.namespace()))
        });
        let mut snap = Snapshot { mesh: self.mesh, domain_suffix: self.domain_suffix, ..Snapshot::default() };
        for (i, r) in resources.iter().enumerate() {
            snap.kinds.entry(r.kind()).or_insert(i..i).end = i + 1;
            snap.by_name.insert((r.kind(), r.namespace().to_string(), r.name().to_string()), i);
            for host in hosts_of(r, &snap.domain_suffix) {
                snap.by_host.entry((r.kind(), host)).or_default().push(i);
            }
        }
        snap.resources = resources;
        snap
    }
}

impl Snapshot {
    /// A builder with Istio's default mesh settings and domain suffix `cluster.local`.
    pub fn builder() -> SnapshotBuilder {
        SnapshotBuilder::default()
    }

    /// Every resource, grouped by kind, each group in precedence order.
    pub fn iter(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter()
    }

    /// The resources of one kind, in precedence order.
    pub fn of_kind(&self, kind: Kind) -> &[Resource] {
        match self.kinds.get(&kind) {
            Some(range) => &self.resources[range.clone()],
            None => &[],
        }
    }

    /// The resource of `kind` named `namespace/name`.
    pub fn get(&self, kind: Kind, namespace: &str, name: &str) -> Option<&Resource> {
        self.by_name.get(&(kind, namespace.to_string(), name.to_string())).map(|&i| &self.resources[i])
    }

    /// The resources of `kind` that name `host` exactly (as an FQDN, or the same wildcard),
    /// in precedence order. Kinds with hosts: VirtualService, DestinationRule, ServiceEntry,
    /// Service.
    pub fn by_host<'a>(&'a self, kind: Kind, host: &str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.by_host
            .get(&(kind, host.to_string()))
            .into_iter()
            .flat_map(move |ids| ids.iter().map(move |&i| &self.resources[i]))
    }

    /// The mesh-wide settings.
    pub fn mesh_config(&self) -> &MeshConfig {
        &self.mesh
    }

    /// The cluster's DNS domain suffix.
    pub fn domain_suffix(&self) -> &str {
        &self.domain_suffix
    }

    /// How many resources the snapshot holds.
    pub fn len(&self) -> usize {
        self.resources.len()
    }

    /// Whether the snapshot is empty.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }
}

/// Resolves a host as Istio resolves the hosts of VirtualServices and DestinationRules: a
/// name without a dot (other than `*`) is a short name in `namespace`.
///
/// ```
/// use mesh_model::snapshot::resolve_short_name;
/// assert_eq!(resolve_short_name("reviews", "default", "cluster.local"), "reviews.default.svc.cluster.local");
/// assert_eq!(resolve_short_name("*.example.com", "default", "cluster.local"), "*.example.com");
/// assert_eq!(resolve_short_name("*", "default", "cluster.local"), "*");
/// ```
pub fn resolve_short_name(host: &str, namespace: &str, domain_suffix: &str) -> String {
    if host == "*" || host.contains('.') {
        host.to_string()
    } else {
        format!("{host}.{namespace}.svc.{domain_suffix}")
    }
}

fn hosts_of(r: &Resource, suffix: &str) -> Vec<String> {
    let ns = r.namespace();
    match r {
        Resource::VirtualService(vs) => {
            vs.spec.hosts.iter().map(|h| resolve_short_name(h, ns, suffix)).collect()
        }
        Resource::DestinationRule(dr) => vec![resolve_short_name(&dr.spec.host, ns, suffix)],
        Resource::ServiceEntry(se) => se.spec.hosts.clone(),
        Resource::Service(_) => vec![format!("{}.{ns}.svc.{suffix}", r.name())],
        _ => Vec::new(),
    }
}

/// `metadata.creationTimestamp` as nanoseconds since the epoch; a missing or unreadable
/// timestamp sorts first, as Go's zero time does.
fn created_nanos(r: &Resource) -> i128 {
    r.meta().creation_timestamp.as_deref().and_then(parse_rfc3339).unwrap_or(i128::MIN)
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05.5+01:00`) to nanoseconds since the epoch.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    let mut nanos: i128 = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let end = f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len());
        let digits = &f[..end];
        if digits.is_empty() {
            return None;
        }
        for (i, c) in digits.bytes().take(9).enumerate() {
            nanos += i128::from(c - b'0') * 10i128.pow(8 - i as u32);
        }
        rest = &f[end..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    // Days from civil date (Howard Hinnant's algorithm).
    let (y, m) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_secs;
    Some(i128::from(secs) * 1_000_000_000 + nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{LoadOptions, load_str};

    #[test]
    fn rfc3339_parses() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2030-01-01T00:00:00Z"), Some(1_893_456_000 * 1_000_000_000));
        assert_eq!(parse_rfc3339("1970-01-01T01:00:00.5+01:00"), Some(500_000_000));
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn precedence_is_creation_time_then_name_then_namespace() {
        // istio pilot/pkg/model/config.go configCompareByCreationTime: older first; on equal
        // times by name, then by namespace.
        let yaml = "\
apiVersion: v1
kind: Namespace
metadata: {name: c, creationTimestamp: '2020-01-01T00:00:00Z'}
---
apiVersion: v1
kind: Namespace
metadata: {name: b, creationTimestamp: '2019-01-01T00:00:00Z'}
---
apiVersion: v1
kind: Namespace
metadata: {name: a, creationTimestamp: '2020-01-01T00:00:00Z'}
---
apiVersion: v1
kind: Namespace
metadata: {name: z}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: b, namespace: x}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: y}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: x}
";
        let out = load_str(yaml, &LoadOptions::default());
        let snap = Snapshot::builder().build(out.resources.into_iter().map(|l| l.resource));
        let names: Vec<&str> = snap.of_kind(Kind::Namespace).iter().map(Resource::name).collect();
        assert_eq!(names, ["z", "b", "a", "c"]);
        let vs: Vec<String> = snap
            .of_kind(Kind::VirtualService)
            .iter()
            .map(|r| format!("{}/{}", r.namespace(), r.name()))
            .collect();
        assert_eq!(vs, ["x/a", "y/a", "x/b"]);
    }
}
