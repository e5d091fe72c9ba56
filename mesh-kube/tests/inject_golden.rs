//! Golden tests: sidecar injection compared with Istio's own injection golden files
//! (istio/istio `pkg/kube/inject/testdata/inject/*.yaml.injected`), the way upstream's
//! `TestInjection` webhook sub-test compares them: each input workload becomes the pod the
//! API server would send (a Deployment's template gets a ReplicaSet owner and a
//! `pod-template-hash` label), the injector answers with a JSON Patch, the patch is applied,
//! and the result must equal the golden workload's pod, ignoring `sidecar.istio.io/status`
//! and the fields a typed Kubernetes round trip drops (nulls, empty lists and maps).
//!
//! The golden files are read from a git checkout of istio/istio (`$MESHKIT_ISTIO_REPO`, else
//! `/work/.mirror/istio+istio/repo`), never copied into this project; without one the test
//! says so and skips.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::collections::BTreeMap;

use mesh_kube::inject::decision::inject_required;
use mesh_kube::inject::{InjectError, InjectValues, InjectorConfig, apply, diff, inject_pod};
use serde_json::{Value, json};

/// The settings upstream's test renders the charts with (`profile=empty`, the chart's
/// `values.yaml`: hub `registry.istio.io/testing`, tag `latest`), native sidecars on (the
/// test's nodes run Kubernetes 1.33 and 1.34).
fn upstream_defaults() -> InjectValues {
    InjectValues {
        hub: "registry.istio.io/testing".into(),
        tag: "latest".into(),
        native_sidecar: true,
        ..InjectValues::default()
    }
}

type Tweak = fn(&mut InjectValues);

