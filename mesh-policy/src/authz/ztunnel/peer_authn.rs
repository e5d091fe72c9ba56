//! The authorization policies istiod derives from PeerAuthentication for ztunnel (istio/istio
//! `pilot/pkg/serviceregistry/ambient/authorization.go` and `policies.go`).
//!
//! ztunnel has no mTLS mode of its own: istiod states STRICT as DENY policies that match a
//! connection without a peer identity (`notPrincipals: [presence]`), which ztunnel evaluates
//! like any other DENY policy, after the AuthorizationPolicies of the workload.
//!
//! - **The static STRICT policy** `<root>/istio_converted_static_strict`: scope
//!   WorkloadSelector, one group denying plaintext. istiod sends it as soon as any
//!   PeerAuthentication exists, and lists it on every workload whose effective mode is STRICT.
//! - **Converted policies** `<ns>/converted_peer_authentication_<name>`: one per workload
//!   PeerAuthentication (a selector, outside the root namespace, with `portLevelMtls`) whose
//!   ports differ from the mode they inherit. A STRICT port under a non-STRICT mode adds a group
//!   denying plaintext on that port; a PERMISSIVE or DISABLE port under STRICT adds a
//!   `notDestinationPorts` clause to the group denying plaintext, exempting the port. When
//!   the STRICT mode is inherited from the namespace or the mesh, that group is merged into
//!   the converted policy, and the workload lists the converted policy instead of the static
//!   one (a matching DENY always wins, so the exception cannot live beside it).
//!
//! Which derived policies a workload lists ([`workload_refs`]) and what the converted policy
//! holds ([`convert_peer_authentication`]) are computed separately upstream, from slightly
//! different inputs, and the faithful port keeps their disagreements:
//! - The workload's namespace and mesh levels count a `selector: {}` policy as namespace-wide
//!   for the listing, while the conversion only reads policies without a selector.
//! - A workload may list a converted policy that the conversion never produces (for example a
//!   PERMISSIVE workload with a STRICT port under a STRICT mesh and no namespace policy, or an
//!   UNSET workload with a PERMISSIVE port under an UNSET namespace policy and a STRICT mesh).
//!   ztunnel skips an unknown policy, so such a workload accepts plaintext on every port,
//!   where a sidecar would require mTLS.
//! - Under an inherited STRICT mode, only a PERMISSIVE port makes the workload list its
//!   converted policy; a DISABLE port keeps the static STRICT policy, which denies plaintext
//!   on that port too.
//!
//! `portLevelMtls` keys that are not port numbers up to 65535 are skipped (validation rejects
//! them).

use std::collections::BTreeMap;

use mesh_model::security::{MutualTlsMode, PeerAuthentication};

use super::super::decision::Action;
use super::model::{Group, Match, PolicyOrigin, Scope, StringMatch, ZtunnelPolicy};

/// The name of the static STRICT policy, in the root namespace (istiod
/// `staticStrictPolicyName`; `_` keeps it apart from Kubernetes names).
pub const STATIC_STRICT_POLICY_NAME: &str = "istio_converted_static_strict";

/// The prefix of a converted PeerAuthentication's name (istiod
/// `convertedPeerAuthenticationPrefix`).
pub const CONVERTED_PEER_AUTHENTICATION_PREFIX: &str = "converted_peer_authentication_";

/// The name istiod gives the policy converted from the PeerAuthentication `name`.
pub fn converted_name(name: &str) -> String {
    format!("{CONVERTED_PEER_AUTHENTICATION_PREFIX}{name}")
}

/// The policy's `mtls.mode`, `UNSET` when absent.
fn mode(p: &PeerAuthentication) -> MutualTlsMode {
    p.spec.mtls.as_ref().and_then(|m| m.mode).unwrap_or(MutualTlsMode::Unset)
}

fn is(p: Option<&PeerAuthentication>, m: MutualTlsMode) -> bool {
    p.is_some_and(|p| mode(p) == m)
}

/// A match that holds for a connection without a peer identity (`notPrincipals: [presence]`).
fn plaintext() -> Match {
    Match { not_principals: vec![StringMatch::Presence], ..Match::default() }
}

/// The `portLevelMtls` entries, by port number, ascending (istiod iterates them sorted).
fn port_modes(p: &PeerAuthentication) -> Vec<(u16, MutualTlsMode)> {
    let mut out: Vec<(u16, MutualTlsMode)> = p
        .spec
        .port_level_mtls
        .iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.parse::<u16>().ok()?, v.mode.unwrap_or(MutualTlsMode::Unset))))
        .collect();
    out.sort_by_key(|&(port, _)| port);
    out
}

fn derived(
    namespace: &str,
    name: String,
    selector: BTreeMap<String, String>,
    origin: PolicyOrigin,
) -> ZtunnelPolicy {
    ZtunnelPolicy {
        namespace: namespace.to_string(),
        name,
        scope: Scope::WorkloadSelector,
        selector,
        action: Action::Deny,
        groups: Vec::new(),
        dry_run: false,
        omitted_rules: Vec::new(),
        http_attributes: Vec::new(),
        ignored_fields: Vec::new(),
        origin,
    }
}

