//! What every template reads, derived once from the pod and the settings ([`Common`]), and
//! the pieces the templates share: images, the proxy's arguments, environment, mounts and
//! volumes.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{
    PROXY_CONTAINER, Template, TemplateInput, canonical_revision, field_env, image_tag_digest, image_url,
    pod_ports, resource_env, string_map, user_entries, value_env,
};
use crate::inject::deploy_meta::DeployMeta;
use crate::inject::{InjectError, InjectValues, proxy_config};

/// What every template reads, derived once from the pod and the settings.
pub(crate) struct Common<'a> {
    pub(crate) pod: &'a Value,
    pub(crate) values: &'a InjectValues,
    pub(crate) pc: &'a Value,
    pub(crate) deploy: &'a DeployMeta,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) annotations: BTreeMap<String, String>,
    /// ProxyConfig `proxyMetadata`, sorted.
    pub(crate) metadata: BTreeMap<String, String>,
    /// The pod's containers.
    pub(crate) containers: &'a [Value],
    /// The names of the pod's containers other than `istio-proxy`.
    pub(crate) app_containers: Vec<String>,
    pub(crate) uid: i64,
    pub(crate) gid: i64,
}

impl<'a> Common<'a> {
    pub(super) fn new(input: TemplateInput<'a>) -> Self {
        let TemplateInput { pod, values, proxy_config: pc, deploy } = input;
        let meta = &pod["metadata"];
        let containers: &[Value] = pod["spec"]["containers"].as_array().map_or(&[], Vec::as_slice);
        let app_containers = containers
            .iter()
            .filter_map(|c| c["name"].as_str())
            .filter(|n| *n != PROXY_CONTAINER)
            .map(String::from)
            .collect();
        let uid = values.capture.proxy_uid.parse::<i64>().unwrap_or(1337);
        let gid = values.proxy_gid.parse::<i64>().unwrap_or(uid);
        Common {
            pod,
            values,
            pc,
            deploy,
            labels: string_map(meta.get("labels")),
            annotations: string_map(meta.get("annotations")),
            metadata: proxy_config::proxy_metadata(pc),
            containers,
            app_containers,
            uid,
            gid,
        }
    }

    /// The template's `annotation` helper: the pod's annotation, else the default.
    pub(crate) fn ann(&self, key: &str, default: &str) -> String {
        self.annotations.get(key).cloned().unwrap_or_else(|| default.into())
    }

    /// The canonical service labels as the gateway and gRPC templates set them: the name
    /// from the first label that has one, else the workload (not truncated or trimmed, unlike
    /// the sidecar template's), and the revision.
    pub(crate) fn canonical_labels(&self) -> Map<String, Value> {
        let name = ["service.istio.io/canonical-name", "app.kubernetes.io/name", "app"]
            .iter()
            .filter_map(|k| self.labels.get(*k))
            .find(|s| !s.is_empty())
            .unwrap_or(&self.deploy.name);
        let mut labels = Map::new();
        labels.insert("service.istio.io/canonical-name".into(), json!(name));
        labels.insert("service.istio.io/canonical-revision".into(), json!(canonical_revision(&self.labels)));
        labels
    }

    /// `istio.io/rev` and the default-container annotations, shared by every proxy template.
    pub(crate) fn base_annotations(&self) -> Map<String, Value> {
        let mut out = Map::new();
        let rev = if self.values.revision.is_empty() { "default" } else { self.values.revision.as_str() };
        out.insert("istio.io/rev".into(), json!(rev));
        if let Some(first) = self.app_containers.first() {
            for key in
                ["kubectl.kubernetes.io/default-logs-container", "kubectl.kubernetes.io/default-container"]
            {
                if !self.annotations.contains_key(key) {
                    out.insert(key.into(), json!(first));
                }
            }
        }
        out
    }

    /// An image: the `sidecar.istio.io/proxyImage` annotation or the configured image when
    /// either is a full reference, else `hub/<name>:tag` with the image type.
    pub(crate) fn image(&self, configured: &str, image_type: &str) -> String {
        let chosen = self.ann("sidecar.istio.io/proxyImage", configured);
        if chosen.contains('/') {
            chosen
        } else {
            let name = if configured.is_empty() { "proxyv2" } else { configured };
            image_url(&self.values.hub, name, &self.values.tag, image_type)
        }
    }

