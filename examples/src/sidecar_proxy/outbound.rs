//! The outbound side: the local app's plain HTTP requests, routed by VirtualService, balanced
//! over the destination's endpoints, and sent over HTTP/2 with mTLS to the peer's sidecar.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper::header::{CONTENT_TYPE, HeaderValue, LOCATION, SET_COOKIE};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use mesh_identity::IdMatcher;
use mesh_routing::lb::HashPolicy;
use mesh_routing::lb::hash_policy::{HashInput, RequestHash, request_hash};
use mesh_routing::lb::outlier::CallResult;
use mesh_routing::request::Source;
use mesh_routing::resilience::Abort;
use mesh_routing::{Action, RouteRequest};
use rustls::pki_types::ServerName;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;

use super::Shared;
use super::cluster::{ClientView, Cluster, InFlight, Picked, Upstream};
use super::headers::{Headers, strip_hop_by_hop};
use crate::credentials::{Body, BoxError, Credentials, full};

/// Accepts the local app's connections (HTTP/1.1 or h2c) until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((tcp, peer)) = listener.accept().await else { continue };
        let _ = tcp.set_nodelay(true);
        let local = tcp.local_addr().ok();
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let shared = shared.clone();
                let conn = Connection { peer, local };
                async move { Ok::<_, std::convert::Infallible>(handle(req, &shared, conn).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            // A connection error only ends this connection.
            let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
        });
    }
}

/// A plain-text response as Envoy writes its local replies.
pub(crate) fn local_reply(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut resp = Response::new(full(body));
    *resp.status_mut() = status;
    if !body.is_empty() {
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    }
    resp
}

/// The app's connection a request came on (for source-IP hashing and generated cookies).
#[derive(Debug, Clone, Copy)]
struct Connection {
    peer: SocketAddr,
    local: Option<SocketAddr>,
}

/// What the route decision asks of the proxy for one request.
enum Plan {
    /// Answer locally.
    Reply(Response<Body>),
    /// Send upstream.
    Forward {
        upstream: Upstream,
        /// Counts the request in flight to the upstream (least request) until dropped.
        in_flight: InFlight,
        /// The `set-cookie` of a generated hash cookie, added to the response.
        set_cookie: Option<String>,
        path: String,
        authority: String,
        timeout: Option<std::time::Duration>,
        delay: Option<std::time::Duration>,
    },
}

/// Routes and forwards one request of the local app.
async fn handle(req: Request<Incoming>, shared: &Shared, conn: Connection) -> Response<Body> {
    let (upstream, in_flight, set_cookie, path, authority, timeout, delay) = match plan(&req, shared, conn) {
        Plan::Reply(resp) => return resp,
        Plan::Forward { upstream, in_flight, set_cookie, path, authority, timeout, delay } => {
            (upstream, in_flight, set_cookie, path, authority, timeout, delay)
        }
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let (mut parts, body) = req.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    let Ok(uri) =
        Uri::builder().scheme("http").authority(authority.as_str()).path_and_query(path.as_str()).build()
    else {
        return local_reply(StatusCode::BAD_REQUEST, "invalid authority or path");
    };
    parts.uri = uri;
    parts.version = Version::HTTP_2;
    let upstream_req = Request::from_parts(parts, body.map_err(BoxError::from).boxed());
    let sent = shared.upstreams.send(&upstream, upstream_req);
    let result = match timeout {
        Some(t) => match tokio::time::timeout(t, sent).await {
            Ok(r) => r,
            Err(_) => {
                in_flight.finish(CallResult::LocalOriginTimeout, &shared.draws);
                return local_reply(StatusCode::GATEWAY_TIMEOUT, "upstream request timeout");
            }
        },
        None => sent.await,
    };
    // Outlier detection sees the peer's status, or a local-origin failure (Envoy's router
    // reports connection failures as such).
    let outcome = match &result {
        Ok(resp) => CallResult::HttpStatus(resp.status().as_u16()),
        Err(_) => CallResult::LocalOriginConnectFailed,
    };
    in_flight.finish(outcome, &shared.draws);
    match result {
        Ok(resp) => {
            let (mut parts, body) = resp.into_parts();
            strip_hop_by_hop(&mut parts.headers);
            parts.version = Version::HTTP_11;
            // envoy router: the generated hash cookie goes back to the client.
            if let Some(v) = set_cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
                parts.headers.append(SET_COOKIE, v);
            }
            Response::from_parts(parts, body.map_err(BoxError::from).boxed())
        }
        Err(_) => local_reply(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream connect error or disconnect/reset before headers",
        ),
    }
}

