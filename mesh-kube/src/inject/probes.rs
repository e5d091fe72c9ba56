//! Application probe rewriting: with mTLS the kubelet cannot reach the app's HTTP, TCP or
//! gRPC probes, so the injector points them at the agent's status port
//! (`/app-health/<container>/livez`, ...) and hands the original probes to the agent in
//! `ISTIO_KUBE_APP_PROBERS` (Istio's `app_probe.go`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::template::PROXY_CONTAINER;

/// `ISTIO_KUBE_APP_PROBERS`: the original probes, by agent URL.
pub const APP_PROBERS_ENV: &str = "ISTIO_KUBE_APP_PROBERS";
/// `sidecar.istio.io/rewriteAppHTTPProbers`: per-pod switch.
pub const REWRITE_ANNOTATION: &str = "sidecar.istio.io/rewriteAppHTTPProbers";

/// The agent URLs of one container's probes and lifecycle hooks:
/// (readiness, liveness, startup, preStop, postStart).
fn urls(container: &str) -> [(&'static str, String); 5] {
    [
        ("readinessProbe", format!("/app-health/{container}/readyz")),
        ("livenessProbe", format!("/app-health/{container}/livez")),
        ("startupProbe", format!("/app-health/{container}/startupz")),
        ("preStop", format!("/app-lifecycle/{container}/prestopz")),
        ("postStart", format!("/app-lifecycle/{container}/poststartz")),
    ]
}

/// Keeps the fields of `v` named in `keys`, in that order, without empty ones (Go's
/// `omitempty` marshalling of the typed action).
fn typed(v: &Value, keys: &[&str], always: &[&str]) -> Value {
    let mut m = Map::new();
    for k in keys {
        match v.get(*k) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() && !always.contains(k) => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(x) => {
                m.insert((*k).to_string(), x.clone());
            }
        }
    }
    Value::Object(m)
}

/// A probe (or lifecycle handler) as the agent's `Prober`: the action, and the probe's
/// timeout; `None` for exec probes and absent ones.
fn prober(probe: &Value, with_timeout: bool) -> Option<Value> {
    let mut out = Map::new();
    if let Some(h) = probe.get("httpGet").filter(|h| h.is_object()) {
        let mut action = typed(h, &["path", "port", "host", "scheme", "httpHeaders"], &["port"]);
        if let Some(headers) = action.get_mut("httpHeaders").and_then(Value::as_array_mut) {
            for hd in headers.iter_mut() {
                *hd = typed(hd, &["name", "value"], &["name", "value"]);
            }
        }
        out.insert("httpGet".into(), action);
    } else if let Some(t) = probe.get("tcpSocket").filter(|t| t.is_object()) {
        out.insert("tcpSocket".into(), typed(t, &["port", "host"], &["port"]));
    } else if let Some(g) = probe.get("grpc").filter(|g| g.is_object() && with_timeout) {
        let mut action = typed(g, &["port", "service"], &["port"]);
        if action.get("port").is_none() {
            action["port"] = json!(0);
        }
        out.insert("grpc".into(), action);
    } else {
        return None;
    }
    if with_timeout && let Some(t) = probe.get("timeoutSeconds").and_then(Value::as_i64).filter(|t| *t != 0) {
        out.insert("timeoutSeconds".into(), json!(t));
    }
    Some(Value::Object(out))
}

/// Resolves a named port, and drops probes already pointing at the agent.
fn resolve_port(mut p: Value, ports: &BTreeMap<&str, i64>, target_port: i64) -> Option<Value> {
    if p.get("grpc").is_some() {
        return Some(p);
    }
    let action = if p.get("httpGet").is_some() { "httpGet" } else { "tcpSocket" };
    let port = p[action]["port"].clone();
    match port {
        Value::String(name) => {
            let number = *ports.get(name.as_str())?;
            p[action]["port"] = json!(number);
        }
        Value::Number(n) if n.as_i64() == Some(target_port) => return None,
        _ => {}
    }
    Some(p)
}

