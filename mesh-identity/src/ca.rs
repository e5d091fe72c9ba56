//! A workload CA: holds a root (or an intermediate under an external root) and issues
//! X.509-SVIDs as Istio's CA does (istio/istio `security/pkg/pki/ca`): exactly one URI SAN,
//! an empty subject (so the SAN is critical), `cA: false`, key usage digitalSignature (and
//! keyEncipherment for RSA keys), extended key usage serverAuth + clientAuth, a random serial
//! from the caller's entropy, a TTL of 24 h by default and at most 90 days.

use std::fmt;
use std::time::{Duration, SystemTime};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyUsagePurpose, PublicKeyData, SanType, SerialNumber,
};

use crate::encoding::{PemError, certs_from_pem, certs_to_pem};
use crate::keys::{Entropy, KeyError, KeyPair, KeyType};
use crate::spiffe_id::SpiffeId;
use crate::svid::{CertInfo, SvidError};
use crate::time_fmt::{format_rfc3339, to_offset};
use crate::trust_domain::TrustDomain;

/// Istio's default workload certificate TTL (`DEFAULT_WORKLOAD_CERT_TTL`, 24 h).
pub const DEFAULT_WORKLOAD_TTL: Duration = Duration::from_secs(24 * 3600);
/// Istio's default maximum workload certificate TTL (`MAX_WORKLOAD_CERT_TTL`, 90 days).
pub const DEFAULT_MAX_WORKLOAD_TTL: Duration = Duration::from_secs(2160 * 3600);
/// Istio's default self-signed root TTL (`CITADEL_SELF_SIGNED_CA_CERT_TTL`, 10 years).
pub const DEFAULT_ROOT_TTL: Duration = Duration::from_secs(87600 * 3600);

/// Formats a duration as Go does for whole hours or seconds (`24h`, `90s`).
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) && s > 0 {
        format!("{}h", s / 3600)
    } else if d.subsec_nanos() == 0 {
        format!("{s}s")
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

/// Why the CA refused or could not issue.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaError {
    /// A key could not be made or loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The CA's certificate PEM could not be read.
    #[error("the CA certificate: {0}")]
    Pem(#[from] PemError),
    /// The CA's certificate could not be parsed.
    #[error("the CA certificate: {0}")]
    CaCert(SvidError),
    /// The CA's certificate is not a signing certificate (`cA: true` and `keyCertSign`).
    #[error("the CA certificate cannot sign certificates: {0}")]
    NotACa(String),
    /// The CA's private key does not belong to its certificate.
    #[error("the CA private key does not match the CA certificate")]
    CaKeyMismatch,
    /// An X.509-SVID's ID must have a path (X509-SVID 3.1).
    #[error("the SPIFFE ID {id:?} has no path; a workload SVID's ID must have one")]
    IdWithoutPath {
        /// The requested ID.
        id: String,
    },
    /// The ID is outside the CA's trust domain.
    #[error("the SPIFFE ID {id:?} is not in the CA's trust domain {trust_domain:?}")]
    WrongTrustDomain {
        /// The requested ID.
        id: String,
        /// The CA's trust domain.
        trust_domain: String,
    },
    /// A TTL of zero.
    #[error("the requested TTL is zero")]
    ZeroTtl,
    /// The TTL is over the CA's maximum (Istio: "requested TTL ... is greater than the max
    /// allowed TTL ...").
    #[error("the requested TTL {ttl} is greater than the max allowed TTL {max}")]
    TtlOverMax {
        /// Requested, e.g. `3000h`.
        ttl: String,
        /// Allowed, e.g. `2160h`.
        max: String,
    },
    /// The CA's certificate is not valid at `now`.
    #[error("the CA certificate is not valid at {now} (valid {not_before} to {not_after})")]
    CaNotValid {
        /// The issuing time.
        now: String,
        /// The CA's notBefore.
        not_before: String,
        /// The CA's notAfter.
        not_after: String,
    },
    /// The CSR is malformed or its signature does not verify.
    #[error("the CSR is invalid: {0}")]
    CsrInvalid(String),
    /// The CSR does not ask for exactly the identity being granted.
    #[error("the CSR asks for the URI SANs {found:?}, not exactly the granted identity {requested:?}")]
    CsrIdentityMismatch {
        /// The identity the CA grants.
        requested: String,
        /// The URI SANs the CSR holds.
        found: Vec<String>,
    },
    /// The public key to certify is not a supported SubjectPublicKeyInfo.
    #[error("the public key is not a supported SubjectPublicKeyInfo: {0}")]
    PublicKeyInvalid(String),
    /// Signing failed.
    #[error("signing the certificate failed: {0}")]
    Signing(String),
}

/// TTL limits of a CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaPolicy {
    /// The TTL of a certificate whose request names none (Istio: 24 h).
    pub default_ttl: Duration,
    /// The longest TTL the CA grants (Istio: 2160 h).
    pub max_ttl: Duration,
}

