//! The injected pod, step by step as Istio's webhook builds it (`injectPod`): strip a
//! previous injection, render the template, overlay it with a strategic merge, re-apply the
//! user's own `istio-proxy`/`istio-init` settings, then post-process (cluster and network
//! env, Prometheus merge annotations, probe rewriting, the status annotation, container
//! order).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::access::{
    find, list, move_container, names, push, sidecar_mut, spec_list_mut, with_env, with_map,
};
use super::deploy_meta::{DeployMeta, deploy_meta};
use super::overrides::{OVERRIDES_ANNOTATION, reapply_overrides};
use super::probes::{APP_PROBERS_ENV, REWRITE_ANNOTATION, app_probers, merge_probers, rewrite_probes};
use super::prometheus::{is_prometheus_annotation, prometheus_merge, prometheus_port, secure_prometheus};
use super::smp::merge_into;
use super::template::{
    INIT_CONTAINER, PROXY_CONTAINER, STATUS_ANNOTATION, TemplateInput, VALIDATION_CONTAINER, parse_go_bool,
    render_selected, select, string_map, validate_annotations,
};
use super::{InjectError, InjectValues, proxy_config};
use crate::capture::annotations::STATUS_PORT;

/// The init container Istio's `enableCoreDump` adds.
const CORE_DUMP_CONTAINER: &str = "enable-core-dump";
/// `topology.istio.io/network`.
const NETWORK_LABEL: &str = "topology.istio.io/network";