/// The cases of upstream's `TestInjection` table that change settings (`setFlags`, the mesh
/// config, a feature flag), as (input, golden, settings). Every other input file is run with
/// the defaults, as upstream does.
fn explicit_cases() -> Vec<(&'static str, &'static str, Tweak)> {
    vec![
        ("hello.yaml", "hello.yaml.cni.injected", |v| {
            v.cni = true;
            v.cni_provider = "default".into();
            v.network = "network1".into();
        }),
        ("hello.yaml", "hello.yaml.proxyImageName.injected", |v| v.proxy_image = "proxyTest".into()),
        ("hello.yaml", "hello.yaml.proxyInitImageName.injected", |v| {
            v.proxy_init_image = "proxyInitTest".into()
        }),
        ("hello.yaml", "hello-tproxy.yaml.injected", |v| {
            v.proxy_config = json!({"interceptionMode": "TPROXY"})
        }),
        ("hello.yaml", "hello-always.yaml.injected", |v| v.image_pull_policy = "Always".into()),
        ("hello.yaml", "hello-never.yaml.injected", |v| v.image_pull_policy = "Never".into()),
        ("hello.yaml", "hello-old-version.yaml.injected", |v| v.native_sidecar = false),
        ("format-duration.yaml", "format-duration.yaml.injected", |v| {
            v.proxy_config = json!({"drainDuration": "23s"})
        }),
        ("traffic-params.yaml", "traffic-params.yaml.injected", |v| {
            v.capture.include_ip_ranges = "127.0.0.1/24,10.96.0.1/24".into();
            v.capture.exclude_ip_ranges = "10.96.0.2/24,10.96.0.3/24".into();
            v.capture.exclude_inbound_ports = "4,5,6".into();
            v.capture.status_port = "0".into();
        }),
        ("status_params.yaml", "status_params.yaml.injected", status_params),
        ("kubevirtInterfaces.yaml", "kubevirtInterfaces.yaml.injected", status_params),
        ("reroute-virtual-interfaces.yaml", "reroute-virtual-interfaces.yaml.injected", status_params),
        // hello-image-secrets-in-values.iop.yaml sets global.imagePullSecrets.
        ("hello.yaml", "hello-image-secrets-in-values.yaml.injected", |v| {
            v.image_pull_secrets = vec!["barSecret".into()]
        }),
        ("hello-image-pull-secret.yaml", "hello-multiple-image-secrets.yaml.injected", |v| {
            v.image_pull_secrets = vec!["barSecret".into()]
        }),
        ("hello.yaml", "hello-mount-mtls-certs.yaml.injected", |v| v.mount_mtls_certs = true),
        // hello-template-in-values.iop.yaml sets global.podDNSSearchNamespaces, which the
        // sidecar template no longer reads: the pod is injected as with the defaults.
        ("hello.yaml", "hello-template-in-values.yaml.injected", |_| {}),
        ("hello.yaml", "hello-cncf-networks.yaml.injected", multus),
        ("hello-existing-cncf-networks.yaml", "hello-existing-cncf-networks.yaml.injected", multus),
        ("hello-existing-cncf-networks-json.yaml", "hello-existing-cncf-networks-json.yaml.injected", multus),
        ("hello.yaml", "hello.proxyHoldsApplication.yaml.injected", hold),
        ("hello-probes.yaml", "hello-probes.proxyHoldsApplication.yaml.injected", hold),
        (
            "hello-probes-noProxyHoldApplication-ProxyConfig.yaml",
            "hello-probes-noProxyHoldApplication-ProxyConfig.yaml.injected",
            hold,
        ),
        ("daemonset.yaml", "daemonset-old-version.yaml.injected", old),
        ("job.yaml", "job-old-version.yaml.injected", old),
        ("pod.yaml", "pod-old-version.yaml.injected", old),
        ("replicaset.yaml", "replicaset-old-version.yaml.injected", old),
        ("statefulset.yaml", "statefulset-old-version.yaml.injected", old),
        ("native-sidecar.yaml", "native-sidecar-old-version.yaml.injected", old),
        ("native-sidecar-opt-in.yaml", "native-sidecar-opt-in.yaml.injected", old),
        ("native-sidecar-opt-out.yaml", "native-sidecar-opt-out.yaml.injected", old),
        ("traffic-annotations.yaml", "traffic-annotations.yaml.injected", |v| {
            v.proxy_config = json!({"proxyMetadata": {
                "ISTIO_META_TLS_CLIENT_KEY": "/etc/identity/client/keys/client-key.pem"}})
        }),
        ("proxy-override-runas.yaml", "proxy-override-runas.yaml.cni.injected", |v| v.cni = true),
        ("proxy-override-runas.yaml", "proxy-override-runas.yaml.tproxy.injected", |v| {
            v.proxy_config = json!({"interceptionMode": "TPROXY"})
        }),
        ("proxy-override-args.yaml", "proxy-override-args-native.yaml.injected", |_| {}),
        ("merge-probers.yaml", "merge-probers.yaml.injected", hold),
        ("hello-tracing-disabled.yaml", "hello-tracing-disabled.yaml.injected", |v| {
            v.proxy_config = json!({"tracing": {}})
        }),
        ("hello-probes-localhost.yaml", "hello-probes-localhost.yaml.injected", |v| {
            v.inbound_traffic_policy_mode = "localhost".into()
        }),
        ("hello.yaml", "hello-fips-140-3.yaml.injected", |v| v.compliance_policy = "fips-140-3".into()),
        ("hello-otel-semconv.yaml", "hello-otel-semconv.yaml.injected", |v| {
            v.otel_semantic_conventions = true
        }),
        // OpenShift (webhook only upstream), in upstream's namespace test-ns.
        ("hello-openshift.yaml", "hello-openshift.yaml.injected", openshift),
        (
            "hello-openshift-custom-injection.yaml",
            "hello-openshift-custom-injection.yaml.injected",
            openshift,
        ),
        ("hello-openshift-tproxy.yaml", "hello-openshift-tproxy.yaml.injected", openshift),
        // The proxy-resources-*.iop.yaml files set global.proxy.resources (null removes a
        // chart default).
        ("proxy-resources-null.yaml", "proxy-resources-null.yaml.injected", resources_null),
        ("proxy-resources-null-no-init.yaml", "proxy-resources-null-no-init.yaml.injected", resources_null),
        ("proxy-resources-zero.yaml", "proxy-resources-zero.yaml.injected", |v| {
            v.proxy_resources = json!({"limits": {"cpu": "0", "memory": "500Mi"},
                                       "requests": {"cpu": "0", "memory": "150Mi"}})
        }),
        ("proxy-resources-memory-null.yaml", "proxy-resources-memory-null.yaml.injected", |v| {
            v.proxy_resources = json!({"limits": {"cpu": "100m", "memory": null},
                                       "requests": {"cpu": "50m", "memory": null}})
        }),
        ("proxy-resources-mixed-null.yaml", "proxy-resources-mixed-null.yaml.injected", |v| {
            v.proxy_resources = json!({"limits": {"cpu": null, "memory": "500Mi", "ephemeral-storage": null},
                                       "requests": {"cpu": "100m", "memory": null, "ephemeral-storage": "1Gi"}})
        }),
    ]
}

