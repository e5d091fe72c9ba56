//! The service registry pinned to Istio's conversion tests. Each test names the upstream
//! test (istio/istio) whose behaviour it pins.

use std::collections::BTreeMap;

use mesh_model::load_str;
use mesh_model::mesh_config::{IngressControllerMode, MeshConfig};
use mesh_model::networking::{Location, StringMatch};
use mesh_model::registry::{
    ExportTo, Health, Locality, Origin, Protocol, Registry, RegistryOptions, Resolution, WorkloadKind,
    ingress::is_istio_ingress,
};
use mesh_model::{Resource, kube};

fn resources(yaml: &str) -> Vec<Resource> {
    let out = load_str(yaml, &Default::default());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.resources.into_iter().map(|l| l.resource).collect()
}

fn registry(yaml: &str) -> Registry {
    Registry::build(RegistryOptions::default(), resources(yaml))
}

fn registry_with(options: RegistryOptions, yaml: &str) -> Registry {
    Registry::build(options, resources(yaml))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

// ---------------------------------------------------------------------------------------
// Protocols
// ---------------------------------------------------------------------------------------

#[test]
fn kube_conversion_test_convert_protocol() {
    // pilot/pkg/serviceregistry/kube/conversion_test.go: TestConvertProtocol (every name in
    // lower and upper case).
    let http = Some("http");
    let cases: &[(i32, &str, Option<&str>, &str, Protocol)] = &[
        (8888, "", None, "TCP", Protocol::Unsupported),
        (25, "", None, "TCP", Protocol::Tcp),
        (53, "", None, "TCP", Protocol::Tcp),
        (3306, "", None, "TCP", Protocol::Tcp),
        (27017, "", None, "TCP", Protocol::Tcp),
        (8888, "http", None, "TCP", Protocol::Http),
        (8888, "http-test", None, "TCP", Protocol::Http),
        (8888, "http", None, "UDP", Protocol::Udp),
        (8888, "httptest", None, "TCP", Protocol::Unsupported),
        (25, "httptest", None, "TCP", Protocol::Tcp),
        (53, "httptest", None, "TCP", Protocol::Tcp),
        (3306, "httptest", None, "TCP", Protocol::Tcp),
        (27017, "httptest", None, "TCP", Protocol::Tcp),
        (8888, "https", None, "TCP", Protocol::Https),
        (8888, "https-test", None, "TCP", Protocol::Https),
        (8888, "http2", None, "TCP", Protocol::Http2),
        (8888, "http2-test", None, "TCP", Protocol::Http2),
        (8888, "grpc", None, "TCP", Protocol::Grpc),
        (8888, "grpc-test", None, "TCP", Protocol::Grpc),
        (8888, "grpc-web", None, "TCP", Protocol::GrpcWeb),
        (8888, "grpc-web-test", None, "TCP", Protocol::GrpcWeb),
        (8888, "mongo", None, "TCP", Protocol::Mongo),
        (8888, "mongo-test", None, "TCP", Protocol::Mongo),
        (8888, "redis", None, "TCP", Protocol::Redis),
        (8888, "redis-test", None, "TCP", Protocol::Redis),
        (8888, "mysql", None, "TCP", Protocol::MySql),
        (8888, "mysql-test", None, "TCP", Protocol::MySql),
        (8888, "tcp", http, "TCP", Protocol::Http),
    ];
    for &(port, name, app, transport, want) in cases {
        for n in [name.to_lowercase(), name.to_uppercase()] {
            let got = Protocol::from_kube_port(port, Some(&n), Some(transport), app);
            assert_eq!(got, want, "{port} {n:?} {transport} {app:?}");
        }
    }
}

#[test]
fn config_kube_conversion_test_convert_protocol() {
    // pkg/config/kube/conversion_test.go: TestConvertProtocol.
    let h2c = Some("kubernetes.io/h2c");
    type Case<'a> = (&'a str, i32, Option<&'a str>, Option<&'a str>, Option<&'a str>, Protocol);
    let cases: &[Case<'_>] = &[
        ("resolves empty", 0, None, None, None, Protocol::Unsupported),
        ("resolves from protocol directly", 0, None, Some("UDP"), None, Protocol::Udp),
        ("resolves from port name", 0, Some("http-something"), None, None, Protocol::Http),
        ("prefers appProto over portName", 0, Some("http-something"), None, Some("https"), Protocol::Https),
        ("resolves from appProto", 0, Some("something-httpx"), None, Some("https"), Protocol::Https),
        ("resolves grpc-web", 0, Some("grpc-web-x"), None, None, Protocol::GrpcWeb),
        (
            "makes sure grpc-web is not resolved incorrectly",
            0,
            Some("grpcweb-x"),
            None,
            None,
            Protocol::Unsupported,
        ),
        ("resolves based on known ports", 3306, Some("random-name"), None, None, Protocol::Tcp),
        ("standard app protocol", 3306, Some("random-name"), None, h2c, Protocol::Http2),
        // Kubernetes' other standard appProtocols.
        ("websocket", 80, None, None, Some("kubernetes.io/ws"), Protocol::Http),
        ("websocket over TLS", 443, None, None, Some("kubernetes.io/wss"), Protocol::Https),
    ];
    for &(name, port, pname, transport, app, want) in cases {
        assert_eq!(Protocol::from_kube_port(port, pname, transport, app), want, "{name}");
    }
}

#[test]
fn protocol_instance_test_parse() {
    // pkg/config/protocol/instance_test.go: TestParse and TestIsHTTP.
    let cases: &[(&str, Protocol)] = &[
        ("tcp", Protocol::Tcp),
        ("http", Protocol::Http),
        ("HTTP", Protocol::Http),
        ("Http", Protocol::Http),
        ("http_proxy", Protocol::HttpProxy),
        ("Http_Proxy", Protocol::HttpProxy),
        ("HTTP_PROXY", Protocol::HttpProxy),
        ("https", Protocol::Https),
        ("http2", Protocol::Http2),
        ("grpc", Protocol::Grpc),
        ("grpc-web", Protocol::GrpcWeb),
        ("gRPC-Web", Protocol::GrpcWeb),
        ("grpc-Web", Protocol::GrpcWeb),
        ("udp", Protocol::Udp),
        ("Mongo", Protocol::Mongo),
        ("mongo", Protocol::Mongo),
        ("MONGO", Protocol::Mongo),
        ("Redis", Protocol::Redis),
        ("redis", Protocol::Redis),
        ("REDIS", Protocol::Redis),
        ("Mysql", Protocol::MySql),
        ("mysql", Protocol::MySql),
        ("MYSQL", Protocol::MySql),
        ("MySQL", Protocol::MySql),
        ("", Protocol::Unsupported),
        ("SMTP", Protocol::Unsupported),
        ("HBONE", Protocol::Unsupported),
    ];
    for &(s, want) in cases {
        assert_eq!(Protocol::parse(s), want, "{s:?}");
    }
    assert!(!Protocol::Udp.is_http());
    assert!(Protocol::Grpc.is_http());
    assert!(Protocol::Unsupported.is_http_or_sniffed());
    assert_eq!(Protocol::GrpcWeb.to_string(), "GRPC-Web");
}

// ---------------------------------------------------------------------------------------
// Kubernetes Services
// ---------------------------------------------------------------------------------------

const SERVICE1: &str = r#"
apiVersion: v1
kind: Service
metadata:
  name: service1
  namespace: default
  creationTimestamp: "2024-01-02T03:04:05Z"
  annotations:
    alpha.istio.io/kubernetes-serviceaccounts: serviceaccountA,serviceaccountB
    alpha.istio.io/canonical-serviceaccounts: "spiffe://accounts.google.com/serviceaccountC@cloudservices.gserviceaccount.com,spiffe://accounts.google.com/serviceaccountD@developer.gserviceaccount.com"
    other/annotation: test
spec:
  clusterIP: 10.0.0.1
  selector: {foo: bar}
  ports:
  - {name: http, port: 8080, protocol: TCP}
  - {name: https, port: 443, protocol: TCP}
"#;

#[test]
fn kube_conversion_test_service_conversion() {
    // pilot/pkg/serviceregistry/kube/conversion_test.go: TestServiceConversion (domain suffix
    // and trust domain company.com).
    let options = RegistryOptions {
        domain_suffix: "company.com".into(),
        trust_domain: "company.com".into(),
        ..Default::default()
    };
    let reg = registry_with(options, SERVICE1);
    let svc = reg.by_host("service1.default.svc.company.com").next().unwrap();
    assert_eq!(svc.origin, Origin::Kubernetes);
    assert_eq!(svc.creation_timestamp.as_deref(), Some("2024-01-02T03:04:05Z"));
    assert_eq!(svc.ports.len(), 2);
    assert!(!svc.is_mesh_external());
    assert_eq!(svc.addresses, ["10.0.0.1"]);
    assert_eq!(svc.selector, Some(labels(&[("foo", "bar")])));
    assert_eq!(svc.resolution, Resolution::ClientSideLb);
    assert_eq!(
        svc.service_accounts,
        [
            "spiffe://accounts.google.com/serviceaccountC@cloudservices.gserviceaccount.com",
            "spiffe://accounts.google.com/serviceaccountD@developer.gserviceaccount.com",
            "spiffe://company.com/ns/default/sa/serviceaccountA",
            "spiffe://company.com/ns/default/sa/serviceaccountB",
        ]
    );
    assert_eq!(svc.port(443).unwrap().protocol, Protocol::Https);
}

#[test]
fn kube_conversion_test_service_conversion_with_empty_service_accounts_annotation() {
    // conversion_test.go: TestServiceConversionWithEmptyServiceAccountsAnnotation.
    let reg = registry(
        "apiVersion: v1\nkind: Service\nmetadata: {name: service1, namespace: default, annotations: {}}\n\
         spec: {clusterIP: 10.0.0.1, ports: [{name: http, port: 8080}]}\n",
    );
    assert!(reg.services().next().unwrap().service_accounts.is_empty());
}

#[test]
fn kube_conversion_test_service_conversion_with_export_to_annotation() {
    // conversion_test.go: TestServiceConversionWithExportToAnnotation; an empty annotation
    // means the mesh default (`*`).
    let cases: &[(&str, ExportTo)] = &[
        ("", ExportTo::Public),
        (".", ExportTo::Namespaces(["default".to_string()].into())),
        ("*", ExportTo::Public),
        ("~", ExportTo::Hidden),
        ("ns", ExportTo::Namespaces(["ns".to_string()].into())),
        ("ns1,ns2", ExportTo::Namespaces(["ns1".to_string(), "ns2".to_string()].into())),
        ("ns1, ns2", ExportTo::Namespaces(["ns1".to_string(), "ns2".to_string()].into())),
        ("ns1 ,ns2", ExportTo::Namespaces(["ns1".to_string(), "ns2".to_string()].into())),
    ];
    for (annotation, want) in cases {
        let reg = registry(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: service1, namespace: default, \
             annotations: {{networking.istio.io/exportTo: '{annotation}'}}}}\n\
             spec: {{clusterIP: 10.0.0.1, ports: [{{name: http, port: 8080}}]}}\n"
        ));
        assert_eq!(&reg.services().next().unwrap().export_to, want, "{annotation:?}");
    }
}