    /// The proxy's image (Istio's `ProxyImage`): the type from the annotation, the
    /// ProxyConfig's `image.imageType`, else the variant.
    pub(crate) fn proxy_image(&self) -> String {
        let image_type = self
            .annotations
            .get("sidecar.istio.io/proxyImageType")
            .cloned()
            .or_else(|| self.pc["image"]["imageType"].as_str().filter(|s| !s.is_empty()).map(String::from))
            .unwrap_or_else(|| self.values.variant.clone());
        self.image(&self.values.proxy_image, &image_type)
    }

    /// `imagePullPolicy`, when configured.
    pub(crate) fn pull_policy(&self) -> Option<Value> {
        (!self.values.image_pull_policy.is_empty()).then(|| json!(self.values.image_pull_policy))
    }

    /// `proxyMetadata` as env vars.
    pub(crate) fn metadata_env(&self) -> Vec<Value> {
        self.metadata.iter().map(|(k, v)| value_env(k, v.clone())).collect()
    }

    /// The proxy's arguments: `proxy <sidecar|router>` and the log settings.
    pub(crate) fn proxy_args(&self, role: &str) -> Vec<Value> {
        let values = self.values;
        let mut args = vec![
            json!("proxy"),
            json!(role),
            json!("--domain"),
            json!(format!("$(POD_NAMESPACE).svc.{}", values.cluster_domain)),
            json!(format!("--proxyLogLevel={}", self.ann("sidecar.istio.io/logLevel", &values.log_level))),
            json!(format!(
                "--proxyComponentLogLevel={}",
                self.ann("sidecar.istio.io/componentLogLevel", &values.component_log_level)
            )),
            json!(format!(
                "--log_output_level={}",
                self.ann("sidecar.istio.io/agentLogLevel", &values.agent_log_level)
            )),
        ];
        if values.log_as_json {
            args.push(json!("--log_as_json"));
        }
        args
    }

    /// `CA_ADDR`: the configured CA, else the revision's istiod.
    pub(crate) fn ca_addr(&self) -> String {
        let values = self.values;
        if !values.ca_address.is_empty() {
            values.ca_address.clone()
        } else if values.revision.is_empty() {
            format!("istiod.{}.svc:15012", values.istio_namespace)
        } else {
            format!("istiod-{}.{}.svc:15012", values.revision, values.istio_namespace)
        }
    }

    /// `ISTIO_META_MESH_ID` (the mesh ID, else the trust domain) and `TRUST_DOMAIN`.
    pub(crate) fn mesh_env(&self) -> Vec<Value> {
        let values = self.values;
        let mut env = Vec::new();
        if !values.mesh_id.is_empty() {
            env.push(value_env("ISTIO_META_MESH_ID", values.mesh_id.clone()));
        } else if !values.trust_domain.is_empty() {
            env.push(value_env("ISTIO_META_MESH_ID", values.trust_domain.clone()));
        }
        if !values.trust_domain.is_empty() {
            env.push(value_env("TRUST_DOMAIN", values.trust_domain.clone()));
        }
        env
    }

