//! The sidecar proxy end to end on loopback: productpage's sidecar calls reviews v1 and v2
//! through their sidecars, with SVIDs from an in-process CA.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::mesh::{ROUTES_ALL_V2, start_mesh, wait_for_generation};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use mesh_identity::IdMatcher;
use rustls::pki_types::ServerName;

const LIMIT: Duration = Duration::from_secs(60);

const STRICT: &str = "apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
";

/// A plain HTTP/1.1 GET to `addr`: the status and the body, or `None` when refused.
async fn plain_get(addr: SocketAddr, headers: &[(&str, &str)]) -> Option<(u16, String)> {
    let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.ok()?;
    tokio::spawn(conn);
    let mut req = Request::get("/reviews/0").header("host", "reviews:9080");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sender.send_request(req.body(Full::new(Bytes::new())).ok()?).await.ok()?;
    let status = resp.status().as_u16();
    let xfcc = resp.headers().get("x-seen-xfcc").map(|v| v.to_str().unwrap_or("").to_string());
    let body = resp.into_body().collect().await.ok()?.to_bytes();
    Some((status, format!("{}|xfcc={}", String::from_utf8_lossy(&body), xfcc.unwrap_or_default())))
}

async fn count_versions(proxy: SocketAddr, n: usize, headers: &[(&str, &str)]) -> (usize, usize) {
    let (mut v1, mut v2) = (0, 0);
    for _ in 0..n {
        let (status, body) = common::get(proxy, "reviews:9080", "/reviews/0", headers).await;
        assert_eq!(status, 200, "{body}");
        if body.starts_with("reviews-v1") {
            v1 += 1;
        } else if body.starts_with("reviews-v2") {
            v2 += 1;
        }
    }
    (v1, v2)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_split_header_route_and_rbac_denial() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();

        // Weighted split 80/20 over 200 requests (binomial sd 5.7; tolerance 5 sd).
        let (v1, v2) = count_versions(out, 200, &[]).await;
        assert_eq!(v1 + v2, 200);
        assert!((160 - 29..=160 + 29).contains(&v1), "v1 got {v1} of 200, v2 {v2}");

        // Header-based route: end-user jason always reaches v2.
        let (v1, v2) = count_versions(out, 20, &[("end-user", "jason")]).await;
        assert_eq!((v1, v2), (0, 20));

        // The reviews sidecar authenticated productpage: its app saw the peer's SPIFFE ID.
        let tcp = tokio::net::TcpStream::connect(out).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
        tokio::spawn(conn);
        let req =
            Request::get("/reviews/1").header("host", "reviews:9080").body(Full::new(Bytes::new())).unwrap();
        let resp = sender.send_request(req).await.unwrap();
        let xfcc = resp.headers().get("x-seen-xfcc").unwrap().to_str().unwrap().to_string();
        assert_eq!(
            xfcc,
            "By=spiffe://cluster.local/ns/default/sa/bookinfo-reviews;\
             URI=spiffe://cluster.local/ns/default/sa/bookinfo-productpage"
        );

        // A path outside the ALLOW rule: Envoy's RBAC filter answers 403 `RBAC: access denied`.
        let (status, body) = common::get(out, "reviews:9080", "/admin", &[]).await;
        assert_eq!((status, body.as_str()), (403, "RBAC: access denied"));

        // HTTP/2 (h2c) from the app works as HTTP/1.1 does.
        let tcp = tokio::net::TcpStream::connect(out).await.unwrap();
        let (mut h2, conn) =
            hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), TokioIo::new(tcp))
                .await
                .unwrap();
        tokio::spawn(conn);
        let req = Request::get("http://reviews:9080/reviews/2")
            .header("end-user", "jason")
            .body(Full::new(Bytes::new()))
            .unwrap();
        let resp = h2.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"reviews-v2 /reviews/2");

        // A host no VirtualService or registry entry knows.
        let (status, _) = common::get(out, "unknown:9080", "/", &[]).await;
        assert_eq!(status, 502);
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locality_failover_keeps_traffic_in_the_clients_zone() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();
        assert_ne!(mesh.reviews_v1.inbound_addr(), mesh.reviews_v2.inbound_addr());
        // istio loadbalancer_test.go: with outlier detection, the client's zone (us-east1-b)
        // is priority 0 and takes all traffic while healthy.
        let mut zones = (0, 0);
        for _ in 0..40 {
            let (status, body) = common::get(out, "ratings:9080", "/reviews/r", &[]).await;
            assert_eq!(status, 200, "{body}");
            if body.starts_with("reviews-v1") { zones.0 += 1 } else { zones.1 += 1 }
        }
        assert_eq!(zones, (40, 0));
        // Without outlier detection Istio sets no failover priorities: both zones serve.
        let mut zones = (0, 0);
        for _ in 0..40 {
            let (status, body) = common::get(out, "details:9080", "/reviews/d", &[]).await;
            assert_eq!(status, 200, "{body}");
            if body.starts_with("reviews-v1") { zones.0 += 1 } else { zones.1 += 1 }
        }
        assert!(zones.0 > 0 && zones.1 > 0, "{zones:?}");
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_and_foreign_trust_domain_clients_are_rejected() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let inbound = mesh.reviews_v1.inbound_addr();
        // STRICT mesh-wide (Istio's default, PERMISSIVE, would let plaintext in).
        mesh.dir.write("peer-authn.yaml", STRICT);
        for proxy in [&mesh.productpage, &mesh.reviews_v1, &mesh.reviews_v2] {
            wait_for_generation(proxy, 2).await;
        }

        // Plain HTTP to the mTLS port: the connection is closed and no request reaches the app.
        let tcp = tokio::net::TcpStream::connect(inbound).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.unwrap();
        tokio::spawn(conn);
        let req =
            Request::get("/reviews/0").header("host", "reviews:9080").body(Full::new(Bytes::new())).unwrap();
        let plain = sender.send_request(req).await;
        assert!(plain.is_err() || !plain.unwrap().status().is_success());

        // An SVID from another trust domain's CA: refused even by a client that trusts both.
        let evil = common::new_ca("evil.example");
        let both = common::bundles(&[&mesh.ca, &evil]);
        let intruder =
            common::issue(&evil, "spiffe://evil.example/ns/default/sa/bookinfo-productpage", &both);
        let config = intruder.client_config(IdMatcher::Any, &[b"http/1.1"]).unwrap();
        let tcp = tokio::net::TcpStream::connect(inbound).await.unwrap();
        let name = ServerName::try_from("reviews").unwrap();
        // TLS 1.3: the client's handshake may finish before the server's alert arrives, so the
        // refusal shows as a failed handshake or a failed first request.
        let refused =
            match tokio_rustls::TlsConnector::from(std::sync::Arc::new(config)).connect(name, tcp).await {
                Err(_) => true,
                Ok(tls) => {
                    let (mut sender, conn) =
                        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
                    tokio::spawn(conn);
                    let req = Request::get("/reviews/0")
                        .header("host", "reviews:9080")
                        .body(Full::new(Bytes::new()))
                        .unwrap();
                    match sender.send_request(req).await {
                        Err(_) => true,
                        Ok(resp) => {
                            let ok = resp.status().is_success();
                            let _ = resp.into_body().collect().await;
                            !ok
                        }
                    }
                }
            };
        assert!(refused, "a client of another trust domain got through");

        // The same client with an SVID of the mesh's own CA gets through (the control case).
        let member =
            common::issue(&mesh.ca, "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", &mesh.trust);
        let config = member.client_config(IdMatcher::Any, &[b"http/1.1"]).unwrap();
        let tcp = tokio::net::TcpStream::connect(inbound).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
            .connect(ServerName::try_from("reviews").unwrap(), tcp)
            .await
            .unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
        tokio::spawn(conn);
        let req =
            Request::get("/reviews/0").header("host", "reviews:9080").body(Full::new(Bytes::new())).unwrap();
        let resp = sender.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"reviews-v1 /reviews/0");
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

