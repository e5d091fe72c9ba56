//! X.509-SVIDs: what a certificate says (SPIFFE ID, constraints, key usage, validity), and
//! the leaf and signing-certificate rules of the X509-SVID standard (spiffe/spiffe
//! `standards/X509-SVID.md` sections 2 to 5).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::spiffe_id::{SpiffeId, SpiffeIdError};

/// Why a certificate chain is not a valid X.509-SVID, or does not verify.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvidError {
    /// No certificate at all (go-spiffe verify_test.go: "empty chain").
    #[error("the certificate chain is empty")]
    EmptyChain,
    /// A certificate is not valid DER X.509.
    #[error("certificate {index} of the chain cannot be parsed: {reason}")]
    Malformed {
        /// Position in the chain (0 is the leaf).
        index: usize,
        /// The parser's complaint.
        reason: String,
    },
    /// The leaf has no URI SAN, so no SPIFFE ID (go-spiffe: "no URI SAN").
    #[error("the leaf certificate has no URI SAN, so no SPIFFE ID")]
    NoUriSan,
    /// The leaf has more than one URI SAN (X509-SVID 2: validators MUST reject it).
    #[error("the leaf certificate has {count} URI SANs; an X.509-SVID has exactly one")]
    MultipleUriSans {
        /// How many URI SANs it has.
        count: usize,
    },
    /// The leaf's URI SAN is not a valid SPIFFE ID.
    #[error("the leaf certificate's URI SAN {uri:?} is not a valid SPIFFE ID: {source}")]
    InvalidSpiffeId {
        /// The URI.
        uri: String,
        /// Why it is not a SPIFFE ID.
        source: SpiffeIdError,
    },
    /// The leaf's SPIFFE ID has no path (X509-SVID 3.1: leaf IDs MUST have a non-root path).
    #[error("the leaf certificate's SPIFFE ID {id:?} has no path; a leaf SVID's ID must have one")]
    LeafIdWithoutPath {
        /// The ID.
        id: String,
    },
    /// The leaf has `cA: true` (X509-SVID 4.1, 5.2).
    #[error("the leaf certificate has the CA flag set to true")]
    LeafIsCa,
    /// The leaf has no key usage extension (X509-SVID 4.3: MUST be set on all SVIDs).
    #[error("the leaf certificate has no key usage extension")]
    LeafMissingKeyUsage,
    /// The leaf lacks `digitalSignature` (X509-SVID 4.3).
    #[error("the leaf certificate lacks the 'digitalSignature' key usage")]
    LeafMissingDigitalSignature,
    /// The leaf has `keyCertSign` (X509-SVID 4.3, 5.2).
    #[error("the leaf certificate has the 'keyCertSign' key usage")]
    LeafHasKeyCertSign,
    /// The leaf has `cRLSign` (X509-SVID 4.3, 5.2).
    #[error("the leaf certificate has the 'cRLSign' key usage")]
    LeafHasCrlSign,
    /// The leaf has an extended key usage extension without both `serverAuth` and
    /// `clientAuth` (X509-SVID 4.4).
    #[error("the leaf certificate's extended key usage lacks serverAuth or clientAuth")]
    LeafEkuIncomplete,
    /// An intermediate lacks `cA: true` (X509-SVID 3.2).
    #[error("signing certificate {index} of the chain does not have the CA flag set to true")]
    SigningCertNotCa {
        /// Position in the chain.
        index: usize,
    },
    /// An intermediate lacks `keyCertSign` (X509-SVID 3.2, 4.3).
    #[error("signing certificate {index} of the chain lacks the 'keyCertSign' key usage")]
    SigningCertMissingKeyCertSign {
        /// Position in the chain.
        index: usize,
    },
    /// An intermediate's SPIFFE ID has a path (X509-SVID 3.2: it MUST NOT).
    #[error("signing certificate {index} of the chain has the SPIFFE ID {id:?}, which has a path")]
    SigningCertIdWithPath {
        /// Position in the chain.
        index: usize,
        /// The ID.
        id: String,
    },
    /// No bundle is known for the leaf's trust domain.
    #[error("no X.509 bundle is known for the trust domain {trust_domain:?}")]
    NoBundle {
        /// The leaf's trust domain.
        trust_domain: String,
    },
    /// The trust domain's bundle holds no root, so it trusts nothing.
    #[error("the X.509 bundle of the trust domain {trust_domain:?} holds no root")]
    EmptyBundle {
        /// The trust domain.
        trust_domain: String,
    },
    /// A certificate of the chain has expired at `now`.
    #[error("certificate {index} of the chain expired at {not_after} (now is {now})")]
    Expired {
        /// Position in the chain.
        index: usize,
        /// Its notAfter, RFC 3339.
        not_after: String,
        /// The verification time, RFC 3339.
        now: String,
    },
    /// A certificate of the chain is not valid yet at `now`.
    #[error("certificate {index} of the chain is not valid before {not_before} (now is {now})")]
    NotYetValid {
        /// Position in the chain.
        index: usize,
        /// Its notBefore, RFC 3339.
        not_before: String,
        /// The verification time, RFC 3339.
        now: String,
    },
    /// No path leads from the leaf to a root of its trust domain's bundle.
    #[error(
        "the chain does not lead to a root of the trust domain {trust_domain:?}'s bundle (unknown issuer)"
    )]
    UnknownIssuer {
        /// The leaf's trust domain.
        trust_domain: String,
    },
    /// A signature in the chain does not verify against the certificate named as its
    /// issuer (a tampered certificate, or a root of the same name that did not sign it).
    #[error(
        "a signature in the chain does not verify against its issuer; the chain does not lead to a trusted root"
    )]
    BadSignature,
    /// A CA's path length constraint is exceeded.
    #[error("the chain exceeds a CA's path length constraint")]
    PathLenConstraint,
    /// A certificate carries a critical extension that is not understood.
    #[error("a certificate of the chain has an unsupported critical extension")]
    UnsupportedCriticalExtension,
    /// Any other RFC 5280 path validation failure.
    #[error("the chain does not validate: {0}")]
    Chain(String),
    /// The private key does not belong to the leaf certificate.
    #[error("the private key does not match the leaf certificate's public key")]
    KeyMismatch,
}

