//! RequestAuthentication: real tokens signed in the test (RS256 with a test RSA key, ES256 with
//! a P-256 key generated here), verified as Envoy's jwt_authn does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

use std::collections::BTreeMap;

use mesh_model::MeshConfig;
use mesh_policy::authz::Workload;
use mesh_policy::jwt::{
    CompiledJwtRule, Jwks, JwtError, RequestAuthn, TokenSource, authenticate, base64url_encode as b64, verify,
};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};

mod common;

const NOW: i64 = 1_900_000_000;
const RSA_KEY: &[u8] = include_bytes!("fixtures/jwt-rsa2048.pkcs1.der");

struct Keys {
    rsa: RsaKeyPair,
    ec: EcdsaKeyPair,
    jwks: String,
}

fn keys() -> Keys {
    let rng = SystemRandom::new();
    let rsa = RsaKeyPair::from_der(RSA_KEY).unwrap();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let ec =
        EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let comps = signature::RsaPublicKeyComponents::<Vec<u8>>::from(rsa.public());
    let point = ec.public_key().as_ref();
    let jwks = serde_json::json!({"keys": [
        {"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "n": b64(&comps.n), "e": b64(&comps.e)},
        {"kty": "EC", "kid": "ec-1", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65])},
        {"kty": "oct", "k": "c2VjcmV0"}
    ]})
    .to_string();
    Keys { rsa, ec, jwks }
}

fn sign(k: &Keys, alg: &str, kid: &str, claims: serde_json::Value) -> String {
    let header = b64(serde_json::json!({"alg": alg, "kid": kid, "typ": "JWT"}).to_string().as_bytes());
    let payload = b64(claims.to_string().as_bytes());
    let signed = format!("{header}.{payload}");
    let rng = SystemRandom::new();
    let sig = match alg {
        "RS256" => {
            let mut sig = vec![0; k.rsa.public().modulus_len()];
            k.rsa.sign(&signature::RSA_PKCS1_SHA256, &rng, signed.as_bytes(), &mut sig).unwrap();
            sig
        }
        "PS256" => {
            let mut sig = vec![0; k.rsa.public().modulus_len()];
            k.rsa.sign(&signature::RSA_PSS_SHA256, &rng, signed.as_bytes(), &mut sig).unwrap();
            sig
        }
        "ES256" => k.ec.sign(&rng, signed.as_bytes()).unwrap().as_ref().to_vec(),
        _ => b"junk".to_vec(),
    };
    format!("{signed}.{}", b64(&sig))
}

fn rule(issuer: &str, audiences: &[&str]) -> CompiledJwtRule {
    let r = mesh_model::security::JwtRule {
        issuer: Some(issuer.into()),
        audiences: audiences.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    CompiledJwtRule::new(&r, "foo/jwt")
}

fn claims() -> serde_json::Value {
    serde_json::json!({"iss": "https://issuer.example", "sub": "alice", "aud": ["api"], "exp": NOW + 3600, "nbf": NOW - 10, "scope": "read write", "azp": "web"})
}

#[test]
fn rs256_token_verifies_and_gives_the_principal() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    assert_eq!(jwks.keys.len(), 2, "the oct key is skipped");
    let v = verify(&sign(&k, "RS256", "rsa-1", claims()), &rule("https://issuer.example", &[]), &jwks, NOW)
        .unwrap();
    assert_eq!(v.principal, "https://issuer.example/alice");
    assert_eq!(v.audiences, ["api"]);
    assert_eq!(v.presenter.as_deref(), Some("web"));
    // Istio's default space-delimited claims: scope and permission become lists.
    assert_eq!(v.claims["scope"], serde_json::json!(["read", "write"]));
}

#[test]
fn es256_token_verifies() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    assert!(
        verify(&sign(&k, "ES256", "ec-1", claims()), &rule("https://issuer.example", &["api"]), &jwks, NOW)
            .is_ok()
    );
}

