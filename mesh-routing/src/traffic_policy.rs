//! The DestinationRule that applies to a destination and its effective traffic policy.
//!
//! Lookup (`PushContext.destinationRule`): rules of the client's namespace first (any rule
//! there that its own namespace sees), then rules the service's namespace exports to the
//! client, then rules the root namespace exports; in each, an exact host beats the most
//! specific wildcard. Rules of one namespace for one host are merged (`mergeDestinationRule`,
//! rules with a `workloadSelector` first, then oldest first): a rule merges into each earlier
//! one whose `exportTo` equals or is a subset of its own (as written; a selector rule counts
//! as `.` and is never exported) unless both carry different selectors: subsets are
//! concatenated (the first of a name wins) and the first top-level policy wins. A rule with a
//! `workloadSelector` applies only to the workloads it selects, before the rule without one.
//!
//! Effective policy (`MergeSubsetTrafficPolicy`): the top-level policy, replaced for the port by
//! its port-level settings (which do not inherit: unset fields fall back to defaults), then
//! the subset's policy over it field by field (a subset's port-level settings replace the four
//! port-level fields wholesale).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use mesh_model::networking::{DestinationRule, PortTrafficPolicy, Subset, TrafficPolicy};
use mesh_model::registry::ExportTo;
use mesh_model::{Kind, Resource, Snapshot};

use crate::host;
use crate::visibility::export_to;

/// Rules of one namespace for one host, merged.
#[derive(Debug, Clone)]
pub struct ConsolidatedRule {
    /// `namespace/name` of the rules merged, first one first.
    pub from: Vec<String>,
    /// The host as written (resolved to an FQDN).
    pub host: String,
    /// The first top-level policy among the merged rules.
    pub traffic_policy: Option<TrafficPolicy>,
    /// Subsets of all merged rules (first of a name wins).
    pub subsets: Vec<Subset>,
    selector: Option<BTreeMap<String, String>>,
    export: ExportTo,
    /// `exportTo` as written (`.` unresolved, empty when unset; `.` for a rule with a
    /// selector): what the merge compares.
    raw_export: BTreeSet<String>,
}

impl ConsolidatedRule {
    /// The subset named `name`.
    pub fn subset(&self, name: &str) -> Option<&Subset> {
        self.subsets.iter().find(|s| s.name == name)
    }

    /// The effective policy for `subset` and `port` (see the module docs); `None` when
    /// nothing is set.
    pub fn effective_policy(&self, subset: Option<&str>, port: Option<u32>) -> Option<TrafficPolicy> {
        let sub = subset.and_then(|s| self.subset(s)).and_then(|s| s.traffic_policy.as_ref());
        merge_subset_policy(self.traffic_policy.as_ref(), sub, port)
    }
}

#[derive(Debug, Clone, Default)]
struct HostRules {
    specific: HashMap<String, Vec<ConsolidatedRule>>,
    /// Wildcard hosts, most specific first.
    wildcard: Vec<(String, Vec<ConsolidatedRule>)>,
}

