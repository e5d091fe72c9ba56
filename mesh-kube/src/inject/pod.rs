//! The injected pod, step by step as Istio's webhook builds it (`injectPod`): strip a
//! previous injection, render the template, overlay it with a strategic merge, re-apply the
//! user's own `istio-proxy`/`istio-init` settings, then post-process (cluster and network
//! env, Prometheus merge annotations, probe rewriting, the status annotation, container
//! order).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::deploy_meta::deploy_meta;
use super::probes::{APP_PROBERS_ENV, REWRITE_ANNOTATION, app_probers, merge_probers, rewrite_probes};
use super::smp::merge_into;
use super::template::{
    INIT_CONTAINER, PROXY_CONTAINER, STATUS_ANNOTATION, TemplateInput, VALIDATION_CONTAINER, parse_go_bool,
    render, select, string_map,
};
use super::{InjectError, InjectValues, proxy_config, typed};
use crate::capture::annotations::STATUS_PORT;

/// `proxy.istio.io/overrides`: the user's own settings of injected containers, kept so that
/// re-injection can apply them again.
pub const OVERRIDES_ANNOTATION: &str = "proxy.istio.io/overrides";
/// The init container Istio's `enableCoreDump` adds.
const CORE_DUMP_CONTAINER: &str = "enable-core-dump";
/// `topology.istio.io/network`.
const NETWORK_LABEL: &str = "topology.istio.io/network";

fn list<'a>(pod: &'a Value, key: &str) -> &'a [Value] {
    pod["spec"][key].as_array().map_or(&[], Vec::as_slice)
}

fn names(pod: &Value, key: &str) -> Vec<String> {
    list(pod, key).iter().filter_map(|c| c["name"].as_str().map(String::from)).collect()
}

fn find<'a>(containers: &'a [Value], name: &str) -> Option<&'a Value> {
    containers.iter().find(|c| c["name"] == name)
}