fn all_containers(pod: &Value) -> impl Iterator<Item = &Value> {
    let list = |k: &str| pod["spec"][k].as_array().map(|a| a.iter()).into_iter().flatten();
    list("initContainers").chain(list("containers"))
}

/// `ISTIO_KUBE_APP_PROBERS` for `pod`: every app container's HTTP, TCP and gRPC probe and
/// HTTP/TCP lifecycle hook, named ports resolved, by agent URL (sorted, as Go writes a
/// map); `None` when there is none. `target_port` is the mesh's status port: a probe
/// already aimed at it was rewritten before and is left out.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::probes::app_probers;
/// let pod = json!({"spec": {"containers": [{"name": "web",
///     "ports": [{"name": "http", "containerPort": 8080}],
///     "livenessProbe": {"httpGet": {"port": "http", "path": "/live"}}}]}});
/// assert_eq!(app_probers(&pod, 15020).as_deref(),
///     Some(r#"{"/app-health/web/livez":{"httpGet":{"path":"/live","port":8080}}}"#));
/// ```
pub fn app_probers(pod: &Value, target_port: i64) -> Option<String> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for c in all_containers(pod) {
        let name = c["name"].as_str().unwrap_or("");
        if name == PROXY_CONTAINER {
            continue;
        }
        let ports: BTreeMap<&str, i64> = c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((p["name"].as_str().filter(|n| !n.is_empty())?, p["containerPort"].as_i64()?))
            })
            .collect();
        for (field, url) in urls(name) {
            let (source, with_timeout) = match field {
                "preStop" | "postStart" => (&c["lifecycle"][field], false),
                _ => (&c[field], true),
            };
            if let Some(p) = prober(source, with_timeout).and_then(|p| resolve_port(p, &ports, target_port)) {
                out.insert(url, p);
            }
        }
    }
    if out.is_empty() {
        return None;
    }
    serde_json::to_string(&out).ok()
}

/// Merges freshly computed probers into those of a previous injection (the old entries
/// win, as Istio's `mergeOrAppendProbers` does); `None` when the old value does not parse.
pub fn merge_probers(existing: &str, new: &str) -> Option<String> {
    let old: BTreeMap<String, Value> = serde_json::from_str(existing).ok()?;
    let mut merged: BTreeMap<String, Value> = serde_json::from_str(new).ok()?;
    for (k, v) in old {
        let typed = prober(&v, true).unwrap_or(v);
        merged.insert(k, typed);
    }
    serde_json::to_string(&merged).ok()
}

/// Points an HTTP action at the agent: the given path and port, `HTTPS` downgraded to
/// `HTTP` (the agent speaks TLS to the app).
fn rewrite_http(action: &mut Value, url: &str, port: i64) {
    action["port"] = json!(port);
    action["path"] = json!(url);
    if action["scheme"] == "HTTPS" {
        action["scheme"] = json!("HTTP");
    }
}

/// Rewrites one probe or handler in place; TCP and gRPC become HTTP GETs of the agent.
fn convert(probe: &mut Value, url: &str, port: i64, allow_grpc: bool) {
    let Some(m) = probe.as_object_mut() else { return };
    if let Some(h) = m.get_mut("httpGet").filter(|h| h.is_object()) {
        rewrite_http(h, url, port);
    } else if m.get("tcpSocket").is_some_and(Value::is_object)
        || (allow_grpc && m.get("grpc").is_some_and(Value::is_object))
    {
        m.shift_remove("tcpSocket");
        m.shift_remove("grpc");
        let mut h = json!({});
        rewrite_http(&mut h, url, port);
        m.insert("httpGet".into(), h);
    }
}

