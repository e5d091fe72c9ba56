//! A VirtualService: how requests to a set of hosts are routed.
//!
//! Mirrors istio/api `networking/v1alpha3/virtual_service.proto` (served as `v1`, `v1beta1`
//! and `v1alpha3`, all with the same schema). Proto `oneof`s are Rust enums; where a oneof sits
//! among ordinary fields of a message (a redirect's `port`/`derivePort`, a fault's delay and
//! abort kinds, a direct response body) the wire form stays the flat proto JSON form.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::common::{Duration, Percent, PortSelector};
use crate::object::IstioObject;

/// A VirtualService: how requests to a set of hosts are routed.
pub type VirtualService = IstioObject<VirtualServiceSpec>;

/// The `spec` of a [`VirtualService`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct VirtualServiceSpec {
    /// Destination hosts the rules apply to (DNS names, wildcards, short names or IPs); empty
    /// for a delegate VirtualService.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// Gateways (`namespace/name`) and sidecars (`mesh`) the rules apply to; empty means `mesh`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Ordered HTTP routing rules; the first matching rule wins.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpRoute>,
    /// Ordered routing rules for unterminated TLS and HTTPS traffic, matched by SNI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<TlsRoute>,
    /// Ordered routing rules for opaque TCP traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tcp: Vec<TcpRoute>,
    /// Namespaces the VirtualService is visible to (`.` this one, `*` all); empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub export_to: Vec<String>,
}

// === HTTP retries (shared with MeshConfig's defaultHttpRetryPolicy) ===

/// Retry policy for HTTP requests (`HTTPRetry`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRetry {
    /// Number of retries for a request; 0 disables retries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempts: Option<i32>,
    /// Timeout per attempt, including the first; at least 1ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout: Option<Duration>,
    /// Comma-separated conditions that trigger a retry (Envoy `x-envoy-retry-on` and
    /// `x-envoy-retry-grpc-on` policies, or HTTP status codes such as `503`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on: Option<String>,
    /// Whether retries should prefer endpoints in other localities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_remote_localities: Option<bool>,
    /// Whether retries should avoid hosts already attempted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_ignore_previous_hosts: Option<bool>,
    /// Base interval between retries (Envoy's default is 25ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Duration>,
}

// === HTTP routes ===

/// One HTTP routing rule: match conditions and the action taken (`HTTPRoute`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRoute {
    /// Name of the route, for debugging and appended to the matches' names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Match conditions, ORed; empty matches every request.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "match")]
    pub matches: Vec<HttpMatchRequest>,
    /// Weighted destinations the request is forwarded to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<HttpRouteDestination>,
    /// Answers with an HTTP redirect instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<HttpRedirect>,
    /// Answers with a fixed response instead of forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direct_response: Option<HttpDirectResponse>,
    /// Hands the routing of matching requests to another (delegate) VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delegate: Option<Delegate>,
    /// Rewrites the URI and/or authority before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<HttpRewrite>,
    /// Timeout for the whole request; disabled by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Retry policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<HttpRetry>,
    /// Fault injection (delays and aborts) applied on the client side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<HttpFaultInjection>,
    /// A destination traffic is also mirrored to (fire and forget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror: Option<Destination>,
    /// Destinations traffic is mirrored to, each with its own percentage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mirrors: Vec<HttpMirrorPolicy>,
    /// Deprecated integer percentage of traffic mirrored to `mirror` (use `mirrorPercentage`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percent: Option<u32>,
    /// The same deprecated field under its proto name `mirror_percent`.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "mirror_percent")]
    pub mirror_percent_proto_name: Option<u32>,
    /// Percentage of traffic mirrored to `mirror` (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mirror_percentage: Option<Percent>,
    /// Cross-origin resource sharing policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors_policy: Option<CorsPolicy>,
    /// Header manipulation for requests and responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

impl HttpRoute {
    /// The deprecated mirror percentage, under whichever JSON name it was given.
    pub fn effective_mirror_percent(&self) -> Option<u32> {
        self.mirror_percent.or(self.mirror_percent_proto_name)
    }
}

