//! [`RouteTable`]: the HTTP routes of one virtual host, compiled so that the first matching
//! route is found without trying the routes one by one.
//!
//! Envoy tries a virtual host's routes in order and takes the first that matches. The table
//! keeps that answer exactly while looking candidates up: exact and prefix paths in radix
//! trees (one case-sensitive, one for `ignoreUriCase`), regex paths through `RegexSet`s (in
//! chunks, in route order), and routes without a path condition in a list. Each source yields
//! its candidates in ascending route order, so a candidate is only checked fully while it
//! could still beat the best match found so far.

use mesh_model::networking::HttpRoute;
use regex::RegexSet;

use crate::matcher::{Conditions, MatchError, PathMatch, Scope};
use crate::request::RouteRequest;
use crate::trie::PathTrie;

/// Regexes per `RegexSet`: a chunk's match flags fit on the stack.
const REGEX_CHUNK: usize = 128;

/// One route × match pair, in the order Envoy tries them.
#[derive(Debug, Clone)]
pub struct Entry {
    route: u32,
    match_index: Option<u32>,
    owner: u32,
    path: PathMatch,
    cond: Conditions,
}

impl Entry {
    /// An entry for `match_index` of route `route` of the VirtualService numbered `owner`.
    pub(crate) fn new(
        route: u32,
        match_index: Option<u32>,
        owner: u32,
        path: PathMatch,
        cond: Conditions,
    ) -> Self {
        Self { route, match_index, owner, path, cond }
    }

    /// The route's position in its VirtualService's `http` list.
    pub fn route_index(&self) -> usize {
        self.route as usize
    }

    /// The position of the match in the route's `match` list; `None` for a route without matches.
    pub fn match_index(&self) -> Option<usize> {
        self.match_index.map(|m| m as usize)
    }

    /// The VirtualService (by the router's numbering) the route comes from.
    pub fn owner(&self) -> usize {
        self.owner as usize
    }

    /// The path condition.
    pub fn path(&self) -> &PathMatch {
        &self.path
    }

    /// The other conditions.
    pub fn conditions(&self) -> &Conditions {
        &self.cond
    }

    /// Whether Istio treats the route as a catch-all (`IsCatchAllRoute`).
    pub fn is_catch_all(&self) -> bool {
        self.path.is_catch_all() && self.cond.is_request_independent()
    }

    /// Whether the request matches every condition, in `scope`.
    pub fn matches(&self, req: &RouteRequest<'_>, path: &str, scope: &Scope<'_>) -> bool {
        self.path.matches(path) && self.cond.source.applies(scope) && self.cond.matches_request(req)
    }
}

/// A chunk of regex routes and the entries its patterns stand for.
#[derive(Debug, Clone)]
struct RegexChunk {
    set: RegexSet,
    entries: Box<[u32]>,
}

/// The compiled HTTP routes of one virtual host (see the module docs).
///
/// ```
/// use mesh_model::networking::{HttpMatchRequest, HttpRoute, StringMatch};
/// use mesh_routing::{RouteRequest, RouteTable};
/// use mesh_routing::matcher::Scope;
/// let route = |m: StringMatch| HttpRoute {
///     matches: vec![HttpMatchRequest { uri: Some(m), ..Default::default() }],
///     ..Default::default()
/// };
/// let routes = [route(StringMatch::Prefix("/api".into())), route(StringMatch::Exact("/api/v1".into()))];
/// let (table, errors) = RouteTable::from_routes(&routes, "default");
/// assert!(errors.is_empty());
/// let scope = Scope { gateway: "mesh", port: 80, namespace: "default", labels: None };
/// let req = RouteRequest::http("x", 80, "GET", "/api/v1");
/// // First match wins: the prefix route comes first.
/// assert_eq!(table.find(&req, &scope).map(|e| e.route_index()), Some(0));
/// ```
#[derive(Debug, Clone)]
pub struct RouteTable {
    entries: Vec<Entry>,
    any_path: Vec<u32>,
    exact_prefix: PathTrie,
    folded: PathTrie,
    regexes: Vec<RegexChunk>,
    /// Whether some entry applies to every proxy and port (no source condition).
    unconditional: bool,
}

impl RouteTable {
    /// Compiles the `http` routes of a VirtualService in `namespace` (every route and match,
    /// in order; delegation must already be resolved).
    pub fn from_routes(routes: &[HttpRoute], namespace: &str) -> (Self, Vec<MatchError>) {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        push_entries(&mut entries, routes, namespace, 0, &mut errors);
        (Self::from_entries(entries), errors)
    }

