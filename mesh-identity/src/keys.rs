//! Key pairs for CAs and workloads: generated from the caller's randomness, or loaded from
//! PKCS#8. The library never draws randomness itself.

use std::fmt;
use std::str::FromStr;

/// A source of cryptographically secure random bytes, supplied by the caller (the operating
/// system's generator in a binary, a seeded generator in tests).
pub trait Entropy {
    /// Fills `dest` with random bytes.
    fn fill(&mut self, dest: &mut [u8]);
}

impl<E: Entropy + ?Sized> Entropy for &mut E {
    fn fill(&mut self, dest: &mut [u8]) {
        (**self).fill(dest)
    }
}

/// Adapts an [`Entropy`] to `rand_core` 0.6, for the key generators that take an RNG.
struct RandAdapter<'a>(&'a mut dyn Entropy);

impl rand_core::RngCore for RandAdapter<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

// The caller promises a cryptographically secure source (see `Entropy`).
impl rand_core::CryptoRng for RandAdapter<'_> {}

/// Key algorithms the CA generates and signs with.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256 (the default, as in Istio).
    #[default]
    EcP256,
    /// ECDSA on P-384 with SHA-384.
    EcP384,
    /// RSA 2048 bits, PKCS#1 v1.5 with SHA-256.
    Rsa2048,
    /// RSA 3072 bits, PKCS#1 v1.5 with SHA-256.
    Rsa3072,
    /// RSA 4096 bits, PKCS#1 v1.5 with SHA-256.
    Rsa4096,
    /// Ed25519.
    Ed25519,
}

/// Why a key could not be made or loaded.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key type name is not one of `ec-p256`, `ec-p384`, `rsa-2048`, `rsa-3072`,
    /// `rsa-4096`, `ed25519`.
    #[error("unknown key type {0:?}; expected ec-p256, ec-p384, rsa-2048, rsa-3072, rsa-4096 or ed25519")]
    UnknownKeyType(String),
    /// The PKCS#8 document is not a private key of a supported type.
    #[error("the private key is not a PKCS#8 ECDSA P-256/P-384, RSA (2048 bits or more) or Ed25519 key: {0}")]
    Unsupported(String),
    /// The PEM text holds no `PRIVATE KEY` block.
    #[error("the PEM text holds no \"PRIVATE KEY\" block (PKCS#8 is required)")]
    NoPkcs8Block,
    /// Key generation failed (the random source kept producing unusable values).
    #[error("key generation failed: {0}")]
    Generation(String),
}

// === impl KeyType ===

impl KeyType {
    /// The name used on the command line: `ec-p256`, `ec-p384`, `rsa-2048`, ...
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcP256 => "ec-p256",
            KeyType::EcP384 => "ec-p384",
            KeyType::Rsa2048 => "rsa-2048",
            KeyType::Rsa3072 => "rsa-3072",
            KeyType::Rsa4096 => "rsa-4096",
            KeyType::Ed25519 => "ed25519",
        }
    }

    /// Whether this is an RSA key (leaf certificates then also get `keyEncipherment`).
    pub fn is_rsa(self) -> bool {
        matches!(self, KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096)
    }

    pub(crate) fn algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            KeyType::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyType::EcP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => &rcgen::PKCS_RSA_SHA256,
            KeyType::Ed25519 => &rcgen::PKCS_ED25519,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "ec-p256" => KeyType::EcP256,
            "ec-p384" => KeyType::EcP384,
            "rsa-2048" => KeyType::Rsa2048,
            "rsa-3072" => KeyType::Rsa3072,
            "rsa-4096" => KeyType::Rsa4096,
            "ed25519" => KeyType::Ed25519,
            other => return Err(KeyError::UnknownKeyType(other.to_string())),
        })
    }
}

/// A private key with its algorithm, ready to sign certificates.
pub struct KeyPair {
    key_type: KeyType,
    inner: rcgen::KeyPair,
}

// === impl KeyPair ===