fn spec_list_mut<'a>(pod: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    pod.get_mut("spec")?.get_mut(key)?.as_array_mut()
}

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
        for (key, field) in [("containers", "containers"), ("initContainers", "initContainers")] {
            let injected: Vec<&str> =
                status[field].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
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

fn push(pod: &mut Value, key: &str, item: Value) {
    if !pod["spec"].is_object() {
        pod["spec"] = json!({});
    }
    match spec_list_mut(pod, key) {
        Some(l) => l.push(item),
        None => pod["spec"][key] = json!([item]),
    }
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

/// Go's `SanitizeLabelName`: every character outside `[a-zA-Z0-9_]` becomes `_`.
fn sanitize(key: &str) -> String {
    key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect()
}

fn is_prometheus_annotation(key: &str) -> bool {
    matches!(
        sanitize(key).as_str(),
        "prometheus_io_path"
            | "prometheus_io_port"
            | "prometheus_io_scrape"
            | "prometheus_istio_io_scrape_targets"
    )
}

fn prometheus_port(annotations: &BTreeMap<String, String>) -> Option<&String> {
    annotations.iter().find(|(k, _)| sanitize(k) == "prometheus_io_port").map(|(_, v)| v)
}

/// The user's containers re-applied over the injected ones (Istio's
/// `reapplyOverwrittenContainers`), and the overrides annotation recording them.
fn reapply_overrides(
    merged: Value,
    original: &Value,
    template: &Value,
    tproxy_mesh: bool,
) -> Result<Value, InjectError> {
    let annotations = string_map(original["metadata"].get("annotations"));
    let saved: Value = match annotations.get(OVERRIDES_ANNOTATION) {
        Some(text) => serde_json::from_str(text).map_err(|e| InjectError::InvalidAnnotation {
            annotation: OVERRIDES_ANNOTATION.into(),
            value: text.clone(),
            reason: e.to_string(),
        })?,
        None => json!({}),
    };
    let previous: Value =
        annotations.get(STATUS_ANNOTATION).and_then(|s| serde_json::from_str(s).ok()).unwrap_or(Value::Null);
    let already_injected = annotations.contains_key(STATUS_ANNOTATION);
    let was_injected =
        |field: &str, name: &str| previous[field].as_array().into_iter().flatten().any(|n| n == name);
    let saved_list = |key: &str| saved[key].as_array().map_or(&[][..], Vec::as_slice);
    let mut merged = merged;
    let mut recorded: Map<String, Value> = Map::new();
    for key in ["containers", "initContainers"] {
        for c in list(template, key) {
            let name = c["name"].as_str().unwrap_or("");
            if was_injected(key, name) {
                continue;
            }
            let found = find(saved_list(key), name).or_else(|| {
                if key == "containers" {
                    find(list(original, "containers"), name)
                } else {
                    find(list(original, "containers"), name)
                        .or_else(|| find(list(original, "initContainers"), name))
                }
            });
            let Some(found) = found else { continue };
            let mut overlay = typed::container(found);
            if overlay["image"] == "auto"
                && let Some(m) = overlay.as_object_mut()
            {
                m.shift_remove("image");
            }
            if let Value::Array(a) = recorded.entry(key).or_insert_with(|| json!([])) {
                a.push(overlay.clone());
            }
            merge_into(&mut merged, json!({"spec": {key: [overlay]}}));
        }
    }
    if !already_injected && !recorded.is_empty() {
        let mut ordered = Map::new();
        for key in ["containers", "initContainers"] {
            if let Some(v) = recorded.remove(key) {
                ordered.insert(key.into(), v);
            }
        }
        with_map(&mut merged, "annotations", |a| {
            a.insert(OVERRIDES_ANNOTATION.into(), json!(Value::Object(ordered).to_string()))
        });
    }
    adjust_init_user(&mut merged, original, tproxy_mesh);
    Ok(merged)
}

/// The user's `runAsUser`/`runAsGroup` on `istio-proxy` carry over to the init (or
/// validation) container and its `-u` argument (Istio's `adjustInitContainerUser`).
fn adjust_init_user(pod: &mut Value, original: &Value, tproxy_mesh: bool) {
    let user = find(list(original, "containers"), PROXY_CONTAINER)
        .or_else(|| find(list(original, "initContainers"), PROXY_CONTAINER));
    let Some(sc) = user.map(|u| &u["securityContext"]) else { return };
    let (run_as_user, run_as_group) = (sc["runAsUser"].as_i64(), sc["runAsGroup"].as_i64());
    if run_as_user.is_none() && run_as_group.is_none() {
        return;
    }
    let tproxy =
        tproxy_mesh || pod["metadata"]["annotations"]["sidecar.istio.io/interceptionMode"] == "TPROXY";
    if tproxy && run_as_user.is_some() {
        for key in ["containers", "initContainers"] {
            if let Some(c) =
                spec_list_mut(pod, key).and_then(|l| l.iter_mut().find(|c| c["name"] == PROXY_CONTAINER))
            {
                if c["securityContext"].is_object() {
                    c["securityContext"]["runAsUser"] = json!(0);
                }
                break;
            }
        }
    }
    let Some(inits) = spec_list_mut(pod, "initContainers") else { return };
    let init = match inits.iter().position(|c| c["name"] == INIT_CONTAINER) {
        Some(i) => Some(i),
        None => inits.iter().position(|c| c["name"] == VALIDATION_CONTAINER),
    };
    if let Some(i) = init {
        adjust_one(&mut inits[i], run_as_user, run_as_group, tproxy);
    }
}

fn adjust_one(init: &mut Value, run_as_user: Option<i64>, run_as_group: Option<i64>, tproxy: bool) {
    if !tproxy && init["name"] == VALIDATION_CONTAINER {
        if !init["securityContext"].is_object() {
            init["securityContext"] = json!({});
        }
        if let Some(u) = run_as_user {
            init["securityContext"]["runAsUser"] = json!(u);
        }
        if let Some(g) = run_as_group {
            init["securityContext"]["runAsGroup"] = json!(g);
        }
    }
    let Some(uid) = run_as_user.filter(|u| *u != 0) else { return };
    if let Some(args) = init["args"].as_array_mut()
        && let Some(i) = args.iter().position(|a| a == "-u")
        && i + 1 < args.len()
    {
        args[i + 1] = json!(uid.to_string());
    }
}

/// Runs `f` on the pod's `metadata.<field>` map, creating it when absent.
fn with_map<R>(pod: &mut Value, field: &str, f: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
    if !pod["metadata"].is_object() {
        pod["metadata"] = json!({});
    }
    let slot = &mut pod["metadata"][field];
    if !slot.is_object() {
        *slot = json!({});
    }
    let mut map = match slot.take() {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let out = f(&mut map);
    *slot = Value::Object(map);
    out
}

/// The sidecar container (`istio-proxy` among containers, else init containers).
fn sidecar_mut(pod: &mut Value) -> Option<&mut Value> {
    let in_containers = find(list(pod, "containers"), PROXY_CONTAINER).is_some();
    let key = if in_containers { "containers" } else { "initContainers" };
    spec_list_mut(pod, key)?.iter_mut().find(|c| c["name"] == PROXY_CONTAINER)
}

/// Runs `f` on a container's `env` list, creating it when absent.
fn with_env(c: &mut Value, f: impl FnOnce(&mut Vec<Value>)) {
    let mut env = match c["env"].take() {
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    f(&mut env);
    c["env"] = Value::Array(env);
}

/// Moves the named container first or last, or leaves the list alone when absent.
fn move_container(list: &mut Vec<Value>, name: &str, first: bool) {
    if let Some(i) = list.iter().position(|c| c["name"] == name) {
        let c = list.remove(i);
        if first { list.insert(0, c) } else { list.push(c) }
    }
}

/// Prometheus merge (Istio's `applyPrometheusMerge`): the app's scrape settings move to the
/// agent in `ISTIO_PROMETHEUS_ANNOTATIONS`, and the pod's annotations point at the agent.
fn prometheus_merge(
    pod: &mut Value,
    values: &InjectValues,
    mesh_status_port: i64,
) -> Result<(), InjectError> {
    let annotations = string_map(pod["metadata"].get("annotations"));
    let scrape = annotations
        .iter()
        .filter(|(k, _)| sanitize(k) == "prometheus_io_scrape")
        .find_map(|(_, v)| parse_go_bool(v))
        .unwrap_or(true);
    let enabled = annotations
        .get("prometheus.istio.io/merge-metrics")
        .and_then(|v| parse_go_bool(v))
        .unwrap_or(values.enable_prometheus_merge);
    if !scrape || !enabled {
        return Ok(());
    }
    let target = mesh_status_port.to_string();
    if prometheus_port(&annotations).is_some_and(|p| *p == target) {
        return Ok(());
    }
    let (mut cfg_scrape, mut path, mut port, mut targets) =
        (String::new(), String::new(), String::new(), Vec::new());
    for (k, v) in &annotations {
        match sanitize(k).as_str() {
            "prometheus_io_port" => port = v.clone(),
            "prometheus_io_scrape" => cfg_scrape = v.clone(),
            "prometheus_io_path" => path = v.clone(),
            "prometheus_istio_io_scrape_targets" => targets = scrape_targets(v),
            _ => {}
        }
    }
    let invalid = |reason: String| InjectError::Prometheus(reason);
    let check = |p: &str, what: &str| -> Result<(), InjectError> {
        let n: u32 = p.parse().map_err(|_| invalid(format!("invalid {what}: invalid port {p:?}")))?;
        if !(1..=65535).contains(&n) {
            return Err(invalid(format!("invalid {what}: invalid port {p:?}")));
        }
        if n.to_string() == target {
            return Err(invalid(format!("invalid {what}: port {p} conflicts with agent port")));
        }
        if let Some(reason) = reserved_port(n) {
            return Err(invalid(format!(
                "invalid {what}: port {p} is reserved for Istio ({reason}) and cannot be scraped"
            )));
        }
        Ok(())
    };
    if let Some((first_port, first_path)) = targets.first().cloned() {
        port = first_port;
        path = first_path;
        for (p, _) in &targets {
            check(p, "prometheus scrape targets")?;
        }
    } else if !port.is_empty() {
        check(&port, "prometheus scrape configuration")?;
    }
    let empty = cfg_scrape.is_empty() && path.is_empty() && port.is_empty() && targets.is_empty();
    if !empty && let Some(sidecar) = sidecar_mut(pod) {
        let mut cfg = json!({"scrape": cfg_scrape, "path": path, "port": port});
        if !targets.is_empty() {
            cfg["targets"] =
                Value::Array(targets.iter().map(|(p, path)| json!({"port": p, "path": path})).collect());
        }
        with_env(sidecar, |env| {
            env.push(json!({"name": "ISTIO_PROMETHEUS_ANNOTATIONS", "value": cfg.to_string()}));
        });
    }
    with_map(pod, "annotations", |ann| {
        ann.retain(|k, _| !is_prometheus_annotation(k));
        ann.insert("prometheus.io/port".into(), json!(target));
        ann.insert("prometheus.io/path".into(), json!("/stats/prometheus"));
        ann.insert("prometheus.io/scrape".into(), json!("true"));
    });
    Ok(())
}

/// `prometheus.istio.io/scrape-targets`: `port:path` pairs, `/metrics` by default.
fn scrape_targets(raw: &str) -> Vec<(String, String)> {
    raw.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .filter_map(|e| {
            let (port, path) = e.split_once(':').unwrap_or((e, ""));
            let port = port.trim();
            let path = if path.trim().is_empty() { "/metrics" } else { path.trim() };
            (!port.is_empty()).then(|| (port.to_string(), path.to_string()))
        })
        .collect()
}

/// The data-plane ports a scrape target may not use.
fn reserved_port(port: u32) -> Option<&'static str> {
    Some(match port {
        15000 => "Envoy admin",
        15001 => "outbound traffic capture",
        15004 => "pilot debug",
        15006 => "inbound traffic capture",
        15008 => "HBONE tunnel",
        15020 => "pilot-agent status / merged Prometheus",
        15021 => "Envoy health",
        15053 => "DNS proxy",
        15090 => "Envoy Prometheus (already merged)",
        _ => return None,
    })
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
    let pc = proxy_config::effective(values, &annotations)?;
    let mesh_status_port = proxy_config::status_port(&pc);
    let deploy = deploy_meta(pod);
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
    for name in select(&annotations)? {
        let input = TemplateInput { pod: &stripped, values, proxy_config: &pc, deploy: &deploy };
        let rendered = render(name, input)?;
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

/// `prometheus.istio.io/secure-port` from the proxy's `ENVOY_SECURE_MERGED_METRICS_PORT`.
fn secure_prometheus(pod: &mut Value) {
    let annotations = string_map(pod["metadata"].get("annotations"));
    if annotations.keys().any(|k| sanitize(k) == "prometheus_istio_io_secure_port") {
        return;
    }
    let port = sidecar_mut(pod).and_then(|s| {
        s["env"].as_array().into_iter().flatten().find_map(|e| {
            (e["name"] == "ENVOY_SECURE_MERGED_METRICS_PORT")
                .then(|| e["value"].as_str().unwrap_or("").to_string())
                .filter(|v| !v.is_empty() && v != "0")
        })
    });
    if let Some(port) = port {
        with_map(pod, "annotations", |a| a.insert("prometheus.istio.io/secure-port".into(), json!(port)));
    }
}
