//! Real TLS 1.3 handshakes in memory between two rustls endpoints holding SVIDs from our CA
//! (or, for the reject cases, from rcgen directly), through `mesh_identity::tls`.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test
#![cfg(feature = "rustls")]

mod common;

use std::sync::Arc;

use common::{RawCa, TestRng, t2030, td};
use mesh_identity::tls::{LiveBundles, OwnSvid, SpiffeClientVerifier, SpiffeServerVerifier, UnauthorizedId};
use mesh_identity::{BundleSet, Ca, IdMatcher, KeyPair, KeyType, SpiffeId, SvidError, X509Bundle};
use rcgen::{BasicConstraints, IsCa, SanType};
use rustls::pki_types::{ServerName, UnixTime};
use rustls::time_provider::TimeProvider;
use rustls::{CertificateError, ClientConnection, HandshakeKind, ServerConnection};

/// A clock stuck at 2030-01-01, so that the tests do not depend on the machine's date.
#[derive(Debug)]
struct Fixed;
impl TimeProvider for Fixed {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::since_unix_epoch(t2030().duration_since(std::time::UNIX_EPOCH).unwrap()))
    }
}

#[derive(Debug)]
enum Side {
    Client(rustls::Error),
    Server(rustls::Error),
}

/// Runs a handshake (and the post-handshake ticket flight) to completion or first error.
fn handshake(
    client: Arc<rustls::ClientConfig>,
    server: Arc<rustls::ServerConfig>,
) -> Result<(ClientConnection, ServerConnection), Side> {
    let name = ServerName::try_from("workload.domain1.test").unwrap();
    let mut c = ClientConnection::new(client, name).map_err(Side::Client)?;
    let mut s = ServerConnection::new(server).map_err(Side::Server)?;
    for _ in 0..32 {
        let mut moved = false;
        while c.wants_write() {
            let mut buf = Vec::new();
            c.write_tls(&mut buf).unwrap();
            moved = true;
            s.read_tls(&mut &buf[..]).unwrap();
            s.process_new_packets().map_err(Side::Server)?;
        }
        while s.wants_write() {
            let mut buf = Vec::new();
            s.write_tls(&mut buf).unwrap();
            moved = true;
            c.read_tls(&mut &buf[..]).unwrap();
            c.process_new_packets().map_err(Side::Client)?;
        }
        if !moved && !c.is_handshaking() && !s.is_handshaking() {
            return Ok((c, s));
        }
    }
    panic!("the handshake did not settle");
}

struct World {
    rng: TestRng,
    ca: Ca,
    bundles: Arc<LiveBundles>,
}

fn world() -> World {
    let mut rng = TestRng(99);
    let key = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    let ca = Ca::new_root(td("domain1.test"), key, None, t2030(), &mut rng).unwrap();
    let set = BundleSet::new()
        .with(X509Bundle::from_der_roots(td("domain1.test"), vec![ca.root_der().to_vec()]).unwrap());
    World { rng, bundles: Arc::new(LiveBundles::new(&set)), ca }
}

fn id(s: &str) -> SpiffeId {
    SpiffeId::parse(s).unwrap()
}

fn issue(w: &mut World, who: &str) -> (Vec<Vec<u8>>, KeyPair) {
    let (svid, key) = w.ca.issue_with_new_key(&id(who), KeyType::EcP256, None, t2030(), &mut w.rng).unwrap();
    (svid.chain, key)
}

fn client(w: &World, matcher: IdMatcher, chain: &[Vec<u8>], key: &KeyPair) -> Arc<rustls::ClientConfig> {
    let own = OwnSvid { chain, key };
    Arc::new(mesh_identity::tls::client_config(w.bundles.clone(), matcher, own, Arc::new(Fixed)).unwrap())
}

fn server(w: &World, matcher: IdMatcher, chain: &[Vec<u8>], key: &KeyPair) -> Arc<rustls::ServerConfig> {
    let own = OwnSvid { chain, key };
    Arc::new(mesh_identity::tls::server_config(w.bundles.clone(), matcher, own, Arc::new(Fixed)).unwrap())
}

const WEB: &str = "spiffe://domain1.test/ns/default/sa/web";
const DB: &str = "spiffe://domain1.test/ns/default/sa/db";

