//! Test fixtures shared by the loopback tests: an in-process CA, app servers, and temporary
//! config directories.
#![allow(dead_code, unreachable_pub, clippy::disallowed_methods)] // tests read the clock

pub mod mesh;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use examples::credentials::{Credentials, OsEntropy};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use mesh_identity::{BundleSet, Ca, KeyPair, KeyType, SpiffeId, TrustDomain, X509Bundle};
use tokio::net::TcpListener;

/// A root CA for `trust_domain`, made now.
pub fn new_ca(trust_domain: &str) -> Ca {
    let td = TrustDomain::parse(trust_domain).expect("trust domain");
    let key = KeyPair::generate(KeyType::EcP256, &mut OsEntropy).expect("key");
    Ca::new_root(td, key, None, SystemTime::now() - Duration::from_secs(60), &mut OsEntropy).expect("ca")
}

/// The bundle set of `cas`' roots.
pub fn bundles(cas: &[&Ca]) -> BundleSet {
    let mut set = BundleSet::new();
    for ca in cas {
        let td = ca.trust_domain().expect("td").clone();
        set.insert(X509Bundle::from_der_roots(td, vec![ca.root_der().to_vec()]).expect("bundle"));
    }
    set
}

/// Credentials for `id` issued directly by `ca`, trusting `trust`.
pub fn issue(ca: &Ca, id: &str, trust: &BundleSet) -> Credentials {
    let id = SpiffeId::parse(id).expect("id");
    let now = SystemTime::now() - Duration::from_secs(30);
    let (svid, key) = ca.issue_with_new_key(&id, KeyType::EcP256, None, now, &mut OsEntropy).expect("issue");
    Credentials::new(svid.chain, key, trust).expect("credentials")
}

/// An app answering `<name> <path>` to every request; `/…/slow` answers after 400 ms.
pub async fn start_app(name: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind app");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else { continue };
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| async move {
                    if req.uri().path().ends_with("/slow") {
                        tokio::time::sleep(Duration::from_millis(400)).await;
                    }
                    let xfcc = req
                        .headers()
                        .get("x-forwarded-client-cert")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_string();
                    let body = format!("{name} {}", req.uri().path());
                    let mut resp = Response::new(Full::new(Bytes::from(body)));
                    if let Ok(v) = xfcc.parse() {
                        resp.headers_mut().insert("x-seen-xfcc", v);
                    }
                    Ok::<_, std::convert::Infallible>(resp)
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
    addr
}

/// A fresh, empty temporary directory, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let nanos =
            SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let dir = std::env::temp_dir().join(format!("meshkit-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `name` atomically (write aside, then rename), as a config tool would.
    pub fn write(&self, name: &str, text: &str) {
        let tmp = self.0.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, text).expect("write");
        std::fs::rename(&tmp, self.0.join(name)).expect("rename");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A plain HTTP/1.1 GET through `proxy` (the outbound listener) for `authority` and `path`,
/// with extra headers; returns the status and body.
pub async fn get(proxy: SocketAddr, authority: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (status, body, _) = get_full(proxy, authority, path, headers).await;
    (status, body)
}

/// [`get`], with the response headers.
#[allow(dead_code)] // not every test binary reads headers
pub async fn get_full(
    proxy: SocketAddr,
    authority: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String, Vec<(String, String)>) {
    let tcp = tokio::net::TcpStream::connect(proxy).await.expect("connect proxy");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await.expect("handshake");
    let conn = tokio::spawn(conn);
    let mut req = Request::get(path).header("host", authority);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::new())).expect("request");
    let resp = sender.send_request(req).await.expect("response");
    let status = resp.status().as_u16();
    let response_headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    conn.abort();
    (status, String::from_utf8_lossy(&body).into_owned(), response_headers)
}

/// Shared so that tests can hold a CA across tasks.
pub type SharedCa = Arc<Ca>;
