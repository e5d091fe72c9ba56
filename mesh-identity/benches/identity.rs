//! Identity hot paths: SPIFFE ID parsing, SVID issuance (with and without key generation,
//! beside bare rcgen signing) and chain verification (beside bare rustls-webpki, and cached).
#![allow(missing_docs, clippy::unwrap_used)] // a benchmark: a panic is a broken setup

use std::hint::black_box;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{Criterion, criterion_group, criterion_main};
use mesh_identity::{
    BundleSet, Ca, Entropy, KeyPair, KeyType, SpiffeId, SubjectKey, TrustDomain, Verifier, X509Bundle,
};
use rustls_pki_types::{CertificateDer, UnixTime};

struct Rng(u64);
impl Entropy for Rng {
    fn fill(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            *b = (self.0 >> 56) as u8;
        }
    }
}

fn spiffe_id_parse(c: &mut Criterion) {
    let mut g = c.benchmark_group("spiffe_id_parse");
    let input = "spiffe://example.org/ns/default/sa/bookinfo-productpage";
    g.bench_function("mesh_identity", |b| b.iter(|| SpiffeId::parse(black_box(input))));
    g.finish();
}

fn svid_issue(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    let mut rng = Rng(1);
    let td = TrustDomain::parse("example.org").unwrap();
    let ca =
        Ca::new_root(td, KeyPair::generate(KeyType::EcP256, &mut rng).unwrap(), None, now, &mut rng).unwrap();
    let id = SpiffeId::parse("spiffe://example.org/ns/default/sa/web").unwrap();
    let key = KeyPair::generate(KeyType::EcP256, &mut rng).unwrap();
    let spki = key.public_key_der();
    let mut g = c.benchmark_group("svid_issue");
    g.bench_function("ca_issue_public_key", |b| {
        b.iter(|| ca.issue(&id, SubjectKey::PublicKey(black_box(&spki)), None, now, &mut rng).unwrap())
    });
    g.bench_function("ca_issue_with_keygen", |b| {
        b.iter(|| ca.issue_with_new_key(&id, KeyType::EcP256, None, now, &mut rng).unwrap())
    });
    // Baseline: bare rcgen signing of a comparable leaf (issuer built once).
    let root_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut rp = rcgen::CertificateParams::default();
    rp.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let issuer = rcgen::Issuer::new(rp, root_key);
    let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    g.bench_function("rcgen_bare_sign", |b| {
        b.iter(|| {
            let mut p = rcgen::CertificateParams::default();
            p.subject_alt_names = vec![rcgen::SanType::URI(
                "spiffe://example.org/ns/default/sa/web".to_string().try_into().unwrap(),
            )];
            p.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
            p.extended_key_usages =
                vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth, rcgen::ExtendedKeyUsagePurpose::ClientAuth];
            p.signed_by(&leaf_key, &issuer).unwrap()
        })
    });
    g.bench_function("rcgen_bare_sign_with_keygen", |b| {
        b.iter(|| {
            let k = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
            let mut p = rcgen::CertificateParams::default();
            p.subject_alt_names = vec![rcgen::SanType::URI(
                "spiffe://example.org/ns/default/sa/web".to_string().try_into().unwrap(),
            )];
            p.signed_by(&k, &issuer).unwrap()
        })
    });
    g.finish();
}

fn svid_verify(c: &mut Criterion) {
    let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    let mut rng = Rng(2);
    let td = TrustDomain::parse("example.org").unwrap();
    let ca =
        Ca::new_root(td.clone(), KeyPair::generate(KeyType::EcP256, &mut rng).unwrap(), None, now, &mut rng)
            .unwrap();
    let id = SpiffeId::parse("spiffe://example.org/ns/default/sa/web").unwrap();
    let (svid, _) = ca.issue_with_new_key(&id, KeyType::EcP256, None, now, &mut rng).unwrap();
    let leaf_only = vec![svid.chain[0].clone()];
    let set = BundleSet::new().with(X509Bundle::from_der_roots(td, vec![ca.root_der().to_vec()]).unwrap());
    let verifier = Verifier::new(&set);
    let mut g = c.benchmark_group("svid_verify");
    g.bench_function("verifier", |b| b.iter(|| verifier.verify(black_box(&leaf_only), now).unwrap()));
    verifier.verify_cached(&leaf_only, now).unwrap();
    g.bench_function("verifier_cached", |b| {
        b.iter(|| verifier.verify_cached(black_box(&leaf_only), now).unwrap())
    });
    // Baseline: bare rustls-webpki path validation of the same leaf.
    let root = CertificateDer::from(ca.root_der().to_vec());
    let anchor = webpki::anchor_from_trusted_cert(&root).unwrap().to_owned();
    let anchors = [anchor];
    let leaf = CertificateDer::from(svid.chain[0].clone());
    let t = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap());
    g.bench_function("webpki_bare", |b| {
        b.iter(|| {
            let ee = webpki::EndEntityCert::try_from(black_box(&leaf)).unwrap();
            ee.verify_for_usage(
                &[webpki::ring::ECDSA_P256_SHA256],
                &anchors,
                &[],
                t,
                webpki::KeyUsage::client_auth(),
                None,
                None,
            )
            .map(|_| ())
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, spiffe_id_parse, svid_issue, svid_verify);
criterion_main!(benches);
