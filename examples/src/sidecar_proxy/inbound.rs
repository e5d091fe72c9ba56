//! The inbound side: peers' mTLS connections, the SPIFFE identity of the peer, the
//! AuthorizationPolicy verdict of each request, and the local app behind.

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

/// Accepts peers' mTLS connections until the task is aborted. A plaintext client, or one
/// whose SVID does not verify against the bundle (another trust domain), fails the handshake
/// and is disconnected before any request is read.
pub(crate) async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, shared: Arc<Shared>) {
    let acceptor = TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, remote)) = listener.accept().await else { continue };
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await else {
                return;
            };
            let Some(peer) = peer_id(stream.get_ref().1) else { return };
            let peer = Arc::new(peer);
            let service = service_fn(move |req| {
                let shared = shared.clone();
                let peer = peer.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(req, &shared, &peer, remote).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Authorizes one request of an authenticated peer and forwards it to the app.
async fn handle(
    req: Request<Incoming>,
    shared: &Shared,
    peer: &SpiffeId,
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
    let principal = peer.as_str().strip_prefix("spiffe://").unwrap_or(peer.as_str());
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let allowed = {
        let headers = Headers(req.headers());
        let authz_req = AuthzRequest {
            layer: Layer::Http,
            source_principal: Some(principal),
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
    // Envoy's XFCC as Istio configures it (SANITIZE_SET): this sidecar's and the peer's IDs.
    let xfcc = format!("By={};URI={}", shared.credentials.spiffe_id(), peer);
    if let Ok(v) = HeaderValue::from_str(&xfcc) {
        parts.headers.insert("x-forwarded-client-cert", v);
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
