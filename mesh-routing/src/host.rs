//! Host names as Istio compares them (`pkg/config/host`) and as Envoy picks a virtual host by
//! its domains (`RouteMatcher::findVirtualHost`).
//!
//! Istio hosts are FQDNs, `*`-prefixed wildcards (`*.example.com`, `*`) or IPs. Two names
//! *match* when one covers the other; a name is a *subset* of another when the other covers it.
//! Envoy domains add prefix wildcards (`foo.*`) and compare case-insensitively, after the port
//! is stripped (Istio sets `ignore_port_in_host_matching`).

#[cfg(test)]
mod tests;

/// Whether `name` is a wildcard host (`*.example.com` or `*`).
pub fn is_wildcard(name: &str) -> bool {
    name.starts_with('*')
}

/// Whether two Istio host names overlap (`host.Name.Matches`): equal non-wildcards, or one
/// wildcard covers the other. `*.foo.com` does not match `foo.com`.
///
/// ```
/// use mesh_routing::host::matches;
/// assert!(matches("*.com", "foo.com") && matches("foo.com", "*.com"));
/// assert!(!matches("*.foo.com", "foo.com"));
/// assert!(matches("*", "*.com"));
/// ```
pub fn matches(a: &str, b: &str) -> bool {
    match (is_wildcard(a), is_wildcard(b)) {
        (true, true) => {
            if a.len() < b.len() {
                b[1..].ends_with(&a[1..])
            } else {
                a[1..].ends_with(&b[1..])
            }
        }
        (true, false) => b.ends_with(&a[1..]),
        (false, true) => a.ends_with(&b[1..]),
        (false, false) => a == b,
    }
}

/// Whether `a` is covered by `b` (`host.Name.SubsetOf`): a wildcard is never a subset of a
/// non-wildcard, and a wildcard is a subset of a shorter-or-equal wildcard it ends with.
///
/// ```
/// use mesh_routing::host::subset_of;
/// assert!(subset_of("foo.com", "*.com"));
/// assert!(subset_of("*.foo.com", "*.com"));
/// assert!(!subset_of("*.com", "foo.com"));
/// ```
pub fn subset_of(a: &str, b: &str) -> bool {
    match (is_wildcard(a), is_wildcard(b)) {
        (true, true) => a.len() >= b.len() && a[1..].ends_with(&b[1..]),
        (true, false) => false,
        (false, true) => a.ends_with(&b[1..]),
        (false, false) => a == b,
    }
}

/// Istio's ordering of host names (`host.MoreSpecific`): non-wildcards before wildcards, then
/// longer before shorter, then alphabetical. Returns `true` when `a` sorts before `b`.
pub fn more_specific(a: &str, b: &str) -> bool {
    if a.is_empty() && b.is_empty() {
        return true;
    }
    match (is_wildcard(a), is_wildcard(b)) {
        (true, false) => false,
        (false, true) => true,
        _ if a.len() == b.len() => a < b,
        _ => a.len() > b.len(),
    }
}

/// Sorts host names as Istio does: most specific first (see [`more_specific`]).
pub fn sort_most_specific(names: &mut [&str]) {
    names.sort_by(|a, b| {
        if a == b {
            std::cmp::Ordering::Equal
        } else if more_specific(a, b) {
            std::cmp::Ordering::Less
        } else {
            std::cmp::Ordering::Greater
        }
    });
}

/// The hosts of `hosts` (as `namespace/host`, `*/host`, `./host` or a bare host) that apply
/// to resources of `namespace` (`host.NamesForNamespace`): a bare host or `*/` applies to every
/// namespace. `.` must already be resolved to a namespace by the caller.
///
/// ```
/// use mesh_routing::host::names_for_namespace;
/// let hosts = ["ns1/foo.com", "*/bar.com", "baz.com"];
/// assert_eq!(names_for_namespace(hosts.iter().copied(), "ns1").collect::<Vec<_>>(), ["foo.com", "bar.com", "baz.com"]);
/// assert_eq!(names_for_namespace(hosts.iter().copied(), "ns3").collect::<Vec<_>>(), ["bar.com", "baz.com"]);
/// ```
pub fn names_for_namespace<'a>(
    hosts: impl IntoIterator<Item = &'a str>,
    namespace: &'a str,
) -> impl Iterator<Item = &'a str> {
    hosts.into_iter().filter_map(move |h| match h.split_once('/') {
        None => Some(h),
        Some(("*", host)) => Some(host),
        Some((ns, host)) if ns == namespace => Some(host),
        Some(_) => None,
    })
}

/// Whether `host` is an IPv4 or IPv6 address (such hosts are never short names).
pub fn is_ip(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok()
}

/// Resolves a host written in a resource of `namespace` as Istio's `ResolveShortnameToFQDN`:
/// `*`, IPs and names with a dot are kept; a short name becomes `name.namespace.svc.suffix`.
///
/// ```
/// use mesh_routing::host::resolve_short_name;
/// assert_eq!(resolve_short_name("reviews", "default", "cluster.local"), "reviews.default.svc.cluster.local");
/// assert_eq!(resolve_short_name("10.0.0.1", "default", "cluster.local"), "10.0.0.1");
/// assert_eq!(resolve_short_name("*", "default", "cluster.local"), "*");
/// ```
pub fn resolve_short_name(host: &str, namespace: &str, domain_suffix: &str) -> String {
    if host.is_empty() || host == "*" || host.contains('.') || is_ip(host) {
        host.to_string()
    } else if namespace.is_empty() {
        format!("{host}.svc.{domain_suffix}")
    } else {
        format!("{host}.{namespace}.svc.{domain_suffix}")
    }
}

