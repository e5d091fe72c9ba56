//! Small accessors for a pod held as JSON: its container lists, the sidecar, metadata maps
//! and env lists, created on demand and never panicking on odd shapes.

use serde_json::{Map, Value, json};

use super::template::PROXY_CONTAINER;

pub(super) fn list<'a>(pod: &'a Value, key: &str) -> &'a [Value] {
    pod["spec"][key].as_array().map_or(&[], Vec::as_slice)
}

pub(super) fn names(pod: &Value, key: &str) -> Vec<String> {
    list(pod, key).iter().filter_map(|c| c["name"].as_str().map(String::from)).collect()
}

pub(super) fn find<'a>(containers: &'a [Value], name: &str) -> Option<&'a Value> {
    containers.iter().find(|c| c["name"] == name)
}

pub(super) fn spec_list_mut<'a>(pod: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    pod.get_mut("spec")?.get_mut(key)?.as_array_mut()
}

pub(super) fn push(pod: &mut Value, key: &str, item: Value) {
    if !pod["spec"].is_object() {
        pod["spec"] = json!({});
    }
    match spec_list_mut(pod, key) {
        Some(l) => l.push(item),
        None => pod["spec"][key] = json!([item]),
    }
}

/// Runs `f` on the pod's `metadata.<field>` map, creating it when absent.
pub(super) fn with_map<R>(pod: &mut Value, field: &str, f: impl FnOnce(&mut Map<String, Value>) -> R) -> R {
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
pub(super) fn sidecar_mut(pod: &mut Value) -> Option<&mut Value> {
    let in_containers = find(list(pod, "containers"), PROXY_CONTAINER).is_some();
    let key = if in_containers { "containers" } else { "initContainers" };
    spec_list_mut(pod, key)?.iter_mut().find(|c| c["name"] == PROXY_CONTAINER)
}

/// Runs `f` on a container's `env` list, creating it when absent.
pub(super) fn with_env(c: &mut Value, f: impl FnOnce(&mut Vec<Value>)) {
    let mut env = match c["env"].take() {
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    f(&mut env);
    c["env"] = Value::Array(env);
}

/// Moves the named container first or last, or leaves the list alone when absent.
pub(super) fn move_container(list: &mut Vec<Value>, name: &str, first: bool) {
    if let Some(i) = list.iter().position(|c| c["name"] == name) {
        let c = list.remove(i);
        if first { list.insert(0, c) } else { list.push(c) }
    }
}