fn status_params(v: &mut InjectValues) {
    v.capture.status_port = "123".into();
    v.readiness_initial_delay_seconds = 100;
    v.readiness_period_seconds = 200;
    v.readiness_failure_threshold = 300;
}

fn resources_null(v: &mut InjectValues) {
    v.proxy_resources =
        json!({"limits": {"cpu": null, "memory": "500Mi"}, "requests": {"cpu": null, "memory": "150Mi"}});
}

fn openshift(v: &mut InjectValues) {
    v.cni = true;
    let ns = std::collections::BTreeMap::from([
        ("openshift.io/sa.scc.uid-range".to_string(), "1000620000/10000".to_string()),
        ("openshift.io/sa.scc.supplemental-groups".to_string(), "1000620000/10000".to_string()),
    ]);
    *v = std::mem::take(v).for_openshift_namespace(&ns);
}

fn multus(v: &mut InjectValues) {
    v.cni = true;
    v.cni_provider = "multus".into();
}

fn hold(v: &mut InjectValues) {
    v.hold_application_until_proxy_starts = true;
}

fn old(v: &mut InjectValues) {
    v.native_sidecar = false;
}

/// Golden cases this implementation does not run, with the reason: upstream itself skips
/// the webhook comparison.
const NOT_RUN: &[(&str, &str)] = &[
    ("hello-service.yaml.injected", "no pod (upstream skips the webhook test)"),
    ("cronjob.yaml.injected", "kube-inject output, not a pod (upstream skips the webhook test)"),
    ("cronjob-old-version.yaml.injected", "kube-inject output, not a pod (upstream skips the webhook test)"),
];

fn istio_repo() -> Option<String> {
    #[allow(clippy::disallowed_methods)]
    let repo =
        std::env::var("MESHKIT_ISTIO_REPO").unwrap_or_else(|_| "/work/.mirror/istio+istio/repo".to_string());
    std::path::Path::new(&repo).exists().then_some(repo)
}

const DIR: &str = "pkg/kube/inject/testdata/inject";