    /// The proxy's environment, as the sidecar or gateway template lists it.
    pub(crate) fn proxy_env(&self, template: Template, mode: &str) -> Vec<Value> {
        let (values, deploy) = (self.values, self.deploy);
        let gateway = template == Template::Gateway;
        let ca_addr = self.ca_addr();
        let mut env = Vec::new();
        if !gateway && values.inbound_traffic_policy_mode == "localhost" {
            env.push(value_env("REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION", "true"));
        }
        env.extend([
            value_env("PILOT_CERT_PROVIDER", values.pilot_cert_provider.clone()),
            value_env("CA_ADDR", ca_addr),
            field_env("POD_NAME", "metadata.name"),
            field_env("POD_NAMESPACE", "metadata.namespace"),
            field_env("INSTANCE_IP", "status.podIP"),
            field_env("SERVICE_ACCOUNT", "spec.serviceAccountName"),
            field_env("HOST_IP", "status.hostIP"),
            resource_env("ISTIO_CPU_LIMIT", "limits.cpu"),
            value_env("PROXY_CONFIG", format!("{}\n", proxy_config::env_json(self.pc))),
            value_env("ISTIO_META_POD_PORTS", pod_ports(self.containers)),
        ]);
        let app_containers = value_env("ISTIO_META_APP_CONTAINERS", self.app_containers.join(","));
        if !gateway {
            env.push(app_containers.clone());
        }
        env.push(resource_env("GOMEMLIMIT", "limits.memory"));
        if !values.compliance_policy.is_empty() {
            env.push(value_env("COMPLIANCE_POLICY", values.compliance_policy.clone()));
            if values.compliance_policy == "fips-140-3" {
                env.push(value_env("GODEBUG", "fips140=only"));
            }
        }
        if gateway {
            env.push(app_containers);
        }
        let cluster = if values.cluster_id.is_empty() { "Kubernetes" } else { values.cluster_id.as_str() };
        env.push(value_env("ISTIO_META_CLUSTER_ID", cluster));
        env.push(field_env("ISTIO_META_NODE_NAME", "spec.nodeName"));
        env.push(value_env("ISTIO_META_INTERCEPTION_MODE", mode));
        if !values.network.is_empty() {
            env.push(value_env("ISTIO_META_NETWORK", values.network.clone()));
        }
        let workload = if gateway {
            &deploy.name
        } else {
            self.labels
                .get("service.istio.io/workload-name")
                .filter(|s| !s.is_empty())
                .unwrap_or(&deploy.name)
        };
        if !workload.is_empty() {
            env.push(value_env("ISTIO_META_WORKLOAD_NAME", workload.clone()));
        }
        if !deploy.api_version.is_empty() && !deploy.name.is_empty() {
            env.push(value_env("ISTIO_META_OWNER", deploy.owner()));
        }
        if self.annotations.contains_key("sidecar.istio.io/bootstrapOverride") {
            env.push(value_env(
                "ISTIO_BOOTSTRAP_OVERRIDE",
                "/etc/istio/custom-bootstrap/custom_bootstrap.json",
            ));
        }
        env.extend(self.mesh_env());
        if !gateway && let Some(attrs) = self.otel_resource_attributes() {
            env.push(value_env("OTEL_RESOURCE_ATTRIBUTES", attrs));
        }
        env.extend(self.metadata_env());
        env
    }

    /// `OTEL_RESOURCE_ATTRIBUTES` (Istio's `otelResourceAttributes`): service namespace,
    /// version and instance id from the `resource.opentelemetry.io/*` annotations, else the
    /// namespace, the `app.kubernetes.io/version` label or the single container's image tag,
    /// and `<ns>.$(POD_NAME).<first container>`.
    fn otel_resource_attributes(&self) -> Option<String> {
        if !self.values.otel_semantic_conventions {
            return None;
        }
        let ann = |k: &str| self.annotations.get(k).filter(|v| !v.is_empty());
        let namespace = &self.deploy.namespace;
        let mut attrs = Vec::new();
        if let Some(v) = ann("resource.opentelemetry.io/service.namespace") {
            attrs.push(format!("service.namespace={v}"));
        } else if !namespace.is_empty() {
            attrs.push(format!("service.namespace={namespace}"));
        }
        if let Some(v) = ann("resource.opentelemetry.io/service.version") {
            attrs.push(format!("service.version={v}"));
        } else if let Some(v) = self.labels.get("app.kubernetes.io/version").filter(|v| !v.is_empty()) {
            attrs.push(format!("service.version={v}"));
        } else if let [only] = self.containers {
            let (tag, digest) = image_tag_digest(only["image"].as_str().unwrap_or(""));
            let version = match (tag.is_empty(), digest.is_empty()) {
                (false, false) => format!("{tag}@{digest}"),
                (true, false) => digest.to_string(),
                (false, true) => tag.to_string(),
                (true, true) => String::new(),
            };
            if !version.is_empty() {
                attrs.push(format!("service.version={version}"));
            }
        }
        if let Some(v) = ann("resource.opentelemetry.io/service.instance.id") {
            attrs.push(format!("service.instance.id={v}"));
        } else if let Some(first) = self.containers.first() {
            attrs.push(format!(
                "service.instance.id={namespace}.$(POD_NAME).{}",
                first["name"].as_str().unwrap_or("")
            ));
        }
        (!attrs.is_empty()).then(|| attrs.join(","))
    }

