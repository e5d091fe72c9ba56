//! Which virtual host a request reaches in the mesh and which VirtualService owns it: short
//! names, exportTo, Sidecar egress, precedence, wildcards, passthrough and blackhole
//! (istio httproute.go BuildSidecarOutboundVirtualHosts, route.go BuildSidecarVirtualHostWrapper).
// Helpers outside #[test] functions may panic too: a failure there is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod route_common;

use mesh_model::MeshConfig;
use mesh_model::mesh_config::{OutboundTrafficPolicy, OutboundTrafficPolicyMode};
use mesh_routing::Router;
use route_common::*;

fn vs(name: &str, ns: &str, hosts: &str, subset: &str, extra: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {{name: {name}, namespace: {ns}{extra}}}
spec:
  hosts: {hosts}
  http:
  - route: [{{destination: {{host: reviews.default.svc.cluster.local, subset: {subset}}}}}]
---
"
    )
}

fn host_of(r: &Router, q: &Req) -> String {
    decide(r, q, |d, _| d.host.to_string())
}

// istio generateAltVirtualHostsForKubernetesService: same namespace may use the short name
#[test]
fn short_name_same_namespace() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(host_of(&r, &req("reviews", "/")), "reviews.default.svc.cluster.local");
    assert_eq!(action(&r, &req("reviews", "/")), "forward");
}

// a short name from another namespace is not a domain of the service's vhost
#[test]
fn short_name_other_namespace_is_unknown() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("reviews", "/").ns("other")), "passthrough");
    assert_eq!(host_of(&r, &req("reviews", "/").ns("other")), "reviews.other.svc.cluster.local");
}

#[test]
fn name_dot_namespace_from_other_namespace() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("reviews.default", "/").ns("other")), "forward");
}

#[test]
fn name_namespace_svc_form() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("reviews.default.svc", "/").ns("other")), "forward");
}

#[test]
fn fqdn_form() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("reviews.default.svc.cluster.local", "/").ns("other")), "forward");
}

// envoy findVirtualHost: host matching ignores case; istio ignores the port
#[test]
fn authority_case_and_port_ignored() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("x", "/").authority("REVIEWS.default.svc.cluster.local:9080")), "forward");
}

// envoy: the trailing dot of an absolute FQDN still reaches the host
#[test]
fn trailing_dot_fqdn() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(action(&r, &req("reviews.default.svc.cluster.local.", "/")), "forward");
}

// istio generateVirtualHostDomains: the service VIP is a domain
#[test]
fn cluster_ip_authority() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    assert_eq!(host_of(&r, &req("10.96.0.11", "/")), "reviews.default.svc.cluster.local");
    assert_eq!(action(&r, &req("10.96.0.11", "/")), "forward");
}

// the authority, not destination.host, picks the virtual host
#[test]
fn authority_overrides_host() {
    let r = router(&vs("r", "default", "[ratings]", "v1", ""));
    assert_eq!(host_of(&r, &req("reviews", "/").authority("ratings")), "ratings.default.svc.cluster.local");
}

#[test]
fn no_vs_is_passthrough_with_default_retries() {
    let r = router("");
    let (a, retries) = decide(&r, &req("reviews", "/"), |d, _| {
        (d.action.as_str().to_string(), d.retries.as_ref().map(|x| x.attempts))
    });
    assert_eq!((a.as_str(), retries), ("passthrough", Some(2)));
}

// istio buildCatchAllVirtualHost: ALLOW_ANY passes unknown hosts through without retries
#[test]
fn unknown_host_allow_any() {
    let r = router("");
    let (a, retries, sel) = decide(&r, &req("www.example.com", "/"), |d, _| {
        (d.action.as_str().to_string(), d.retries.is_none(), d.selected.as_ref().map(|s| s.host.to_string()))
    });
    assert_eq!((a.as_str(), retries, sel.as_deref()), ("passthrough", true, Some("www.example.com")));
}

#[test]
fn unknown_host_registry_only_blackhole() {
    let mesh = MeshConfig {
        outbound_traffic_policy: Some(OutboundTrafficPolicy {
            mode: Some(OutboundTrafficPolicyMode::RegistryOnly),
            tls: None,
        }),
        ..MeshConfig::default()
    };
    let r = Router::compile(&snapshot_with(SERVICES, mesh));
    assert_eq!(action(&r, &req("www.example.com", "/")), "blackhole");
    assert_eq!(action(&r, &req("reviews", "/")), "passthrough");
}

// Sidecar outboundTrafficPolicy overrides the mesh
#[test]
fn sidecar_registry_only() {
    let r = router(
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress: [{hosts: ['*/*']}]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
",
    );
    assert_eq!(action(&r, &req("www.example.com", "/")), "blackhole");
    assert_eq!(action(&r, &req("www.example.com", "/").ns("other")), "passthrough");
}

