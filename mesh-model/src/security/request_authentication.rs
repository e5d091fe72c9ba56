//! A RequestAuthentication: the JWTs a workload accepts.
//!
//! Mirrors istio/api `security/v1beta1/request_authentication.proto` (served as
//! `security.istio.io/v1` and `v1beta1`, which share one schema).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::common::{Duration, PolicyTargetReference, WorkloadSelector};
use crate::object::IstioObject;

/// A RequestAuthentication: the JWTs a workload accepts.
pub type RequestAuthentication = IstioObject<RequestAuthenticationSpec>;

/// The `spec` of a [`RequestAuthentication`].
///
/// A request carrying a token that matches none of the rules (or an invalid token) is
/// rejected; a request without a token is accepted (use an AuthorizationPolicy to require
/// one). At most one of `selector`, `targetRef` and `targetRefs` may be set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RequestAuthenticationSpec {
    /// The workloads the policy applies to, by label; absent means every workload in scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// A single resource (Gateway, Service, ...) the policy attaches to; superseded by `targetRefs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_ref: Option<PolicyTargetReference>,
    /// The resources (Gateway, GatewayClass, Service, ServiceEntry) the policy attaches to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_refs: Vec<PolicyTargetReference>,
    /// The JWTs the selected workloads validate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwt_rules: Vec<JwtRule>,
}

/// How to validate a JSON Web Token issued by one issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JwtRule {
    /// The issuer (`iss` claim) of the token; required unless `jwksUri` is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Accepted audiences (`aud` claim); empty accepts any audience.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
    /// URL of the issuer's public key set (JWKS), `http://` or `https://`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// The proto field-name spelling `jwks_uri` of [`jwks_uri`](Self::jwks_uri), which the CRD
    /// also accepts; at most one of the two (and `jwks`) may be set.
    #[serde(default, rename = "jwks_uri", skip_serializing_if = "Option::is_none")]
    pub jwks_uri_proto_name: Option<String>,
    /// The public key set inline, as a JWKS JSON document; exclusive with `jwksUri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<String>,
    /// Headers to read the token from; default `Authorization: Bearer <token>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_headers: Vec<JwtHeader>,
    /// Query parameters to read the token from; default `access_token`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_params: Vec<String>,
    /// Header to which the verified token's payload is written, base64-encoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_payload_to_header: Option<String>,
    /// Cookies to read the token from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub from_cookies: Vec<String>,
    /// Whether to forward the original token upstream (it is removed by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward_original_token: Option<bool>,
    /// Claims to copy into request headers once the token is verified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub output_claim_to_headers: Vec<ClaimToHeader>,
    /// How long to wait for the JWKS to be fetched (default 5s); at least 1ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    /// Claims whose string value is split on spaces for matching (`scope` and `permission`
    /// always are); at most 64.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub space_delimited_claims: Vec<String>,
}

impl JwtRule {
    /// The JWKS URL, from `jwksUri` or else its alias `jwks_uri`.
    pub fn jwks_uri(&self) -> Option<&str> {
        self.jwks_uri.as_deref().or(self.jwks_uri_proto_name.as_deref())
    }
}

/// A header a JWT is read from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct JwtHeader {
    /// The HTTP header name (required).
    #[serde(default)]
    pub name: String,
    /// A prefix stripped before decoding the token, such as `"Bearer "`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
}

/// Copies one claim of a verified JWT into a request header.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimToHeader {
    /// The header to create, `[-_A-Za-z0-9]+` (required).
    #[serde(default)]
    pub header: String,
    /// The claim to copy; nested claims use `.` (required).
    #[serde(default)]
    pub claim: String,
}
