//! A sidecar injector webhook: [`mesh_kube::inject::answer_review`] behind HTTPS, the job of
//! istiod's `/inject` endpoint (`pkg/kube/inject/webhook.go`, `serveInject`).
//!
//! The Kubernetes API server posts an AdmissionReview (`admission.k8s.io/v1` or `v1beta1`)
//! for every pod the MutatingWebhookConfiguration selects; the answer admits the pod with the
//! JSON Patch that adds the proxy, admits it unchanged when it is not to be injected, or is
//! `allowed: false` with the reason when it cannot be injected. As in Istio:
//! - `/inject` and anything under `/inject/` are served; the query (the API server appends
//!   `?timeout=10s`) is ignored. Under `/inject/`, `cluster/<id>/net/<network>` (or the
//!   `:ENV:cluster=<id>:ENV:net=<network>` form; `--slash--` stands for `/`) sets the
//!   proxy's cluster and network, as a remote cluster's webhook URL does. Other keys set
//!   other proxy environment variables in Istio; here they are ignored. Other paths: `404`.
//! - The body is read first, whatever the method (Istio does not check it), up to 6 MiB
//!   (`400 Request entity too large: limit is 6291456`); an empty body is `400 no body
//!   found`, so a plain `GET` is refused; a `Content-Type` other than exactly
//!   `application/json` is ``415 invalid Content-Type, want `application/json` ``. These
//!   answers are `text/plain` with a trailing newline, as Go's `http.Error` writes them.
//! - A body that is not an AdmissionReview, or one without a pod, is answered `200` with an
//!   `allowed: false` AdmissionReview naming the problem.
//!
//! **Namespaces.** Like Istio's webhook, this server reads no Namespace objects: the API
//! server has already applied the webhook configuration's `namespaceSelector` and
//! `objectSelector` (namespace label `istio-injection` / `istio.io/rev`, pod label
//! `sidecar.istio.io/inject`) before calling it. Only the webhook's own check runs
//! (`answer_review` with no namespace labels: host network, ignored namespaces, the pod's
//! label or annotation, `neverInjectSelector` / `alwaysInjectSelector`, the policy), so the
//! webhook configuration must carry those selectors.
//!
//! **Settings.** The injector configuration ([`InjectorConfig`], JSON) and the template
//! values ([`InjectValues`], JSON, with the user's own templates under `templates`) are
//! read from files at start; with a reload interval they are re-read, and when their text
//! changed and still parses, swapped in whole for the next requests (the last good
//! settings are kept otherwise).
//!
//! **TLS.** The serving certificate and key come from PEM files, or a self-signed
//! certificate for the webhook service's DNS names is made at start; either way
//! [`RunningWebhook::ca_bundle_pem`] is what goes into the webhook configuration's
//! `caBundle`.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use examples::inject_webhook::{InjectWebhook, ServingCert, WebhookOptions};
//! let options = WebhookOptions {
//!     values: Some("values.json".into()),
//!     ..WebhookOptions::new(
//!         "0.0.0.0:15017".parse()?,
//!         ServingCert::SelfSigned(vec!["istiod.istio-system.svc".into()]),
//!     )
//! };
//! let webhook = InjectWebhook::start(options).await?;
//! println!("https://{}/inject, caBundle:\n{}", webhook.addr(), webhook.ca_bundle_pem());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue, X_CONTENT_TYPE_OPTIONS};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use mesh_kube::inject::patch::admission_error;
use mesh_kube::inject::{InjectValues, InjectorConfig, answer_review};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::credentials::{Body, full};

/// The path the webhook serves (and every path under `/inject/`).
pub const INJECT_PATH: &str = "/inject";

/// The largest body read: Istio's `MaxRequestBodyBytes` (twice Kubernetes' limit, itself
/// twice etcd's object size).
pub const MAX_BODY: usize = 6 * 1024 * 1024;

