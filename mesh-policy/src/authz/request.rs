//! The caller's view of one request or connection: borrowed fields, read directly by the
//! check (no conversion step, no copy).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Whether the proxy sees HTTP (and so methods, paths, headers, JWTs) or only a connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Layer {
    /// HTTP/1.1, HTTP/2 or gRPC: every field is visible.
    #[default]
    Http,
    /// A TCP (or TLS-passthrough) connection: only L3/L4 fields and the peer identity.
    Tcp,
}

/// What a CUSTOM policy's external authorizer answers for this request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The provider allows: evaluation goes on to DENY and ALLOW policies.
    #[default]
    Allow,
    /// The provider denies: the request is denied.
    Deny,
}

/// Request headers, looked up by lower-case name.
///
/// Several values of one header are seen joined with `,`, as Envoy's header matchers see them.
pub trait HeaderMap {
    /// The value of header `name` (lower case), or `None` when absent.
    fn header(&self, name: &str) -> Option<Cow<'_, str>>;
}

/// A request without headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHeaders;

impl HeaderMap for NoHeaders {
    fn header(&self, _: &str) -> Option<Cow<'_, str>> {
        None
    }
}

impl HeaderMap for BTreeMap<String, Vec<String>> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        match self.get(name)?.as_slice() {
            [] => None,
            [one] => Some(Cow::Borrowed(one)),
            many => Some(Cow::Owned(many.join(","))),
        }
    }
}

impl HeaderMap for BTreeMap<String, String> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl HeaderMap for HashMap<String, String> {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        self.get(name).map(|v| Cow::Borrowed(v.as_str()))
    }
}

impl HeaderMap for [(&str, &str)] {
    fn header(&self, name: &str) -> Option<Cow<'_, str>> {
        let mut it = self.iter().filter(|(k, _)| *k == name).map(|(_, v)| *v);
        let first = it.next()?;
        match it.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                let mut s = format!("{first},{second}");
                for v in it {
                    s.push(',');
                    s.push_str(v);
                }
                Some(Cow::Owned(s))
            }
        }
    }
}

/// The result of request authentication (a verified JWT), as authorization reads it.
#[derive(Debug, Clone, Copy)]
pub struct RequestAuth<'a> {
    /// The `iss` claim.
    pub issuer: &'a str,
    /// The `sub` claim.
    pub subject: &'a str,
    /// The `aud` claim's values.
    pub audiences: &'a [String],
    /// The `azp` claim.
    pub presenter: Option<&'a str>,
    /// Every claim of the payload (space-delimited claims already split into lists).
    pub claims: &'a serde_json::Map<String, serde_json::Value>,
}

/// One request or connection, as the server-side proxy sees it.
///
/// ```
/// use mesh_policy::authz::{Request, Layer, NoHeaders};
/// let req = Request {
///     source_principal: Some("cluster.local/ns/default/sa/productpage"),
///     path: "/reviews/0",
///     ..Request::new(&NoHeaders)
/// };
/// assert_eq!(req.layer, Layer::Http);
/// ```
#[derive(Clone, Copy)]
pub struct Request<'a> {
    /// HTTP or TCP.
    pub layer: Layer,
    /// The peer's mTLS identity without `spiffe://` (`td/ns/N/sa/S`); `None` in plaintext.
    pub source_principal: Option<&'a str>,
    /// The connection's peer address (`source.ip`, `ipBlocks`).
    pub source_ip: Option<IpAddr>,
    /// The original client address (`remote.ip`, `remoteIpBlocks`); `None` means `source_ip`.
    pub remote_ip: Option<IpAddr>,
    /// The address the connection was made to (`destination.ip`).
    pub destination_ip: Option<IpAddr>,
    /// The workload port the connection reached (`ports`, `destination.port`).
    pub destination_port: u16,
    /// The TLS server name (`connection.sni`).
    pub sni: Option<&'a str>,
    /// The HTTP method (`POST` for gRPC).
    pub method: &'a str,
    /// The `:authority` / `Host` value, port included when the client sent one.
    pub authority: &'a str,
    /// The path as the client sent it, query string included; normalised by the check.
    pub path: &'a str,
    /// The request headers.
    pub headers: &'a dyn HeaderMap,
    /// The verified JWT, or `None` when the request carries none.
    pub auth: Option<RequestAuth<'a>>,
    /// Envoy dynamic metadata, `{filter: {key: value}}`, for `experimental.envoy.filters.*`.
    pub metadata: Option<&'a serde_json::Value>,
    /// What the external authorizer of a CUSTOM policy answers.
    pub custom_verdict: Verdict,
}

impl<'a> Request<'a> {
    /// An HTTP `GET /` without identity, addresses or JWT, reading `headers`.
    pub fn new(headers: &'a dyn HeaderMap) -> Self {
        Request {
            layer: Layer::Http,
            source_principal: None,
            source_ip: None,
            remote_ip: None,
            destination_ip: None,
            destination_port: 0,
            sni: None,
            method: "GET",
            authority: "",
            path: "/",
            headers,
            auth: None,
            metadata: None,
            custom_verdict: Verdict::Allow,
        }
    }

    /// `remote_ip`, else `source_ip`.
    pub fn effective_remote_ip(&self) -> Option<IpAddr> {
        self.remote_ip.or(self.source_ip)
    }
}

impl std::fmt::Debug for Request<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("layer", &self.layer)
            .field("source_principal", &self.source_principal)
            .field("source_ip", &self.source_ip)
            .field("destination_port", &self.destination_port)
            .field("method", &self.method)
            .field("authority", &self.authority)
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}
