//! A workload CA server: [`mesh_identity::Ca`] signing workloads' CSRs over HTTPS, the job of
//! Istio's CA (`istio.v1.auth.IstioCertificateService`) or istio-csr.
//!
//! `POST /v1/sign` with a JSON body `{"csr": "<PEM>", "ttlSeconds": 3600}` (ttl optional)
//! answers `{"certChain": ["<leaf PEM>", ..., "<root PEM>"]}`. The caller is authenticated by
//! either
//! - its current X.509-SVID, presented as the TLS client certificate (renewal): it gets a
//!   certificate for that same SPIFFE ID, or
//! - a bootstrap token (`Authorization: Bearer <token>`) bound to one SPIFFE ID, standing in
//!   for the Kubernetes service-account token Istio's CA reviews.
//!
//! The CSR must ask for exactly the authenticated ID as its one URI SAN (`403` otherwise).
//! Errors: `401` unauthenticated, `400` malformed request or CSR, `404`/`405` other paths
//! and methods. The server itself presents an SVID the CA issues it at start, so clients
//! verify it against the CA's root like any workload.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use mesh_identity::tls::{LiveBundles, SpiffeClientVerifier, SpiffeServerVerifier};
use mesh_identity::{
    BundleSet, Ca, CaError, IdMatcher, KeyPair, KeyType, SpiffeId, SubjectKey, TrustDomain, X509Bundle,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::time_provider::DefaultTimeProvider;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::credentials::{Body, BoxError, Credentials, OsEntropy, full, peer_id};

/// The path CSRs are posted to.
pub const SIGN_PATH: &str = "/v1/sign";

/// The largest request body accepted.
const MAX_BODY: usize = 64 * 1024;

/// How to run the CA server.
#[derive(Debug, Clone)]
pub struct CaServerOptions {
    /// Where to listen (port 0: any).
    pub addr: SocketAddr,
    /// Bootstrap tokens and the SPIFFE ID each one may obtain.
    pub tokens: HashMap<String, SpiffeId>,
    /// The SPIFFE ID the server presents (e.g. `spiffe://<td>/ns/istio-system/sa/istiod`).
    pub server_id: SpiffeId,
}

/// The JSON request body.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignRequest {
    /// The PKCS#10 CSR, PEM.
    pub csr: String,
    /// The requested lifetime; the CA's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u64>,
}

/// The JSON answer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignResponse {
    /// The leaf, then the CA chain up to the root, each as PEM (Istio's `cert_chain`).
    pub cert_chain: Vec<String>,
}

/// Why the server could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CaServerError {
    /// The CA names no trust domain, so neither the server's SVID nor client IDs can be checked.
    #[error("the CA certificate names no SPIFFE trust domain")]
    NoTrustDomain,
    /// The server's own SVID could not be issued.
    #[error("issuing the server's SVID failed: {0}")]
    Ca(#[from] CaError),
    /// The root is not a valid bundle.
    #[error("the CA root is not a valid bundle: {0}")]
    Bundle(#[from] mesh_identity::BundleError),
    /// The TLS configuration could not be built.
    #[error("the TLS configuration could not be built: {0}")]
    Tls(#[from] rustls::Error),
    /// The listener could not be bound.
    #[error("binding {0} failed: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// Accepts a client certificate when one is presented (and then verifies it as an SVID), and
/// lets clients without one through to token authentication.
#[derive(Debug)]
struct OptionalSvid(SpiffeClientVerifier);

impl ClientCertVerifier for OptionalSvid {
    fn client_auth_mandatory(&self) -> bool {
        false
    }
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.0.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.0.verify_client_cert(end_entity, intermediates, now)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The bundle set of `ca`'s root.
pub fn bundles_of(ca: &Ca) -> Result<BundleSet, CaServerError> {
    let td = ca.trust_domain().ok_or(CaServerError::NoTrustDomain)?.clone();
    Ok(BundleSet::new().with(X509Bundle::from_der_roots(td, vec![ca.root_der().to_vec()])?))
}

struct State {
    ca: Arc<Ca>,
    tokens: HashMap<String, SpiffeId>,
}

/// The CA server.
#[derive(Debug)]
pub struct CaServer;

impl CaServer {
    /// Issues the server's own SVID, binds and serves on the current tokio runtime until the
    /// returned handle is dropped.
    pub async fn start(ca: Arc<Ca>, options: CaServerOptions) -> Result<RunningCaServer, CaServerError> {
        let td: TrustDomain = ca.trust_domain().ok_or(CaServerError::NoTrustDomain)?.clone();
        let bundles = Arc::new(LiveBundles::new(&bundles_of(&ca)?));
        #[allow(clippy::disallowed_methods)] // the server is the I/O shell: it reads the clock
        let now = SystemTime::now();
        let (svid, key) =
            ca.issue_with_new_key(&options.server_id, KeyType::EcP256, None, now, &mut OsEntropy)?;
        let provider = provider();
        let verifier = OptionalSvid(SpiffeClientVerifier::new(bundles, IdMatcher::MemberOf(td), &provider));
        let certs = svid.chain.iter().map(|c| CertificateDer::from(c.clone())).collect();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.pkcs8_der().to_vec()));
        let mut config = rustls::ServerConfig::builder_with_details(provider, Arc::new(DefaultTimeProvider))
            .with_protocol_versions(&[&rustls::version::TLS13])?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(certs, key)?;
        config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let listener =
            TcpListener::bind(options.addr).await.map_err(|e| CaServerError::Bind(options.addr, e))?;
        let addr = listener.local_addr().map_err(|e| CaServerError::Bind(options.addr, e))?;
        let state = Arc::new(State { ca, tokens: options.tokens });
        let task = tokio::spawn(serve(listener, TlsAcceptor::from(Arc::new(config)), state));
        Ok(RunningCaServer { addr, task })
    }
}

/// A running CA server; dropping it stops the listener.
#[derive(Debug)]
pub struct RunningCaServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RunningCaServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for RunningCaServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, state: Arc<State>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let acceptor = acceptor.clone();
        let state = state.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let peer = peer_id(tls.get_ref().1).map(Arc::new);
            let service = service_fn(move |req| {
                let state = state.clone();
                let peer = peer.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(req, &state, peer.as_deref()).await) }
            });
            let _ =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
        });
    }
}

