//! Request hash keys for consistent hashing, computed as Envoy's route hash policy computes
//! them (`Http::HashPolicyImpl`) from what Istio configures for a DestinationRule's
//! `consistentHash`: a header, a cookie (generated when absent and a TTL is set), the source
//! IP, or a query parameter, each hashed with XXH64.

use mesh_model::networking::{ConsistentHashLb, HashKey};

use super::hash::{xx_hash64, xx_hash64_chain};

/// What a request is hashed on (one Envoy `RouteAction.HashPolicy`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashPolicy {
    /// Every value of this header (lower-case name), sorted, hashed as one string.
    Header(String),
    /// This cookie's value; when absent and `ttl_secs` is set, a generated one.
    Cookie {
        /// The cookie name.
        name: String,
        /// The path of a generated cookie.
        path: String,
        /// Lifetime of a generated cookie in whole seconds; none means no cookie is generated.
        ttl_secs: Option<i64>,
    },
    /// The client's IP address.
    SourceIp,
    /// The first value of this query parameter.
    QueryParameter(String),
}

impl HashPolicy {
    /// The policy Istio configures for `consistentHash`; `None` when no key is set or
    /// `useSourceIp` is false.
    ///
    /// ```
    /// use mesh_model::networking::{ConsistentHashLb, HashKey};
    /// use mesh_routing::lb::HashPolicy;
    /// let ch = ConsistentHashLb { hash_key: Some(HashKey::HttpHeaderName("X-User".into())), ..Default::default() };
    /// assert_eq!(HashPolicy::from_istio(&ch), Some(HashPolicy::Header("x-user".into())));
    /// ```
    pub fn from_istio(ch: &ConsistentHashLb) -> Option<Self> {
        match ch.hash_key.as_ref()? {
            HashKey::HttpHeaderName(h) => Some(Self::Header(h.to_ascii_lowercase())),
            HashKey::HttpCookie(c) => Some(Self::Cookie {
                name: c.name.clone(),
                path: c.path.clone().unwrap_or_default(),
                ttl_secs: c.ttl.map(|d| (d.as_nanos() / 1_000_000_000) as i64),
            }),
            HashKey::UseSourceIp(true) => Some(Self::SourceIp),
            HashKey::UseSourceIp(false) => None,
            HashKey::HttpQueryParameterName(q) => Some(Self::QueryParameter(q.clone())),
        }
    }
}

/// The parts of a request a hash policy reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct HashInput<'a> {
    /// Request headers as `(lower-case name, value)`; a name may repeat.
    pub headers: &'a [(&'a str, &'a str)],
    /// The `:path`, query string included.
    pub path: Option<&'a str>,
    /// The client's IP address (without port).
    pub source_ip: Option<&'a str>,
    /// The downstream connection's remote address as Envoy prints it (`ip:port`), which
    /// seeds a generated cookie.
    pub remote_address: Option<&'a str>,
    /// The downstream connection's local address (`ip:port`).
    pub local_address: Option<&'a str>,
}

/// A request's hash, and the cookie Envoy would set when it generated one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHash {
    /// The hash; `None` when the key is missing (Envoy then picks at random).
    pub hash: Option<u64>,
    /// The generated cookie's value, when one was generated.
    pub set_cookie: Option<String>,
}

/// Hashes `input` with `policies` as Envoy's `generateHash` does: each policy that yields a
/// hash is folded in with `rotl(acc, 1) ^ h` (no policy here is terminal).
///
/// ```
/// use mesh_routing::lb::hash_policy::{request_hash, HashInput, HashPolicy};
/// use mesh_routing::lb::hash::xx_hash64;
/// let input = HashInput { headers: &[("x-user", "jason")], ..Default::default() };
/// let h = request_hash(&[HashPolicy::Header("x-user".into())], &input);
/// assert_eq!(h.hash, Some(xx_hash64(b"jason", 0)));
/// ```
pub fn request_hash(policies: &[HashPolicy], input: &HashInput<'_>) -> RequestHash {
    let mut out = RequestHash { hash: None, set_cookie: None };
    for p in policies {
        let h = match p {
            HashPolicy::Header(name) => header_hash(input.headers, name),
            HashPolicy::Cookie { name, ttl_secs, .. } => match cookie_value(input.headers, name) {
                Some(v) if !v.is_empty() => Some(xx_hash64(v.as_bytes(), 0)),
                _ if ttl_secs.is_some() => {
                    let value = generated_cookie_value(
                        input.remote_address.unwrap_or(""),
                        input.local_address.unwrap_or(""),
                    );
                    let h = xx_hash64(value.as_bytes(), 0);
                    out.set_cookie = Some(value);
                    Some(h)
                }
                _ => None,
            },
            HashPolicy::SourceIp => {
                input.source_ip.filter(|ip| !ip.is_empty()).map(|ip| xx_hash64(ip.as_bytes(), 0))
            }
            HashPolicy::QueryParameter(name) => {
                input.path.and_then(|p| query_value(p, name)).map(|v| xx_hash64(v.as_bytes(), 0))
            }
        };
        if let Some(h) = h {
            let old = out.hash.map_or(0, |v| v.rotate_left(1));
            out.hash = Some(old ^ h);
        }
    }
    out
}