/// A reference to a delegate VirtualService that routes the matching requests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delegate {
    /// Name of the delegate VirtualService.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Namespace of the delegate; defaults to the root VirtualService's namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Header manipulation rules for requests and responses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Headers {
    /// Operations on the request headers before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<HeaderOperations>,
    /// Operations on the response headers before returning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<HeaderOperations>,
}

/// Header operations: overwrite (`set`), append (`add`) and delete (`remove`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HeaderOperations {
    /// Headers overwritten with the given value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, String>,
    /// Headers appended with the given value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub add: BTreeMap<String, String>,
    /// Headers removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
}

/// Conditions a request must all meet for a rule to apply (`HTTPMatchRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpMatchRequest {
    /// Name of the match, appended to the route's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Matches the URI path (case-sensitive unless `ignoreUriCase`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<StringMatch>,
    /// Matches the URI scheme (`http`, `https`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<StringMatch>,
    /// Matches the HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<StringMatch>,
    /// Matches the `:authority` (Host) header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<StringMatch>,
    /// Header matches by lower-case name (`@request.auth.claims.*` keys match JWT claims on
    /// gateways); an empty match (`{}`) requires the header to be present.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, StringMatch>,
    /// Destination port of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels the calling workload must carry (sidecars only).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to, overriding the VirtualService's `gateways`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Query parameter matches (`exact` and `regex` only; `{}` requires presence).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query_params: BTreeMap<String, StringMatch>,
    /// Whether `uri` matching ignores case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_uri_case: Option<bool>,
    /// Headers that must NOT match (`{}` requires absence).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub without_headers: BTreeMap<String, StringMatch>,
    /// Namespace of the calling workload (sidecars only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
    /// Prefix for Envoy's route statistics of this match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stat_prefix: Option<String>,
}

/// A weighted destination of an HTTP route (`HTTPRouteDestination`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRouteDestination {
    /// Where the traffic goes; required.
    pub destination: Destination,
    /// Relative share of the traffic; the shares of a route sum to 100 by convention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
    /// Header manipulation applied when this destination is picked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headers: Option<Headers>,
}

/// A weighted destination of a TLS or TCP route (`RouteDestination`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteDestination {
    /// Where the traffic goes; required.
    pub destination: Destination,
    /// Relative share of the traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<i32>,
}

/// A service (from the registry) traffic is sent to, optionally a subset and port.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// Service host name (short names resolve in the VirtualService's namespace); required.
    pub host: String,
    /// Subset defined by a DestinationRule for the host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset: Option<String>,
    /// Port on the host; needed only when the service exposes several ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<PortSelector>,
}

/// A destination traffic is mirrored to, with a percentage (`HTTPMirrorPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpMirrorPolicy {
    /// Where the mirrored traffic goes; required.
    pub destination: Destination,
    /// Percentage of traffic mirrored (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub percentage: Option<Percent>,
}

// === TLS and TCP routes ===

/// A routing rule for TLS traffic passed through by SNI (`TLSRoute`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsRoute {
    /// Match conditions, ORed; at least one is required.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "match")]
    pub matches: Vec<TlsMatchAttributes>,
    /// Weighted destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// A routing rule for opaque TCP traffic (`TCPRoute`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TcpRoute {
    /// Match conditions, ORed; empty matches all traffic.
    #[serde(default, skip_serializing_if = "Vec::is_empty", rename = "match")]
    pub matches: Vec<L4MatchAttributes>,
    /// Weighted destinations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route: Vec<RouteDestination>,
}

/// L4 connection match conditions (`L4MatchAttributes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct L4MatchAttributes {
    /// Destination IPs or CIDR subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// Destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Source IP or CIDR subnet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_subnet: Option<String>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Namespace of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

