//! A compiled rule: what one AuthorizationPolicy rule becomes on one layer, in the shape of
//! Envoy's RBAC policy that Istio generates (any principal and any permission must match;
//! each is an AND of fields; a field matches when any value does and no `not` value does).

use regex::Regex;

use super::request::{Request, RequestAuth};
use super::string_match::{Pattern, principal_matches};
use crate::ip::Cidr;

/// One value of one field, compiled.
#[derive(Debug, Clone)]
pub(crate) enum Atom {
    /// `principals`, `source.principal`.
    Principal(Pattern),
    /// `namespaces`, `source.namespace`: `.*/ns/<ns>/.*` on the principal.
    Namespace(NamespaceMatch),
    /// `serviceAccounts`, `source.serviceAccount`.
    ServiceAccount(Regex),
    /// `trustDomains`, `source.trustDomain`.
    TrustDomain(TrustDomainMatch),
    /// `ipBlocks`, `source.ip`: the connection's peer address.
    SourceIp(Cidr),
    /// `remoteIpBlocks`, `remote.ip`: the original client address.
    RemoteIp(Cidr),
    /// `destination.ip`.
    DestinationIp(Cidr),
    /// `ports`, `destination.port`.
    Port(u16),
    /// `requestPrincipals`, `request.auth.principal`: the JWT's `iss` and `sub`.
    RequestPrincipal { iss: Pattern, sub: Pattern },
    /// `request.auth.audiences`.
    Audience(Pattern),
    /// `request.auth.presenter`.
    Presenter(Pattern),
    /// `request.auth.claims[a][b]`.
    Claim { path: Box<[Box<str>]>, pattern: Pattern },
    /// `request.headers[name]`.
    Header { name: Box<str>, pattern: Pattern },
    /// `hosts`: the authority, ignoring ASCII case.
    Host(Pattern),
    /// `methods`.
    Method(Pattern),
    /// `paths`: the normalised path without query.
    Path(PathMatch),
    /// `connection.sni`.
    Sni(Pattern),
    /// `experimental.envoy.filters.<filter>[<key>]`.
    Metadata { filter: Box<str>, key: Box<str>, pattern: Pattern, list: bool },
}

/// `source.namespace` matching, on `spiffe://<principal>`.
#[derive(Debug, Clone)]
pub(crate) enum NamespaceMatch {
    /// An exact namespace: the principal holds `/ns/<ns>/` (or starts with `ns/<ns>/`).
    Exact { needle: Box<str> },
    /// A namespace with `*` (any run of characters): a regex.
    Regex(Regex),
}

/// `source.trustDomain` matching, on `spiffe://<principal>`.
#[derive(Debug, Clone)]
pub(crate) enum TrustDomainMatch {
    /// `*`: any authenticated peer.
    Any,
    /// An exact trust domain: the principal starts with `<td>/`.
    Exact(Box<str>),
    /// `*abc` or `abc*`: `[^/]*` stands for the star.
    Regex(Regex),
}

/// `paths` matching.
#[derive(Debug, Clone)]
pub(crate) enum PathMatch {
    /// An Istio string pattern (`*` is `.+`).
    Str(Pattern),
    /// A `{*}` / `{**}` template (Envoy `uri_template`).
    Template(Box<[Token]>),
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// Literal text (slashes included).
    Lit(Box<str>),
    /// `{*}`: one or more path characters, no `/`.
    Star,
    /// `{**}`: zero or more path characters or `/`.
    DoubleStar,
}

/// One field: any `pos` value must match (when there are some) and no `neg` value may.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) pos: Box<[Atom]>,
    pub(crate) neg: Box<[Atom]>,
}

/// One rule on one layer: any principal entry and any permission entry must match; an entry
/// is an AND of fields (an empty entry matches everything).
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pub(crate) principals: Box<[Box<[Field]>]>,
    pub(crate) permissions: Box<[Box<[Field]>]>,
    /// Whether HTTP-only conditions were dropped to build this (TCP, DENY-like) rule.
    pub(crate) dropped_http: bool,
}

/// The request with its path normalised, as the rule sees it.
pub(crate) struct Ctx<'r> {
    pub(crate) req: &'r Request<'r>,
    /// The normalised path, query included.
    pub(crate) full_path: &'r str,
    /// The normalised path without query or fragment.
    pub(crate) path: &'r str,
}

impl CompiledRule {
    /// Whether the request matches the rule.
    pub(crate) fn matches(&self, ctx: &Ctx<'_>) -> bool {
        self.permissions.iter().any(|e| e.iter().all(|f| f.matches(ctx)))
            && self.principals.iter().any(|e| e.iter().all(|f| f.matches(ctx)))
    }
}

impl Field {
    fn matches(&self, ctx: &Ctx<'_>) -> bool {
        (self.pos.is_empty() || self.pos.iter().any(|a| a.matches(ctx)))
            && !self.neg.iter().any(|a| a.matches(ctx))
    }
}

/// The characters Envoy's `uri_template` admits in a path segment.
fn is_template_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~%!$&'()+,;:@=".contains(&c)
}

/// Matches `s` against template tokens, backtracking over the stars.
pub(crate) fn template_matches(tokens: &[Token], s: &[u8]) -> bool {
    match tokens.split_first() {
        None => s.is_empty(),
        Some((Token::Lit(l), rest)) => s.starts_with(l.as_bytes()) && template_matches(rest, &s[l.len()..]),
        Some((Token::Star, rest)) => {
            let max = s.iter().take_while(|&&c| is_template_char(c)).count();
            (1..=max).rev().any(|n| template_matches(rest, &s[n..]))
        }
        Some((Token::DoubleStar, rest)) => {
            let max = s.iter().take_while(|&&c| c == b'/' || is_template_char(c)).count();
            (0..=max).rev().any(|n| template_matches(rest, &s[n..]))
        }
    }
}