    /// The proxy's volume mounts.
    pub(crate) fn proxy_mounts(&self, template: Template) -> Result<Vec<Value>, InjectError> {
        let values = self.values;
        let sidecar = template == Template::Sidecar;
        let mut mounts = vec![
            json!({"name": "workload-socket", "mountPath": "/var/run/secrets/workload-spiffe-uds"}),
            json!({"name": "credential-socket", "mountPath": "/var/run/secrets/credential-uds"}),
            json!({"name": "workload-certs", "mountPath": "/var/run/secrets/workload-spiffe-credentials"}),
        ];
        if values.pilot_cert_provider == "istiod" {
            mounts.push(json!({"mountPath": "/var/run/secrets/istio", "name": "istiod-ca-cert"}));
            if sidecar {
                mounts.push(json!({"mountPath": "/var/run/secrets/istio/crl", "name": "istio-ca-crl"}));
            }
        }
        mounts.push(json!({"mountPath": "/var/lib/istio/data", "name": "istio-data"}));
        if self.annotations.contains_key("sidecar.istio.io/bootstrapOverride") {
            mounts
                .push(json!({"mountPath": "/etc/istio/custom-bootstrap", "name": "custom-bootstrap-volume"}));
        }
        mounts.push(json!({"mountPath": "/etc/istio/proxy", "name": "istio-envoy"}));
        mounts.push(json!({"mountPath": "/var/run/secrets/tokens", "name": "istio-token"}));
        if values.mount_mtls_certs {
            mounts.push(json!({"mountPath": "/etc/certs/", "name": "istio-certs", "readOnly": true}));
        }
        mounts.push(json!({"name": "istio-podinfo", "mountPath": "/etc/istio/pod"}));
        if sidecar {
            mounts.extend(user_entries(&self.annotations, "sidecar.istio.io/userVolumeMount")?);
        }
        Ok(mounts)
    }

    /// The pod volumes the proxy needs.
    pub(crate) fn volumes(&self, template: Template) -> Result<Vec<Value>, InjectError> {
        let values = self.values;
        let sidecar = template == Template::Sidecar;
        let mut volumes = vec![json!({"name": "workload-socket"})];
        if sidecar {
            volumes.push(json!({"name": "credential-socket"}));
            volumes.push(json!({"name": "workload-certs"}));
        } else {
            volumes.push(json!({"emptyDir": {}, "name": "credential-socket"}));
            volumes.push(json!({"emptyDir": {}, "name": "workload-certs"}));
        }
        volumes.extend(self.agent_volumes("istio-envoy"));
        if values.pilot_cert_provider == "istiod" {
            volumes.push(json!({"name": "istiod-ca-cert", "configMap": {"name": "istio-ca-root-cert"}}));
        }
        if sidecar {
            volumes.push(
                json!({"name": "istio-ca-crl", "configMap": {"name": "istio-ca-crl", "optional": true}}),
            );
        }
        if values.mount_mtls_certs {
            volumes.push(self.mtls_certs_volume());
        }
        if sidecar {
            volumes.extend(user_entries(&self.annotations, "sidecar.istio.io/userVolume")?);
        }
        Ok(volumes)
    }

    /// The volumes every agent template lists after its socket volumes: the custom bootstrap
    /// (with `sidecar.istio.io/bootstrapOverride`), the agent's in-memory xDS/SDS volume
    /// (`istio-envoy`, `istio-xds` for gRPC), its data, the pod info and the CA token.
    pub(crate) fn agent_volumes(&self, xds_volume: &str) -> Vec<Value> {
        let mut volumes = Vec::new();
        if self.annotations.contains_key("sidecar.istio.io/bootstrapOverride") {
            volumes.push(json!({"name": "custom-bootstrap-volume",
                "configMap": {"name": self.ann("sidecar.istio.io/bootstrapOverride", "")}}));
        }
        volumes.extend([
            json!({"emptyDir": {"medium": "Memory"}, "name": xds_volume}),
            json!({"name": "istio-data", "emptyDir": {}}),
            json!({"name": "istio-podinfo", "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "annotations", "fieldRef": {"fieldPath": "metadata.annotations"}}
            ]}}),
            json!({"name": "istio-token", "projected": {"sources": [{"serviceAccountToken": {
                "path": "istio-token", "expirationSeconds": 43200, "audience": self.values.token_audience}}]}}),
        ]);
        volumes
    }

    /// `istio-certs`: the service account's legacy certificate secret (`mountMtlsCerts`).
    pub(crate) fn mtls_certs_volume(&self) -> Value {
        let sa =
            self.pod["spec"]["serviceAccountName"].as_str().filter(|s| !s.is_empty()).unwrap_or("default");
        json!({"name": "istio-certs", "secret": {"optional": true, "secretName": format!("istio.{sa}")}})
    }

    /// `global.imagePullSecrets` as the pod's `imagePullSecrets`.
    pub(crate) fn image_pull_secrets(&self) -> Option<Value> {
        (!self.values.image_pull_secrets.is_empty()).then(|| {
            Value::Array(self.values.image_pull_secrets.iter().map(|s| json!({"name": s})).collect())
        })
    }
}
