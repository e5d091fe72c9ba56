//! Which policies apply to a workload (istio/istio `WorkloadPolicyMatcher.ShouldAttachPolicy`
//! and `ListAuthorizationPolicies`): policies of the root namespace and of the workload's
//! namespace; a selector must be a subset of the workload's labels; `targetRef(s)` attach only
//! to Gateway API gateways and waypoints. Policies are filed by namespace and by one label of
//! their selector, so a workload's policies are found with a few lookups.

use std::collections::BTreeMap;

use mesh_model::PolicyTargetReference;

use super::index::FxMap;

/// The label that marks a Gateway API gateway's pods, naming the Gateway.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// The GatewayClass of Istio's waypoints.
const WAYPOINT_CLASS: &str = "istio-waypoint";

/// The kind of registry entry a service comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    /// A Kubernetes Service.
    Service,
    /// An Istio ServiceEntry.
    ServiceEntry,
}

/// A service a waypoint serves (for `targetRefs` to a Service or ServiceEntry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ServiceRef<'a> {
    /// The Service's or ServiceEntry's name.
    pub name: &'a str,
    /// Its namespace.
    pub namespace: &'a str,
    /// Which registry it comes from.
    pub kind: ServiceKind,
}

/// The workload whose policies apply: where it runs and what its labels are.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_policy::authz::Workload;
/// let labels = BTreeMap::from([("app".to_string(), "reviews".to_string())]);
/// let w = Workload::new("default", &labels);
/// assert!(!w.waypoint);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Workload<'a> {
    /// The workload's namespace.
    pub namespace: &'a str,
    /// The workload's labels.
    pub labels: &'a BTreeMap<String, String>,
    /// Whether the workload is a waypoint proxy (policies attach to it by `targetRefs` only).
    pub waypoint: bool,
    /// For a waypoint: the services it serves this request for.
    pub services: &'a [ServiceRef<'a>],
}

impl<'a> Workload<'a> {
    /// A sidecar workload in `namespace` with `labels`.
    pub fn new(namespace: &'a str, labels: &'a BTreeMap<String, String>) -> Self {
        Workload { namespace, labels, waypoint: false, services: &[] }
    }
}

/// What attaches a policy to workloads.
#[derive(Debug, Clone)]
pub(crate) struct Attachment {
    /// `selector.matchLabels`; `None` when the policy has no selector.
    pub(crate) selector: Option<BTreeMap<String, String>>,
    /// `targetRefs`, or `[targetRef]`.
    pub(crate) target_refs: Vec<PolicyTargetReference>,
}

fn canonical_group(g: Option<&str>) -> &str {
    match g.unwrap_or("") {
        "" => "core",
        g => g,
    }
}

impl Attachment {
    fn selected(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.as_ref().is_none_or(|sel| sel.iter().all(|(k, v)| labels.get(k) == Some(v)))
    }

    /// Whether a policy in `policy_ns` with this attachment applies to `w`.
    pub(crate) fn applies(&self, policy_ns: &str, root_ns: &str, w: &Workload<'_>) -> bool {
        let gateway = w.labels.get(GATEWAY_NAME_LABEL);
        if gateway.is_none() && !w.waypoint {
            return self.target_refs.is_empty() && self.selected(w.labels);
        }
        if self.target_refs.is_empty() {
            return !w.waypoint && self.selected(w.labels);
        }
        for r in &self.target_refs {
            let group = canonical_group(r.group.as_deref());
            if w.waypoint {
                let kind = match (group, r.kind.as_str()) {
                    ("core", "Service") => Some(ServiceKind::Service),
                    ("networking.istio.io", "ServiceEntry") => Some(ServiceKind::ServiceEntry),
                    _ => None,
                };
                if let Some(kind) = kind
                    && w.services
                        .iter()
                        .any(|s| s.kind == kind && s.name == r.name && s.namespace == policy_ns)
                {
                    return true;
                }
                if policy_ns == root_ns
                    && group == "gateway.networking.k8s.io"
                    && r.kind == "GatewayClass"
                    && r.name == WAYPOINT_CLASS
                {
                    return true;
                }
            }
            if w.namespace != policy_ns {
                continue;
            }
            if !r.namespace.as_deref().is_none_or(|ns| ns.is_empty() || ns == w.namespace) {
                continue;
            }
            if group == "gateway.networking.k8s.io"
                && r.kind == "Gateway"
                && gateway.is_some_and(|g| *g == r.name)
            {
                return true;
            }
        }
        false
    }

    /// Where the policy is filed in its namespace.
    pub(crate) fn slot(&self) -> Slot {
        if !self.target_refs.is_empty() {
            return Slot::Targeted;
        }
        match self.selector.as_ref().and_then(|s| s.iter().next()) {
            Some((k, v)) => Slot::Label(k.clone(), v.clone()),
            None => Slot::Wide,
        }
    }
}

/// Where a policy is filed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Every workload of the namespace (or mesh).
    Wide,
    /// Workloads carrying this label (and the rest of the selector).
    Label(String, String),
    /// Gateways and waypoints, by `targetRefs`.
    Targeted,
}

/// The policies of one namespace, filed by slot; `B` is the per-slot payload.
#[derive(Debug, Default)]
pub(crate) struct NamespaceScope<B> {
    pub(crate) wide: Option<B>,
    pub(crate) by_label: FxMap<Box<str>, FxMap<Box<str>, B>>,
    pub(crate) targeted: Option<B>,
}

impl<B: Default> NamespaceScope<B> {
    pub(crate) fn slot_mut(&mut self, slot: &Slot) -> &mut B {
        match slot {
            Slot::Wide => self.wide.get_or_insert_with(B::default),
            Slot::Targeted => self.targeted.get_or_insert_with(B::default),
            Slot::Label(k, v) => {
                self.by_label.entry(k.as_str().into()).or_default().entry(v.as_str().into()).or_default()
            }
        }
    }
}

impl<B> NamespaceScope<B> {
    /// Calls `f` with every slot that may hold policies for `w`.
    pub(crate) fn for_each_slot<'s>(&'s self, w: &Workload<'_>, f: &mut dyn FnMut(&'s B)) {
        if let Some(b) = &self.wide {
            f(b);
        }
        if !self.by_label.is_empty() {
            for (k, v) in w.labels {
                if let Some(b) = self.by_label.get(k.as_str()).and_then(|m| m.get(v.as_str())) {
                    f(b);
                }
            }
        }
        if let Some(b) = &self.targeted
            && (w.waypoint || w.labels.contains_key(GATEWAY_NAME_LABEL))
        {
            f(b);
        }
    }
}
