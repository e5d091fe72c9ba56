//! Kubernetes strategic merge patch for Pod objects, as the injector overlays its template on
//! a pod: maps merge key by key (a `null` deletes), lists with a merge key (containers and
//! volumes by `name`, env by `name`, ports by `containerPort`, mounts by `mountPath`) merge
//! element by element, every other list is replaced. The merged list's order is Kubernetes':
//! the patch's elements in patch order, interleaved with the pod's other elements by their
//! original position.

use serde_json::{Map, Value};

/// The merge key of the list at `path` (a Pod's JSON field names, `.`-joined, list indexes
/// left out), `Some("")` for lists of scalars merged as sets, `None` for replaced lists.
fn merge_key(path: &str) -> Option<&'static str> {
    let container_list =
        |p: &str| ["spec.containers", "spec.initContainers", "spec.ephemeralContainers"].contains(&p);
    if container_list(path) {
        return Some("name");
    }
    if let Some((parent, field)) = path.rsplit_once('.')
        && container_list(parent)
    {
        return match field {
            "env" => Some("name"),
            "ports" => Some("containerPort"),
            "volumeMounts" => Some("mountPath"),
            "volumeDevices" => Some("devicePath"),
            _ => None,
        };
    }
    match path {
        "spec.volumes" | "spec.imagePullSecrets" | "spec.schedulingGates" | "spec.resourceClaims" => {
            Some("name")
        }
        "spec.hostAliases" => Some("ip"),
        "metadata.ownerReferences" => Some("uid"),
        "metadata.finalizers" => Some(""),
        _ => None,
    }
}

/// Applies the strategic merge patch `patch` to `pod`.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::smp::merge_pod;
/// let pod = json!({"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]}});
/// // A new element goes before the pod's own ones ...
/// let merged = merge_pod(&pod, &json!({"spec": {"containers": [{"name": "istio-proxy"}]}}));
/// assert_eq!(merged["spec"]["containers"][0]["name"], "istio-proxy");
/// // ... and an element with the same name merges, its env by name.
/// let patch = json!({"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "2"}]}]}});
/// let merged = merge_pod(&pod, &patch);
/// assert_eq!(merged["spec"]["containers"][0]["env"][1]["name"], "A");
/// ```
pub fn merge_pod(pod: &Value, patch: &Value) -> Value {
    let mut out = pod.clone();
    merge_into(&mut out, patch.clone());
    out
}

/// Applies the strategic merge patch `patch` to `target` in place, consuming the patch.
pub fn merge_into(target: &mut Value, patch: Value) {
    merge_value(target, patch, "");
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

fn merge_value(target: &mut Value, patch: Value, path: &str) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => merge_map(t, p, path),
        (t, p) => *t = p,
    }
}

fn merge_map(target: &mut Map<String, Value>, patch: Map<String, Value>, path: &str) {
    for (key, pv) in patch {
        if key.starts_with('$') {
            continue;
        }
        if pv.is_null() {
            target.shift_remove(&key);
            continue;
        }
        match target.get_mut(&key) {
            // A new empty list is what a typed round trip drops (`initContainers: []`).
            None if pv.as_array().is_some_and(Vec::is_empty) => {}
            None => {
                target.insert(key, pv);
            }
            Some(tv) => {
                let p = child(path, &key);
                match (tv, pv) {
                    (Value::Object(t), Value::Object(pm)) => merge_map(t, pm, &p),
                    (Value::Array(t), Value::Array(pa)) => match merge_key(&p) {
                        Some("") => {
                            for item in pa {
                                if !t.contains(&item) {
                                    t.push(item);
                                }
                            }
                        }
                        Some(mk) => {
                            let original = std::mem::take(t);
                            *t = merge_list(original, pa, mk, &p);
                        }
                        None => *t = pa,
                    },
                    (tv, pv) => *tv = pv,
                }
            }
        }
    }
}

fn position_of(keys: &[Option<Value>], item: &Value, key: &str) -> Option<usize> {
    let k = item.get(key)?;
    keys.iter().position(|x| x.as_ref() == Some(k))
}

fn merge_list(original: Vec<Value>, patch: Vec<Value>, key: &str, path: &str) -> Vec<Value> {
    if original.is_empty() && patch.is_empty() {
        return original;
    }
    let original_keys: Vec<Option<Value>> = original.iter().map(|x| x.get(key).cloned()).collect();
    let patch_keys: Vec<Option<Value>> = patch.iter().map(|x| x.get(key).cloned()).collect();
    // Merge each patch element into its original namesake, or append it.
    let mut merged = original;
    for p in patch {
        let at = p.get(key).and_then(|k| merged.iter().position(|x| x.get(key) == Some(k)));
        match at {
            Some(i) => match (&mut merged[i], p) {
                (Value::Object(t), Value::Object(pm)) => merge_map(t, pm, path),
                (slot, p) => *slot = p,
            },
            None => merged.push(p),
        }
    }
    // Kubernetes' order: patch elements in patch order, server-only elements in original
    // order, interleaved by original position where both have one.
    let (mut from_patch, server_only): (Vec<Value>, Vec<Value>) =
        merged.into_iter().partition(|m| position_of(&patch_keys, m, key).is_some());
    from_patch.sort_by_key(|m| position_of(&patch_keys, m, key));
    let mut out = Vec::with_capacity(from_patch.len() + server_only.len());
    let mut left = server_only.into_iter().peekable();
    let mut right = from_patch.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (position_of(&original_keys, l, key), position_of(&original_keys, r, key)),
                (Some(a), Some(b)) if a < b
            ),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // apimachinery strategicpatch: new patch elements go before server-only ones, merged
    // elements keep the server's relative order; a null deletes; other lists are replaced.
    #[test]
    fn list_order_and_semantics_follow_kubernetes() {
        let pod = json!({"spec": {
            "volumes": [{"name": "a"}, {"name": "b"}],
            "containers": [{"name": "app", "args": ["x"], "ports": [{"containerPort": 80}]}]}});
        let patch = json!({"spec": {
            "volumes": [{"name": "new"}, {"name": "b", "emptyDir": {}}],
            "containers": [{"name": "app", "args": ["y"], "ports": [{"containerPort": 81}], "image": null}]}});
        let out = merge_pod(&pod, &patch);
        let names: Vec<&str> =
            out["spec"]["volumes"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["new", "a", "b"]);
        assert_eq!(out["spec"]["volumes"][2]["emptyDir"], json!({}));
        assert_eq!(out["spec"]["containers"][0]["args"], json!(["y"]));
        // The patch's new port goes before the server-only one.
        assert_eq!(
            out["spec"]["containers"][0]["ports"],
            json!([{"containerPort": 81}, {"containerPort": 80}])
        );
        assert!(out["spec"]["containers"][0].get("image").is_none());
    }

    #[test]
    fn interleaving_keeps_relative_orders() {
        let orig = vec![json!({"name": "a"}), json!({"name": "b"}), json!({"name": "c"})];
        let patch = vec![json!({"name": "c"}), json!({"name": "x"}), json!({"name": "a"})];
        let out = merge_list(orig, patch, "name", "spec.volumes");
        let names: Vec<&str> = out.iter().map(|v| v["name"].as_str().unwrap()).collect();
        // b (server only, original index 1) precedes c (original index 2); the patch's
        // elements keep the patch's order.
        assert_eq!(names, ["b", "c", "x", "a"]);
    }
}