impl KeyPair {
    /// Generates a key of `key_type` from the caller's randomness.
    ///
    /// ECDSA scalars and Ed25519 seeds are drawn directly from `entropy`; RSA primes are
    /// searched with it as the random source.
    pub fn generate(key_type: KeyType, entropy: &mut dyn Entropy) -> Result<Self, KeyError> {
        let pkcs8 = match key_type {
            KeyType::EcP256 => ec_pkcs8::<32>(entropy, |b| {
                let sk = p256::SecretKey::from_slice(b).ok()?;
                p256::pkcs8::EncodePrivateKey::to_pkcs8_der(&sk).ok().map(|d| d.as_bytes().to_vec())
            })?,
            KeyType::EcP384 => ec_pkcs8::<48>(entropy, |b| {
                let sk = p384::SecretKey::from_slice(b).ok()?;
                p384::pkcs8::EncodePrivateKey::to_pkcs8_der(&sk).ok().map(|d| d.as_bytes().to_vec())
            })?,
            KeyType::Rsa2048 | KeyType::Rsa3072 | KeyType::Rsa4096 => {
                let bits = match key_type {
                    KeyType::Rsa3072 => 3072,
                    KeyType::Rsa4096 => 4096,
                    _ => 2048,
                };
                let key = rsa::RsaPrivateKey::new(&mut RandAdapter(entropy), bits)
                    .map_err(|e| KeyError::Generation(e.to_string()))?;
                rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key)
                    .map_err(|e| KeyError::Generation(e.to_string()))?
                    .as_bytes()
                    .to_vec()
            }
            KeyType::Ed25519 => {
                let mut seed = [0u8; 32];
                entropy.fill(&mut seed);
                ed25519_pkcs8(&seed)?
            }
        };
        Self::from_pkcs8_der_as(&pkcs8, key_type)
    }

    /// Loads a PKCS#8 DER private key, detecting its type.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, KeyError> {
        let key_type = detect_type(der)?;
        Self::from_pkcs8_der_as(der, key_type)
    }

    fn from_pkcs8_der_as(der: &[u8], key_type: KeyType) -> Result<Self, KeyError> {
        let pkcs8 = rustls_pki_types::PrivatePkcs8KeyDer::from(der);
        let inner = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, key_type.algorithm())
            .map_err(|e| KeyError::Unsupported(e.to_string()))?;
        Ok(KeyPair { key_type, inner })
    }

    /// Loads the first `PRIVATE KEY` (PKCS#8) block of a PEM text.
    pub fn from_pkcs8_pem(text: &str) -> Result<Self, KeyError> {
        let blocks = pem::parse_many(text).map_err(|_| KeyError::NoPkcs8Block)?;
        let block = blocks.iter().find(|b| b.tag() == "PRIVATE KEY").ok_or(KeyError::NoPkcs8Block)?;
        Self::from_pkcs8_der(block.contents())
    }

    /// The key's algorithm.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The PKCS#8 DER document.
    pub fn pkcs8_der(&self) -> &[u8] {
        self.inner.serialized_der()
    }

    /// The PKCS#8 document as PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pkcs8_pem(&self) -> String {
        crate::encoding::pem_encode("PRIVATE KEY", self.pkcs8_der())
    }

    /// The DER SubjectPublicKeyInfo of the public half.
    pub fn public_key_der(&self) -> Vec<u8> {
        rcgen::PublicKeyData::subject_public_key_info(&self.inner)
    }

    pub(crate) fn rcgen(&self) -> &rcgen::KeyPair {
        &self.inner
    }

    pub(crate) fn into_rcgen(self) -> rcgen::KeyPair {
        self.inner
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair").field("key_type", &self.key_type).finish_non_exhaustive()
    }
}

/// Draws scalars until one is in range (the chance of a redraw is about 2^-32 for P-256).
fn ec_pkcs8<const N: usize>(
    entropy: &mut dyn Entropy,
    make: impl Fn(&[u8]) -> Option<Vec<u8>>,
) -> Result<Vec<u8>, KeyError> {
    let mut buf = [0u8; N];
    for _ in 0..64 {
        entropy.fill(&mut buf);
        if let Some(der) = make(&buf) {
            return Ok(der);
        }
    }
    Err(KeyError::Generation("no valid ECDSA scalar in 64 draws; the random source is broken".to_string()))
}

/// A PKCS#8 v1 document (RFC 8410 section 7) for an Ed25519 seed. Version 1, without the
/// optional public key, because OpenSSL 3.0 does not read the version 2 form.
fn ed25519_pkcs8(seed: &[u8; 32]) -> Result<Vec<u8>, KeyError> {
    let mut der =
        vec![0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
    der.extend_from_slice(seed);
    Ok(der)
}

/// Reads the algorithm OID (and EC curve) of a PKCS#8 document.
fn detect_type(der: &[u8]) -> Result<KeyType, KeyError> {
    use x509_parser::der_parser::ber::BerObjectContent;
    use x509_parser::der_parser::der::parse_der;
    let unsupported = || KeyError::Unsupported("not a PKCS#8 PrivateKeyInfo".to_string());
    let (_, obj) = parse_der(der).map_err(|_| unsupported())?;
    let BerObjectContent::Sequence(items) = &obj.content else { return Err(unsupported()) };
    let alg = items.get(1).ok_or_else(unsupported)?;
    let BerObjectContent::Sequence(alg_items) = &alg.content else { return Err(unsupported()) };
    let oid = alg_items.first().and_then(|o| o.as_oid().ok()).ok_or_else(unsupported)?.to_id_string();
    let param = alg_items.get(1).and_then(|o| o.as_oid().ok()).map(|o| o.to_id_string());
    match (oid.as_str(), param.as_deref()) {
        ("1.2.840.10045.2.1", Some("1.2.840.10045.3.1.7")) => Ok(KeyType::EcP256),
        ("1.2.840.10045.2.1", Some("1.3.132.0.34")) => Ok(KeyType::EcP384),
        ("1.3.101.112", _) => Ok(KeyType::Ed25519),
        ("1.2.840.113549.1.1.1", _) => {
            let key = <rsa::RsaPrivateKey as rsa::pkcs8::DecodePrivateKey>::from_pkcs8_der(der)
                .map_err(|e| KeyError::Unsupported(e.to_string()))?;
            let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
            match bits {
                b if b < 2048 => {
                    Err(KeyError::Unsupported(format!("an RSA key of {b} bits is under 2048 bits")))
                }
                b if b < 3072 => Ok(KeyType::Rsa2048),
                b if b < 4096 => Ok(KeyType::Rsa3072),
                _ => Ok(KeyType::Rsa4096),
            }
        }
        (other, p) => Err(KeyError::Unsupported(format!("algorithm {other} (parameters {p:?})"))),
    }
}
