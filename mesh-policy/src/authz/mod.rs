//! AuthorizationPolicy evaluation: compile the policies once into an [`Authorizer`], then
//! [`check`](Authorizer::check) each request against the policies of its destination workload.
//!
//! The order is Istio's: CUSTOM first (the caller passes the external authorizer's verdict),
//! then DENY, then ALLOW; AUDIT is recorded and never decides. Without an ALLOW policy for the
//! workload a request is allowed; with ALLOW policies and no match it is denied. A policy
//! `spec: {}` (an ALLOW without rules) denies everything; `rules: [{}]` allows everything.
//!
//! On a TCP connection HTTP-only fields (`hosts`, `methods`, `paths`, `requestPrincipals`,
//! `request.headers`, `request.auth.*`) cannot be seen. As Istio's sidecar does, an ALLOW rule
//! that needs them never matches, and a DENY (or AUDIT, or CUSTOM) rule is applied without
//! them, so that it still denies. ztunnel differs: it emits nothing for the HTTP parts, so a
//! DENY rule whose `to`, `from` or `when` entry only has HTTP fields never fires there, and it
//! ignores `remoteIpBlocks`, AUDIT and CUSTOM policies altogether: [`ztunnel`] evaluates
//! policies as ztunnel does in ambient mode.
//!
//! Where several rules match, the decision names the one Envoy would report: Envoy's RBAC
//! filter keeps policies in a map ordered by their generated name
//! `ns[<ns>]-policy[<name>]-rule[<i>]`, and reports the first that matches.

mod compile;
mod decision;
mod index;
mod request;
mod rule;
mod scope;
mod string_match;
pub mod ztunnel;

use std::borrow::Cow;

use mesh_model::mesh_config::Provider;
use mesh_model::security::{AuthorizationPolicy, AuthorizationPolicyAction};
use mesh_model::{Kind, MeshConfig, Resource, Snapshot};

pub use decision::{Action, CustomMatch, Decision, Matched, PolicyRef, Reason};
pub use request::{HeaderMap, Layer, NoHeaders, Request, RequestAuth, Verdict};
pub use scope::{GATEWAY_NAME_LABEL, ServiceKind, ServiceRef, Workload};

use compile::{Skip, Strictness, TrustBundle, compile_rule, guard};
use index::{FxMap, RuleIndex};
use rule::{CompiledRule, Ctx};
use scope::{Attachment, NamespaceScope};

/// Policy attachment, shared with RequestAuthentication.
pub(crate) mod scope_attachment {
    pub(crate) use super::scope::Attachment;
}

use crate::normalize::{PathError, PathNormalization, normalize_path};

/// The annotation that puts an ALLOW or DENY policy in dry-run mode.
const DRY_RUN: &str = "istio.io/dry-run";

/// The state of a CUSTOM policy's provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProviderState {
    /// An `envoyExtAuthzHttp` provider: HTTP only.
    Http,
    /// An `envoyExtAuthzGrpc` provider: HTTP and TCP.
    Grpc,
    /// Undeclared, declared twice, or not an ext_authz provider: a match denies.
    Invalid,
}

#[derive(Debug)]
struct PolicyInfo {
    namespace: String,
    name: String,
    action: Action,
    attachment: Attachment,
    provider: String,
    provider_state: ProviderState,
}

#[derive(Debug)]
struct RuleEntry {
    policy: u32,
    rule: u32,
    rank: u32,
    http: Option<CompiledRule>,
    tcp: Option<CompiledRule>,
}

#[derive(Debug, Default)]
struct ActionSet {
    policies: Vec<u32>,
    /// ALLOW policies with a rule that needs HTTP fields (so never matches on TCP).
    tcp_skipped: Vec<u32>,
    http: RuleIndex,
    tcp: RuleIndex,
}

/// The policies of one slot (namespace-wide, one selector label, or targeted), by action.
#[derive(Debug, Default)]
struct SlotSet {
    /// Indexed by [`action_index`].
    actions: [ActionSet; 4],
}

const fn action_index(a: Action) -> usize {
    match a {
        Action::Custom => 0,
        Action::Deny => 1,
        Action::Allow => 2,
        Action::Audit => 3,
    }
}

