//! What a matched HTTP route does: the weighted pick, redirects (`ApplyRedirect` and Envoy's
//! `RedirectAction`), rewrites (`prefix_rewrite`, `regex_rewrite`, host rewrite), direct
//! responses and header operations.

use mesh_model::networking::{
    BodySpecifier, HeaderOperations, Headers, HttpDirectResponse, HttpRedirect, HttpRewrite, HttpRoute,
    HttpRouteDestination, RedirectPort, RedirectPortSelection,
};

use crate::host::strip_port;
use crate::matcher::StrMatch;
use crate::request::RouteRequest;

/// The destination a draw picks (`random` in `[0, 1)`): with one destination, it; with
/// several, zero weights are ignored and the first whose cumulative weight exceeds
/// `random * sum` is chosen. `None` when every weight is zero.
///
/// ```
/// use mesh_routing::action::pick_weighted;
/// assert_eq!(pick_weighted(&[90, 10], 0.5), Some(0));
/// assert_eq!(pick_weighted(&[90, 10], 0.95), Some(1));
/// assert_eq!(pick_weighted(&[0, 10], 0.0), Some(1));
/// ```
pub fn pick_weighted(weights: &[i32], random: f64) -> Option<usize> {
    pick_by(weights.len(), |i| weights[i], random)
}

/// The weighted pick over a route's destinations (see [`pick_weighted`]).
pub fn pick_destination(route: &[HttpRouteDestination], random: f64) -> Option<usize> {
    pick_by(route.len(), |i| route[i].weight.unwrap_or(0), random)
}

/// The weighted pick over a TCP or TLS route's destinations (see [`pick_weighted`]).
pub fn pick_l4(route: &[mesh_model::networking::RouteDestination], random: f64) -> Option<usize> {
    pick_by(route.len(), |i| route[i].weight.unwrap_or(0), random)
}

/// [`pick_weighted`] over `len` destinations whose weights `weight` gives, without collecting
/// them (the per-request path allocates nothing).
fn pick_by(len: usize, weight: impl Fn(usize) -> i32, random: f64) -> Option<usize> {
    if len == 1 {
        return Some(0);
    }
    let total: i64 = (0..len).map(|i| i64::from(weight(i).max(0))).sum();
    if total == 0 {
        return None;
    }
    let target = random * total as f64;
    let mut cum = 0i64;
    let mut last = None;
    for i in 0..len {
        let w = weight(i);
        if w <= 0 {
            continue;
        }
        last = Some(i);
        cum += i64::from(w);
        if cum as f64 > target {
            return Some(i);
        }
    }
    last
}

/// The weight reported for destination `i`: the configured weight, 100 for a single one.
pub fn reported_weight(route: &[HttpRouteDestination], i: usize) -> i32 {
    if route.len() == 1 {
        route[0].weight.filter(|w| *w != 0).unwrap_or(100)
    } else {
        route[i].weight.unwrap_or(0)
    }
}

/// The status of a redirect (`redirectCode`, 301 when unset); `None` for a code Envoy does
/// not support (Istio then drops the route's action).
pub fn redirect_status(r: &HttpRedirect) -> Option<u32> {
    match r.redirect_code.unwrap_or(0) {
        0 | 301 => Some(301),
        c @ (302 | 303 | 307 | 308) => Some(c),
        _ => None,
    }
}

/// The full `Location` of a redirect for `req` on listener `port` (`is_tls` for a
/// TLS-terminating gateway server); `matched_len` is the length of the path part the route
/// matched, which `prefixRewrite` replaces.
pub fn redirect_location(
    r: &HttpRedirect,
    req: &RouteRequest<'_>,
    port: u32,
    is_tls: bool,
    matched_len: usize,
) -> String {
    let mut port_redirect = 0u32;
    if let Some(p) = r.port {
        port_redirect = match p {
            RedirectPort::DerivePort(RedirectPortSelection::FromRequestPort) => port,
            RedirectPort::DerivePort(RedirectPortSelection::FromProtocolDefault) => 0,
            RedirectPort::Port(p) => p,
        };
        let scheme =
            r.scheme.as_deref().filter(|s| !s.is_empty()).unwrap_or(if is_tls { "https" } else { "http" });
        if (port_redirect == 80 && scheme == "http") || (port_redirect == 443 && scheme == "https") {
            port_redirect = 0;
        }
    }
    let scheme = r.scheme.as_deref().filter(|s| !s.is_empty()).unwrap_or(req.scheme);
    let mut host = r.authority.as_deref().filter(|s| !s.is_empty()).unwrap_or(req.authority()).to_string();
    let (bare, current_port) = strip_port(&host);
    if port_redirect != 0 {
        host = format!("{bare}:{port_redirect}");
    } else if scheme != req.scheme && matches!(current_port, Some(80 | 443)) {
        host = bare.to_string();
    }
    let path = match (
        r.prefix_rewrite.as_deref().filter(|s| !s.is_empty()),
        r.uri.as_deref().filter(|s| !s.is_empty()),
    ) {
        (Some(prefix), _) => replace_prefix(req.path, matched_len, prefix),
        (None, Some(uri)) if uri.contains('?') => uri.to_string(),
        (None, Some(uri)) => match req.query() {
            Some(q) => format!("{uri}?{q}"),
            None => uri.to_string(),
        },
        (None, None) => req.path.to_string(),
    };
    format!("{scheme}://{host}{path}")
}