#[test]
fn mesh_default_service_export_to_applies_when_unset() {
    // MeshConfig defaultServiceExportTo (push_context serviceExportTo: exportToDefaults).
    let options = RegistryOptions { default_export_to: vec![".".into()], ..Default::default() };
    let reg = registry_with(
        options,
        "apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: shop}\nspec: {clusterIP: 10.0.0.1}\n",
    );
    assert!(reg.resolve("a.shop.svc.cluster.local", "shop").is_some());
    assert!(reg.resolve("a.shop.svc.cluster.local", "other").is_none());
}

#[test]
fn kube_conversion_test_external_service_conversion() {
    // conversion_test.go: TestExternalServiceConversion and
    // TestExternalClusterLocalServiceConversion.
    for external in ["google.com", "some.test.svc.cluster.local"] {
        let reg = registry(&format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: service1, namespace: default}}\n\
             spec: {{type: ExternalName, externalName: {external}, ports: [{{name: http, port: 80, protocol: TCP}}]}}\n"
        ));
        let svc = reg.by_host("service1.default.svc.cluster.local").next().unwrap();
        assert!(svc.is_mesh_external(), "{external}");
        assert_eq!(svc.resolution, Resolution::Alias);
        assert_eq!(svc.service_type.as_deref(), Some("ExternalName"));
        assert_eq!(svc.external_name.as_deref(), Some(external));
        assert_eq!(svc.ports.len(), 1);
    }
}

