//! Token verification: format, issuer, time, audience, then signature (Envoy `jwt_authn`'s
//! order), producing the request principal `iss/sub` and the claims authorization reads.

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey, VerificationAlgorithm};
use serde_json::{Map, Value};

use super::DEFAULT_CLOCK_SKEW_SECS;
use super::base64::decode;
use super::jwks::{Jwk, Jwks};
use super::rules::{CompiledJwtRule, TokenSource};
use crate::authz::RequestAuth;

/// Why a token was rejected (Envoy answers 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// Not three base64url parts of JSON, such as `"abc"` or a header that is not JSON.
    #[error("the JWT is malformed: {0}")]
    Malformed(String),
    /// An algorithm outside RS/PS 256/384/512 and ES256/ES384, such as `none` or `HS256`.
    #[error("the JWT algorithm {0:?} is not supported")]
    UnsupportedAlgorithm(String),
    /// No rule of the workload accepts the token's issuer.
    #[error("the JWT issuer {0:?} is not configured for this workload")]
    UnknownIssuer(String),
    /// The token's audiences are not among the rule's `audiences`.
    #[error("the JWT audiences {0:?} are not allowed")]
    AudienceNotAllowed(Vec<String>),
    /// `exp` has passed (beyond the clock skew).
    #[error("the JWT expired at {exp} (now {now})")]
    Expired {
        /// The `exp` claim.
        exp: i64,
        /// The caller's time.
        now: i64,
    },
    /// `nbf` is still ahead (beyond the clock skew).
    #[error("the JWT is not valid before {nbf} (now {now})")]
    NotYetValid {
        /// The `nbf` claim.
        nbf: i64,
        /// The caller's time.
        now: i64,
    },
    /// No key set is available for the rule (none inline, none passed in), or it did not parse.
    #[error("no usable JWKS for issuer {0:?}")]
    NoKeys(String),
    /// No key of the set verifies the signature.
    #[error("the JWT signature does not verify with any key of the issuer's JWKS")]
    BadSignature,
}

/// A verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    /// `iss`.
    pub issuer: String,
    /// `sub` (empty when absent).
    pub subject: String,
    /// The request principal, `iss/sub`.
    pub principal: String,
    /// `aud` as a list.
    pub audiences: Vec<String>,
    /// `azp`.
    pub presenter: Option<String>,
    /// The payload, space-delimited claims split into lists.
    pub claims: Map<String, Value>,
    /// The payload as the token carries it (claims unsplit): what Envoy copies to headers.
    pub payload: Map<String, Value>,
    /// The payload segment of the token (base64url, unpadded), as Envoy forwards it.
    pub payload_b64: String,
}

impl Verified {
    /// The view authorization reads.
    pub fn as_auth(&self) -> RequestAuth<'_> {
        RequestAuth {
            issuer: &self.issuer,
            subject: &self.subject,
            audiences: &self.audiences,
            presenter: self.presenter.as_deref(),
            claims: &self.claims,
        }
    }
}

struct Parsed {
    alg: String,
    kid: Option<String>,
    signed: String,
    signature: Vec<u8>,
    payload: Map<String, Value>,
    payload_b64: String,
}

fn parse(token: &str) -> Result<Parsed, JwtError> {
    let bad = |m: &str| JwtError::Malformed(m.to_string());
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad("a JWT has three dot-separated parts"));
    };
    let header: Value = decode(h)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("the header is not base64url JSON"))?;
    let payload: Value = decode(p)
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| bad("the payload is not base64url JSON"))?;
    let Value::Object(payload) = payload else { return Err(bad("the payload is not a JSON object")) };
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the header has no \"alg\""))?
        .to_string();
    let kid = header.get("kid").and_then(Value::as_str).map(str::to_string);
    let signature = decode(s).ok_or_else(|| bad("the signature is not base64url"))?;
    Ok(Parsed { alg, kid, signed: format!("{h}.{p}"), signature, payload, payload_b64: p.to_string() })
}

