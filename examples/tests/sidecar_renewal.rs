//! The sidecar renews its SVID from the CA server before it expires (Istio's agent: at about
//! half of the lifetime, authenticated by the current SVID), and the next handshakes present
//! the new certificate while requests keep being served.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is a failure, not a crash

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use examples::ca_server::{CaServer, CaServerOptions, ClientAuth, default_server_id, request_svid};
use examples::credentials::Credentials;
use examples::sidecar_proxy::renewal::Renewal;
use examples::sidecar_proxy::{ProxyOptions, SidecarProxy, WorkloadInfo};
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use mesh_identity::rotation::RotationPolicy;
use mesh_identity::{IdMatcher, KeyType, SpiffeId};
use rustls::pki_types::ServerName;

const LIMIT: Duration = Duration::from_secs(60);

/// One mTLS request to the proxy's inbound port: the status and the certificate the proxy
/// presented.
async fn call(client: &Credentials, addr: std::net::SocketAddr) -> (u16, Vec<u8>) {
    let config = client.client_config(IdMatcher::Any, &[b"http/1.1"]).unwrap();
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("reviews").unwrap(), tcp)
        .await
        .unwrap();
    let presented = tls.get_ref().1.peer_certificates().unwrap()[0].as_ref().to_vec();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
    tokio::spawn(conn);
    let req =
        Request::get("/reviews/0").header("host", "reviews:9080").body(Full::new(Bytes::new())).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let _ = resp.into_body().collect().await;
    (status, presented)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_svid_is_renewed_before_it_expires_and_presented_next() {
    tokio::time::timeout(LIMIT, async {
        let ca = Arc::new(common::new_ca("cluster.local"));
        let bundles = common::bundles(&[&ca]);
        let ca_id = default_server_id(ca.trust_domain().unwrap());
        let reviews = SpiffeId::parse("spiffe://cluster.local/ns/default/sa/bookinfo-reviews").unwrap();
        let tokens = HashMap::from([("bootstrap".to_string(), reviews.clone())]);
        let options =
            CaServerOptions { addr: "127.0.0.1:0".parse().unwrap(), tokens, server_id: ca_id.clone() };
        let server = CaServer::start(ca.clone(), options).await.unwrap();

        // A short-lived first SVID, from the bootstrap token.
        let ttl = Some(Duration::from_secs(4));
        let creds = request_svid(
            server.addr(),
            &bundles,
            &ca_id,
            ClientAuth::Token("bootstrap"),
            &reviews,
            KeyType::EcP256,
            ttl,
        )
        .await
        .unwrap();
        let first = creds.chain()[0].clone();
        let app = common::start_app("reviews-v1").await;
        let dir = common::TempDir::new("sidecar-renewal");
        let proxy = SidecarProxy::start(
            ProxyOptions {
                workload: WorkloadInfo {
                    namespace: "default".into(),
                    service_account: "bookinfo-reviews".into(),
                    labels: BTreeMap::from([("app".into(), "reviews".into())]),
                    locality: String::new(),
                },
                outbound_addr: "127.0.0.1:0".parse().unwrap(),
                inbound_addr: "127.0.0.1:0".parse().unwrap(),
                app_addr: app,
                config_dir: dir.0.clone(),
                reload_interval: Duration::from_millis(50),
                seed: 7,
                renewal: Some(Renewal {
                    ca_addr: server.addr(),
                    ca_id: ca_id.clone(),
                    bundles: bundles.clone(),
                    ttl,
                    policy: RotationPolicy::default(),
                    retry: Duration::from_millis(200),
                }),
            },
            creds,
        )
        .await
        .unwrap();
        let client =
            common::issue(&ca, "spiffe://cluster.local/ns/default/sa/bookinfo-productpage", &bundles);

        let (status, presented) = call(&client, proxy.inbound_addr()).await;
        assert_eq!((status, presented), (200, first.clone()));

        // About half of the 4 s lifetime later, the proxy holds a renewed SVID...
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while proxy.svid().1 == 0 {
            assert!(tokio::time::Instant::now() < deadline, "the SVID was never renewed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (chain, _) = proxy.svid();
        assert_ne!(chain[0], first);
        // ... which the next handshake presents, for the same identity.
        let (status, presented) = call(&client, proxy.inbound_addr()).await;
        assert_eq!(status, 200);
        assert_eq!(presented, proxy.svid().0[0]);
        let svid = mesh_identity::X509Svid::from_der_chain(proxy.svid().0).unwrap();
        assert_eq!(svid.spiffe_id(), &reviews);
        drop(proxy);
    })
    .await
    .expect("the test finished in time");
}
