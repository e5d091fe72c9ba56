//! hyper's header map seen as the routing and policy crates read headers, and the
//! hop-by-hop headers a proxy never forwards.

use std::borrow::Cow;

use hyper::HeaderMap;

/// A request's headers, read by `mesh_routing` (each value) and `mesh_policy` (values joined
/// with `,`, as Envoy's header matchers see repeated headers).
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a>(pub &'a HeaderMap);

impl mesh_routing::request::Headers for Headers<'_> {
    fn value(&self, name: &str, index: usize) -> Option<&str> {
        self.0.get_all(name).iter().nth(index).and_then(|v| v.to_str().ok())
    }
}

impl mesh_policy::authz::HeaderMap for Headers<'_> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        let mut values = self.0.get_all(name).iter().filter_map(|v| v.to_str().ok());
        let first = values.next()?;
        match values.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut joined = format!("{first},{second}");
                for v in values {
                    joined.push(',');
                    joined.push_str(v);
                }
                Some(Cow::Owned(joined))
            }
        }
    }
}

/// Connection-specific headers (RFC 9110 section 7.6.1), dropped in both directions.
const HOP_BY_HOP: [&str; 8] =
    ["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"];

/// Removes the hop-by-hop headers and `host` (the authority travels in the URI).
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}