/// Where the serving certificate comes from.
#[derive(Debug, Clone)]
pub enum ServingCert {
    /// A certificate chain (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1), PEM.
    Pem {
        /// The chain file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// A fresh self-signed certificate for these DNS names (the webhook Service's, such as
    /// `istiod.istio-system.svc`).
    SelfSigned(Vec<String>),
}

/// How to run the webhook.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// Where to listen (port 0: any).
    pub addr: SocketAddr,
    /// The serving certificate.
    pub cert: ServingCert,
    /// The template values ([`InjectValues`], JSON); Istio's defaults when `None`.
    pub values: Option<PathBuf>,
    /// The injector configuration ([`InjectorConfig`], JSON); Istio's defaults when `None`.
    pub injector_config: Option<PathBuf>,
    /// How often the two files are re-read; `None`: never.
    pub reload_interval: Option<Duration>,
}

impl WebhookOptions {
    /// Options with default settings and no reload.
    pub fn new(addr: SocketAddr, cert: ServingCert) -> Self {
        WebhookOptions { addr, cert, values: None, injector_config: None, reload_interval: None }
    }
}

/// Why the webhook could not start, or settings could not be loaded.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A settings file is not what it should hold.
    #[error("{path}: the {what} does not parse: {reason}")]
    Settings {
        /// The file.
        path: PathBuf,
        /// `values` or `injector configuration`.
        what: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// The serving certificate or key could not be read or made.
    #[error("the serving certificate: {0}")]
    Certificate(String),
    /// The TLS configuration could not be built.
    #[error("the TLS configuration could not be built: {0}")]
    Tls(#[from] rustls::Error),
    /// The listener could not be bound.
    #[error("binding {0} failed: {1}")]
    Bind(SocketAddr, std::io::Error),
}

/// The injector's settings, swapped in whole on reload.
#[derive(Debug, Clone, Default)]
pub struct InjectorSettings {
    /// The policy and selectors.
    pub config: InjectorConfig,
    /// The template values and user templates.
    pub values: InjectValues,
}

/// The texts of the settings files, to tell when they changed.
type Texts = Vec<Option<String>>;

fn read_text(path: Option<&Path>) -> Result<Option<String>, WebhookError> {
    path.map(|p| std::fs::read_to_string(p).map_err(|source| WebhookError::Read { path: p.into(), source }))
        .transpose()
}

fn parse<T: serde::de::DeserializeOwned + Default>(
    path: Option<&Path>,
    text: Option<&String>,
    what: &'static str,
) -> Result<T, WebhookError> {
    match (path, text) {
        (Some(p), Some(t)) => serde_json::from_str(t).map_err(|e| WebhookError::Settings {
            path: p.into(),
            what,
            reason: e.to_string(),
        }),
        _ => Ok(T::default()),
    }
}

fn read_settings(
    values: Option<&Path>,
    injector_config: Option<&Path>,
) -> Result<(Texts, InjectorSettings), WebhookError> {
    let texts = read_texts(values, injector_config)?;
    let settings = parse_texts(values, injector_config, &texts)?;
    Ok((texts, settings))
}

fn read_texts(values: Option<&Path>, injector_config: Option<&Path>) -> Result<Texts, WebhookError> {
    Ok(vec![read_text(values)?, read_text(injector_config)?])
}

fn parse_texts(
    values: Option<&Path>,
    injector_config: Option<&Path>,
    texts: &Texts,
) -> Result<InjectorSettings, WebhookError> {
    Ok(InjectorSettings {
        values: parse(values, texts.first().and_then(Option::as_ref), "values")?,
        config: parse(injector_config, texts.get(1).and_then(Option::as_ref), "injector configuration")?,
    })
}

/// The serving chain and key, and the chain as PEM.
fn serving_cert(
    cert: &ServingCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String), WebhookError> {
    let bad = |e: String| WebhookError::Certificate(e);
    match cert {
        ServingCert::Pem { cert, key } => {
            let chain_pem = std::fs::read_to_string(cert)
                .map_err(|source| WebhookError::Read { path: cert.clone(), source })?;
            let key_pem =
                std::fs::read(key).map_err(|source| WebhookError::Read { path: key.clone(), source })?;
            let chain = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(format!("{}: {e}", cert.display())))?;
            if chain.is_empty() {
                return Err(bad(format!("{} holds no CERTIFICATE block", cert.display())));
            }
            let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
                .map_err(|e| bad(format!("{}: {e}", key.display())))?;
            Ok((chain, key_der, chain_pem))
        }
        ServingCert::SelfSigned(names) => {
            let made = rcgen::generate_simple_self_signed(names.clone()).map_err(|e| bad(e.to_string()))?;
            let key_der =
                PrivateKeyDer::try_from(made.signing_key.serialize_der()).map_err(|e| bad(e.into()))?;
            Ok((vec![made.cert.der().clone()], key_der, made.cert.pem()))
        }
    }
}