#[test]
fn ps256_token_verifies_with_an_rsa_key_without_alg() {
    let k = keys();
    let mut jwks = Jwks::parse(&k.jwks).unwrap();
    if let mesh_policy::jwt::Jwk::Rsa { alg, .. } = &mut jwks.keys[0] {
        *alg = None;
    }
    assert!(
        verify(&sign(&k, "PS256", "rsa-1", claims()), &rule("https://issuer.example", &[]), &jwks, NOW)
            .is_ok()
    );
}

#[test]
fn tampered_payload_fails() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let t = sign(&k, "RS256", "rsa-1", claims());
    let parts: Vec<&str> = t.split('.').collect();
    let mut c = claims();
    c["sub"] = "mallory".into();
    let forged = format!("{}.{}.{}", parts[0], b64(c.to_string().as_bytes()), parts[2]);
    assert_eq!(
        verify(&forged, &rule("https://issuer.example", &[]), &jwks, NOW),
        Err(JwtError::BadSignature)
    );
}

#[test]
fn kid_selects_the_key() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let t = sign(&k, "ES256", "rsa-1", claims());
    assert_eq!(verify(&t, &rule("https://issuer.example", &[]), &jwks, NOW), Err(JwtError::BadSignature));
}

#[test]
fn expiry_allows_sixty_seconds_of_skew() {
    // envoy jwt_authn: exp is checked with the default clock_skew_seconds of 60.
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let mut c = claims();
    c["exp"] = (NOW - 30).into();
    let r = rule("https://issuer.example", &[]);
    assert!(verify(&sign(&k, "RS256", "rsa-1", c.clone()), &r, &jwks, NOW).is_ok());
    c["exp"] = (NOW - 61).into();
    assert!(matches!(verify(&sign(&k, "RS256", "rsa-1", c), &r, &jwks, NOW), Err(JwtError::Expired { .. })));
}

#[test]
fn not_before_is_enforced() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let mut c = claims();
    c["nbf"] = (NOW + 600).into();
    let r = rule("https://issuer.example", &[]);
    assert!(matches!(
        verify(&sign(&k, "RS256", "rsa-1", c), &r, &jwks, NOW),
        Err(JwtError::NotYetValid { .. })
    ));
}

#[test]
fn audience_must_be_listed() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let t = sign(&k, "RS256", "rsa-1", claims());
    assert!(matches!(
        verify(&t, &rule("https://issuer.example", &["other"]), &jwks, NOW),
        Err(JwtError::AudienceNotAllowed(_))
    ));
    assert!(verify(&t, &rule("https://issuer.example", &["other", "api"]), &jwks, NOW).is_ok());
}

#[test]
fn issuer_must_match() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let t = sign(&k, "RS256", "rsa-1", claims());
    assert!(matches!(verify(&t, &rule("https://other", &[]), &jwks, NOW), Err(JwtError::UnknownIssuer(_))));
}

#[test]
fn none_and_hmac_are_refused() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    for alg in ["none", "HS256"] {
        let t = sign(&k, alg, "rsa-1", claims());
        assert!(matches!(
            verify(&t, &rule("https://issuer.example", &[]), &jwks, NOW),
            Err(JwtError::UnsupportedAlgorithm(_))
        ));
    }
}

#[test]
fn malformed_tokens_are_rejected() {
    let jwks = Jwks::parse(&keys().jwks).unwrap();
    for t in ["", "a.b", "a.b.c.d", "!!!.e30.e30", "e30.e30.e30"] {
        assert!(verify(t, &rule("x", &[]), &jwks, NOW).is_err(), "{t}");
    }
}

#[test]
fn jwks_errors() {
    assert!(matches!(Jwks::parse("{"), Err(mesh_policy::jwt::JwksError::Json(_))));
    assert_eq!(Jwks::parse("{}"), Err(mesh_policy::jwt::JwksError::NoKeys));
    assert_eq!(Jwks::parse(r#"{"keys": [{"kty": "oct"}]}"#), Err(mesh_policy::jwt::JwksError::NoUsableKey));
}

fn with_inline_jwks(k: &Keys) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: jwt, namespace: foo}}\nspec:\n  selector: {{matchLabels: {{app: httpbin}}}}\n  jwtRules:\n  - issuer: https://issuer.example\n    jwks: '{}'\n",
        k.jwks
    )
}