/// The SVID error inside a rustls certificate error, if any.
fn svid_error(e: &rustls::Error) -> Option<SvidError> {
    match e {
        rustls::Error::InvalidCertificate(CertificateError::Other(o)) => {
            o.0.downcast_ref::<SvidError>().cloned()
        }
        _ => None,
    }
}

#[test]
fn accept_mutual_tls() {
    let mut w = world();
    let (cc, ck) = issue(&mut w, WEB);
    let (sc, sk) = issue(&mut w, DB);
    let (c, s) = handshake(
        client(&w, IdMatcher::Exact(id(DB)), &cc, &ck),
        server(&w, IdMatcher::Exact(id(WEB)), &sc, &sk),
    )
    .unwrap();
    assert_eq!(c.protocol_version(), Some(rustls::ProtocolVersion::TLSv1_3));
    assert_eq!(c.handshake_kind(), Some(HandshakeKind::Full));
    // The server sees the client's SVID.
    let peer = s.peer_certificates().unwrap();
    assert_eq!(peer[0].as_ref(), cc[0].as_slice());
}

/// A server presenting a leaf that rcgen made under `raw` (a CA the bundle may or may not trust).
fn raw_server(
    w: &mut World,
    raw: &RawCa,
    edit: impl FnOnce(&mut rcgen::CertificateParams),
) -> (Vec<Vec<u8>>, KeyPair) {
    let key = KeyPair::generate(KeyType::EcP256, &mut w.rng).unwrap();
    let rk = rcgen::KeyPair::try_from(key.pkcs8_der()).unwrap();
    let mut p = RawCa::leaf_params(DB);
    edit(&mut p);
    let der = p.signed_by(&rk, &raw.issuer).unwrap().der().to_vec();
    (vec![der], key)
}

fn client_rejects(
    w: &mut World,
    bundles: Option<BundleSet>,
    server_chain: (Vec<Vec<u8>>, KeyPair),
) -> rustls::Error {
    if let Some(b) = bundles {
        w.bundles.update(&b);
    }
    let (cc, ck) = issue(w, WEB);
    let (sc, sk) = server_chain;
    match handshake(client(w, IdMatcher::Any, &cc, &ck), server(w, IdMatcher::Any, &sc, &sk)) {
        Err(Side::Client(e)) => e,
        other => panic!("expected the client to reject, got {other:?}"),
    }
}

// The server's SVID is in a trust domain the client has no bundle for.
#[test]
fn reject_wrong_trust_domain() {
    let mut w = world();
    let other = RawCa::new("domain2.test", &mut w.rng);
    let chain = raw_server(&mut w, &other, |p| {
        p.subject_alt_names = vec![SanType::URI("spiffe://domain2.test/ns/default/sa/db".try_into().unwrap())]
    });
    let e = client_rejects(&mut w, None, chain);
    assert_eq!(svid_error(&e), Some(SvidError::NoBundle { trust_domain: "domain2.test".into() }), "{e:?}");
}

// The server's SVID claims our trust domain but another CA signed it.
#[test]
fn reject_untrusted_issuer() {
    let mut w = world();
    let other = RawCa::new("domain1.test", &mut w.rng);
    let chain = raw_server(&mut w, &other, |_| {});
    let e = client_rejects(&mut w, None, chain);
    // Same issuer name as the trusted root, so webpki reports the signature that fails.
    assert!(matches!(
        e,
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer | CertificateError::BadSignature)
    ));
}

fn trusted_raw(w: &mut World) -> RawCa {
    let raw = RawCa::new("domain1.test", &mut w.rng);
    let mut set = BundleSet::new();
    set.insert(
        X509Bundle::from_der_roots(td("domain1.test"), vec![w.ca.root_der().to_vec(), raw.der.clone()])
            .unwrap(),
    );
    w.bundles.update(&set);
    raw
}

#[test]
fn reject_expired() {
    let mut w = world();
    let raw = trusted_raw(&mut w);
    let chain = raw_server(&mut w, &raw, |p| p.not_after = rcgen::date_time_ymd(2029, 6, 1));
    let e = client_rejects(&mut w, None, chain);
    assert_eq!(e, rustls::Error::InvalidCertificate(CertificateError::Expired));
}

#[test]
fn reject_ca_leaf() {
    let mut w = world();
    let raw = trusted_raw(&mut w);
    let chain = raw_server(&mut w, &raw, |p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained));
    let e = client_rejects(&mut w, None, chain);
    assert_eq!(svid_error(&e), Some(SvidError::LeafIsCa), "{e:?}");
}

