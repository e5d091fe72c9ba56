//! The CA server on loopback: bootstrap by token, renewal by SVID, and the refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::disallowed_methods)] // a test: panics fail it; it reads the clock

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use examples::ca_server::{
    CaClientError, CaServer, CaServerOptions, ClientAuth, default_server_id, request_svid,
};
use mesh_identity::{KeyType, SpiffeId, Verifier};

const LIMIT: Duration = Duration::from_secs(30);

fn id(s: &str) -> SpiffeId {
    SpiffeId::parse(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_bootstrap_then_svid_renewal_then_refusals() {
    tokio::time::timeout(LIMIT, async {
        let ca = Arc::new(common::new_ca("cluster.local"));
        let bundles = common::bundles(&[&ca]);
        let server_id = default_server_id(ca.trust_domain().unwrap());
        let productpage = id("spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
        let tokens = HashMap::from([("t0k3n-productpage".to_string(), productpage.clone())]);
        let options =
            CaServerOptions { addr: "127.0.0.1:0".parse().unwrap(), tokens, server_id: server_id.clone() };
        let server = CaServer::start(ca.clone(), options).await.unwrap();
        let addr = server.addr();

        // Bootstrap: the token grants productpage's ID (istio-agent's first CSR).
        let first = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Token("t0k3n-productpage"),
            &productpage,
            KeyType::EcP256,
            Some(Duration::from_secs(3600)),
        )
        .await
        .unwrap();
        assert_eq!(first.spiffe_id(), &productpage);
        let verified = Verifier::new(&bundles).verify(&first.chain(), std::time::SystemTime::now()).unwrap();
        assert_eq!(verified.spiffe_id, productpage);
        assert_eq!(
            verified.not_after.duration_since(verified.not_before).unwrap(),
            Duration::from_secs(3600)
        );

        // Renewal: the current SVID authenticates; the new one carries the same ID.
        let renewed = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Svid(&first),
            &productpage,
            KeyType::EcP256,
            None,
        )
        .await
        .unwrap();
        assert_eq!(renewed.spiffe_id(), &productpage);
        assert_ne!(renewed.chain()[0], first.chain()[0]);

        // An SVID only renews its own ID: asking for another is forbidden.
        let reviews = id("spiffe://cluster.local/ns/default/sa/bookinfo-reviews");
        let other = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Svid(&first),
            &reviews,
            KeyType::EcP256,
            None,
        )
        .await;
        assert!(matches!(other, Err(CaClientError::Refused { status: 403, .. })), "{other:?}");

        // A token only grants its own ID.
        let other = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Token("t0k3n-productpage"),
            &reviews,
            KeyType::EcP256,
            None,
        )
        .await;
        assert!(matches!(other, Err(CaClientError::Refused { status: 403, .. })), "{other:?}");

        // An unknown token is unauthenticated.
        let bad = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Token("nope"),
            &productpage,
            KeyType::EcP256,
            None,
        )
        .await;
        assert!(matches!(bad, Err(CaClientError::Refused { status: 401, .. })), "{bad:?}");

        // A TTL over the CA's maximum (Istio's 90 days) is a bad request.
        let long = request_svid(
            addr,
            &bundles,
            &server_id,
            ClientAuth::Token("t0k3n-productpage"),
            &productpage,
            KeyType::EcP256,
            Some(Duration::from_secs(100 * 24 * 3600)),
        )
        .await;
        assert!(matches!(long, Err(CaClientError::Refused { status: 400, .. })), "{long:?}");
    })
    .await
    .expect("the test finished in time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn svid_of_another_trust_domain_is_refused_at_the_handshake() {
    tokio::time::timeout(LIMIT, async {
        let ca = Arc::new(common::new_ca("cluster.local"));
        let evil = common::new_ca("evil.example");
        let server_id = default_server_id(ca.trust_domain().unwrap());
        let options = CaServerOptions {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: HashMap::new(),
            server_id: server_id.clone(),
        };
        let server = CaServer::start(ca.clone(), options).await.unwrap();
        // The client trusts both roots, so only the server's check can refuse it.
        let both = common::bundles(&[&ca, &evil]);
        let intruder =
            common::issue(&evil, "spiffe://evil.example/ns/default/sa/bookinfo-productpage", &both);
        let wanted = id("spiffe://cluster.local/ns/default/sa/bookinfo-productpage");
        let r = request_svid(
            server.addr(),
            &both,
            &server_id,
            ClientAuth::Svid(&intruder),
            &wanted,
            KeyType::EcP256,
            None,
        )
        .await;
        assert!(matches!(r, Err(CaClientError::Transport(_))), "{r:?}");
    })
    .await
    .expect("the test finished in time");
}