/// The route decision and endpoint pick for `req` (synchronous: the decision borrows the
/// request and the configuration).
fn plan(req: &Request<Incoming>, shared: &Shared, conn: Connection) -> Plan {
    let config = shared.current();
    let authority = req
        .uri()
        .authority()
        .map(|a| a.as_str().to_string())
        .or_else(|| req.headers().get("host").and_then(|h| h.to_str().ok()).map(str::to_string));
    let Some(authority) = authority else {
        return Plan::Reply(local_reply(StatusCode::BAD_REQUEST, "missing host"));
    };
    let (host, port) = split_authority(&authority);
    let raw_path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    // Envoy normalises the path (meshConfig.pathNormalization) before routing; it answers 400
    // to a path it cannot normalise.
    let Ok(path) = config.router.normalize_path(raw_path) else {
        return Plan::Reply(local_reply(StatusCode::BAD_REQUEST, "path normalization failed"));
    };
    let path = path.as_ref();
    let workload = &shared.options.workload;
    let headers = Headers(req.headers());
    let route_req = RouteRequest {
        source: Source { namespace: Some(&workload.namespace), labels: Some(&workload.labels), ip: None },
        authority: Some(&authority),
        headers: &headers,
        random: shared.draws.next_f64(),
        ..RouteRequest::http(host, port, req.method().as_str(), path)
    };
    let decision = config.router.route(&route_req);
    match decision.action {
        Action::Forward | Action::Passthrough => {}
        Action::Redirect => {
            let Some((status, location)) = decision.redirect_response(&route_req) else {
                return Plan::Reply(local_reply(StatusCode::NOT_FOUND, ""));
            };
            let mut resp = local_reply(status_of(status), "");
            if let Ok(v) = HeaderValue::from_str(&location) {
                resp.headers_mut().insert(LOCATION, v);
            }
            return Plan::Reply(resp);
        }
        Action::DirectResponse => {
            let Some(d) = decision.direct_response() else {
                return Plan::Reply(local_reply(StatusCode::NOT_FOUND, ""));
            };
            let body = mesh_routing::action::direct_response_body(d).unwrap_or_default();
            let mut resp = Response::new(full(body));
            *resp.status_mut() = status_of(d.status);
            return Plan::Reply(resp);
        }
        Action::NotFound => return Plan::Reply(local_reply(StatusCode::NOT_FOUND, "")),
        Action::Blackhole => return Plan::Reply(local_reply(StatusCode::BAD_GATEWAY, "")),
    }
    // Fault injection: the delay, then the abort, as Envoy's fault filter applies them.
    let mut delay = None;
    if let Some((d, abort)) = decision.fault() {
        if let Some(Abort::Http(status)) = abort {
            return Plan::Reply(local_reply(status_of(status), "fault filter abort"));
        }
        delay = d.and_then(|d| d.to_std());
    }
    let Some(selected) = decision.selected.as_ref() else {
        return Plan::Reply(local_reply(StatusCode::SERVICE_UNAVAILABLE, "no healthy upstream"));
    };
    let registry = config.router.registry();
    let Some(service) = registry.by_host(&selected.host).next() else {
        // A host outside the registry: this example has no original-destination passthrough.
        return Plan::Reply(local_reply(StatusCode::BAD_GATEWAY, ""));
    };
    let cluster_port = selected.port.unwrap_or(decision.policy_port);
    let cluster: Arc<Cluster> =
        config.clusters.get_or_build((&selected.host, selected.subset, cluster_port), || {
            let client = ClientView {
                locality: &shared.locality,
                labels: &workload.labels,
                trust_domain: &shared.trust_domain,
            };
            let endpoints = registry.endpoints_for_port(service, cluster_port).collect();
            Cluster::build(&decision, service, endpoints, &config.mesh_locality, client)
        });
    // The request's hash only when the DestinationRule hashes requests (consistentHash).
    let hash = match cluster.hash_policies() {
        [] => RequestHash { hash: None, set_cookie: None },
        policies => hash_request(req, raw_path, conn, policies),
    };
    let Some(Picked { upstream, in_flight, set_cookie }) = cluster.pick(&shared.draws, &hash) else {
        return Plan::Reply(local_reply(StatusCode::SERVICE_UNAVAILABLE, "no healthy upstream"));
    };
    let (path, authority) =
        decision.rewrite(&route_req).unwrap_or_else(|| (path.to_string(), authority.clone()));
    Plan::Forward {
        upstream,
        in_flight,
        set_cookie,
        path,
        authority,
        timeout: decision.timeout.and_then(|t| t.to_std()).filter(|t| !t.is_zero()),
        delay,
    }
}

