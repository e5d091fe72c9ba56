//! Route tables the route benchmarks share (included by `route.rs` and `route_peers.rs`).
#![allow(dead_code)]

use mesh_model::networking::{HttpMatchRequest, HttpRoute, StringMatch};

/// `n` routes on one host: prefix, exact, regex and header routes in turn (`mixed`), or only
/// prefix (`prefix`), or only regex (`regex`) routes. Route `i` matches path `path(kind, i)`.
pub(crate) fn table(kind: &str, n: usize) -> Vec<HttpRoute> {
    (0..n).map(|i| route(kind, i)).collect()
}

fn route(kind: &str, i: usize) -> HttpRoute {
    let k = if kind == "mixed" { ["prefix", "exact", "regex", "header"][i % 4] } else { kind };
    let m = match k {
        "prefix" => {
            HttpMatchRequest { uri: Some(StringMatch::Prefix(format!("/svc{i}/api"))), ..Default::default() }
        }
        "exact" => {
            HttpMatchRequest { uri: Some(StringMatch::Exact(format!("/svc{i}/exact"))), ..Default::default() }
        }
        "regex" => HttpMatchRequest {
            uri: Some(StringMatch::Regex(format!("/svc{i}/r/[0-9]+"))),
            ..Default::default()
        },
        _ => HttpMatchRequest {
            uri: Some(StringMatch::Prefix(format!("/svc{i}/h"))),
            headers: [("x-user".to_string(), StringMatch::Exact(format!("u{i}")))].into(),
            ..Default::default()
        },
    };
    HttpRoute { matches: vec![m], ..Default::default() }
}

/// A path that route `i` of a `kind` table matches.
pub(crate) fn path(kind: &str, i: usize) -> String {
    let k = if kind == "mixed" { ["prefix", "exact", "regex", "header"][i % 4] } else { kind };
    match k {
        "prefix" => format!("/svc{i}/api/items"),
        "exact" => format!("/svc{i}/exact"),
        "regex" => format!("/svc{i}/r/42"),
        _ => format!("/svc{i}/h/x"),
    }
}

/// The header a `header` route needs.
pub(crate) fn header(i: usize) -> (String, String) {
    ("x-user".to_string(), format!("u{i}"))
}
