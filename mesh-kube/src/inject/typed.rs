//! Containers as Kubernetes' Go types write them (`encoding/json` of `core/v1.Container`):
//! fields in struct order, empty optional fields left out, unknown fields dropped,
//! quantities canonical. Injection writes containers into annotation strings
//! (`proxy.istio.io/overrides`), where the text must be byte-for-byte what Istio writes.

use serde_json::{Map, Value};

use super::quantity::canonical;

/// How a field is written when it holds its zero value.
#[derive(Clone, Copy)]
enum Zero {
    /// `omitempty`: left out when zero, empty or false.
    Omit,
    /// A pointer or a non-`omitempty` field: always written.
    Keep,
}

type Nested = fn(&Value) -> Value;

/// One struct field: JSON name, zero handling, and how to write a nested value.
type Field = (&'static str, Zero, Option<Nested>);

/// Whether Go's `encoding/json` counts `v` as empty for `omitempty` (zero, `""`, false,
/// null, an empty list or map).
pub(crate) fn is_zero(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Bool(b) => !b,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

fn write(v: &Value, fields: &[Field]) -> Value {
    let mut out = Map::new();
    for (name, zero, nested) in fields {
        let Some(x) = v.get(*name) else { continue };
        if x.is_null() || (matches!(zero, Zero::Omit) && is_zero(x)) {
            continue;
        }
        let x = match nested {
            Some(f) => f(x),
            None => x.clone(),
        };
        out.insert((*name).to_string(), x);
    }
    Value::Object(out)
}

fn list(v: &Value, f: Nested) -> Value {
    Value::Array(v.as_array().into_iter().flatten().map(f).collect())
}

const O: Zero = Zero::Omit;
const K: Zero = Zero::Keep;

fn quantities(v: &Value) -> Value {
    // Go writes maps sorted by key.
    let mut entries: Vec<(&String, &Value)> = v.as_object().into_iter().flatten().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    Value::Object(
        entries
            .into_iter()
            .map(|(k, q)| {
                let q = match q {
                    Value::String(s) => canonical(s).map_or_else(|| q.clone(), Value::String),
                    Value::Number(n) => canonical(&n.to_string()).map_or_else(|| q.clone(), Value::String),
                    other => other.clone(),
                };
                (k.clone(), q)
            })
            .collect(),
    )
}

fn resources(v: &Value) -> Value {
    write(v, &[("limits", O, Some(quantities)), ("requests", O, Some(quantities)), ("claims", O, None)])
}

fn port(v: &Value) -> Value {
    write(
        v,
        &[
            ("name", O, None),
            ("hostPort", O, None),
            ("containerPort", K, None),
            ("protocol", O, None),
            ("hostIP", O, None),
        ],
    )
}

fn env_var(v: &Value) -> Value {
    write(v, &[("name", K, None), ("value", O, None), ("valueFrom", O, None)])
}

fn volume_mount(v: &Value) -> Value {
    write(
        v,
        &[
            ("name", K, None),
            ("readOnly", O, None),
            ("recursiveReadOnly", O, None),
            ("mountPath", K, None),
            ("subPath", O, None),
            ("mountPropagation", O, None),
            ("subPathExpr", O, None),
        ],
    )
}

fn http_get(v: &Value) -> Value {
    write(
        v,
        &[
            ("path", O, None),
            ("port", K, None),
            ("host", O, None),
            ("scheme", O, None),
            ("httpHeaders", O, None),
        ],
    )
}

fn tcp_socket(v: &Value) -> Value {
    write(v, &[("port", K, None), ("host", O, None)])
}

fn grpc(v: &Value) -> Value {
    write(v, &[("port", K, None), ("service", O, None)])
}

fn probe(v: &Value) -> Value {
    write(
        v,
        &[
            ("exec", O, None),
            ("httpGet", O, Some(http_get)),
            ("tcpSocket", O, Some(tcp_socket)),
            ("grpc", O, Some(grpc)),
            ("initialDelaySeconds", O, None),
            ("timeoutSeconds", O, None),
            ("periodSeconds", O, None),
            ("successThreshold", O, None),
            ("failureThreshold", O, None),
            ("terminationGracePeriodSeconds", O, None),
        ],
    )
}

fn handler(v: &Value) -> Value {
    write(
        v,
        &[
            ("exec", O, None),
            ("httpGet", O, Some(http_get)),
            ("tcpSocket", O, Some(tcp_socket)),
            ("sleep", O, None),
        ],
    )
}

fn lifecycle(v: &Value) -> Value {
    write(v, &[("postStart", O, Some(handler)), ("preStop", O, Some(handler)), ("stopSignal", O, None)])
}

fn capabilities(v: &Value) -> Value {
    write(v, &[("add", O, None), ("drop", O, None)])
}

fn security_context(v: &Value) -> Value {
    write(
        v,
        &[
            ("capabilities", O, Some(capabilities)),
            ("privileged", K, None),
            ("seLinuxOptions", O, None),
            ("windowsOptions", O, None),
            ("runAsUser", K, None),
            ("runAsGroup", K, None),
            ("runAsNonRoot", K, None),
            ("readOnlyRootFilesystem", K, None),
            ("allowPrivilegeEscalation", K, None),
            ("procMount", K, None),
            ("seccompProfile", O, None),
            ("appArmorProfile", O, None),
        ],
    )
}

/// A container as Go's `core/v1.Container` marshals it.
///
/// ```
/// use serde_json::json;
/// use mesh_kube::inject::typed::container;
/// let c = container(&json!({"tty": true, "image": "auto", "name": "istio-proxy", "bogus": 1}));
/// assert_eq!(c.to_string(), r#"{"name":"istio-proxy","image":"auto","resources":{},"tty":true}"#);
/// ```
pub fn container(v: &Value) -> Value {
    // `resources` is a struct, not a pointer: Go always writes it.
    let mut v = v.clone();
    if v.get("resources").is_none_or(Value::is_null) {
        v["resources"] = Value::Object(Map::new());
    }
    write(
        &v,
        &[
            ("name", K, None),
            ("image", O, None),
            ("command", O, None),
            ("args", O, None),
            ("workingDir", O, None),
            ("ports", O, Some(|p| list(p, port))),
            ("envFrom", O, None),
            ("env", O, Some(|e| list(e, env_var))),
            ("resources", K, Some(resources)),
            ("resizePolicy", O, None),
            ("restartPolicy", O, None),
            ("volumeMounts", O, Some(|m| list(m, volume_mount))),
            ("volumeDevices", O, None),
            ("livenessProbe", O, Some(probe)),
            ("readinessProbe", O, Some(probe)),
            ("startupProbe", O, Some(probe)),
            ("lifecycle", O, Some(lifecycle)),
            ("terminationMessagePath", O, None),
            ("terminationMessagePolicy", O, None),
            ("imagePullPolicy", O, None),
            ("securityContext", O, Some(security_context)),
            ("stdin", O, None),
            ("stdinOnce", O, None),
            ("tty", O, None),
        ],
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // The proxy.istio.io/overrides value of istio's proxy-override golden.
    #[test]
    fn field_order_matches_go() {
        let c = json!({
            "name": "istio-proxy", "tty": true,
            "securityContext": {"allowPrivilegeEscalation": true, "readOnlyRootFilesystem": false,
                                "runAsUser": 1234, "runAsGroup": 1234},
            "terminationMessagePath": "/foo/bar",
            "lifecycle": {"preStop": {"exec": {"command": ["sleep", "10"]}}},
            "livenessProbe": {"httpGet": {"port": 15021, "path": "/healthz/ready"}, "initialDelaySeconds": 10,
                              "periodSeconds": 2, "failureThreshold": 30, "timeoutSeconds": 3},
            "volumeMounts": [{"mountPath": "/etc/certs", "name": "certs"}],
            "resources": {"requests": {"cpu": "123m"}, "limits": {"cpu": "3000m"}}
        });
        assert_eq!(
            container(&c).to_string(),
            concat!(
                r#"{"name":"istio-proxy","resources":{"limits":{"cpu":"3"},"requests":{"cpu":"123m"}},"#,
                r#""volumeMounts":[{"name":"certs","mountPath":"/etc/certs"}],"#,
                r#""livenessProbe":{"httpGet":{"path":"/healthz/ready","port":15021},"initialDelaySeconds":10,"#,
                r#""timeoutSeconds":3,"periodSeconds":2,"failureThreshold":30},"#,
                r#""lifecycle":{"preStop":{"exec":{"command":["sleep","10"]}}},"terminationMessagePath":"/foo/bar","#,
                r#""securityContext":{"runAsUser":1234,"runAsGroup":1234,"readOnlyRootFilesystem":false,"#,
                r#""allowPrivilegeEscalation":true},"tty":true}"#
            )
        );
    }
}