/// TLS connection match conditions (`TLSMatchAttributes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TlsMatchAttributes {
    /// SNI names to match (wildcards allowed); required.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sni_hosts: Vec<String>,
    /// Destination IPs or CIDR subnets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destination_subnets: Vec<String>,
    /// Destination port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u32>,
    /// Labels the calling workload must carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub source_labels: BTreeMap<String, String>,
    /// Gateways the match applies to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gateways: Vec<String>,
    /// Namespace of the calling workload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_namespace: Option<String>,
}

// === StringMatch ===

/// How a string is matched (`StringMatch`, a oneof): `{exact: ..}`, `{prefix: ..}` or
/// `{regex: ..}` (RE2 syntax). Istio also accepts `{}` (no match type set).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StringMatch {
    /// The whole value equals the string.
    Exact(String),
    /// The value starts with the string.
    Prefix(String),
    /// The whole value matches the RE2 regular expression.
    Regex(String),
    /// No match type (`{}`): in `headers`/`queryParams` the header or parameter must be
    /// present, in `withoutHeaders` absent; elsewhere it matches any value.
    Unset,
}

impl StringMatch {
    /// The matched string, or `None` for [`StringMatch::Unset`].
    pub fn value(&self) -> Option<&str> {
        match self {
            Self::Exact(s) | Self::Prefix(s) | Self::Regex(s) => Some(s),
            Self::Unset => None,
        }
    }
}

impl Serialize for StringMatch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entry = match self {
            Self::Exact(v) => Some(("exact", v)),
            Self::Prefix(v) => Some(("prefix", v)),
            Self::Regex(v) => Some(("regex", v)),
            Self::Unset => None,
        };
        let mut map = s.serialize_map(Some(usize::from(entry.is_some())))?;
        if let Some((k, v)) = entry {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for StringMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StringMatch;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string match: {exact: ..}, {prefix: ..}, {regex: ..} or {}")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StringMatch, A::Error> {
                let mut out = StringMatch::Unset;
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let make: fn(String) -> StringMatch = match key.as_ref() {
                        "exact" => StringMatch::Exact,
                        "prefix" => StringMatch::Prefix,
                        "regex" => StringMatch::Regex,
                        other => return Err(de::Error::unknown_field(other, &["exact", "prefix", "regex"])),
                    };
                    let value: String = map.next_value()?;
                    if out != StringMatch::Unset {
                        return Err(de::Error::custom(format!(
                            "only one of exact, prefix or regex may be set (found {key:?} too)"
                        )));
                    }
                    out = make(value);
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

impl JsonSchema for StringMatch {
    fn schema_name() -> Cow<'static, str> {
        "StringMatch".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "description": "At most one of exact, prefix (both literal) or regex (RE2).",
            "maxProperties": 1,
            "properties": {
                "exact": { "type": "string" },
                "prefix": { "type": "string" },
                "regex": { "type": "string" }
            }
        })
    }
}

// === redirect, direct response, rewrite ===

/// Answers with a redirect (`HTTPRedirect`); unset parts keep the request's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", try_from = "RawHttpRedirect", into = "RawHttpRedirect")]
#[schemars(with = "RawHttpRedirect")]
pub struct HttpRedirect {
    /// Replaces the whole path.
    pub uri: Option<String>,
    /// Replaces the authority (Host).
    pub authority: Option<String>,
    /// The port of the redirect location (the `redirect_port` oneof).
    pub port: Option<RedirectPort>,
    /// Replaces the scheme.
    pub scheme: Option<String>,
    /// Status code of the redirect (default 301).
    pub redirect_code: Option<u32>,
    /// Replaces the matched prefix of the path.
    pub prefix_rewrite: Option<String>,
}

/// The port of a redirect location: fixed, or derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectPort {
    /// This port (`port`).
    Port(u32),
    /// Derived from the protocol or the request (`derivePort`).
    DerivePort(RedirectPortSelection),
}

/// How a redirect's port is derived.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RedirectPortSelection {
    /// 80 for HTTP, 443 for HTTPS.
    #[default]
    FromProtocolDefault,
    /// The port of the request.
    FromRequestPort,
}

