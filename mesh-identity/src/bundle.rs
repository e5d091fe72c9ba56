//! Trust bundles: the X.509 roots of each trust domain (federation keeps several), read from
//! and written to PEM and the SPIFFE bundle format, a JWKS whose `x509-svid` keys carry one
//! certificate each (spiffe/spiffe `standards/SPIFFE_Trust_Domain_and_Bundle.md` section 4).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::encoding::{PemError, b64_std, b64_std_decode, b64_url, certs_from_pem, certs_to_pem};
use crate::trust_domain::TrustDomain;

/// Why a bundle could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The PEM text could not be read.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// The bundle document is not JSON.
    #[error("the SPIFFE bundle is not valid JSON: {0}")]
    InvalidJson(String),
    /// The JWKS has no `keys` member (section 4.1.3: it MUST be present).
    #[error("the SPIFFE bundle has no \"keys\" member")]
    NoKeys,
    /// A key is not a JSON object.
    #[error("keys[{index}] of the SPIFFE bundle is not an object")]
    KeyNotObject {
        /// Position in `keys`.
        index: usize,
    },
    /// An `x509-svid` key does not hold exactly one certificate in `x5c` (section 4.2.1).
    #[error("keys[{index}] (use x509-svid) holds {count} certificates in x5c; exactly one is required")]
    X5cCount {
        /// Position in `keys`.
        index: usize,
        /// How many certificates it holds.
        count: usize,
    },
    /// An `x5c` entry is not standard base64.
    #[error("keys[{index}].x5c[0] is not valid base64")]
    BadBase64 {
        /// Position in `keys`.
        index: usize,
    },
    /// A root is not a parsable X.509 certificate.
    #[error("root {index} of the bundle is not a valid X.509 certificate: {reason}")]
    BadCertificate {
        /// Position of the root (in `keys` for a JWKS, in the PEM text otherwise).
        index: usize,
        /// The parser's complaint.
        reason: String,
    },
    /// A numeric member has the wrong type.
    #[error("the SPIFFE bundle member {member:?} must be a non-negative integer")]
    BadNumber {
        /// `spiffe_sequence` or `spiffe_refresh_hint`.
        member: &'static str,
    },
}

/// The X.509 roots of one trust domain.
///
/// # Examples
/// ```
/// use mesh_identity::{TrustDomain, X509Bundle};
/// let td = TrustDomain::parse("example.org")?;
/// let bundle = X509Bundle::new(td);
/// assert!(bundle.roots().is_empty());
/// assert!(bundle.to_jwks().contains("\"keys\""));
/// # Ok::<(), mesh_identity::SpiffeIdError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X509Bundle {
    trust_domain: TrustDomain,
    roots: Vec<Vec<u8>>,
    sequence: Option<u64>,
    refresh_hint: Option<u64>,
}

// === impl X509Bundle ===

impl X509Bundle {
    /// An empty bundle (it trusts nothing).
    pub fn new(trust_domain: TrustDomain) -> Self {
        X509Bundle { trust_domain, roots: Vec::new(), sequence: None, refresh_hint: None }
    }

    /// A bundle of DER roots; each must parse as X.509.
    pub fn from_der_roots(trust_domain: TrustDomain, roots: Vec<Vec<u8>>) -> Result<Self, BundleError> {
        let mut b = Self::new(trust_domain);
        for (i, r) in roots.into_iter().enumerate() {
            b.add_root_at(r, i)?;
        }
        Ok(b)
    }

    /// A bundle of every `CERTIFICATE` block of a PEM text.
    pub fn from_pem(trust_domain: TrustDomain, text: &str) -> Result<Self, BundleError> {
        Self::from_der_roots(trust_domain, certs_from_pem(text)?)
    }

    /// Reads the SPIFFE bundle format (a JWKS). Keys whose `use` is not `x509-svid` (JWT-SVID
    /// keys, unknown uses) are ignored, as go-spiffe's `x509bundle` does.
    pub fn from_jwks(trust_domain: TrustDomain, json: &str) -> Result<Self, BundleError> {
        let doc: Value = serde_json::from_str(json).map_err(|e| BundleError::InvalidJson(e.to_string()))?;
        let keys = doc.get("keys").and_then(Value::as_array).ok_or(BundleError::NoKeys)?;
        let mut b = Self::new(trust_domain);
        b.sequence = number(&doc, "spiffe_sequence")?;
        b.refresh_hint = number(&doc, "spiffe_refresh_hint")?;
        for (index, key) in keys.iter().enumerate() {
            let key = key.as_object().ok_or(BundleError::KeyNotObject { index })?;
            if key.get("use").and_then(Value::as_str) != Some("x509-svid") {
                continue;
            }
            let x5c = key.get("x5c").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if x5c.len() != 1 {
                return Err(BundleError::X5cCount { index, count: x5c.len() });
            }
            let der = x5c[0].as_str().and_then(b64_std_decode).ok_or(BundleError::BadBase64 { index })?;
            b.add_root_at(der, index)?;
        }
        Ok(b)
    }

    /// Writes the SPIFFE bundle format: one `x509-svid` JWK per root with `kty`, the key's
    /// public parameters (`crv`/`x`/`y`, or `n`/`e`) and `x5c`.
    pub fn to_jwks(&self) -> String {
        let keys: Vec<Value> = self.roots.iter().map(|r| jwk_of(r)).collect();
        let mut doc = Map::new();
        doc.insert("keys".to_string(), Value::Array(keys));
        if let Some(s) = self.sequence {
            doc.insert("spiffe_sequence".to_string(), json!(s));
        }
        if let Some(h) = self.refresh_hint {
            doc.insert("spiffe_refresh_hint".to_string(), json!(h));
        }
        serde_json::to_string_pretty(&Value::Object(doc)).unwrap_or_default()
    }