#[test]
fn kube_conversion_test_lb_service_conversion() {
    // conversion_test.go: TestLBServiceConversion: ingress IPs, else hostnames, in order.
    let reg = registry(
        r#"
apiVersion: v1
kind: Service
metadata: {name: service1, namespace: default}
spec: {type: LoadBalancer, ports: [{name: http, port: 80}]}
status:
  loadBalancer:
    ingress: [{ip: 127.68.32.112}, {ip: 127.68.32.113}, {hostname: 127.68.32.114}, {hostname: 127.68.32.115}]
"#,
    );
    let svc = reg.services().next().unwrap();
    assert_eq!(svc.external_addresses, ["127.68.32.112", "127.68.32.113", "127.68.32.114", "127.68.32.115"]);
}

#[test]
fn kube_conversion_test_internal_traffic_policy_service_conversion() {
    // conversion_test.go: TestInternalTrafficPolicyServiceConversion.
    let reg = registry(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\n\
         spec: {internalTrafficPolicy: Local, ports: [{name: http, port: 80}]}\n",
    );
    assert!(reg.services().next().unwrap().node_local);
}

#[test]
fn headless_service_is_passthrough_without_address() {
    // conversion.go ConvertService: clusterIP None -> Passthrough, address 0.0.0.0.
    let reg = registry(
        "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: default}\n\
         spec: {clusterIP: None, ports: [{name: tcp-db, port: 5432}]}\n",
    );
    let svc = reg.services().next().unwrap();
    assert!(svc.is_headless());
    assert_eq!(svc.resolution, Resolution::Passthrough);
    assert!(svc.addresses.is_empty());
    assert_eq!(svc.ports[0].protocol, Protocol::Tcp);
}

#[test]
fn dual_stack_cluster_ips_are_all_addresses() {
    // conversion.go ConvertService: clusterIPs replace clusterIP when there are several.
    let reg = registry(
        "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\n\
         spec: {clusterIP: 10.0.0.1, clusterIPs: [10.0.0.1, 'fd00::1'], ports: [{port: 80}]}\n",
    );
    let svc = reg.services().next().unwrap();
    assert_eq!(svc.addresses, ["10.0.0.1", "fd00::1"]);
    assert_eq!(reg.lookup_ip("fd00::1").services[0].name, "s");
}

// ---------------------------------------------------------------------------------------
// EndpointSlices, pods and nodes
// ---------------------------------------------------------------------------------------

const SVC1_WITH_POD: &str = r#"
apiVersion: v1
kind: Node
metadata:
  name: node1
  labels:
    failure-domain.beta.kubernetes.io/zone: zone1
    failure-domain.beta.kubernetes.io/region: region1
    topology.istio.io/subzone: subzone1
---
apiVersion: v1
kind: Pod
metadata: {name: pod1, namespace: nsa, labels: {app: prod-app}}
spec:
  serviceAccountName: svcaccount
  nodeName: node1
  containers: [{name: app, ports: [{name: tcp-port, containerPort: 8080}]}]
status:
  podIP: 128.0.0.1
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: nsa}
spec:
  clusterIP: 10.0.0.1
  selector: {app: prod-app}
  ports: [{name: tcp-port, port: 8080}]
"#;

fn slice(name: &str, extra_labels: &str, endpoints: &str) -> String {
    format!(
        "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\n\
         metadata: {{name: {name}, namespace: nsa, labels: {{kubernetes.io/service-name: svc1{extra_labels}}}}}\n\
         addressType: IPv4\nports: [{{name: tcp-port, port: 8080}}]\nendpoints:\n{endpoints}"
    )
}

const POD1_ENDPOINT: &str =
    "- addresses: [128.0.0.1]\n  targetRef: {kind: Pod, namespace: nsa, name: pod1}\n";

#[test]
fn endpointslice_test_update_endpoint_cache_for_slice() {
    // pilot/pkg/serviceregistry/kube/controller/endpointslice_test.go:
    // TestUpdateEndpointCacheForSlice; locality from the node's beta labels
    // (controller.go getPodLocality), identity from the pod (endpoint_builder.go).
    let reg = registry(&format!("{SVC1_WITH_POD}{}", slice("svc1", "", POD1_ENDPOINT)));
    let svc = reg.resolve("svc1.nsa.svc.cluster.local", "nsa").unwrap();
    let eps = reg.endpoints(svc);
    assert_eq!(eps.len(), 1);
    let ep = &eps[0];
    assert_eq!(
        (ep.address.as_str(), ep.port, ep.service_port_name.as_str()),
        ("128.0.0.1", 8080, "tcp-port")
    );
    assert_eq!(ep.locality, Locality::parse("region1/zone1/subzone1"));
    assert_eq!(ep.service_account.as_deref(), Some("svcaccount"));
    assert_eq!(ep.health, Health::Healthy);
    assert_eq!(ep.namespace, "nsa");
    assert_eq!(ep.workload.as_ref().unwrap().name, "pod1");
    assert_eq!(ep.tls_mode, "disabled");
    // AugmentLabels: topology labels added to the pod's own.
    assert_eq!(ep.labels.get("app").map(String::as_str), Some("prod-app"));
    assert_eq!(ep.labels.get("topology.kubernetes.io/region").map(String::as_str), Some("region1"));
    assert_eq!(ep.labels.get("topology.istio.io/subzone").map(String::as_str), Some("subzone1"));
    assert_eq!(ep.labels.get("kubernetes.io/hostname").map(String::as_str), Some("node1"));
    assert_eq!(ep.labels.get("topology.istio.io/cluster").map(String::as_str), Some("Kubernetes"));
    assert_eq!(reg.lookup_ip("128.0.0.1").endpoint_of[0].name, "svc1");
    assert_eq!(reg.lookup_ip("10.0.0.1").services[0].name, "svc1");
}

#[test]
fn endpointslice_test_endpoint_slice_from_mcs_should_be_ignored() {
    // endpointslice_test.go: TestEndpointSliceFromMCSShouldBeIgnored.
    let reg = registry(&format!(
        "{SVC1_WITH_POD}{}",
        slice("svc1", ", multicluster.kubernetes.io/service-name: svc1", POD1_ENDPOINT)
    ));
    let svc = reg.services().next().unwrap();
    assert!(reg.endpoints(svc).is_empty());
}

