//! Delegate VirtualServices: a root route with `delegate` is replaced by the delegate's
//! routes, each merged with the root route (`MergeHTTPRoutes` in istio
//! `pilot/pkg/model/virtualservice.go`).
//!
//! - Each delegate match must be covered by some root match (a delegate `prefix: /a/b` under
//!   root `prefix: /a`); a delegate route whose matches conflict with every root match is
//!   dropped. Merged matches take the delegate's conditions, filling gaps from the root.
//! - The delegate route inherits the root's `rewrite`, `timeout`, `retries`, `fault`, mirrors,
//!   `corsPolicy` and `headers` when it sets none; names join as `root-delegate`.
//! - A missing delegate, or one not exported to the root's namespace, drops the root route.

use std::collections::BTreeMap;

use mesh_model::networking::{HttpMatchRequest, HttpRoute, StringMatch};

/// Where a merged route came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The route's position in the root VirtualService's `http` list.
    pub root_index: usize,
    /// For a delegated route: the delegate `namespace/name` and the route's position in it.
    pub delegate: Option<(String, usize)>,
}

/// Merges root route `root` with the delegate's routes.
pub fn merge_http_routes(root: &HttpRoute, delegate: &[HttpRoute]) -> Vec<(usize, HttpRoute)> {
    let mut out = Vec::new();
    for (i, d) in delegate.iter().enumerate() {
        if let Some(m) = merge_route(root, d) {
            out.push((i, m));
        }
    }
    out
}

fn merge_route(root: &HttpRoute, delegate: &HttpRoute) -> Option<HttpRoute> {
    let matches = merge_matches(&root.matches, &delegate.matches)?;
    let mut d = delegate.clone();
    d.matches = matches;
    d.name = match (&root.name, &delegate.name) {
        (r, None) => r.clone(),
        (Some(r), Some(n)) => Some(format!("{r}-{n}")),
        (None, n) => n.clone(),
    };
    macro_rules! inherit {
        ($($f:ident),+) => { $( if d.$f.is_none() { d.$f = root.$f.clone(); } )+ };
    }
    inherit!(
        rewrite,
        direct_response,
        timeout,
        retries,
        fault,
        mirror,
        mirror_percent,
        mirror_percent_proto_name,
        mirror_percentage,
        cors_policy,
        headers
    );
    if d.mirrors.is_empty() {
        d.mirrors = root.mirrors.clone();
    }
    d.delegate = None;
    Some(d)
}

