//! The protocol Istio assigns to a service port (`pkg/config/protocol`,
//! `pkg/config/kube.ConvertProtocol`).

use std::fmt;

/// A port's application protocol, as Istio names it.
///
/// [`Protocol::Unsupported`] is what Istio calls an unknown protocol: such a port is served
/// with protocol sniffing (HTTP is detected, anything else is TCP).
///
/// ```
/// use mesh_model::registry::Protocol;
/// assert_eq!(Protocol::parse("grpc-web"), Protocol::GrpcWeb);
/// assert_eq!(Protocol::from_kube_port(8080, Some("http2-api"), None, None), Protocol::Http2);
/// assert_eq!(Protocol::from_kube_port(3306, Some("db"), None, None), Protocol::Tcp);
/// assert!(Protocol::Grpc.is_http());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Protocol {
    /// gRPC (HTTP/2).
    Grpc,
    /// gRPC-Web.
    GrpcWeb,
    /// HTTP/1.1.
    Http,
    /// A generic outbound HTTP proxy port (Sidecar egress listeners only).
    HttpProxy,
    /// HTTP/2.
    Http2,
    /// HTTPS: TLS carrying HTTP.
    Https,
    /// Opaque TCP.
    Tcp,
    /// TLS with SNI.
    Tls,
    /// UDP (not proxied).
    Udp,
    /// MongoDB.
    Mongo,
    /// Redis.
    Redis,
    /// MySQL.
    MySql,
    /// No protocol Istio knows: the port is sniffed (`UnsupportedProtocol`).
    Unsupported,
}

/// Ports Istio treats as TCP when no protocol is declared, because sniffing would break the
/// server-first protocols on them: SMTP, DNS, MySQL, MongoDB.
const WELL_KNOWN_TCP_PORTS: [i32; 4] = [25, 53, 3306, 27017];

impl Protocol {
    /// Parses a protocol name case-insensitively, as Istio's `protocol.Parse`; an unknown
    /// name is [`Protocol::Unsupported`].
    pub fn parse(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "tcp" => Self::Tcp,
            "udp" => Self::Udp,
            "grpc" => Self::Grpc,
            "grpc-web" => Self::GrpcWeb,
            "http" => Self::Http,
            "http_proxy" => Self::HttpProxy,
            "http2" => Self::Http2,
            "https" => Self::Https,
            "tls" => Self::Tls,
            "mongo" => Self::Mongo,
            "redis" => Self::Redis,
            "mysql" => Self::MySql,
            _ => Self::Unsupported,
        }
    }

    /// The protocol of a Kubernetes Service port, by Istio's rules: `UDP` ports are UDP; else
    /// `appProtocol` when set (with Kubernetes' `kubernetes.io/h2c`, `kubernetes.io/ws` and
    /// `kubernetes.io/wss`), else the port name; a `grpc-web` prefix, else the part before the
    /// first `-`, names the protocol; an unknown name on a well-known server-first port (25,
    /// 53, 3306, 27017) is TCP.
    pub fn from_kube_port(
        port: i32,
        name: Option<&str>,
        transport: Option<&str>,
        app_protocol: Option<&str>,
    ) -> Self {
        if transport == Some("UDP") {
            return Self::Udp;
        }
        let name = match app_protocol {
            Some("kubernetes.io/h2c") => return Self::Http2,
            Some("kubernetes.io/ws") => return Self::Http,
            Some("kubernetes.io/wss") => return Self::Https,
            Some(app) => app,
            None => name.unwrap_or(""),
        };
        if name.len() >= 8 && name.as_bytes()[..8].eq_ignore_ascii_case(b"grpc-web") {
            return Self::GrpcWeb;
        }
        let prefix = name.split('-').next().unwrap_or("");
        match Self::parse(prefix) {
            Self::Unsupported if WELL_KNOWN_TCP_PORTS.contains(&port) => Self::Tcp,
            p => p,
        }
    }

    /// The name Istio gives the protocol (`HTTP`, `GRPC-Web`, `UnsupportedProtocol`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Grpc => "GRPC",
            Self::GrpcWeb => "GRPC-Web",
            Self::Http => "HTTP",
            Self::HttpProxy => "HTTP_PROXY",
            Self::Http2 => "HTTP2",
            Self::Https => "HTTPS",
            Self::Tcp => "TCP",
            Self::Tls => "TLS",
            Self::Udp => "UDP",
            Self::Mongo => "Mongo",
            Self::Redis => "Redis",
            Self::MySql => "MySQL",
            Self::Unsupported => "UnsupportedProtocol",
        }
    }

    /// Whether the protocol runs over HTTP (HTTP, HTTP2, HTTP_PROXY, gRPC, gRPC-Web).
    pub const fn is_http(self) -> bool {
        matches!(self, Self::Http | Self::Http2 | Self::HttpProxy | Self::Grpc | Self::GrpcWeb)
    }

    /// Whether the protocol uses HTTP/2 as transport (HTTP2, gRPC, gRPC-Web).
    pub const fn is_http2(self) -> bool {
        matches!(self, Self::Http2 | Self::Grpc | Self::GrpcWeb)
    }

    /// Whether the protocol is TCP-based but not HTTP (TCP, HTTPS, TLS, Mongo, Redis, MySQL).
    pub const fn is_tcp(self) -> bool {
        matches!(self, Self::Tcp | Self::Https | Self::Tls | Self::Mongo | Self::Redis | Self::MySql)
    }

    /// Whether the protocol runs over TLS (HTTPS, TLS).
    pub const fn is_tls(self) -> bool {
        matches!(self, Self::Https | Self::Tls)
    }

    /// Whether the port is sniffed: the protocol is unknown, so HTTP is detected at runtime.
    pub const fn is_unsupported(self) -> bool {
        matches!(self, Self::Unsupported)
    }

    /// Whether the port may carry HTTP: an HTTP protocol, or a sniffed port.
    pub const fn is_http_or_sniffed(self) -> bool {
        self.is_http() || self.is_unsupported()
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
