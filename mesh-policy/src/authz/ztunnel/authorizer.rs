//! [`ZtunnelAuthorizer`]: the policies ztunnel holds, indexed as its state finds them for a
//! destination workload (istio/ztunnel `state.rs` `assert_rbac`, `state/policy.rs`).
//!
//! ztunnel gathers a workload's policies from three places: the policies of scope Namespace
//! for the workload's namespace, those of scope Global, and the WorkloadSelector policies
//! istiod lists on the workload (selector policies of the workload's namespace and of the root
//! namespace whose `matchLabels` it carries, sorted by key, then the policies derived from
//! PeerAuthentication that its effective mTLS mode calls for; see [`super::peer_authn`]).
//! Dry-run policies only log. Then: a matching DENY policy denies; without ALLOW policies the
//! connection is allowed; a matching ALLOW policy allows; otherwise it is denied. A listed
//! policy ztunnel does not hold is skipped.

use super::super::decision::{Action, Decision, Matched, PolicyRef, Reason};
use super::super::index::FxMap;
use super::super::request::Layer;
use super::super::scope::{NamespaceScope, Slot, Workload};
use super::connection::Connection;
use super::convert::{ConvertError, ZtunnelOptions, convert};
use super::model::{PolicyOrigin, Scope, StringMatch, ZtunnelPolicy};
use super::peer_authn::{self, convert_peer_authentication, static_strict_policy};
use mesh_model::security::{AuthorizationPolicy, PeerAuthentication};
use mesh_model::{Kind, Resource, Snapshot};

/// The policies of one slot, by role, each list in decision order.
#[derive(Debug, Default)]
struct SlotSet {
    deny: Listed,
    allow: Listed,
    dry_run: Vec<u32>,
}

/// Policy ids of one action in rank order, and the same ids filed for lookup: a policy whose
/// every rule requires one of a set of exact principals is filed under each of them, the
/// rest stay in `rest`. A connection's candidates are its principal's list and `rest`,
/// merged in rank order: no scan over policies that name other peers.
#[derive(Debug, Default)]
struct Listed {
    all: Vec<u32>,
    by_principal: FxMap<Box<str>, Vec<u32>>,
    rest: Vec<u32>,
}

impl Listed {
    fn push(&mut self, pid: u32, policy: &ZtunnelPolicy) {
        self.all.push(pid);
        match required_principals(policy) {
            Some(principals) => {
                for p in principals {
                    let list = self.by_principal.entry(p.into()).or_default();
                    if list.last() != Some(&pid) {
                        list.push(pid);
                    }
                }
            }
            None => self.rest.push(pid),
        }
    }

    /// The candidate ids for a peer with `principal`, in rank order (as `ranks` orders them).
    fn candidates<'s>(&'s self, principal: Option<&str>, ranks: &'s [u32]) -> impl Iterator<Item = u32> + 's {
        let filed: &[u32] = principal.and_then(|p| self.by_principal.get(p)).map_or(&[], Vec::as_slice);
        MergeByRank { a: filed, b: &self.rest, ranks }
    }
}

/// Two rank-ordered id lists merged in rank order.
struct MergeByRank<'s> {
    a: &'s [u32],
    b: &'s [u32],
    ranks: &'s [u32],
}

impl Iterator for MergeByRank<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let rank = |id: u32| self.ranks.get(id as usize).copied().unwrap_or(u32::MAX);
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(&x), Some(&y)) => rank(x) <= rank(y),
            (Some(_), None) => true,
            (None, _) => false,
        };
        let list = if take_a { &mut self.a } else { &mut self.b };
        let (&first, tail) = list.split_first()?;
        *list = tail;
        Some(first)
    }
}

/// The exact principals a connection must carry for `policy` to match, when every group
/// requires one: a clause all of whose non-empty matches list only exact `principals`. A
/// group with a clause of only empty matches never matches and requires nothing more.
fn required_principals(policy: &ZtunnelPolicy) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    for g in &policy.groups {
        let clause = g.clauses.iter().find(|c| {
            !c.is_empty()
                && c.iter().filter(|m| !m.is_empty()).all(|m| {
                    !m.principals.is_empty()
                        && m.principals.iter().all(|p| matches!(p, StringMatch::Exact(_)))
                })
        })?;
        for m in clause.iter().filter(|m| !m.is_empty()) {
            out.extend(m.principals.iter().filter_map(|p| match p {
                StringMatch::Exact(x) => Some(&**x),
                _ => None,
            }));
        }
    }
    Some(out)
}