fn git(repo: &str, args: &[&str]) -> String {
    let out = std::process::Command::new("git").arg("-C").arg(repo).args(args).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn testdata(repo: &str, name: &str) -> String {
    git(repo, &["show", &format!("HEAD:{DIR}/{name}")])
}

/// The injectable documents of a YAML file (a `List` contributes its items).
fn injectables(src: &str) -> Vec<Value> {
    use serde::Deserialize;
    let mut out = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(src) {
        let Ok(v) = Value::deserialize(doc) else { continue };
        collect(v, &mut out);
    }
    out
}

fn collect(v: Value, out: &mut Vec<Value>) {
    match v["kind"].as_str() {
        Some(
            "Deployment"
            | "DeploymentConfig"
            | "DaemonSet"
            | "StatefulSet"
            | "Job"
            | "ReplicaSet"
            | "ReplicationController"
            | "CronJob"
            | "Pod",
        ) => out.push(v),
        Some("List") => {
            for item in v["items"].as_array().cloned().unwrap_or_default() {
                collect(item, out);
            }
        }
        _ => {}
    }
}

/// The pod the API server would send for `doc` (upstream's `objectToPod`).
fn to_pod(doc: &Value) -> Value {
    let kind = doc["kind"].as_str().unwrap();
    let name = doc["metadata"]["name"].as_str().unwrap_or("").to_string();
    let api_version = doc["apiVersion"].as_str().unwrap_or("");
    let owned = |template: &Value, owner_name: &str, owner_api: &str, owner_kind: &str| -> Value {
        let mut meta = template["metadata"].clone();
        if !meta.is_object() {
            meta = json!({});
        }
        meta["generateName"] = json!(owner_name);
        meta["ownerReferences"] =
            json!([{"apiVersion": owner_api, "kind": owner_kind, "name": owner_name, "controller": true}]);
        json!({"metadata": meta, "spec": template["spec"].clone()})
    };
    match kind {
        "Pod" => json!({"metadata": doc["metadata"].clone(), "spec": doc["spec"].clone()}),
        "CronJob" => owned(&doc["spec"]["jobTemplate"]["spec"]["template"], &name, api_version, kind),
        "Deployment" => {
            let mut pod = owned(&doc["spec"]["template"], &format!("{name}-fake"), "apps/v1", "ReplicaSet");
            pod["metadata"]["generateName"] = json!(format!("{name}-fake-"));
            if !pod["metadata"]["labels"].is_object() {
                pod["metadata"]["labels"] = json!({});
            }
            pod["metadata"]["labels"]["pod-template-hash"] = json!("fake");
            pod
        }
        _ => owned(&doc["spec"]["template"], &name, api_version, kind),
    }
}

/// What a typed Kubernetes round trip keeps: no nulls, no empty lists, no empty maps where
/// the Go type is a map or an always-present struct (`resources: {}`).
fn normalize(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for child in m.values_mut() {
                normalize(child);
            }
            m.retain(|k, child| match child {
                Value::Null => false,
                Value::Array(a) => !a.is_empty(),
                Value::Object(o) => {
                    !(o.is_empty()
                        && matches!(k.as_str(), "labels" | "annotations" | "resources" | "nodeSelector"))
                }
                _ => true,
            });
        }
        Value::Array(a) => a.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn labels_of(v: &Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|m| m.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string()))).collect())
        .unwrap_or_default()
}

/// The webhook's answer applied to the pod.
fn run_webhook(pod: &Value, namespace: &str, values: &InjectValues) -> Result<Value, InjectError> {
    let mut pod = pod.clone();
    if pod["metadata"]["namespace"].as_str().unwrap_or("").is_empty() && !namespace.is_empty() {
        pod["metadata"]["namespace"] = json!(namespace);
    }
    let (inject, _) = inject_required(
        &InjectorConfig::default(),
        namespace,
        &labels_of(&pod["metadata"]["labels"]),
        &labels_of(&pod["metadata"]["annotations"]),
        pod["spec"]["hostNetwork"].as_bool().unwrap_or(false),
    );
    if !inject {
        return Ok(pod);
    }
    let injected = inject_pod(&pod, values)?;
    let patch = diff(&pod, &injected);
    Ok(apply(&pod, &patch).unwrap())
}