    /// The roots as consecutive PEM `CERTIFICATE` blocks.
    pub fn to_pem(&self) -> String {
        certs_to_pem(&self.roots)
    }

    fn add_root_at(&mut self, der: Vec<u8>, index: usize) -> Result<(), BundleError> {
        match X509Certificate::from_der(&der) {
            Ok(([], _)) => {}
            Ok(_) => return Err(BundleError::BadCertificate { index, reason: "trailing bytes".to_string() }),
            Err(e) => return Err(BundleError::BadCertificate { index, reason: e.to_string() }),
        }
        if !self.roots.contains(&der) {
            self.roots.push(der);
        }
        Ok(())
    }

    /// Adds a DER root (ignored when already present): during a root rotation both the old
    /// and the new root are trusted.
    pub fn add_root(&mut self, der: Vec<u8>) -> Result<(), BundleError> {
        let index = self.roots.len();
        self.add_root_at(der, index)
    }

    /// Removes a DER root; returns whether it was present.
    pub fn remove_root(&mut self, der: &[u8]) -> bool {
        let before = self.roots.len();
        self.roots.retain(|r| r != der);
        before != self.roots.len()
    }

    /// The trust domain.
    pub fn trust_domain(&self) -> &TrustDomain {
        &self.trust_domain
    }

    /// The DER roots, in order.
    pub fn roots(&self) -> &[Vec<u8>] {
        &self.roots
    }

    /// `spiffe_sequence`, if known.
    pub fn sequence(&self) -> Option<u64> {
        self.sequence
    }

    /// Sets `spiffe_sequence`.
    pub fn set_sequence(&mut self, sequence: Option<u64>) {
        self.sequence = sequence;
    }

    /// `spiffe_refresh_hint` in seconds, if known.
    pub fn refresh_hint(&self) -> Option<u64> {
        self.refresh_hint
    }

    /// Sets `spiffe_refresh_hint` in seconds.
    pub fn set_refresh_hint(&mut self, seconds: Option<u64>) {
        self.refresh_hint = seconds;
    }
}

fn number(doc: &Value, member: &'static str) -> Result<Option<u64>, BundleError> {
    match doc.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or(BundleError::BadNumber { member }),
    }
}

/// The JWK of a root: `use`, `kty`, public parameters, `x5c`.
fn jwk_of(der: &[u8]) -> Value {
    let mut k = Map::new();
    k.insert("use".to_string(), json!("x509-svid"));
    if let Ok((_, cert)) = X509Certificate::from_der(der) {
        let spki = cert.public_key();
        let curve =
            spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()).map(|o| o.to_id_string());
        match spki.parsed() {
            Ok(PublicKey::EC(point)) => {
                let data = point.data();
                let crv = match curve.as_deref() {
                    Some("1.2.840.10045.3.1.7") => "P-256",
                    Some("1.3.132.0.34") => "P-384",
                    Some("1.3.132.0.35") => "P-521",
                    _ => "unknown",
                };
                k.insert("kty".to_string(), json!("EC"));
                k.insert("crv".to_string(), json!(crv));
                if data.len() > 1 && data[0] == 4 {
                    let half = (data.len() - 1) / 2;
                    k.insert("x".to_string(), json!(b64_url(&data[1..1 + half])));
                    k.insert("y".to_string(), json!(b64_url(&data[1 + half..])));
                }
            }
            Ok(PublicKey::RSA(rsa)) => {
                k.insert("kty".to_string(), json!("RSA"));
                k.insert("n".to_string(), json!(b64_url(strip_zeros(rsa.modulus))));
                k.insert("e".to_string(), json!(b64_url(strip_zeros(rsa.exponent))));
            }
            _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => {
                k.insert("kty".to_string(), json!("OKP"));
                k.insert("crv".to_string(), json!("Ed25519"));
                k.insert("x".to_string(), json!(b64_url(&spki.subject_public_key.data)));
            }
            _ => {}
        }
    }
    k.insert("x5c".to_string(), json!([b64_std(der)]));
    Value::Object(k)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[i..]
}

/// The bundles of several trust domains (the local one and those it federates with).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BundleSet {
    bundles: BTreeMap<String, X509Bundle>,
}

// === impl BundleSet ===

impl BundleSet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the bundle of its trust domain.
    pub fn insert(&mut self, bundle: X509Bundle) {
        self.bundles.insert(bundle.trust_domain().name().to_string(), bundle);
    }

    /// Builder form of [`BundleSet::insert`].
    pub fn with(mut self, bundle: X509Bundle) -> Self {
        self.insert(bundle);
        self
    }

    /// The bundle of a trust domain.
    pub fn get(&self, trust_domain: &str) -> Option<&X509Bundle> {
        self.bundles.get(trust_domain)
    }

    /// The bundle of a trust domain, mutably (to add or remove roots).
    pub fn get_mut(&mut self, trust_domain: &str) -> Option<&mut X509Bundle> {
        self.bundles.get_mut(trust_domain)
    }

    /// Removes the bundle of a trust domain.
    pub fn remove(&mut self, trust_domain: &str) -> Option<X509Bundle> {
        self.bundles.remove(trust_domain)
    }

    /// Every bundle, by trust domain name.
    pub fn iter(&self) -> impl Iterator<Item = &X509Bundle> {
        self.bundles.values()
    }

    /// The number of trust domains.
    pub fn len(&self) -> usize {
        self.bundles.len()
    }

    /// Whether the set has no bundle.
    pub fn is_empty(&self) -> bool {
        self.bundles.is_empty()
    }
}