/// The most slots a check gathers on the stack; more go to the heap.
const STACK_SLOTS: usize = 16;

/// AuthorizationPolicies compiled for evaluation: immutable, `Send + Sync`.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_model::{load_str, Snapshot};
/// use mesh_policy::authz::{Authorizer, NoHeaders, Request, Workload};
/// let yaml = "\
/// apiVersion: security.istio.io/v1
/// kind: AuthorizationPolicy
/// metadata: {name: deny-admin, namespace: default}
/// spec:
///   action: DENY
///   rules: [{to: [{operation: {paths: [/admin]}}]}]
/// ";
/// let snap = Snapshot::builder().build(load_str(yaml, &Default::default()).resources.into_iter().map(|l| l.resource));
/// let authz = Authorizer::compile(&snap);
/// let labels = BTreeMap::new();
/// let workload = Workload::new("default", &labels);
/// let req = Request { path: "/a/../admin", ..Request::new(&NoHeaders) };
/// let d = authz.check(&workload, &req);
/// assert!(!d.allowed);
/// assert_eq!(d.decider.unwrap().policy.to_string(), "default/deny-admin");
/// ```
#[derive(Debug)]
pub struct Authorizer {
    root_namespace: String,
    normalization: PathNormalization,
    policies: Vec<PolicyInfo>,
    rules: Vec<RuleEntry>,
    namespaces: FxMap<Box<str>, NamespaceScope<SlotSet>>,
}

fn provider_state(mesh: &MeshConfig, name: &str) -> ProviderState {
    let mut found = mesh.extension_providers.iter().filter(|p| p.name == name);
    match (found.next(), found.next()) {
        (Some(p), None) => match &p.provider {
            Some(Provider::EnvoyExtAuthzHttp(_)) => ProviderState::Http,
            Some(Provider::EnvoyExtAuthzGrpc(_)) => ProviderState::Grpc,
            _ => ProviderState::Invalid,
        },
        _ => ProviderState::Invalid,
    }
}

fn is_dry_run(p: &AuthorizationPolicy) -> bool {
    p.metadata
        .annotations
        .get(DRY_RUN)
        .is_some_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "TRUE" | "true" | "True"))
}

impl Authorizer {
    /// Compiles the snapshot's AuthorizationPolicies with its mesh config (root namespace,
    /// trust domain and aliases, path normalisation, extension providers).
    pub fn compile(snapshot: &Snapshot) -> Authorizer {
        let policies = snapshot.of_kind(Kind::AuthorizationPolicy).iter().filter_map(|r| match r {
            Resource::AuthorizationPolicy(p) => Some(p),
            _ => None,
        });
        Self::from_policies(policies, snapshot.mesh_config())
    }

