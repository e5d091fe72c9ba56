//! A small mesh on loopback: reviews v1 and v2 behind their sidecars, productpage's sidecar
//! calling them, SVIDs from an in-process CA, config in a temporary directory.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use examples::credentials::Credentials;
use examples::sidecar_proxy::{ProxyOptions, RunningProxy, SidecarProxy, WorkloadInfo};

/// The services and policies: reviews v1 and v2 behind their sidecars' inbound ports.
pub fn services(v1: SocketAddr, v2: SocketAddr) -> String {
    format!(
        "\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: reviews, namespace: default}}
spec:
  hosts: [reviews.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{{number: 9080, name: http, protocol: HTTP}}]
  endpoints:
  - {{address: 127.0.0.1, ports: {{http: {p1}}}, labels: {{app: reviews, version: v1}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-b}}
  - {{address: 127.0.0.1, ports: {{http: {p2}}}, labels: {{app: reviews, version: v2}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-c}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: reviews, namespace: default}}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {{simple: ROUND_ROBIN, localityLbSetting: {{enabled: true}}}}
    outlierDetection: {{consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}}
  subsets:
  - {{name: v1, labels: {{version: v1}}}}
  - {{name: v2, labels: {{version: v2}}}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: ratings, namespace: default}}
spec:
  hosts: [ratings.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{{number: 9080, name: http, protocol: HTTP}}]
  endpoints:
  - {{address: 127.0.0.1, ports: {{http: {p1}}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-b}}
  - {{address: 127.0.0.1, ports: {{http: {p2}}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-c}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: ratings, namespace: default}}
spec:
  host: ratings
  trafficPolicy:
    outlierDetection: {{consecutive5xxErrors: 5, interval: 10s, baseEjectionTime: 30s}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: details, namespace: default}}
spec:
  hosts: [details.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{{number: 9080, name: http, protocol: HTTP}}]
  endpoints:
  - {{address: 127.0.0.1, ports: {{http: {p1}}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-b}}
  - {{address: 127.0.0.1, ports: {{http: {p2}}}, serviceAccount: bookinfo-reviews, locality: us-east1/us-east1-c}}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {{name: reviews-viewer, namespace: default}}
spec:
  selector: {{matchLabels: {{app: reviews}}}}
  action: ALLOW
  rules:
  - from: [{{source: {{principals: [cluster.local/ns/default/sa/bookinfo-productpage]}}}}]
    to: [{{operation: {{methods: [GET], paths: [/reviews/*]}}}}]
",
        p1 = v1.port(),
        p2 = v2.port()
    )
}

/// jason goes to v2; everyone else is split 80/20 between v1 and v2.
pub const ROUTES_SPLIT: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v2}, weight: 20}
";

/// Everything to v2.
pub const ROUTES_ALL_V2: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: default}
spec:
  hosts: [reviews]
  http:
  - route: [{destination: {host: reviews, subset: v2}}]
";

pub struct Mesh {
    pub ca: mesh_identity::Ca,
    pub trust: mesh_identity::BundleSet,
    pub dir: super::TempDir,
    pub productpage: RunningProxy,
    pub reviews_v1: RunningProxy,
    pub reviews_v2: RunningProxy,
}

fn workload(sa: &str, app: &str, version: &str, locality: &str) -> WorkloadInfo {
    WorkloadInfo {
        namespace: "default".into(),
        service_account: sa.into(),
        labels: BTreeMap::from([("app".into(), app.into()), ("version".into(), version.into())]),
        locality: locality.into(),
    }
}

async fn start_proxy(
    workload: WorkloadInfo,
    app: SocketAddr,
    inbound: SocketAddr,
    dir: &super::TempDir,
    creds: Credentials,
) -> RunningProxy {
    let options = ProxyOptions {
        workload,
        outbound_addr: "127.0.0.1:0".parse().unwrap(),
        inbound_addr: inbound,
        app_addr: app,
        config_dir: dir.path().to_path_buf(),
        reload_interval: Duration::from_millis(50),
        seed: 7,
        renewal: None,
    };
    SidecarProxy::start(options, creds).await.unwrap()
}

/// Starts the mesh: the sidecars bind ephemeral ports first, then the services file naming
/// their inbound ports is written and every sidecar reloads it (generation 1).
pub async fn start_mesh() -> Mesh {
    let ca = super::new_ca("cluster.local");
    let trust = super::bundles(&[&ca]);
    let dir = super::TempDir::new("sidecar-e2e");
    dir.write("routes.yaml", ROUTES_SPLIT);
    let app1 = super::start_app("reviews-v1").await;
    let app2 = super::start_app("reviews-v2").await;
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let reviews_sa = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";
    let reviews_v1 = start_proxy(
        workload("bookinfo-reviews", "reviews", "v1", "us-east1/us-east1-b"),
        app1,
        any,
        &dir,
        super::issue(&ca, reviews_sa, &trust),
    )
    .await;
    let reviews_v2 = start_proxy(
        workload("bookinfo-reviews", "reviews", "v2", "us-east1/us-east1-c"),
        app2,
        any,
        &dir,
        super::issue(&ca, reviews_sa, &trust),
    )
    .await;
    // productpage has no inbound traffic in these tests; its app address is never dialled.
    let productpage = start_proxy(
        workload("bookinfo-productpage", "productpage", "v1", "us-east1/us-east1-b"),
        app1,
        any,
        &dir,
        super::issue(&ca, "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", &trust),
    )
    .await;
    dir.write("services.yaml", &services(reviews_v1.inbound_addr(), reviews_v2.inbound_addr()));
    for proxy in [&productpage, &reviews_v1, &reviews_v2] {
        wait_for_generation(proxy, 1).await;
    }
    Mesh { ca, trust, dir, productpage, reviews_v1, reviews_v2 }
}

/// Waits (at most 10 s) until `proxy` runs configuration generation `generation` or later.
pub async fn wait_for_generation(proxy: &RunningProxy, generation: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while proxy.generation() < generation {
        assert!(tokio::time::Instant::now() < deadline, "the proxy never reloaded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
