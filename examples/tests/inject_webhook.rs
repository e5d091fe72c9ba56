//! The injector webhook on loopback: AdmissionReviews posted over TLS as the API server posts
//! them, answered as istiod's `/inject` answers them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a test: panics fail it

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use examples::inject_webhook::{InjectWebhook, RunningWebhook, ServingCert, WebhookOptions};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::CONTENT_TYPE;
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use mesh_kube::inject::patch::response_patch;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const LIMIT: Duration = Duration::from_secs(30);
const DNS_NAME: &str = "istiod.istio-system.svc";

fn review(annotations: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "namespace": "shop", "operation": "CREATE", "object": {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": annotations},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
}

async fn start(options: WebhookOptions) -> RunningWebhook {
    InjectWebhook::start(options).await.unwrap()
}

fn self_signed() -> WebhookOptions {
    WebhookOptions::new("127.0.0.1:0".parse().unwrap(), ServingCert::SelfSigned(vec![DNS_NAME.into()]))
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request over TLS to `addr`, trusting only `ca_pem` for `DNS_NAME`.
async fn send(
    addr: SocketAddr,
    ca_pem: &str,
    method: Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(DNS_NAME).unwrap(), tcp)
        .await
        .unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
    let conn = tokio::spawn(conn);
    let mut req = Request::builder().method(method).uri(path).header("host", DNS_NAME);
    if let Some(ct) = content_type {
        req = req.header(CONTENT_TYPE, ct);
    }
    let resp = sender.send_request(req.body(Full::new(Bytes::from(body))).unwrap()).await.unwrap();
    let (status, headers) = (resp.status(), resp.headers().clone());
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    conn.abort();
    Answer { status, headers, body }
}

async fn post_review(webhook: &RunningWebhook, path: &str, review: &Value) -> Answer {
    let body = review.to_string().into_bytes();
    send(webhook.addr(), webhook.ca_bundle_pem(), Method::POST, path, Some("application/json"), body).await
}

/// The pod the answer's patch makes of the review's pod.
fn patched_pod(review: &Value, answer: &Value) -> Value {
    assert_eq!(answer["response"]["patchType"], "JSONPatch", "{answer}");
    let patch = response_patch(answer).unwrap();
    mesh_kube::inject::apply(&review["request"]["object"], &patch).unwrap()
}

fn env_of(container: &Value, name: &str) -> Option<Value> {
    container["env"].as_array()?.iter().find(|e| e["name"] == name).map(|e| e["value"].clone())
}

// istio webhook.go serveInject/inject: the API server's `?timeout=` query is not part of the
// path; the pod gets the JSON Patch adding istio-init and istio-proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pod_gets_the_istio_patch() {
    tokio::time::timeout(LIMIT, async {
        let webhook = start(self_signed()).await;
        let r = review(json!({}));
        let answer = post_review(&webhook, "/inject?timeout=10s", &r).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.headers[CONTENT_TYPE], "application/json");
        let out = answer.json();
        assert_eq!(out["apiVersion"], "admission.k8s.io/v1");
        assert_eq!(out["kind"], "AdmissionReview");
        assert_eq!(out["response"]["uid"], "u-1");
        assert_eq!(out["response"]["allowed"], true);
        let pod = patched_pod(&r, &out);
        assert_eq!(pod["spec"]["containers"][0]["name"], "web");
        let proxy = &pod["spec"]["containers"][1];
        assert_eq!(proxy["name"], "istio-proxy");
        assert_eq!(proxy["image"], "docker.io/istio/proxyv2:1.28.0");
        assert_eq!(
            env_of(proxy, "ISTIO_META_OWNER"),
            Some(json!("kubernetes://apis/v1/namespaces/shop/pods/web"))
        );
        assert_eq!(pod["spec"]["initContainers"][0]["name"], "istio-init");
        assert!(pod["metadata"].get("namespace").is_none(), "the namespace is filled before diffing");

        // An admission.k8s.io/v1beta1 review is answered in kind.
        let mut old = review(json!({}));
        old["apiVersion"] = json!("admission.k8s.io/v1beta1");
        let out = post_review(&webhook, "/inject", &old).await.json();
        assert_eq!(out["apiVersion"], "admission.k8s.io/v1beta1");
        assert_eq!(out["response"]["allowed"], true);
    })
    .await
    .expect("the test finished in time");
}