    /// Compiles `policies` (in Istio's precedence order) under `mesh`.
    pub fn from_policies<'p>(
        policies: impl IntoIterator<Item = &'p AuthorizationPolicy>,
        mesh: &MeshConfig,
    ) -> Authorizer {
        let mut domains = vec![mesh.trust_domain().to_string()];
        domains.extend(mesh.trust_domain_aliases().iter().map(|s| s.to_string()));
        let bundle = TrustBundle { domains };
        let mut a = Authorizer {
            root_namespace: mesh.root_namespace().to_string(),
            normalization: mesh.path_normalization(),
            policies: Vec::new(),
            rules: Vec::new(),
            namespaces: FxMap::default(),
        };
        let mut names: Vec<String> = Vec::new();
        for p in policies {
            if is_dry_run(p)
                && matches!(
                    p.spec.action(),
                    AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny
                )
            {
                continue;
            }
            let action = match p.spec.action() {
                AuthorizationPolicyAction::Allow => Action::Allow,
                AuthorizationPolicyAction::Deny => Action::Deny,
                AuthorizationPolicyAction::Audit => Action::Audit,
                AuthorizationPolicyAction::Custom => Action::Custom,
            };
            let ns = p.metadata.namespace();
            let provider = p.spec.provider.as_ref().and_then(|p| p.name.clone()).unwrap_or_default();
            let state =
                if action == Action::Custom { provider_state(mesh, &provider) } else { ProviderState::Grpc };
            let target_refs = if p.spec.target_refs.is_empty() {
                p.spec.target_ref.iter().cloned().collect()
            } else {
                p.spec.target_refs.clone()
            };
            let attachment = Attachment {
                selector: p.spec.selector.as_ref().map(|s| s.match_labels.clone()),
                target_refs,
            };
            let slot = attachment.slot();
            let pid = a.policies.len() as u32;
            let strictness = if action == Action::Allow { Strictness::Narrow } else { Strictness::Widen };
            let mut tcp_http_skipped = false;
            let first_rule = a.rules.len();
            for (i, r) in p.spec.rules.iter().enumerate() {
                let http = compile_rule(r, ns, strictness, Layer::Http, &bundle).ok();
                let tcp = if action == Action::Custom && state == ProviderState::Http {
                    None
                } else {
                    match compile_rule(r, ns, strictness, Layer::Tcp, &bundle) {
                        Ok(c) => Some(c),
                        Err(Skip::HttpOnTcp) => {
                            tcp_http_skipped = true;
                            None
                        }
                        Err(Skip::Invalid) => None,
                    }
                };
                names.push(format!("ns[{ns}]-policy[{}]-rule[{i}]", p.metadata.name()));
                a.rules.push(RuleEntry { policy: pid, rule: i as u32, rank: 0, http, tcp });
            }
            a.policies.push(PolicyInfo {
                namespace: ns.to_string(),
                name: p.metadata.name().to_string(),
                action,
                attachment,
                provider,
                provider_state: state,
            });
            let set =
                &mut a.namespaces.entry(ns.into()).or_default().slot_mut(&slot).actions[action_index(action)];
            set.policies.push(pid);
            if tcp_http_skipped {
                set.tcp_skipped.push(pid);
            }
            for id in first_rule..a.rules.len() {
                let e = &a.rules[id];
                if let Some(c) = &e.http {
                    set.http.insert(id as u32, guard(c));
                }
                if let Some(c) = &e.tcp {
                    set.tcp.insert(id as u32, guard(c));
                }
            }
        }
        // Rank every rule by Envoy's policy name, the order its RBAC filter reports matches in.
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&x, &y| names[x].cmp(&names[y]));
        for (rank, &id) in order.iter().enumerate() {
            a.rules[id].rank = rank as u32;
        }
        let ranks: Vec<u32> = a.rules.iter().map(|r| r.rank).collect();
        let rank = |i: u32| ranks[i as usize];
        for scope in a.namespaces.values_mut() {
            let mut finish = |s: &mut SlotSet| {
                for set in &mut s.actions {
                    set.http.finish(&rank);
                    set.tcp.finish(&rank);
                }
            };
            scope.wide.iter_mut().for_each(&mut finish);
            scope.targeted.iter_mut().for_each(&mut finish);
            scope.by_label.values_mut().flat_map(|m| m.values_mut()).for_each(&mut finish);
        }
        a
    }

    /// The number of compiled policies (dry-run policies are left out).
    pub fn len(&self) -> usize {
        self.policies.len()
    }

    /// Whether no policy was compiled.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// The root namespace whose policies apply mesh-wide.
    pub fn root_namespace(&self) -> &str {
        &self.root_namespace
    }

    fn for_each_slot<'s>(&'s self, w: &Workload<'_>, f: &mut dyn FnMut(&'s SlotSet)) {
        let visit = |ns: &str, f: &mut dyn FnMut(&'s SlotSet)| {
            if let Some(s) = self.namespaces.get(ns) {
                s.for_each_slot(w, f);
            }
        };
        visit(&self.root_namespace, f);
        if w.namespace != self.root_namespace {
            visit(w.namespace, f);
        }
        for (i, s) in w.services.iter().enumerate() {
            let seen = s.namespace == self.root_namespace
                || s.namespace == w.namespace
                || w.services[..i].iter().any(|o| o.namespace == s.namespace);
            if !seen {
                visit(s.namespace, f);
            }
        }
    }

    fn applies(&self, pid: u32, w: &Workload<'_>) -> bool {
        let p = &self.policies[pid as usize];
        p.attachment.applies(&p.namespace, &self.root_namespace, w)
    }

    /// The best-ranked matching rule of `action` among `slots`.
    fn first_match(
        &self,
        slots: &[Option<&SlotSet>],
        action: Action,
        ctx: &Ctx<'_>,
        w: &Workload<'_>,
    ) -> Option<u32> {
        let req = ctx.req;
        let mut best: Option<(u32, u32)> = None;
        for slot in slots.iter().flatten() {
            let set = &slot.actions[action_index(action)];
            let index = match req.layer {
                Layer::Http => &set.http,
                Layer::Tcp => &set.tcp,
            };
            if index.is_empty() {
                continue;
            }
            for list in index.candidates(ctx.path, req.source_principal, req.method) {
                for &id in list {
                    let e = &self.rules[id as usize];
                    if best.is_some_and(|(rank, _)| e.rank >= rank) {
                        break;
                    }
                    let compiled = match req.layer {
                        Layer::Http => e.http.as_ref(),
                        Layer::Tcp => e.tcp.as_ref(),
                    };
                    if compiled.is_some_and(|c| c.matches(ctx)) && self.applies(e.policy, w) {
                        best = Some((e.rank, id));
                        break;
                    }
                }
            }
        }
        best.map(|(_, id)| id)
    }

    fn matched(&self, id: u32) -> Matched<'_> {
        let e = &self.rules[id as usize];
        let p = &self.policies[e.policy as usize];
        Matched {
            action: p.action,
            policy: PolicyRef { namespace: &p.namespace, name: &p.name },
            rule: e.rule as usize,
        }
    }

    fn policy_ref(&self, pid: u32) -> PolicyRef<'_> {
        let p = &self.policies[pid as usize];
        PolicyRef { namespace: &p.namespace, name: &p.name }
    }

    /// Decides `request` for `workload`. Allocation-free unless the path needs rewriting by
    /// normalisation or the workload draws on more than 16 policy slots.
    pub fn check<'s>(&'s self, workload: &Workload<'_>, request: &Request<'_>) -> Decision<'s> {
        let deny = |reason: Reason| Decision {
            allowed: false,
            decider: None,
            custom: None,
            audit: None,
            reason,
            layer: request.layer,
        };
        let full_path: Cow<'_, str> = match request.layer {
            Layer::Tcp => Cow::Borrowed(request.path),
            Layer::Http => match normalize_path(request.path, self.normalization) {
                Ok(p) => p,
                Err(PathError::NotAbsolute(_)) => return deny(Reason::PathNotAbsolute),
                Err(_) => return deny(Reason::InvalidPath),
            },
        };
        let path = match full_path.find(['?', '#']) {
            Some(i) => &full_path[..i],
            None => &full_path,
        };
        let ctx = Ctx { req: request, full_path: &full_path, path };

        let mut stack: [Option<&SlotSet>; STACK_SLOTS] = [None; STACK_SLOTS];
        let mut heap: Vec<Option<&SlotSet>> = Vec::new();
        let mut n = 0;
        self.for_each_slot(workload, &mut |s| {
            if n < STACK_SLOTS {
                stack[n] = Some(s);
                n += 1;
            } else {
                heap.push(Some(s));
            }
        });
        let slots: &[Option<&SlotSet>] = if heap.is_empty() {
            &stack[..n]
        } else {
            heap.splice(0..0, stack.iter().copied());
            &heap
        };
        self.decide(slots, &ctx, workload)
    }

    fn decide<'s>(&'s self, slots: &[Option<&'s SlotSet>], ctx: &Ctx<'_>, w: &Workload<'_>) -> Decision<'s> {
        let layer = ctx.req.layer;
        let mut d = Decision::no_policy(layer);
        if let Some(id) = self.first_match(slots, Action::Custom, ctx, w) {
            let m = self.matched(id);
            let p = &self.policies[self.rules[id as usize].policy as usize];
            d.custom = Some(CustomMatch { provider: &p.provider, policy: m.policy });
            let multiple = slots
                .iter()
                .flatten()
                .flat_map(|s| &s.actions[action_index(Action::Custom)].policies)
                .any(|&o| self.policies[o as usize].provider != p.provider && self.applies(o, w));
            let reason = if p.provider_state == ProviderState::Invalid {
                Some(Reason::CustomProviderInvalid)
            } else if multiple {
                Some(Reason::CustomMultipleProviders)
            } else if ctx.req.custom_verdict == Verdict::Deny {
                Some(Reason::CustomDenied)
            } else {
                None
            };
            if let Some(reason) = reason {
                return Decision { allowed: false, decider: Some(m), reason, ..d };
            }
        }
        d.audit = self.first_match(slots, Action::Audit, ctx, w).map(|id| self.matched(id).policy);
        if let Some(id) = self.first_match(slots, Action::Deny, ctx, w) {
            let dropped_http =
                layer == Layer::Tcp && self.rules[id as usize].tcp.as_ref().is_some_and(|c| c.dropped_http);
            return Decision {
                allowed: false,
                decider: Some(self.matched(id)),
                reason: Reason::DenyMatched { dropped_http },
                ..d
            };
        }
        if let Some(id) = self.first_match(slots, Action::Allow, ctx, w) {
            return Decision {
                allowed: true,
                decider: Some(self.matched(id)),
                reason: Reason::AllowMatched,
                ..d
            };
        }
        let allow_sets = || slots.iter().flatten().map(|s| &s.actions[action_index(Action::Allow)]);
        let any_allow = allow_sets().any(|set| set.policies.iter().any(|&pid| self.applies(pid, w)));
        if any_allow {
            let http_rules_skipped = layer == Layer::Tcp
                && allow_sets().any(|set| set.tcp_skipped.iter().any(|&pid| self.applies(pid, w)));
            return Decision { allowed: false, reason: Reason::NoAllowMatched { http_rules_skipped }, ..d };
        }
        d
    }

    /// Every AUDIT policy that matches `request` for `workload`, ordered by namespace and name.
    pub fn audits<'s>(&'s self, workload: &Workload<'_>, request: &Request<'_>) -> Vec<PolicyRef<'s>> {
        let Ok(full_path) = (match request.layer {
            Layer::Tcp => Ok(Cow::Borrowed(request.path)),
            Layer::Http => normalize_path(request.path, self.normalization),
        }) else {
            return Vec::new();
        };
        let path = full_path.split(['?', '#']).next().unwrap_or("");
        let ctx = Ctx { req: request, full_path: &full_path, path };
        let mut slots: Vec<&SlotSet> = Vec::new();
        self.for_each_slot(workload, &mut |s| slots.push(s));
        let mut out: Vec<u32> = Vec::new();
        for s in &slots {
            for &pid in &s.actions[action_index(Action::Audit)].policies {
                if out.contains(&pid) || !self.applies(pid, workload) {
                    continue;
                }
                let hit = self.rules.iter().filter(|e| e.policy == pid).any(|e| {
                    let c = match request.layer {
                        Layer::Http => e.http.as_ref(),
                        Layer::Tcp => e.tcp.as_ref(),
                    };
                    c.is_some_and(|c| c.matches(&ctx))
                });
                if hit {
                    out.push(pid);
                }
            }
        }
        let mut refs: Vec<PolicyRef<'s>> = out.into_iter().map(|pid| self.policy_ref(pid)).collect();
        refs.sort_by(|a, b| (a.namespace, a.name).cmp(&(b.namespace, b.name)));
        refs
    }

    /// Every policy that applies to `workload`, with its action, ordered by namespace and name.
    pub fn policies_for<'s>(&'s self, workload: &Workload<'_>) -> Vec<(Action, PolicyRef<'s>)> {
        let mut slots: Vec<&SlotSet> = Vec::new();
        self.for_each_slot(workload, &mut |s| slots.push(s));
        let mut ids: Vec<u32> = slots
            .iter()
            .flat_map(|s| s.actions.iter().flat_map(|a| a.policies.iter().copied()))
            .filter(|&pid| self.applies(pid, workload))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let mut out: Vec<(Action, PolicyRef<'s>)> =
            ids.into_iter().map(|pid| (self.policies[pid as usize].action, self.policy_ref(pid))).collect();
        out.sort_by(|a, b| (a.1.namespace, a.1.name).cmp(&(b.1.namespace, b.1.name)));
        out
    }
}