/// The PeerAuthentications, kept to work out each workload's derived policies at check time.
#[derive(Debug, Default)]
struct PeerAuthnIndex {
    /// Every PeerAuthentication, in precedence order (oldest first).
    all: Vec<PeerAuthentication>,
    /// Indexes into `all` by namespace, in precedence order.
    by_namespace: FxMap<Box<str>, Vec<u32>>,
    /// The converted policy of each entry of `all`, if istiod sends one.
    converted: Vec<Option<u32>>,
    /// The static STRICT policy (sent once any PeerAuthentication exists).
    static_strict: Option<u32>,
}

/// A policy istiod does not send to ztunnel, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The policy's namespace.
    pub namespace: String,
    /// The policy's name.
    pub name: String,
    /// Why it is not sent.
    pub error: ConvertError,
}

/// AuthorizationPolicies as ztunnel (Istio's ambient node proxy) enforces them: converted as
/// istiod converts them, then evaluated on L4 connections. Immutable and `Send + Sync`.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_model::{load_str, Snapshot};
/// use mesh_policy::authz::Workload;
/// use mesh_policy::authz::ztunnel::{Connection, Identity, ZtunnelAuthorizer};
/// let yaml = "\
/// apiVersion: security.istio.io/v1
/// kind: AuthorizationPolicy
/// metadata: {name: deny-get, namespace: default}
/// spec:
///   action: DENY
///   rules: [{to: [{operation: {methods: [GET]}}]}]
/// ";
/// let snap = Snapshot::builder().build(load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource));
/// let authz = ZtunnelAuthorizer::compile(&snap);
/// let labels = BTreeMap::new();
/// let conn = Connection {
///     source_identity: Some(Identity::parse("spiffe://cluster.local/ns/a/sa/b").unwrap()),
///     source_ip: None,
///     destination_ip: None,
///     destination_port: 80,
/// };
/// // ztunnel cannot see the method: the rule's only entry becomes empty and never matches.
/// assert!(authz.check(&Workload::new("default", &labels), &conn).allowed);
/// ```
#[derive(Debug)]
pub struct ZtunnelAuthorizer {
    root_namespace: String,
    policies: Vec<ZtunnelPolicy>,
    ranks: Vec<u32>,
    rejected: Vec<Rejected>,
    waypoint_only: usize,
    namespaces: FxMap<Box<str>, NamespaceScope<SlotSet>>,
    peer_authn: PeerAuthnIndex,
}

/// ztunnel's order of the three sources: namespace, global, then the workload's list.
const fn scope_order(s: Scope) -> u8 {
    match s {
        Scope::Namespace => 0,
        Scope::Global => 1,
        Scope::WorkloadSelector => 2,
    }
}

impl ZtunnelAuthorizer {
    /// Converts and compiles the snapshot's AuthorizationPolicies with istiod's defaults.
    pub fn compile(snapshot: &Snapshot) -> ZtunnelAuthorizer {
        Self::compile_with(snapshot, &ZtunnelOptions::default())
    }

    /// Converts and compiles the snapshot's AuthorizationPolicies and the policies istiod
    /// derives from its PeerAuthentications, with `options`.
    pub fn compile_with(snapshot: &Snapshot, options: &ZtunnelOptions) -> ZtunnelAuthorizer {
        let policies = snapshot.of_kind(Kind::AuthorizationPolicy).iter().filter_map(|r| match r {
            Resource::AuthorizationPolicy(p) => Some(p),
            _ => None,
        });
        let peer_authns = snapshot.of_kind(Kind::PeerAuthentication).iter().filter_map(|r| match r {
            Resource::PeerAuthentication(p) => Some(p),
            _ => None,
        });
        Self::from_resources(policies, peer_authns, snapshot.mesh_config().root_namespace(), options)
    }