/// The first few paths where `got` and `want` differ.
fn differences(got: &Value, want: &Value, path: &str, out: &mut Vec<String>) {
    if out.len() >= 12 || got == want {
        return;
    }
    match (got, want) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, vb) in b {
                match a.get(k) {
                    Some(va) => differences(va, vb, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: missing, want {vb}")),
                }
            }
            for (k, va) in a {
                if !b.contains_key(k) {
                    out.push(format!("{path}.{k}: unexpected {va}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                differences(va, vb, &format!("{path}[{i}]"), out);
            }
        }
        _ => out.push(format!("{path}: got {got}, want {want}")),
    }
}

/// One golden case: `Ok(())` when every pod matches, else the differences.
fn run_case(repo: &str, input: &str, golden: &str, values: &InjectValues) -> Result<(), String> {
    let inputs = injectables(&testdata(repo, input));
    let wants = injectables(&testdata(repo, golden));
    if inputs.len() != wants.len() {
        return Err(format!("{} input pods, {} golden pods", inputs.len(), wants.len()));
    }
    let mut report = Vec::new();
    for (i, (doc, want_doc)) in inputs.iter().zip(&wants).enumerate() {
        let namespace = doc["metadata"]["namespace"].as_str().unwrap_or("");
        let pod = to_pod(doc);
        let mut got = match run_webhook(&pod, namespace, values) {
            Ok(p) => p,
            Err(e) => {
                report.push(format!("pod {i}: injection failed: {e}"));
                continue;
            }
        };
        // Re-injecting a pod this injection produced changes nothing: Istio strips its own
        // containers first. (Not for pods with user overrides of injected containers: Istio
        // re-applies those only on first injection, so neither does meshkit.)
        // Nor when a template left a container of the same name in both lists (the SPIRE
        // template's `istio-proxy` beside a native sidecar, as upstream's golden has it):
        // re-injection moves it into the init containers, upstream as here.
        let names = |key: &str| -> Vec<Value> {
            got["spec"][key].as_array().into_iter().flatten().map(|c| c["name"].clone()).collect()
        };
        let twice = names("containers").iter().any(|n| names("initContainers").contains(n));
        let fresh = pod["metadata"]["annotations"]["sidecar.istio.io/status"].is_null()
            && got["metadata"]["annotations"]["proxy.istio.io/overrides"].is_null()
            && !twice;
        if fresh && let Ok(mut again) = run_webhook(&got, namespace, values) {
            let mut first = got.clone();
            for p in [&mut again, &mut first] {
                normalize(p);
            }
            let mut diffs = Vec::new();
            differences(&again, &first, "", &mut diffs);
            if !diffs.is_empty() {
                report.push(format!("pod {i} re-injected:\n    {}", diffs.join("\n    ")));
            }
        }
        let mut want = to_pod(want_doc);
        if !namespace.is_empty() && want["metadata"]["namespace"].is_null() {
            want["metadata"]["namespace"] = json!(namespace);
        }
        for p in [&mut got, &mut want] {
            if let Some(a) = p["metadata"]["annotations"].as_object_mut() {
                a.remove("sidecar.istio.io/status");
            }
            normalize(p);
        }
        let mut diffs = Vec::new();
        differences(&got, &want, "", &mut diffs);
        if !diffs.is_empty() {
            report.push(format!("pod {i}:\n    {}", diffs.join("\n    ")));
        }
    }
    if report.is_empty() { Ok(()) } else { Err(report.join("\n  ")) }
}

#[test]
fn injection_matches_istio_goldens() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipped: no istio/istio checkout (set MESHKIT_ISTIO_REPO)");
        return;
    };
    let cases = all_cases(&repo);
    let mut failures = Vec::new();
    let mut passed = 0;
    for (input, golden, tweak) in &cases {
        if NOT_RUN.iter().any(|(g, _)| g == golden) {
            continue;
        }
        let values = case_values(&repo, golden, *tweak);
        match run_case(&repo, input, golden, &values) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{golden} (from {input}):\n  {e}")),
        }
    }
    eprintln!("{passed} golden cases match, {} differ", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Every document of a YAML file, nulls (empty documents) left out.
fn documents(src: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml_ng::Deserializer::from_str(src)
        .filter_map(|d| Value::deserialize(d).ok())
        .filter(|v| !v.is_null())
        .collect()
}

/// A typed round trip of a whole manifest also drops empty objects (`strategy: {}`,
/// `status: {}`, `metadata: {}`); both sides get the same treatment.
fn normalize_manifest(v: &mut Value) {
    normalize(v);
    if let Value::Object(m) = v {
        for child in m.values_mut() {
            normalize_manifest(child);
        }
        m.retain(|_, c| !matches!(c, Value::Object(o) if o.is_empty()));
    } else if let Value::Array(a) = v {
        a.iter_mut().for_each(normalize_manifest);
    }
}

/// The part of a document injection writes: `{metadata, spec}` of the pod template (the
/// job template's metadata for a CronJob, as kube-inject writes it), each item's for a List,
/// else the whole document.
fn pod_template(doc: &mut Value) -> &mut Value {
    let (meta, spec) = match doc["kind"].as_str().unwrap_or("") {
        "Pod" => ("/metadata", "/spec"),
        "CronJob" => ("/spec/jobTemplate/metadata", "/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController"
        | "DeploymentConfig" => ("/spec/template/metadata", "/spec/template/spec"),
        "List" => {
            for item in doc["items"].as_array_mut().into_iter().flatten() {
                let part = pod_template(item).take();
                *item = part;
            }
            return doc;
        }
        _ => return doc,
    };
    let part = json!({"metadata": doc.pointer(meta).cloned(), "spec": doc.pointer(spec).cloned()});
    *doc = part;
    doc
}

/// Upstream's `kube-inject` sub-test: the whole manifest (workloads injected in place, other
/// documents unchanged) against the golden file, the status annotation included.
fn run_kube_inject(repo: &str, input: &str, golden: &str, values: &InjectValues) -> Result<(), String> {
    use mesh_kube::inject::workload::inject_workload;
    let inputs = documents(&testdata(repo, input));
    let wants = documents(&testdata(repo, golden));
    if inputs.len() != wants.len() {
        return Err(format!("{} input documents, {} golden documents", inputs.len(), wants.len()));
    }
    let mut report = Vec::new();
    for (i, (doc, want)) in inputs.iter().zip(&wants).enumerate() {
        let mut got = match inject_workload(doc, values) {
            Ok(out) => out.document().clone(),
            Err(e) => {
                report.push(format!("document {i}: injection failed: {e}"));
                continue;
            }
        };
        let mut want = want.clone();
        // What injection writes: a workload's pod template (the rest of a workload goes
        // through Go's typed encoder, which adds zero-valued status fields); other documents
        // whole.
        let (got_part, want_part) = (pod_template(&mut got), pod_template(&mut want));
        normalize_manifest(got_part);
        normalize_manifest(want_part);
        let mut diffs = Vec::new();
        differences(got_part, want_part, "", &mut diffs);
        if !diffs.is_empty() {
            report.push(format!("document {i}:\n    {}", diffs.join("\n    ")));
        }
    }
    if report.is_empty() { Ok(()) } else { Err(report.join("\n  ")) }
}

/// The same golden files through `inject_workload` (kube-inject): 117 match.
#[test]
fn kube_inject_matches_istio_goldens() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipped: no istio/istio checkout (set MESHKIT_ISTIO_REPO)");
        return;
    };
    let mut failures = Vec::new();
    let mut passed = 0;
    for (input, golden, tweak) in all_cases(&repo) {
        // Upstream runs the OpenShift cases through the webhook only.
        if KUBE_INJECT_NOT_RUN.iter().any(|(g, _)| *g == golden) || golden.contains("openshift") {
            continue;
        }
        let values = case_values(&repo, &golden, tweak);
        match run_kube_inject(&repo, &input, &golden, &values) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!("{golden} (from {input}):\n  {e}")),
        }
    }
    eprintln!("{passed} golden cases match, {} differ", failures.len());
    assert!(failures.is_empty(), "{} golden cases differ:\n{}", failures.len(), failures.join("\n"));
}

