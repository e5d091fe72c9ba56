//! rustls integration: certificate verifiers that validate the peer's X.509-SVID against the
//! trust bundles and then authorize its SPIFFE ID, and config helpers for SPIFFE mTLS.
//!
//! A resumed TLS 1.3 session skips certificate verification, so a root removed from the
//! bundle would stay trusted for as long as a ticket lives. The configs built here therefore
//! never resume: the client keeps no sessions and the server issues no tickets and stores
//! no sessions; every handshake verifies the peer against the bundles current at that moment.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::ResolvesClientCert;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls::time_provider::TimeProvider;
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, OtherError, SignatureScheme};

use crate::bundle::BundleSet;
use crate::keys::KeyPair;
use crate::matcher::IdMatcher;
use crate::svid::SvidError;
use crate::verify::{VerifiedSvid, Verifier};

/// Why a peer was refused after its SVID verified: its ID is not authorized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the peer's SPIFFE ID {0:?} is not authorized")]
pub struct UnauthorizedId(pub String);

/// The bundles the verifiers check against, replaceable while connections are made: each
/// handshake uses the bundles current when it runs.
#[derive(Debug)]
pub struct LiveBundles {
    verifier: RwLock<Arc<Verifier>>,
    generation: AtomicU64,
}

// === impl LiveBundles ===

impl LiveBundles {
    /// Starts with `bundles` (generation 0).
    pub fn new(bundles: &BundleSet) -> Self {
        LiveBundles { verifier: RwLock::new(Arc::new(Verifier::new(bundles))), generation: AtomicU64::new(0) }
    }

    /// Replaces the bundles; later handshakes verify against the new ones.
    pub fn update(&self, bundles: &BundleSet) {
        let next = Arc::new(Verifier::new(bundles));
        // A poisoned lock only means a panic elsewhere; the value is still whole.
        let mut guard = self.verifier.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = next;
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// How many times the bundles were replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// The verifier of the current bundles.
    pub fn current(&self) -> Arc<Verifier> {
        self.verifier.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

/// This workload's own SVID for the configs built with [`client_config_live`] and
/// [`server_config_live`], replaceable while connections are made: each handshake presents
/// the SVID current when it runs, so a renewed certificate takes effect without rebuilding
/// a config (open connections keep theirs).
#[derive(Debug)]
pub struct LiveSvid {
    current: RwLock<Arc<CertifiedKey>>,
    generation: AtomicU64,
}

fn certified(svid: OwnSvid<'_>) -> Result<Arc<CertifiedKey>, rustls::Error> {
    let (certs, key) = own(svid);
    Ok(Arc::new(CertifiedKey::from_der(certs, key, &provider())?))
}

// === impl LiveSvid ===

impl LiveSvid {
    /// Starts with `svid` (generation 0); fails when the key does not load or is not the
    /// leaf's.
    pub fn new(svid: OwnSvid<'_>) -> Result<Self, rustls::Error> {
        Ok(LiveSvid { current: RwLock::new(certified(svid)?), generation: AtomicU64::new(0) })
    }

    /// Replaces the SVID; later handshakes present the new one. On error the old one stays.
    pub fn update(&self, svid: OwnSvid<'_>) -> Result<(), rustls::Error> {
        let next = certified(svid)?;
        // A poisoned lock only means a panic elsewhere; the value is still whole.
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = next;
        self.generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// How many times the SVID was replaced.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    fn current(&self) -> Arc<CertifiedKey> {
        self.current.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl ResolvesServerCert for LiveSvid {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }
}

impl ResolvesClientCert for LiveSvid {
    fn resolve(&self, _hints: &[&[u8]], _schemes: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.current())
    }

    fn has_certs(&self) -> bool {
        true
    }
}

fn to_system(now: UnixTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(now.as_secs())
}

fn map_err(e: SvidError) -> rustls::Error {
    let ce = match e {
        SvidError::Expired { .. } => CertificateError::Expired,
        SvidError::NotYetValid { .. } => CertificateError::NotValidYet,
        SvidError::UnknownIssuer { .. } => CertificateError::UnknownIssuer,
        SvidError::BadSignature => CertificateError::BadSignature,
        other => CertificateError::Other(OtherError(Arc::new(other))),
    };
    rustls::Error::InvalidCertificate(ce)
}

/// Verifies and authorizes one presented chain.
fn check(
    bundles: &LiveBundles,
    matcher: &IdMatcher,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> Result<VerifiedSvid, rustls::Error> {
    let mut chain: Vec<&[u8]> = Vec::with_capacity(1 + intermediates.len());
    chain.push(end_entity.as_ref());
    chain.extend(intermediates.iter().map(|c| c.as_ref()));
    let verified = bundles.current().verify_cached(&chain, to_system(now)).map_err(map_err)?;
    if !matcher.matches(&verified.spiffe_id) {
        return Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(
            UnauthorizedId(verified.spiffe_id.to_string()),
        )))));
    }
    Ok(verified)
}