#[test]
fn endpointslice_test_unknown_pod_target_ref_is_skipped() {
    // endpointslice_test.go: TestUpdateEndpointCacheForSliceWithMultiAddrs "unknown pod
    // targetRef": an endpoint whose pod is expected but unknown is left out (getPod).
    let ep = "- addresses: [128.0.0.9]\n  targetRef: {kind: Pod, namespace: nsa, name: ghost}\n";
    let reg = registry(&format!("{SVC1_WITH_POD}{}", slice("svc1", "", ep)));
    assert!(reg.endpoints(reg.services().next().unwrap()).is_empty());
}

#[test]
fn endpointslice_test_manual_endpoints_without_target_ref() {
    // endpointslice_test.go: "manual endpoints without targetRef": the pod is found by IP
    // in the slice's namespace; an address no pod has gets a bare endpoint.
    let eps = "- addresses: [128.0.0.1]\n- addresses: [10.9.9.9]\n";
    let reg = registry(&format!("{SVC1_WITH_POD}{}", slice("svc1", "", eps)));
    let svc = reg.services().next().unwrap();
    let got = reg.endpoints(svc);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].service_account.as_deref(), Some("svcaccount"));
    assert_eq!(got[1].address, "10.9.9.9");
    assert!(got[1].workload.is_none());
    assert!(got[1].locality.is_empty());
}

#[test]
fn endpointslice_test_endpoint_slice_cache_dedups_across_slices() {
    // endpointslice_test.go: TestEndpointSliceCache "dedup when transitioning": one endpoint
    // per (address, port name) across the slices of a service.
    let reg = registry(&format!(
        "{SVC1_WITH_POD}{}{}",
        slice("svc1-a", "", POD1_ENDPOINT),
        slice("svc1-b", "", &format!("{POD1_ENDPOINT}- addresses: [3.4.5.6]\n"))
    ));
    let got: Vec<&str> =
        reg.endpoints(reg.services().next().unwrap()).iter().map(|e| e.address.as_str()).collect();
    assert_eq!(got, ["128.0.0.1", "3.4.5.6"]);
}

#[test]
fn endpointslice_endpoint_health_status() {
    // endpointslice.go endpointHealthStatus: ready unset/true healthy; terminating (unset
    // counts) is terminating; persistent sessions make serving+terminating draining.
    use kube::EndpointConditions as C;
    let c = |ready, serving, terminating| Some(C { ready, serving, terminating });
    assert_eq!(Health::from_conditions(None, false), Health::Healthy);
    assert_eq!(Health::from_conditions(c(Some(true), None, None).as_ref(), false), Health::Healthy);
    assert_eq!(Health::from_conditions(c(Some(false), None, Some(false)).as_ref(), false), Health::Unhealthy);
    assert_eq!(Health::from_conditions(c(Some(false), None, None).as_ref(), false), Health::Terminating);
    assert_eq!(
        Health::from_conditions(c(Some(false), Some(true), Some(true)).as_ref(), false),
        Health::Terminating
    );
    assert_eq!(
        Health::from_conditions(c(Some(false), Some(true), Some(true)).as_ref(), true),
        Health::Draining
    );
    assert_eq!(
        Health::from_conditions(c(Some(false), Some(false), Some(true)).as_ref(), true),
        Health::Terminating
    );
    // Through the registry: a slice's conditions become the endpoint's health.
    let ep = "- addresses: [128.0.0.1]\n  conditions: {ready: false, serving: true, terminating: true}\n  \
              targetRef: {kind: Pod, namespace: nsa, name: pod1}\n";
    let reg = registry(&format!("{SVC1_WITH_POD}{}", slice("svc1", "", ep)));
    assert_eq!(reg.endpoints(reg.services().next().unwrap())[0].health, Health::Terminating);
}

#[test]
fn endpoint_builder_test_new_endpoint_builder_topology_labels() {
    // pilot/pkg/serviceregistry/kube/controller/endpoint_builder_test.go:
    // TestNewEndpointBuilderTopologyLabels "network priority": the pod's network label wins
    // over the system namespace's; without one, the system namespace's applies.
    let yaml = r#"
apiVersion: v1
kind: Namespace
metadata: {name: istio-system, labels: {topology.istio.io/network: nw-system}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: nsa, labels: {app: x, topology.istio.io/network: nw-pod}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: nsa, labels: {app: x}}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Service
metadata: {name: svc1, namespace: nsa}
spec: {clusterIP: 10.96.0.1, selector: {app: x}, ports: [{name: tcp-port, port: 8080}]}
"#;
    let eps = "- addresses: [10.0.0.1]\n  targetRef: {kind: Pod, namespace: nsa, name: a}\n\
               - addresses: [10.0.0.2]\n  targetRef: {kind: Pod, namespace: nsa, name: b}\n";
    let reg = registry(&format!("{yaml}{}", slice("svc1", "", eps)));
    let got = reg.endpoints(reg.services().next().unwrap());
    assert_eq!(got[0].network.as_deref(), Some("nw-pod"));
    assert_eq!(got[1].network.as_deref(), Some("nw-system"));
    assert_eq!(got[1].labels.get("topology.istio.io/network").map(String::as_str), Some("nw-system"));
    // "empty": no locality, no topology labels but the cluster.
    assert!(got[0].locality.is_empty());
    assert!(!got[0].labels.contains_key("topology.kubernetes.io/region"));
}

#[test]
fn pod_locality_label_overrides_node() {
    // controller.go getPodLocality / pkg/model GetLocalityLabel: `istio-locality` with `.`
    // separators (SanitizeLocalityLabel) wins over the node's labels.
    let yaml =
        SVC1_WITH_POD.replace("labels: {app: prod-app}}", "labels: {app: prod-app, istio-locality: r9.z9}}");
    let reg = registry(&format!("{yaml}{}", slice("svc1", "", POD1_ENDPOINT)));
    let ep = &reg.endpoints(reg.services().next().unwrap())[0];
    assert_eq!(ep.locality.to_string(), "r9/z9/");
}

// ---------------------------------------------------------------------------------------
// ServiceEntries and WorkloadEntries
// ---------------------------------------------------------------------------------------