/// What one certificate says, as far as SPIFFE cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Every URI SAN, in order.
    pub uri_sans: Vec<String>,
    /// `Some(true)` for `cA: true`, `Some(false)` for an explicit `cA: false`, `None` when the
    /// basic constraints extension is absent.
    pub ca: Option<bool>,
    /// The path length constraint, if any.
    pub path_len: Option<u32>,
    /// Key usage bits, `None` when the extension is absent.
    pub key_usage: Option<KeyUsageBits>,
    /// Whether the key usage extension is marked critical.
    pub key_usage_critical: bool,
    /// `(serverAuth, clientAuth)` of the extended key usage, `None` when absent.
    pub eku: Option<(bool, bool)>,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
    /// The serial number's bytes (big-endian, as encoded).
    pub serial: Vec<u8>,
    /// The DER SubjectPublicKeyInfo.
    pub spki: Vec<u8>,
}

/// The key usage bits the X509-SVID standard speaks of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsageBits {
    /// digitalSignature.
    pub digital_signature: bool,
    /// keyEncipherment.
    pub key_encipherment: bool,
    /// keyAgreement.
    pub key_agreement: bool,
    /// keyCertSign.
    pub key_cert_sign: bool,
    /// cRLSign.
    pub crl_sign: bool,
}

pub(crate) fn unix_to_system(secs: i64) -> SystemTime {
    if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs())).unwrap_or(UNIX_EPOCH)
    }
}

// === impl CertInfo ===

impl CertInfo {
    /// Parses one DER certificate (`index` only names it in errors).
    pub fn parse(der: &[u8], index: usize) -> Result<CertInfo, SvidError> {
        let malformed = |reason: String| SvidError::Malformed { index, reason };
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(malformed(format!("{} trailing bytes after the certificate", rest.len())));
        }
        Self::from_parsed(&cert, index)
    }

    pub(crate) fn from_parsed(cert: &X509Certificate<'_>, index: usize) -> Result<CertInfo, SvidError> {
        let malformed = |reason: String| SvidError::Malformed { index, reason };
        let mut uri_sans = Vec::new();
        if let Some(san) = cert.subject_alternative_name().map_err(|e| malformed(e.to_string()))? {
            for name in &san.value.general_names {
                if let GeneralName::URI(u) = name {
                    uri_sans.push((*u).to_string());
                }
            }
        }
        let bc = cert.basic_constraints().map_err(|e| malformed(e.to_string()))?;
        let ku = cert.key_usage().map_err(|e| malformed(e.to_string()))?;
        let eku = cert.extended_key_usage().map_err(|e| malformed(e.to_string()))?;
        let validity = cert.validity();
        Ok(CertInfo {
            uri_sans,
            ca: bc.as_ref().map(|b| b.value.ca),
            path_len: bc.as_ref().and_then(|b| b.value.path_len_constraint),
            key_usage_critical: ku.as_ref().is_some_and(|k| k.critical),
            key_usage: ku.map(|k| KeyUsageBits {
                digital_signature: k.value.digital_signature(),
                key_encipherment: k.value.key_encipherment(),
                key_agreement: k.value.key_agreement(),
                key_cert_sign: k.value.key_cert_sign(),
                crl_sign: k.value.crl_sign(),
            }),
            eku: eku.map(|e| (e.value.server_auth || e.value.any, e.value.client_auth || e.value.any)),
            not_before: unix_to_system(validity.not_before.timestamp()),
            not_after: unix_to_system(validity.not_after.timestamp()),
            serial: cert.raw_serial().to_vec(),
            spki: cert.public_key().raw.to_vec(),
        })
    }

    /// The certificate's single SPIFFE ID (exactly one URI SAN that is a SPIFFE ID).
    pub fn spiffe_id(&self) -> Result<SpiffeId, SvidError> {
        match self.uri_sans.as_slice() {
            [] => Err(SvidError::NoUriSan),
            [uri] => {
                SpiffeId::parse(uri).map_err(|source| SvidError::InvalidSpiffeId { uri: uri.clone(), source })
            }
            many => Err(SvidError::MultipleUriSans { count: many.len() }),
        }
    }

    /// Whether `now` lies within `[notBefore, notAfter]`.
    pub fn is_valid_at(&self, now: SystemTime) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// Checks the leaf rules of X509-SVID sections 3.1, 4 and 5.2 and returns its SPIFFE ID.
