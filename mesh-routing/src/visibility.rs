//! What a proxy in a namespace may see: `exportTo` of VirtualServices and DestinationRules
//! (with the mesh defaults) and the egress hosts of the Sidecar that applies to it
//! (`pilot/pkg/model/sidecar.go`).

use std::collections::BTreeMap;

use mesh_model::networking::{OutboundTrafficPolicyMode, Sidecar};
use mesh_model::registry::ExportTo;
use mesh_model::{Resource, Snapshot};

use crate::host;

/// The order Istio offers configuration to a namespace: its private config first, then config
/// exported to it by name, then public config (`VirtualServicesForGateway`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// Exported only to namespaces that include the owner's own, seen from that namespace.
    Private,
    /// Exported to the client's namespace by name.
    Exported,
    /// Exported to every namespace (`*`).
    Public,
}

/// The tier in which config of `owner_ns` with `export` reaches `client_ns`, or `None`.
pub fn tier(export: &ExportTo, owner_ns: &str, client_ns: &str) -> Option<Tier> {
    match export {
        ExportTo::Public => Some(Tier::Public),
        ExportTo::Hidden => None,
        ExportTo::Namespaces(set) if set.contains(client_ns) => {
            Some(if owner_ns == client_ns { Tier::Private } else { Tier::Exported })
        }
        ExportTo::Namespaces(_) => None,
    }
}

/// `exportTo` of a resource, or the mesh default when it sets none.
pub fn export_to(entries: &[String], default: &[String], namespace: &str) -> ExportTo {
    let list = if entries.is_empty() { default } else { entries };
    ExportTo::parse(list.iter().map(String::as_str), namespace)
}

/// An egress listener: its port (`None` for the catch-all) and `(namespace, host)` imports.
type EgressListener = (Option<u32>, Vec<(String, String)>);

/// One Sidecar resource, compiled.
#[derive(Debug, Clone)]
pub(crate) struct SidecarScope {
    namespace: String,
    selector: Option<BTreeMap<String, String>>,
    /// Egress listeners: port (`None` for the catch-all) and `(namespace, host)` imports.
    egress: Vec<EgressListener>,
    outbound: Option<OutboundTrafficPolicyMode>,
}

impl SidecarScope {
    fn compile(sc: &Sidecar) -> Self {
        let ns = sc.metadata.namespace().to_string();
        let egress = sc
            .spec
            .egress
            .iter()
            .map(|l| {
                let imports = l
                    .hosts
                    .iter()
                    .filter_map(|h| h.split_once('/'))
                    .map(|(n, h)| (if n == "." { ns.clone() } else { n.to_string() }, h.to_ascii_lowercase()))
                    .collect();
                (l.port.as_ref().and_then(|p| p.number).filter(|n| *n != 0), imports)
            })
            .collect();
        Self {
            namespace: ns,
            selector: sc.spec.workload_selector.as_ref().map(|s| s.labels.clone()).filter(|l| !l.is_empty()),
            egress,
            outbound: sc.spec.outbound_traffic_policy.as_ref().map(|p| p.mode.unwrap_or_default()),
        }
    }

    /// The imports of the egress listener for `port`, else of the catch-all listener.
    fn imports(&self, port: u32) -> Option<&[(String, String)]> {
        if self.egress.is_empty() {
            return None;
        }
        self.egress
            .iter()
            .find(|(p, _)| *p == Some(port))
            .or_else(|| self.egress.iter().find(|(p, _)| p.is_none()))
            .map(|(_, h)| h.as_slice())
    }

    /// Whether a host of a resource in `namespace` is imported on `port` (`~` imports nothing).
    pub(crate) fn imports_host(&self, port: u32, namespace: &str, hostname: &str) -> bool {
        let Some(imports) = self.imports(port) else { return true };
        imports.iter().any(|(ns, h)| {
            ns != "~" && (ns == "*" || ns == namespace) && (h == "*" || host::matches(h, hostname))
        })
    }

    /// The Sidecar's outbound traffic mode, when it sets one.
    pub(crate) fn outbound(&self) -> Option<OutboundTrafficPolicyMode> {
        self.outbound
    }
}

/// Every Sidecar, to find the one that applies to a workload.
#[derive(Debug, Clone, Default)]
pub(crate) struct Sidecars {
    all: Vec<SidecarScope>,
    root_namespace: String,
}

impl Sidecars {
    pub(crate) fn compile(snapshot: &Snapshot) -> Self {
        let all = snapshot
            .of_kind(mesh_model::Kind::Sidecar)
            .iter()
            .filter_map(|r| match r {
                Resource::Sidecar(s) => Some(SidecarScope::compile(s)),
                _ => None,
            })
            .collect();
        Self { all, root_namespace: snapshot.mesh_config().root_namespace().to_string() }
    }

    /// The Sidecar of a workload in `namespace` with `labels`: one of its namespace that
    /// selects it, else its namespace's Sidecar without selector, else the root namespace's
    /// Sidecar without selector.
    pub(crate) fn for_workload(
        &self,
        namespace: &str,
        labels: Option<&BTreeMap<String, String>>,
    ) -> Option<&SidecarScope> {
        let selects = |s: &&SidecarScope| {
            s.selector
                .as_ref()
                .is_some_and(|sel| sel.iter().all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v)))
        };
        self.all
            .iter()
            .filter(|s| s.namespace == namespace)
            .find(selects)
            .or_else(|| self.all.iter().find(|s| s.namespace == namespace && s.selector.is_none()))
            .or_else(|| self.all.iter().find(|s| s.namespace == self.root_namespace && s.selector.is_none()))
    }
}