/// The static STRICT policy istiod sends once any PeerAuthentication exists: a DENY of scope
/// WorkloadSelector in the root namespace with one group denying plaintext.
///
/// ```
/// use mesh_policy::authz::ztunnel::static_strict_policy;
/// let p = static_strict_policy("istio-system");
/// assert_eq!(p.key(), "istio-system/istio_converted_static_strict");
/// assert_eq!(p.to_ztunnel_json()["rules"], serde_json::json!([[[{"notPrincipals": [{"Presence": []}]}]]]));
/// ```
pub fn static_strict_policy(root_namespace: &str) -> ZtunnelPolicy {
    let mut p = derived(
        root_namespace,
        STATIC_STRICT_POLICY_NAME.to_string(),
        BTreeMap::new(),
        PolicyOrigin::StaticStrict,
    );
    p.groups.push(Group { rule: 0, clauses: vec![vec![plaintext()]], http_omitted: false });
    p
}

/// Converts a workload PeerAuthentication as istiod does for ztunnel (`convertPeerAuthentication`),
/// given the namespace's and the root namespace's oldest policies without a selector.
/// `None` when istiod sends nothing for it: a policy in the root namespace, without a
/// selector or without `portLevelMtls`, or whose ports add nothing to the mode they inherit.
///
/// ```
/// use mesh_model::{load_str, Resource};
/// use mesh_policy::authz::ztunnel::convert_peer_authentication;
/// let yaml = "\
/// apiVersion: security.istio.io/v1
/// kind: PeerAuthentication
/// metadata: {name: pa, namespace: foo}
/// spec:
///   selector: {matchLabels: {app: a}}
///   mtls: {mode: STRICT}
///   portLevelMtls: {9090: {mode: PERMISSIVE}}
/// ";
/// let Resource::PeerAuthentication(pa) = &load_str(yaml, &Default::default()).resources[0].resource else { panic!() };
/// let p = convert_peer_authentication(pa, None, None, "istio-system").unwrap();
/// assert_eq!(p.key(), "foo/converted_peer_authentication_pa");
/// // Deny plaintext unless the port is 9090.
/// assert_eq!(p.to_ztunnel_json()["rules"], serde_json::json!([[
///     [{"notPrincipals": [{"Presence": []}]}],
///     [{"notDestinationPorts": [9090]}],
/// ]]));
/// ```
pub fn convert_peer_authentication(
    policy: &PeerAuthentication,
    namespace_policy: Option<&PeerAuthentication>,
    mesh_policy: Option<&PeerAuthentication>,
    root_namespace: &str,
) -> Option<ZtunnelPolicy> {
    let spec = &policy.spec;
    let namespace = policy.metadata.namespace();
    let selector = spec.selector.as_ref()?;
    if namespace == root_namespace || spec.port_level_mtls.as_ref().is_none_or(BTreeMap::is_empty) {
        return None;
    }
    let m = mode(policy);
    let (ns, root) = (namespace_policy, mesh_policy);
    let ns_unset = ns.is_none_or(|p| mode(p) == MutualTlsMode::Unset);
    let mut clauses: Vec<Vec<Match>> = Vec::new();
    let mut port_groups: Vec<Vec<Vec<Match>>> = Vec::new();
    if m == MutualTlsMode::Strict {
        clauses.push(vec![plaintext()]);
    }
    let mut found_non_strict = false;
    for (port, port_mode) in port_modes(policy) {
        match port_mode {
            MutualTlsMode::Strict => {
                // Enforced already by the inherited STRICT mode. Go's precedence makes the mesh
                // clause independent of the workload's own mode.
                let inherited = m == MutualTlsMode::Strict
                    || (m == MutualTlsMode::Unset && is(ns, MutualTlsMode::Strict))
                    || (ns_unset && is(root, MutualTlsMode::Strict));
                if inherited {
                    continue;
                }
                let deny = Match { destination_ports: vec![port], ..plaintext() };
                port_groups.push(vec![vec![deny]]);
            }
            MutualTlsMode::Permissive | MutualTlsMode::Disable => {
                if matches!(m, MutualTlsMode::Permissive | MutualTlsMode::Disable) {
                    continue;
                }
                let not_strict = |p: &PeerAuthentication| mode(p) != MutualTlsMode::Strict;
                if m == MutualTlsMode::Unset
                    && (ns.is_some_and(not_strict)
                        || (ns.is_none() && root.is_some_and(not_strict))
                        || (ns.is_none() && root.is_none()))
                {
                    continue;
                }
                found_non_strict = true;
                clauses.push(vec![Match { not_destination_ports: vec![port], ..Match::default() }]);
            }
            MutualTlsMode::Unset => {}
        }
    }
    if m == MutualTlsMode::Strict && !found_non_strict {
        return None;
    }
    if clauses.is_empty() && port_groups.is_empty() {
        return None;
    }
    let merge = (is(root, MutualTlsMode::Strict) && (ns_unset || is(ns, MutualTlsMode::Strict)))
        || is(ns, MutualTlsMode::Strict);
    if merge && found_non_strict {
        clauses.push(vec![plaintext()]);
    }
    if !clauses.is_empty() {
        port_groups.push(clauses);
    }
    let mut out = derived(
        namespace,
        converted_name(policy.metadata.name()),
        selector.match_labels.clone(),
        PolicyOrigin::PeerAuthentication,
    );
    out.groups = port_groups
        .into_iter()
        .enumerate()
        .map(|(rule, clauses)| Group { rule, clauses, http_omitted: false })
        .collect();
    Some(out)
}