#[test]
fn serviceentry_conversion_test_convert_service() {
    // pilot/pkg/serviceregistry/serviceentry/conversion_test.go: TestConvertService — one
    // service per host, every address on every host, /32 CIDRs as IPs, resolution and
    // location carried over.
    let reg = registry(
        r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: tcp-static, namespace: default}
spec:
  hosts: [tcpstatic.com, tcpstatic2.com]
  addresses: [172.217.0.1/32, 172.217.0.0/16]
  ports: [{number: 444, name: tcp-444, protocol: tcp}]
  location: MESH_EXTERNAL
  resolution: STATIC
  endpoints: [{address: 1.1.1.1}, {address: 2.2.2.2}]
"#,
    );
    assert_eq!(reg.len(), 2);
    for host in ["tcpstatic.com", "tcpstatic2.com"] {
        let svc = reg.by_host(host).next().unwrap();
        assert_eq!(svc.origin, Origin::ServiceEntry);
        assert_eq!(svc.addresses, ["172.217.0.1", "172.217.0.0/16"]);
        assert_eq!(svc.resolution, Resolution::ClientSideLb);
        assert_eq!(svc.location, Location::MeshExternal);
        assert_eq!(svc.ports[0].protocol, Protocol::Tcp);
        let eps: Vec<(&str, u32)> = reg.endpoints(svc).iter().map(|e| (e.address.as_str(), e.port)).collect();
        assert_eq!(eps, [("1.1.1.1", 444), ("2.2.2.2", 444)]);
    }
    assert_eq!(reg.lookup_ip("172.217.0.1").services.len(), 2);
}

#[test]
fn serviceentry_conversion_test_resolutions_and_dns_host_endpoints() {
    // conversion_test.go: TestConvertService/TestConvertInstances — NONE is passthrough;
    // DNS without endpoints has the host itself as endpoint, on targetPort when set.
    let reg = registry(
        r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dns, namespace: default}
spec:
  hosts: [api.example.com]
  ports: [{number: 443, name: tls, protocol: TLS, targetPort: 8443}, {number: 80, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: none, namespace: default}
spec:
  hosts: ["*.wild.com"]
  ports: [{number: 80, name: http, protocol: HTTP}]
"#,
    );
    let dns = reg.by_host("api.example.com").next().unwrap();
    assert_eq!(dns.resolution, Resolution::DnsLb);
    let eps: Vec<(&str, u32)> = reg.endpoints(dns).iter().map(|e| (e.address.as_str(), e.port)).collect();
    assert_eq!(eps, [("api.example.com", 8443), ("api.example.com", 80)]);
    let wild = reg.by_host("*.wild.com").next().unwrap();
    assert_eq!(wild.resolution, Resolution::Passthrough);
    assert!(reg.endpoints(wild).is_empty());
    // Wildcard lookup: the most specific wildcard covers a concrete host.
    assert_eq!(reg.resolve("foo.wild.com", "default").unwrap().hostname, "*.wild.com");
    assert!(reg.resolve("wild.com", "default").is_none());
    assert_eq!(reg.matching("*.com", None).len(), 2);
}

const SELECTOR_SE: &str = r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: selector, namespace: default}
spec:
  hosts: [selector.com]
  ports: [{number: 444, name: http-444, protocol: http}, {number: 445, name: http-445, protocol: http}]
  location: MESH_INTERNAL
  resolution: STATIC
  workloadSelector: {labels: {app: wle}}
"#;

fn selected_endpoints(we_spec: &str) -> Vec<(String, u32, String)> {
    let reg = registry(&format!(
        "{SELECTOR_SE}---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry\n\
         metadata: {{name: we, namespace: default}}\nspec: {we_spec}\n"
    ));
    let svc = reg.by_host("selector.com").next().unwrap_or_else(|| panic!("selector.com is registered"));
    reg.endpoints(svc).iter().map(|e| (e.address.clone(), e.port, e.tls_mode.clone())).collect()
}

#[test]
fn serviceentry_conversion_test_convert_workload_entry_to_service_instances() {
    // conversion_test.go: TestConvertWorkloadEntryToServiceInstances "simple", "mtls",
    // "replace-port".
    let plain = |p| ("1.1.1.1".to_string(), p, "disabled".to_string());
    let mtls = |p| ("1.1.1.1".to_string(), p, "istio".to_string());
    assert_eq!(selected_endpoints("{address: 1.1.1.1, labels: {app: wle}}"), [plain(444), plain(445)]);
    assert_eq!(
        selected_endpoints("{address: 1.1.1.1, labels: {app: wle}, serviceAccount: default}"),
        [mtls(444), mtls(445)]
    );
    assert_eq!(
        selected_endpoints("{address: 1.1.1.1, labels: {app: wle}, ports: {http-445: 8080}}"),
        [plain(444), plain(8080)]
    );
    // Not selected: other labels.
    assert!(selected_endpoints("{address: 1.1.1.1, labels: {app: other}}").is_empty());
}

#[test]
fn serviceentry_conversion_test_convert_workload_entry_to_workload_instance() {
    // conversion_test.go: TestConvertWorkloadEntryToWorkloadInstance "labels merge" (metadata
    // labels win), "unix domain socket" (port 0, prefix removed), "augment labels" (locality
    // and network).
    let reg = registry(
        r#"
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: ns1, labels: {my-label: bar, app: meta}}
spec:
  address: 1.1.1.1
  labels: {app: wle, my-label: spec}
  ports: {http: 80}
  serviceAccount: scooby
  locality: region1/zone1/subzone1
  network: network1
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: uds, namespace: ns1}
spec:
  hosts: [uds.local]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_INTERNAL
  resolution: STATIC
  endpoints: [{address: "unix:///var/run/app.sock"}]
"#,
    );
    let w = &reg.select("ns1", &labels(&[("my-label", "bar")]))[0];
    assert_eq!(w.kind, WorkloadKind::WorkloadEntry);
    assert_eq!(*w.labels, labels(&[("app", "meta"), ("my-label", "bar")]));
    assert_eq!(w.spiffe_id("cluster.local").as_deref(), Some("spiffe://cluster.local/ns/ns1/sa/scooby"));
    assert_eq!(w.tls_mode, "istio");
    assert_eq!(w.locality.to_string(), "region1/zone1/subzone1");
    assert_eq!(w.network.as_deref(), Some("network1"));
    let uds = reg.by_host("uds.local").next().unwrap();
    let ep = &reg.endpoints(uds)[0];
    assert_eq!((ep.address.as_str(), ep.port), ("/var/run/app.sock", 0));
}