    /// Indexes entries, kept in the given order.
    pub(crate) fn from_entries(entries: Vec<Entry>) -> Self {
        let mut any_path = Vec::new();
        let mut exact_prefix = PathTrie::new(false);
        let mut folded = PathTrie::new(true);
        let mut regex_patterns: Vec<(u32, String)> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let id = i as u32;
            match &e.path {
                PathMatch::Any => any_path.push(id),
                PathMatch::Exact { path, ignore_case: false } => exact_prefix.insert(path, id, false),
                PathMatch::Exact { path, ignore_case: true } => folded.insert(path, id, false),
                PathMatch::Prefix { prefix, ignore_case: false } => exact_prefix.insert(prefix, id, true),
                PathMatch::Prefix { prefix, ignore_case: true } => folded.insert(prefix, id, true),
                PathMatch::Regex { source, regex: Some(_) } => match literal_prefix(source) {
                    // Only paths starting with the literal can match: look the route up by it.
                    Some(lit) => exact_prefix.insert(lit, id, true),
                    None => {
                        regex_patterns.push((id, format!("^(?:{})$", mesh_model::re2::translate(source))))
                    }
                },
                PathMatch::Regex { regex: None, .. } => {}
            }
        }
        let mut regexes = Vec::new();
        for chunk in regex_patterns.chunks(REGEX_CHUNK) {
            match RegexSet::new(chunk.iter().map(|(_, p)| p.as_str())) {
                Ok(set) => {
                    regexes.push(RegexChunk { set, entries: chunk.iter().map(|(id, _)| *id).collect() })
                }
                Err(_) => {
                    // Too large together: one set per regex keeps the answer exact.
                    for (id, p) in chunk {
                        if let Ok(set) = RegexSet::new([p.as_str()]) {
                            regexes.push(RegexChunk { set, entries: Box::new([*id]) });
                        }
                    }
                }
            }
        }
        let unconditional = entries.iter().any(|e| e.cond.source.is_empty());
        Self { entries, any_path, exact_prefix, folded, regexes, unconditional }
    }

    /// Every entry, in the order Envoy tries them.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Whether the table has no entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first entry the request matches in `scope`, found through the indexes.
    pub fn find(&self, req: &RouteRequest<'_>, scope: &Scope<'_>) -> Option<&Entry> {
        let path = req.path_only();
        let mut best = u32::MAX;
        let mut check = |list: &[u32]| {
            for &id in list {
                if id >= best {
                    break;
                }
                if self.entries[id as usize].matches(req, path, scope) {
                    best = id;
                    break;
                }
            }
        };
        check(&self.any_path);
        if !self.exact_prefix.is_empty() {
            self.exact_prefix.walk(path, &mut |l| {
                check(l);
                true
            });
        }
        if !self.folded.is_empty() {
            self.folded.walk(path, &mut |l| {
                check(l);
                true
            });
        }
        for chunk in &self.regexes {
            if chunk.entries[0] >= best {
                break;
            }
            let mut flags = [false; REGEX_CHUNK];
            let flags = &mut flags[..chunk.entries.len()];
            if !chunk.set.matches_read_at(flags, path, 0) {
                continue;
            }
            for (k, hit) in flags.iter().enumerate() {
                let id = chunk.entries[k];
                if id >= best {
                    break;
                }
                if *hit && self.entries[id as usize].matches(req, path, scope) {
                    best = id;
                    break;
                }
            }
        }
        self.entries.get(best as usize)
    }

    /// The first entry the request matches, by trying every entry in order: what Envoy does,
    /// kept as the baseline the indexed [`RouteTable::find`] is measured and checked against.
    pub fn find_linear(&self, req: &RouteRequest<'_>, scope: &Scope<'_>) -> Option<&Entry> {
        let path = req.path_only();
        self.entries.iter().find(|e| e.matches(req, path, scope))
    }

    /// Whether any entry is part of the routes built for `scope` (its port, source and
    /// gateway conditions hold). Istio leaves out a VirtualService that has no route for a
    /// proxy, so the host falls back to its default route.
    pub fn has_routes_for(&self, scope: &Scope<'_>) -> bool {
        self.unconditional || self.entries.iter().any(|e| e.cond.source.applies(scope))
    }

    /// Approximate heap bytes of the indexes and entries (for memory-per-route reports).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.any_path.capacity() * 4
            + self.exact_prefix.heap_bytes()
            + self.folded.heap_bytes()
            + self.regexes.len() * 4096
    }
}

/// The literal text every match of the whole-path regex `re` starts with, when there is one:
/// the leading run of plain characters (the last one dropped when a `*`, `?` or `{`
/// quantifier follows it); `None` for a top-level alternation or a regex starting with a
/// metacharacter.
///
/// ```
/// # use mesh_routing::table::literal_prefix;
/// assert_eq!(literal_prefix("/api/v[0-9]+"), Some("/api/v"));
/// assert_eq!(literal_prefix("/ab*"), Some("/a"));
/// assert_eq!(literal_prefix("/a|/b"), None);
/// assert_eq!(literal_prefix(".*"), None);
/// ```
pub fn literal_prefix(re: &str) -> Option<&str> {
    let (mut depth, mut in_class, mut escaped) = (0i32, false, false);
    for c in re.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => depth -= 1,
            '|' if !in_class && depth == 0 => return None,
            _ => {}
        }
    }
    let end = re.find(|c: char| "\\.+*?()|[]{}^$".contains(c)).unwrap_or(re.len());
    let mut lit = &re[..end];
    if matches!(re[end..].chars().next(), Some('*' | '?' | '{')) {
        lit = lit.char_indices().last().map_or("", |(i, _)| &lit[..i]);
    }
    (!lit.is_empty()).then_some(lit)
}

/// Flattens routes into entries owned by VirtualService `owner`.
pub(crate) fn push_entries(
    entries: &mut Vec<Entry>,
    routes: &[HttpRoute],
    namespace: &str,
    owner: u32,
    errors: &mut Vec<MatchError>,
) {
    for (i, r) in routes.iter().enumerate() {
        if r.matches.is_empty() {
            entries.push(Entry::new(i as u32, None, owner, PathMatch::Any, Conditions::default()));
        }
        for (j, m) in r.matches.iter().enumerate() {
            let path = PathMatch::new(m.uri.as_ref(), m.ignore_uri_case.unwrap_or(false), errors);
            let cond = Conditions::compile(m, namespace, errors);
            entries.push(Entry::new(i as u32, Some(j as u32), owner, path, cond));
        }
    }
}
