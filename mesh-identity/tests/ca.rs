//! The CA: what it issues (X509-SVID.md sections 2-4; Istio's CA defaults and limits), from a
//! public key or a CSR, for every key type, under a root or an intermediate.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

mod common;

use std::time::Duration;

use common::{TestRng, hours, t2030, td};
use mesh_identity::ca::{CaPolicy, DEFAULT_WORKLOAD_TTL};
use mesh_identity::rotation::{RotationPolicy, begin_root_rotation, finish_root_rotation};
use mesh_identity::{
    BundleSet, Ca, CaError, CertInfo, KeyPair, KeyType, SpiffeId, SubjectKey, SvidError, Verifier,
    X509Bundle, X509Svid,
};

const WEB: &str = "spiffe://example.org/ns/default/sa/web";

fn root(rng: &mut TestRng) -> Ca {
    Ca::new_root(td("example.org"), KeyPair::generate(KeyType::EcP256, rng).unwrap(), None, t2030(), rng)
        .unwrap()
}

fn bundles(ca: &Ca) -> BundleSet {
    BundleSet::new()
        .with(X509Bundle::from_der_roots(td("example.org"), vec![ca.root_der().to_vec()]).unwrap())
}

fn id(s: &str) -> SpiffeId {
    SpiffeId::parse(s).unwrap()
}

// X509-SVID 2-4 and istio security/pkg/pki: one URI SAN, not a CA, digitalSignature,
// serverAuth + clientAuth, 24 h by default.
#[test]
fn issued_leaf_is_an_x509_svid() {
    let mut rng = TestRng(1);
    let ca = root(&mut rng);
    let (svid, key) = ca.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    let info = CertInfo::parse(&svid.chain[0], 0).unwrap();
    assert_eq!(info.uri_sans, vec![WEB.to_string()]);
    assert_eq!(info.ca, Some(false));
    let ku = info.key_usage.unwrap();
    assert!(ku.digital_signature && !ku.key_encipherment && !ku.key_cert_sign && !ku.crl_sign);
    assert!(info.key_usage_critical);
    assert_eq!(info.eku, Some((true, true)));
    assert_eq!(info.not_before, t2030());
    assert_eq!(info.not_after, t2030() + DEFAULT_WORKLOAD_TTL);
    let parsed = X509Svid::from_der_chain(svid.chain.clone()).unwrap();
    parsed.check_key(&key).unwrap();
    let v = Verifier::new(&bundles(&ca)).verify(&svid.chain, t2030()).unwrap();
    assert_eq!(v.spiffe_id.as_str(), WEB);
    assert_eq!(svid.chain.len(), 2, "leaf then the root, as Istio's CA answers");
}

// The root: cA true, keyCertSign + cRLSign, URI SAN of the trust domain (X509-SVID 3.2).
#[test]
fn root_is_a_signing_certificate() {
    let mut rng = TestRng(2);
    let ca = root(&mut rng);
    let info = ca.cert_info();
    assert_eq!(info.ca, Some(true));
    let ku = info.key_usage.unwrap();
    assert!(ku.key_cert_sign && ku.crl_sign && !ku.digital_signature);
    assert_eq!(info.uri_sans, vec!["spiffe://example.org".to_string()]);
    assert_eq!(info.not_after, t2030() + hours(87600));
}

// Serial numbers come from the caller's randomness and differ between certificates.
#[test]
fn serials_are_unique_and_positive() {
    let mut rng = TestRng(3);
    let ca = root(&mut rng);
    let mut seen = std::collections::HashSet::new();
    let key = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    let spki = key.public_key_der();
    for _ in 0..50 {
        let s = ca.issue(&id(WEB), SubjectKey::PublicKey(&spki), None, t2030(), &mut rng).unwrap();
        assert_eq!(s.serial.len(), 16);
        assert!(s.serial[0] & 0x80 == 0);
        assert!(seen.insert(s.serial_hex()));
    }
}