fn replace_prefix(path: &str, matched_len: usize, with: &str) -> String {
    let cut = matched_len.min(path.len());
    let cut = if path.is_char_boundary(cut) { cut } else { 0 };
    format!("{with}{}", &path[cut..])
}

/// The path sent upstream after `rewrite` (query string kept): `uriRegexRewrite` replaces
/// every match in the path (`\1` refers to a group), `uri` replaces the matched part (the
/// prefix of a prefix match, else the whole path). `None` when the path is not rewritten.
pub fn rewritten_path(rw: &HttpRewrite, req: &RouteRequest<'_>, matched_len: usize) -> Option<String> {
    if let Some(rr) = &rw.uri_regex_rewrite {
        let pattern = rr.match_regex.as_deref()?;
        let re = mesh_model::re2::regex(pattern).ok()?;
        let sub = re2_substitution(rr.rewrite.as_deref().unwrap_or(""));
        let path = req.path_only();
        let rest = &req.path[path.len()..];
        return Some(format!("{}{rest}", re.replace_all(path, sub.as_str())));
    }
    let uri = rw.uri.as_deref().filter(|u| !u.is_empty())?;
    Some(replace_prefix(req.path, matched_len, uri))
}

/// Turns an RE2 substitution (`\1`) into the `regex` crate's form (`${1}`), escaping `$`.
fn re2_substitution(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(d) if d.is_ascii_digit() => {
                    out.push_str("${");
                    out.push(*d);
                    out.push('}');
                    chars.next();
                }
                Some('\\') => {
                    out.push('\\');
                    chars.next();
                }
                _ => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

/// The authority set by `:authority`/`host` in header operations (`set` beats `add`).
fn header_authority(h: Option<&Headers>) -> Option<&str> {
    let req = h?.request.as_ref()?;
    find_authority(&req.set).or_else(|| find_authority(&req.add))
}

fn find_authority(m: &std::collections::BTreeMap<String, String>) -> Option<&str> {
    m.iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(":authority") || k.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.as_str())
        .next_back()
}

/// The authority sent upstream: `rewrite.authority`, else an `:authority`/`host` header
/// operation of the route, else of the picked destination.
pub fn rewritten_authority<'a>(
    route: &'a HttpRoute,
    dest: Option<&'a HttpRouteDestination>,
) -> Option<&'a str> {
    route
        .rewrite
        .as_ref()
        .and_then(|r| r.authority.as_deref())
        .filter(|a| !a.is_empty())
        .or_else(|| header_authority(route.headers.as_ref()))
        .or_else(|| dest.and_then(|d| header_authority(d.headers.as_ref())))
}

/// The header operations that apply: the route's, then the picked destination's (a
/// destination's `set` and `add` override the route's for the same header; removals add up).
pub fn effective_headers(route: Option<&Headers>, dest: Option<&Headers>) -> Option<Headers> {
    let merge = |a: Option<&HeaderOperations>, b: Option<&HeaderOperations>| -> Option<HeaderOperations> {
        match (a, b) {
            (None, None) => None,
            (Some(x), None) | (None, Some(x)) => Some(x.clone()),
            (Some(x), Some(y)) => {
                let mut out = x.clone();
                out.set.extend(y.set.clone());
                out.add.extend(y.add.clone());
                out.remove.extend(y.remove.iter().cloned());
                Some(out)
            }
        }
    };
    if route.is_none() && dest.is_none() {
        return None;
    }
    Some(Headers {
        request: merge(route.and_then(|h| h.request.as_ref()), dest.and_then(|h| h.request.as_ref())),
        response: merge(route.and_then(|h| h.response.as_ref()), dest.and_then(|h| h.response.as_ref())),
    })
}

/// The body of a direct response as text (bytes decoded as UTF-8, lossily).
pub fn direct_response_body(d: &HttpDirectResponse) -> Option<String> {
    match d.body.as_ref()?.specifier.as_ref()? {
        BodySpecifier::String(s) => Some(s.clone()),
        BodySpecifier::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
    }
}

/// Whether a CORS origin is allowed by a policy's `allowOrigins` (or deprecated exact
/// `allowOrigin`).
pub fn cors_origin_allowed(policy: &mesh_model::networking::CorsPolicy, origin: &str) -> bool {
    if !policy.allow_origins.is_empty() {
        let mut errors = Vec::new();
        return policy.allow_origins.iter().any(|m| StrMatch::new(m, &mut errors).matches(origin));
    }
    policy.allow_origin.iter().any(|o| o == "*" || o == origin)
}