impl HostRules {
    /// Istio's `mergeDestinationRule`: the incoming rule is merged into every earlier rule
    /// for the host whose `exportTo` equals its own or is a subset of it, unless both have
    /// different selectors (subsets concatenated, first of a name wins; the first top-level
    /// policy wins), and kept as a rule of its own unless the last such merge was with an
    /// equal `exportTo` and the same (or no) selector.
    fn merge(&mut self, dr: &DestinationRule, fqdn: String, export: ExportTo, raw_export: BTreeSet<String>) {
        let list = if host::is_wildcard(&fqdn) {
            match self.wildcard.iter().position(|(h, _)| *h == fqdn) {
                Some(i) => &mut self.wildcard[i].1,
                None => {
                    self.wildcard.push((fqdn.clone(), Vec::new()));
                    let last = self.wildcard.len() - 1;
                    &mut self.wildcard[last].1
                }
            }
        } else {
            self.specific.entry(fqdn.clone()).or_default()
        };
        let selector =
            dr.spec.workload_selector.as_ref().map(|s| s.match_labels.clone()).filter(|l| !l.is_empty());
        let id = format!("{}/{}", dr.metadata.namespace(), dr.metadata.name());
        let mut append = true;
        for existing in list.iter_mut() {
            if raw_export == existing.raw_export {
                append = false;
            } else if !existing.raw_export.is_empty() && raw_export.is_superset(&existing.raw_export) {
                append = true;
            } else {
                append = true;
                continue;
            }
            let both_with = selector.is_some() && existing.selector.is_some();
            let both_without = selector.is_none() && existing.selector.is_none();
            if both_with && selector != existing.selector {
                append = true;
                continue;
            }
            if both_without || both_with {
                append = false;
            }
            existing.from.push(id.clone());
            for s in &dr.spec.subsets {
                if existing.subset(&s.name).is_none() {
                    existing.subsets.push(s.clone());
                }
            }
            if existing.traffic_policy.is_none() {
                existing.traffic_policy.clone_from(&dr.spec.traffic_policy);
            }
        }
        if append {
            list.push(ConsolidatedRule {
                from: vec![id],
                host: fqdn,
                traffic_policy: dr.spec.traffic_policy.clone(),
                subsets: dr.spec.subsets.clone(),
                selector,
                export,
                raw_export,
            });
        }
    }

