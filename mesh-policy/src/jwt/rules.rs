//! Which JWT rules apply to a workload (RequestAuthentications of the root namespace and of
//! the workload's namespace whose selector matches, as for AuthorizationPolicy), and where a
//! request's tokens are read from.

use std::borrow::Cow;

use mesh_model::security::{JwtRule, RequestAuthentication};
use mesh_model::{Kind, Resource, Snapshot};

use super::jwks::{Jwks, JwksError};
use crate::authz::scope_attachment::Attachment;
use crate::authz::{HeaderMap, Workload};

/// One `jwtRules` entry, compiled.
#[derive(Debug, Clone)]
pub struct CompiledJwtRule {
    /// `issuer`.
    pub issuer: String,
    /// `audiences`; empty accepts any audience.
    pub audiences: Vec<String>,
    /// The inline `jwks`, parsed (an error when it does not parse).
    pub jwks: Option<Result<Jwks, JwksError>>,
    /// `jwksUri`: where the caller fetches the keys from.
    pub jwks_uri: Option<String>,
    /// `fromHeaders` as (lower-case name, prefix).
    pub from_headers: Vec<(String, String)>,
    /// `fromParams`.
    pub from_params: Vec<String>,
    /// `fromCookies`.
    pub from_cookies: Vec<String>,
    /// Claims split on spaces: `scope`, `permission` and `spaceDelimitedClaims`.
    pub space_delimited_claims: Vec<String>,
    /// The policy the rule comes from, `namespace/name`.
    pub policy: String,
    /// `outputPayloadToHeader` (lower-case): the header that gets the verified payload.
    pub output_payload_to_header: Option<String>,
    /// `forwardOriginalToken`: keep the token's header upstream (removed by default).
    pub forward_original_token: bool,
    /// `outputClaimToHeaders` as (lower-case header, claim path with `.` for nesting).
    pub output_claim_to_headers: Vec<(String, String)>,
}

/// Where a token was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenLocation {
    /// A header (lower-case name).
    Header(String),
    /// A query parameter.
    Param(String),
    /// A cookie.
    Cookie(String),
}

impl CompiledJwtRule {
    /// Compiles a rule of policy `policy` (`namespace/name`).
    pub fn new(rule: &JwtRule, policy: &str) -> CompiledJwtRule {
        let mut space = vec!["permission".to_string(), "scope".to_string()];
        space.extend(rule.space_delimited_claims.iter().cloned());
        space.sort();
        space.dedup();
        CompiledJwtRule {
            issuer: rule.issuer.clone().unwrap_or_default(),
            audiences: rule.audiences.clone(),
            jwks: rule.jwks.as_deref().map(Jwks::parse),
            jwks_uri: rule.jwks_uri().map(str::to_string),
            from_headers: rule
                .from_headers
                .iter()
                .map(|h| (h.name.to_ascii_lowercase(), h.prefix.clone().unwrap_or_default()))
                .collect(),
            from_params: rule.from_params.clone(),
            from_cookies: rule.from_cookies.clone(),
            space_delimited_claims: space,
            policy: policy.to_string(),
            output_payload_to_header: rule
                .output_payload_to_header
                .as_deref()
                .filter(|h| !h.is_empty())
                .map(str::to_ascii_lowercase),
            forward_original_token: rule.forward_original_token.unwrap_or(false),
            output_claim_to_headers: rule
                .output_claim_to_headers
                .iter()
                .map(|c| (c.header.to_ascii_lowercase(), c.claim.clone()))
                .collect(),
        }
    }

    /// The tokens this rule reads from the request: by default `Authorization: Bearer <t>`
    /// and the `access_token` query parameter.
    pub fn extract<'s>(&self, src: &'s TokenSource<'s>) -> Vec<Cow<'s, str>> {
        self.extract_located(src).into_iter().map(|(_, t)| t).collect()
    }