fn reply(status: StatusCode, body: String, json: bool) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    let ct = if json { "application/json" } else { "text/plain" };
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

async fn handle(req: Request<Incoming>, state: &State, peer: Option<&SpiffeId>) -> Response<Body> {
    if req.uri().path() != SIGN_PATH {
        return reply(StatusCode::NOT_FOUND, "not found".into(), false);
    }
    if req.method() != Method::POST {
        return reply(StatusCode::METHOD_NOT_ALLOWED, "only POST is allowed".into(), false);
    }
    // The caller's identity: its verified SVID, else the ID its bootstrap token grants.
    let token = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let identity = match (peer, token) {
        (Some(id), _) => id.clone(),
        (None, Some(t)) => match token_identity(&state.tokens, &t) {
            Some(id) => id,
            None => return reply(StatusCode::UNAUTHORIZED, "the bootstrap token is not valid".into(), false),
        },
        (None, None) => {
            return reply(StatusCode::UNAUTHORIZED, "present an SVID or a bootstrap token".into(), false);
        }
    };
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return reply(StatusCode::BAD_REQUEST, "the body could not be read".into(), false),
    };
    let sign: SignRequest = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return reply(StatusCode::BAD_REQUEST, format!("the body is not a sign request: {e}"), false);
        }
    };
    let Some(csr) =
        mesh_identity::encoding::pem_block(&sign.csr, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])
    else {
        return reply(StatusCode::BAD_REQUEST, "the csr holds no CERTIFICATE REQUEST block".into(), false);
    };
    let ttl = sign.ttl_seconds.map(Duration::from_secs);
    #[allow(clippy::disallowed_methods)] // the server is the I/O shell: it reads the clock
    let now = SystemTime::now();
    match state.ca.issue(&identity, SubjectKey::Csr(&csr), ttl, now, &mut OsEntropy) {
        Ok(issued) => {
            let cert_chain =
                issued.chain.iter().map(|c| mesh_identity::encoding::pem_encode("CERTIFICATE", c)).collect();
            match serde_json::to_string(&SignResponse { cert_chain }) {
                Ok(json) => reply(StatusCode::OK, json, true),
                Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), false),
            }
        }
        Err(e @ (CaError::CsrIdentityMismatch { .. } | CaError::WrongTrustDomain { .. })) => {
            reply(StatusCode::FORBIDDEN, e.to_string(), false)
        }
        Err(
            e @ (CaError::CsrInvalid(_)
            | CaError::TtlOverMax { .. }
            | CaError::ZeroTtl
            | CaError::PublicKeyInvalid(_)),
        ) => reply(StatusCode::BAD_REQUEST, e.to_string(), false),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), false),
    }
}

/// The ID `token` grants, comparing in constant time.
fn token_identity(tokens: &HashMap<String, SpiffeId>, token: &str) -> Option<SpiffeId> {
    let mut found = None;
    for (t, id) in tokens {
        if constant_time_eq(t.as_bytes(), token.as_bytes()) {
            found = Some(id.clone());
        }
    }
    found
}

/// Whether `a == b`, taking the same time for every pair of equal-length inputs.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// === client ===

/// How a workload authenticates to the CA server.
#[derive(Debug, Clone, Copy)]
pub enum ClientAuth<'a> {
    /// A bootstrap token (first issuance).
    Token(&'a str),
    /// The workload's current SVID (renewal).
    Svid(&'a Credentials),
}

/// Why a workload could not obtain an SVID.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum CaClientError {
    /// A key or CSR could not be made.
    #[error("making the key or CSR failed: {0}")]
    Csr(String),
    /// The connection or TLS handshake failed.
    #[error("the CA server could not be reached: {0}")]
    Transport(BoxError),
    /// The server refused.
    #[error("the CA server answered {status}: {message}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
    /// The answer is not a valid chain for the key.
    #[error("the CA server's answer is not a valid SVID: {0}")]
    BadAnswer(String),
}

