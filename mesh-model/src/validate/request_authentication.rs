//! Validation of [`RequestAuthentication`](crate::security::RequestAuthentication), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` (`ValidateRequestAuthentication`,
//! `validateJwtRule`, `warnPrivateJwksKeys`), `security.ParseJwksURI` (Go's `net/url` parser)
//! and the JWKS parser Istio uses (lestrrat-go/jwx v1 `jwk.Parse`), plus the few limits only the
//! CRD schema enforces (non-empty `issuer`, one of `jwks`/`jwksUri`, `spaceDelimitedClaims`),
//! which the API server applies before the webhook.

use serde_json::Value;

use crate::common::Duration;
use crate::security::{JwtRule, RequestAuthentication};

use super::common::target_ref::validate_security_attachment;
use super::common::values::validate_duration;
use super::{Path, Report};

/// Checks a RequestAuthentication; diagnostics go to `report`.
pub(crate) fn validate(r: &RequestAuthentication, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    let s = &r.spec;

    validate_security_attachment(s.selector.as_ref(), s.target_ref.as_ref(), &s.target_refs, &spec, report);

    let rules = spec.field("jwtRules");
    for (i, rule) in s.jwt_rules.iter().enumerate() {
        let at = rules.index(i);
        validate_jwt_rule(rule, &at, report);
    }
}

fn validate_jwt_rule(rule: &JwtRule, at: &Path<'_>, report: &mut Report) {
    let audiences = at.field("audiences");
    for (k, a) in rule.audiences.iter().enumerate() {
        if a.is_empty() {
            report.error(&audiences.index(k), "audience must be a non-empty string");
        }
    }

    let issuer = at.field("issuer");
    let jwks_uri = rule.jwks_uri().unwrap_or("");
    let uri_field = if rule.jwks_uri.is_some() { "jwksUri" } else { "jwks_uri" };
    let uri_at = at.field(uri_field);
    if rule.issuer.as_deref().unwrap_or("").is_empty() && jwks_uri.is_empty() {
        report.error(&issuer, "issuer or jwksUri must be a non-empty string");
    } else if rule.issuer.as_deref() == Some("") {
        report.error(&issuer, "issuer must not be an empty string (CRD schema: minLength 1)");
    }

    // The CRD schema: at most one of jwksUri, jwks_uri and jwks; jwksUri non-empty, at most 2048.
    let set = [rule.jwks_uri.is_some(), rule.jwks_uri_proto_name.is_some(), rule.jwks.is_some()];
    if set.iter().filter(|b| **b).count() > 1 {
        let field = if rule.jwks.is_some() { "jwks" } else { "jwks_uri" };
        report.error(&at.field(field), "only one of jwks or jwksUri can be set");
    }
    for (field, v) in [("jwksUri", &rule.jwks_uri), ("jwks_uri", &rule.jwks_uri_proto_name)] {
        match v.as_deref() {
            Some("") => report
                .error(&at.field(field), "jwksUri must not be an empty string (CRD schema: minLength 1)"),
            Some(u) if u.len() > 2048 => {
                report.error(&at.field(field), "jwksUri must be at most 2048 characters (CRD schema)")
            }
            _ => {}
        }
    }

    if !jwks_uri.is_empty()
        && let Err(e) = parse_jwks_uri(jwks_uri)
    {
        report.error(&uri_at, format!("invalid jwksUri {jwks_uri:?}: {e}"));
    }

    if let Some(jwks) = rule.jwks.as_deref()
        && !jwks.is_empty()
    {
        let jwks_at = at.field("jwks");
        match parse_jwks(jwks) {
            Err(e) => report.error(&jwks_at, format!("jwks parse error: {e}")),
            Ok(private) => {
                for i in private {
                    report.warning(
                        &jwks_at,
                        format!("jwks key at index {i} contains private key material; only public keys are used for verification"),
                    );
                }
            }
        }
    }

    let headers = at.field("fromHeaders");
    for (k, h) in rule.from_headers.iter().enumerate() {
        if h.name.is_empty() {
            let h_at = headers.index(k);
            report.error(&h_at.field("name"), "location header name must be a non-empty string");
        }
    }
    let params = at.field("fromParams");
    for (k, p) in rule.from_params.iter().enumerate() {
        if p.is_empty() {
            report.error(&params.index(k), "location query must be a non-empty string");
        }
    }
    let cookies = at.field("fromCookies");
    for (k, c) in rule.from_cookies.iter().enumerate() {
        if c.is_empty() {
            report.error(&cookies.index(k), "cookie name must be a non-empty string");
        }
    }

    let claims = at.field("outputClaimToHeaders");
    for (k, c) in rule.output_claim_to_headers.iter().enumerate() {
        let c_at = claims.index(k);
        if c.claim.is_empty() || c.header.is_empty() {
            let field = if c.header.is_empty() { "header" } else { "claim" };
            report.error(
                &c_at.field(field),
                "outputClaimToHeaders header and claim value must be non-empty strings",
            );
            continue;
        }
        if !c.header.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            report.error(
                &c_at.field("header"),
                format!("header name {:?} is not a valid header name: must match [-_A-Za-z0-9]+", c.header),
            );
        }
    }

    if let Some(t) = &rule.timeout {
        check_timeout(t, &at.field("timeout"), report);
    }

    let space = at.field("spaceDelimitedClaims");
    if rule.space_delimited_claims.len() > 64 {
        report.error(
            &space,
            format!(
                "{} spaceDelimitedClaims is more than the 64 the CRD schema allows",
                rule.space_delimited_claims.len()
            ),
        );
    }
    for (k, c) in rule.space_delimited_claims.iter().enumerate() {
        if c.is_empty() {
            report.error(&space.index(k), "claim name must be a non-empty string (CRD schema: minLength 1)");
        }
    }
}