#[test]
fn authenticate_reads_the_bearer_header_and_accepts_no_token() {
    let k = keys();
    let ra =
        RequestAuthn::compile(&common::snapshot_with(&with_inline_jwks(&k), MeshConfig::default(), false));
    let labels = BTreeMap::from([("app".to_string(), "httpbin".to_string())]);
    let rules = ra.rules_for(&Workload::new("foo", &labels));
    assert_eq!(rules.len(), 1);
    let none = |_: &CompiledJwtRule| None;
    let empty: BTreeMap<String, String> = BTreeMap::new();
    assert_eq!(authenticate(&rules, &TokenSource { headers: &empty, path: "/" }, &none, NOW), Ok(None));
    let token = sign(&k, "RS256", "rsa-1", claims());
    let headers = BTreeMap::from([("authorization".to_string(), format!("Bearer {token}"))]);
    let v = authenticate(&rules, &TokenSource { headers: &headers, path: "/" }, &none, NOW).unwrap().unwrap();
    assert_eq!(v.principal, "https://issuer.example/alice");
    // The access_token query parameter is the other default location.
    let v = authenticate(
        &rules,
        &TokenSource { headers: &empty, path: &format!("/x?access_token={token}") },
        &none,
        NOW,
    );
    assert!(v.unwrap().is_some());
}

#[test]
fn authenticate_rejects_unknown_issuer_and_any_bad_token() {
    // envoy jwt_authn authenticator.cc: with several tokens, all must verify.
    let k = keys();
    let ra =
        RequestAuthn::compile(&common::snapshot_with(&with_inline_jwks(&k), MeshConfig::default(), false));
    let labels = BTreeMap::from([("app".to_string(), "httpbin".to_string())]);
    let rules = ra.rules_for(&Workload::new("foo", &labels));
    let none = |_: &CompiledJwtRule| None;
    let mut c = claims();
    c["iss"] = "https://evil".into();
    let bad = sign(&k, "RS256", "rsa-1", c);
    let headers = BTreeMap::from([("authorization".to_string(), format!("Bearer {bad}"))]);
    assert!(matches!(
        authenticate(&rules, &TokenSource { headers: &headers, path: "/" }, &none, NOW),
        Err(JwtError::UnknownIssuer(_))
    ));
    let good = sign(&k, "RS256", "rsa-1", claims());
    let path = format!("/?access_token={bad}");
    let headers = BTreeMap::from([("authorization".to_string(), format!("Bearer {good}"))]);
    assert!(authenticate(&rules, &TokenSource { headers: &headers, path: &path }, &none, NOW).is_err());
}

#[test]
fn rules_apply_by_selector_and_namespace() {
    let k = keys();
    let ra =
        RequestAuthn::compile(&common::snapshot_with(&with_inline_jwks(&k), MeshConfig::default(), false));
    let other = BTreeMap::from([("app".to_string(), "other".to_string())]);
    assert!(ra.rules_for(&Workload::new("foo", &other)).is_empty());
    let labels = BTreeMap::from([("app".to_string(), "httpbin".to_string())]);
    assert!(ra.rules_for(&Workload::new("bar", &labels)).is_empty());
}