// Same entropy, same certificate bytes apart from the signature: the CA is deterministic in
// everything but ECDSA's nonce.
#[test]
fn entropy_decides_serial_and_keys() {
    let a = root(&mut TestRng(4));
    let b = root(&mut TestRng(4));
    assert_eq!(a.cert_info().serial, b.cert_info().serial);
    assert_eq!(a.cert_info().spki, b.cert_info().spki);
}

// istio CA: "requested TTL ... is greater than the max allowed TTL"; zero refused.
#[test]
fn ttl_limits() {
    let mut rng = TestRng(5);
    let ca = root(&mut rng);
    let spki = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap().public_key_der();
    let e =
        ca.issue(&id(WEB), SubjectKey::PublicKey(&spki), Some(hours(3000)), t2030(), &mut rng).unwrap_err();
    assert_eq!(e, CaError::TtlOverMax { ttl: "3000h".into(), max: "2160h".into() });
    assert!(ca.issue(&id(WEB), SubjectKey::PublicKey(&spki), Some(hours(2160)), t2030(), &mut rng).is_ok());
    assert_eq!(
        ca.issue(&id(WEB), SubjectKey::PublicKey(&spki), Some(Duration::ZERO), t2030(), &mut rng)
            .unwrap_err(),
        CaError::ZeroTtl
    );
    let strict = root(&mut rng).with_policy(CaPolicy { default_ttl: hours(1), max_ttl: hours(2) });
    let s = strict.issue(&id(WEB), SubjectKey::PublicKey(&spki), None, t2030(), &mut rng).unwrap();
    assert_eq!(s.not_after, t2030() + hours(1));
}

// istio CA: a leaf that would outlive the CA ends when the CA ends.
#[test]
fn leaf_never_outlives_the_root() {
    let mut rng = TestRng(6);
    let key = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    let ca = Ca::new_root(td("example.org"), key, Some(hours(10)), t2030(), &mut rng).unwrap();
    let (s, _) =
        ca.issue_with_new_key(&id(WEB), KeyType::EcP256, Some(hours(24)), t2030(), &mut rng).unwrap();
    assert_eq!(s.not_after, t2030() + hours(10));
    // After the CA expired it refuses.
    let late = t2030() + hours(11);
    assert!(matches!(
        ca.issue_with_new_key(&id(WEB), KeyType::EcP256, None, late, &mut rng),
        Err(CaError::CaNotValid { .. })
    ));
}

#[test]
fn refuses_bad_identities() {
    let mut rng = TestRng(7);
    let ca = root(&mut rng);
    let spki = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap().public_key_der();
    let e = ca.issue(&id("spiffe://example.org"), SubjectKey::PublicKey(&spki), None, t2030(), &mut rng);
    assert!(matches!(e, Err(CaError::IdWithoutPath { .. })));
    let e = ca.issue(&id("spiffe://other.org/x"), SubjectKey::PublicKey(&spki), None, t2030(), &mut rng);
    assert!(matches!(e, Err(CaError::WrongTrustDomain { .. })));
    let e = ca.issue(&id(WEB), SubjectKey::PublicKey(b"junk"), None, t2030(), &mut rng);
    assert!(matches!(e, Err(CaError::PublicKeyInvalid(_))));
}

fn csr(rng: &mut TestRng, sans: &[&str]) -> (Vec<u8>, KeyPair) {
    let key = KeyPair::generate(KeyType::EcP256, rng).unwrap();
    let rk = rcgen::KeyPair::try_from(key.pkcs8_der()).unwrap();
    let mut p = rcgen::CertificateParams::default();
    p.subject_alt_names =
        sans.iter().map(|s| rcgen::SanType::URI(s.to_string().try_into().unwrap())).collect();
    (p.serialize_request(&rk).unwrap().der().to_vec(), key)
}