impl Default for CaPolicy {
    fn default() -> Self {
        CaPolicy { default_ttl: DEFAULT_WORKLOAD_TTL, max_ttl: DEFAULT_MAX_WORKLOAD_TTL }
    }
}

/// The public key a certificate is issued for.
#[derive(Debug, Clone, Copy)]
pub enum SubjectKey<'a> {
    /// A PKCS#10 CSR (DER); its signature must verify and it must ask for exactly the granted
    /// SPIFFE ID as its one URI SAN.
    Csr(&'a [u8]),
    /// A DER SubjectPublicKeyInfo.
    PublicKey(&'a [u8]),
}

/// A certificate the CA issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedSvid {
    /// The SPIFFE ID it carries.
    pub spiffe_id: SpiffeId,
    /// The DER chain: the leaf, then the CA's chain (the CA certificate up to its root).
    pub chain: Vec<Vec<u8>>,
    /// The serial number's bytes, big-endian, without a sign byte.
    pub serial: Vec<u8>,
    /// notBefore.
    pub not_before: SystemTime,
    /// notAfter.
    pub not_after: SystemTime,
}

impl IssuedSvid {
    /// The chain as PEM, leaf first.
    pub fn chain_pem(&self) -> String {
        certs_to_pem(&self.chain)
    }

    /// The serial number in lower-case hex.
    pub fn serial_hex(&self) -> String {
        crate::encoding::hex_lower(&self.serial)
    }
}

/// A CA's signing state: certificate chain, key and policy. Immutable and `Send + Sync`.
///
/// # Examples
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use mesh_identity::{Ca, Entropy, KeyPair, KeyType, SpiffeId, SubjectKey, TrustDomain};
///
/// // A deterministic source for the example; use the OS's generator in real code.
/// struct Counter(u8);
/// impl Entropy for Counter {
///     fn fill(&mut self, dest: &mut [u8]) {
///         for b in dest { self.0 = self.0.wrapping_mul(31).wrapping_add(7); *b = self.0; }
///     }
/// }
/// let mut rng = Counter(1);
/// let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
/// let td = TrustDomain::parse("example.org")?;
/// let ca = Ca::new_root(td, KeyPair::generate(KeyType::EcP256, &mut rng)?, None, now, &mut rng)?;
/// let id = SpiffeId::parse("spiffe://example.org/ns/default/sa/web")?;
/// let (svid, _key) = ca.issue_with_new_key(&id, KeyType::EcP256, None, now, &mut rng)?;
/// assert_eq!(svid.not_after, now + Duration::from_secs(24 * 3600));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Ca {
    issuer: Issuer<'static, rcgen::KeyPair>,
    key_type: KeyType,
    chain: Vec<Vec<u8>>,
    info: CertInfo,
    trust_domain: Option<TrustDomain>,
    policy: CaPolicy,
}

impl fmt::Debug for Ca {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ca")
            .field("trust_domain", &self.trust_domain)
            .field("key_type", &self.key_type)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

fn random_serial(entropy: &mut dyn Entropy) -> [u8; 16] {
    let mut b = [0u8; 16];
    entropy.fill(&mut b);
    // Positive and 16 bytes long: RFC 5280 4.1.2.2 (at most 20 octets, positive).
    b[0] = (b[0] & 0x7f) | 0x40;
    b
}

fn whole_seconds(t: SystemTime) -> SystemTime {
    crate::svid::unix_to_system(to_offset(t).unix_timestamp())
}

// === impl Ca ===

impl Ca {
    /// Creates a self-signed root for `trust_domain`: subject `O=<trust domain>`, URI SAN
    /// `spiffe://<trust domain>`, `cA: true`, key usage keyCertSign + cRLSign, valid from `now`
    /// for `ttl` (10 years by default, as Istio's self-signed CA).
    pub fn new_root(
        trust_domain: TrustDomain,
        key: KeyPair,
        ttl: Option<Duration>,
        now: SystemTime,
        entropy: &mut dyn Entropy,
    ) -> Result<Ca, CaError> {
        let ttl = ttl.unwrap_or(DEFAULT_ROOT_TTL);
        if ttl.is_zero() {
            return Err(CaError::ZeroTtl);
        }
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, trust_domain.name());
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.subject_alt_names = vec![uri_san(trust_domain.id().as_str())?];
        params.serial_number = Some(SerialNumber::from_slice(&random_serial(entropy)));
        params.not_before = to_offset(now);
        params.not_after = to_offset(now + ttl);
        let cert = params.self_signed(key.rcgen()).map_err(|e| CaError::Signing(e.to_string()))?;
        let der = cert.der().to_vec();
        let info = CertInfo::parse(&der, 0).map_err(CaError::CaCert)?;
        let key_type = key.key_type();
        Ok(Ca {
            issuer: Issuer::new(params, key.into_rcgen()),
            key_type,
            chain: vec![der],
            info,
            trust_domain: Some(trust_domain),
            policy: CaPolicy::default(),
        })
    }