#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RawHttpRedirect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    port: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    derive_port: Option<RedirectPortSelection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scheme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_code: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prefix_rewrite: Option<String>,
}

impl TryFrom<RawHttpRedirect> for HttpRedirect {
    type Error = String;

    fn try_from(r: RawHttpRedirect) -> Result<Self, String> {
        let port = match (r.port, r.derive_port) {
            (Some(_), Some(_)) => return Err("only one of port or derivePort may be set".to_string()),
            (Some(p), None) => Some(RedirectPort::Port(p)),
            (None, Some(d)) => Some(RedirectPort::DerivePort(d)),
            (None, None) => None,
        };
        Ok(Self {
            uri: r.uri,
            authority: r.authority,
            port,
            scheme: r.scheme,
            redirect_code: r.redirect_code,
            prefix_rewrite: r.prefix_rewrite,
        })
    }
}

impl From<HttpRedirect> for RawHttpRedirect {
    fn from(r: HttpRedirect) -> Self {
        let (port, derive_port) = match r.port {
            Some(RedirectPort::Port(p)) => (Some(p), None),
            Some(RedirectPort::DerivePort(d)) => (None, Some(d)),
            None => (None, None),
        };
        Self {
            uri: r.uri,
            authority: r.authority,
            port,
            derive_port,
            scheme: r.scheme,
            redirect_code: r.redirect_code,
            prefix_rewrite: r.prefix_rewrite,
        }
    }
}

/// Answers with a fixed status and optional body (`HTTPDirectResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpDirectResponse {
    /// HTTP status code; required.
    pub status: u32,
    /// Response body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<HttpBody>,
}

/// A response body (`HTTPBody`, whose `specifier` oneof may be unset: `{}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "RawHttpBody", into = "RawHttpBody")]
#[schemars(with = "RawHttpBody")]
pub struct HttpBody {
    /// The body's content; `None` for an empty body.
    pub specifier: Option<BodySpecifier>,
}

/// The content of a response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodySpecifier {
    /// Text (`string`).
    String(String),
    /// Raw bytes (`bytes`, base64 on the wire).
    Bytes(Vec<u8>),
}

#[derive(Default, Serialize, Deserialize, JsonSchema)]
struct RawHttpBody {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bytes: Option<Base64>,
}

impl TryFrom<RawHttpBody> for HttpBody {
    type Error = String;

    fn try_from(r: RawHttpBody) -> Result<Self, String> {
        let specifier = match (r.string, r.bytes) {
            (Some(_), Some(_)) => return Err("only one of string or bytes may be set".to_string()),
            (Some(s), None) => Some(BodySpecifier::String(s)),
            (None, Some(b)) => Some(BodySpecifier::Bytes(b.0)),
            (None, None) => None,
        };
        Ok(Self { specifier })
    }
}

impl From<HttpBody> for RawHttpBody {
    fn from(b: HttpBody) -> Self {
        match b.specifier {
            Some(BodySpecifier::String(s)) => Self { string: Some(s), bytes: None },
            Some(BodySpecifier::Bytes(b)) => Self { string: None, bytes: Some(Base64(b)) },
            None => Self::default(),
        }
    }
}

/// Bytes carried as base64 text (protobuf JSON `bytes`: standard or URL-safe, padding optional).
struct Base64(Vec<u8>);

impl Serialize for Base64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::with_capacity(self.0.len().div_ceil(3) * 4);
        for chunk in self.0.chunks(3) {
            let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        s.serialize_str(&out)
    }
}

impl JsonSchema for Base64 {
    fn schema_name() -> Cow<'static, str> {
        "Base64".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "format": "byte" })
    }
}

impl<'de> Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        decode_base64(&s).map(Base64).ok_or_else(|| de::Error::custom(format!("{s:?} is not valid base64")))
    }
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return None;
    }
    Some(out)
}