#[test]
fn service_entry_selects_pods_of_its_namespace() {
    // serviceentry controller: pods are workload instances a workloadSelector picks; a SE
    // port's name maps to the pod's container port of that name (kube pod.go getPortMap).
    let yaml = format!(
        "{SELECTOR_SE}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: default, labels: {{app: wle}}}}\n\
         spec: {{containers: [{{name: c, ports: [{{name: http-445, containerPort: 9445}}]}}]}}\n\
         status: {{podIP: 10.1.1.1, conditions: [{{type: Ready, status: 'True'}}]}}\n"
    );
    let reg = registry(&yaml);
    let svc = reg.by_host("selector.com").next().unwrap();
    let eps: Vec<(&str, u32)> = reg.endpoints(svc).iter().map(|e| (e.address.as_str(), e.port)).collect();
    assert_eq!(eps, [("10.1.1.1", 444), ("10.1.1.1", 9445)]);
    assert_eq!(reg.workloads_of(svc)[0].kind, WorkloadKind::Pod);
}

#[test]
fn kubernetes_service_selects_workload_entries() {
    // kube controller.go serviceInstancesFromWorkloadInstances: a Service's selector picks
    // WorkloadEntries (with IP addresses) of its namespace; a named targetPort must be among
    // the entry's ports.
    let reg = registry(
        r#"
apiVersion: v1
kind: Service
metadata: {name: vmsvc, namespace: vms}
spec:
  clusterIP: 10.96.5.5
  selector: {app: vm}
  ports: [{name: http, port: 80, targetPort: 8080}, {name: grpc, port: 90, targetPort: grpc-port}]
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: vms}
spec: {address: 10.5.0.1, labels: {app: vm}, ports: {http: 18080}, weight: 3}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm-dns, namespace: vms}
spec: {address: vm.example.com, labels: {app: vm}}
"#,
    );
    let svc = reg.resolve("vmsvc.vms.svc.cluster.local", "vms").unwrap();
    let eps: Vec<(&str, u32, u32)> =
        reg.endpoints(svc).iter().map(|e| (e.address.as_str(), e.port, e.weight)).collect();
    assert_eq!(eps, [("10.5.0.1", 18080, 3)]);
}

#[test]
fn kubernetes_service_wins_over_service_entry_for_the_same_host() {
    // pilot/pkg/model/sidecar.go appendSidecarServices and push_context.go
    // initServiceRegistry: a Kubernetes Service takes the host even from an older
    // ServiceEntry, so that no one "domain squats" a cluster host.
    let reg = registry(
        r#"
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: squat, namespace: default, creationTimestamp: "2020-01-01T00:00:00Z"}
spec:
  hosts: [reviews.default.svc.cluster.local]
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: DNS
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: default, creationTimestamp: "2024-01-01T00:00:00Z"}
spec: {clusterIP: 10.96.0.11, ports: [{name: http, port: 9080}]}
"#,
    );
    let hosts: Vec<Origin> = reg.by_host("reviews.default.svc.cluster.local").map(|s| s.origin).collect();
    assert_eq!(hosts, [Origin::ServiceEntry, Origin::Kubernetes], "precedence order is oldest first");
    assert_eq!(reg.resolve("reviews", "default").unwrap().origin, Origin::Kubernetes);
}

#[test]
fn service_entries_for_one_host_oldest_first_and_exported_first() {
    // push_context.go servicesExportedToNamespace: services exported to the namespace by
    // name come before public ones; within each, the oldest wins (SortServicesByCreationTime).
    let se = |name: &str, ns: &str, ts: &str, export: &str| {
        format!(
            "---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\n\
             metadata: {{name: {name}, namespace: {ns}, creationTimestamp: '{ts}'}}\n\
             spec: {{hosts: [api.corp], ports: [{{number: 80, name: http, protocol: HTTP}}], exportTo: [{export}]}}\n"
        )
    };
    let yaml = [
        se("old-public", "a", "2020-01-01T00:00:00Z", "'*'"),
        se("new-public", "b", "2021-01-01T00:00:00Z", "'*'"),
        se("private-c", "c", "2022-01-01T00:00:00Z", "."),
    ]
    .concat();
    let reg = registry(&yaml);
    assert_eq!(reg.resolve("api.corp", "x").unwrap().name, "old-public");
    assert_eq!(reg.resolve("api.corp", "c").unwrap().name, "private-c");
    assert_eq!(reg.matching("api.corp", Some("x")).len(), 2);
}

#[test]
fn workload_groups_are_summarised() {
    let reg = registry(
        r#"
apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: vms, namespace: vm}
spec:
  metadata: {labels: {app: legacy}}
  template: {serviceAccount: legacy-sa, network: vpc-1, ports: {http: 8080}}
"#,
    );
    let g = reg.workload_groups().next().unwrap();
    assert_eq!((g.service_account.as_deref(), g.network.as_deref()), (Some("legacy-sa"), Some("vpc-1")));
    assert_eq!(g.labels, labels(&[("app", "legacy")]));
}

// ---------------------------------------------------------------------------------------
// Ingress
// ---------------------------------------------------------------------------------------

fn ingress_registry(mode: IngressControllerMode, yaml: &str) -> Registry {
    let mesh = MeshConfig { ingress_controller_mode: Some(mode), ..Default::default() };
    registry_with(
        RegistryOptions { domain_suffix: "mydomain".into(), ..RegistryOptions::from_mesh(&mesh, "mydomain") },
        yaml,
    )
}

fn backend(name: &str, port: u32) -> String {
    format!("backend: {{service: {{name: {name}, port: {{number: {port}}}}}}}")
}

#[test]
fn ingress_conversion_test_conversion() {
    // pilot/pkg/config/kube/ingress/conversion_test.go: TestConversion — rules of two
    // Ingresses merge per host; routes sorted by path length, exact first.
    let yaml = format!(
        r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: mock1, namespace: mock}}