// istio sidecar egress hosts: a service not imported is not reachable by name
#[test]
fn sidecar_egress_hides_services() {
    let r = router(
        "apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: default}
spec:
  egress: [{hosts: ['./ratings.default.svc.cluster.local']}]
",
    );
    assert_eq!(host_of(&r, &req("reviews", "/")), "reviews.default.svc.cluster.local");
    let (a, sel) = decide(&r, &req("ratings", "/"), |d, _| (d.action, d.destination_rule.is_none()));
    assert_eq!(a, mesh_routing::Action::Passthrough);
    assert!(sel);
}

#[test]
fn sidecar_egress_hides_virtual_service() {
    let y = format!(
        "{}apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {{name: default, namespace: other}}
spec:
  egress: [{{hosts: ['other/*']}}]
",
        vs("r", "default", "[reviews.default.svc.cluster.local]", "v1", "")
    );
    let r = router(&y);
    // the VS and the service are both outside the imports: Envoy has no such domain
    assert_eq!(action(&r, &req("reviews.default", "/").ns("other")), "passthrough");
    assert_eq!(summary(&r, &req("reviews.default", "/").ns("other")).1, None);
}

// istio exportTo: "." keeps the VirtualService in its namespace
#[test]
fn export_to_dot_hides_other_namespaces() {
    let y = vs("r", "default", "[reviews]", "v1", "").replace("  hosts:", "  exportTo: ['.']\n  hosts:");
    let r = router(&y);
    assert_eq!(action(&r, &req("reviews", "/")), "forward");
    assert_eq!(summary(&r, &req("reviews.default", "/").ns("other")).1, None);
}

#[test]
fn export_to_named_namespace() {
    let y = vs("r", "default", "[reviews]", "v1", "").replace("  hosts:", "  exportTo: [other]\n  hosts:");
    let r = router(&y);
    assert_eq!(summary(&r, &req("reviews.default", "/").ns("other")).1.as_deref(), Some("default/r"));
    assert_eq!(summary(&r, &req("reviews", "/")).1, None);
}

// istio: several VirtualServices for one host in the mesh: the oldest wins
#[test]
fn oldest_vs_wins_in_mesh() {
    let y = format!(
        "{}{}",
        vs("newer", "default", "[reviews]", "new", ", creationTimestamp: '2024-01-02T00:00:00Z'"),
        vs("older", "default", "[reviews]", "old", ", creationTimestamp: '2024-01-01T00:00:00Z'")
    );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("old"));
}

// istio SelectVirtualServices: private config first, then exported by name, then public
#[test]
fn private_vs_beats_public_vs() {
    let y = format!(
        "{}{}",
        vs(
            "public",
            "other",
            "[reviews.default.svc.cluster.local]",
            "public",
            ", creationTimestamp: '2020-01-01T00:00:00Z'"
        ),
        vs("private", "default", "[reviews]", "private", ", creationTimestamp: '2024-01-01T00:00:00Z'")
            .replace("  hosts:", "  exportTo: ['.']\n  hosts:")
    );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("private"));
    assert_eq!(subset(&r, &req("reviews.default", "/").ns("other")).as_deref(), Some("public"));
}

// istio separateVSHostsAndServices: a wildcard host claims the services it covers
#[test]
fn wildcard_vs_claims_services() {
    let r = router(&vs("r", "default", "['*.default.svc.cluster.local']", "wild", ""));
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("wild"));
    assert_eq!(subset(&r, &req("ratings", "/")).as_deref(), Some("wild"));
    assert_eq!(summary(&r, &req("details.other", "/")).1, None);
}

// istio mostSpecificWildcardVsIndex: the most specific wildcard claims a service
#[test]
fn most_specific_wildcard_vs() {
    let y = format!(
        "{}{}",
        vs(
            "broad",
            "default",
            "['*.svc.cluster.local']",
            "broad",
            ", creationTimestamp: '2020-01-01T00:00:00Z'"
        ),
        vs(
            "narrow",
            "default",
            "['*.default.svc.cluster.local']",
            "narrow",
            ", creationTimestamp: '2024-01-01T00:00:00Z'"
        )
    );
    let r = router(&y);
    assert_eq!(subset(&r, &req("reviews", "/")).as_deref(), Some("narrow"));
    assert_eq!(subset(&r, &req("details.other", "/")).as_deref(), Some("broad"));
}

// istio BuildSidecarOutboundVirtualHosts: hosts outside the registry get vhosts on port 80
#[test]
fn non_registry_host_on_port_80() {
    let r = router(&vs("ext", "default", "[api.example.com]", "ext", ""));
    assert_eq!(action(&r, &req("api.example.com", "/").port(80)), "forward");
    assert_eq!(summary(&r, &req("api.example.com", "/").port(8080)).1, None);
}

