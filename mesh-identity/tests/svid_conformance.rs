//! X.509-SVID verification cases pinned to go-spiffe `v2/svid/x509svid` (verify_test.go
//! TestVerify / TestParseAndVerify, svid_test.go TestParse*) and to the X509-SVID standard
//! (spiffe/spiffe standards/X509-SVID.md).
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

mod common;

use std::time::Duration;

use common::{RawCa, TestRng, t2030, td};
use mesh_identity::{BundleSet, SvidError, Verifier, X509Bundle, X509Svid};
use rcgen::{BasicConstraints, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose, SanType};

const ID: &str = "spiffe://domain1.test/workload";

struct Fixture {
    rng: TestRng,
    ca1: RawCa,
    ca2: RawCa,
}

fn fixture() -> Fixture {
    let mut rng = TestRng(7);
    let ca1 = RawCa::new("domain1.test", &mut rng);
    let ca2 = RawCa::new("domain2.test", &mut rng);
    Fixture { rng, ca1, ca2 }
}

fn leaf_with(f: &mut Fixture, edit: impl FnOnce(&mut rcgen::CertificateParams)) -> Vec<Vec<u8>> {
    let mut p = RawCa::leaf_params(ID);
    edit(&mut p);
    vec![f.ca1.sign(&p, &mut f.rng)]
}

fn verify(chain: &[Vec<u8>], bundles: &BundleSet) -> Result<mesh_identity::VerifiedSvid, SvidError> {
    Verifier::new(bundles).verify(chain, t2030())
}

fn uri(s: &str) -> SanType {
    SanType::URI(s.to_string().try_into().unwrap())
}

// verify_test.go TestVerify "success".
#[test]
fn success() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    let v = verify(&chain, &f.ca1.bundle("domain1.test")).unwrap();
    assert_eq!(v.spiffe_id.as_str(), ID);
}

// verify_test.go "empty chain".
#[test]
fn empty_chain() {
    let f = fixture();
    assert_eq!(verify(&[], &f.ca1.bundle("domain1.test")), Err(SvidError::EmptyChain));
}

// verify_test.go "empty bundle": no bundle at all for the leaf's trust domain.
#[test]
fn empty_bundle_source() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    assert_eq!(
        verify(&chain, &BundleSet::new()),
        Err(SvidError::NoBundle { trust_domain: "domain1.test".into() })
    );
}

// verify_test.go "no roots": a bundle for the trust domain that holds no root.
#[test]
fn no_roots() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    let set = BundleSet::new().with(X509Bundle::new(td("domain1.test")));
    assert_eq!(verify(&chain, &set), Err(SvidError::EmptyBundle { trust_domain: "domain1.test".into() }));
}

// verify_test.go "no roots for leaf cert domain".
#[test]
fn no_roots_for_leaf_domain() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    assert_eq!(
        verify(&chain, &f.ca2.bundle("domain2.test")),
        Err(SvidError::NoBundle { trust_domain: "domain1.test".into() })
    );
}

// verify_test.go "bad leaf cert id": URI SAN with scheme "sparfe".
#[test]
fn bad_leaf_id() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.subject_alt_names = vec![uri("sparfe://domain1.test/workload")]);
    assert!(matches!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::InvalidSpiffeId { .. })));
}

// verify_test.go "verification fails": domain1.test's bundle holds ca2's roots.
#[test]
fn verification_fails_with_wrong_roots() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    let bad = BundleSet::new()
        .with(X509Bundle::from_der_roots(td("domain1.test"), vec![f.ca2.der.clone()]).unwrap());
    assert_eq!(verify(&chain, &bad), Err(SvidError::UnknownIssuer { trust_domain: "domain1.test".into() }));
}

// verify_test.go "no URI SAN".
#[test]
fn no_uri_san() {
    let mut f = fixture();
    let chain =
        leaf_with(&mut f, |p| p.subject_alt_names = vec![SanType::DnsName("a.test".try_into().unwrap())]);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::NoUriSan));
}

// verify_test.go "more than one URI SAN"; X509-SVID 2: MUST reject.
#[test]
fn two_uri_sans() {
    let mut f = fixture();
    let chain =
        leaf_with(&mut f, |p| p.subject_alt_names = vec![uri(ID), uri("spiffe://domain1.test/other")]);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::MultipleUriSans { count: 2 }));
}

// X509-SVID 2: other SAN types are allowed beside the one URI SAN.
#[test]
fn dns_san_beside_uri_is_fine() {
    let mut f = fixture();
    let chain =
        leaf_with(&mut f, |p| p.subject_alt_names.push(SanType::DnsName("web.test".try_into().unwrap())));
    assert!(verify(&chain, &f.ca1.bundle("domain1.test")).is_ok());
}

// verify_test.go "leaf is CA"; svid_test.go "Leaf certificate with CA flag set to true".
#[test]
fn leaf_is_ca() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained));
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafIsCa));
}