/// Aims every app container's probes and HTTP/TCP lifecycle hooks at the agent's
/// `status_port` (Istio's `patchRewriteProbe`).
pub fn rewrite_probes(pod: &mut Value, status_port: i64) {
    for list in ["containers", "initContainers"] {
        let Some(cs) = pod.get_mut("spec").and_then(|s| s.get_mut(list)).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in cs.iter_mut() {
            let name = c["name"].as_str().unwrap_or("").to_string();
            if name == PROXY_CONTAINER {
                continue;
            }
            for (field, url) in urls(&name) {
                let target = match field {
                    "preStop" | "postStart" => c.get_mut("lifecycle").and_then(|l| l.get_mut(field)),
                    _ => c.get_mut(field),
                };
                if let Some(t) = target {
                    convert(t, &url, status_port, !matches!(field, "preStop" | "postStart"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod() -> Value {
        json!({"spec": {"containers": [{
            "name": "hello",
            "ports": [{"name": "http", "containerPort": 80}],
            "livenessProbe": {"httpGet": {"port": "http"}},
            "readinessProbe": {"httpGet": {"port": 3333, "scheme": "HTTPS"}, "timeoutSeconds": 2},
            "startupProbe": {"grpc": {"port": 9000}},
            "lifecycle": {"preStop": {"httpGet": {"port": 91}}, "postStart": {"tcpSocket": {"port": 93}}}
        }, {
            "name": "world", "readinessProbe": {"exec": {"command": ["cat"]}},
            "livenessProbe": {"httpGet": {"port": "missing"}}
        }]}})
    }

    // istio app_probe_test.go / hello-probes golden: named ports resolve, exec probes and
    // unknown names are left out, keys sorted.
    #[test]
    fn probers_follow_istio() {
        let got = app_probers(&pod(), 15020).unwrap();
        assert_eq!(
            got,
            concat!(
                r#"{"/app-health/hello/livez":{"httpGet":{"port":80}},"#,
                r#""/app-health/hello/readyz":{"httpGet":{"port":3333,"scheme":"HTTPS"},"timeoutSeconds":2},"#,
                r#""/app-health/hello/startupz":{"grpc":{"port":9000}},"#,
                r#""/app-lifecycle/hello/poststartz":{"tcpSocket":{"port":93}},"#,
                r#""/app-lifecycle/hello/prestopz":{"httpGet":{"port":91}}}"#
            )
        );
    }

    #[test]
    fn rewrite_points_probes_at_the_agent() {
        let mut p = pod();
        rewrite_probes(&mut p, 15020);
        let c = &p["spec"]["containers"][0];
        assert_eq!(
            c["livenessProbe"],
            json!({"httpGet": {"port": 15020, "path": "/app-health/hello/livez"}})
        );
        assert_eq!(c["readinessProbe"]["httpGet"]["scheme"], "HTTP");
        assert_eq!(
            c["startupProbe"],
            json!({"httpGet": {"port": 15020, "path": "/app-health/hello/startupz"}})
        );
        assert_eq!(
            c["lifecycle"]["postStart"],
            json!({"httpGet": {"port": 15020, "path": "/app-lifecycle/hello/poststartz"}})
        );
        assert_eq!(p["spec"]["containers"][1]["readinessProbe"], json!({"exec": {"command": ["cat"]}}));
        // Already rewritten probes are not reported again.
        assert!(app_probers(&json!({"spec": {"containers": [c]}}), 15020).is_none());
    }

    #[test]
    fn previous_probers_win_a_merge() {
        let merged = merge_probers(
            r#"{"/app-health/a/livez":{"httpGet":{"port":1}}}"#,
            r#"{"/app-health/a/livez":{"httpGet":{"port":2}},"/app-health/b/livez":{"httpGet":{"port":3}}}"#,
        )
        .unwrap();
        assert_eq!(
            merged,
            r#"{"/app-health/a/livez":{"httpGet":{"port":1}},"/app-health/b/livez":{"httpGet":{"port":3}}}"#
        );
    }
}