/// Rewrites applied before forwarding (`HTTPRewrite`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpRewrite {
    /// Replaces the matched part of the path (the prefix for a prefix match, else the whole path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Replaces the authority (Host) header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<String>,
    /// Rewrites the path with a regex substitution; exclusive with `uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri_regex_rewrite: Option<RegexRewrite>,
}

/// A regex substitution on the path (`RegexRewrite`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegexRewrite {
    /// RE2 regex matched against the path.
    #[serde(default, skip_serializing_if = "Option::is_none", rename = "match")]
    pub match_regex: Option<String>,
    /// Replacement, with `\1`-style capture group references.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rewrite: Option<String>,
}

// === CORS ===

/// Cross-origin resource sharing policy (`CorsPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CorsPolicy {
    /// Deprecated exact origins (use `allowOrigins`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origin: Vec<String>,
    /// Origins allowed to make CORS requests.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_origins: Vec<StringMatch>,
    /// `Access-Control-Allow-Methods`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_methods: Vec<String>,
    /// `Access-Control-Allow-Headers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_headers: Vec<String>,
    /// `Access-Control-Expose-Headers`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<String>,
    /// `Access-Control-Max-Age` (how long preflight results may be cached).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<Duration>,
    /// `Access-Control-Allow-Credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<bool>,
    /// What to do with preflight requests whose origin does not match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched_preflights: Option<UnmatchedPreflights>,
}

/// Handling of preflight requests that match no allowed origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UnmatchedPreflights {
    /// Default: forward.
    #[default]
    Unspecified,
    /// Forward the preflight to the upstream.
    Forward,
    /// Answer the preflight without CORS headers, not forwarding it.
    Ignore,
}

// === fault injection ===

/// Faults injected into matching requests (`HTTPFaultInjection`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HttpFaultInjection {
    /// Delays requests before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<FaultDelay>,
    /// Aborts requests with an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abort: Option<FaultAbort>,
}

/// A delay fault (`HTTPFaultInjection.Delay`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "RawFaultDelay", into = "RawFaultDelay")]
#[schemars(with = "RawFaultDelay")]
pub struct FaultDelay {
    /// Deprecated integer percentage of requests delayed (use `percentage`).
    pub percent: Option<i32>,
    /// The delay (the `http_delay_type` oneof).
    pub delay: Option<DelayType>,
    /// Percentage of requests delayed (default 100).
    pub percentage: Option<Percent>,
}

/// How long a delay fault delays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DelayType {
    /// A fixed delay (`fixedDelay`).
    FixedDelay(Duration),
    /// An exponential delay (`exponentialDelay`; not supported by Istio).
    ExponentialDelay(Duration),
}

#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RawFaultDelay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percent: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed_delay: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exponential_delay: Option<Duration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage: Option<Percent>,
}

impl TryFrom<RawFaultDelay> for FaultDelay {
    type Error = String;

    fn try_from(r: RawFaultDelay) -> Result<Self, String> {
        let delay = match (r.fixed_delay, r.exponential_delay) {
            (Some(_), Some(_)) => {
                return Err("only one of fixedDelay or exponentialDelay may be set".to_string());
            }
            (Some(d), None) => Some(DelayType::FixedDelay(d)),
            (None, Some(d)) => Some(DelayType::ExponentialDelay(d)),
            (None, None) => None,
        };
        Ok(Self { percent: r.percent, delay, percentage: r.percentage })
    }
}

impl From<FaultDelay> for RawFaultDelay {
    fn from(d: FaultDelay) -> Self {
        let (fixed_delay, exponential_delay) = match d.delay {
            Some(DelayType::FixedDelay(x)) => (Some(x), None),
            Some(DelayType::ExponentialDelay(x)) => (None, Some(x)),
            None => (None, None),
        };
        Self { percent: d.percent, fixed_delay, exponential_delay, percentage: d.percentage }
    }
}

/// An abort fault (`HTTPFaultInjection.Abort`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "RawFaultAbort", into = "RawFaultAbort")]
#[schemars(with = "RawFaultAbort")]
pub struct FaultAbort {
    /// The error returned (the `error_type` oneof).
    pub error: Option<AbortError>,
    /// Percentage of requests aborted (default 100).
    pub percentage: Option<Percent>,
}