// istio webhook_test.go TestInjectRequired "force-off-policy": allowed, no patch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opted_out_pod_is_allowed_without_patch() {
    tokio::time::timeout(LIMIT, async {
        let webhook = start(self_signed()).await;
        let r = review(json!({"sidecar.istio.io/inject": "false"}));
        let answer = post_review(&webhook, "/inject", &r).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(answer.json()["response"], json!({"uid": "u-1", "allowed": true}));
    })
    .await
    .expect("the test finished in time");
}

// istio inject_test.go traffic-annotations-bad-includeipranges: the error names
// includeIPRanges (validate.go "includeIPRanges invalid: ..."), answered allowed: false.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_annotation_is_not_allowed_with_istios_message() {
    tokio::time::timeout(LIMIT, async {
        let webhook = start(self_signed()).await;
        let r = review(json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "bad"}));
        let answer = post_review(&webhook, "/inject", &r).await;
        assert_eq!(answer.status, StatusCode::OK);
        let out = answer.json();
        assert_eq!(out["response"]["uid"], "u-1");
        assert_eq!(out["response"]["allowed"], false);
        assert!(out["response"].get("patch").is_none());
        let message = out["response"]["status"]["message"].as_str().unwrap();
        assert!(message.contains("includeIPRanges invalid"), "{message}");
    })
    .await
    .expect("the test finished in time");
}

// istio webhook.go serveInject: the body is read first (no method check), an empty one is
// "no body found" (400), a Content-Type other than application/json is 415; a path outside
// /inject is Go's ServeMux 404; a body that is no AdmissionReview is answered allowed: false.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_match_istio() {
    tokio::time::timeout(LIMIT, async {
        let webhook = start(self_signed()).await;
        let (addr, ca) = (webhook.addr(), webhook.ca_bundle_pem().to_string());
        let body = review(json!({})).to_string().into_bytes();

        let get = send(addr, &ca, Method::GET, "/inject", None, Vec::new()).await;
        assert_eq!(get.status, StatusCode::BAD_REQUEST);
        assert_eq!(get.text(), "no body found\n");
        assert_eq!(get.headers[CONTENT_TYPE], "text/plain; charset=utf-8");
        assert_eq!(get.headers["x-content-type-options"], "nosniff");

        let empty = send(addr, &ca, Method::POST, "/inject", Some("application/json"), Vec::new()).await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert_eq!(empty.text(), "no body found\n");

        for ct in [Some("text/plain"), Some("application/json; charset=utf-8"), None] {
            let wrong = send(addr, &ca, Method::POST, "/inject", ct, body.clone()).await;
            assert_eq!(wrong.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{ct:?}");
            assert_eq!(wrong.text(), "invalid Content-Type, want `application/json`\n");
        }

        let elsewhere = send(addr, &ca, Method::POST, "/mutate", Some("application/json"), body).await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);

        let not_json =
            send(addr, &ca, Method::POST, "/inject", Some("application/json"), b"{".to_vec()).await;
        assert_eq!(not_json.status, StatusCode::OK);
        assert_eq!(not_json.json()["response"]["allowed"], false);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let not_review = post_review(&webhook, "/inject", &pod).await.json();
        assert_eq!(not_review["response"]["allowed"], false);
        let no_pod = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u-2"}});
        let out = post_review(&webhook, "/inject", &no_pod).await.json();
        assert_eq!(out["response"]["uid"], "u-2");
        assert_eq!(out["response"]["allowed"], false);
    })
    .await
    .expect("the test finished in time");
}

