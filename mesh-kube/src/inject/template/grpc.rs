//! Istio's proxyless gRPC templates: `grpc-agent` (`grpc-agent.yaml`), where the agent runs
//! without Envoy and serves xDS and certificates to the app over a shared volume, and
//! `grpc-simple` (`grpc-simple.yaml`), where an init container writes an xDS bootstrap that
//! points the app straight at istiod. Neither captures traffic, and both turn probe rewriting
//! off (`sidecar.istio.io/rewriteAppHTTPProbers: "false"`).

use serde_json::{Map, Value, json};

use super::{
    Common, PROXY_CONTAINER, field_env, pod_ports, readiness_probe, resources, user_entries, value_env,
};
use crate::capture::annotations::STATUS_PORT;
use crate::inject::{InjectError, proxy_config};

/// Where the `grpc-simple` bootstrap is written and read.
const SIMPLE_BOOTSTRAP_DIR: &str = "/var/lib/grpc/data/";
/// The volume that carries the `grpc-simple` bootstrap.
const SIMPLE_BOOTSTRAP_VOLUME: &str = "grpc-io-proxyless-bootstrap";

/// The shell script of `grpc-simple`'s init container: an xDS bootstrap for istiod's
/// plaintext port, with the node ID the agent would use.
const SIMPLE_BOOTSTRAP_SCRIPT: &str = r#"NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"
SERVER_URI="dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"
echo '
{
  "xds_servers": [
    {
      "server_uri": "'${SERVER_URI}'",
      "channel_creds": [{"type": "insecure"}],
      "server_features" : ["xds_v3"]
    }
  ],
  "node": {
    "id": "'${NODE_ID}'",
    "metadata": {
      "GENERATOR": "grpc"
    }
  }
}' > /var/lib/grpc/data/bootstrap.json"#;

/// Renders the `grpc-simple` template: a bootstrap-writing init container, and every app
/// container pointed at the bootstrap. No proxy is added.
pub(super) fn render_simple(c: &Common<'_>) -> Result<Value, InjectError> {
    let mount = json!({"mountPath": SIMPLE_BOOTSTRAP_DIR, "name": SIMPLE_BOOTSTRAP_VOLUME});
    let init = json!({
        "name": "grpc-bootstrap-init",
        "image": "busybox:1.28",
        "volumeMounts": [mount.clone()],
        "env": [
            field_env("INSTANCE_IP", "status.podIP"),
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_NAMESPACE", "metadata.namespace"),
            // A literal block in the template: the namespace and a newline.
            value_env("ISTIO_NAMESPACE", format!("{}\n", c.values.istio_namespace)),
        ],
        "command": ["sh", "-c", SIMPLE_BOOTSTRAP_SCRIPT],
    });
    // Every container of the pod, `istio-proxy` included, as the template ranges over them.
    let containers: Vec<Value> = c
        .containers
        .iter()
        .map(|container| {
            json!({
                "name": container["name"].clone(),
                "env": [
                    value_env("GRPC_XDS_BOOTSTRAP", format!("{SIMPLE_BOOTSTRAP_DIR}bootstrap.json")),
                    value_env("GRPC_GO_LOG_VERBOSITY_LEVEL", "99"),
                    value_env("GRPC_GO_LOG_SEVERITY_LEVEL", "info"),
                ],
                "volumeMounts": [mount.clone()],
            })
        })
        .collect();
    let mut spec = Map::new();
    spec.insert("initContainers".into(), json!([init]));
    spec.insert("containers".into(), Value::Array(containers));
    spec.insert("volumes".into(), json!([{"name": SIMPLE_BOOTSTRAP_VOLUME, "emptyDir": {}}]));
    Ok(json!({
        "metadata": {"annotations": {"sidecar.istio.io/rewriteAppHTTPProbers": "false"}},
        "spec": spec,
    }))
}