/// Golden files the kube-inject comparison does not run.
const KUBE_INJECT_NOT_RUN: &[(&str, &str)] = &[];

/// The cases whose settings include user-written templates (upstream's `inFilePath`): the
/// IstioOperator file whose `spec.values.sidecarInjectorWebhook.templates` holds them.
const TEMPLATE_IOPS: &[(&str, &str)] = &[
    ("custom-template.yaml.injected", "custom-template.iop.yaml"),
    ("sidecar-spire.yaml.injected", "spire-template.iop.yaml"),
    ("gateway-spire.yaml.injected", "spire-template.iop.yaml"),
];

/// The settings for `golden`: upstream's defaults, the case's tweak, and the user
/// templates of its IstioOperator file (Go text/template, read as written).
fn case_values(repo: &str, golden: &str, tweak: Tweak) -> InjectValues {
    let mut values = upstream_defaults();
    tweak(&mut values);
    if let Some((_, iop)) = TEMPLATE_IOPS.iter().find(|(g, _)| *g == golden) {
        let doc: Value = serde_yaml_ng::from_str(&testdata(repo, iop)).unwrap();
        let templates = &doc["spec"]["values"]["sidecarInjectorWebhook"]["templates"];
        values.templates = serde_json::from_value(templates.clone()).unwrap();
        assert!(!values.templates.is_empty(), "{iop} has no templates");
    }
    values
}