// istio CA: the CSR's identity must be the one being granted.
#[test]
fn csr_identity_checks() {
    let mut rng = TestRng(8);
    let ca = root(&mut rng);
    let (good, key) = csr(&mut rng, &[WEB]);
    let s = ca.issue(&id(WEB), SubjectKey::Csr(&good), None, t2030(), &mut rng).unwrap();
    X509Svid::from_der_chain(s.chain.clone()).unwrap().check_key(&key).unwrap();
    let (other, _) = csr(&mut rng, &["spiffe://example.org/ns/default/sa/other"]);
    assert!(matches!(
        ca.issue(&id(WEB), SubjectKey::Csr(&other), None, t2030(), &mut rng),
        Err(CaError::CsrIdentityMismatch { .. })
    ));
    let (two, _) = csr(&mut rng, &[WEB, "spiffe://example.org/x"]);
    assert!(matches!(
        ca.issue(&id(WEB), SubjectKey::Csr(&two), None, t2030(), &mut rng),
        Err(CaError::CsrIdentityMismatch { .. })
    ));
    let (none, _) = csr(&mut rng, &[]);
    assert!(matches!(
        ca.issue(&id(WEB), SubjectKey::Csr(&none), None, t2030(), &mut rng),
        Err(CaError::CsrIdentityMismatch { .. })
    ));
    let mut broken = good.clone();
    let n = broken.len();
    broken[n - 3] ^= 0xff;
    assert!(matches!(
        ca.issue(&id(WEB), SubjectKey::Csr(&broken), None, t2030(), &mut rng),
        Err(CaError::CsrInvalid(_))
    ));
}

// Key types: ECDSA P-256 (default), P-384, Ed25519 for the CA and the leaf; RSA leaves get
// keyEncipherment too (X509-SVID 4.3).
#[test]
fn key_types() {
    let mut rng = TestRng(9);
    for ca_type in [KeyType::EcP256, KeyType::EcP384, KeyType::Ed25519] {
        let ca = Ca::new_root(
            td("example.org"),
            KeyPair::generate(ca_type, &mut rng).unwrap(),
            None,
            t2030(),
            &mut rng,
        )
        .unwrap();
        for leaf_type in [KeyType::EcP256, KeyType::EcP384, KeyType::Ed25519] {
            let (s, key) = ca.issue_with_new_key(&id(WEB), leaf_type, None, t2030(), &mut rng).unwrap();
            assert_eq!(key.key_type(), leaf_type);
            Verifier::new(&bundles(&ca)).verify(&s.chain, t2030()).unwrap();
            // PKCS#8 round trip.
            let again = KeyPair::from_pkcs8_pem(&key.to_pkcs8_pem()).unwrap();
            assert_eq!(again.key_type(), leaf_type);
            assert_eq!(again.public_key_der(), key.public_key_der());
        }
    }
}

#[test]
fn rsa_leaf_has_key_encipherment() {
    let mut rng = TestRng(10);
    let ca = root(&mut rng);
    let (s, key) = ca.issue_with_new_key(&id(WEB), KeyType::Rsa2048, None, t2030(), &mut rng).unwrap();
    assert_eq!(KeyPair::from_pkcs8_der(key.pkcs8_der()).unwrap().key_type(), KeyType::Rsa2048);
    let ku = CertInfo::parse(&s.chain[0], 0).unwrap().key_usage.unwrap();
    assert!(ku.digital_signature && ku.key_encipherment);
    Verifier::new(&bundles(&ca)).verify(&s.chain, t2030()).unwrap();
}

// A CA signing under an external root: the chain carries the intermediate, the bundle only
// the root.
#[test]
fn intermediate_ca() {
    let mut rng = TestRng(11);
    let root = root(&mut rng);
    let key = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    let inter = root.issue_intermediate(&td("example.org"), key, hours(1000), t2030(), &mut rng).unwrap();
    assert_eq!(inter.chain().len(), 2);
    let (s, _) = inter.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    assert_eq!(s.chain.len(), 3);
    Verifier::new(&bundles(&root)).verify(&s.chain, t2030()).unwrap();
    // Reloaded from PEM it issues the same way.
    let pem = mesh_identity::encoding::certs_to_pem(inter.chain());
    let key_pem = mesh_identity::encoding::pem_encode("PRIVATE KEY", inter.key_pkcs8_der());
    let again = Ca::from_pem(&pem, &key_pem).unwrap();
    let (s2, _) = again.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    Verifier::new(&bundles(&root)).verify(&s2.chain, t2030()).unwrap();
}

