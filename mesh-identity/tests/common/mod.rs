//! Shared test fixtures: a seeded random source and a small PKI built with rcgen directly,
//! so that tests can make certificates our CA refuses to make.
#![allow(dead_code, unreachable_pub, missing_docs, clippy::unwrap_used)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mesh_identity::{BundleSet, Entropy, KeyPair, KeyType, TrustDomain, X509Bundle};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyUsagePurpose, SanType,
};

/// SplitMix64: deterministic, fine for tests (never for real keys).
pub struct TestRng(pub u64);

impl Entropy for TestRng {
    fn fill(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
        }
    }
}

/// 2030-01-01T00:00:00Z.
pub fn t2030() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_893_456_000)
}

pub fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

pub fn td(name: &str) -> TrustDomain {
    TrustDomain::parse(name).unwrap()
}

/// A root made with rcgen, and a way to sign arbitrary certificates under it.
pub struct RawCa {
    pub issuer: Issuer<'static, rcgen::KeyPair>,
    pub der: Vec<u8>,
}

pub fn rcgen_key(rng: &mut TestRng) -> rcgen::KeyPair {
    let k = KeyPair::generate(KeyType::EcP256, rng).unwrap();
    rcgen::KeyPair::try_from(k.pkcs8_der()).unwrap()
}

impl RawCa {
    pub fn new(trust_domain: &str, rng: &mut TestRng) -> RawCa {
        let key = rcgen_key(rng);
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, trust_domain);
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.subject_alt_names = vec![SanType::URI(format!("spiffe://{trust_domain}").try_into().unwrap())];
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2100, 1, 1);
        let cert = p.self_signed(&key).unwrap();
        RawCa { der: cert.der().to_vec(), issuer: Issuer::new(p, key) }
    }

    pub fn bundle(&self, trust_domain: &str) -> BundleSet {
        BundleSet::new().with(X509Bundle::from_der_roots(td(trust_domain), vec![self.der.clone()]).unwrap())
    }

    /// A well-formed leaf SVID's parameters, to be altered by a test.
    pub fn leaf_params(id: &str) -> CertificateParams {
        let mut p = CertificateParams::default();
        p.distinguished_name = DistinguishedName::new();
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages =
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        p.subject_alt_names = vec![SanType::URI(id.to_string().try_into().unwrap())];
        p.not_before = rcgen::date_time_ymd(2025, 1, 1);
        p.not_after = rcgen::date_time_ymd(2035, 1, 1);
        p.use_authority_key_identifier_extension = true;
        p
    }

    /// Signs `params` for a fresh key; returns the DER.
    pub fn sign(&self, params: &CertificateParams, rng: &mut TestRng) -> Vec<u8> {
        let key = rcgen_key(rng);
        params.signed_by(&key, &self.issuer).unwrap().der().to_vec()
    }

    /// An intermediate CA under this one, with its own issuer.
    pub fn intermediate(&self, params: CertificateParams, rng: &mut TestRng) -> RawCa {
        let key = rcgen_key(rng);
        let der = params.signed_by(&key, &self.issuer).unwrap().der().to_vec();
        RawCa { der, issuer: Issuer::new(params, key) }
    }

    pub fn intermediate_params(trust_domain: &str) -> CertificateParams {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "intermediate");
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.subject_alt_names = vec![SanType::URI(format!("spiffe://{trust_domain}").try_into().unwrap())];
        p.not_before = rcgen::date_time_ymd(2020, 1, 1);
        p.not_after = rcgen::date_time_ymd(2090, 1, 1);
        p.use_authority_key_identifier_extension = true;
        p
    }
}