/// The error an abort fault returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AbortError {
    /// An HTTP status code (`httpStatus`).
    HttpStatus(i32),
    /// A gRPC status name such as `UNAVAILABLE` (`grpcStatus`).
    GrpcStatus(String),
    /// An HTTP/2 error code (`http2Error`; not supported by Istio).
    Http2Error(String),
}

#[derive(Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct RawFaultAbort {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http_status: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grpc_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    http2_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    percentage: Option<Percent>,
}

impl TryFrom<RawFaultAbort> for FaultAbort {
    type Error = String;

    fn try_from(r: RawFaultAbort) -> Result<Self, String> {
        let error = match (r.http_status, r.grpc_status, r.http2_error) {
            (Some(s), None, None) => Some(AbortError::HttpStatus(s)),
            (None, Some(s), None) => Some(AbortError::GrpcStatus(s)),
            (None, None, Some(s)) => Some(AbortError::Http2Error(s)),
            (None, None, None) => None,
            _ => return Err("only one of httpStatus, grpcStatus or http2Error may be set".to_string()),
        };
        Ok(Self { error, percentage: r.percentage })
    }
}

impl From<FaultAbort> for RawFaultAbort {
    fn from(a: FaultAbort) -> Self {
        let mut raw = Self { percentage: a.percentage, ..Self::default() };
        match a.error {
            Some(AbortError::HttpStatus(s)) => raw.http_status = Some(s),
            Some(AbortError::GrpcStatus(s)) => raw.grpc_status = Some(s),
            Some(AbortError::Http2Error(s)) => raw.http2_error = Some(s),
            None => {}
        }
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oneofs_round_trip_in_flat_wire_form() {
        let json = serde_json::json!({
            "hosts": ["a"],
            "http": [{
                "match": [{"uri": {"prefix": "/"}, "headers": {"x": {}, "y": {"regex": "a.*"}}}],
                "redirect": {"uri": "/x", "derivePort": "FROM_REQUEST_PORT"},
                "directResponse": {"status": 200, "body": {"bytes": "aGVsbG8="}},
                "fault": {"delay": {"fixedDelay": "5s", "percentage": {"value": 1.5}},
                          "abort": {"grpcStatus": "UNAVAILABLE"}},
                "mirror_percent": 5
            }]
        });
        let spec: VirtualServiceSpec = serde_json::from_value(json.clone()).unwrap();
        let h = &spec.http[0];
        assert_eq!(h.matches[0].headers["x"], StringMatch::Unset);
        assert_eq!(h.matches[0].uri, Some(StringMatch::Prefix("/".into())));
        assert_eq!(
            h.redirect.as_ref().unwrap().port,
            Some(RedirectPort::DerivePort(RedirectPortSelection::FromRequestPort))
        );
        assert_eq!(
            h.direct_response.as_ref().unwrap().body.as_ref().unwrap().specifier,
            Some(BodySpecifier::Bytes(b"hello".to_vec()))
        );
        assert_eq!(h.effective_mirror_percent(), Some(5));
        let back = serde_json::to_value(&spec).unwrap();
        assert_eq!(back, json);
    }

    #[test]
    fn oneofs_reject_two_members() {
        for bad in [
            serde_json::json!({"uri": {"exact": "/", "prefix": "/"}}),
            serde_json::json!({"uri": {"suffix": "/"}}),
        ] {
            assert!(serde_json::from_value::<HttpMatchRequest>(bad).is_err());
        }
        assert!(
            serde_json::from_value::<HttpRedirect>(
                serde_json::json!({"port": 1, "derivePort": "FROM_REQUEST_PORT"})
            )
            .is_err()
        );
        assert!(
            serde_json::from_value::<FaultAbort>(serde_json::json!({"httpStatus": 1, "grpcStatus": "X"}))
                .is_err()
        );
    }
}