/// `mergeHTTPMatchRequests`: `None` on conflict.
fn merge_matches(root: &[HttpMatchRequest], delegate: &[HttpMatchRequest]) -> Option<Vec<HttpMatchRequest>> {
    if root.is_empty() {
        return Some(delegate.to_vec());
    }
    if delegate.is_empty() {
        return Some(root.to_vec());
    }
    let mut out = Vec::new();
    for sub in delegate {
        let mut found = false;
        for r in root {
            if has_conflict(r, sub) {
                continue;
            }
            out.push(merge_match(r, sub));
            found = true;
        }
        if !found {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn merge_map<V: Clone>(root: &BTreeMap<String, V>, leaf: &BTreeMap<String, V>) -> BTreeMap<String, V> {
    let mut m = root.clone();
    m.extend(leaf.iter().map(|(k, v)| (k.clone(), v.clone())));
    m
}

fn merge_match(root: &HttpMatchRequest, leaf: &HttpMatchRequest) -> HttpMatchRequest {
    let mut out = leaf.clone();
    out.name = match (&root.name, &leaf.name) {
        (r, None) => r.clone(),
        (Some(r), Some(n)) => Some(format!("{r}-{n}")),
        (None, n) => n.clone(),
    };
    for (o, r) in [
        (&mut out.uri, &root.uri),
        (&mut out.scheme, &root.scheme),
        (&mut out.method, &root.method),
        (&mut out.authority, &root.authority),
    ] {
        if o.is_none() {
            o.clone_from(r);
        }
    }
    out.headers = merge_map(&root.headers, &leaf.headers);
    out.without_headers = merge_map(&root.without_headers, &leaf.without_headers);
    out.query_params = merge_map(&root.query_params, &leaf.query_params);
    out.source_labels = merge_map(&root.source_labels, &leaf.source_labels);
    if out.port.unwrap_or(0) == 0 {
        out.port = root.port;
    }
    if out.source_namespace.as_deref().unwrap_or("").is_empty() {
        out.source_namespace.clone_from(&root.source_namespace);
    }
    if out.gateways.is_empty() {
        out.gateways.clone_from(&root.gateways);
    }
    if out.stat_prefix.as_deref().unwrap_or("").is_empty() {
        out.stat_prefix.clone_from(&root.stat_prefix);
    }
    out
}

/// `hasConflict`: whether a delegate match cannot be a subset of a root match.
pub fn has_conflict(root: &HttpMatchRequest, leaf: &HttpMatchRequest) -> bool {
    let pairs = [
        (&root.uri, &leaf.uri),
        (&root.scheme, &leaf.scheme),
        (&root.method, &leaf.method),
        (&root.authority, &leaf.authority),
    ];
    if pairs.iter().any(|(r, l)| string_match_conflict(r.as_ref(), l.as_ref())) {
        return true;
    }
    let map_conflict = |r: &BTreeMap<String, StringMatch>, l: &BTreeMap<String, StringMatch>| {
        l.iter().any(|(k, lv)| string_match_conflict(r.get(k), Some(lv)))
    };
    if map_conflict(&root.headers, &leaf.headers)
        || map_conflict(&root.without_headers, &leaf.without_headers)
        || map_conflict(&root.query_params, &leaf.query_params)
    {
        return true;
    }
    if root.ignore_uri_case.unwrap_or(false) != leaf.ignore_uri_case.unwrap_or(false) {
        return true;
    }
    let (rp, lp) = (root.port.unwrap_or(0), leaf.port.unwrap_or(0));
    if rp > 0 && lp > 0 && rp != lp {
        return true;
    }
    let rns = root.source_namespace.as_deref().unwrap_or("");
    if !rns.is_empty() && leaf.source_namespace.as_deref().unwrap_or("") != rns {
        return true;
    }
    if leaf.source_labels.iter().any(|(k, v)| root.source_labels.get(k).is_some_and(|rv| rv != v)) {
        return true;
    }
    if !root.gateways.is_empty() && !leaf.gateways.is_empty() {
        if root.gateways.len() < leaf.gateways.len() {
            return true;
        }
        if leaf.gateways.iter().any(|g| !root.gateways.contains(g)) {
            return true;
        }
    }
    false
}

/// `stringMatchConflict`: whether `leaf` cannot narrow `root`.
fn string_match_conflict(root: Option<&StringMatch>, leaf: Option<&StringMatch>) -> bool {
    let (Some(root), Some(leaf)) = (root, leaf) else { return false };
    let regex = |m: &StringMatch| matches!(m, StringMatch::Regex(r) if !r.is_empty());
    let nonempty = |m: &StringMatch| m.value().is_some_and(|v| !v.is_empty());
    if regex(root) && nonempty(leaf) {
        return true;
    }
    if regex(leaf) && nonempty(root) {
        return true;
    }
    match root {
        StringMatch::Exact(e) if !e.is_empty() => {
            if matches!(leaf, StringMatch::Prefix(p) if !p.is_empty()) {
                return true;
            }
            !matches!(leaf, StringMatch::Exact(l) if l == e)
        }
        StringMatch::Prefix(p) if !p.is_empty() => match leaf {
            StringMatch::Prefix(l) if !l.is_empty() => !l.starts_with(p.as_str()),
            StringMatch::Exact(l) if !l.is_empty() => !l.starts_with(p.as_str()),
            _ => true,
        },
        _ => true,
    }
}
