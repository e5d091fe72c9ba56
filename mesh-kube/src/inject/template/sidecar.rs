//! Istio's `sidecar` template (`injection-template.yaml`): labels, annotations (with the
//! CNI plugin's capture settings), the `istio-init` or `istio-validation` init container,
//! the `istio-proxy` container (a native sidecar when enabled), volumes.

use serde_json::{Map, Value, json};

use super::{
    Common, INIT_CONTAINER, PROXY_CONTAINER, Template, VALIDATION_CONTAINER, append_multus_network,
    canonical_name, canonical_revision, capture_error, interception_mode, native_sidecar, readiness_probe,
    resources,
};
use crate::capture::annotations::{STATUS_PORT, exclude_inbound_port, pod_capture};
use crate::inject::{InjectError, proxy_config};

/// Renders the `sidecar` template for one pod.
pub(super) fn render(c: &Common<'_>) -> Result<Value, InjectError> {
    let Common { values, pc, labels, annotations, metadata, uid, gid, .. } = c;
    let (values, pc, uid, gid) = (*values, *pc, *uid, *gid);
    let ann = |key: &str, default: &str| c.ann(key, default);
    let mode = interception_mode(annotations, pc, values).to_string();
    let mut capture_defaults = values.capture.clone();
    capture_defaults.interception_mode = mode.clone();
    let capture = pod_capture(annotations, &capture_defaults).map_err(|e| capture_error(e, annotations))?;
    let tproxy = mode == "TPROXY";
    let cap_net_bind = annotations
        .get("sidecar.istio.io/capNetBindService")
        .map_or(values.cap_net_bind_service, |v| v == "true");
    let native = native_sidecar(annotations, values);
    let resources = resources(annotations, values)?;
    let status_port = ann(STATUS_PORT, &values.capture.status_port);

    // metadata
    let mut out_labels = Map::new();
    out_labels.insert(
        "security.istio.io/tlsMode".into(),
        json!(
            labels.get("security.istio.io/tlsMode").filter(|s| !s.is_empty()).map_or("istio", String::as_str)
        ),
    );
    if metadata.get("ISTIO_META_ENABLE_HBONE").is_some_and(|v| v == "true") {
        out_labels.insert(
            "networking.istio.io/tunnel".into(),
            json!(
                labels
                    .get("networking.istio.io/tunnel")
                    .filter(|s| !s.is_empty())
                    .map_or("http", String::as_str)
            ),
        );
    }
    out_labels
        .insert("service.istio.io/canonical-name".into(), json!(canonical_name(labels, &c.deploy.name)));
    out_labels.insert("service.istio.io/canonical-revision".into(), json!(canonical_revision(labels)));

    let mut out_ann = c.base_annotations();
    if values.cni {
        if values.cni_provider == "multus" {
            out_ann.insert(
                "k8s.v1.cni.cncf.io/networks".into(),
                json!(append_multus_network(&ann("k8s.v1.cni.cncf.io/networks", ""), "default/istio-cni")),
            );
        }
        out_ann.insert("sidecar.istio.io/interceptionMode".into(), json!(mode));
        for (key, default) in [
            ("traffic.sidecar.istio.io/includeOutboundIPRanges", &values.capture.include_ip_ranges),
            ("traffic.sidecar.istio.io/excludeOutboundIPRanges", &values.capture.exclude_ip_ranges),
        ] {
            let v = ann(key, default);
            if !v.is_empty() {
                out_ann.insert(key.into(), json!(v));
            }
        }
        out_ann.insert(
            "traffic.sidecar.istio.io/includeInboundPorts".into(),
            json!(ann("traffic.sidecar.istio.io/includeInboundPorts", &values.capture.include_inbound_ports)),
        );
        out_ann.insert(
            "traffic.sidecar.istio.io/excludeInboundPorts".into(),
            json!(exclude_inbound_port(
                &status_port,
                &ann("traffic.sidecar.istio.io/excludeInboundPorts", &values.capture.exclude_inbound_ports)
            )),
        );
        for (key, default) in [
            ("traffic.sidecar.istio.io/includeOutboundPorts", &values.capture.include_outbound_ports),
            ("traffic.sidecar.istio.io/excludeOutboundPorts", &values.capture.exclude_outbound_ports),
        ] {
            if annotations.contains_key(key) || !default.is_empty() {
                out_ann.insert(key.into(), json!(ann(key, default)));
            }
        }
        for key in [
            "traffic.sidecar.istio.io/kubevirtInterfaces",
            "istio.io/reroute-virtual-interfaces",
            "traffic.sidecar.istio.io/excludeInterfaces",
        ] {
            if let Some(v) = annotations.get(key).filter(|v| !v.is_empty()) {
                out_ann.insert(key.into(), json!(v));
            }
        }
    }

    let hold = (proxy_config::holds_application(pc) || values.hold_application_until_proxy_starts) && !native;
    let proxy_image = c.proxy_image();
    let init_type =
        annotations.get("sidecar.istio.io/proxyImageType").cloned().unwrap_or_else(|| values.variant.clone());
    let init_image = c.image(&values.proxy_init_image, &init_type);
    let pull_policy = c.pull_policy();
    let metadata_env = c.metadata_env();
    let agent_level = ann("sidecar.istio.io/agentLogLevel", &values.agent_log_level);

    // The init container.
    let mut init_containers = Vec::new();
    if mode != "NONE" {
        let mut args = capture.args.clone();
        // pod_capture ends with the default log flag; the template writes the agent's level.
        if args.last().is_some_and(|a| a.starts_with("--log_output_level=")) {
            args.pop();
        }
        args.push(format!("--log_output_level={agent_level}"));
        if values.log_as_json {
            args.push("--log_as_json".into());
        }
        if values.cni {
            args.extend(["--run-validation".to_string(), "--skip-rule-apply".to_string()]);
        }
        let security = if values.cni {
            let id = if tproxy { 1337 } else { uid };
            let group = if tproxy { 1337 } else { gid };
            json!({
                "allowPrivilegeEscalation": values.privileged, "privileged": values.privileged,
                "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true,
                "runAsGroup": group, "runAsUser": id, "runAsNonRoot": true
            })
        } else {
            json!({
                "allowPrivilegeEscalation": values.privileged, "privileged": values.privileged,
                "capabilities": {"add": ["NET_ADMIN", "NET_RAW"], "drop": ["ALL"]},
                "readOnlyRootFilesystem": false, "runAsGroup": 0, "runAsNonRoot": false, "runAsUser": 0
            })
        };
        let mut init = json!({
            "name": if values.cni { VALIDATION_CONTAINER } else { INIT_CONTAINER },
            "image": init_image,
            "args": args,
        });
        if let Some(p) = &pull_policy {
            init["imagePullPolicy"] = p.clone();
        }
        if !metadata_env.is_empty() {
            init["env"] = Value::Array(metadata_env.clone());
        }
        init["resources"] = resources.clone();
        init["securityContext"] = security;
        init_containers.push(init);
    }

    // The proxy container.
    let env = c.proxy_env(Template::Sidecar, &mode);

    let args = c.proxy_args("sidecar");
    let mut proxy = json!({"name": PROXY_CONTAINER, "image": proxy_image});
    if native {
        proxy["restartPolicy"] = json!("Always");
    }
    proxy["ports"] = json!([{"containerPort": 15090, "protocol": "TCP", "name": "http-envoy-prom"}]);
    proxy["args"] = Value::Array(args);
    if hold {
        proxy["lifecycle"] = json!({"postStart": {"exec": {"command": ["pilot-agent", "wait"]}}});
    } else if native {
        proxy["lifecycle"] = json!({"preStop": {"exec": {"command": [
            "pilot-agent", "request", format!("--debug-port={status_port}"), "POST", "drain"]}}});
    }
    proxy["env"] = Value::Array(env);
    if let Some(p) = &pull_policy {
        proxy["imagePullPolicy"] = p.clone();
    }
    if status_port != "0" {
        if values.startup_probe {
            proxy["startupProbe"] = json!({
                "httpGet": {"path": "/healthz/ready", "port": 15021},
                "periodSeconds": 1, "timeoutSeconds": 3,
                "failureThreshold": values.startup_probe_failure_threshold
            });
        }
        proxy["readinessProbe"] = readiness_probe(15021, Some(annotations), values)?;
    }
    proxy["securityContext"] = if metadata.get("IPTABLES_TRACE_LOGGING").is_some_and(|v| v == "true") {
        json!({
            "allowPrivilegeEscalation": true, "capabilities": {"add": ["NET_ADMIN"], "drop": ["ALL"]},
            "privileged": true, "readOnlyRootFilesystem": true, "runAsGroup": gid,
            "runAsNonRoot": false, "runAsUser": 0
        })
    } else {
        let mut caps = Map::new();
        if tproxy || cap_net_bind {
            let mut add = Vec::new();
            if tproxy {
                add.push(json!("NET_ADMIN"));
            }
            if cap_net_bind {
                add.push(json!("NET_BIND_SERVICE"));
            }
            caps.insert("add".into(), Value::Array(add));
        }
        caps.insert("drop".into(), json!(["ALL"]));
        let mut sc = json!({
            "allowPrivilegeEscalation": values.privileged,
            "capabilities": caps,
            "privileged": values.privileged,
            "readOnlyRootFilesystem": true,
        });
        if tproxy || cap_net_bind {
            sc["runAsNonRoot"] = json!(false);
            sc["runAsUser"] = json!(0);
            sc["runAsGroup"] = json!(1337);
        } else {
            sc["runAsNonRoot"] = json!(true);
            sc["runAsUser"] = json!(uid);
            sc["runAsGroup"] = json!(gid);
        }
        sc
    };
    proxy["resources"] = resources;
    let mounts = c.proxy_mounts(Template::Sidecar)?;
    proxy["volumeMounts"] = Value::Array(mounts);

    let mut containers = Vec::new();
    if native {
        init_containers.push(proxy);
    } else {
        containers.push(proxy);
    }

    let volumes = c.volumes(Template::Sidecar)?;

    let mut spec = Map::new();
    spec.insert("initContainers".into(), Value::Array(init_containers));
    if !containers.is_empty() {
        spec.insert("containers".into(), Value::Array(containers));
    }
    spec.insert("volumes".into(), Value::Array(volumes));
    if let Some(secrets) = c.image_pull_secrets() {
        spec.insert("imagePullSecrets".into(), secrets);
    }
    Ok(json!({
        "metadata": {"labels": out_labels, "annotations": out_ann},
        "spec": spec,
    }))
}
