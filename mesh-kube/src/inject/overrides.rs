//! The user's own settings of injected containers: a pod may declare `istio-proxy` or
//! `istio-init` itself to override fields of the template's (Istio's
//! `reapplyOverwrittenContainers`); they are re-applied over the injected containers and
//! recorded in `proxy.istio.io/overrides`.

use serde_json::{Map, Value, json};

use super::access::{find, list, spec_list_mut, with_map};
use super::smp::merge_into;
use super::template::{INIT_CONTAINER, PROXY_CONTAINER, STATUS_ANNOTATION, VALIDATION_CONTAINER, string_map};
use super::{InjectError, typed};

/// `proxy.istio.io/overrides`: the user's own settings of injected containers, kept so that
/// re-injection can apply them again.
pub const OVERRIDES_ANNOTATION: &str = "proxy.istio.io/overrides";

/// The user's containers re-applied over the injected ones (Istio's
/// `reapplyOverwrittenContainers`), and the overrides annotation recording them.
pub(super) fn reapply_overrides(
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