// verify_test.go "leaf has KeyUsageCertSign".
#[test]
fn leaf_has_key_cert_sign() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.key_usages.push(KeyUsagePurpose::KeyCertSign));
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafHasKeyCertSign));
}

// verify_test.go "leaf has KeyUsageCRLSign".
#[test]
fn leaf_has_crl_sign() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.key_usages.push(KeyUsagePurpose::CrlSign));
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafHasCrlSign));
}

// svid_test.go "Leaf certificate without digitalSignature as key usage".
#[test]
fn leaf_without_digital_signature() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.key_usages = vec![KeyUsagePurpose::KeyEncipherment]);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafMissingDigitalSignature));
}

// X509-SVID 4.3: the key usage extension MUST be set on all SVIDs.
#[test]
fn leaf_without_key_usage() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.key_usages = vec![]);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafMissingKeyUsage));
}

// X509-SVID 4.4: when EKU is present, serverAuth and clientAuth MUST both be set.
#[test]
fn leaf_eku_server_only() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth]);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::LeafEkuIncomplete));
}

// X509-SVID 4.4: leaf SVIDs SHOULD (not MUST) include EKU; its absence is accepted.
#[test]
fn leaf_without_eku_is_accepted() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.extended_key_usages = vec![]);
    assert!(verify(&chain, &f.ca1.bundle("domain1.test")).is_ok());
}

// svid_test.go / X509-SVID 3.1: a leaf's SPIFFE ID must have a non-root path.
#[test]
fn leaf_id_without_path() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.subject_alt_names = vec![uri("spiffe://domain1.test")]);
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::LeafIdWithoutPath { .. })
    ));
}

// verify_test.go "with time": one second after notAfter.
#[test]
fn expired() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.not_after = rcgen::date_time_ymd(2029, 12, 31));
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::Expired { index: 0, .. })
    ));
    let info = mesh_identity::CertInfo::parse(&chain[0], 0).unwrap();
    let v = Verifier::new(&f.ca1.bundle("domain1.test"));
    assert!(v.verify(&chain, info.not_after).is_ok(), "valid through notAfter inclusive");
    assert!(v.verify(&chain, info.not_after + Duration::from_secs(1)).is_err());
}

// RFC 5280 6.1.3: not valid before notBefore.
#[test]
fn not_yet_valid() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |p| p.not_before = rcgen::date_time_ymd(2031, 1, 1));
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::NotYetValid { index: 0, .. })
    ));
}

// verify_test.go TestParseAndVerify: a modified first byte fails parsing.
#[test]
fn corrupt_der() {
    let mut f = fixture();
    let mut chain = leaf_with(&mut f, |_| {});
    chain[0][0] = 0x27;
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::Malformed { index: 0, .. })
    ));
}

// A flipped signature byte: the chain no longer verifies.
#[test]
fn bad_signature() {
    let mut f = fixture();
    let mut chain = leaf_with(&mut f, |_| {});
    let n = chain[0].len();
    chain[0][n - 5] ^= 0x01;
    assert!(verify(&chain, &f.ca1.bundle("domain1.test")).is_err());
}

fn with_intermediate(f: &mut Fixture, edit: impl FnOnce(&mut rcgen::CertificateParams)) -> Vec<Vec<u8>> {
    let mut ip = RawCa::intermediate_params("domain1.test");
    edit(&mut ip);
    let inter = f.ca1.intermediate(ip, &mut f.rng);
    let leaf = inter.sign(&RawCa::leaf_params(ID), &mut f.rng);
    vec![leaf, inter.der]
}

// svid_test.go "Certificate with intermediate and key".
#[test]
fn leaf_and_intermediate() {
    let mut f = fixture();
    let chain = with_intermediate(&mut f, |_| {});
    assert!(verify(&chain, &f.ca1.bundle("domain1.test")).is_ok());
    // Without the intermediate the leaf does not chain to the root.
    assert!(verify(&chain[..1], &f.ca1.bundle("domain1.test")).is_err());
}

// svid_test.go "Signing certificate without CA flag".
#[test]
fn intermediate_not_ca() {
    let mut f = fixture();
    let chain = with_intermediate(&mut f, |p| p.is_ca = IsCa::ExplicitNoCa);
    assert_eq!(verify(&chain, &f.ca1.bundle("domain1.test")), Err(SvidError::SigningCertNotCa { index: 1 }));
}

// svid_test.go "Signing certificate without 'keyCertSign' usage".
#[test]
fn intermediate_without_key_cert_sign() {
    let mut f = fixture();
    let chain = with_intermediate(&mut f, |p| p.key_usages = vec![KeyUsagePurpose::CrlSign]);
    assert_eq!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::SigningCertMissingKeyCertSign { index: 1 })
    );
}

// X509-SVID 3.2: a signing certificate's SPIFFE ID MUST NOT have a path.
#[test]
fn intermediate_id_with_path() {
    let mut f = fixture();
    let chain = with_intermediate(&mut f, |p| p.subject_alt_names = vec![uri("spiffe://domain1.test/ca")]);
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::SigningCertIdWithPath { index: 1, .. })
    ));
}