/// A client-side verifier of the server's X.509-SVID. The server name the client dials is
/// not checked against the certificate: the SPIFFE ID, authorized by the matcher, is the
/// server's identity.
pub struct SpiffeServerVerifier {
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    algs: WebPkiSupportedAlgorithms,
}

/// A server-side verifier of the client's X.509-SVID; client authentication is mandatory.
pub struct SpiffeClientVerifier {
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    algs: WebPkiSupportedAlgorithms,
}

// === impl SpiffeServerVerifier ===

impl SpiffeServerVerifier {
    /// Verifies against `bundles` and accepts the IDs `matcher` accepts.
    pub fn new(bundles: Arc<LiveBundles>, matcher: IdMatcher, provider: &CryptoProvider) -> Self {
        SpiffeServerVerifier { bundles, matcher, algs: provider.signature_verification_algorithms }
    }
}

impl fmt::Debug for SpiffeServerVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpiffeServerVerifier").field("matcher", &self.matcher).finish_non_exhaustive()
    }
}

impl ServerCertVerifier for SpiffeServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        check(&self.bundles, &self.matcher, end_entity, intermediates, now)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

// === impl SpiffeClientVerifier ===

impl SpiffeClientVerifier {
    /// Verifies against `bundles` and accepts the IDs `matcher` accepts.
    pub fn new(bundles: Arc<LiveBundles>, matcher: IdMatcher, provider: &CryptoProvider) -> Self {
        SpiffeClientVerifier { bundles, matcher, algs: provider.signature_verification_algorithms }
    }
}

impl fmt::Debug for SpiffeClientVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpiffeClientVerifier").field("matcher", &self.matcher).finish_non_exhaustive()
    }
}

impl ClientCertVerifier for SpiffeClientVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        check(&self.bundles, &self.matcher, end_entity, intermediates, now)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// This workload's own SVID: its chain (leaf first) and key.
#[derive(Debug, Clone, Copy)]
pub struct OwnSvid<'a> {
    /// DER chain, leaf first.
    pub chain: &'a [Vec<u8>],
    /// The leaf's key.
    pub key: &'a KeyPair,
}

fn own(svid: OwnSvid<'_>) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let certs = svid.chain.iter().map(|c| CertificateDer::from(c.clone())).collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(svid.key.pkcs8_der().to_vec()));
    (certs, key)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS 1.3 client config for SPIFFE mTLS: presents `svid`, verifies the server against
/// `bundles`, accepts the server IDs `matcher` accepts, and never resumes a session.
///
/// `time` is the clock certificates are checked against: pass
/// `Arc::new(rustls::time_provider::DefaultTimeProvider)` for the system clock.
pub fn client_config(
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    svid: OwnSvid<'_>,
    time: Arc<dyn TimeProvider>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = SpiffeServerVerifier::new(bundles, matcher, &provider);
    let (certs, key) = own(svid);
    let mut config = rustls::ClientConfig::builder_with_details(provider, time)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_auth_cert(certs, key)?;
    config.resumption = rustls::client::Resumption::disabled();
    config.enable_early_data = false;
    Ok(config)
}

/// A TLS 1.3 server config for SPIFFE mTLS: presents `svid`, requires a client SVID that
/// verifies against `bundles` and that `matcher` accepts, and issues no session tickets and
/// stores no sessions. `time` as for [`client_config`].
pub fn server_config(
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    svid: OwnSvid<'_>,
    time: Arc<dyn TimeProvider>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let provider = provider();
    let verifier = SpiffeClientVerifier::new(bundles, matcher, &provider);
    let (certs, key) = own(svid);
    let mut config = rustls::ServerConfig::builder_with_details(provider, time)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_single_cert(certs, key)?;
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(config)
}

/// [`client_config`] presenting a [`LiveSvid`]: renewing it changes what later handshakes
/// present.
pub fn client_config_live(
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    svid: Arc<LiveSvid>,
    time: Arc<dyn TimeProvider>,
) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = provider();
    let verifier = SpiffeServerVerifier::new(bundles, matcher, &provider);
    let mut config = rustls::ClientConfig::builder_with_details(provider, time)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_client_cert_resolver(svid);
    config.resumption = rustls::client::Resumption::disabled();
    config.enable_early_data = false;
    Ok(config)
}

/// [`server_config`] presenting a [`LiveSvid`]: renewing it changes what later handshakes
/// present.
pub fn server_config_live(
    bundles: Arc<LiveBundles>,
    matcher: IdMatcher,
    svid: Arc<LiveSvid>,
    time: Arc<dyn TimeProvider>,
) -> Result<rustls::ServerConfig, rustls::Error> {
    let provider = provider();
    let verifier = SpiffeClientVerifier::new(bundles, matcher, &provider);
    let mut config = rustls::ServerConfig::builder_with_details(provider, time)
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .with_client_cert_verifier(Arc::new(verifier))
        .with_cert_resolver(svid);
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(config)
}