    /// [`CompiledJwtRule::extract`] with where each token was found.
    pub fn extract_located<'s>(&self, src: &'s TokenSource<'s>) -> Vec<(TokenLocation, Cow<'s, str>)> {
        let mut out = Vec::new();
        let defaults =
            self.from_headers.is_empty() && self.from_params.is_empty() && self.from_cookies.is_empty();
        let header_locations: Vec<(&str, &str)> = if defaults {
            vec![("authorization", "Bearer ")]
        } else {
            self.from_headers.iter().map(|(n, p)| (n.as_str(), p.as_str())).collect()
        };
        for (name, prefix) in header_locations {
            if let Some(v) = src.headers.header(name)
                && let Some(t) = v.strip_prefix(prefix)
            {
                let t = t.trim();
                if !t.is_empty() {
                    out.push((TokenLocation::Header(name.to_string()), Cow::Owned(t.to_string())));
                }
            }
        }
        let params: Vec<&str> = if defaults {
            vec!["access_token"]
        } else {
            self.from_params.iter().map(String::as_str).collect()
        };
        if let Some((_, query)) = src.path.split_once('?') {
            for pair in query.split('&') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if params.contains(&k) && !v.is_empty() {
                    out.push((TokenLocation::Param(k.to_string()), Cow::Borrowed(v)));
                }
            }
        }
        if !self.from_cookies.is_empty()
            && let Some(cookies) = src.headers.header("cookie")
        {
            for c in cookies.split(';') {
                let (k, v) = c.trim().split_once('=').unwrap_or((c.trim(), ""));
                if self.from_cookies.iter().any(|n| n == k) && !v.is_empty() {
                    out.push((TokenLocation::Cookie(k.to_string()), Cow::Owned(v.to_string())));
                }
            }
        }
        out
    }
}

/// Where tokens are read from: the headers (and cookies) and the path's query string.
pub struct TokenSource<'a> {
    /// The request headers.
    pub headers: &'a dyn HeaderMap,
    /// The request path, query string included.
    pub path: &'a str,
}

#[derive(Debug)]
struct Policy {
    namespace: String,
    attachment: Attachment,
    rules: Vec<CompiledJwtRule>,
}

/// RequestAuthentications compiled for lookup: immutable, `Send + Sync`.
#[derive(Debug, Default)]
pub struct RequestAuthn {
    root_namespace: String,
    policies: Vec<Policy>,
}

impl RequestAuthn {
    /// Compiles the snapshot's RequestAuthentications.
    pub fn compile(snapshot: &Snapshot) -> RequestAuthn {
        let policies = snapshot.of_kind(Kind::RequestAuthentication).iter().filter_map(|r| match r {
            Resource::RequestAuthentication(p) => Some(p),
            _ => None,
        });
        Self::from_policies(policies, snapshot.mesh_config().root_namespace())
    }

    /// Compiles `policies` under `root_namespace`.
    pub fn from_policies<'p>(
        policies: impl IntoIterator<Item = &'p RequestAuthentication>,
        root_namespace: &str,
    ) -> RequestAuthn {
        let policies = policies
            .into_iter()
            .map(|p| {
                let key = format!("{}/{}", p.metadata.namespace(), p.metadata.name());
                let target_refs = if p.spec.target_refs.is_empty() {
                    p.spec.target_ref.iter().cloned().collect()
                } else {
                    p.spec.target_refs.clone()
                };
                Policy {
                    namespace: p.metadata.namespace().to_string(),
                    attachment: Attachment {
                        selector: p.spec.selector.as_ref().map(|s| s.match_labels.clone()),
                        target_refs,
                    },
                    rules: p.spec.jwt_rules.iter().map(|r| CompiledJwtRule::new(r, &key)).collect(),
                }
            })
            .collect();
        RequestAuthn { root_namespace: root_namespace.to_string(), policies }
    }

    /// The JWT rules that apply to `workload`, sorted by issuer as Istio merges them.
    pub fn rules_for(&self, workload: &Workload<'_>) -> Vec<&CompiledJwtRule> {
        let mut out: Vec<&CompiledJwtRule> = self
            .policies
            .iter()
            .filter(|p| p.namespace == self.root_namespace || p.namespace == workload.namespace)
            .filter(|p| p.attachment.applies(&p.namespace, &self.root_namespace, workload))
            .flat_map(|p| &p.rules)
            .collect();
        out.sort_by(|a, b| a.issuer.cmp(&b.issuer));
        out
    }
}
