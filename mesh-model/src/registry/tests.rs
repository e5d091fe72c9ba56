//! Unit tests of the registry's internals: host index, locality labels, Ingress path
//! conversion.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Locality;
use super::index::HostIndex;
use super::service::{ExportTo, Origin, Resolution, Service};
use crate::networking::Location;

fn svc(host: &str, ns: &str, created: i128) -> Arc<Service> {
    Arc::new(Service {
        hostname: host.into(),
        namespace: ns.into(),
        name: host.into(),
        origin: Origin::ServiceEntry,
        addresses: vec![],
        ports: vec![],
        resolution: Resolution::Passthrough,
        location: Location::MeshExternal,
        export_to: ExportTo::Public,
        labels: BTreeMap::new(),
        selector: None,
        service_accounts: vec![],
        service_type: None,
        external_name: None,
        external_addresses: vec![],
        node_local: false,
        publish_not_ready_addresses: false,
        creation_timestamp: None,
        created,
    })
}

#[test]
fn host_index_prefers_the_most_specific_wildcard() {
    // istio/istio pkg/config/host name_test.go: "*.foo.com" covers "a.foo.com" but not "foo.com".
    let mut idx = HostIndex::default();
    for h in ["*.com", "*.example.com", "*.b.example.com", "a.example.com"] {
        idx.insert(svc(h, "ns", 0));
    }
    assert_eq!(idx.wildcard("x.b.example.com")[0].hostname, "*.b.example.com");
    assert_eq!(idx.wildcard("x.example.com")[0].hostname, "*.example.com");
    assert_eq!(idx.wildcard("example.com")[0].hostname, "*.com");
    assert!(idx.wildcard("example.org").is_empty());
    assert_eq!(idx.wildcard("*.b.example.com")[0].hostname, "*.example.com");
    assert_eq!(idx.covered("*.example.com"), ["*.b.example.com", "*.example.com", "a.example.com"]);
    assert_eq!(idx.covered("*").len(), 4);
    assert_eq!(idx.covered("a.example.com"), ["a.example.com"]);
}

#[test]
fn host_index_keeps_precedence_and_cleans_up() {
    let mut idx = HostIndex::default();
    idx.insert(svc("h.com", "b", 2));
    idx.insert(svc("h.com", "a", 1));
    idx.insert(svc("h.com", "c", 1));
    let order: Vec<&str> = idx.exact("h.com").iter().map(|s| s.namespace.as_str()).collect();
    assert_eq!(order, ["a", "c", "b"]);
    for ns in ["a", "b", "c"] {
        idx.remove(&svc("h.com", ns, 0).key());
    }
    assert_eq!(idx, HostIndex::default());
}

#[test]
fn locality_labels_follow_istio() {
    // istio/istio pkg/model proxy.go GetLocalityLabel / SanitizeLocalityLabel.
    let l = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    };
    assert_eq!(Locality::from_labels(&l(&[("istio-locality", "r.z.s")])), Some(Locality::parse("r/z/s")));
    assert_eq!(
        Locality::from_labels(&l(&[("topology.istio.io/locality", "r/z"), ("istio-locality", "x.y")])),
        Some(Locality::parse("r/z"))
    );
    assert_eq!(
        Locality::from_labels(&l(&[("topology.istio.io/locality", ""), ("istio-locality", "x.y")])),
        None
    );
    assert_eq!(Locality::parse("").to_string(), "//");
    assert!(Locality::parse("").is_empty());
}
