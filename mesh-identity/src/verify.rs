//! Verifying X.509-SVIDs against trust bundles at a given time (X509-SVID.md section 5):
//! the SVID rules, then RFC 5280 path validation (rustls-webpki) against the roots of the
//! leaf's own trust domain only.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyPurposeIdIter};

use crate::bundle::BundleSet;
use crate::spiffe_id::SpiffeId;
use crate::svid::{CertInfo, SvidError, check_leaf, check_signing_cert};
use crate::time_fmt::format_rfc3339;

/// The signature algorithms accepted in chains (ring's, as rustls uses them).
static ALGS: &[&dyn rustls_pki_types::SignatureVerificationAlgorithm] = &[
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::ED25519,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
];

/// Entries kept by the re-verification cache before it starts over.
const CACHE_CAPACITY: usize = 4096;

/// A cached verdict: the exact chain bytes and what they verified to.
type CacheEntry = (Vec<Vec<u8>>, VerifiedSvid);

/// A verified X.509-SVID: who it names and how long the verdict holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedSvid {
    /// The leaf's SPIFFE ID.
    pub spiffe_id: SpiffeId,
    /// The leaf's notBefore.
    pub not_before: SystemTime,
    /// The leaf's notAfter.
    pub not_after: SystemTime,
    /// The leaf's serial number bytes.
    pub serial: Vec<u8>,
    /// The latest notBefore over the presented chain.
    pub chain_not_before: SystemTime,
    /// The earliest notAfter over the presented chain: the verdict holds until then.
    pub chain_not_after: SystemTime,
}

/// Verifies X.509-SVID chains against a [`BundleSet`], compiled once.
///
/// Immutable and `Send + Sync`; its only interior state is a cache of chains already found
/// valid (keyed by their exact bytes and bounded by their validity), which a new bundle set
/// never sees, because a new bundle set means a new `Verifier`.
///
/// # Examples
/// ```
/// use mesh_identity::{BundleSet, SvidError, Verifier};
/// let verifier = Verifier::new(&BundleSet::new());
/// let now = std::time::UNIX_EPOCH;
/// assert_eq!(verifier.verify::<Vec<u8>>(&[], now), Err(SvidError::EmptyChain));
/// ```
#[derive(Debug)]
pub struct Verifier {
    anchors: BTreeMap<String, Vec<TrustAnchor<'static>>>,
    cache: RwLock<HashMap<[u8; 32], CacheEntry>>,
}

// === impl Verifier ===

impl Verifier {
    /// Compiles the roots of every trust domain into trust anchors. A root that is not a
    /// usable anchor is left out (its trust domain then trusts fewer, never more).
    pub fn new(bundles: &BundleSet) -> Self {
        let mut anchors = BTreeMap::new();
        for b in bundles.iter() {
            let list: Vec<TrustAnchor<'static>> = b
                .roots()
                .iter()
                .filter_map(|r| {
                    let der = CertificateDer::from(r.as_slice());
                    webpki::anchor_from_trusted_cert(&der).ok().map(|a| a.to_owned())
                })
                .collect();
            anchors.insert(b.trust_domain().name().to_string(), list);
        }
        Verifier { anchors, cache: RwLock::new(HashMap::new()) }
    }

    /// Whether a bundle is known for the trust domain.
    pub fn has_trust_domain(&self, trust_domain: &str) -> bool {
        self.anchors.contains_key(trust_domain)
    }

    /// Verifies a DER chain (leaf first, then intermediates) at `now`: the leaf and signing
    /// certificate rules of the X509-SVID standard, then a path from the leaf to a root of the
    /// bundle of the leaf's own trust domain, every certificate valid at `now`.
    pub fn verify<C: AsRef<[u8]>>(&self, chain: &[C], now: SystemTime) -> Result<VerifiedSvid, SvidError> {
        let first = chain.first().ok_or(SvidError::EmptyChain)?;
        let leaf = CertInfo::parse(first.as_ref(), 0)?;
        let id = check_leaf(&leaf)?;
        let mut chain_not_before = leaf.not_before;
        let mut chain_not_after = leaf.not_after;
        check_validity(&leaf, 0, now)?;
        for (i, der) in chain.iter().enumerate().skip(1) {
            let info = CertInfo::parse(der.as_ref(), i)?;
            check_signing_cert(&info, i)?;
            check_validity(&info, i, now)?;
            chain_not_before = chain_not_before.max(info.not_before);
            chain_not_after = chain_not_after.min(info.not_after);
        }
        let td = id.trust_domain_name();
        let anchors =
            self.anchors.get(td).ok_or_else(|| SvidError::NoBundle { trust_domain: td.to_string() })?;
        if anchors.is_empty() {
            return Err(SvidError::EmptyBundle { trust_domain: td.to_string() });
        }
        let leaf_der = CertificateDer::from(first.as_ref());
        let ee = EndEntityCert::try_from(&leaf_der)
            .map_err(|e| SvidError::Malformed { index: 0, reason: e.to_string() })?;
        let intermediates: Vec<CertificateDer<'_>> =
            chain[1..].iter().map(|c| CertificateDer::from(c.as_ref())).collect();
        ee.verify_for_usage(ALGS, anchors, &intermediates, unix_time(now), AnyEku, None, None)
            .map_err(|e| map_webpki(e, td))?;
        Ok(VerifiedSvid {
            spiffe_id: id,
            not_before: leaf.not_before,
            not_after: leaf.not_after,
            serial: leaf.serial,
            chain_not_before,
            chain_not_after,
        })
    }