#[test]
fn reject_two_uri_sans() {
    let mut w = world();
    let raw = trusted_raw(&mut w);
    let chain = raw_server(&mut w, &raw, |p| {
        p.subject_alt_names
            .push(SanType::URI("spiffe://domain1.test/ns/default/sa/other".try_into().unwrap()))
    });
    let e = client_rejects(&mut w, None, chain);
    assert_eq!(svid_error(&e), Some(SvidError::MultipleUriSans { count: 2 }), "{e:?}");
}

#[test]
fn reject_no_san() {
    let mut w = world();
    let raw = trusted_raw(&mut w);
    let chain = raw_server(&mut w, &raw, |p| p.subject_alt_names = vec![]);
    let e = client_rejects(&mut w, None, chain);
    assert_eq!(svid_error(&e), Some(SvidError::NoUriSan), "{e:?}");
}

// Verified but not authorized: the matcher wants another ID.
#[test]
fn reject_unauthorized_id() {
    let mut w = world();
    let (cc, ck) = issue(&mut w, WEB);
    let (sc, sk) = issue(&mut w, DB);
    let e = match handshake(
        client(&w, IdMatcher::Exact(id("spiffe://domain1.test/ns/default/sa/cache")), &cc, &ck),
        server(&w, IdMatcher::Any, &sc, &sk),
    ) {
        Err(Side::Client(e)) => e,
        other => panic!("{other:?}"),
    };
    let rustls::Error::InvalidCertificate(CertificateError::Other(o)) = &e else { panic!("{e:?}") };
    assert_eq!(o.0.downcast_ref::<UnauthorizedId>(), Some(&UnauthorizedId(DB.to_string())));
}

// The server side rejects a client of another trust domain (MemberOf matcher) and a client
// without a certificate (client authentication is mandatory).
#[test]
fn server_rejects_clients() {
    let mut w = world();
    let (cc, ck) = issue(&mut w, WEB);
    let (sc, sk) = issue(&mut w, DB);
    let wrong_td = IdMatcher::MemberOf(td("domain2.test"));
    match handshake(client(&w, IdMatcher::Any, &cc, &ck), server(&w, wrong_td, &sc, &sk)) {
        Err(Side::Server(rustls::Error::InvalidCertificate(CertificateError::Other(_)))) => {}
        other => panic!("{other:?}"),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = SpiffeServerVerifier::new(w.bundles.clone(), IdMatcher::Any, &provider);
    let anonymous = rustls::ClientConfig::builder_with_details(provider, Arc::new(Fixed))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    match handshake(Arc::new(anonymous), server(&w, IdMatcher::Any, &sc, &sk)) {
        Err(Side::Server(rustls::Error::NoCertificatesPresented)) => {}
        other => panic!("{other:?}"),
    }
}

/// Configs as a careless integrator would build them with our verifiers but rustls's
/// default session handling (resumption on).
fn resuming_configs(
    w: &World,
    client_svid: &(Vec<Vec<u8>>, KeyPair),
    server_svid: &(Vec<Vec<u8>>, KeyPair),
) -> (Arc<rustls::ClientConfig>, Arc<rustls::ServerConfig>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let sv = SpiffeServerVerifier::new(w.bundles.clone(), IdMatcher::Any, &provider);
    let cv = SpiffeClientVerifier::new(w.bundles.clone(), IdMatcher::Any, &provider);
    let der = |c: &[Vec<u8>]| {
        c.iter().map(|d| rustls::pki_types::CertificateDer::from(d.clone())).collect::<Vec<_>>()
    };
    let key = |k: &KeyPair| {
        rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
            k.pkcs8_der().to_vec(),
        ))
    };
    let c = rustls::ClientConfig::builder_with_details(provider.clone(), Arc::new(Fixed))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(sv))
        .with_client_auth_cert(der(&client_svid.0), key(&client_svid.1))
        .unwrap();
    let s = rustls::ServerConfig::builder_with_details(provider, Arc::new(Fixed))
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_client_cert_verifier(Arc::new(cv))
        .with_single_cert(der(&server_svid.0), key(&server_svid.1))
        .unwrap();
    (Arc::new(c), Arc::new(s))
}

/// The bundle after a root rotation finished: only a new root is trusted.
fn rotate_away(w: &mut World) {
    let fresh = RawCa::new("domain1.test", &mut w.rng);
    let set = BundleSet::new().with(X509Bundle::from_der_roots(td("domain1.test"), vec![fresh.der]).unwrap());
    w.bundles.update(&set);
}

