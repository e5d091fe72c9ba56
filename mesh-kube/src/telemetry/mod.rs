//! The Telemetry API: which Telemetry resources apply to a workload, and the effective
//! metrics, tracing and access-logging configuration after Istio's merge rules.
//!
//! Order matters and is Istio's: the root namespace's selector-less Telemetry, then the
//! workload namespace's selector-less one, then every selecting one (by `selector` labels,
//! or `targetRefs` for gateways and waypoints) in creation order; later entries override
//! earlier ones. [`TelemetryIndex`] is compiled once from a snapshot; [`TelemetryIndex::resolve`]
//! answers for one workload.

mod resolve;

use std::collections::BTreeMap;

use mesh_model::mesh_config::ExtensionProvider;
use mesh_model::telemetry::Telemetry;
use mesh_model::{Kind, MeshConfig, Resource, Snapshot};
use serde::{Deserialize, Serialize};

pub use resolve::{
    AccessLogEntry, Effective, MetricOverride, ModeMetrics, ProviderMetrics, TagChange, TracingSpec,
    merge_logs, merge_metrics, merge_tracing,
};

/// The label Gateway API gateways' pods carry.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// A service a waypoint serves, for `targetRefs` of kind Service or ServiceEntry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceRef {
    /// Service or ServiceEntry name.
    pub name: String,
    /// Its namespace.
    pub namespace: String,
    /// `Service` (Kubernetes) or `ServiceEntry`.
    pub kind: String,
}

/// The workload whose telemetry is resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Workload {
    /// The workload's namespace.
    pub namespace: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// Whether it is a waypoint proxy.
    pub waypoint: bool,
    /// For a waypoint: the service the traffic is for.
    pub service: Option<ServiceRef>,
}

/// The Telemetry resources of a mesh, by namespace in creation order, with the mesh config.
#[derive(Debug, Clone, Default)]
pub struct TelemetryIndex {
    by_namespace: BTreeMap<String, Vec<Telemetry>>,
    root_namespace: String,
    mesh: MeshConfig,
    /// The mesh's extension providers after Istio's merge with its built-in ones.
    providers: Vec<ExtensionProvider>,
}

impl TelemetryIndex {
    /// Indexes the Telemetry resources of `snapshot` (already in creation order).
    pub fn new(snapshot: &Snapshot) -> Self {
        let telemetries = snapshot.of_kind(Kind::Telemetry).iter().filter_map(|r| match r {
            Resource::Telemetry(t) => Some(t.clone()),
            _ => None,
        });
        Self::from_parts(telemetries.collect(), snapshot.mesh_config().clone())
    }

    /// Builds an index from resources directly (in creation order) and a mesh config.
    pub fn from_parts(telemetries: Vec<Telemetry>, mesh: MeshConfig) -> Self {
        let mut by_namespace: BTreeMap<String, Vec<Telemetry>> = BTreeMap::new();
        for t in telemetries {
            by_namespace.entry(t.metadata.namespace().to_string()).or_default().push(t);
        }
        let root_namespace = mesh
            .root_namespace
            .clone()
            .unwrap_or_else(|| mesh_model::mesh_config::DEFAULT_ROOT_NAMESPACE.to_string());
        let providers = mesh.effective_extension_providers();
        Self { by_namespace, root_namespace, mesh, providers }
    }

    /// The mesh config the index resolves providers against.
    pub fn mesh(&self) -> &MeshConfig {
        &self.mesh
    }

    /// The first selector-less, target-less Telemetry of `namespace`.
    fn namespace_wide(&self, namespace: &str) -> Option<&Telemetry> {
        self.by_namespace.get(namespace)?.iter().find(|t| is_namespace_wide(t))
    }

    /// The Telemetry resources that apply to `w`, in merge order (later wins).
    pub fn applicable(&self, w: &Workload) -> Vec<&Telemetry> {
        let mut out = Vec::new();
        if !self.root_namespace.is_empty()
            && let Some(t) = self.namespace_wide(&self.root_namespace)
        {
            out.push(t);
        }
        let mut namespace = w.namespace.as_str();
        if namespace != self.root_namespace
            && let Some(t) = self.namespace_wide(namespace)
        {
            out.push(t);
        }
        if let Some(svc) = w.service.as_ref().filter(|s| w.waypoint && s.namespace != namespace) {
            namespace = svc.namespace.as_str();
            if let Some(t) = self.namespace_wide(namespace) {
                out.push(t);
            }
        }
        for t in self.by_namespace.get(namespace).map(Vec::as_slice).unwrap_or_default() {
            if is_namespace_wide(t) {
                continue;
            }
            if self.should_attach(w, t) {
                out.push(t);
            }
        }
        out
    }

    /// Istio's policy-attachment rule for one selecting Telemetry.
    fn should_attach(&self, w: &Workload, t: &Telemetry) -> bool {
        let refs = target_refs(t);
        let selected = || {
            t.spec
                .selector
                .as_ref()
                .is_none_or(|s| s.match_labels.iter().all(|(k, v)| w.labels.get(k) == Some(v)))
        };
        let Some(gateway) = w.labels.get(GATEWAY_NAME_LABEL) else {
            return refs.is_empty() && selected();
        };
        if refs.is_empty() {
            return !w.waypoint && selected();
        }
        let policy_ns = t.metadata.namespace();
        for r in refs {
            let group = r.group.as_deref().unwrap_or("");
            let core = group.is_empty() || group == "core";
            if w.waypoint {
                if let Some(svc) = &w.service {
                    let kind_ok = (core && r.kind == "Service" && svc.kind == "Service")
                        || (group == "networking.istio.io"
                            && r.kind == "ServiceEntry"
                            && svc.kind == "ServiceEntry");
                    if kind_ok && r.name == svc.name && policy_ns == svc.namespace {
                        return true;
                    }
                }
                if policy_ns == self.root_namespace
                    && group == "gateway.networking.k8s.io"
                    && r.kind == "GatewayClass"
                    && r.name == "istio-waypoint"
                {
                    return true;
                }
            }
            if w.namespace != policy_ns {
                continue;
            }
            if r.namespace.as_deref().is_some_and(|n| !n.is_empty() && n != w.namespace) {
                continue;
            }
            if group == "gateway.networking.k8s.io" && r.kind == "Gateway" && &r.name == gateway {
                return true;
            }
        }
        false
    }

    /// The effective configuration for `w`.
    pub fn resolve(&self, w: &Workload) -> Effective {
        let applied = self.applicable(w);
        resolve::effective(&applied, &self.mesh, &self.providers)
    }
}

fn target_refs(t: &Telemetry) -> Vec<&mesh_model::PolicyTargetReference> {
    if t.spec.target_refs.is_empty() {
        t.spec.target_ref.iter().collect()
    } else {
        t.spec.target_refs.iter().collect()
    }
}

fn is_namespace_wide(t: &Telemetry) -> bool {
    t.spec.selector.as_ref().is_none_or(|s| s.match_labels.is_empty()) && target_refs(t).is_empty()
}

#[cfg(test)]
mod tests;
