//! Istio's `gateway` template (`gateway-injection-template.yaml`): the pod is a gateway, so
//! the proxy (`proxy router`) is its container, without traffic capture or probes of its
//! own, and the pod may bind low ports.

use serde_json::{Map, Value, json};

use super::{Common, PROXY_CONTAINER, Template};
use crate::inject::{InjectError, proxy_config};

/// Renders the `gateway` template for one pod.
pub(super) fn render(c: &Common<'_>) -> Result<Value, InjectError> {
    let values = c.values;
    let labels = c.canonical_labels();

    let mode = proxy_config::interception_mode(c.pc).unwrap_or(&values.capture.interception_mode);
    let mut proxy = json!({"name": PROXY_CONTAINER, "image": c.proxy_image()});
    proxy["ports"] = json!([{"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}]);
    proxy["args"] = Value::Array(c.proxy_args("router"));
    proxy["securityContext"] = json!({"runAsUser": c.uid, "runAsGroup": c.gid});
    proxy["env"] = Value::Array(c.proxy_env(Template::Gateway, mode));
    if let Some(p) = c.pull_policy() {
        proxy["imagePullPolicy"] = p;
    }
    proxy["readinessProbe"] = super::readiness_probe(15021, None, values)?;
    proxy["volumeMounts"] = Value::Array(c.proxy_mounts(Template::Gateway)?);

    let mut spec = Map::new();
    spec.insert(
        "securityContext".into(),
        json!({"sysctls": [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]}),
    );
    spec.insert("containers".into(), json!([proxy]));
    spec.insert("volumes".into(), Value::Array(c.volumes(Template::Gateway)?));
    if let Some(secrets) = c.image_pull_secrets() {
        spec.insert("imagePullSecrets".into(), secrets);
    }
    Ok(json!({
        "metadata": {"labels": labels, "annotations": c.base_annotations()},
        "spec": spec,
    }))
}