struct Shared {
    settings: RwLock<Arc<InjectorSettings>>,
}

impl Shared {
    fn current(&self) -> Arc<InjectorSettings> {
        self.settings.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn swap(&self, next: InjectorSettings) {
        *self.settings.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
    }
}

/// The injector webhook server.
#[derive(Debug)]
pub struct InjectWebhook;

impl InjectWebhook {
    /// Loads the settings and the serving certificate, binds and serves on the current tokio
    /// runtime until the returned handle is dropped.
    pub async fn start(options: WebhookOptions) -> Result<RunningWebhook, WebhookError> {
        let (texts, settings) = read_settings(options.values.as_deref(), options.injector_config.as_deref())?;
        let (chain, key, ca_bundle_pem) = serving_cert(&options.cert)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let listener =
            TcpListener::bind(options.addr).await.map_err(|e| WebhookError::Bind(options.addr, e))?;
        let addr = listener.local_addr().map_err(|e| WebhookError::Bind(options.addr, e))?;
        let shared = Arc::new(Shared { settings: RwLock::new(Arc::new(settings)) });
        let mut tasks = vec![tokio::spawn(serve(listener, TlsAcceptor::from(Arc::new(tls)), shared.clone()))];
        if let Some(every) = options.reload_interval {
            tasks.push(tokio::spawn(watch(shared.clone(), options, every, texts)));
        }
        Ok(RunningWebhook { addr, ca_bundle_pem, shared, tasks })
    }
}

/// A running webhook; dropping it stops the listener and the settings watcher.
pub struct RunningWebhook {
    addr: SocketAddr,
    ca_bundle_pem: String,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for RunningWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningWebhook").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl RunningWebhook {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The serving certificate chain, PEM: the `caBundle` of the webhook configuration
    /// (base64 of this text) when the certificate is self-signed.
    pub fn ca_bundle_pem(&self) -> &str {
        &self.ca_bundle_pem
    }

    /// The settings requests are answered with now.
    pub fn settings(&self) -> Arc<InjectorSettings> {
        self.shared.current()
    }
}

impl Drop for RunningWebhook {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Re-reads the settings files every `every`; changed settings that parse replace the old,
/// settings that do not are reported and ignored (as `sidecar_proxy::reload` does).
async fn watch(shared: Arc<Shared>, options: WebhookOptions, every: Duration, mut last: Texts) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let (values, config) = (options.values.clone(), options.injector_config.clone());
        let read =
            tokio::task::spawn_blocking(move || read_texts(values.as_deref(), config.as_deref())).await;
        let texts = match read {
            Ok(Ok(texts)) => texts,
            Ok(Err(e)) => {
                eprintln!("inject-webhook: {e}; keeping the current settings");
                continue;
            }
            Err(e) => {
                eprintln!("inject-webhook: reading the settings failed: {e}");
                continue;
            }
        };
        if texts == last {
            continue;
        }
        match parse_texts(options.values.as_deref(), options.injector_config.as_deref(), &texts) {
            Ok(next) => shared.swap(next),
            Err(e) => eprintln!("inject-webhook: {e}; keeping the current settings"),
        }
        last = texts;
    }
}

