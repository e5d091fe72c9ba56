//! What both programs share: a workload's credentials (its SVID, key and trust bundles) turned
//! into rustls configs, the operating system's randomness, and HTTP body helpers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use mesh_identity::tls::{LiveBundles, LiveSvid, OwnSvid, client_config_live, server_config_live};
use mesh_identity::{BundleSet, Entropy, IdMatcher, KeyPair, SpiffeId, SvidError, X509Svid};
use rustls::time_provider::DefaultTimeProvider;

/// Any error a connection or body may end with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The body type both programs answer with.
pub type Body = BoxBody<Bytes, BoxError>;

/// A body holding `text`.
pub fn full(text: impl Into<Bytes>) -> Body {
    Full::new(text.into()).map_err(|never| match never {}).boxed()
}

/// The operating system's cryptographically secure generator, as mesh-identity's [`Entropy`].
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        use ring::rand::SecureRandom;
        if ring::rand::SystemRandom::new().fill(dest).is_err() {
            // Without the OS generator no key or serial may be made: stop rather than go on
            // with predictable bytes.
            std::process::abort();
        }
    }
}

/// A seed drawn from the operating system's generator.
pub fn os_seed() -> u64 {
    let mut b = [0u8; 8];
    OsEntropy.fill(&mut b);
    u64::from_le_bytes(b)
}

/// Uniform draws in `[0, 1)` and 64-bit hashes, lock-free (SplitMix64 over a counter); a
/// fixed seed makes a test's draws reproducible.
#[derive(Debug)]
pub struct Draws {
    state: AtomicU64,
}

impl Draws {
    /// Draws starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Draws { state: AtomicU64::new(seed) }
    }

    /// The next 64 random bits.
    pub fn next_u64(&self) -> u64 {
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next draw in `[0, 1)`.
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Why credentials could not be made or renewed.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The chain is not an X.509-SVID, or the key is not its leaf's.
    #[error(transparent)]
    Svid(#[from] SvidError),
    /// rustls cannot use the key.
    #[error("the key cannot be used for TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// A renewed SVID names another workload.
    #[error("the renewed SVID is for {got}, not {want}")]
    OtherId {
        /// The workload's ID.
        want: SpiffeId,
        /// The ID the new SVID carries.
        got: SpiffeId,
    },
}

/// A workload's X.509-SVID with its key, and the bundles it trusts peers by. The SVID can be
/// renewed while connections are made ([`Credentials::renew`]): clones share it, and the TLS
/// configs built from them present the current one at each handshake.
#[derive(Debug, Clone)]
pub struct Credentials {
    id: SpiffeId,
    current: Arc<RwLock<X509Svid>>,
    live: Arc<LiveSvid>,
    bundles: Arc<LiveBundles>,
}

impl Credentials {
    /// Credentials from a DER chain (leaf first), its key and the trusted bundles. Fails when
    /// the chain is not an X.509-SVID or the key is not the leaf's.
    pub fn new(chain: Vec<Vec<u8>>, key: KeyPair, bundles: &BundleSet) -> Result<Self, CredentialsError> {
        let svid = X509Svid::from_der_chain(chain)?;
        svid.check_key(&key)?;
        let live = LiveSvid::new(OwnSvid { chain: svid.chain(), key: &key })?;
        Ok(Credentials {
            id: svid.spiffe_id().clone(),
            current: Arc::new(RwLock::new(svid)),
            live: Arc::new(live),
            bundles: Arc::new(LiveBundles::new(bundles)),
        })
    }

    /// Replaces the SVID with a renewed one for the same SPIFFE ID; the next handshakes
    /// present it. On error the current SVID stays.
    pub fn renew(&self, chain: Vec<Vec<u8>>, key: &KeyPair) -> Result<(), CredentialsError> {
        let svid = X509Svid::from_der_chain(chain)?;
        svid.check_key(key)?;
        if svid.spiffe_id() != &self.id {
            return Err(CredentialsError::OtherId { want: self.id.clone(), got: svid.spiffe_id().clone() });
        }
        self.live.update(OwnSvid { chain: svid.chain(), key })?;
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = svid;
        Ok(())
    }

    /// How many times the SVID was renewed.
    pub fn generation(&self) -> u64 {
        self.live.generation()
    }

    /// This workload's SPIFFE ID.
    pub fn spiffe_id(&self) -> &SpiffeId {
        &self.id
    }

    /// The current DER chain, leaf first.
    pub fn chain(&self) -> Vec<Vec<u8>> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).chain().to_vec()
    }

    /// The current leaf's validity, `(notBefore, notAfter)`.
    pub fn validity(&self) -> (SystemTime, SystemTime) {
        let svid = self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        (svid.leaf().not_before, svid.leaf().not_after)
    }

    /// The bundles peers are verified against (replaceable while running).
    pub fn bundles(&self) -> &Arc<LiveBundles> {
        &self.bundles
    }

    /// A TLS 1.3 client config presenting the current SVID at each handshake and accepting
    /// servers `matcher` accepts, offering `alpn`.
    pub fn client_config(
        &self,
        matcher: IdMatcher,
        alpn: &[&[u8]],
    ) -> Result<rustls::ClientConfig, rustls::Error> {
        let mut c = client_config_live(
            self.bundles.clone(),
            matcher,
            self.live.clone(),
            Arc::new(DefaultTimeProvider),
        )?;
        c.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(c)
    }

    /// A TLS 1.3 server config presenting the current SVID at each handshake and requiring a
    /// client SVID `matcher` accepts, offering `alpn`.
    pub fn server_config(
        &self,
        matcher: IdMatcher,
        alpn: &[&[u8]],
    ) -> Result<rustls::ServerConfig, rustls::Error> {
        let mut c = server_config_live(
            self.bundles.clone(),
            matcher,
            self.live.clone(),
            Arc::new(DefaultTimeProvider),
        )?;
        c.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(c)
    }
}

/// The SPIFFE ID of a TLS peer's leaf certificate (already verified by the handshake).
pub fn peer_id(conn: &rustls::CommonState) -> Option<SpiffeId> {
    let certs = conn.peer_certificates()?;
    let chain: Vec<Vec<u8>> = certs.iter().map(|c| c.as_ref().to_vec()).collect();
    X509Svid::from_der_chain(chain).ok().map(|s| s.spiffe_id().clone())
}

#[cfg(test)]
mod tests {
    use super::Draws;

    #[test]
    fn draws_are_reproducible_and_in_the_unit_interval() {
        let (a, b) = (Draws::new(7), Draws::new(7));
        for _ in 0..1000 {
            let x = a.next_f64();
            assert!((0.0..1.0).contains(&x));
            assert_eq!(x, b.next_f64());
        }
        let mean: f64 = (0..10_000).map(|_| a.next_f64()).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
    }
}