    /// Loads a CA from its DER chain (the signing certificate first, then up to its root) and
    /// its key. The signing certificate must have `cA: true` and keyCertSign and match the key;
    /// its SPIFFE ID, when it carries one, fixes the trust domain the CA issues in.
    pub fn from_der(chain: Vec<Vec<u8>>, key: KeyPair) -> Result<Ca, CaError> {
        let first = chain.first().ok_or(CaError::Pem(PemError::NoBlockOfLabel("CERTIFICATE".to_string())))?;
        let info = CertInfo::parse(first, 0).map_err(CaError::CaCert)?;
        if info.ca != Some(true) {
            return Err(CaError::NotACa("its basic constraints do not say cA: true".to_string()));
        }
        if !info.key_usage.is_none_or(|k| k.key_cert_sign) {
            return Err(CaError::NotACa("its key usage lacks keyCertSign".to_string()));
        }
        if key.public_key_der() != info.spki {
            return Err(CaError::CaKeyMismatch);
        }
        let trust_domain =
            info.uri_sans.iter().find_map(|u| SpiffeId::parse(u).ok()).map(|id| id.trust_domain());
        let key_type = key.key_type();
        let issuer = Issuer::from_ca_cert_der(&first.as_slice().into(), key.into_rcgen())
            .map_err(|e| CaError::NotACa(e.to_string()))?;
        Ok(Ca { issuer, key_type, chain, info, trust_domain, policy: CaPolicy::default() })
    }

    /// [`Ca::from_der`] from PEM: the certificate chain and a PKCS#8 key.
    pub fn from_pem(cert_chain_pem: &str, key_pem: &str) -> Result<Ca, CaError> {
        let chain = certs_from_pem(cert_chain_pem)?;
        let key = KeyPair::from_pkcs8_pem(key_pem)?;
        Self::from_der(chain, key)
    }

