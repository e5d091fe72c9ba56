//! The sidecar's virtual hosts: which domains exist on an outbound port and which
//! VirtualService (or default route) owns each (`BuildSidecarOutboundVirtualHosts`).
//!
//! - A registry service with an HTTP (or sniffed) port P has a virtual host on P. Its domains
//!   are the FQDN, the short forms a client may use (`name` from the same namespace,
//!   `name.ns`, `name.ns.svc`; `generateAltVirtualHostsForKubernetesService`) and its VIPs.
//! - VirtualServices claim domains in the order the client's namespace sees them (private,
//!   exported by name, public; each oldest first); the first claim of a domain wins
//!   (`dedupeDomains`). A VirtualService with no route for this proxy and port claims
//!   nothing. A wildcard host claims the services it covers, only the most specific wildcard
//!   per service (`mostSpecificWildcardVsIndex`); hosts outside the registry become domains
//!   of their own on the ports of the VirtualService's services (port 80 when it names none).
//! - A headless Kubernetes Service's virtual host also holds `*.` plus each of its domains,
//!   so a StatefulSet pod's name (`db-0.db.ns.svc.cluster.local`, or `db-0.db` from `ns`)
//!   reaches it.
//! - Envoy looks the `Host` (port stripped, case folded) up among exact domains, then suffix
//!   wildcards longest first, then the catch-all: the passthrough cluster under `ALLOW_ANY`,
//!   a 502 blackhole under `REGISTRY_ONLY`.

use std::collections::{HashMap, HashSet};

use mesh_model::registry::{Origin, Registry, Resolution};

use crate::host::{self, HostBuf};
use crate::vs::CompiledVs;

/// The claims on one domain.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostEntry {
    /// Whether the domain is a registry service's host.
    pub(crate) is_service: bool,
    /// VirtualServices claiming the domain, in precedence (creation) order.
    pub(crate) vs: Vec<u32>,
}

/// Domains of the mesh, independent of the client (visibility is applied per request).
#[derive(Debug, Clone, Default)]
pub(crate) struct MeshHosts {
    pub(crate) exact: HashMap<Box<str>, HostEntry>,
    /// Wildcard domains, most specific first.
    pub(crate) wildcard: Vec<(Box<str>, HostEntry)>,
    /// Headless Kubernetes services (resolution `NONE`): their virtual host also holds `*.`
    /// plus each of its domains, so `pod-0.db.ns.svc.cluster.local` reaches `db`
    /// (`generateVirtualHostDomains`).
    pub(crate) headless: HashSet<Box<str>>,
}

impl MeshHosts {
    pub(crate) fn build(registry: &Registry, vss: &mut [CompiledVs]) -> Self {
        let mut exact: HashMap<Box<str>, HostEntry> = HashMap::new();
        let mut wildcard: Vec<(Box<str>, HostEntry)> = Vec::new();
        let mut service_hosts: Vec<&str> = Vec::new();
        for s in registry.services() {
            let h = s.hostname.as_str();
            if !service_hosts.contains(&h) {
                service_hosts.push(h);
            }
        }
        for h in &service_hosts {
            upsert(&mut exact, &mut wildcard, h).is_service = true;
        }
        let headless = registry
            .services()
            .filter(|s| s.origin == Origin::Kubernetes && s.resolution == Resolution::Passthrough)
            .map(|s| s.hostname.as_str().into())
            .collect();
        // Wildcard claims: the most specific wildcard VirtualService host per service.
        let mut best_wild: HashMap<&str, (u32, String)> = HashMap::new();
        for (vi, vs) in vss.iter_mut().enumerate() {
            let vi = vi as u32;
            for h in vs.hosts.clone() {
                let covered: Vec<&str> =
                    service_hosts.iter().copied().filter(|s| host::matches(&h, s)).collect();
                for svc in &covered {
                    for s in registry.by_host(svc) {
                        vs.service_ports.extend(
                            s.ports.iter().filter(|p| p.protocol.is_http_or_sniffed()).map(|p| p.number),
                        );
                    }
                    vs.has_services = true;
                }
                if !host::is_wildcard(&h) {
                    upsert(&mut exact, &mut wildcard, &h).vs.push(vi);
                    continue;
                }
                if covered.is_empty() {
                    upsert(&mut exact, &mut wildcard, &h).vs.push(vi);
                    continue;
                }
                for svc in covered {
                    if *svc == h {
                        upsert(&mut exact, &mut wildcard, svc).vs.push(vi);
                        continue;
                    }
                    match best_wild.get(svc) {
                        Some((_, cur)) if !host::more_specific(&h, cur) || *cur == h => {}
                        _ => {
                            best_wild.insert(svc, (vi, h.clone()));
                        }
                    }
                }
            }
        }
        for (svc, (vi, _)) in best_wild {
            let e = upsert(&mut exact, &mut wildcard, svc);
            e.vs.push(vi);
        }
        for e in exact.values_mut().chain(wildcard.iter_mut().map(|(_, e)| e)) {
            e.vs.sort_unstable();
            e.vs.dedup();
        }
        wildcard.sort_by(|a, b| {
            if host::more_specific(&a.0, &b.0) {
                std::cmp::Ordering::Less
            } else {
                std::cmp::Ordering::Greater
            }
        });
        Self { exact, wildcard, headless }
    }

    /// The exact-domain candidates for an authority (lower case, port stripped) from
    /// `namespace`: the name itself, then the Kubernetes short forms it may stand for.
    pub(crate) fn candidates(authority: &str, namespace: &str, suffix: &str) -> [Option<HostBuf>; 2] {
        let a = authority.strip_suffix('.').unwrap_or(authority);
        let mut first = HostBuf::new();
        let ok = first.push_lower(a);
        let first = ok.then_some(first);
        let dots = a.bytes().filter(|b| *b == b'.').count();
        let mut second = HostBuf::new();
        let expanded = if dots == 0 && !host::is_ip(a) && a != "*" {
            second.push_lower(a)
                && second.push_lower(".")
                && second.push_lower(namespace)
                && second.push_lower(".svc.")
                && second.push_lower(suffix)
        } else if dots == 1 && !host::is_ip(a) {
            second.push_lower(a) && second.push_lower(".svc.") && second.push_lower(suffix)
        } else if a.ends_with(".svc") && dots == 2 {
            second.push_lower(a) && second.push_lower(".") && second.push_lower(suffix)
        } else {
            false
        };
        [first, expanded.then_some(second)]
    }
}

fn upsert<'m>(
    exact: &'m mut HashMap<Box<str>, HostEntry>,
    wildcard: &'m mut Vec<(Box<str>, HostEntry)>,
    h: &str,
) -> &'m mut HostEntry {
    if host::is_wildcard(h) {
        if let Some(i) = wildcard.iter().position(|(d, _)| &**d == h) {
            return &mut wildcard[i].1;
        }
        wildcard.push((h.into(), HostEntry::default()));
        let last = wildcard.len() - 1;
        &mut wildcard[last].1
    } else {
        exact.entry(h.into()).or_default()
    }
}
