//! JWT verification on arbitrary tokens and key sets: JWKS parsing and token verification
//! never panic, and a token that verifies names the rule's issuer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_model::security::JwtRule;
use mesh_policy::jwt::{CompiledJwtRule, Jwks, verify};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // token \n jwks \n issuer
    let mut parts = text.splitn(3, '\n');
    let token = parts.next().unwrap_or("");
    let jwks_text = parts.next().unwrap_or("{\"keys\": []}");
    let issuer = parts.next().unwrap_or("https://issuer.example");
    let Ok(jwks) = Jwks::parse(jwks_text) else { return };
    let rule = JwtRule { issuer: Some(issuer.to_string()), ..Default::default() };
    let compiled = CompiledJwtRule::new(&rule, "default/fuzz");
    if let Ok(v) = verify(token, &compiled, &jwks, 1_800_000_000) {
        assert_eq!(v.issuer, issuer, "a verified token carries the rule's issuer");
    }
});