/// A PEM CSR for `id` signed with `key`, as a workload makes one.
pub fn make_csr(id: &SpiffeId, key: &KeyPair) -> Result<String, CaClientError> {
    let err = |e: rcgen::Error| CaClientError::Csr(e.to_string());
    let rkey = rcgen::KeyPair::try_from(key.pkcs8_der()).map_err(err)?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    let uri = rcgen::string::Ia5String::try_from(id.as_str()).map_err(err)?;
    params.subject_alt_names = vec![rcgen::SanType::URI(uri)];
    params.serialize_request(&rkey).map_err(err)?.pem().map_err(err)
}

/// Asks the CA server at `addr` (whose SVID must be `server_id`, verified against `bundles`)
/// for an SVID for `id` over a new key of `key_type`; returns credentials ready for mTLS.
pub async fn request_svid(
    addr: SocketAddr,
    bundles: &BundleSet,
    server_id: &SpiffeId,
    auth: ClientAuth<'_>,
    id: &SpiffeId,
    key_type: KeyType,
    ttl: Option<Duration>,
) -> Result<Credentials, CaClientError> {
    let (chain, key) = request_chain(addr, bundles, server_id, auth, id, key_type, ttl).await?;
    Credentials::new(chain, key, bundles).map_err(|e| CaClientError::BadAnswer(e.to_string()))
}

/// [`request_svid`], returning the DER chain (leaf first) and the new key, for a caller that
/// renews credentials it holds ([`Credentials::renew`]).
pub async fn request_chain(
    addr: SocketAddr,
    bundles: &BundleSet,
    server_id: &SpiffeId,
    auth: ClientAuth<'_>,
    id: &SpiffeId,
    key_type: KeyType,
    ttl: Option<Duration>,
) -> Result<(Vec<Vec<u8>>, KeyPair), CaClientError> {
    let key = KeyPair::generate(key_type, &mut OsEntropy).map_err(|e| CaClientError::Csr(e.to_string()))?;
    let body =
        serde_json::to_vec(&SignRequest { csr: make_csr(id, &key)?, ttl_seconds: ttl.map(|t| t.as_secs()) })
            .map_err(|e| CaClientError::Csr(e.to_string()))?;
    let matcher = IdMatcher::Exact(server_id.clone());
    let transport = |e: BoxError| CaClientError::Transport(e);
    let mut config = match auth {
        ClientAuth::Svid(creds) => creds.client_config(matcher, &[]).map_err(|e| transport(e.into()))?,
        ClientAuth::Token(_) => {
            let provider = provider();
            let verifier = SpiffeServerVerifier::new(Arc::new(LiveBundles::new(bundles)), matcher, &provider);
            let mut c = rustls::ClientConfig::builder_with_details(provider, Arc::new(DefaultTimeProvider))
                .with_protocol_versions(&[&rustls::version::TLS13])
                .map_err(|e| transport(e.into()))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            c.resumption = rustls::client::Resumption::disabled();
            c
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.map_err(|e| transport(e.into()))?;
    let name = ServerName::try_from("ca.mesh.local").map_err(|e| transport(e.into()))?;
    let tls =
        TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(|e| transport(e.into()))?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| transport(e.into()))?;
    let conn = tokio::spawn(conn);
    let mut req = Request::post(SIGN_PATH)
        .header("host", "ca.mesh.local")
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| transport(e.into()))?;
    if let ClientAuth::Token(t) = auth
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer {t}"))
    {
        req.headers_mut().insert(AUTHORIZATION, v);
    }
    let resp = sender.send_request(req).await.map_err(|e| transport(e.into()))?;
    let status = resp.status();
    let bytes = resp.into_body().collect().await.map_err(|e| transport(e.into()))?.to_bytes();
    conn.abort();
    if status != StatusCode::OK {
        return Err(CaClientError::Refused {
            status: status.as_u16(),
            message: String::from_utf8_lossy(&bytes).into_owned(),
        });
    }
    let answer: SignResponse =
        serde_json::from_slice(&bytes).map_err(|e| CaClientError::BadAnswer(e.to_string()))?;
    let mut chain = Vec::new();
    for pem in &answer.cert_chain {
        chain.extend(
            mesh_identity::encoding::certs_from_pem(pem)
                .map_err(|e| CaClientError::BadAnswer(e.to_string()))?,
        );
    }
    Ok((chain, key))
}

/// The SPIFFE ID the CA server presents by default: `spiffe://<td>/ns/istio-system/sa/istiod`.
pub fn default_server_id(trust_domain: &TrustDomain) -> SpiffeId {
    // A fixed, valid path: parsing cannot fail for a valid trust domain.
    SpiffeId::parse(&format!("spiffe://{}/ns/istio-system/sa/istiod", trust_domain.name()))
        .unwrap_or_else(|_| trust_domain.id())
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn token_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