// istio PeerAuthentication PERMISSIVE (the default): the inbound port takes plaintext too
// (Envoy's TLS inspector picks the filter chain by the first bytes); the request has no peer
// principal, a client's own XFCC header is dropped; DISABLE takes plaintext only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissive_takes_plaintext_and_disable_only_plaintext() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let inbound = mesh.reviews_v1.inbound_addr();
        // Accepted on the mTLS port, then denied: reviews-viewer allows one principal only.
        let got = plain_get(inbound, &[]).await;
        assert_eq!(got, Some((403, "RBAC: access denied|xfcc=".to_string())));
        // An ALLOW rule without a principal lets the plaintext request through, with no
        // peer identity: the client's own XFCC header does not reach the app.
        mesh.dir.write(
            "authz.yaml",
            "apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: public-reviews, namespace: default}
spec:
  selector: {matchLabels: {app: reviews}}
  rules: [{to: [{operation: {paths: [/reviews/*]}}]}]
",
        );
        wait_for_generation(&mesh.reviews_v1, 2).await;
        let got = plain_get(inbound, &[("x-forwarded-client-cert", "By=spoofed")]).await;
        assert_eq!(got, Some((200, "reviews-v1 /reviews/0|xfcc=".to_string())));
        // DISABLE: plaintext only; an mTLS client's handshake is cut off.
        mesh.dir.write(
            "peer-authn.yaml",
            "apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: reviews, namespace: default}
spec: {selector: {matchLabels: {app: reviews}}, mtls: {mode: DISABLE}}
",
        );
        wait_for_generation(&mesh.reviews_v1, 3).await;
        assert_eq!(plain_get(inbound, &[]).await.map(|(s, _)| s), Some(200));
        let member =
            common::issue(&mesh.ca, "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", &mesh.trust);
        let config = member.client_config(IdMatcher::Any, &[b"http/1.1"]).unwrap();
        let tcp = tokio::net::TcpStream::connect(inbound).await.unwrap();
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
            .connect(ServerName::try_from("reviews").unwrap(), tcp)
            .await;
        assert!(tls.is_err(), "DISABLE still took an mTLS connection");
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_changes_routing_without_dropping_in_flight_requests() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();
        let before = mesh.productpage.generation();

        // Requests in flight (the app answers /slow after 400 ms) while the routes change.
        let in_flight: Vec<_> = (0..10)
            .map(|_| {
                tokio::spawn(async move { common::get(out, "reviews:9080", "/reviews/slow", &[]).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        mesh.dir.write("routes.yaml", ROUTES_ALL_V2);
        wait_for_generation(&mesh.productpage, before + 1).await;
        for r in in_flight {
            let (status, body) = r.await.unwrap();
            assert_eq!(status, 200, "an in-flight request failed: {body}");
            assert!(body.ends_with("/reviews/slow"), "{body}");
        }
        // After the reload every request goes to v2.
        let (v1, v2) = count_versions(out, 20, &[]).await;
        assert_eq!((v1, v2), (0, 20));

        // A broken file is ignored: the last good configuration stays.
        mesh.dir.write("broken.yaml", "kind: VirtualService\nspec: [unclosed");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(mesh.productpage.generation(), before + 1);
        let (v1, v2) = count_versions(out, 5, &[]).await;
        assert_eq!((v1, v2), (0, 5));
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

/// `cart` over both reviews sidecars, balanced by Maglev on the `x-user` header (or, with
/// `cookie`, on a generated `user` cookie).
fn consistent_hash_cart(v1: SocketAddr, v2: SocketAddr) -> String {
    consistent_hash_cart_on(v1, v2, "httpHeaderName: x-user")
}

fn consistent_hash_cart_on(v1: SocketAddr, v2: SocketAddr, key: &str) -> String {
    format!(
        "{}\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: cart, namespace: default}}
spec:
  host: cart
  trafficPolicy:
    loadBalancer: {{consistentHash: {{{key}, maglev: {{tableSize: 65537}}}}}}
",
        service_entry("cart", &[v1.port(), v2.port()])
    )
}

/// A ServiceEntry `<name>.default.svc.cluster.local` (HTTP 9080) over loopback ports, every
/// endpoint running as `bookinfo-reviews`.
fn service_entry(name: &str, ports: &[u16]) -> String {
    let endpoints: String = ports
        .iter()
        .map(|p| {
            format!("  - {{address: 127.0.0.1, ports: {{http: {p}}}, serviceAccount: bookinfo-reviews}}\n")
        })
        .collect();
    format!(
        "\
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {{name: {name}, namespace: default}}
spec:
  hosts: [{name}.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{{number: 9080, name: http, protocol: HTTP}}]
  endpoints:
{endpoints}---
"
    )
}

// istio DestinationRule consistentHash.httpHeaderName: Envoy hashes the header, so each user
// sticks to one endpoint while users spread over both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consistent_hash_keeps_each_user_on_one_endpoint() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();
        let before = mesh.productpage.generation();
        mesh.dir.write(
            "cart.yaml",
            &consistent_hash_cart(mesh.reviews_v1.inbound_addr(), mesh.reviews_v2.inbound_addr()),
        );
        wait_for_generation(&mesh.productpage, before + 1).await;
        let mut users_on = (0, 0);
        for user in 0..20 {
            let name = format!("user-{user}");
            let mut seen = Vec::new();
            for _ in 0..4 {
                let (status, body) = common::get(out, "cart:9080", "/reviews/c", &[("x-user", &name)]).await;
                assert_eq!(status, 200, "{body}");
                seen.push(body.split('|').next().unwrap_or("").to_string());
            }
            assert!(seen.windows(2).all(|w| w[0] == w[1]), "{name} moved: {seen:?}");
            if seen[0].starts_with("reviews-v1") { users_on.0 += 1 } else { users_on.1 += 1 }
        }
        assert!(users_on.0 > 0 && users_on.1 > 0, "{users_on:?}");
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

// istio consistentHash.httpCookie with a ttl: Envoy generates the cookie for a request
// without one and sets it on the response; requests carrying it stay on one endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_hash_cookie_is_set_and_sticks() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();
        let before = mesh.productpage.generation();
        let cart = consistent_hash_cart_on(
            mesh.reviews_v1.inbound_addr(),
            mesh.reviews_v2.inbound_addr(),
            "httpCookie: {name: user, ttl: 60s, path: /}",
        );
        mesh.dir.write("cart.yaml", &cart);
        wait_for_generation(&mesh.productpage, before + 1).await;
        let (status, body, headers) = common::get_full(out, "cart:9080", "/reviews/c", &[]).await;
        assert_eq!(status, 200, "{body}");
        let set_cookie = headers
            .iter()
            .find(|(k, _)| k == "set-cookie")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("no set-cookie in {headers:?}"));
        assert!(
            set_cookie.starts_with("user=\"") && set_cookie.ends_with("\"; Max-Age=60; Path=/; HttpOnly"),
            "{set_cookie}"
        );
        let cookie = set_cookie.split(';').next().unwrap_or_default().to_string();
        let mut seen = Vec::new();
        for _ in 0..6 {
            let (status, body, headers) =
                common::get_full(out, "cart:9080", "/reviews/c", &[("cookie", &cookie)]).await;
            assert_eq!(status, 200, "{body}");
            assert!(headers.iter().all(|(k, _)| k != "set-cookie"), "a request with the cookie gets none");
            seen.push(body.split('|').next().unwrap_or("").to_string());
        }
        assert!(seen.windows(2).all(|w| w[0] == w[1]), "{seen:?}");
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}

// istio DestinationRule outlierDetection (envoy consecutive_5xx): an endpoint whose calls fail
// is ejected after consecutive5xxErrors failures, and the rest of the traffic goes to the
// healthy one (minHealthPercent unset: no panic).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outlier_detection_ejects_a_failing_endpoint() {
    tokio::time::timeout(LIMIT, async {
        let mesh = start_mesh().await;
        let out = mesh.productpage.outbound_addr();
        let before = mesh.productpage.generation();
        // A port nobody listens on: connecting fails, a local-origin failure counted as 5xx.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let live = mesh.reviews_v1.inbound_addr().port();
        let yaml = format!(
            "{}\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {{name: shaky, namespace: default}}
spec:
  host: shaky
  trafficPolicy:
    loadBalancer: {{simple: ROUND_ROBIN}}
    outlierDetection: {{consecutive5xxErrors: 2, interval: 10s, baseEjectionTime: 60s, maxEjectionPercent: 100}}
",
            service_entry("shaky", &[dead, live])
        );
        mesh.dir.write("shaky.yaml", &yaml);
        wait_for_generation(&mesh.productpage, before + 1).await;
        let mut statuses = Vec::new();
        for _ in 0..12 {
            let (status, _) = common::get(out, "shaky:9080", "/reviews/s", &[]).await;
            statuses.push(status);
        }
        // Round robin alternates: the dead endpoint fails twice, is ejected, and every later
        // request reaches the live one.
        assert_eq!(statuses.iter().filter(|&&s| s != 200).count(), 2, "{statuses:?}");
        assert!(statuses[4..].iter().all(|&s| s == 200), "{statuses:?}");
        drop(mesh);
    })
    .await
    .expect("the test finished in time");
}