fn num(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

fn audiences(payload: &Map<String, Value>) -> Vec<String> {
    match payload.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

fn rsa_alg(alg: &str) -> Option<&'static signature::RsaParameters> {
    Some(match alg {
        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
        "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
        "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
        "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
        "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn ec_alg(alg: &str) -> Option<(&'static dyn VerificationAlgorithm, &'static str)> {
    Some(match alg {
        "ES256" => (&signature::ECDSA_P256_SHA256_FIXED, "P-256"),
        "ES384" => (&signature::ECDSA_P384_SHA384_FIXED, "P-384"),
        _ => return None,
    })
}

fn signature_ok(t: &Parsed, jwks: &Jwks) -> bool {
    let candidates = jwks.keys.iter().filter(|k| match (&t.kid, k.kid()) {
        (Some(want), Some(have)) => want == have,
        _ => true,
    });
    for k in candidates {
        if k.alg().is_some_and(|a| a != t.alg) {
            continue;
        }
        let ok = match k {
            Jwk::Rsa { n, e, .. } => rsa_alg(&t.alg).is_some_and(|alg| {
                RsaPublicKeyComponents { n, e }.verify(alg, t.signed.as_bytes(), &t.signature).is_ok()
            }),
            Jwk::Ec { crv, point, .. } => ec_alg(&t.alg).is_some_and(|(alg, c)| {
                c == crv
                    && UnparsedPublicKey::new(alg, point).verify(t.signed.as_bytes(), &t.signature).is_ok()
            }),
        };
        if ok {
            return true;
        }
    }
    false
}

/// Verifies `token` against `rule` with `jwks` at `now` (seconds since the Unix epoch),
/// allowing Envoy's default 60 s of clock skew.
pub fn verify(token: &str, rule: &CompiledJwtRule, jwks: &Jwks, now: i64) -> Result<Verified, JwtError> {
    let t = parse(token)?;
    if rsa_alg(&t.alg).is_none() && ec_alg(&t.alg).is_none() {
        return Err(JwtError::UnsupportedAlgorithm(t.alg));
    }
    let issuer = t.payload.get("iss").and_then(Value::as_str).unwrap_or_default().to_string();
    if !rule.issuer.is_empty() && issuer != rule.issuer {
        return Err(JwtError::UnknownIssuer(issuer));
    }
    let skew = DEFAULT_CLOCK_SKEW_SECS;
    if let Some(nbf) = num(t.payload.get("nbf"))
        && nbf > now.saturating_add(skew)
    {
        return Err(JwtError::NotYetValid { nbf, now });
    }
    if let Some(exp) = num(t.payload.get("exp"))
        && now > exp.saturating_add(skew)
    {
        return Err(JwtError::Expired { exp, now });
    }
    let aud = audiences(&t.payload);
    if !rule.audiences.is_empty() && !aud.iter().any(|a| rule.audiences.contains(a)) {
        return Err(JwtError::AudienceNotAllowed(aud));
    }
    if !signature_ok(&t, jwks) {
        return Err(JwtError::BadSignature);
    }
    let payload = t.payload.clone();
    let mut claims = t.payload;
    for name in &rule.space_delimited_claims {
        if let Some(Value::String(s)) = claims.get(name) {
            let list = s.split(' ').filter(|p| !p.is_empty()).map(|p| Value::String(p.to_string())).collect();
            claims.insert(name.clone(), Value::Array(list));
        }
    }
    let subject = claims.get("sub").and_then(Value::as_str).unwrap_or_default().to_string();
    Ok(Verified {
        principal: format!("{issuer}/{subject}"),
        issuer,
        subject,
        audiences: aud,
        presenter: claims.get("azp").and_then(Value::as_str).map(str::to_string),
        claims,
        payload,
        payload_b64: t.payload_b64,
    })
}

/// Authenticates a request against the workload's `rules`: `Ok(None)` when it carries no
/// token, the first token's result when every token verifies, else the first failure.
/// `keys` gives the key set of a rule without an inline `jwks` (what the caller fetched from
/// its `jwksUri`).
pub fn authenticate<'k>(
    rules: &[&CompiledJwtRule],
    src: &TokenSource<'_>,
    keys: &dyn Fn(&CompiledJwtRule) -> Option<&'k Jwks>,
    now: i64,
) -> Result<Option<Verified>, JwtError> {
    let mut tokens: Vec<String> = Vec::new();
    for r in rules {
        for t in r.extract(src) {
            if !tokens.iter().any(|x| *x == t) {
                tokens.push(t.into_owned());
            }
        }
    }
    let mut first = None;
    for token in &tokens {
        let issuer = parse(token)?.payload.get("iss").and_then(Value::as_str).unwrap_or_default().to_string();
        let rule = rules
            .iter()
            .find(|r| r.issuer == issuer)
            .ok_or_else(|| JwtError::UnknownIssuer(issuer.clone()))?;
        let jwks = match &rule.jwks {
            Some(Ok(j)) => j,
            Some(Err(_)) => return Err(JwtError::NoKeys(issuer)),
            None => keys(rule).ok_or_else(|| JwtError::NoKeys(issuer.clone()))?,
        };
        let v = verify(token, rule, jwks, now)?;
        first.get_or_insert(v);
    }
    Ok(first)
}
