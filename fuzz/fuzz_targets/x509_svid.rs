//! Fuzzes X.509-SVID parsing and verification: arbitrary DER chains and bundles never panic,
//! and a chain the verifier accepts always carries exactly one SPIFFE ID with a path.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use mesh_identity::{BundleSet, CertInfo, TrustDomain, Verifier, X509Bundle, X509Svid};

fuzz_target!(|data: &[u8]| {
    // Split the input into up to three DER blobs at 0xFF 0x00 markers: leaf, intermediate, root.
    let parts: Vec<&[u8]> = data.splitn(3, |&b| b == 0xff).collect();
    let chain: Vec<Vec<u8>> = parts.iter().take(2).map(|p| p.to_vec()).collect();
    for (i, der) in chain.iter().enumerate() {
        let _ = CertInfo::parse(der, i);
    }
    let _ = X509Svid::from_der_chain(chain.clone());
    let _ = mesh_identity::encoding::certs_from_pem(&String::from_utf8_lossy(data));
    let Ok(td) = TrustDomain::parse("example.org") else { return };
    let _ = X509Bundle::from_jwks(td.clone(), &String::from_utf8_lossy(data));
    let mut set = BundleSet::new();
    if let Some(root) = parts.get(2)
        && let Ok(b) = X509Bundle::from_der_roots(td, vec![root.to_vec()])
    {
        set.insert(b);
    }
    let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
    if let Ok(v) = Verifier::new(&set).verify(&chain, now) {
        assert!(!v.spiffe_id.path().is_empty());
        let leaf = CertInfo::parse(&chain[0], 0).expect("verified leaf parses");
        assert_eq!(leaf.uri_sans.len(), 1);
    }
});