#[test]
fn jwks_from_the_caller_for_jwks_uri_rules() {
    let k = keys();
    let yaml = "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: jwt, namespace: istio-system}\nspec:\n  jwtRules:\n  - issuer: https://issuer.example\n    jwksUri: https://issuer.example/jwks\n    fromHeaders: [{name: x-jwt}]\n";
    let ra = RequestAuthn::compile(&common::snapshot_with(yaml, MeshConfig::default(), false));
    let labels = BTreeMap::new();
    let rules = ra.rules_for(&Workload::new("any", &labels));
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let fetched =
        |r: &CompiledJwtRule| (r.jwks_uri.as_deref() == Some("https://issuer.example/jwks")).then_some(&jwks);
    let token = sign(&k, "ES256", "ec-1", claims());
    let headers = BTreeMap::from([("x-jwt".to_string(), token.clone())]);
    assert!(
        authenticate(&rules, &TokenSource { headers: &headers, path: "/" }, &fetched, NOW).unwrap().is_some()
    );
    // With fromHeaders set, the default Authorization header is not read.
    let headers = BTreeMap::from([("authorization".to_string(), format!("Bearer {token}"))]);
    assert_eq!(authenticate(&rules, &TokenSource { headers: &headers, path: "/" }, &fetched, NOW), Ok(None));
}

#[test]
fn verified_token_feeds_authorization() {
    let k = keys();
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let v = verify(&sign(&k, "RS256", "rsa-1", claims()), &rule("https://issuer.example", &[]), &jwks, NOW)
        .unwrap();
    let yaml = common::policy(
        "ALLOW",
        "  rules: [{from: [{source: {requestPrincipals: ['https://issuer.example/*']}}], when: [{key: 'request.auth.claims[scope]', values: [write]}]}]",
    );
    let a = common::authorizer(&yaml);
    let headers = mesh_policy::authz::NoHeaders;
    let req =
        mesh_policy::authz::Request { auth: Some(v.as_auth()), ..mesh_policy::authz::Request::new(&headers) };
    let labels = BTreeMap::from([("app".to_string(), "httpbin".to_string())]);
    assert!(a.check(&Workload::new("foo", &labels), &req).allowed);
}

// envoy jwt_authn handleGoodJwt with istio's RequestAuthentication outputs: a real token read
// from its header, verified, then its payload segment and claims copied to headers and the
// token's header removed (forwardOriginalToken unset).
#[test]
fn a_verified_token_changes_the_request_headers_as_envoy_does() {
    use mesh_policy::jwt::{TokenLocation, header_mutations};
    let k = keys();
    let r: mesh_model::security::JwtRule = serde_json::from_value(serde_json::json!({
        "issuer": "https://issuer.example", "jwks": k.jwks,
        "fromHeaders": [{"name": "X-Token", "prefix": "Bearer "}],
        "outputPayloadToHeader": "x-jwt-payload",
        "outputClaimToHeaders": [{"header": "x-jwt-sub", "claim": "sub"}, {"header": "x-jwt-exp", "claim": "exp"}]
    }))
    .unwrap();
    let rule = CompiledJwtRule::new(&r, "foo/jwt");
    let token = sign(&k, "RS256", "rsa-1", claims());
    let headers = BTreeMap::from([("x-token".to_string(), format!("Bearer {token}"))]);
    let src = TokenSource { headers: &headers, path: "/" };
    let located = rule.extract_located(&src);
    assert_eq!(located.len(), 1);
    assert_eq!(located[0].0, TokenLocation::Header("x-token".into()));
    let jwks = Jwks::parse(&k.jwks).unwrap();
    let v = verify(&located[0].1, &rule, &jwks, NOW).unwrap();
    let m = header_mutations(&rule, &v, Some(&located[0].0));
    let payload_segment = token.split('.').nth(1).unwrap();
    assert_eq!(
        m.add,
        vec![
            ("x-jwt-payload".to_string(), payload_segment.to_string()),
            ("x-jwt-sub".to_string(), "alice".to_string()),
            ("x-jwt-exp".to_string(), (NOW + 3600).to_string()),
        ]
    );
    assert_eq!(m.remove, vec!["x-token".to_string()]);
    // The claims authorization sees still split `scope`; the copied payload keeps it whole.
    assert_eq!(v.claims["scope"], serde_json::json!(["read", "write"]));
    assert_eq!(v.payload["scope"], "read write");
}
