//! Bundles (SPIFFE_Trust_Domain_and_Bundle.md section 4; go-spiffe spiffebundle tests) and
//! Istio identities (istio pkg/spiffe, pilot/pkg/security/trustdomain bundle_test.go).
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

mod common;

use common::{RawCa, TestRng, td};
use mesh_identity::{
    BundleError, IstioIdentity, IstioIdentityError, SpiffeId, TrustDomainAliases, X509Bundle,
};

#[test]
fn jwks_round_trip() {
    let mut rng = TestRng(21);
    let a = RawCa::new("example.org", &mut rng);
    let b = RawCa::new("example.org", &mut rng);
    let mut bundle =
        X509Bundle::from_der_roots(td("example.org"), vec![a.der.clone(), b.der.clone()]).unwrap();
    bundle.set_sequence(Some(42));
    bundle.set_refresh_hint(Some(300));
    let json = bundle.to_jwks();
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["keys"][0]["use"], "x509-svid");
    assert_eq!(doc["keys"][0]["kty"], "EC");
    assert_eq!(doc["keys"][0]["crv"], "P-256");
    assert_eq!(doc["keys"][0]["x5c"].as_array().unwrap().len(), 1);
    assert_eq!(doc["spiffe_sequence"], 42);
    let back = X509Bundle::from_jwks(td("example.org"), &json).unwrap();
    assert_eq!(back, bundle);
    let pem = bundle.to_pem();
    assert_eq!(X509Bundle::from_pem(td("example.org"), &pem).unwrap().roots(), bundle.roots());
}

// spiffebundle bundle_test.go: "no authorities found", "expected a single certificate",
// JWT keys ignored for the X.509 bundle.
#[test]
fn jwks_errors() {
    let t = td("example.org");
    assert_eq!(X509Bundle::from_jwks(t.clone(), "{}"), Err(BundleError::NoKeys));
    assert!(matches!(X509Bundle::from_jwks(t.clone(), "nope"), Err(BundleError::InvalidJson(_))));
    let two = r#"{"keys":[{"use":"x509-svid","kty":"EC","x5c":["AA==","AA=="]}]}"#;
    assert_eq!(X509Bundle::from_jwks(t.clone(), two), Err(BundleError::X5cCount { index: 0, count: 2 }));
    let jwt = r#"{"keys":[{"use":"jwt-svid","kty":"EC","kid":"k"}]}"#;
    assert!(X509Bundle::from_jwks(t.clone(), jwt).unwrap().roots().is_empty());
    let bad64 = r#"{"keys":[{"use":"x509-svid","x5c":["***"]}]}"#;
    assert_eq!(X509Bundle::from_jwks(t.clone(), bad64), Err(BundleError::BadBase64 { index: 0 }));
    let notcert = r#"{"keys":[{"use":"x509-svid","x5c":["AAAA"]}]}"#;
    assert!(matches!(
        X509Bundle::from_jwks(t.clone(), notcert),
        Err(BundleError::BadCertificate { index: 0, .. })
    ));
    let seq = r#"{"keys":[],"spiffe_sequence":"x"}"#;
    assert!(matches!(X509Bundle::from_jwks(t, seq), Err(BundleError::BadNumber { .. })));
}

// x509bundle bundle_test.go: empty and non-PEM files.
#[test]
fn pem_errors() {
    let t = td("example.org");
    assert!(X509Bundle::from_pem(t.clone(), "").is_err());
    assert!(X509Bundle::from_pem(t.clone(), "not pem").is_err());
    let corrupt = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert!(matches!(X509Bundle::from_pem(t, corrupt), Err(BundleError::BadCertificate { .. })));
}

#[test]
fn istio_identity_round_trip() {
    let who = IstioIdentity::new(td("cluster.local"), "default", "sleep").unwrap();
    assert_eq!(who.spiffe_id().as_str(), "spiffe://cluster.local/ns/default/sa/sleep");
    assert_eq!(IstioIdentity::from_spiffe_id(&who.spiffe_id()).unwrap(), who);
    assert_eq!(IstioIdentity::from_principal("cluster.local/ns/default/sa/sleep").unwrap(), who);
    let odd = SpiffeId::parse("spiffe://cluster.local/ns/default/sa/sleep/extra").unwrap();
    assert!(matches!(IstioIdentity::from_spiffe_id(&odd), Err(IstioIdentityError::NotIstioForm { .. })));
    assert!(IstioIdentity::new(td("cluster.local"), "bad/ns", "sa").is_err());
    assert_eq!(mesh_identity::istio::principal_of(&who.spiffe_id()), "cluster.local/ns/default/sa/sleep");
}

// istio pilot/pkg/security/trustdomain bundle_test.go: ReplaceTrustDomainAliases.
#[test]
fn trust_domain_aliases() {
    let aliases = TrustDomainAliases::new(&td("td2"), &[td("td1")]);
    assert_eq!(aliases.expand_principals(&["td1/ns/foo/sa/bar"]), ["td2/ns/foo/sa/bar", "td1/ns/foo/sa/bar"]);
    // cluster.local stands for the local trust domain.
    assert_eq!(
        aliases.expand_principals(&["cluster.local/ns/foo/sa/bar"]),
        ["td2/ns/foo/sa/bar", "td1/ns/foo/sa/bar"]
    );
    // Foreign trust domains, "*" and malformed principals are kept as they are.
    assert_eq!(aliases.expand_principals(&["other/ns/foo/sa/bar"]), ["other/ns/foo/sa/bar"]);
    assert_eq!(aliases.expand_principals(&["*/ns/foo/sa/bar"]), ["*/ns/foo/sa/bar"]);
    assert_eq!(aliases.expand_principals(&["sa/bar"]), ["sa/bar"]);
    // A wildcard trust domain is kept for the domains it matches, without duplicates.
    let a = TrustDomainAliases::new(&td("new-td"), &[td("old-td")]);
    assert_eq!(a.expand_principals(&["*-td/ns/foo/sa/bar"]), ["*-td/ns/foo/sa/bar"]);
    assert!(a.is_local("old-td") && !a.is_local("x"));
}
