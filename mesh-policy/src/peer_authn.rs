//! PeerAuthentication: the effective mTLS mode of a workload port, composed as Istio's
//! `ComposePeerAuthentication` does (pilot/pkg/security/authn/policy_applier.go).
//!
//! The mesh-wide policy (root namespace, no selector) is overridden by the namespace policy
//! (no selector), which is overridden by the workload policy (a selector with labels, outside
//! the root namespace); an `UNSET` mode inherits from the level above, and the default is
//! `PERMISSIVE`. At each level the oldest policy wins. The workload policy's `portLevelMtls`
//! then overrides the mode for a workload (container) port; an `UNSET` port mode inherits the
//! workload's effective mode.

use std::collections::BTreeMap;

use mesh_model::security::{MutualTlsMode, PeerAuthentication};
use mesh_model::{Kind, Resource, Snapshot};

use crate::authz::PolicyRef;

/// The effective mode and the policy it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MtlsDecision<'a> {
    /// `STRICT`, `PERMISSIVE` or `DISABLE` (never `UNSET`).
    pub mode: MutualTlsMode,
    /// The policy whose mode took effect; `None` when only the default `PERMISSIVE` holds.
    pub policy: Option<PolicyRef<'a>>,
}

#[derive(Debug)]
struct Policy {
    namespace: String,
    name: String,
    /// `None`: namespace- or mesh-level (no selector, or one without labels).
    selector: Option<BTreeMap<String, String>>,
    mode: MutualTlsMode,
    ports: BTreeMap<u32, MutualTlsMode>,
}

/// PeerAuthentications compiled for lookup: immutable, `Send + Sync`.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_model::{load_str, Snapshot, security::MutualTlsMode};
/// use mesh_policy::peer_authn::PeerAuthn;
/// let yaml = "\
/// apiVersion: security.istio.io/v1
/// kind: PeerAuthentication
/// metadata: {name: default, namespace: istio-system}
/// spec: {mtls: {mode: STRICT}}
/// ";
/// let snap = Snapshot::builder().build(load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource));
/// let pa = PeerAuthn::compile(&snap);
/// let d = pa.mode("default", &BTreeMap::new(), 8080);
/// assert_eq!(d.mode, MutualTlsMode::Strict);
/// assert_eq!(d.policy.unwrap().to_string(), "istio-system/default");
/// ```
#[derive(Debug, Default)]
pub struct PeerAuthn {
    root_namespace: String,
    /// In precedence order (oldest first).
    policies: Vec<Policy>,
}

impl PeerAuthn {
    /// Compiles the snapshot's PeerAuthentications under its mesh config's root namespace.
    pub fn compile(snapshot: &Snapshot) -> PeerAuthn {
        let policies = snapshot.of_kind(Kind::PeerAuthentication).iter().filter_map(|r| match r {
            Resource::PeerAuthentication(p) => Some(p),
            _ => None,
        });
        Self::from_policies(policies, snapshot.mesh_config().root_namespace())
    }

    /// Compiles `policies`, given in precedence order (oldest first).
    pub fn from_policies<'p>(
        policies: impl IntoIterator<Item = &'p PeerAuthentication>,
        root_namespace: &str,
    ) -> PeerAuthn {
        let policies = policies
            .into_iter()
            .map(|p| Policy {
                namespace: p.metadata.namespace().to_string(),
                name: p.metadata.name().to_string(),
                selector: p
                    .spec
                    .selector
                    .as_ref()
                    .filter(|s| !s.match_labels.is_empty())
                    .map(|s| s.match_labels.clone()),
                mode: p.spec.mtls.as_ref().and_then(|m| m.mode).unwrap_or(MutualTlsMode::Unset),
                ports: p
                    .spec
                    .port_level_mtls
                    .iter()
                    .flatten()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, v.mode.unwrap_or(MutualTlsMode::Unset))))
                    .collect(),
            })
            .collect();
        PeerAuthn { root_namespace: root_namespace.to_string(), policies }
    }

    /// The effective mode for the workload in `namespace` with `labels`, on workload `port`.
    pub fn mode(&self, namespace: &str, labels: &BTreeMap<String, String>, port: u32) -> MtlsDecision<'_> {
        let root = self.root_namespace.as_str();
        let in_scope = |p: &&Policy| p.namespace == namespace || p.namespace == root;
        let selected =
            |p: &&Policy| p.selector.as_ref().is_none_or(|s| s.iter().all(|(k, v)| labels.get(k) == Some(v)));
        let mut mesh = None;
        let mut ns = None;
        let mut workload = None;
        for p in self.policies.iter().filter(in_scope).filter(selected) {
            match (&p.selector, p.namespace == root) {
                (None, true) => mesh = mesh.or(Some(p)),
                (None, false) => ns = ns.or(Some(p)),
                (Some(_), false) => workload = workload.or(Some(p)),
                (Some(_), true) => {}
            }
        }
        let mut out = MtlsDecision { mode: MutualTlsMode::Permissive, policy: None };
        for p in [mesh, ns, workload].into_iter().flatten() {
            if p.mode != MutualTlsMode::Unset {
                out = MtlsDecision {
                    mode: p.mode,
                    policy: Some(PolicyRef { namespace: &p.namespace, name: &p.name }),
                };
            }
        }
        if let Some(w) = workload
            && let Some(&m) = w.ports.get(&port)
            && m != MutualTlsMode::Unset
        {
            out =
                MtlsDecision { mode: m, policy: Some(PolicyRef { namespace: &w.namespace, name: &w.name }) };
        }
        out
    }
}