// Istio's SPIRE integration (testdata spire-template.iop.yaml): a user template from the
// values, selected with `inject.istio.io/templates: sidecar,spire`. The values file starts
// without it (the template is unknown, so injection fails) and is reloaded with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spire_template_from_reloaded_values() {
    tokio::time::timeout(LIMIT, async {
        let dir = common::TempDir::new("inject-webhook");
        let values = dir.path().join("values.json");
        dir.write("values.json", &json!({"tag": "1.28.1"}).to_string());
        let webhook = start(WebhookOptions {
            values: Some(values.clone()),
            reload_interval: Some(Duration::from_millis(50)),
            ..self_signed()
        })
        .await;
        let r = review(json!({"inject.istio.io/templates": "sidecar,spire"}));
        let out = post_review(&webhook, "/inject", &r).await.json();
        assert_eq!(out["response"]["allowed"], false, "{out}");
        let message = out["response"]["status"]["message"].as_str().unwrap();
        assert!(message.contains("requested template \"spire\" not found"), "{message}");

        let spire = "spec:\n  containers:\n  {{- range .Spec.Containers }}\n  - name: {{ .Name }}\n    env: [{name: SPIFFE_ENDPOINT_SOCKET, value: unix:///run/spire.sock}]\n  {{- end }}\n  volumes:\n  - name: workload-socket\n    csi: {driver: csi.spiffe.io, readOnly: true}\n";
        dir.write("values.json", &json!({"tag": "1.28.1", "templates": {"spire": spire}}).to_string());
        while webhook.settings().values.templates.is_empty() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let out = post_review(&webhook, "/inject", &r).await.json();
        assert_eq!(out["response"]["allowed"], true, "{out}");
        let pod = patched_pod(&r, &out);
        let socket =
            pod["spec"]["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "workload-socket").unwrap();
        assert_eq!(socket["csi"]["driver"], "csi.spiffe.io");
        let web = &pod["spec"]["containers"][0];
        assert_eq!(env_of(web, "SPIFFE_ENDPOINT_SOCKET"), Some(json!("unix:///run/spire.sock")));
        assert_eq!(pod["spec"]["containers"][1]["image"], "docker.io/istio/proxyv2:1.28.1");

        // Settings that no longer parse are ignored: the last good ones stay.
        dir.write("values.json", "{");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(webhook.settings().values.tag, "1.28.1");
        assert_eq!(post_review(&webhook, "/inject", &r).await.json()["response"]["allowed"], true);
    })
    .await
    .expect("the test finished in time");
}

// istio webhook.go parseInjectEnvs: a remote cluster's webhook URL names the proxy's cluster
// and network (`/inject/cluster/<id>/net/<network>`); a serving certificate from PEM files.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_names_cluster_and_network_with_pem_certificate() {
    tokio::time::timeout(LIMIT, async {
        let dir = common::TempDir::new("inject-webhook-pem");
        let made = rcgen::generate_simple_self_signed(vec![DNS_NAME.to_string()]).unwrap();
        let (cert, key) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
        std::fs::write(&cert, made.cert.pem()).unwrap();
        std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
        let options = WebhookOptions::new("127.0.0.1:0".parse().unwrap(), ServingCert::Pem { cert, key });
        let webhook = start(options).await;
        assert_eq!(webhook.ca_bundle_pem(), made.cert.pem());
        let r = review(json!({}));
        let out = post_review(&webhook, "/inject/cluster/remote--slash--1/net/network2?timeout=10s", &r)
            .await
            .json();
        let pod = patched_pod(&r, &out);
        let proxy = &pod["spec"]["containers"][1];
        assert_eq!(env_of(proxy, "ISTIO_META_CLUSTER_ID"), Some(json!("remote/1")));
        assert_eq!(env_of(proxy, "ISTIO_META_NETWORK"), Some(json!("network2")));
    })
    .await
    .expect("the test finished in time");
}