fn header_hash(headers: &[(&str, &str)], name: &str) -> Option<u64> {
    let mut values: Vec<&str> = headers.iter().filter(|(n, _)| *n == name).map(|(_, v)| *v).collect();
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    Some(xx_hash64_chain(values.iter().map(|v| v.as_bytes()), 0))
}

/// The value of cookie `name` in the request's `cookie` headers, as Envoy's
/// `parseCookieValue` reads it: the first `name=value` pair, surrounding double quotes
/// removed.
pub fn cookie_value<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    for (n, v) in headers {
        if !n.eq_ignore_ascii_case("cookie") {
            continue;
        }
        for pair in v.split(';') {
            let pair = pair.trim_start_matches(' ');
            if let Some((k, value)) = pair.split_once('=')
                && k == name
            {
                let unquoted = if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
                    &value[1..value.len() - 1]
                } else {
                    value
                };
                return Some(unquoted);
            }
        }
    }
    None
}

/// The `set-cookie` response header Envoy adds when it generated the hash cookie of a
/// request (`Http::Utility::makeSetCookieValue`, HttpOnly): `name="value"`, then
/// `; Max-Age=<ttl>` unless the TTL is 0 (a session cookie), `; Path=<path>` when set, and
/// `; HttpOnly`. `None` when no cookie was generated.
///
/// ```
/// use mesh_routing::lb::hash_policy::{request_hash, set_cookie_header, HashInput, HashPolicy};
/// let policies = [HashPolicy::Cookie { name: "user".into(), path: "/".into(), ttl_secs: Some(60) }];
/// let input = HashInput { remote_address: Some("10.0.0.1:5000"), local_address: Some("10.0.0.2:80"), ..Default::default() };
/// let hash = request_hash(&policies, &input);
/// let header = set_cookie_header(&policies, &hash).unwrap();
/// assert!(header.starts_with("user=\"") && header.ends_with("\"; Max-Age=60; Path=/; HttpOnly"));
/// ```
pub fn set_cookie_header(policies: &[HashPolicy], hash: &RequestHash) -> Option<String> {
    let value = hash.set_cookie.as_deref()?;
    let (name, path, ttl) = policies.iter().find_map(|p| match p {
        HashPolicy::Cookie { name, path, ttl_secs: Some(ttl) } => Some((name, path, *ttl)),
        _ => None,
    })?;
    let mut header = format!("{name}=\"{value}\"");
    if ttl != 0 {
        header.push_str(&format!("; Max-Age={ttl}"));
    }
    if !path.is_empty() {
        header.push_str(&format!("; Path={path}"));
    }
    header.push_str("; HttpOnly");
    Some(header)
}

/// The value Envoy gives a generated hash cookie: XXH64 of the connection's remote then
/// local address, as 16 lower-case hex digits.
///
/// ```
/// use mesh_routing::lb::hash_policy::generated_cookie_value;
/// assert_eq!(generated_cookie_value("", "").len(), 16);
/// ```
pub fn generated_cookie_value(remote_address: &str, local_address: &str) -> String {
    let value = format!("{remote_address}{local_address}");
    let h = xx_hash64(value.as_bytes(), 0);
    format!("{h:016x}")
}

/// The first value of query parameter `name` in `path` (not percent-decoded; a parameter
/// without `=` has the empty value).
pub fn query_value<'a>(path: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = path.split_once('?')?;
    let query = query.split('#').next().unwrap_or("");
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if k == name {
            return Some(v);
        }
    }
    None
}
