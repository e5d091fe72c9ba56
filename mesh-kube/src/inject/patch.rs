//! JSON Patch (RFC 6902) between the original and the injected pod, its application, and
//! the AdmissionReview response that carries it.

use base64::Engine;
use serde_json::{Map, Value, json};

use super::InjectError;

/// Escapes one JSON Pointer token (`~` as `~0`, `/` as `~1`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The JSON Patch that turns `from` into `to`: objects are diffed key by key (`add`,
/// `remove`, recursion), an array that `to` extends is patched with `add`s at the new
/// indexes, any other change is a `replace`. Keys come in the documents' order, so the patch
/// is deterministic.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::{diff, apply};
/// let a = json!({"spec": {"containers": [{"name": "app"}]}});
/// let b = json!({"spec": {"containers": [{"name": "app"}, {"name": "istio-proxy"}]}});
/// let patch = diff(&a, &b);
/// assert_eq!(patch, json!([{"op": "add", "path": "/spec/containers/1", "value": {"name": "istio-proxy"}}]));
/// assert_eq!(apply(&a, &patch).unwrap(), b);
/// ```
pub fn diff(from: &Value, to: &Value) -> Value {
    let mut ops = Vec::new();
    diff_into(from, to, "", &mut ops);
    Value::Array(ops)
}

fn diff_into(from: &Value, to: &Value, path: &str, ops: &mut Vec<Value>) {
    if from == to {
        return;
    }
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = format!("{path}/{}", escape(k));
                match b.get(k) {
                    Some(vb) => diff_into(va, vb, &p, ops),
                    None => ops.push(json!({"op": "remove", "path": p})),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    ops.push(json!({"op": "add", "path": format!("{path}/{}", escape(k)), "value": vb}));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if b.len() >= a.len() && b[..a.len()] == a[..] => {
            for (i, v) in b.iter().enumerate().skip(a.len()) {
                ops.push(json!({"op": "add", "path": format!("{path}/{i}"), "value": v}));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff_into(va, vb, &format!("{path}/{i}"), ops);
            }
        }
        _ => ops.push(json!({"op": "replace", "path": if path.is_empty() { "" } else { path }, "value": to})),
    }
}

fn patch_err(path: &str, reason: &str) -> InjectError {
    InjectError::Patch { path: path.to_string(), reason: reason.to_string() }
}

/// Applies a JSON Patch of `add`, `remove` and `replace` operations.
pub fn apply(doc: &Value, patch: &Value) -> Result<Value, InjectError> {
    let mut doc = doc.clone();
    let ops = patch.as_array().ok_or_else(|| patch_err("", "the patch is not an array"))?;
    for op in ops {
        let path = op["path"].as_str().ok_or_else(|| patch_err("?", "the operation has no path"))?;
        let kind = op["op"].as_str().unwrap_or("");
        if path.is_empty() {
            match kind {
                "replace" | "add" => doc = op["value"].clone(),
                _ => return Err(patch_err(path, "the root cannot be removed")),
            }
            continue;
        }
        let tokens: Vec<String> = path.strip_prefix('/').unwrap_or(path).split('/').map(unescape).collect();
        let (last, parents) = tokens.split_last().ok_or_else(|| patch_err(path, "empty path"))?;
        let mut target = &mut doc;
        for t in parents {
            target = match target {
                Value::Object(m) => m.get_mut(t).ok_or_else(|| patch_err(path, "a parent is missing"))?,
                Value::Array(a) => {
                    let i: usize =
                        t.parse().map_err(|_| patch_err(path, "an array index is not a number"))?;
                    a.get_mut(i).ok_or_else(|| patch_err(path, "an array index is out of range"))?
                }
                _ => return Err(patch_err(path, "a parent is not a container")),
            };
        }
        match target {
            Value::Object(m) => match kind {
                "add" | "replace" => {
                    if kind == "replace" && !m.contains_key(last) {
                        return Err(patch_err(path, "replace of a missing member"));
                    }
                    m.insert(last.clone(), op["value"].clone());
                }
                "remove" => {
                    m.shift_remove(last).ok_or_else(|| patch_err(path, "remove of a missing member"))?;
                }
                _ => return Err(patch_err(path, "unsupported operation")),
            },
            Value::Array(a) => {
                let idx = if last == "-" {
                    a.len()
                } else {
                    last.parse::<usize>().map_err(|_| patch_err(path, "an array index is not a number"))?
                };
                match kind {
                    "add" if idx <= a.len() => a.insert(idx, op["value"].clone()),
                    "replace" if idx < a.len() => a[idx] = op["value"].clone(),
                    "remove" if idx < a.len() => {
                        a.remove(idx);
                    }
                    _ => return Err(patch_err(path, "an array index is out of range")),
                }
            }
            _ => return Err(patch_err(path, "the parent is not a container")),
        }
    }
    Ok(doc)
}

/// Standard base64 with padding, as Kubernetes encodes `[]byte` fields in JSON.
pub fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The JSON Patch an AdmissionReview response carries (`response.patch`, base64), decoded;
/// `None` without a patch or when it is not base64 JSON.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::{admission_response, patch::response_patch};
/// let review = json!({"request": {"uid": "u-1"}});
/// let patch = json!([{"op": "add", "path": "/metadata/labels", "value": {}}]);
/// assert_eq!(response_patch(&admission_response(&review, Some(&patch))), Some(patch));
/// ```
pub fn response_patch(response: &Value) -> Option<Value> {
    let encoded = response["response"]["patch"].as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The AdmissionReview (admission.k8s.io/v1) answering `review`: allowed, and when `patch`
/// is non-empty, carrying it base64-encoded with `patchType: JSONPatch`.
pub fn admission_response(review: &Value, patch: Option<&Value>) -> Value {
    let uid = review["request"]["uid"].clone();
    let api_version = review["apiVersion"].as_str().unwrap_or("admission.k8s.io/v1");
    let mut response = Map::new();
    response.insert("uid".into(), if uid.is_null() { json!("") } else { uid });
    response.insert("allowed".into(), json!(true));
    if let Some(p) = patch.filter(|p| p.as_array().is_some_and(|a| !a.is_empty())) {
        response.insert("patchType".into(), json!("JSONPatch"));
        response.insert("patch".into(), json!(base64(p.to_string().as_bytes())));
    }
    json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": Value::Object(response)})
}

/// The AdmissionReview answering `review` when injection failed: not allowed, with the
/// reason as the status message (Istio's `toAdmissionResponse`; whether the pod is then
/// rejected depends on the webhook's failure policy).
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::patch::admission_error;
/// let review = json!({"apiVersion": "admission.k8s.io/v1", "request": {"uid": "u-1"}});
/// let out = admission_error(&review, "bad annotation");
/// assert_eq!(out["response"], json!({"uid": "u-1", "allowed": false,
///     "status": {"metadata": {}, "message": "bad annotation"}}));
/// ```
pub fn admission_error(review: &Value, message: &str) -> Value {
    let uid = review["request"]["uid"].clone();
    let api_version = review["apiVersion"].as_str().unwrap_or("admission.k8s.io/v1");
    json!({"apiVersion": api_version, "kind": "AdmissionReview", "response": {
        "uid": if uid.is_null() { json!("") } else { uid },
        "allowed": false,
        "status": {"metadata": {}, "message": message},
    }})
}

#[cfg(test)]
mod tests;