async fn serve(listener: TcpListener, acceptor: TlsAcceptor, shared: Arc<Shared>) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else { continue };
        let acceptor = acceptor.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await
            else {
                return;
            };
            let service = service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(req, &shared).await) }
            });
            let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            let _ = builder.serve_connection(TokioIo::new(tls), service).await;
        });
    }
}

/// An error answer as Go's `http.Error` writes it.
fn http_error(status: StatusCode, message: &str) -> Response<Body> {
    let mut resp = Response::new(full(format!("{message}\n")));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    resp
}

fn json_answer(review: &Value) -> Response<Body> {
    let mut resp = Response::new(full(review.to_string()));
    resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

async fn handle(req: Request<Incoming>, shared: &Shared) -> Response<Body> {
    // Go's ServeMux matches the path alone (the query is not part of it), decoded.
    let path = percent_decode(req.uri().path());
    if path != INJECT_PATH && !path.starts_with("/inject/") {
        return http_error(StatusCode::NOT_FOUND, "404 page not found");
    }
    let content_type = req.headers().get(CONTENT_TYPE).map(|v| v.as_bytes().to_vec());
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            return http_error(
                StatusCode::BAD_REQUEST,
                &format!("Request entity too large: limit is {MAX_BODY}"),
            );
        }
        Err(e) => return http_error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    if body.is_empty() {
        return http_error(StatusCode::BAD_REQUEST, "no body found");
    }
    if content_type.as_deref() != Some(b"application/json".as_slice()) {
        return http_error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid Content-Type, want `application/json`",
        );
    }
    let review: Value = match serde_json::from_slice(&body) {
        Ok(v) if is_admission_review(&v) => v,
        Ok(v) => {
            let kind =
                format!("{}/{}", v["apiVersion"].as_str().unwrap_or(""), v["kind"].as_str().unwrap_or(""));
            return json_answer(&undecodable(&format!(
                "unsupported type: {kind:?} is not an AdmissionReview"
            )));
        }
        Err(e) => return json_answer(&undecodable(&format!("the body is not JSON: {e}"))),
    };
    let settings = shared.current();
    let envs = inject_envs(&path);
    let values = with_url_envs(&settings.values, &envs);
    let answer =
        match answer_review(&review, &settings.config, None, values.as_ref().unwrap_or(&settings.values)) {
            Ok(a) => a.response,
            Err(e) => admission_error(&review, &e.to_string()),
        };
    json_answer(&answer)
}

fn is_admission_review(v: &Value) -> bool {
    v["kind"] == "AdmissionReview"
        && matches!(v["apiVersion"].as_str(), Some("admission.k8s.io/v1" | "admission.k8s.io/v1beta1"))
}

/// Istio's answer to a body it cannot decode: a response with no type or uid.
fn undecodable(message: &str) -> Value {
    let mut review = admission_error(&Value::Null, message);
    if let Some(m) = review.as_object_mut() {
        m.shift_remove("apiVersion");
        m.shift_remove("kind");
    }
    review
}

/// The values with the cluster and network a webhook URL names, when it names one.
fn with_url_envs(values: &InjectValues, envs: &BTreeMap<String, String>) -> Option<InjectValues> {
    let cluster = envs.get("ISTIO_META_CLUSTER_ID").filter(|c| !c.is_empty());
    let network = envs.get("ISTIO_META_NETWORK").filter(|n| !n.is_empty());
    if cluster.is_none() && network.is_none() {
        return None;
    }
    let mut v = values.clone();
    if let Some(c) = cluster {
        v.cluster_id = c.clone();
    }
    if let Some(n) = network {
        v.network = n.clone();
    }
    Some(v)
}