    fn finish(&mut self) {
        self.wildcard.sort_by(|a, b| {
            if host::more_specific(&a.0, &b.0) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
    }

    /// `MostSpecificHostMatch`: the exact host, else the most specific wildcard covering it.
    fn lookup(&self, hostname: &str) -> Option<&[ConsolidatedRule]> {
        if !host::is_wildcard(hostname)
            && let Some(v) = self.specific.get(hostname)
        {
            return Some(v);
        }
        if let Some((_, v)) = self.wildcard.iter().find(|(h, _)| h == hostname) {
            return Some(v);
        }
        self.wildcard.iter().find(|(h, _)| host::subset_of(hostname, h)).map(|(_, v)| v.as_slice())
    }
}

/// Every DestinationRule, indexed for lookup by client namespace and host.
#[derive(Debug, Clone, Default)]
pub struct DestinationRules {
    namespace_local: HashMap<String, HostRules>,
    exported: HashMap<String, HostRules>,
    root_local: HostRules,
    root_namespace: String,
}

impl DestinationRules {
    /// Indexes the DestinationRules of `snapshot` (in its precedence order).
    pub fn compile(snapshot: &Snapshot) -> Self {
        let mesh = snapshot.mesh_config();
        let root = mesh.root_namespace().to_string();
        let mut out = Self { root_namespace: root.clone(), ..Self::default() };
        // Istio's order: rules with a workload selector first, then by creation time.
        let mut rules: Vec<&DestinationRule> = snapshot
            .of_kind(Kind::DestinationRule)
            .iter()
            .filter_map(|r| match r {
                Resource::DestinationRule(dr) => Some(dr),
                _ => None,
            })
            .collect();
        rules.sort_by_key(|dr| dr.spec.workload_selector.is_none());
        for dr in rules {
            let ns = dr.metadata.namespace();
            let fqdn = host::resolve_short_name(&dr.spec.host, ns, snapshot.domain_suffix());
            // A rule with a workload selector is never exported.
            let with_selector = dr.spec.workload_selector.is_some();
            let raw_export: BTreeSet<String> = if with_selector {
                BTreeSet::from([".".to_string()])
            } else {
                dr.spec.export_to.iter().cloned().collect()
            };
            let export = if with_selector {
                ExportTo::Namespaces(BTreeSet::from([ns.to_string()]))
            } else {
                export_to(&dr.spec.export_to, mesh.default_destination_rule_export_to(), ns)
            };
            let own_sees = export.is_visible_from(ns);
            if own_sees {
                out.namespace_local.entry(ns.to_string()).or_default().merge(
                    dr,
                    fqdn.clone(),
                    export.clone(),
                    raw_export.clone(),
                );
            }
            let private_only = matches!(&export, ExportTo::Namespaces(s) if s.len() == 1 && s.contains(ns));
            if !private_only {
                out.exported.entry(ns.to_string()).or_default().merge(dr, fqdn, export, raw_export);
            } else if ns == root {
                out.root_local.merge(dr, fqdn, export, raw_export);
            }
        }
        for h in out.namespace_local.values_mut().chain(out.exported.values_mut()) {
            h.finish();
        }
        out.root_local.finish();
        out
    }

    /// The rule that applies to `hostname` (a service of `service_ns`) for a proxy in
    /// `client_ns` with `client_labels`.
    pub fn lookup(
        &self,
        client_ns: &str,
        client_labels: Option<&BTreeMap<String, String>>,
        hostname: &str,
        service_ns: Option<&str>,
    ) -> Option<&ConsolidatedRule> {
        let pick = |rules: &'_ [ConsolidatedRule], local: bool| -> Option<usize> {
            let visible = |c: &ConsolidatedRule| local || c.export.is_visible_from(client_ns);
            rules
                .iter()
                .position(|c| {
                    visible(c)
                        && local
                        && c.selector.as_ref().is_some_and(|sel| {
                            sel.iter().all(|(k, v)| client_labels.and_then(|l| l.get(k)) == Some(v))
                        })
                })
                .or_else(|| rules.iter().position(|c| visible(c) && c.selector.is_none()))
        };
        let local = if client_ns != self.root_namespace {
            self.namespace_local.get(client_ns)
        } else {
            Some(&self.root_local)
        };
        if let Some(rules) = local.and_then(|l| l.lookup(hostname))
            && let Some(i) = pick(rules, true)
        {
            return Some(&rules[i]);
        }
        for ns in service_ns.into_iter().chain([self.root_namespace.as_str()]) {
            if let Some(rules) = self.exported.get(ns).and_then(|l| l.lookup(hostname))
                && let Some(i) = pick(rules, false)
            {
                return Some(&rules[i]);
            }
        }
        None
    }
}

/// `GetPortLevelTrafficPolicy`: the port-level settings for `port` as a whole policy (fields
/// they omit stay unset), or the policy unchanged; and whether port-level settings applied.
fn port_level(policy: &TrafficPolicy, port: Option<u32>) -> (TrafficPolicy, bool) {
    let found: Option<&PortTrafficPolicy> = port
        .and_then(|p| policy.port_level_settings.iter().find(|s| s.port.and_then(|x| x.number) == Some(p)));
    match found {
        Some(pl) => (
            TrafficPolicy {
                load_balancer: pl.load_balancer.clone(),
                connection_pool: pl.connection_pool.clone(),
                outlier_detection: pl.outlier_detection.clone(),
                tls: pl.tls.clone(),
                ..TrafficPolicy::default()
            },
            true,
        ),
        None => (TrafficPolicy { port_level_settings: Vec::new(), ..policy.clone() }, false),
    }
}

/// `MergeSubsetTrafficPolicy` for `port`; port-level settings are applied, not listed.
pub fn merge_subset_policy(
    top: Option<&TrafficPolicy>,
    subset: Option<&TrafficPolicy>,
    port: Option<u32>,
) -> Option<TrafficPolicy> {
    let original = top.map(|t| port_level(t, port).0);
    let Some(subset) = subset else { return original.filter(|p| *p != TrafficPolicy::default()) };
    let (sub, has_port_level) = port_level(subset, port);
    let Some(mut merged) = original else { return Some(sub).filter(|p| *p != TrafficPolicy::default()) };
    if sub.connection_pool.is_some() || has_port_level {
        merged.connection_pool = sub.connection_pool;
    }
    if sub.outlier_detection.is_some() || has_port_level {
        merged.outlier_detection = sub.outlier_detection;
    }
    if sub.load_balancer.is_some() || has_port_level {
        merged.load_balancer = sub.load_balancer;
    }
    if sub.tls.is_some() || has_port_level {
        merged.tls = sub.tls;
    }
    if sub.tunnel.is_some() {
        merged.tunnel = sub.tunnel;
    }
    if sub.proxy_protocol.is_some() {
        merged.proxy_protocol = sub.proxy_protocol;
    }
    if sub.retry_budget.is_some() {
        merged.retry_budget = sub.retry_budget;
    }
    Some(merged).filter(|p| *p != TrafficPolicy::default())
}