fn check_timeout(t: &Duration, at: &Path<'_>, report: &mut Report) {
    if let Err(e) = validate_duration(t) {
        report.error(at, format!("invalid timeout: {e}"));
    }
}

/// istio/istio `security.ParseJwksURI`: a URL Go's `net/url.Parse` accepts, with scheme
/// `http` or `https` (any case) and a port, if any, that fits an `int`.
fn parse_jwks_uri(uri: &str) -> Result<(), String> {
    let (scheme, port) = parse_go_url(uri)?;
    if scheme != "http" && scheme != "https" {
        return Err(format!("URI scheme {scheme:?} is not supported"));
    }
    if let Some(p) = port
        && p.parse::<i64>().is_err()
    {
        return Err(format!("port {p:?} is out of range"));
    }
    Ok(())
}

/// The parts of Go's `net/url.Parse` that can fail: returns the lower-cased scheme and the
/// port of the authority, if any.
fn parse_go_url(raw: &str) -> Result<(String, Option<&str>), String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("invalid control character in URL".to_string());
    }
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    if let Some(f) = fragment {
        check_escapes(f)?;
    }
    // Scheme: a letter, then letters, digits, '+', '-', '.', ended by ':'.
    let mut scheme = "";
    let mut rest = rest;
    for (i, c) in rest.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".to_string()),
            ':' => {
                scheme = &rest[..i];
                rest = &rest[i + 1..];
                break;
            }
            _ => break,
        }
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    if !rest.starts_with('/') {
        if scheme.is_empty() && rest.split('/').next().is_some_and(|seg| seg.contains(':')) {
            return Err("first path segment in URL cannot contain colon".to_string());
        }
        // An opaque URL (`https:foo`) or a relative path: no authority.
        if scheme.is_empty() {
            check_escapes(rest)?;
        }
        return Ok((scheme, None));
    }
    let mut port = None;
    let mut path = rest;
    if let Some(after) = rest.strip_prefix("//")
        && (!scheme.is_empty() || !rest.starts_with("///"))
    {
        let (authority, p) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        path = p;
        let host = match authority.rfind('@') {
            Some(i) => {
                let userinfo = &authority[..i];
                if !userinfo.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:~!$&'()*+,;=%@".contains(&b))
                {
                    return Err("invalid userinfo".to_string());
                }
                check_escapes(userinfo)?;
                &authority[i + 1..]
            }
            None => authority,
        };
        let (name, colon_port) = if host.starts_with('[') {
            let close = host.rfind(']').ok_or_else(|| "missing ']' in host".to_string())?;
            (&host[1..close], &host[close + 1..])
        } else {
            match host.rfind(':') {
                Some(i) => (&host[..i], &host[i..]),
                None => (host, ""),
            }
        };
        if !colon_port.is_empty() {
            match colon_port.strip_prefix(':') {
                Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                    if !digits.is_empty() {
                        port = Some(digits);
                    }
                }
                _ => return Err(format!("invalid port {colon_port:?} after host")),
            }
        }
        check_host_escapes(name)?;
        if !host.starts_with('[')
            && let Some(b) = name.bytes().find(|b| {
                *b < 0x80
                    && *b != b'%'
                    && !(b.is_ascii_alphanumeric() || b"!$&'()*+,;=:[]<>\"-_.~".contains(b))
            })
        {
            return Err(format!("invalid character {:?} in host name", b as char));
        }
    }
    check_escapes(path)?;
    Ok((scheme, port))
}