/// Upstream's table plus every other input file with the defaults, as `TestInjection`
/// builds its case list.
fn all_cases(repo: &str) -> Vec<(String, String, Tweak)> {
    let files = git(repo, &["ls-tree", "--name-only", "HEAD", &format!("{DIR}/")]);
    let names: Vec<&str> = files.lines().map(|l| l.rsplit('/').next().unwrap_or(l)).collect();
    let mut cases: Vec<(String, String, Tweak)> =
        explicit_cases().into_iter().map(|(i, g, t)| (i.to_string(), g.to_string(), t)).collect();
    for name in &names {
        if !name.ends_with(".yaml") || name.ends_with(".iop.yaml") {
            continue;
        }
        let golden = format!("{name}.injected");
        if cases.iter().any(|(_, g, _)| *g == golden) || !names.contains(&golden.as_str()) {
            continue;
        }
        cases.push((name.to_string(), golden, |_| {}));
    }
    cases
}

/// The comparison is live: the default settings differ from upstream's test settings
/// (native sidecars off, another hub), and the case then fails.
#[test]
fn a_different_setting_fails_the_comparison() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipped: no istio/istio checkout (set MESHKIT_ISTIO_REPO)");
        return;
    };
    assert!(run_case(&repo, "hello.yaml", "hello.yaml.injected", &upstream_defaults()).is_ok());
    assert!(run_case(&repo, "hello.yaml", "hello.yaml.injected", &InjectValues::default()).is_err());
}

/// Upstream's error cases: an invalid traffic annotation fails injection, naming it.
#[test]
fn invalid_traffic_annotations_are_rejected_like_istio() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipped: no istio/istio checkout (set MESHKIT_ISTIO_REPO)");
        return;
    };
    for (input, expected) in [
        ("traffic-annotations-bad-includeipranges.yaml", "includeipranges"),
        ("traffic-annotations-bad-excludeipranges.yaml", "excludeipranges"),
        ("traffic-annotations-bad-includeinboundports.yaml", "includeinboundports"),
        ("traffic-annotations-bad-excludeinboundports.yaml", "excludeinboundports"),
        ("traffic-annotations-bad-excludeoutboundports.yaml", "excludeoutboundports"),
    ] {
        let doc = &injectables(&testdata(&repo, input))[0];
        let err = inject_pod(&to_pod(doc), &upstream_defaults()).expect_err(input);
        assert!(err.to_string().to_lowercase().contains(expected), "{input}: {err}");
    }
}