spec:
  rules:
  - host: my.host.com
    http:
      paths:
      - {{path: /test, {b}}}
      - {{path: /test/foo, pathType: Prefix, {b}}}
  - host: my2.host.com
    http: {{paths: [{{path: /test1.*, {c}}}]}}
  - host: my3.host.com
    http: {{paths: [{{path: /test/*, {c}}}]}}
  - host: my4.host.com
    http: {{paths: [{{path: /*, {c}}}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: mock2, namespace: mock}}
spec:
  rules:
  - host: my.host.com
    http:
      paths:
      - {{path: /test2, {b}}}
      - {{path: /test/foo/bar, pathType: Prefix, {b}}}
      - {{path: /test/foo/bar, pathType: Exact, {b}}}
"#,
        b = backend("foo", 8000),
        c = backend("bar", 8000)
    );
    let reg = ingress_registry(IngressControllerMode::Default, &yaml);
    let vss: Vec<_> = reg.ingress_virtual_services().collect();
    assert_eq!(vss.len(), 4);
    let my = vss.iter().find(|v| v.spec.hosts == ["my.host.com"]).unwrap();
    let got: Vec<(usize, bool)> = my
        .spec
        .http
        .iter()
        .map(|r| match r.matches[0].uri.as_ref().unwrap() {
            StringMatch::Exact(s) => (s.len(), true),
            StringMatch::Prefix(s) => (s.len(), false),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(got, [(13, true), (13, false), (9, false), (6, true), (5, true)]);
    assert_eq!(my.metadata.name.as_deref(), Some("my-host-com-mock1-istio-autogenerated-k8s-ingress"));
    assert_eq!(my.spec.gateways, ["istio-system/mock1-istio-autogenerated-k8s-ingress-mock"]);
    assert_eq!(my.spec.http[0].route[0].destination.host, "foo.mock.svc.mydomain");
    let my4 = vss.iter().find(|v| v.spec.hosts == ["my4.host.com"]).unwrap();
    assert!(my4.spec.http[0].matches.is_empty(), "/* matches every path");
    let my2 = vss.iter().find(|v| v.spec.hosts == ["my2.host.com"]).unwrap();
    assert_eq!(my2.spec.http[0].matches[0].uri, Some(StringMatch::Prefix("/test1".into())));
    assert_eq!(reg.ingress_gateways().count(), 2);
}

#[test]
fn ingress_conversion_test_ingress_class() {
    // conversion_test.go: TestIngressClass, every row: the annotation, then the IngressClass
    // the Ingress names (Istio's controller or another), then the mode.
    use IngressControllerMode::{Default as D, Off, Strict as S};
    let class = |name: &str, controller: &str| kube::IngressClass {
        api_version: "networking.k8s.io/v1".into(),
        kind: "IngressClass".into(),
        metadata: mesh_model::ObjectMeta { name: Some(name.into()), ..Default::default() },
        spec: kube::IngressClassSpec { controller: Some(controller.into()), parameters: None },
    };
    let istio = class("istio", "istio.io/ingress-controller");
    let other = class("foo", "foo");
    let cases: &[(IngressControllerMode, Option<&str>, Option<&kube::IngressClass>, bool)] = &[
        // Annotation
        (D, Some("nginx"), None, false),
        (S, Some("nginx"), None, false),
        (Off, Some("istio"), None, false),
        (D, Some("istio"), None, true),
        (S, Some("istio"), None, true),
        (D, None, None, true),
        (S, None, None, false),
        // IngressClass
        (D, None, Some(&other), false),
        (S, None, Some(&other), false),
        (D, None, Some(&istio), true),
        (S, None, Some(&istio), true),
        (D, None, None, true),
        (S, None, None, false),
        // IngressClass and annotation: the annotation decides
        (S, Some("nginx"), Some(&istio), false),
        (S, Some("istio"), Some(&other), true),
        // An invalid mode
        (IngressControllerMode::Unspecified, None, None, false),
    ];
    for &(mode, annotation, class, want) in cases {
        let mut ing = kube::Ingress::default();
        if let Some(a) = annotation {
            ing.metadata.annotations.insert("kubernetes.io/ingress.class".into(), a.into());
        }
        ing.spec.ingress_class_name = class.map(|c| c.metadata.name().to_string());
        let mesh = MeshConfig { ingress_controller_mode: Some(mode), ..Default::default() };
        assert_eq!(
            is_istio_ingress(&ing, &mesh, class),
            want,
            "{mode:?} {annotation:?} {:?}",
            ing.spec.ingress_class_name
        );
    }
}

// istio ingress.go: the IngressClass is looked up by name; a name no IngressClass has is as
// no class (served in DEFAULT mode), and adding or removing the class re-derives the Ingress.
#[test]
fn ingress_class_objects_decide_which_ingresses_istio_serves() {
    let ingress = |class: &str| {
        format!(
            "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web-{class}, namespace: default}}
spec:
  ingressClassName: {class}
  rules: [{{host: {class}.example.com, http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}}}]
---
"
        )
    };
    let classes = "apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: istio}
spec: {controller: istio.io/ingress-controller}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
spec: {controller: k8s.io/ingress-nginx}
";
    let yaml = format!("{}{}{}{classes}", ingress("istio"), ingress("nginx"), ingress("missing"));
    let loaded = mesh_model::load_str(&yaml, &Default::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let resources: Vec<mesh_model::Resource> = loaded.resources.into_iter().map(|l| l.resource).collect();
    let served = |reg: &mesh_model::registry::Registry| {
        let mut hosts: Vec<String> =
            reg.ingress_virtual_services().flat_map(|vs| vs.spec.hosts.clone()).collect();
        hosts.sort();
        hosts
    };
    let registry = |mode| {
        let mesh = MeshConfig { ingress_controller_mode: Some(mode), ..Default::default() };
        let options = mesh_model::registry::RegistryOptions::from_mesh(&mesh, "cluster.local");
        mesh_model::registry::Registry::build(options, resources.clone())
    };
    // STRICT (Istio's default): only Ingresses of Istio's IngressClass.
    assert_eq!(served(&registry(IngressControllerMode::Strict)), ["istio.example.com"]);
    // DEFAULT: also those whose class name no IngressClass has.
    let reg = registry(IngressControllerMode::Default);
    assert_eq!(served(&reg), ["istio.example.com", "missing.example.com"]);
    // Removing the nginx class leaves its Ingress without one: served in DEFAULT mode.
    let mut inc = reg.clone();
    let nginx =
        resources.iter().find(|r| r.kind() == mesh_model::Kind::IngressClass && r.name() == "nginx").unwrap();
    inc.apply(mesh_model::registry::Event::delete(nginx));
    assert_eq!(served(&inc), ["istio.example.com", "missing.example.com", "nginx.example.com"]);
    // ... as a full build without it says.
    let without: Vec<mesh_model::Resource> = resources.iter().filter(|r| *r != nginx).cloned().collect();
    let full = {
        let mesh = MeshConfig {
            ingress_controller_mode: Some(IngressControllerMode::Default),
            ..Default::default()
        };
        mesh_model::registry::Registry::build(
            mesh_model::registry::RegistryOptions::from_mesh(&mesh, "cluster.local"),
            without,
        )
    };
    assert_eq!(served(&full), served(&inc));
}

#[test]
fn ingress_conversion_test_named_port_ingress_conversion() {
    // conversion_test.go: TestNamedPortIngressConversion — a port name resolves through the
    // Service's ports; with no such Service the path is dropped.
    let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: named, namespace: mock, annotations: {kubernetes.io/ingress.class: istio}}
spec:
  rules:
  - host: host.com
    http:
      paths:
      - {path: /test/*, backend: {service: {name: foo, port: {name: test-svc-port}}}}
      - {path: /gone, backend: {service: {name: missing, port: {name: http}}}}
---
apiVersion: v1
kind: Service
metadata: {name: foo, namespace: mock}
spec:
  selector: {app: test-app}
  ports: [{name: test-svc-port, protocol: TCP, port: 8888, targetPort: test-port}]
"#;
    let reg = ingress_registry(IngressControllerMode::Strict, yaml);
    let vs = reg.ingress_virtual_services().next().unwrap();
    assert_eq!(vs.spec.http.len(), 1);
    assert_eq!(vs.spec.http[0].route[0].destination.port.as_ref().unwrap().number, Some(8888));
}

#[test]
fn ingress_golden_simple_and_tls() {
    // ingress/testdata simple.yaml.golden and tls.yaml.golden.
    let p = |path: &str, port: u32, t: &str| {
        format!("      - {{path: '{path}', {t}{}}}\n", backend("service1", port))
    };
    let mut yaml = String::from(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: foo, namespace: ns}\n\
         spec:\n  rules:\n  - host: foohost.bar.com\n    http:\n      paths:\n",
    );
    for (path, port, t) in [
        ("/path", 4200, ""),
        ("/sub/path", 4201, ""),
        ("/sub/path/", 4202, ""),
        ("/regex1.*", 4203, ""),
        ("/regex2*", 4204, ""),
        ("/regex3/*", 4205, ""),
        ("/sub/path", 4206, "pathType: Exact, "),
        ("/sub/path/", 4207, "pathType: Exact, "),
        ("/sub/path", 4208, "pathType: Prefix, "),
        ("/sub/path/", 4209, "pathType: Prefix, "),
    ] {
        yaml.push_str(&p(path, port, t));
    }
    let reg = ingress_registry(IngressControllerMode::Default, &yaml);
    let vs = reg.ingress_virtual_services().next().unwrap();
    let ports: Vec<u32> =
        vs.spec.http.iter().map(|r| r.route[0].destination.port.as_ref().unwrap().number.unwrap()).collect();
    assert_eq!(ports, [4202, 4207, 4209, 4201, 4206, 4208, 4204, 4203, 4205, 4200]);
    assert_eq!(
        vs.metadata.annotations.get("internal.istio.io/route-semantics").map(String::as_str),
        Some("ingress")
    );
    let gw = reg.ingress_gateways().next().unwrap();
    assert_eq!(gw.metadata.name.as_deref(), Some("foo-istio-autogenerated-k8s-ingress-ns"));
    assert_eq!(gw.metadata.namespace.as_deref(), Some("istio-system"));
    assert_eq!(gw.spec.selector, labels(&[("istio", "ingressgateway")]));
    assert_eq!(gw.spec.servers.len(), 1);
    assert_eq!(gw.spec.servers[0].port.as_ref().unwrap().name, "http-80-ingress-foo-ns");

    // tls.yaml.golden: a SIMPLE HTTPS server per tls entry with a secret, then HTTP.
    let tls = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: tls, namespace: bar}
spec:
  tls: [{hosts: [foo.org], secretName: myingress-cert}, {hosts: [nosecret.org]}]
  rules:
  - host: foo.org
    http: {paths: [{backend: {service: {name: httpbin, port: {number: 80}}}}]}
"#;
    let reg = ingress_registry(IngressControllerMode::Default, tls);
    let gw = reg.ingress_gateways().next().unwrap();
    let servers: Vec<(&str, u32, &[String])> = gw
        .spec
        .servers
        .iter()
        .map(|s| {
            let p = s.port.as_ref().unwrap();
            (p.name.as_str(), p.number, s.hosts.as_slice())
        })
        .collect();
    assert_eq!(servers.len(), 2);
    assert_eq!(servers[0], ("https-443-ingress-tls-bar-0", 443, &["foo.org".to_string()][..]));
    assert_eq!(servers[1].0, "http-80-ingress-tls-bar");
    let t = gw.spec.servers[0].tls.as_ref().unwrap();
    assert_eq!(t.credential_name.as_deref(), Some("myingress-cert"));
    let vs = reg.ingress_virtual_services().next().unwrap();
    assert_eq!(vs.metadata.name.as_deref(), Some("foo-org-tls-istio-autogenerated-k8s-ingress"));
    assert!(vs.spec.http[0].matches.is_empty());
    assert_eq!(vs.spec.http[0].route[0].destination.host, "httpbin.bar.svc.mydomain");
    // The generated resources validate as Istio's webhook would.
    for r in reg.ingress_resources() {
        let errors: Vec<_> = mesh_model::validate(&r)
            .into_iter()
            .filter(|d| d.severity == mesh_model::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}

#[test]
fn ingress_default_backend_is_ignored_and_other_classes_skipped() {
    // ingress.go RuleCollection: "Ignore default wildcard ingress".
    let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: only-default, namespace: ns}
spec:
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: nginx, namespace: ns, annotations: {kubernetes.io/ingress.class: nginx}}
spec:
  rules: [{host: a.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
"#;
    let reg = ingress_registry(IngressControllerMode::Default, yaml);
    assert_eq!(reg.ingress_gateways().count(), 1, "only-default still gets its Gateway");
    assert_eq!(reg.ingress_virtual_services().count(), 0);
}