    /// The same CA with other TTL limits.
    pub fn with_policy(mut self, policy: CaPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The TTL limits.
    pub fn policy(&self) -> CaPolicy {
        self.policy
    }

    /// The trust domain the CA issues in (from its certificate's SPIFFE ID), if it names one.
    pub fn trust_domain(&self) -> Option<&TrustDomain> {
        self.trust_domain.as_ref()
    }

    /// The CA's chain, its own certificate first.
    pub fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// The CA's own certificate (DER).
    pub fn cert_der(&self) -> &[u8] {
        &self.chain[0]
    }

    /// The CA's root: the last certificate of its chain.
    pub fn root_der(&self) -> &[u8] {
        self.chain.last().map_or(&[][..], Vec::as_slice)
    }

    /// What the CA's own certificate says (serial, validity, ...).
    pub fn cert_info(&self) -> &CertInfo {
        &self.info
    }

    /// The CA's key algorithm.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The PKCS#8 DER of the CA's key (to store it).
    pub fn key_pkcs8_der(&self) -> &[u8] {
        self.issuer.key().serialized_der()
    }

    /// Issues an X.509-SVID for `id` at `now` over the key in `subject`, valid for `ttl` (the
    /// policy's default when `None`), ending no later than the CA's own certificate.
    pub fn issue(
        &self,
        id: &SpiffeId,
        subject: SubjectKey<'_>,
        ttl: Option<Duration>,
        now: SystemTime,
        entropy: &mut dyn Entropy,
    ) -> Result<IssuedSvid, CaError> {
        if id.path().is_empty() {
            return Err(CaError::IdWithoutPath { id: id.to_string() });
        }
        if let Some(td) = &self.trust_domain
            && !id.is_member_of(td)
        {
            return Err(CaError::WrongTrustDomain { id: id.to_string(), trust_domain: td.to_string() });
        }
        let ttl = ttl.unwrap_or(self.policy.default_ttl);
        if ttl.is_zero() {
            return Err(CaError::ZeroTtl);
        }
        if ttl > self.policy.max_ttl {
            return Err(CaError::TtlOverMax {
                ttl: format_duration(ttl),
                max: format_duration(self.policy.max_ttl),
            });
        }
        if !self.info.is_valid_at(now) {
            return Err(CaError::CaNotValid {
                now: format_rfc3339(now),
                not_before: format_rfc3339(self.info.not_before),
                not_after: format_rfc3339(self.info.not_after),
            });
        }
        let not_after = (now + ttl).min(self.info.not_after);
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.is_ca = IsCa::ExplicitNoCa;
        params.extended_key_usages =
            vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        params.subject_alt_names = vec![uri_san(id.as_str())?];
        params.use_authority_key_identifier_extension = true;
        let serial = random_serial(entropy);
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.not_before = to_offset(now);
        params.not_after = to_offset(not_after);
        let cert = match subject {
            SubjectKey::Csr(der) => {
                let csr = rcgen::CertificateSigningRequestParams::from_der(&der.into())
                    .map_err(|e| CaError::CsrInvalid(e.to_string()))?;
                let found: Vec<String> = csr
                    .params
                    .subject_alt_names
                    .iter()
                    .filter_map(|s| match s {
                        SanType::URI(u) => Some(u.as_str().to_string()),
                        _ => None,
                    })
                    .collect();
                if found.len() != 1 || found[0] != id.as_str() {
                    return Err(CaError::CsrIdentityMismatch { requested: id.to_string(), found });
                }
                params.key_usages = leaf_key_usages(csr.public_key.algorithm());
                params.signed_by(&csr.public_key, &self.issuer)
            }
            SubjectKey::PublicKey(spki) => {
                let pk = rcgen::SubjectPublicKeyInfo::from_der(spki)
                    .map_err(|e| CaError::PublicKeyInvalid(e.to_string()))?;
                params.key_usages = leaf_key_usages(pk.algorithm());
                params.signed_by(&pk, &self.issuer)
            }
        }
        .map_err(|e| CaError::Signing(e.to_string()))?;
        let mut chain = Vec::with_capacity(1 + self.chain.len());
        chain.push(cert.der().to_vec());
        chain.extend(self.chain.iter().cloned());
        // What was written, without parsing it back: whole seconds, and a serial whose first
        // byte is 0x40..0x7f (so DER adds no sign byte).
        Ok(IssuedSvid {
            spiffe_id: id.clone(),
            chain,
            serial: serial.to_vec(),
            not_before: whole_seconds(now),
            not_after: whole_seconds(not_after),
        })
    }

    /// Generates a key of `key_type` from `entropy` and issues for it; returns the SVID and
    /// the key.
    pub fn issue_with_new_key(
        &self,
        id: &SpiffeId,
        key_type: KeyType,
        ttl: Option<Duration>,
        now: SystemTime,
        entropy: &mut dyn Entropy,
    ) -> Result<(IssuedSvid, KeyPair), CaError> {
        let key = KeyPair::generate(key_type, entropy)?;
        let svid = self.issue(id, SubjectKey::PublicKey(&key.public_key_der()), ttl, now, entropy)?;
        Ok((svid, key))
    }

    /// Issues an intermediate CA certificate for `key` under this CA (for a CA that signs
    /// under an external root): `cA: true` with path length 0, keyCertSign + cRLSign, URI SAN
    /// `spiffe://<trust domain>`.
    pub fn issue_intermediate(
        &self,
        trust_domain: &TrustDomain,
        key: KeyPair,
        ttl: Duration,
        now: SystemTime,
        entropy: &mut dyn Entropy,
    ) -> Result<Ca, CaError> {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, trust_domain.name());
        dn.push(DnType::CommonName, "intermediate CA");
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.subject_alt_names = vec![uri_san(trust_domain.id().as_str())?];
        params.use_authority_key_identifier_extension = true;
        params.serial_number = Some(SerialNumber::from_slice(&random_serial(entropy)));
        params.not_before = to_offset(now);
        params.not_after = to_offset((now + ttl).min(self.info.not_after));
        let cert =
            params.signed_by(key.rcgen(), &self.issuer).map_err(|e| CaError::Signing(e.to_string()))?;
        let mut chain = vec![cert.der().to_vec()];
        chain.extend(self.chain.iter().cloned());
        Ca::from_der(chain, key)
    }
}

fn uri_san(uri: &str) -> Result<SanType, CaError> {
    uri.to_string().try_into().map(SanType::URI).map_err(|e: rcgen::Error| CaError::Signing(e.to_string()))
}

fn leaf_key_usages(alg: &rcgen::SignatureAlgorithm) -> Vec<KeyUsagePurpose> {
    let rsa = [&rcgen::PKCS_RSA_SHA256, &rcgen::PKCS_RSA_SHA384, &rcgen::PKCS_RSA_SHA512];
    if rsa.contains(&alg) {
        vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment]
    } else {
        vec![KeyUsagePurpose::DigitalSignature]
    }
}
