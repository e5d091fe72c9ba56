//! JSON Web Key Sets (RFC 7517): the public keys tokens are verified with.

use super::base64::decode;

/// Why a JWKS was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    /// The text is not JSON, such as `"{keys"`.
    #[error("the JWKS is not JSON: {0}")]
    Json(String),
    /// The document has no `keys` array, such as `{"kty": "RSA"}`.
    #[error("the JWKS has no \"keys\" array")]
    NoKeys,
    /// No key of the set is usable (an RSA or EC P-256/P-384 public key).
    #[error("the JWKS holds no usable RSA or EC public key")]
    NoUsableKey,
}

/// One public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Jwk {
    /// An RSA key: modulus and exponent, big-endian.
    Rsa {
        /// `kid`.
        kid: Option<String>,
        /// `alg`, when the key pins one.
        alg: Option<String>,
        /// `n`.
        n: Vec<u8>,
        /// `e`.
        e: Vec<u8>,
    },
    /// An EC key on P-256 or P-384: the uncompressed point `04 || x || y`.
    Ec {
        /// `kid`.
        kid: Option<String>,
        /// `alg`, when the key pins one.
        alg: Option<String>,
        /// `P-256` or `P-384`.
        crv: String,
        /// `04 || x || y`.
        point: Vec<u8>,
    },
}

impl Jwk {
    /// The key's `kid`.
    pub fn kid(&self) -> Option<&str> {
        match self {
            Jwk::Rsa { kid, .. } | Jwk::Ec { kid, .. } => kid.as_deref(),
        }
    }

    /// The key's `alg`.
    pub fn alg(&self) -> Option<&str> {
        match self {
            Jwk::Rsa { alg, .. } | Jwk::Ec { alg, .. } => alg.as_deref(),
        }
    }
}

/// A parsed key set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Jwks {
    /// The usable keys, in document order; unusable entries are skipped.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// Parses a JWKS document; keys of other types (`oct`, `OKP`) or malformed keys are
    /// skipped, as Envoy skips them, but a set left empty is an error.
    pub fn parse(text: &str) -> Result<Jwks, JwksError> {
        let v: serde_json::Value = serde_json::from_str(text).map_err(|e| JwksError::Json(e.to_string()))?;
        let keys = v.get("keys").and_then(|k| k.as_array()).ok_or(JwksError::NoKeys)?;
        let s = |k: &serde_json::Value, f: &str| k.get(f).and_then(|x| x.as_str()).map(str::to_string);
        let mut out = Vec::new();
        for k in keys {
            let (kid, alg) = (s(k, "kid"), s(k, "alg"));
            match s(k, "kty").as_deref() {
                Some("RSA") => {
                    if let (Some(n), Some(e)) =
                        (s(k, "n").and_then(|n| decode(&n)), s(k, "e").and_then(|e| decode(&e)))
                    {
                        out.push(Jwk::Rsa { kid, alg, n, e });
                    }
                }
                Some("EC") => {
                    let crv = s(k, "crv").unwrap_or_default();
                    let size = match crv.as_str() {
                        "P-256" => 32,
                        "P-384" => 48,
                        _ => continue,
                    };
                    if let (Some(x), Some(y)) =
                        (s(k, "x").and_then(|x| decode(&x)), s(k, "y").and_then(|y| decode(&y)))
                        && x.len() == size
                        && y.len() == size
                    {
                        let mut point = vec![4u8];
                        point.extend(x);
                        point.extend(y);
                        out.push(Jwk::Ec { kid, alg, crv, point });
                    }
                }
                _ => {}
            }
        }
        if out.is_empty() {
            return Err(JwksError::NoUsableKey);
        }
        Ok(Jwks { keys: out })
    }
}