pub fn check_leaf(leaf: &CertInfo) -> Result<SpiffeId, SvidError> {
    let id = leaf.spiffe_id()?;
    if id.path().is_empty() {
        return Err(SvidError::LeafIdWithoutPath { id: id.to_string() });
    }
    if leaf.ca == Some(true) {
        return Err(SvidError::LeafIsCa);
    }
    let ku = leaf.key_usage.ok_or(SvidError::LeafMissingKeyUsage)?;
    if ku.key_cert_sign {
        return Err(SvidError::LeafHasKeyCertSign);
    }
    if ku.crl_sign {
        return Err(SvidError::LeafHasCrlSign);
    }
    if !ku.digital_signature {
        return Err(SvidError::LeafMissingDigitalSignature);
    }
    if let Some((server, client)) = leaf.eku
        && !(server && client)
    {
        return Err(SvidError::LeafEkuIncomplete);
    }
    Ok(id)
}

/// Checks the signing-certificate rules of X509-SVID section 3.2 for the certificate at
/// position `index` of a chain.
pub fn check_signing_cert(cert: &CertInfo, index: usize) -> Result<(), SvidError> {
    if cert.ca != Some(true) {
        return Err(SvidError::SigningCertNotCa { index });
    }
    if !cert.key_usage.is_some_and(|k| k.key_cert_sign) {
        return Err(SvidError::SigningCertMissingKeyCertSign { index });
    }
    for uri in &cert.uri_sans {
        if let Ok(id) = SpiffeId::parse(uri)
            && !id.path().is_empty()
        {
            return Err(SvidError::SigningCertIdWithPath { index, id: id.to_string() });
        }
    }
    Ok(())
}

/// An X.509-SVID: a leaf and its intermediates (leaf first), checked against the standard's
/// leaf and signing-certificate rules, with its SPIFFE ID. Not yet verified against a bundle
/// (see [`crate::Verifier`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct X509Svid {
    id: SpiffeId,
    chain: Vec<Vec<u8>>,
    leaf: CertInfo,
}

// === impl X509Svid ===

impl X509Svid {
    /// Parses and checks a DER chain, leaf first (go-spiffe `ParseX509SVID` rules).
    pub fn from_der_chain(chain: Vec<Vec<u8>>) -> Result<Self, SvidError> {
        let first = chain.first().ok_or(SvidError::EmptyChain)?;
        let leaf = CertInfo::parse(first, 0)?;
        let id = check_leaf(&leaf)?;
        for (i, der) in chain.iter().enumerate().skip(1) {
            check_signing_cert(&CertInfo::parse(der, i)?, i)?;
        }
        Ok(X509Svid { id, chain, leaf })
    }

    /// Parses a PEM chain (`CERTIFICATE` blocks, leaf first).
    pub fn from_pem_chain(text: &str) -> Result<Self, crate::IdentityError> {
        Ok(Self::from_der_chain(crate::encoding::certs_from_pem(text)?)?)
    }

    /// Checks that `key` is the private half of the leaf's public key.
    pub fn check_key(&self, key: &crate::KeyPair) -> Result<(), SvidError> {
        if key.public_key_der() == self.leaf.spki { Ok(()) } else { Err(SvidError::KeyMismatch) }
    }

    /// The SPIFFE ID.
    pub fn spiffe_id(&self) -> &SpiffeId {
        &self.id
    }

    /// The DER chain, leaf first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// What the leaf says.
    pub fn leaf(&self) -> &CertInfo {
        &self.leaf
    }
}