    /// Converts and compiles AuthorizationPolicies only (no PeerAuthentication) with the mesh's
    /// `root_namespace`.
    pub fn from_policies<'p>(
        policies: impl IntoIterator<Item = &'p AuthorizationPolicy>,
        root_namespace: &str,
        options: &ZtunnelOptions,
    ) -> ZtunnelAuthorizer {
        Self::from_resources(policies, [], root_namespace, options)
    }

    /// Converts and compiles AuthorizationPolicies and the policies derived from
    /// `peer_authentications` (given in precedence order, oldest first, as
    /// [`Snapshot::of_kind`] holds them) with the mesh's `root_namespace`.
    pub fn from_resources<'p>(
        policies: impl IntoIterator<Item = &'p AuthorizationPolicy>,
        peer_authentications: impl IntoIterator<Item = &'p PeerAuthentication>,
        root_namespace: &str,
        options: &ZtunnelOptions,
    ) -> ZtunnelAuthorizer {
        let mut a = ZtunnelAuthorizer {
            root_namespace: root_namespace.to_string(),
            policies: Vec::new(),
            ranks: Vec::new(),
            rejected: Vec::new(),
            waypoint_only: 0,
            namespaces: FxMap::default(),
            peer_authn: PeerAuthnIndex::default(),
        };
        for p in policies {
            match convert(p, root_namespace, options) {
                Ok(Some(z)) => a.policies.push(z),
                Ok(None) => a.waypoint_only += 1,
                Err(error) => a.rejected.push(Rejected {
                    namespace: p.metadata.namespace().to_string(),
                    name: p.metadata.name().to_string(),
                    error,
                }),
            }
        }
        // istiod lists a workload's policies sorted by their `namespace/name` key as a string
        // (so `a-b/x` comes before `a/x`).
        let mut order: Vec<usize> = (0..a.policies.len()).collect();
        order.sort_by_cached_key(|&i| {
            let p = &a.policies[i];
            (scope_order(p.scope), format!("{}/{}", p.namespace, p.name))
        });
        a.ranks = vec![0; a.policies.len()];
        for (rank, &i) in order.iter().enumerate() {
            a.ranks[i] = rank as u32;
        }
        for &i in &order {
            let p = &a.policies[i];
            let (ns, slot) = match p.scope {
                Scope::Global => (a.root_namespace.as_str(), Slot::Wide),
                Scope::Namespace => (p.namespace.as_str(), Slot::Wide),
                Scope::WorkloadSelector => match p.selector.iter().next() {
                    Some((k, v)) => (p.namespace.as_str(), Slot::Label(k.clone(), v.clone())),
                    // istiod lists a selector policy only for labels it names.
                    None => continue,
                },
            };
            let set = a.namespaces.entry(ns.into()).or_default().slot_mut(&slot);
            match (p.dry_run, p.action) {
                (true, _) => set.dry_run.push(i as u32),
                (false, Action::Deny) => set.deny.push(i as u32, p),
                (false, _) => set.allow.push(i as u32, p),
            }
        }
        a.add_peer_authentications(peer_authentications);
        a
    }

    /// Adds the policies istiod derives from PeerAuthentication (istio/istio `policies.go`
    /// `PeerAuthDerivedPolicies` and `DefaultPolicy`); they rank after every
    /// AuthorizationPolicy, as they come last in a workload's list.
    fn add_peer_authentications<'p>(&mut self, pas: impl IntoIterator<Item = &'p PeerAuthentication>) {
        let idx = &mut self.peer_authn;
        idx.all = pas.into_iter().cloned().collect();
        if idx.all.is_empty() {
            return;
        }
        for (i, p) in idx.all.iter().enumerate() {
            idx.by_namespace.entry(p.metadata.namespace().into()).or_default().push(i as u32);
        }
        // The conversion reads the oldest policy without a selector of the namespace and root.
        let wide = |ns: &str| {
            idx.by_namespace
                .get(ns)
                .into_iter()
                .flatten()
                .map(|&i| &idx.all[i as usize])
                .find(|p| p.spec.selector.is_none())
        };
        let root = wide(&self.root_namespace);
        let mut converted = Vec::with_capacity(idx.all.len());
        for p in &idx.all {
            let c = convert_peer_authentication(p, wide(p.metadata.namespace()), root, &self.root_namespace);
            converted.push(c.map(|c| {
                self.policies.push(c);
                (self.policies.len() - 1) as u32
            }));
        }
        idx.converted = converted;
        self.policies.push(static_strict_policy(&self.root_namespace));
        idx.static_strict = Some((self.policies.len() - 1) as u32);
        let first = self.ranks.len() as u32;
        self.ranks.extend((first..).take(self.policies.len() - self.ranks.len()));
    }

    /// The derived policy `w` lists: the static STRICT policy or its workload
    /// PeerAuthentication's converted policy (never both). A listed converted policy istiod
    /// never produced is skipped, as ztunnel does.
    fn peer_authn_policy(&self, w: &Workload<'_>) -> Option<u32> {
        let idx = &self.peer_authn;
        let static_strict = idx.static_strict?;
        let own = idx.by_namespace.get(w.namespace).map_or(&[][..], Vec::as_slice);
        let root = if w.namespace == self.root_namespace {
            &[][..]
        } else {
            idx.by_namespace.get(self.root_namespace.as_str()).map_or(&[][..], Vec::as_slice)
        };
        let candidates = own.iter().chain(root).map(|&i| &idx.all[i as usize]);
        let sel = peer_authn::select(candidates, &self.root_namespace, w.namespace, w.labels);
        let refs = peer_authn::workload_refs(&sel);
        if refs.static_strict {
            return Some(static_strict);
        }
        let c = refs.converted?;
        own.iter().find(|&&i| std::ptr::eq(&idx.all[i as usize], c)).and_then(|&i| idx.converted[i as usize])
    }

    /// The policies ztunnel receives: the converted AuthorizationPolicies in input order, then
    /// those derived from PeerAuthentication (converted ones, then the static STRICT policy).
    pub fn policies(&self) -> &[ZtunnelPolicy] {
        &self.policies
    }

    /// The policies istiod refuses to send to ztunnel (AUDIT, CUSTOM, dry-run when disabled).
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    /// How many policies target waypoints (`targetRef(s)`) and so never reach ztunnel.
    pub fn waypoint_only(&self) -> usize {
        self.waypoint_only
    }

    /// The root namespace.
    pub fn root_namespace(&self) -> &str {
        &self.root_namespace
    }

    fn for_each_slot<'s>(&'s self, w: &Workload<'_>, f: &mut dyn FnMut(&'s SlotSet)) {
        if let Some(s) = self.namespaces.get(w.namespace) {
            s.for_each_slot(w, f);
        }
        if w.namespace != self.root_namespace
            && let Some(s) = self.namespaces.get(self.root_namespace.as_str())
        {
            s.for_each_slot(w, f);
        }
    }

    fn applies(&self, pid: u32, w: &Workload<'_>) -> bool {
        let p = &self.policies[pid as usize];
        p.scope != Scope::WorkloadSelector || p.selector.iter().all(|(k, v)| w.labels.get(k) == Some(v))
    }

    /// The best-ranked policy of `pick`'s lists that applies and matches, with its group.
    fn first_match(
        &self,
        w: &Workload<'_>,
        conn: &Connection<'_>,
        pick: fn(&SlotSet) -> &Listed,
    ) -> Option<(u32, usize)> {
        let mut best: Option<(u32, u32, usize)> = None;
        let principal = conn.source_identity.as_ref().map(|i| i.principal());
        self.for_each_slot(w, &mut |s| {
            for pid in pick(s).candidates(principal, &self.ranks) {
                let rank = self.ranks[pid as usize];
                if best.is_some_and(|(r, _, _)| rank >= r) {
                    break;
                }
                if !self.applies(pid, w) {
                    continue;
                }
                if let Some(g) = self.policies[pid as usize].first_match(conn) {
                    best = Some((rank, pid, g.rule));
                    break;
                }
            }
        });
        best.map(|(_, pid, rule)| (pid, rule))
    }

    fn policy_ref(&self, pid: u32) -> PolicyRef<'_> {
        let p = &self.policies[pid as usize];
        PolicyRef { namespace: &p.namespace, name: &p.name }
    }

    /// Decides `conn` at `workload` as ztunnel does. Allocation-free.
    ///
    /// The decider names the policy and the index of its first matching rule. ztunnel reports
    /// the first matching policy in the order of its hash sets; this reports the first in a
    /// fixed order: namespace policies, then global, then selector policies, each by
    /// namespace and name, then the policy derived from PeerAuthentication (last in the
    /// workload's list, as istiod appends it).
    pub fn check<'s>(&'s self, workload: &Workload<'_>, conn: &Connection<'_>) -> Decision<'s> {
        let mut d = Decision::no_policy(Layer::Tcp);
        if let Some((pid, rule)) = self.first_match(workload, conn, |s| &s.deny) {
            let p = &self.policies[pid as usize];
            let dropped_http = p.groups.iter().any(|g| g.rule == rule && g.http_omitted);
            d.allowed = false;
            d.decider = Some(Matched { action: Action::Deny, policy: self.policy_ref(pid), rule });
            d.reason = Reason::DenyMatched { dropped_http };
            return d;
        }
        if let Some(pid) = self.peer_authn_policy(workload)
            && let Some(g) = self.policies[pid as usize].first_match(conn)
        {
            d.allowed = false;
            d.decider = Some(Matched { action: Action::Deny, policy: self.policy_ref(pid), rule: g.rule });
            d.reason = Reason::DenyMatched { dropped_http: false };
            return d;
        }
        if let Some((pid, rule)) = self.first_match(workload, conn, |s| &s.allow) {
            d.decider = Some(Matched { action: Action::Allow, policy: self.policy_ref(pid), rule });
            d.reason = Reason::AllowMatched;
            return d;
        }
        let (mut any_allow, mut skipped) = (false, false);
        self.for_each_slot(workload, &mut |s| {
            for &pid in &s.allow.all {
                if self.applies(pid, workload) {
                    any_allow = true;
                    skipped |= !self.policies[pid as usize].omitted_rules.is_empty();
                }
            }
        });
        if any_allow {
            d.allowed = false;
            d.reason = Reason::NoAllowMatched { http_rules_skipped: skipped };
        }
        d
    }

    /// Why `d` (a decision of this authorizer) decided as it did, in ztunnel's terms: a
    /// policy derived from PeerAuthentication denies plaintext under STRICT, and the HTTP
    /// attributes of rules are left out by istiod's conversion rather than unmatched.
    pub fn reason(&self, d: &Decision<'_>) -> String {
        let derived = d.decider.is_some_and(|m| {
            self.policies.iter().any(|p| {
                p.origin != PolicyOrigin::AuthorizationPolicy
                    && *p.namespace == *m.policy.namespace
                    && *p.name == *m.policy.name
            })
        });
        if derived {
            return "the connection is plaintext and PeerAuthentication requires mTLS (STRICT) for this \
                    workload and port; istiod sends ztunnel that as a DENY policy matching connections \
                    without a peer identity"
                .to_string();
        }
        match d.reason {
            Reason::DenyMatched { dropped_http: true } => {
                "a DENY rule matched; ztunnel applies it without its HTTP-only conditions, as istiod converts it"
                    .to_string()
            }
            Reason::NoAllowMatched { http_rules_skipped: true } => "ALLOW policies apply to the workload and \
                 none of their rules matched (istiod leaves out ALLOW rules with HTTP-only conditions for \
                 ztunnel), so the connection is denied"
                .to_string(),
            r => r.to_string(),
        }
    }

    /// The dry-run policies that apply to `workload` and match `conn` (ztunnel logs them),
    /// in decision order.
    pub fn dry_run_matches<'s>(
        &'s self,
        workload: &Workload<'_>,
        conn: &Connection<'_>,
    ) -> Vec<PolicyRef<'s>> {
        let mut ids: Vec<u32> = Vec::new();
        self.for_each_slot(workload, &mut |s| {
            ids.extend(
                s.dry_run
                    .iter()
                    .filter(|&&pid| self.applies(pid, workload) && self.policies[pid as usize].matches(conn)),
            );
        });
        ids.sort_by_key(|&pid| self.ranks[pid as usize]);
        ids.dedup();
        ids.into_iter().map(|pid| self.policy_ref(pid)).collect()
    }

    /// Every policy (dry-run included) that applies to `workload`, in decision order.
    pub fn policies_for<'s>(&'s self, workload: &Workload<'_>) -> Vec<&'s ZtunnelPolicy> {
        let mut ids: Vec<u32> = Vec::new();
        self.for_each_slot(workload, &mut |s| {
            ids.extend(
                s.deny
                    .all
                    .iter()
                    .chain(&s.allow.all)
                    .chain(&s.dry_run)
                    .filter(|&&pid| self.applies(pid, workload)),
            );
        });
        ids.sort_by_key(|&pid| self.ranks[pid as usize]);
        ids.dedup();
        ids.extend(self.peer_authn_policy(workload));
        ids.into_iter().map(|pid| &self.policies[pid as usize]).collect()
    }
}
