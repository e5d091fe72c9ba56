//! Trust bundles from arbitrary PEM and JWKS text: parsing never panics, and a bundle that
//! parses survives its own PEM and JWKS serialisations with the same roots.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_identity::{TrustDomain, X509Bundle};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(td) = TrustDomain::parse("example.org") else { return };
    for parsed in [X509Bundle::from_pem(td.clone(), text), X509Bundle::from_jwks(td.clone(), text)] {
        if let Ok(bundle) = parsed {
            let pem = X509Bundle::from_pem(td.clone(), &bundle.to_pem()).expect("its own PEM parses");
            assert_eq!(pem.roots(), bundle.roots());
            let jwks = X509Bundle::from_jwks(td.clone(), &bundle.to_jwks()).expect("its own JWKS parses");
            assert_eq!(jwks.roots(), bundle.roots());
        }
    }
});