/// The request's hash for `policies` (Envoy's route hash policy), from its headers, path and
/// the app's connection.
fn hash_request(
    req: &Request<Incoming>,
    path: &str,
    conn: Connection,
    policies: &[HashPolicy],
) -> RequestHash {
    let headers: Vec<(&str, &str)> = req
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.to_str().ok()?)))
        .collect();
    let (peer_ip, peer, local) =
        (conn.peer.ip().to_string(), conn.peer.to_string(), conn.local.map(|a| a.to_string()));
    let input = HashInput {
        headers: &headers,
        path: Some(path),
        source_ip: Some(&peer_ip),
        remote_address: Some(&peer),
        local_address: local.as_deref(),
    };
    request_hash(policies, &input)
}

fn status_of(status: u32) -> StatusCode {
    u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// `host:port` split; port 80 when absent. IPv6 literals keep their brackets.
fn split_authority(authority: &str) -> (&str, u16) {
    if let Some((host, port)) = authority.rsplit_once(':')
        && !host.ends_with(':')
        && let Ok(p) = port.parse()
    {
        return (host, p);
    }
    (authority, 80)
}

/// HTTP/2 connections to peer sidecars, one per endpoint, shared by all requests to it.
#[derive(Debug)]
pub(crate) struct UpstreamPool {
    credentials: Credentials,
    connections: Mutex<HashMap<String, SendRequest<Body>>>,
}

impl UpstreamPool {
    pub(crate) fn new(credentials: Credentials) -> Self {
        UpstreamPool { credentials, connections: Mutex::new(HashMap::new()) }
    }

    /// Sends `req` to `upstream`, opening an mTLS HTTP/2 connection when none is open.
    pub(crate) async fn send(
        &self,
        upstream: &Upstream,
        req: Request<Body>,
    ) -> Result<Response<Incoming>, BoxError> {
        let open = {
            let conns = self.connections.lock().unwrap_or_else(PoisonError::into_inner);
            conns.get(&upstream.address).filter(|s| !s.is_closed()).cloned()
        };
        let mut sender = match open {
            Some(s) => s,
            None => {
                let s = self.connect(upstream).await?;
                self.connections
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(upstream.address.clone(), s.clone());
                s
            }
        };
        sender.ready().await?;
        Ok(sender.send_request(req).await?)
    }

    async fn connect(&self, upstream: &Upstream) -> Result<SendRequest<Body>, BoxError> {
        // The peer must present the SVID of the endpoint's service account when the registry
        // names one, else any SVID of the trust domain.
        let matcher = match &upstream.spiffe_id {
            Some(id) => IdMatcher::Exact(id.clone()),
            None => IdMatcher::MemberOf(self.credentials.spiffe_id().trust_domain()),
        };
        let config = self.credentials.client_config(matcher, &[b"h2"])?;
        let tcp = TcpStream::connect(upstream.address.as_str()).await?;
        tcp.set_nodelay(true)?;
        // The SPIFFE verifier ignores the server name; it only fills SNI.
        let name = ServerName::try_from("outbound.mesh.local")?;
        let tls = TlsConnector::from(Arc::new(config)).connect(name, tcp).await?;
        let (sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }
}

#[cfg(test)]
mod tests {
    use super::split_authority;

    #[test]
    fn authority_splits_host_and_port() {
        assert_eq!(split_authority("reviews:9080"), ("reviews", 9080));
        assert_eq!(split_authority("reviews"), ("reviews", 80));
        assert_eq!(split_authority("[::1]:8080"), ("[::1]", 8080));
    }
}