/// Resolves a gateway reference written in a VirtualService of `namespace` as Istio's
/// `resolveGatewayName`: `mesh` stays; `name` is `namespace/name`; `./name` is
/// `namespace/name`; a legacy FQDN `name.ns.svc.cluster.local` is `ns/name`.
///
/// ```
/// use mesh_routing::host::resolve_gateway_name;
/// assert_eq!(resolve_gateway_name("gw", "default"), "default/gw");
/// assert_eq!(resolve_gateway_name("./gw", "default"), "default/gw");
/// assert_eq!(resolve_gateway_name("istio-system/gw", "default"), "istio-system/gw");
/// assert_eq!(resolve_gateway_name("gw.istio-system.svc.cluster.local", "default"), "istio-system/gw");
/// assert_eq!(resolve_gateway_name("mesh", "default"), "mesh");
/// ```
pub fn resolve_gateway_name(gateway: &str, namespace: &str) -> String {
    if gateway == MESH_GATEWAY {
        return gateway.to_string();
    }
    match gateway.split_once('/') {
        Some((".", name)) => format!("{namespace}/{name}"),
        Some(_) => gateway.to_string(),
        None => match gateway.split_once('.') {
            None => format!("{namespace}/{gateway}"),
            Some((name, rest)) => {
                let ns = rest.split_once('.').map_or(rest, |(ns, _)| ns);
                format!("{ns}/{name}")
            }
        },
    }
}

/// The reserved gateway name of sidecars.
pub const MESH_GATEWAY: &str = "mesh";

/// Splits the port off a `Host` header value (`host:port`, `[v6]:port`), as Envoy's
/// `getPortStart`; a value without a port is returned whole.
///
/// ```
/// use mesh_routing::host::strip_port;
/// assert_eq!(strip_port("reviews:9080"), ("reviews", Some(9080)));
/// assert_eq!(strip_port("[::1]:80"), ("[::1]", Some(80)));
/// assert_eq!(strip_port("[::1]"), ("[::1]", None));
/// assert_eq!(strip_port("reviews"), ("reviews", None));
/// ```
pub fn strip_port(authority: &str) -> (&str, Option<u16>) {
    let Some(colon) = authority.rfind(':') else { return (authority, None) };
    if let Some(close) = authority.rfind(']')
        && close > colon
    {
        return (authority, None);
    }
    if authority.starts_with('[') && !authority[..colon].ends_with(']') {
        return (authority, None);
    }
    if !authority.starts_with('[') && authority[..colon].contains(':') {
        // A bare IPv6 address without brackets has no port.
        return (authority, None);
    }
    match authority[colon + 1..].parse::<u16>() {
        Ok(p) => (&authority[..colon], Some(p)),
        Err(_) => (authority, None),
    }
}

/// Whether an Envoy virtual-host domain admits `host` (already lower case, port stripped):
/// `*` admits everything; `*.suffix`/`*-suffix` (suffix wildcard) and `prefix.*`/`prefix-*`
/// (prefix wildcard) need at least one character in place of the `*`; otherwise equality.
///
/// ```
/// use mesh_routing::host::domain_matches;
/// assert!(domain_matches("*.foo.com", "bar.foo.com"));
/// assert!(!domain_matches("*.foo.com", ".foo.com"));
/// assert!(domain_matches("foo.*", "foo.bar"));
/// assert!(!domain_matches("*.foo.com", "foo.com"));
/// ```
pub fn domain_matches(domain: &str, host: &str) -> bool {
    if domain == "*" {
        return true;
    }
    if let Some(suffix) = domain.strip_prefix('*') {
        return host.len() > suffix.len() && ends_with_ignore_case(host, suffix);
    }
    if let Some(prefix) = domain.strip_suffix('*') {
        return host.len() > prefix.len()
            && host.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    domain.eq_ignore_ascii_case(host)
}

fn ends_with_ignore_case(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len() && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

/// A host name buffer on the stack: lower-cases and joins host names without allocating.
/// Host names longer than 255 bytes (never valid DNS names) do not fit.
#[derive(Clone)]
pub(crate) struct HostBuf {
    buf: [u8; 255],
    len: usize,
}

impl HostBuf {
    pub(crate) fn new() -> Self {
        Self { buf: [0; 255], len: 0 }
    }

    /// Appends `s` lower-cased; `false` when it does not fit.
    pub(crate) fn push_lower(&mut self, s: &str) -> bool {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return false;
        }
        for (d, b) in self.buf[self.len..end].iter_mut().zip(s.bytes()) {
            *d = b.to_ascii_lowercase();
        }
        self.len = end;
        true
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII-lower-cased bytes of `&str`s are pushed, at char boundaries: valid UTF-8.
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}
