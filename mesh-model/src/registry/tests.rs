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

#[test]
fn ip_index_counts_endpoints_and_cleans_up() {
    use super::index::IpIndex;
    use super::service::ServiceKey;
    let key = Arc::new(ServiceKey {
        origin: Origin::Kubernetes,
        namespace: "ns".into(),
        name: "s".into(),
        hostname: "s.ns.svc.cluster.local".into(),
    });
    let mut ips = IpIndex::default();
    // Two endpoints (two ports) at one address: the service stays listed until both go.
    ips.add_endpoint("10.0.0.1", &key);
    ips.add_endpoint("10.0.0.1", &key);
    ips.remove_endpoint("10.0.0.1", &key);
    assert_eq!(ips.get("10.0.0.1").map(|e| e.endpoints.len()), Some(1));
    ips.add_vip("10.0.0.1", &key);
    ips.remove_endpoint("10.0.0.1", &key);
    assert_eq!(ips.get("10.0.0.1").map(|e| (e.vips.len(), e.endpoints.len())), Some((1, 0)));
    ips.clear_services();
    assert_eq!(ips, IpIndex::default());
}

#[test]
fn ns_map_drops_empty_values_and_namespaces() {
    use super::store::NsMap;
    let mut m: NsMap<Vec<u32>> = NsMap::default();
    m.update("a", "x", |v| v.push(1), Vec::is_empty);
    assert_eq!(m.get("a", "x"), Some(&vec![1]));
    m.update("a", "x", Vec::clear, Vec::is_empty);
    assert_eq!(m.get("a", "x"), None);
    // Nothing is created for an update that leaves the value empty.
    m.update("b", "y", |_| {}, Vec::is_empty);
    assert_eq!(format!("{m:?}"), format!("{:?}", NsMap::<Vec<u32>>::default()));
}

#[test]
fn registry_updates_endpoints_in_place() {
    use super::{Event, Health, Registry};
    use crate::Resource;
    let slice = |ready: bool| -> Resource {
        Resource::EndpointSlice(
            serde_json::from_value(serde_json::json!({
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "s-1", "namespace": "ns", "labels": {"kubernetes.io/service-name": "s"}},
                "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
                "endpoints": [{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.2"], "conditions": {"ready": ready, "terminating": false}}]
            }))
            .unwrap(),
        )
    };
    let svc = Resource::Service(
        serde_json::from_value(serde_json::json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "s", "namespace": "ns"}, "spec": {"ports": [{"name": "http", "port": 80}]}}))
        .unwrap(),
    );
    let mut reg = Registry::default();
    reg.apply(Event::Upsert(svc));
    reg.apply(Event::Upsert(slice(true)));
    let key = reg.services().next().unwrap().key();
    let before: Vec<*const u8> = reg.endpoints_by_key(&key).iter().map(|e| e.address.as_ptr()).collect();
    let ch = reg.apply(Event::Upsert(slice(false)));
    assert!(ch.services.contains(&key));
    let eps = reg.endpoints_by_key(&key);
    assert_eq!((eps[0].health, eps[1].health), (Health::Healthy, Health::Unhealthy));
    // The endpoints were rewritten where they stand: their strings were not reallocated.
    let after: Vec<*const u8> = eps.iter().map(|e| e.address.as_ptr()).collect();
    assert_eq!(before, after);
    assert_eq!(reg.lookup_ip("10.0.0.2").endpoint_of.len(), 1);
}