/// Renders the `grpc-agent` template: the agent as `istio-proxy` with Envoy disabled
/// (`DISABLE_ENVOY`), serving xDS and SDS to the app containers over the `istio-xds`
/// volume, and the app containers given gRPC's xDS bootstrap and certificate mounts.
pub(super) fn render_agent(c: &Common<'_>) -> Result<Value, InjectError> {
    let values = c.values;
    let labels = c.canonical_labels();
    let mut annotations = c.base_annotations();
    annotations.insert("sidecar.istio.io/rewriteAppHTTPProbers".into(), json!("false"));

    let mut proxy = json!({"name": PROXY_CONTAINER, "image": c.proxy_image()});
    proxy["ports"] = json!([{"containerPort": 15020, "protocol": "TCP", "name": "mesh-metrics"}]);
    proxy["args"] = Value::Array(c.proxy_args("sidecar"));
    proxy["lifecycle"] = json!({"postStart": {"exec": {"command": [
        "pilot-agent", "wait", "--url=http://localhost:15020/healthz/ready"]}}});
    proxy["env"] = Value::Array(agent_env(c));
    if let Some(p) = c.pull_policy() {
        proxy["imagePullPolicy"] = p;
    }
    // The template opens its readiness block before the probe and closes it after the
    // proxy's own mounts: with the status port off, the resources and mounts go too.
    let mut mounts = Vec::new();
    if c.ann(STATUS_PORT, &values.capture.status_port) != "0" {
        proxy["readinessProbe"] = readiness_probe(15020, Some(&c.annotations), values)?;
        proxy["resources"] = resources(&c.annotations, values)?;
        mounts.extend([
            json!({"name": "workload-socket", "mountPath": "/var/run/secrets/workload-spiffe-uds"}),
            json!({"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"}),
        ]);
        if values.pilot_cert_provider == "istiod" {
            mounts.push(json!({"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"}));
        }
        mounts.extend([
            json!({"mountPath": "/var/lib/istio/data", "name": "istio-data"}),
            json!({"mountPath": "/etc/istio/proxy", "name": "istio-xds"}),
            json!({"mountPath": "/var/run/secrets/tokens", "name": "istio-token"}),
        ]);
        if values.mount_mtls_certs {
            mounts.push(json!({"mountPath": "/etc/certs/", "name": "istio-certs", "readOnly": true}));
        }
        mounts.push(json!({"name": "istio-podinfo", "mountPath": "/etc/istio/pod"}));
    }
    mounts.extend(user_entries(&c.annotations, "sidecar.istio.io/userVolumeMount")?);
    if !mounts.is_empty() {
        proxy["volumeMounts"] = Value::Array(mounts);
    }

    let mut containers = vec![proxy];
    containers.extend(c.app_containers.iter().map(|name| {
        json!({
            "name": name,
            "env": [
                value_env("GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT", "true"),
                value_env("GRPC_XDS_BOOTSTRAP", "/etc/istio/proxy/grpc-bootstrap.json"),
            ],
            "volumeMounts": [
                {"mountPath": "/var/lib/istio/data", "name": "istio-data"},
                {"mountPath": "/etc/istio/proxy", "name": "istio-xds"},
                {"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"},
            ],
        })
    }));

    let mut spec = Map::new();
    spec.insert("containers".into(), Value::Array(containers));
    spec.insert("volumes".into(), Value::Array(agent_volumes(c)?));
    if let Some(secrets) = c.image_pull_secrets() {
        spec.insert("imagePullSecrets".into(), secrets);
    }
    Ok(json!({
        "metadata": {"labels": labels, "annotations": annotations},
        "spec": spec,
    }))
}

/// The agent's environment, in `grpc-agent.yaml`'s order.
fn agent_env(c: &Common<'_>) -> Vec<Value> {
    let values = c.values;
    let mut env =
        vec![value_env("ISTIO_META_GENERATOR", "grpc"), value_env("OUTPUT_CERTS", "/var/lib/istio/data")];
    if values.inbound_traffic_policy_mode == "localhost" {
        env.push(value_env("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true"));
    }
    let cluster = if values.cluster_id.is_empty() { "Kubernetes" } else { values.cluster_id.as_str() };
    env.extend([
        value_env("PILOT_CERT_PROVIDER", values.pilot_cert_provider.clone()),
        value_env("CA_ADDR", c.ca_addr()),
        field_env("POD_NAME", "metadata.name"),
        field_env("POD_NAMESPACE", "metadata.namespace"),
        field_env("INSTANCE_IP", "status.podIP"),
        field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
        field_env("HOST_IP", "status.hostIP"),
        value_env("PROXY_CONFIG", format!("{}\n", proxy_config::env_json(c.pc))),
        value_env("ISTIO_META_POD_PORTS", pod_ports(c.containers)),
        value_env("ISTIO_META_APP_CONTAINERS", c.app_containers.join(",")),
        value_env("ISTIO_META_CLUSTER_ID", cluster),
        field_env("ISTIO_META_NODE_NAME", "spec.nodeName"),
    ]);
    if !values.network.is_empty() {
        env.push(value_env("ISTIO_META_NETWORK", values.network.clone()));
    }
    let deploy = c.deploy;
    if !deploy.name.is_empty() {
        env.push(value_env("ISTIO_META_WORKLOAD_NAME", deploy.name.clone()));
        if !deploy.api_version.is_empty() {
            env.push(value_env("ISTIO_META_OWNER", deploy.owner()));
        }
    }
    env.extend(c.mesh_env());
    env.extend(c.metadata_env());
    // gRPC resolves names through xds:///, so the agent captures no DNS.
    env.push(value_env("ISTIO_META_DNS_CAPTURE", "false"));
    env.push(value_env("DISABLE_ENVOY", "true"));
    env
}

/// The pod volumes of `grpc-agent`.
fn agent_volumes(c: &Common<'_>) -> Result<Vec<Value>, InjectError> {
    let values = c.values;
    let mut volumes = vec![json!({"name": "workload-socket"}), json!({"name": "workload-certs"})];
    volumes.extend(c.agent_volumes("istio-xds"));
    if values.pilot_cert_provider == "istiod" {
        volumes.push(json!({"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}}));
    }
    if values.mount_mtls_certs {
        volumes.push(c.mtls_certs_volume());
    }
    volumes.extend(user_entries(&c.annotations, "sidecar.istio.io/userVolume")?);
    Ok(volumes)
}