/// Every `%` must start a two-hex-digit escape (Go's `net/url` unescape).
fn check_escapes(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if i + 2 >= b.len() || !(b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit()) {
                let end = (i + 3).min(b.len());
                return Err(format!("invalid URL escape {:?}", String::from_utf8_lossy(&b[i..end])));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

/// In a host, Go admits `%` escapes only for non-ASCII bytes (and `%25`).
fn check_host_escapes(host: &str) -> Result<(), String> {
    check_escapes(host)?;
    let b = host.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if *c == b'%' && b[i + 1] < b'8' && &b[i..i + 3] != b"%25" {
            return Err(format!("invalid URL escape {:?} in host", String::from_utf8_lossy(&b[i..i + 3])));
        }
    }
    Ok(())
}

/// The key types and fields jwx v1's `jwk.Parse` checks. Returns the indexes of keys that
/// carry private material (a `d` member, or a symmetric `oct` key).
fn parse_jwks(src: &str) -> Result<Vec<usize>, String> {
    let doc: Value = serde_json::from_str(src).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(set) = &doc else {
        return Err("a JWK set must be a JSON object".to_string());
    };
    let keys: Vec<&Value> = match set.get("keys") {
        None => vec![&doc],
        Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(_) => return Err("failed to decode \"keys\": not an array".to_string()),
    };
    let mut private = Vec::new();
    for (i, key) in keys.into_iter().enumerate() {
        if parse_jwk(key).map_err(|e| format!("failed to decode key #{i}: {e}"))? {
            private.push(i);
        }
    }
    Ok(private)
}

/// One JWK; returns whether it holds private key material.
fn parse_jwk(key: &Value) -> Result<bool, String> {
    let empty = serde_json::Map::new();
    let obj = match key {
        Value::Object(o) => o,
        Value::Null => &empty,
        _ => return Err("a JWK must be a JSON object".to_string()),
    };
    let kty = match obj.get("kty") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("kty must be a string".to_string()),
    };
    let has_d = obj.get("d").is_some();
    let (required, bytes, private): (&[&str], &[&str], bool) = match kty {
        "RSA" if has_d => (&["d", "e", "n"], &["d", "e", "n", "p", "q", "dp", "dq", "qi"], true),
        "RSA" => (&["e", "n"], &["e", "n"], false),
        "EC" if has_d => (&["crv", "d", "x", "y"], &["d", "x", "y"], true),
        "EC" => (&["crv", "x", "y"], &["x", "y"], false),
        "OKP" if has_d => (&["crv", "d", "x"], &["d", "x"], true),
        "OKP" => (&["crv", "x"], &["x"], false),
        "oct" => (&["k"], &["k"], true),
        other => return Err(format!("invalid key type from JSON ({other})")),
    };
    for (name, v) in obj {
        let name = name.as_str();
        if bytes.contains(&name) {
            match v {
                Value::String(s) if is_go_base64(s) => {}
                _ => return Err(format!("failed to decode value for key {name}: not base64")),
            }
        } else if name == "crv" && kty != "RSA" && kty != "oct" {
            const CURVES: [&str; 7] = ["Ed25519", "Ed448", "P-256", "P-384", "P-521", "X25519", "X448"];
            if !matches!(v, Value::String(s) if CURVES.contains(&s.as_str())) {
                return Err("invalid crv: not a known elliptic curve".to_string());
            }
        } else if matches!(name, "kid" | "alg" | "use" | "x5t" | "x5t#S256" | "x5u") {
            if !v.is_string() {
                return Err(format!("failed to decode value for key {name}: not a string"));
            }
        } else if name == "key_ops" {
            const OPS: [&str; 8] =
                ["sign", "verify", "encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"];
            let ok = match v {
                Value::Array(l) => {
                    l.iter().all(|o| matches!(o, Value::String(s) if OPS.contains(&s.as_str())))
                }
                _ => false,
            };
            if !ok {
                return Err("invalid key_ops".to_string());
            }
        }
    }
    if let Some(missing) = required.iter().find(|f| !obj.contains_key(**f)) {
        return Err(format!("required field {missing} is missing"));
    }
    Ok(private)
}

/// Whether Go would decode `s` with the base64 flavour jwx picks: URL or standard alphabet
/// (standard when `+` or `/` occur), padded when it ends in `=`; CR and LF are ignored.
fn is_go_base64(s: &str) -> bool {
    let data: Vec<u8> = s.bytes().filter(|b| *b != b'\r' && *b != b'\n').collect();
    let padded = data.ends_with(b"=");
    let url = !data.iter().any(|b| *b == b'+' || *b == b'/');
    let alphabet = |b: u8| {
        b.is_ascii_alphanumeric() || if url { b == b'-' || b == b'_' } else { b == b'+' || b == b'/' }
    };
    if padded {
        let body = data.iter().rposition(|b| *b != b'=').map_or(0, |p| p + 1);
        let pad = data.len() - body;
        data.len().is_multiple_of(4) && pad <= 2 && data[..body].iter().all(|b| alphabet(*b))
    } else {
        data.len() % 4 != 1 && data.iter().all(|b| alphabet(*b))
    }
}