/// The proxy environment a webhook path sets (Istio's `parseInjectEnvs`):
/// `/inject/k1/v1/k2/v2` (`--slash--` in a value is `/`) or `/inject/:ENV:k1=v1:ENV:k2=v2`;
/// `cluster` and `net` name `ISTIO_META_CLUSTER_ID` and `ISTIO_META_NETWORK`, other keys are
/// upper-cased; a key without a value is dropped.
pub fn inject_envs(path: &str) -> BTreeMap<String, String> {
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut items: Vec<String> = Vec::new();
    let mut parts = path.splitn(3, '/');
    if let (Some(_), Some(_), Some(rest)) = (parts.next(), parts.next(), parts.next()) {
        if rest.starts_with(":ENV:") {
            for pair in rest.split(":ENV:").skip(1) {
                if let Some((k, v)) = pair.split_once('=')
                    && !k.is_empty()
                {
                    items.extend([k.to_string(), v.to_string()]);
                }
            }
        } else {
            items = rest
                .split('/')
                .enumerate()
                .map(|(i, s)| if i % 2 == 1 { s.replace("--slash--", "/") } else { s.to_string() })
                .collect();
        }
    }
    let mut envs = BTreeMap::new();
    for pair in items.chunks_exact(2) {
        let env = match pair[0].as_str() {
            "cluster" => "ISTIO_META_CLUSTER_ID".to_string(),
            "net" => "ISTIO_META_NETWORK".to_string(),
            k => k.to_uppercase(),
        };
        if !env.is_empty() {
            envs.insert(env, pair[1].clone());
        }
    }
    envs
}

/// `%XX` escapes decoded, as Go's `URL.Path` holds the path; a bad escape stays as it is.
fn percent_decode(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) =
                (bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::{inject_envs, percent_decode};

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    // istio webhook_test.go TestParseInjectEnvs, row by row.
    #[test]
    fn webhook_path_envs() {
        let cluster = "ISTIO_META_CLUSTER_ID";
        let net = "ISTIO_META_NETWORK";
        for (path, want) in [
            ("/", map(&[])),
            ("/inject", map(&[])),
            ("/inject/", map(&[])),
            ("/inject/cluster/cluster1", map(&[(cluster, "cluster1")])),
            ("/inject/cluster/cluster1/net/network1/", map(&[(cluster, "cluster1"), (net, "network1")])),
            (
                "/inject/cluster/cluster--slash--1/net/network--slash--1",
                map(&[(cluster, "cluster/1"), (net, "network/1")]),
            ),
            ("/inject/cluster/cluster1/custom_env/foo", map(&[(cluster, "cluster1"), ("CUSTOM_ENV", "foo")])),
            ("/inject/cluster", map(&[])),
            ("/inject/cluster/cluster1/network", map(&[(cluster, "cluster1")])),
            (
                "/inject/:ENV:cluster=cluster2:ENV:rootpage=/foo/bar",
                map(&[(cluster, "cluster2"), ("ROOTPAGE", "/foo/bar")]),
            ),
            (
                "/inject/rootpage1/value1/rootpage2/:ENV:abcd=efgh",
                map(&[("ROOTPAGE1", "value1"), ("ROOTPAGE2", ":ENV:abcd=efgh")]),
            ),
            ("/inject/:ENV:rootpage1=efgh:ENV:=abb:ENV:=", map(&[("ROOTPAGE1", "efgh")])),
        ] {
            assert_eq!(inject_envs(path), want, "{path}");
        }
        // The URL-encoded rows: Go decodes the path first.
        let decoded = percent_decode("%2Finject%2Frootpage1%2Ffoo%2Frootpage2%2Fbar");
        assert_eq!(inject_envs(&decoded), map(&[("ROOTPAGE1", "foo"), ("ROOTPAGE2", "bar")]));
        let decoded =
            percent_decode("%2Finject%2F%3AENV%3Arootpage1%3D%2Ffoo%2Fbar%3AENV%3Arootpage2%3D%2Fbar%2Ftoe");
        assert_eq!(inject_envs(&decoded), map(&[("ROOTPAGE1", "/foo/bar"), ("ROOTPAGE2", "/bar/toe")]));
    }

    #[test]
    fn bad_escapes_stay() {
        assert_eq!(percent_decode("/inject/%zz%4"), "/inject/%zz%4");
        assert_eq!(percent_decode("/a%20b"), "/a b");
    }
}
