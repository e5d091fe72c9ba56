//! `meshctl inject`: an AdmissionReview in, the AdmissionReview response out.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::process::Command;

use mesh_kube::inject::patch::response_patch;
use serde_json::{Value, json};

fn meshctl(args: &[&str]) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().expect("meshctl runs");
    (out.status.code().unwrap_or(-1), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

fn review(annotations: Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u-1", "namespace": "shop", "object": {
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web", "labels": {"app": "web"}, "annotations": annotations},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}}}})
}

#[test]
fn injects_with_a_patch() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, review(json!({})).to_string()).unwrap();
    let (code, out) = meshctl(&[
        "inject",
        "--review",
        p.to_str().unwrap(),
        "--namespace-label",
        "istio-injection=enabled",
        "-o",
        "json",
    ]);
    assert_eq!(code, 0);
    assert_eq!(out["kind"], "AdmissionReview");
    assert_eq!(out["response"]["uid"], "u-1");
    assert_eq!(out["response"]["allowed"], true);
    assert_eq!(out["response"]["patchType"], "JSONPatch");
    assert!(out["response"]["patch"].as_str().unwrap().len() > 100);
}

// istio webhook_test.go TestInjectRequired "force-off-policy": the annotation opts out.
#[test]
fn opt_out_is_allowed_without_patch() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, review(json!({"sidecar.istio.io/inject": "false"})).to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["allowed"], true);
    assert!(out["response"].get("patch").is_none());
}

#[test]
fn malformed_review_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    std::fs::write(&p, "{").unwrap();
    assert_eq!(meshctl(&["inject", "--review", p.to_str().unwrap()]).0, 2);
    std::fs::write(&p, "{}").unwrap();
    assert_eq!(meshctl(&["inject", "--review", p.to_str().unwrap()]).0, 2);
}

// istio webhook.go toAdmissionResponse: a pod that cannot be injected is answered
// allowed: false with the reason (inject_test.go traffic-annotations-bad-* cases).
#[test]
fn uninjectable_pod_is_not_allowed_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    let bad = json!({"traffic.sidecar.istio.io/includeOutboundIPRanges": "bad"});
    std::fs::write(&p, review(bad).to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 1);
    assert_eq!(out["response"]["uid"], "u-1");
    assert_eq!(out["response"]["allowed"], false);
    let message = out["response"]["status"]["message"].as_str().unwrap();
    // istio webhook.go toAdmissionResponse: the bare error ("Pod injection failed" is only logged).
    assert!(!message.starts_with("Pod injection failed"), "{message}");
    assert!(message.to_lowercase().contains("includeipranges"), "{message}");
}

// The patch turns the request's pod into Istio's injected pod: namespace filled from the
// request is not part of it, and the proxy follows the app container.
#[test]
fn patch_applies_to_the_request_pod() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("r.json");
    let r = review(json!({}));
    std::fs::write(&p, r.to_string()).unwrap();
    let (code, out) = meshctl(&["inject", "--review", p.to_str().unwrap(), "-o", "json"]);
    assert_eq!(code, 0);
    let patch = response_patch(&out).unwrap();
    assert!(patch.as_array().unwrap().iter().all(|op| op["path"] != "/metadata/namespace"));
    let pod = r["request"]["object"].clone();
    let injected = mesh_kube::inject::apply(&pod, &patch).unwrap();
    assert_eq!(injected["spec"]["containers"][0]["name"], "web");
    assert_eq!(injected["spec"]["containers"][1]["name"], "istio-proxy");
    assert_eq!(
        injected["spec"]["containers"][1]["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "ISTIO_META_OWNER")
            .unwrap()["value"],
        "kubernetes://apis/v1/namespaces/shop/pods/web"
    );
}

// istio inject.go IntoResourceFile (kube-inject): workloads are injected in place, other
// documents pass through, host-network workloads are skipped with Istio's warning.
#[test]
fn workload_manifests_are_injected_like_kube_inject() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("w.yaml");
    std::fs::write(
        &p,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n\
         spec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: web:1}]\n\
         ---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n\
         ---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ops}\n\
         spec:\n  template:\n    spec: {hostNetwork: true, containers: [{name: a, image: a:1}]}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl"))
        .args(["inject", "--workload", p.to_str().unwrap(), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let template = &items[0]["spec"]["template"];
    assert_eq!(template["spec"]["containers"][1]["name"], "istio-proxy");
    let env = template["spec"]["containers"][1]["env"].as_array().unwrap();
    let owner = env.iter().find(|e| e["name"] == "ISTIO_META_OWNER").unwrap();
    assert_eq!(owner["value"], "kubernetes://apis/apps/v1/namespaces/shop/deployments/web");
    assert_eq!(
        items[1],
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"ports": [{"port": 80}]}})
    );
    assert!(items[2]["spec"]["template"]["spec"]["containers"].as_array().unwrap().len() == 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r#"Skipping injection because DaemonSet "ops/agent" has host networking enabled"#)
    );
    // Nothing to inject: exit 1.
    let svc = dir.path().join("s.yaml");
    std::fs::write(&svc, "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n").unwrap();
    assert_eq!(meshctl(&["inject", "--workload", svc.to_str().unwrap(), "-o", "json"]).0, 1);
}

// Istio's SPIRE integration: a user template (`sidecarInjectorWebhook.templates.spire`) given
// in --values and selected with `inject.istio.io/templates: sidecar,spire` replaces the
// workload socket with the SPIFFE CSI driver (istio testdata spire-template.iop.yaml).
#[test]
fn user_templates_from_values_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.json");
    std::fs::write(&r, review(json!({"inject.istio.io/templates": "sidecar,spire"})).to_string()).unwrap();
    let v = dir.path().join("v.json");
    let spire = "spec:\n  containers:\n  {{- range .Spec.Containers }}\n  - name: {{ .Name }}\n    env: [{name: SPIFFE_ENDPOINT_SOCKET, value: unix:///run/spire.sock}]\n  {{- end }}\n  volumes:\n  - name: workload-socket\n    csi: {driver: csi.spiffe.io, readOnly: true}\n";
    std::fs::write(&v, json!({"templates": {"spire": spire}}).to_string()).unwrap();
    let args = ["inject", "--review", r.to_str().unwrap(), "--values", v.to_str().unwrap(), "-o", "json"];
    let (code, out) = meshctl(&args);
    assert_eq!(code, 0, "{out}");
    let patch = response_patch(&out).unwrap();
    let pod = mesh_kube::inject::apply(&review(json!({}))["request"]["object"], &patch).unwrap();
    let socket =
        pod["spec"]["volumes"].as_array().unwrap().iter().find(|v| v["name"] == "workload-socket").unwrap();
    assert_eq!(socket["csi"]["driver"], "csi.spiffe.io");
    let web = &pod["spec"]["containers"][0];
    assert_eq!(web["name"], "web");
    assert!(web["env"].as_array().unwrap().iter().any(|e| e["name"] == "SPIFFE_ENDPOINT_SOCKET"), "{web}");

    // A template naming a function Go's text/template does not know is refused like Istio.
    std::fs::write(&v, json!({"templates": {"spire": "{{ nope . }}"}}).to_string()).unwrap();
    let (code, out) = meshctl(&args);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["response"]["allowed"], false);
}
