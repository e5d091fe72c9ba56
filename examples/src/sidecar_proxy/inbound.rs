//! The inbound side: peers' mTLS connections (and plaintext ones when PeerAuthentication
//! allows), the SPIFFE identity of the peer, the AuthorizationPolicy verdict of each request,
//! and the local app behind.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HOST, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use mesh_identity::SpiffeId;
use mesh_model::security::MutualTlsMode;
use mesh_policy::authz::{Layer, Request as AuthzRequest, Workload};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use super::Shared;
use super::headers::{Headers, strip_hop_by_hop};
use super::outbound::local_reply;
use crate::credentials::{Body, BoxError, peer_id};

/// The pooled HTTP/1.1 client to the local app.
pub(crate) type AppClient = Client<HttpConnector, Body>;

/// A client with a connection pool to the local app.
pub(crate) fn app_client() -> AppClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    Client::builder(TokioExecutor::new()).build(connector)
}

/// The body Envoy's RBAC filter answers a denied request with.
pub const RBAC_DENIED_BODY: &str = "RBAC: access denied";

/// How long a peer may take to finish its TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The first byte of a TLS connection (a handshake record).
const TLS_HANDSHAKE: u8 = 0x16;

/// Accepts peers' connections until the task is aborted, as the workload's PeerAuthentication
/// mode (read per connection, so a reload applies to the next one) allows: `STRICT` takes
/// only mTLS, `PERMISSIVE` (Istio's default) also plaintext, told apart by the first byte as
/// Envoy's TLS inspector does, `DISABLE` only plaintext. A client whose SVID does not verify
/// against the bundle (another trust domain) fails the handshake and is disconnected before
/// any request is read; a refused plaintext client is disconnected unread.
pub(crate) async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, shared: Arc<Shared>) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, remote)) = listener.accept().await else { continue };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut first = [0u8; 1];
            let Ok(Ok(1)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tcp.peek(&mut first)).await else {
                return;
            };
            let mode = {
                let w = &shared.options.workload;
                let config = shared.current();
                config
                    .peer_authn
                    .mode(&w.namespace, &w.labels, u32::from(shared.options.app_addr.port()))
                    .mode
            };
            let tls = first[0] == TLS_HANDSHAKE;
            let accepted = match mode {
                MutualTlsMode::Strict => tls,
                MutualTlsMode::Disable => !tls,
                MutualTlsMode::Permissive | MutualTlsMode::Unset => true,
            };
            if !accepted {
                return;
            }
            if !tls {
                serve_connection(TokioIo::new(tcp), shared, None, remote).await;
                return;
            }
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
                return;
            };
            let Some(peer) = peer_id(stream.get_ref().1) else { return };
            serve_connection(TokioIo::new(stream), shared, Some(Arc::new(peer)), remote).await;
        });
    }
}

/// Serves HTTP on one accepted connection; `peer` is the client's verified SPIFFE ID (`None`
/// for plaintext).
async fn serve_connection<IO>(
    io: TokioIo<IO>,
    shared: Arc<Shared>,
    peer: Option<Arc<SpiffeId>>,
    remote: SocketAddr,
) where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |req| {
        let shared = shared.clone();
        let peer = peer.clone();
        async move { Ok::<_, std::convert::Infallible>(handle(req, &shared, peer.as_deref(), remote).await) }
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let _ = builder.serve_connection(io, service).await;
}

/// Authorizes one request (of an authenticated peer, or of a plaintext client with no
/// principal) and forwards it to the app.
async fn handle(
    req: Request<Incoming>,
    shared: &Shared,
    peer: Option<&SpiffeId>,
    remote: SocketAddr,
) -> Response<Body> {
    let config = shared.current();
    let workload = &shared.options.workload;
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| req.headers().get(HOST).and_then(|h| h.to_str().ok()).map(str::to_string))
        .unwrap_or_default();
    // Istio's principals are SPIFFE IDs without the scheme.
    let principal = peer.map(|p| p.as_str().strip_prefix("spiffe://").unwrap_or(p.as_str()));
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let allowed = {
        let headers = Headers(req.headers());
        let authz_req = AuthzRequest {
            layer: Layer::Http,
            source_principal: principal,
            source_ip: Some(remote.ip()),
            destination_ip: Some(shared.options.app_addr.ip()),
            destination_port: shared.options.app_addr.port(),
            method: req.method().as_str(),
            authority: &authority,
            path: &path,
            ..AuthzRequest::new(&headers)
        };
        config.authorizer.check(&Workload::new(&workload.namespace, &workload.labels), &authz_req).allowed
    };
    if !allowed {
        return local_reply(StatusCode::FORBIDDEN, RBAC_DENIED_BODY);
    }

    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    let Ok(uri) = Uri::builder()
        .scheme("http")
        .authority(shared.options.app_addr.to_string().as_str())
        .path_and_query(path.as_str())
        .build()
    else {
        return local_reply(StatusCode::BAD_REQUEST, "invalid path");
    };
    parts.uri = uri;
    parts.version = Version::HTTP_11;
    if let Ok(host) = HeaderValue::from_str(&authority) {
        parts.headers.insert(HOST, host);
    }
    // Envoy's XFCC as Istio configures it (SANITIZE_SET): a client's own header is dropped,
    // and an mTLS peer's gets this sidecar's and the peer's IDs.
    parts.headers.remove("x-forwarded-client-cert");
    if let Some(peer) = peer {
        let xfcc = format!("By={};URI={}", shared.credentials.spiffe_id(), peer);
        if let Ok(v) = HeaderValue::from_str(&xfcc) {
            parts.headers.insert("x-forwarded-client-cert", v);
        }
    }
    let app_req = Request::from_parts(parts, body.map_err(BoxError::from).boxed());
    match shared.app.request(app_req).await {
        Ok(resp) => {
            let (mut parts, body) = resp.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            Response::from_parts(parts, body.map_err(BoxError::from).boxed())
        }
        Err(_) => local_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream connect error or disconnect/reset before headers",
        ),
    }
}