/// The pod the template sees: a previous injection's containers and status removed, and
/// the saved overrides put back (Istio's `stripPod` and `reinsertOverrides`).
fn strip(pod: &Value, mesh_status_port: i64) -> Result<Cow<'_, Value>, InjectError> {
    let annotations = string_map(pod["metadata"].get("annotations"));
    if !annotations.contains_key(STATUS_ANNOTATION) && !annotations.contains_key(OVERRIDES_ANNOTATION) {
        return Ok(Cow::Borrowed(pod));
    }
    let mut out = pod.clone();
    if let Some(status) = annotations.get(STATUS_ANNOTATION)
        && let Ok(status) = serde_json::from_str::<Value>(status)
    {
        for key in ["containers", "initContainers"] {
            let injected: Vec<&str> =
                status[key].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            if let Some(l) = spec_list_mut(&mut out, key) {
                l.retain(|c| !injected.iter().any(|n| c["name"] == *n));
            }
        }
        if prometheus_port(&annotations).is_some_and(|p| *p == mesh_status_port.to_string())
            && let Some(a) = out["metadata"]["annotations"].as_object_mut()
        {
            a.retain(|k, _| !is_prometheus_annotation(k));
        }
        if let Some(a) = out["metadata"]["annotations"].as_object_mut() {
            a.shift_remove(STATUS_ANNOTATION);
        }
    }
    if let Some(text) = annotations.get(OVERRIDES_ANNOTATION) {
        let saved: Value = serde_json::from_str(text).map_err(|e| InjectError::InvalidAnnotation {
            annotation: OVERRIDES_ANNOTATION.into(),
            value: text.clone(),
            reason: e.to_string(),
        })?;
        for key in ["containers", "initContainers"] {
            for c in saved[key].as_array().into_iter().flatten() {
                let name = c["name"].as_str().unwrap_or("");
                if find(list(&out, key), name).is_none() {
                    push(&mut out, key, c.clone());
                }
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// The rendered template reduced to the names of its containers, init containers, volumes
/// and image pull secrets (what the status annotation and the overrides read).
fn names_only(rendered: &Value) -> Value {
    let mut spec = Map::new();
    for key in ["initContainers", "containers", "volumes", "imagePullSecrets"] {
        if let Some(items) = rendered["spec"][key].as_array() {
            let names: Vec<Value> = items.iter().map(|i| json!({"name": i["name"].clone()})).collect();
            spec.insert(key.into(), Value::Array(names));
        }
    }
    json!({"spec": spec})
}

/// The pod with the sidecar injected, as the webhook admits it: every step of Istio's
/// `injectPod` on the pod as JSON (fields the model does not know are kept).
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::{inject_pod, InjectValues};
/// let pod = json!({"metadata": {"name": "p", "labels": {"app": "shop"}},
///                  "spec": {"containers": [{"name": "app", "image": "shop"}]}});
/// let out = inject_pod(&pod, &InjectValues::default()).unwrap();
/// assert_eq!(out["spec"]["containers"][1]["name"], "istio-proxy");
/// assert_eq!(out["spec"]["initContainers"][0]["name"], "istio-init");
/// assert_eq!(out["metadata"]["labels"]["service.istio.io/canonical-name"], "shop");
/// ```
pub fn inject_pod(pod: &Value, values: &InjectValues) -> Result<Value, InjectError> {
    inject_pod_of(pod, &deploy_meta(pod), values)
}

/// [`inject_pod`] for a pod whose workload is known rather than derived from the pod's
/// owner references, as `istioctl kube-inject` injects a Deployment's pod template.
pub fn inject_pod_of(pod: &Value, deploy: &DeployMeta, values: &InjectValues) -> Result<Value, InjectError> {
    if !pod.is_object() {
        return Err(InjectError::NoPod("the object is not a JSON object".into()));
    }
    // On OpenShift the pod's own proxy user is dropped when OpenShift assigned it; the rest
    // of injection (and the recorded overrides) sees the pod without it.
    let reset;
    let pod = if values.openshift {
        let mut p = pod.clone();
        super::openshift::reset_assigned_proxy_user(&mut p);
        reset = p;
        &reset
    } else {
        pod
    };
    let annotations = string_map(pod["metadata"].get("annotations"));
    validate_annotations(&annotations, values)?;
    let pc = proxy_config::effective(values, &annotations)?;
    let mesh_status_port = proxy_config::status_port(&pc);
    let stripped = strip(pod, mesh_status_port)?;
    let native = match annotations.get("sidecar.istio.io/nativeSidecar").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => values.native_sidecar,
    };

    // Each template the pod asks for is rendered from the same pod and overlaid in turn.
    // With native sidecars a user's `istio-proxy` under `containers` moves to the init
    // containers first, where the template puts the proxy.
    let mut template = json!({});
    let mut merged = pod.clone();
    for selected in select(&annotations, values)? {
        let input = TemplateInput { pod: &stripped, values, proxy_config: &pc, deploy };
        let rendered = render_selected(selected, input)?;
        // Only the names of what the templates add are needed later (status annotation,
        // overrides), so the accumulated template keeps just those.
        merge_into(&mut template, names_only(&rendered));
        if native
            && find(list(&template, "initContainers"), PROXY_CONTAINER).is_some()
            && find(list(&merged, "containers"), PROXY_CONTAINER).is_some()
            && let Some(cs) = spec_list_mut(&mut merged, "containers")
            && let Some(i) = cs.iter().position(|c| c["name"] == PROXY_CONTAINER)
        {
            let proxy = cs.remove(i);
            push(&mut merged, "initContainers", proxy);
        }
        merge_into(&mut merged, rendered);
    }
    let tproxy_mesh =
        proxy_config::interception_mode(&pc).unwrap_or(&values.capture.interception_mode) == "TPROXY";
    let mut pod_out = reapply_overrides(merged, pod, &template, tproxy_mesh)?;
    post_process(&mut pod_out, pod, &template, values, &pc)?;
    Ok(pod_out)
}

/// Istio's `postProcessPod`.
fn post_process(
    pod: &mut Value,
    original: &Value,
    template: &Value,
    values: &InjectValues,
    pc: &Value,
) -> Result<(), InjectError> {
    with_map(pod, "annotations", |_| ());
    with_map(pod, "labels", |_| ());
    let mesh_status_port = proxy_config::status_port(pc);

    // Cluster and network from the injector's settings; a network label wins.
    let mut proxy_envs = BTreeMap::new();
    if !values.cluster_id.is_empty() {
        proxy_envs.insert("ISTIO_META_CLUSTER_ID", values.cluster_id.clone());
    }
    let network =
        original["metadata"]["labels"][NETWORK_LABEL].as_str().unwrap_or(&values.network).to_string();
    if !network.is_empty() {
        proxy_envs.insert("ISTIO_META_NETWORK", network.clone());
    }
    if !proxy_envs.is_empty()
        && let Some(sidecar) = sidecar_mut(pod)
    {
        with_env(sidecar, |env| {
            env.retain(|e| !proxy_envs.keys().any(|k| e["name"] == *k));
            env.extend(proxy_envs.iter().map(|(k, v)| json!({"name": k, "value": v})));
        });
    }

    prometheus_merge(pod, values, mesh_status_port)?;
    secure_prometheus(pod);

    // Probe rewriting.
    let annotations = string_map(pod["metadata"].get("annotations"));
    let rewrite = annotations
        .get(REWRITE_ANNOTATION)
        .and_then(|v| parse_go_bool(v))
        .unwrap_or(values.rewrite_app_http_probe);
    if rewrite && sidecar_mut(pod).is_some() {
        if let Some(probers) = app_probers(pod, mesh_status_port) {
            let previously = annotations.contains_key(STATUS_ANNOTATION);
            if let Some(sidecar) = sidecar_mut(pod) {
                with_env(sidecar, |env| {
                    match (previously, env.iter_mut().find(|e| e["name"] == APP_PROBERS_ENV)) {
                        (true, Some(e)) => {
                            if let Some(merged) = merge_probers(e["value"].as_str().unwrap_or(""), &probers) {
                                *e = json!({"name": APP_PROBERS_ENV, "value": merged});
                            }
                        }
                        _ => env.push(json!({"name": APP_PROBERS_ENV, "value": probers})),
                    }
                });
            }
        }
        let port = annotations.get(STATUS_PORT).map_or(mesh_status_port, |p| p.parse().unwrap_or(0));
        rewrite_probes(pod, port);
    }

    // Metadata: the network label and the status annotation.
    if !network.is_empty() {
        with_map(pod, "labels", |l| l.insert(NETWORK_LABEL.into(), json!(network)));
    }
    let nullable = |v: Vec<String>| if v.is_empty() { Value::Null } else { json!(v) };
    let status = format!(
        r#"{{"initContainers":{},"containers":{},"volumes":{},"imagePullSecrets":{},"revision":{}}}"#,
        nullable(names(template, "initContainers")),
        nullable(names(template, "containers")),
        nullable(names(template, "volumes")),
        nullable(names(template, "imagePullSecrets")),
        json!(if values.revision.is_empty() { "default" } else { values.revision.as_str() }),
    );
    with_map(pod, "annotations", |a| a.insert(STATUS_ANNOTATION.into(), json!(status)));

    // Order: the proxy last (first when it holds the app), init containers around it.
    let hold = proxy_config::holds_application(pc) || values.hold_application_until_proxy_starts;
    if let Some(cs) = spec_list_mut(pod, "containers") {
        move_container(cs, PROXY_CONTAINER, hold);
    }
    if let Some(inits) = spec_list_mut(pod, "initContainers") {
        if inits.iter().any(|c| c["name"] == PROXY_CONTAINER) {
            for name in [CORE_DUMP_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER, INIT_CONTAINER] {
                move_container(inits, name, true);
            }
        } else {
            move_container(inits, VALIDATION_CONTAINER, true);
            move_container(inits, INIT_CONTAINER, false);
            move_container(inits, CORE_DUMP_CONTAINER, false);
        }
    }
    Ok(())
}