/// Looks a claim up by its nested path.
fn claim<'v>(
    claims: &'v serde_json::Map<String, serde_json::Value>,
    path: &[Box<str>],
) -> Option<&'v serde_json::Value> {
    let (first, rest) = path.split_first()?;
    let mut v = claims.get(&**first)?;
    for k in rest {
        v = v.as_object()?.get(&**k)?;
    }
    Some(v)
}

/// Envoy's JWT claim matcher as Istio builds it: a string claim matching, or a list claim
/// with a string element matching (other JSON types never match).
fn value_matches(v: &serde_json::Value, p: &Pattern) -> bool {
    match v {
        serde_json::Value::String(s) => p.matches(s),
        serde_json::Value::Array(items) => items.iter().any(|i| i.as_str().is_some_and(|s| p.matches(s))),
        _ => false,
    }
}

impl Atom {
    fn matches(&self, ctx: &Ctx<'_>) -> bool {
        let req = ctx.req;
        match self {
            Atom::Principal(p) => req.source_principal.is_some_and(|s| principal_matches(p, s)),
            Atom::Namespace(m) => req.source_principal.is_some_and(|s| m.matches(s)),
            Atom::ServiceAccount(r) => req.source_principal.is_some_and(|s| r.is_match(s)),
            Atom::TrustDomain(m) => req.source_principal.is_some_and(|s| m.matches(s)),
            Atom::SourceIp(c) => req.source_ip.is_some_and(|ip| c.contains(ip)),
            Atom::RemoteIp(c) => req.effective_remote_ip().is_some_and(|ip| c.contains(ip)),
            Atom::DestinationIp(c) => req.destination_ip.is_some_and(|ip| c.contains(ip)),
            Atom::Port(p) => req.destination_port == *p,
            Atom::RequestPrincipal { iss, sub } => req
                .auth
                .as_ref()
                .is_some_and(|a: &RequestAuth<'_>| iss.matches(a.issuer) && sub.matches(a.subject)),
            Atom::Audience(p) => req.auth.as_ref().is_some_and(|a| a.audiences.iter().any(|x| p.matches(x))),
            Atom::Presenter(p) => req.auth.as_ref().and_then(|a| a.presenter).is_some_and(|x| p.matches(x)),
            Atom::Claim { path, pattern } => req
                .auth
                .as_ref()
                .and_then(|a| claim(a.claims, path))
                .is_some_and(|v| value_matches(v, pattern)),
            Atom::Header { name, pattern } => match &**name {
                ":method" => pattern.matches_header(Some(req.method)),
                ":path" => pattern.matches_header(Some(ctx.full_path)),
                ":authority" | "host" => pattern.matches_header(Some(req.authority)),
                _ => pattern.matches_header(req.headers.header(name).as_deref()),
            },
            Atom::Host(p) => p.matches_ignore_case(req.authority),
            Atom::Method(p) => p.matches_header(Some(req.method)),
            Atom::Path(PathMatch::Str(p)) => p.matches(ctx.path),
            Atom::Path(PathMatch::Template(t)) => template_matches(t, ctx.path.as_bytes()),
            Atom::Sni(p) => p.matches(req.sni.unwrap_or("")),
            Atom::Metadata { filter, key, pattern, list } => {
                req.metadata.and_then(|m| m.get(&**filter)).and_then(|f| f.get(&**key)).is_some_and(
                    |v| match (v, list) {
                        (serde_json::Value::Array(items), true) => {
                            items.iter().any(|i| i.as_str().is_some_and(|s| pattern.matches(s)))
                        }
                        (serde_json::Value::String(s), false) => pattern.matches(s),
                        _ => false,
                    },
                )
            }
        }
    }
}

impl NamespaceMatch {
    fn matches(&self, principal: &str) -> bool {
        match self {
            NamespaceMatch::Exact { needle } => {
                // `.*/ns/<ns>/.*` on `spiffe://<principal>`: the `/ns/` may start at the second
                // slash of `spiffe://`.
                principal.contains(&**needle) || principal.starts_with(&needle[1..])
            }
            NamespaceMatch::Regex(r) => r.is_match(principal),
        }
    }
}

impl TrustDomainMatch {
    fn matches(&self, principal: &str) -> bool {
        match self {
            TrustDomainMatch::Any => true,
            TrustDomainMatch::Exact(prefix) => principal.starts_with(&**prefix),
            TrustDomainMatch::Regex(r) => r.is_match(principal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(t: &[Token], s: &str) -> bool {
        template_matches(t, s.as_bytes())
    }

    #[test]
    fn templates_follow_envoy_uri_template() {
        // envoy uri_template_test / istio matcher template_test.go: `*` is one segment, `**` any suffix.
        let lit = |s: &str| Token::Lit(s.into());
        let one = [lit("/foo/"), Token::Star, lit("/bar")];
        assert!(toks(&one, "/foo/x/bar"));
        assert!(!toks(&one, "/foo//bar"));
        assert!(!toks(&one, "/foo/x/y/bar"));
        let any = [lit("/foo/"), Token::DoubleStar];
        assert!(toks(&any, "/foo/"));
        assert!(toks(&any, "/foo/a/b/c"));
        assert!(!toks(&any, "/foo"));
        let mid = [lit("/"), Token::DoubleStar, lit("/z")];
        assert!(toks(&mid, "/a/b/z"));
        assert!(!toks(&mid, "/z"));
        assert!(!toks(&[lit("/"), Token::Star], "/a b"));
    }
}
