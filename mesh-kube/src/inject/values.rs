//! The injector's settings: the Helm values and mesh config the sidecar template reads,
//! with the defaults of Istio's `istio-discovery` chart.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::capture::annotations::CaptureDefaults;

/// Settings of the injector (the Helm values and mesh config the template reads), with
/// Istio's defaults. JSON field names are camelCase; every field is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InjectValues {
    /// `global.hub`.
    pub hub: String,
    /// `global.tag`.
    pub tag: String,
    /// `global.variant` (`distroless`, `debug`): appended to the tag.
    pub variant: String,
    /// `global.proxy.image`: a name (`proxyv2`) or a full image reference.
    pub proxy_image: String,
    /// `global.proxy_init.image`.
    pub proxy_init_image: String,
    /// `global.imagePullPolicy` (`Always`, `IfNotPresent`, `Never`); empty leaves it unset.
    pub image_pull_policy: String,
    /// `global.imagePullSecrets`: appended to the pod's.
    pub image_pull_secrets: Vec<String>,
    /// The control plane's revision; empty for the default revision.
    pub revision: String,
    /// The namespace istiod runs in.
    pub istio_namespace: String,
    /// `global.caAddress`; empty means istiod.
    pub ca_address: String,
    /// `global.pilotCertProvider`.
    pub pilot_cert_provider: String,
    /// `global.proxy.clusterDomain`.
    pub cluster_domain: String,
    /// MeshConfig `trustDomain`.
    pub trust_domain: String,
    /// `global.meshID`; empty falls back to the trust domain.
    pub mesh_id: String,
    /// `global.multiCluster.clusterName`.
    pub cluster_id: String,
    /// `global.network`: the pod's network (label `topology.istio.io/network`).
    pub network: String,
    /// `global.proxy.logLevel`.
    pub log_level: String,
    /// `global.proxy.componentLogLevel`.
    pub component_log_level: String,
    /// `global.logging.level`.
    pub agent_log_level: String,
    /// `global.logAsJson`.
    pub log_as_json: bool,
    /// `pilot.cni.enabled`: the CNI plugin installs the rules; the init container only validates.
    pub cni: bool,
    /// `pilot.cni.provider` (`default` or `multus`).
    pub cni_provider: String,
    /// Inject the proxy as a native sidecar (an init container with `restartPolicy: Always`):
    /// what Istio does when every node runs Kubernetes 1.29 or later.
    pub native_sidecar: bool,
    /// `global.proxy.holdApplicationUntilProxyStarts`: the proxy goes first and blocks the
    /// app's start (ORed with the ProxyConfig setting).
    pub hold_application_until_proxy_starts: bool,
    /// MeshConfig `enablePrometheusMerge`.
    pub enable_prometheus_merge: bool,
    /// `sidecarInjectorWebhook.rewriteAppHTTPProbe`: the agent answers the app's probes.
    pub rewrite_app_http_probe: bool,
    /// `global.proxy.privileged`.
    pub privileged: bool,
    /// `global.proxy.capNetBindService`: the proxy may bind ports below 1024.
    pub cap_net_bind_service: bool,
    /// `global.mountMtlsCerts`: mount the `istio.<serviceAccount>` secret at `/etc/certs/`.
    pub mount_mtls_certs: bool,
    /// `global.proxy.readinessInitialDelaySeconds`.
    pub readiness_initial_delay_seconds: i64,
    /// `global.proxy.readinessPeriodSeconds`.
    pub readiness_period_seconds: i64,
    /// `global.proxy.readinessFailureThreshold`.
    pub readiness_failure_threshold: i64,
    /// `global.proxy.startupProbe.enabled`.
    pub startup_probe: bool,
    /// `global.proxy.startupProbe.failureThreshold`.
    pub startup_probe_failure_threshold: i64,
    /// `global.proxy.resources`: used when no resource annotation is set.
    pub proxy_resources: Value,
    /// `global.sds.token.aud`.
    pub token_audience: String,
    /// MeshConfig `defaultConfig` (ProxyConfig, JSON names): the settings that differ from
    /// Istio's ProxyConfig defaults. A pod's `proxy.istio.io/config` annotation merges over it.
    pub proxy_config: Value,
    /// MeshConfig `inboundTrafficPolicy.mode` as the template sees it: `passthrough` or
    /// `localhost`.
    pub inbound_traffic_policy_mode: String,
    /// The mesh has an OpenTelemetry extension provider with `serviceAttributeEnrichment:
    /// OTEL_SEMANTIC_CONVENTIONS`: the proxy gets `OTEL_RESOURCE_ATTRIBUTES`.
    pub otel_semantic_conventions: bool,
    /// istiod's `COMPLIANCE_POLICY` (`fips-140-3`); empty for none.
    pub compliance_policy: String,
    /// The proxy's GID (`runAsGroup`); empty means the proxy's UID (`capture.proxyUid`).
    pub proxy_gid: String,
    /// The cluster is OpenShift: a proxy user equal to the app's is dropped (see
    /// [`InjectValues::for_openshift_namespace`]).
    pub openshift: bool,
    /// What traffic capture falls back to.
    pub capture: CaptureDefaults,
    /// `sidecarInjectorWebhook.templates`: the user's own injection templates by name, Go
    /// `text/template` text that renders a partial pod in YAML (see
    /// [`gotemplate`](super::gotemplate) for the subset). A pod selects them with
    /// `inject.istio.io/templates`; one named like a built-in (`sidecar`, `gateway`,
    /// `grpc-agent`, `grpc-simple`) replaces it, as in Istio's chart.
    pub templates: BTreeMap<String, String>,
}