// RFC 5280: an expired intermediate breaks the chain.
#[test]
fn intermediate_expired() {
    let mut f = fixture();
    let chain = with_intermediate(&mut f, |p| p.not_after = rcgen::date_time_ymd(2029, 1, 1));
    assert!(matches!(
        verify(&chain, &f.ca1.bundle("domain1.test")),
        Err(SvidError::Expired { index: 1, .. })
    ));
}

// X509-SVID 4.1 / RFC 5280 4.2.1.9: path length constraints are enforced.
#[test]
fn path_len_constraint() {
    let mut f = fixture();
    let mut ip = RawCa::intermediate_params("domain1.test");
    ip.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let i1 = f.ca1.intermediate(ip, &mut f.rng);
    let i2 = i1.intermediate(RawCa::intermediate_params("domain1.test"), &mut f.rng);
    let leaf = i2.sign(&RawCa::leaf_params(ID), &mut f.rng);
    let chain = vec![leaf, i2.der.clone(), i1.der.clone()];
    assert!(verify(&chain, &f.ca1.bundle("domain1.test")).is_err());
}

// X509-SVID 5 / Trust Domain and Bundle 3: the bundle of the leaf's own trust domain must have
// signed it; a root trusted for another trust domain does not count (federation).
#[test]
fn federation_uses_the_leafs_trust_domain_bundle() {
    let mut f = fixture();
    // A leaf claiming domain2.test, signed by domain1.test's CA.
    let p = RawCa::leaf_params("spiffe://domain2.test/workload");
    let chain = vec![f.ca1.sign(&p, &mut f.rng)];
    let both = f
        .ca1
        .bundle("domain1.test")
        .with(X509Bundle::from_der_roots(td("domain2.test"), vec![f.ca2.der.clone()]).unwrap());
    assert_eq!(verify(&chain, &both), Err(SvidError::UnknownIssuer { trust_domain: "domain2.test".into() }));
    // The same ID signed by domain2.test's own CA verifies in the federated set.
    let good = vec![f.ca2.sign(&p, &mut f.rng)];
    assert!(verify(&good, &both).is_ok());
}

// svid_test.go "Certificate does not match private key".
#[test]
fn key_mismatch() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    let svid = X509Svid::from_der_chain(chain).unwrap();
    let other = mesh_identity::KeyPair::generate(mesh_identity::KeyType::EcP256, &mut f.rng).unwrap();
    assert_eq!(svid.check_key(&other), Err(SvidError::KeyMismatch));
}

// svid_test.go "Missing certificate" / "Certificate not PEM".
#[test]
fn pem_chain_errors() {
    assert!(X509Svid::from_pem_chain("").is_err());
    assert!(X509Svid::from_pem_chain("not pem").is_err());
    assert_eq!(X509Svid::from_der_chain(vec![]), Err(SvidError::EmptyChain));
}

// The cache answers a known chain and never a failure; it respects validity.
#[test]
fn cached_reverification() {
    let mut f = fixture();
    let chain = leaf_with(&mut f, |_| {});
    let v = Verifier::new(&f.ca1.bundle("domain1.test"));
    let first = v.verify_cached(&chain, t2030()).unwrap();
    assert_eq!(v.verify_cached(&chain, t2030()).unwrap(), first);
    let later = first.chain_not_after + Duration::from_secs(1);
    assert!(matches!(v.verify_cached(&chain, later), Err(SvidError::Expired { .. })));
    let mut tampered = chain.clone();
    let n = tampered[0].len();
    tampered[0][n - 40] ^= 1;
    assert!(v.verify_cached(&tampered, t2030()).is_err());
}

fn fixture_file(name: &str) -> Option<String> {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/contract-tests/spiffe/fixtures/");
    std::fs::read_to_string(format!("{p}{name}")).ok()
}

// The contract fixtures, made by OpenSSL (shared/contract-tests/spiffe/fixtures/make.sh).
#[test]
fn openssl_fixtures() {
    let (Some(root), Some(other), Some(leaf)) =
        (fixture_file("root.pem"), fixture_file("other-root.pem"), fixture_file("leaf.pem"))
    else {
        eprintln!("note: the contract fixtures are absent; skipped");
        return;
    };
    let chain = mesh_identity::encoding::certs_from_pem(&leaf).unwrap();
    let good = BundleSet::new().with(X509Bundle::from_pem(td("example.org"), &root).unwrap());
    let v = verify(&chain, &good).unwrap();
    assert_eq!(v.spiffe_id.as_str(), "spiffe://example.org/ns/default/sa/web");
    let bad = BundleSet::new().with(X509Bundle::from_pem(td("example.org"), &other).unwrap());
    assert!(matches!(verify(&chain, &bad), Err(SvidError::UnknownIssuer { .. })));
}