/// The PeerAuthentications that bear on one workload (istiod `fetchPeerAuthentications`, then
/// the oldest at each level; pass candidates in precedence order, oldest first).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Selection<'a> {
    /// The mesh-wide policy: root namespace, no selector (or, for a workload of the root
    /// namespace, one without labels).
    pub mesh: Option<&'a PeerAuthentication>,
    /// The namespace-wide policy: the workload's namespace, no selector or one without labels.
    pub namespace: Option<&'a PeerAuthentication>,
    /// The workload policy: the workload's namespace (not the root), a selector whose labels
    /// the workload carries.
    pub workload: Option<&'a PeerAuthentication>,
}

/// Picks the mesh, namespace and workload PeerAuthentications of a workload in `namespace` with
/// `labels`, as istiod does for the workload's policy list. Candidates from other namespaces
/// are ignored; the first of each level wins.
pub fn select<'a>(
    candidates: impl IntoIterator<Item = &'a PeerAuthentication>,
    root_namespace: &str,
    namespace: &str,
    labels: &BTreeMap<String, String>,
) -> Selection<'a> {
    let mut s = Selection::default();
    for p in candidates {
        let pns = p.metadata.namespace();
        let sel = p.spec.selector.as_ref();
        let fetched = if pns == namespace {
            sel.is_none_or(|s| s.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v)))
        } else {
            pns == root_namespace && sel.is_none()
        };
        if !fetched {
            continue;
        }
        let slot = match (sel.is_none_or(|s| s.match_labels.is_empty()), pns == root_namespace) {
            (true, true) => &mut s.mesh,
            (true, false) => &mut s.namespace,
            (false, false) => &mut s.workload,
            (false, true) => continue,
        };
        slot.get_or_insert(p);
    }
    s
}

/// The derived policies istiod lists on a workload (`convertedSelectorPeerAuthentications`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WorkloadRefs<'a> {
    /// The static STRICT policy: the effective mode is STRICT and no converted policy carries it.
    pub static_strict: bool,
    /// The workload PeerAuthentication whose converted policy is listed (it may not exist).
    pub converted: Option<&'a PeerAuthentication>,
}

impl WorkloadRefs<'_> {
    /// The keys as the workload lists them (`namespace/name`), sorted.
    pub fn keys(&self, root_namespace: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        if self.static_strict {
            out.push(format!("{root_namespace}/{STATIC_STRICT_POLICY_NAME}"));
        }
        if let Some(p) = self.converted {
            out.push(format!("{}/{}", p.metadata.namespace(), converted_name(p.metadata.name())));
        }
        out.sort();
        out
    }
}

/// Which derived policies a workload with the PeerAuthentications `s` lists.
pub fn workload_refs<'a>(s: &Selection<'a>) -> WorkloadRefs<'a> {
    use MutualTlsMode::{Disable, Permissive, Strict, Unset};
    let mut strict = is(s.mesh, Strict);
    if let Some(ns) = s.namespace
        && mode(ns) != Unset
    {
        strict = mode(ns) == Strict;
    }
    let Some(w) = s.workload else {
        return WorkloadRefs { static_strict: strict, converted: None };
    };
    match mode(w) {
        Strict => strict = true,
        Permissive | Disable => strict = false,
        Unset => {}
    }
    let mut converted = None;
    if let Some(ports) = &w.spec.port_level_mtls {
        let any = |f: &dyn Fn(MutualTlsMode) -> bool| ports.values().any(|m| f(m.mode.unwrap_or(Unset)));
        match mode(w) {
            Strict => {
                if any(&|m| matches!(m, Permissive | Disable)) {
                    converted = Some(w);
                    strict = false;
                }
            }
            Permissive | Disable => {
                if any(&|m| m == Strict) {
                    converted = Some(w);
                }
            }
            Unset if strict => {
                if any(&|m| m == Permissive) {
                    converted = Some(w);
                    strict = false;
                }
            }
            Unset => {
                strict = false;
                if any(&|m| m == Strict) {
                    converted = Some(w);
                }
            }
        }
    }
    WorkloadRefs { static_strict: strict, converted }
}