// The hazard: with resumption on, a session made before the old root left the bundle
// resumes afterwards without any certificate check.
#[test]
fn default_resumption_would_outlive_a_removed_root() {
    let mut w = world();
    let cs = issue(&mut w, WEB);
    let ss = issue(&mut w, DB);
    let (c, s) = resuming_configs(&w, &cs, &ss);
    let (first, _) = handshake(c.clone(), s.clone()).unwrap();
    assert_eq!(first.handshake_kind(), Some(HandshakeKind::Full));
    rotate_away(&mut w);
    let (second, _) = handshake(c, s).unwrap();
    assert_eq!(
        second.handshake_kind(),
        Some(HandshakeKind::Resumed),
        "resumed: the removed root stayed trusted"
    );
}

// Our config helpers never resume, so the same sequence fails closed at the second handshake.
#[test]
fn helpers_do_not_resume_across_a_bundle_change() {
    let mut w = world();
    let (cc, ck) = issue(&mut w, WEB);
    let (sc, sk) = issue(&mut w, DB);
    let c = client(&w, IdMatcher::Any, &cc, &ck);
    let s = server(&w, IdMatcher::Any, &sc, &sk);
    assert_eq!(s.send_tls13_tickets, 0);
    let (first, _) = handshake(c.clone(), s.clone()).unwrap();
    assert_eq!(first.handshake_kind(), Some(HandshakeKind::Full));
    // Unchanged bundles: the second handshake is full again, and succeeds.
    let (again, _) = handshake(c.clone(), s.clone()).unwrap();
    assert_eq!(again.handshake_kind(), Some(HandshakeKind::Full));
    let generation = w.bundles.generation();
    rotate_away(&mut w);
    assert_eq!(w.bundles.generation(), generation + 1);
    match handshake(c, s) {
        Err(Side::Client(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        ))) => {}
        other => panic!("expected a fresh verification to fail, got {other:?}"),
    }
}

// Istio's secret manager renews a workload's SVID in place: with a LiveSvid, the handshakes
// after an update present the new certificate on both sides, without rebuilding a config.
#[test]
fn live_svid_presents_the_renewed_certificate() {
    use mesh_identity::tls::{LiveSvid, client_config_live, server_config_live};
    let mut w = world();
    let (cc1, ck1) = issue(&mut w, WEB);
    let (sc1, sk1) = issue(&mut w, DB);
    let client_svid = Arc::new(LiveSvid::new(OwnSvid { chain: &cc1, key: &ck1 }).unwrap());
    let server_svid = Arc::new(LiveSvid::new(OwnSvid { chain: &sc1, key: &sk1 }).unwrap());
    let client = Arc::new(
        client_config_live(w.bundles.clone(), IdMatcher::Exact(id(DB)), client_svid.clone(), Arc::new(Fixed))
            .unwrap(),
    );
    let server = Arc::new(
        server_config_live(
            w.bundles.clone(),
            IdMatcher::Exact(id(WEB)),
            server_svid.clone(),
            Arc::new(Fixed),
        )
        .unwrap(),
    );
    let (c, s) = handshake(client.clone(), server.clone()).unwrap();
    assert_eq!(s.peer_certificates().unwrap()[0].as_ref(), cc1[0].as_slice());
    assert_eq!(c.peer_certificates().unwrap()[0].as_ref(), sc1[0].as_slice());

    let (cc2, ck2) = issue(&mut w, WEB);
    let (sc2, sk2) = issue(&mut w, DB);
    client_svid.update(OwnSvid { chain: &cc2, key: &ck2 }).unwrap();
    server_svid.update(OwnSvid { chain: &sc2, key: &sk2 }).unwrap();
    assert_eq!((client_svid.generation(), server_svid.generation()), (1, 1));
    let (c, s) = handshake(client, server).unwrap();
    assert_eq!(s.peer_certificates().unwrap()[0].as_ref(), cc2[0].as_slice());
    assert_eq!(c.peer_certificates().unwrap()[0].as_ref(), sc2[0].as_slice());

    // A key that is not the leaf's is refused and the current SVID stays.
    assert!(client_svid.update(OwnSvid { chain: &cc1, key: &ck2 }).is_err());
    assert_eq!(client_svid.generation(), 1);
}
