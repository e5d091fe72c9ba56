//! The request (or connection) a route decision is made for, borrowed from the caller.

use std::collections::BTreeMap;

/// The protocol of a request or connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protocol {
    /// HTTP/1.1 or HTTP/2: routed by the VirtualService's `http` routes.
    #[default]
    Http,
    /// gRPC (HTTP/2): routed as HTTP.
    Grpc,
    /// Opaque TCP: routed by `tcp` routes.
    Tcp,
    /// TLS with SNI, not terminated: routed by `tls` routes.
    Tls,
}

impl Protocol {
    /// Whether HTTP routes apply.
    pub fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Grpc)
    }
}

impl std::str::FromStr for Protocol {
    type Err = String;

    /// `http`, `grpc`, `tcp` or `tls`, as the contract's request names them.
    ///
    /// ```
    /// use mesh_routing::request::Protocol;
    /// assert_eq!("tcp".parse::<Protocol>(), Ok(Protocol::Tcp));
    /// assert!("udp".parse::<Protocol>().is_err());
    /// ```
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "http" => Ok(Self::Http),
            "grpc" => Ok(Self::Grpc),
            "tcp" => Ok(Self::Tcp),
            "tls" => Ok(Self::Tls),
            other => Err(format!("unknown protocol {other:?}: expected http, grpc, tcp or tls")),
        }
    }
}

/// Request headers: lower-case names, each with its values in order.
///
/// Envoy matches a header that occurs several times against its values joined with `,`.
pub trait Headers {
    /// The `index`-th value (from 0) of header `name` (lower case).
    fn value(&self, name: &str, index: usize) -> Option<&str>;
}

impl Headers for Vec<(&str, &str)> {
    fn value(&self, name: &str, index: usize) -> Option<&str> {
        self.iter().filter(|(k, _)| *k == name).nth(index).map(|(_, v)| *v)
    }
}

impl Headers for Vec<(String, String)> {
    fn value(&self, name: &str, index: usize) -> Option<&str> {
        self.iter().filter(|(k, _)| k == name).nth(index).map(|(_, v)| v.as_str())
    }
}

/// No headers at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHeaders;

impl Headers for NoHeaders {
    fn value(&self, _: &str, _: usize) -> Option<&str> {
        None
    }
}

impl Headers for BTreeMap<String, Vec<String>> {
    fn value(&self, name: &str, index: usize) -> Option<&str> {
        self.get(name).and_then(|vs| vs.get(index)).map(String::as_str)
    }
}

impl Headers for BTreeMap<String, String> {
    fn value(&self, name: &str, index: usize) -> Option<&str> {
        if index == 0 { self.get(name).map(String::as_str) } else { None }
    }
}

/// JWT claims of a request authenticated by a RequestAuthentication, for the
/// `@request.auth.claims.*` header matches that Istio turns into metadata matches.
pub trait Claims {
    /// Calls `f` with the string value of the claim at `path` (nested names), or with each
    /// string of a list claim; returns `false` when the claim is absent.
    fn for_each_string(&self, path: &[&str], f: &mut dyn FnMut(&str)) -> bool;
}

/// The client workload.
#[derive(Debug, Clone, Copy, Default)]
pub struct Source<'a> {
    /// The client's namespace; the router's default namespace when `None`.
    pub namespace: Option<&'a str>,
    /// The client workload's labels (for `sourceLabels`, Sidecar and DestinationRule selection).
    pub labels: Option<&'a BTreeMap<String, String>>,
    /// The client's IP address (for TCP `sourceSubnet`).
    pub ip: Option<&'a str>,
}

/// One request or connection to route.
///
/// ```
/// use mesh_routing::RouteRequest;
/// let req = RouteRequest::http("reviews", 9080, "GET", "/reviews/0");
/// assert_eq!(req.authority(), "reviews");
/// ```
#[derive(Clone, Copy)]
pub struct RouteRequest<'a> {
    /// The protocol.
    pub protocol: Protocol,
    /// `namespace/name` of the Istio Gateway that routes the request; `None` for a sidecar
    /// (the gateway `mesh`).
    pub gateway: Option<&'a str>,
    /// The client.
    pub source: Source<'a>,
    /// The destination host as the client named it: a short name, an FQDN or an IP.
    pub host: &'a str,
    /// The port the client addresses; the service's only port (or 80) when `None`.
    pub port: Option<u16>,
    /// The destination IP (for TCP `destinationSubnets`).
    pub destination_ip: Option<&'a str>,
    /// The HTTP method.
    pub method: &'a str,
    /// The URI scheme (`http` or `https`).
    pub scheme: &'a str,
    /// The `Host` header (may carry a port); `host` when `None`.
    pub authority: Option<&'a str>,
    /// The path with its query string.
    pub path: &'a str,
    /// Request headers (lower-case names).
    pub headers: &'a dyn Headers,
    /// The TLS SNI; the destination host when `None`.
    pub sni: Option<&'a str>,
    /// JWT claims of an authenticated request.
    pub claims: Option<&'a dyn Claims>,
    /// The draw in `[0, 1)` standing for every random choice: weighted destinations, fault
    /// and mirror percentages.
    pub random: f64,
}

impl<'a> RouteRequest<'a> {
    /// A plain HTTP request from the default namespace, without headers.
    pub fn http(host: &'a str, port: u16, method: &'a str, path: &'a str) -> Self {
        Self {
            protocol: Protocol::Http,
            gateway: None,
            source: Source::default(),
            host,
            port: Some(port),
            destination_ip: None,
            method,
            scheme: "http",
            authority: None,
            path,
            headers: &NoHeaders,
            sni: None,
            claims: None,
            random: 0.0,
        }
    }

    /// The authority the virtual host is chosen by: `authority`, else `host`.
    pub fn authority(&self) -> &'a str {
        self.authority.unwrap_or(self.host)
    }

    /// The path without its query string and fragment.
    pub fn path_only(&self) -> &'a str {
        let end = self.path.find(['?', '#']).unwrap_or(self.path.len());
        &self.path[..end]
    }

    /// The query string (after `?`, before `#`), if any.
    pub fn query(&self) -> Option<&'a str> {
        let start = self.path.find('?')? + 1;
        let rest = &self.path[start..];
        Some(&rest[..rest.find('#').unwrap_or(rest.len())])
    }
}

impl std::fmt::Debug for RouteRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RouteRequest")
            .field("protocol", &self.protocol)
            .field("gateway", &self.gateway)
            .field("source", &self.source)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("method", &self.method)
            .field("authority", &self.authority)
            .field("path", &self.path)
            .field("sni", &self.sni)
            .field("random", &self.random)
            .finish_non_exhaustive()
    }
}