#[test]
fn non_registry_wildcard_host_on_port_80() {
    let r = router(&vs("ext", "default", "['*.example.com']", "ext", ""));
    assert_eq!(action(&r, &req("a.example.com", "/").port(80)), "forward");
    assert_eq!(summary(&r, &req("example.com", "/").port(80)).1, None);
}

// a ServiceEntry host is a registry service with its own ports
#[test]
fn service_entry_host() {
    let y = format!(
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: ext, namespace: default}}
spec:
  hosts: [api.example.com]
  ports: [{{number: 443, name: https, protocol: HTTPS}}, {{number: 80, name: http, protocol: HTTP}}]
  resolution: DNS
---
{}",
        vs("ext", "default", "[api.example.com]", "e", "")
    );
    let r = router(&y);
    assert_eq!(action(&r, &req("api.example.com", "/").port(80)), "forward");
    assert_eq!(host_of(&r, &req("api.example.com", "/").port(80)), "api.example.com");
}

#[test]
fn wildcard_service_entry_passthrough() {
    let r = router(
        "apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wiki, namespace: default}
spec:
  hosts: ['*.wikipedia.org']
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: NONE
",
    );
    let (a, h) = decide(&r, &req("en.wikipedia.org", "/").port(80), |d, _| {
        (d.action.as_str().to_string(), d.host.to_string())
    });
    assert_eq!((a.as_str(), h.as_str()), ("passthrough", "*.wikipedia.org"));
}

// a service whose port is TCP has no HTTP virtual host on that port
#[test]
fn tcp_port_not_http_vhost() {
    let r = router(&vs("d", "other", "[details]", "x", ""));
    assert_eq!(summary(&r, &req("details.other", "/").port(3306)).1, None);
}

#[test]
fn missing_port_uses_single_service_port() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    let mut q = req("reviews", "/");
    q.port = None;
    assert_eq!(decide(&r, &q, |d, _| d.port), 9080);
}

#[test]
fn default_namespace_for_anonymous_client() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    let mut q = req("reviews", "/");
    q.ns = None;
    assert_eq!(action(&r, &q), "forward");
}

#[test]
fn decision_names_the_virtual_host() {
    let r = router(&vs("r", "default", "[reviews]", "v1", ""));
    let t = decide(&r, &req("reviews", "/"), |d, _| d.virtual_host.map(str::to_string));
    assert_eq!(t.as_deref(), Some("reviews.default.svc.cluster.local"));
}

// compile once, share across threads
#[test]
fn router_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<mesh_routing::Router>();
    assert_send_sync::<mesh_routing::RouteTable>();
}

/// A headless Service (`clusterIP: None`) in `default`, as a StatefulSet's governing service.
const HEADLESS: &str = "apiVersion: v1
kind: Service
metadata: {name: db, namespace: default}
spec: {clusterIP: None, selector: {app: db}, ports: [{name: http, port: 9080}]}
---
";

// istio httproute.go generateVirtualHostDomains (test "wildcard"): a headless Kubernetes
// service's virtual host also holds `*.` plus each domain, so StatefulSet pod names reach it.
#[test]
fn headless_service_answers_its_pod_names() {
    let r = router(HEADLESS);
    for host in
        ["db-0.db.default.svc.cluster.local", "db-0.db", "db-0.db.default", "db-0.db.default.svc", "a.b.db"]
    {
        assert_eq!(host_of(&r, &req(host, "/")), "db.default.svc.cluster.local", "{host}");
        assert_eq!(action(&r, &req(host, "/")), "passthrough", "{host}");
    }
    // The short alternative exists only for clients in the service's namespace.
    assert_eq!(host_of(&r, &req("db-0.db", "/").ns("other")), "db-0.db");
    assert_eq!(host_of(&r, &req("db-0.db.default", "/").ns("other")), "db.default.svc.cluster.local");
    // A VirtualService on the headless service applies to the pod names too.
    let r = router(&format!("{HEADLESS}{}", vs("d", "default", "[db]", "v1", "")));
    assert_eq!(action(&r, &req("db-0.db.default.svc.cluster.local", "/")), "forward");
}

// Only headless Kubernetes services get the wildcard: a ClusterIP service does not.
#[test]
fn cluster_ip_service_does_not_answer_pod_names() {
    let r = router("");
    assert_eq!(
        host_of(&r, &req("x.reviews.default.svc.cluster.local", "/")),
        "x.reviews.default.svc.cluster.local"
    );
    assert_eq!(action(&r, &req("x.reviews.default.svc.cluster.local", "/")), "passthrough");
}
