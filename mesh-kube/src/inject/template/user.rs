//! A user's injection template (`sidecarInjectorWebhook.templates`): Go `text/template`
//! text run on the data istiod gives its templates (`SidecarTemplateData`: the pod's
//! `ObjectMeta` and `Spec`, `ProxyConfig`, `MeshConfig`, the chart's `Values`, ...), the
//! output read as YAML into the partial pod that is overlaid like a built-in's.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Common;
use crate::inject::InjectError;
use crate::inject::gotemplate::{Template, Val};
use crate::inject::proxy_config;

/// Renders the user's template `name` for one pod.
pub(super) fn render(name: &str, text: &str, c: &Common<'_>) -> Result<Value, InjectError> {
    let fail = |line: usize, reason: String| InjectError::Template { name: name.to_string(), line, reason };
    let template = Template::parse(text).map_err(|e| fail(e.line, e.message))?;
    let out = template.execute(&data(c)).map_err(|e| fail(e.line, e.message))?;
    let (pod, _) = mesh_model::load::parse_document::<Value>(&out, "injection template")
        .map_err(|e| fail(0, format!("the rendered template is not valid YAML: {e}")))?;
    match pod {
        Value::Null => Ok(json!({})),
        Value::Object(_) => Ok(pod),
        _ => Err(fail(0, "the rendered template is not a YAML mapping (a partial pod)".into())),
    }
}

/// Istio's `SidecarTemplateData` for the pod.
fn data(c: &Common<'_>) -> Val {
    let values = c.values;
    let init_type = c
        .annotations
        .get("sidecar.istio.io/proxyImageType")
        .cloned()
        .unwrap_or_else(|| values.variant.clone());
    // The ProxyConfig as Go holds it: the enum and status port have their defaults.
    let mut pc = if c.pc.is_object() { c.pc.clone() } else { json!({}) };
    if pc.get("interceptionMode").is_none() {
        pc["interceptionMode"] = json!(values.capture.interception_mode);
    }
    pc["statusPort"] = json!(proxy_config::status_port(c.pc));
    let mesh = json!({
        "trustDomain": values.trust_domain,
        "defaultConfig": pc,
        "enablePrometheusMerge": values.enable_prometheus_merge,
        "proxyListenPort": values.capture.proxy_listen_port,
        "proxyInboundListenPort": values.capture.proxy_inbound_listen_port,
        "inboundTrafficPolicy": {"mode": values.inbound_traffic_policy_mode.to_uppercase()},
    });
    let fields: BTreeMap<String, Val> = [
        ("TypeMeta", Val::typed(&json!({"kind": c.deploy.kind, "apiVersion": c.deploy.api_version}))),
        ("DeploymentMeta", Val::typed(&json!({"name": c.deploy.name, "namespace": c.deploy.namespace}))),
        ("ObjectMeta", Val::typed(&c.pod["metadata"])),
        ("Spec", Val::typed(&c.pod["spec"])),
        ("ProxyConfig", Val::typed(&pc)),
        ("MeshConfig", Val::typed(&mesh)),
        ("Values", Val::untyped(&values.chart_values())),
        ("Revision", Val::str(values.revision.clone())),
        ("NativeSidecars", Val::Bool(values.native_sidecar)),
        ("ProxyImage", Val::str(c.proxy_image())),
        ("ProxyInitImage", Val::str(c.image(&values.proxy_init_image, &init_type))),
        ("ProxyUID", Val::Int(c.uid)),
        ("ProxyGID", Val::Int(c.gid)),
        ("InboundTrafficPolicyMode", Val::str(values.inbound_traffic_policy_mode.clone())),
        ("CompliancePolicy", Val::str(values.compliance_policy.clone())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    Val::structure("*inject.SidecarTemplateData", fields)
}