#[test]
fn loading_a_ca_checks_it() {
    let mut rng = TestRng(12);
    let ca = root(&mut rng);
    let (leaf, leaf_key) = ca.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    assert!(matches!(Ca::from_der(vec![leaf.chain[0].clone()], leaf_key), Err(CaError::NotACa(_))));
    let stranger = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    assert_eq!(Ca::from_der(ca.chain().to_vec(), stranger).unwrap_err(), CaError::CaKeyMismatch);
}

// The contract's OpenSSL-made CA (shared/contract-tests/ca/fixtures) loads and issues.
#[test]
fn openssl_made_ca() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/contract-tests/ca/fixtures/ca/");
    let (Ok(cert), Ok(key)) = (
        std::fs::read_to_string(format!("{dir}root-cert.pem")),
        std::fs::read_to_string(format!("{dir}root-key.pem")),
    ) else {
        eprintln!("note: the contract fixtures are absent; skipped");
        return;
    };
    let mut rng = TestRng(13);
    let ca = Ca::from_pem(&cert, &key).unwrap();
    assert_eq!(ca.trust_domain().map(|t| t.name()), Some("example.org"));
    let (s, _) = ca.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    Verifier::new(&bundles(&ca)).verify(&s.chain, t2030()).unwrap();
}

// Root rotation: both roots trusted while certificates of both exist, then the old removed.
#[test]
fn root_rotation() {
    let mut rng = TestRng(14);
    let old = root(&mut rng);
    let new = root(&mut rng);
    let (old_leaf, _) = old.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    let (new_leaf, _) = new.issue_with_new_key(&id(WEB), KeyType::EcP256, None, t2030(), &mut rng).unwrap();
    let start = X509Bundle::from_der_roots(td("example.org"), vec![old.root_der().to_vec()]).unwrap();
    let both = begin_root_rotation(&start, new.root_der().to_vec()).unwrap();
    assert_eq!(both.roots().len(), 2);
    let v = Verifier::new(&BundleSet::new().with(both.clone()));
    v.verify(&old_leaf.chain, t2030()).unwrap();
    v.verify(&new_leaf.chain, t2030()).unwrap();
    let done = finish_root_rotation(&both, old.root_der());
    let v = Verifier::new(&BundleSet::new().with(done));
    assert!(matches!(
        v.verify(&old_leaf.chain[..1], t2030()),
        Err(SvidError::UnknownIssuer { .. } | SvidError::BadSignature)
    ));
    v.verify(&new_leaf.chain, t2030()).unwrap();
}

// istio secretcache: renew once less than half the lifetime remains (ratio 0.5 +- 0.01).
#[test]
fn renewal_time() {
    let p = RotationPolicy::default();
    let nb = t2030();
    let na = nb + hours(24);
    assert_eq!(p.renew_at(nb, na, 0.5), nb + hours(12));
    assert!(!p.should_renew(nb, na, nb + hours(11), 0.5));
    assert!(p.should_renew(nb, na, nb + hours(12), 0.5));
    // Jitter moves the instant by at most 1% of the lifetime either way.
    let early = p.renew_at(nb, na, 1.0);
    let late = p.renew_at(nb, na, 0.0);
    assert!(early < nb + hours(12) && late > nb + hours(12));
    assert!((nb + hours(12)).duration_since(early).unwrap() <= Duration::from_secs(864 + 1));
    assert!(p.should_renew(nb, na, na + hours(1), 0.5), "an expired certificate is due");
}