    /// [`Verifier::verify`], remembering chains found valid: a chain seen before (the same
    /// bytes) is answered from memory while `now` lies within the validity of all of its
    /// certificates. Failures are never cached.
    pub fn verify_cached<C: AsRef<[u8]>>(
        &self,
        chain: &[C],
        now: SystemTime,
    ) -> Result<VerifiedSvid, SvidError> {
        let key = cache_key(chain);
        if let Ok(cache) = self.cache.read()
            && let Some((bytes, v)) = cache.get(&key)
            && same_chain(bytes, chain)
            && v.chain_not_before <= now
            && now <= v.chain_not_after
        {
            return Ok(v.clone());
        }
        let v = self.verify(chain, now)?;
        if let Ok(mut cache) = self.cache.write() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(key, (chain.iter().map(|c| c.as_ref().to_vec()).collect(), v.clone()));
        }
        Ok(v)
    }
}

/// Accepts any extended key usage in the path (as go-spiffe's `ExtKeyUsageAny`); the leaf's
/// EKU is checked against X509-SVID 4.4 by [`check_leaf`].
struct AnyEku;

impl webpki::ExtendedKeyUsageValidator for AnyEku {
    fn validate(&self, iter: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        for oid in iter {
            oid?;
        }
        Ok(())
    }
}

fn check_validity(info: &CertInfo, index: usize, now: SystemTime) -> Result<(), SvidError> {
    if now > info.not_after {
        return Err(SvidError::Expired {
            index,
            not_after: format_rfc3339(info.not_after),
            now: format_rfc3339(now),
        });
    }
    if now < info.not_before {
        return Err(SvidError::NotYetValid {
            index,
            not_before: format_rfc3339(info.not_before),
            now: format_rfc3339(now),
        });
    }
    Ok(())
}

pub(crate) fn unix_time(t: SystemTime) -> UnixTime {
    UnixTime::since_unix_epoch(t.duration_since(UNIX_EPOCH).unwrap_or_default())
}

fn map_webpki(e: webpki::Error, td: &str) -> SvidError {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer => SvidError::UnknownIssuer { trust_domain: td.to_string() },
        E::InvalidSignatureForPublicKey => SvidError::BadSignature,
        E::PathLenConstraintViolated => SvidError::PathLenConstraint,
        E::UnsupportedCriticalExtension => SvidError::UnsupportedCriticalExtension,
        E::CaUsedAsEndEntity => SvidError::LeafIsCa,
        other => SvidError::Chain(format!("{other:?}")),
    }
}

/// The cache key: the leaf's last 32 bytes (inside its signature, so they differ between
/// certificates) mixed with the chain's length; the stored bytes settle equality.
fn cache_key<C: AsRef<[u8]>>(chain: &[C]) -> [u8; 32] {
    let mut key = [0u8; 32];
    if let Some(leaf) = chain.first() {
        let leaf = leaf.as_ref();
        let tail = &leaf[leaf.len().saturating_sub(32)..];
        key[32 - tail.len()..].copy_from_slice(tail);
    }
    let total: usize = chain.iter().map(|c| c.as_ref().len()).sum();
    for (i, b) in total.to_le_bytes().iter().enumerate() {
        key[i] ^= b;
    }
    key
}

fn same_chain<C: AsRef<[u8]>>(stored: &[Vec<u8>], chain: &[C]) -> bool {
    stored.len() == chain.len() && stored.iter().zip(chain).all(|(a, b)| a.as_slice() == b.as_ref())
}