impl Default for InjectValues {
    fn default() -> Self {
        Self {
            hub: "docker.io/istio".into(),
            tag: "1.28.0".into(),
            variant: String::new(),
            proxy_image: "proxyv2".into(),
            proxy_init_image: "proxyv2".into(),
            image_pull_policy: String::new(),
            image_pull_secrets: Vec::new(),
            revision: String::new(),
            istio_namespace: "istio-system".into(),
            ca_address: String::new(),
            pilot_cert_provider: "istiod".into(),
            cluster_domain: "cluster.local".into(),
            trust_domain: "cluster.local".into(),
            mesh_id: String::new(),
            cluster_id: String::new(),
            network: String::new(),
            log_level: "warning".into(),
            component_log_level: "misc:error".into(),
            agent_log_level: "default:info".into(),
            log_as_json: false,
            cni: false,
            cni_provider: "default".into(),
            native_sidecar: false,
            hold_application_until_proxy_starts: false,
            enable_prometheus_merge: true,
            rewrite_app_http_probe: true,
            privileged: false,
            cap_net_bind_service: false,
            mount_mtls_certs: false,
            readiness_initial_delay_seconds: 0,
            readiness_period_seconds: 15,
            readiness_failure_threshold: 4,
            startup_probe: true,
            startup_probe_failure_threshold: 600,
            proxy_resources: json!({
                "limits": {"cpu": "2000m", "memory": "1024Mi"},
                "requests": {"cpu": "100m", "memory": "128Mi"}
            }),
            token_audience: "istio-ca".into(),
            proxy_config: json!({}),
            inbound_traffic_policy_mode: "passthrough".into(),
            otel_semantic_conventions: false,
            compliance_policy: String::new(),
            proxy_gid: String::new(),
            openshift: false,
            capture: CaptureDefaults::default(),
            templates: BTreeMap::new(),
        }
    }
}

impl InjectValues {
    /// The settings as the `istio-discovery` chart's values (`.Values` of an injection
    /// template): `global.*`, `pilot.cni.*`, `revision`, `sidecarInjectorWebhook.*`, with
    /// the keys Istio's own templates read.
    ///
    /// ```
    /// let v = mesh_kube::inject::InjectValues::default().chart_values();
    /// assert_eq!(v["global"]["proxy"]["clusterDomain"], "cluster.local");
    /// assert_eq!(v["pilot"]["cni"]["enabled"], false);
    /// ```
    pub fn chart_values(&self) -> Value {
        let c = &self.capture;
        let port = |s: &str| s.parse::<i64>().map_or_else(|_| json!(s), |p| json!(p));
        let proxy = json!({
            "image": self.proxy_image,
            "clusterDomain": self.cluster_domain,
            "logLevel": self.log_level,
            "componentLogLevel": self.component_log_level,
            "privileged": self.privileged,
            "capNetBindService": self.cap_net_bind_service,
            "holdApplicationUntilProxyStarts": self.hold_application_until_proxy_starts,
            "readinessInitialDelaySeconds": self.readiness_initial_delay_seconds,
            "readinessPeriodSeconds": self.readiness_period_seconds,
            "readinessFailureThreshold": self.readiness_failure_threshold,
            "startupProbe": {
                "enabled": self.startup_probe,
                "failureThreshold": self.startup_probe_failure_threshold,
            },
            "resources": self.proxy_resources,
            "statusPort": port(&c.status_port),
            "includeIPRanges": c.include_ip_ranges,
            "excludeIPRanges": c.exclude_ip_ranges,
            "includeInboundPorts": c.include_inbound_ports,
            "excludeInboundPorts": c.exclude_inbound_ports,
            "includeOutboundPorts": c.include_outbound_ports,
            "excludeOutboundPorts": c.exclude_outbound_ports,
            "tracer": "none",
            "lifecycle": {},
        });
        json!({
            "revision": self.revision,
            "global": {
                "hub": self.hub,
                "tag": self.tag,
                "variant": self.variant,
                "imagePullPolicy": self.image_pull_policy,
                "imagePullSecrets": self.image_pull_secrets,
                "istioNamespace": self.istio_namespace,
                "caAddress": self.ca_address,
                "caName": "",
                "pilotCertProvider": self.pilot_cert_provider,
                "trustDomain": self.trust_domain,
                "meshID": self.mesh_id,
                "multiCluster": {"clusterName": self.cluster_id},
                "network": self.network,
                "logging": {"level": self.agent_log_level},
                "logAsJson": self.log_as_json,
                "mountMtlsCerts": self.mount_mtls_certs,
                "nativeNftables": false,
                "sds": {"token": {"aud": self.token_audience}},
                "sts": {"servicePort": 0},
                "proxy": proxy,
                "proxy_init": {"image": self.proxy_init_image, "forceApplyIptables": false},
            },
            "pilot": {"cni": {"enabled": self.cni, "provider": self.cni_provider}},
            "sidecarInjectorWebhook": {
                "rewriteAppHTTPProbe": self.rewrite_app_http_probe,
                "templates": self.templates,
            },
        })
    }
}
