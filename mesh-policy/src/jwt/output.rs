//! What a verified token changes in the request before it goes upstream, as Envoy's
//! `jwt_authn` filter configured from a RequestAuthentication rule does: the payload copied to
//! `outputPayloadToHeader`, claims copied to `outputClaimToHeaders`, and the token's header
//! removed unless `forwardOriginalToken`.

use serde_json::{Map, Value};

use super::rules::{CompiledJwtRule, TokenLocation};
use super::verify::Verified;

/// Request header changes: headers to add (appended after any existing value, as Envoy's
/// `addCopy`) and headers to remove, in the order Envoy applies them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderMutations {
    /// (lower-case name, value) pairs to add.
    pub add: Vec<(String, String)>,
    /// Lower-case names of headers to remove.
    pub remove: Vec<String>,
}

/// A claim by path (`a.b.c` walks nested objects), as Envoy's `StructUtils::GetValue`.
fn claim<'p>(payload: &'p Map<String, Value>, path: &str) -> Option<&'p Value> {
    let mut parts = path.split('.');
    let mut v = payload.get(parts.next()?)?;
    for p in parts {
        v = v.as_object()?.get(p)?;
    }
    Some(v)
}

/// A number claim as Envoy writes it: a whole non-negative number below 2^64 as an integer,
/// anything else as C++'s `std::to_string(double)` (six decimals).
fn number_text(n: f64) -> String {
    if !(0.0..18_446_744_073_709_551_616.0).contains(&n) || n.fract() != 0.0 {
        format!("{n:.6}")
    } else {
        format!("{n:.0}")
    }
}

/// The header value of a claim: strings as they are, numbers and booleans as text; other
/// types (lists, objects) and empty strings give no header.
fn claim_text(v: &Value) -> Option<String> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_text(n.as_f64()?),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

/// The header changes once `verified` passed under `rule`, the token read from `location`
/// (Envoy's `handleGoodJwt`). A token read from a query parameter or cookie stays where it is
/// (Envoy removes only header tokens).
///
/// ```
/// use mesh_policy::jwt::{CompiledJwtRule, TokenLocation, Verified, header_mutations};
/// use mesh_model::security::JwtRule;
/// let rule: JwtRule = serde_json::from_value(serde_json::json!({"issuer": "i",
///     "outputClaimToHeaders": [{"header": "x-sub", "claim": "sub"}]})).unwrap();
/// let rule = CompiledJwtRule::new(&rule, "ns/ra");
/// let payload = serde_json::json!({"iss": "i", "sub": "alice"});
/// let verified = Verified { issuer: "i".into(), subject: "alice".into(), principal: "i/alice".into(),
///     audiences: vec![], presenter: None, claims: payload.as_object().unwrap().clone(),
///     payload: payload.as_object().unwrap().clone(), payload_b64: "eyJ9".into() };
/// let m = header_mutations(&rule, &verified, Some(&TokenLocation::Header("authorization".into())));
/// assert_eq!(m.add, vec![("x-sub".to_string(), "alice".to_string())]);
/// assert_eq!(m.remove, vec!["authorization".to_string()]);
/// ```
pub fn header_mutations(
    rule: &CompiledJwtRule,
    verified: &Verified,
    location: Option<&TokenLocation>,
) -> HeaderMutations {
    let mut out = HeaderMutations::default();
    if let Some(h) = &rule.output_payload_to_header {
        out.add.push((h.clone(), verified.payload_b64.clone()));
    }
    for (header, path) in &rule.output_claim_to_headers {
        if let Some(text) = claim(&verified.payload, path).and_then(claim_text) {
            out.add.push((header.clone(), text));
        }
    }
    if !rule.forward_original_token
        && let Some(TokenLocation::Header(h)) = location
    {
        out.remove.push(h.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use mesh_model::security::JwtRule;
    use serde_json::json;

    use super::*;

    fn rule(spec: Value) -> CompiledJwtRule {
        let r: JwtRule = serde_json::from_value(spec).unwrap_or_default();
        CompiledJwtRule::new(&r, "ns/ra")
    }

    fn verified(payload: Value) -> Verified {
        let payload = payload.as_object().cloned().unwrap_or_default();
        Verified {
            issuer: "i".into(),
            subject: String::new(),
            principal: "i/".into(),
            audiences: Vec::new(),
            presenter: None,
            claims: payload.clone(),
            payload,
            payload_b64: "eyJpc3MiOiJpIn0".into(),
        }
    }

    // envoy authenticator.cc addJWTClaimToHeader / convertClaimDoubleToString, and istio's
    // jwt test config (outputClaimToHeaders with the nested claim "nested.nested-2.key2").
    #[test]
    fn claims_become_headers_as_envoy_writes_them() {
        let r = rule(json!({"issuer": "i", "outputClaimToHeaders": [
            {"header": "X-Jwt-Iss", "claim": "iss"},
            {"header": "x-iat", "claim": "iat"},
            {"header": "x-nested", "claim": "nested.nested-2.key2"},
            {"header": "x-admin", "claim": "admin"},
            {"header": "x-ratio", "claim": "ratio"},
            {"header": "x-neg", "claim": "neg"},
            {"header": "x-list", "claim": "groups"},
            {"header": "x-empty", "claim": "empty"},
            {"header": "x-missing", "claim": "nope"},
            {"header": "x-scope", "claim": "scope"}]}));
        let v = verified(json!({"iss": "i", "iat": 1_700_000_000, "admin": true, "ratio": 0.5, "neg": -3,
            "nested": {"nested-2": {"key2": "value2"}}, "groups": ["a", "b"], "empty": "", "scope": "read write"}));
        let m = header_mutations(&r, &v, None);
        assert_eq!(
            m.add,
            [
                ("x-jwt-iss", "i"),
                ("x-iat", "1700000000"),
                ("x-nested", "value2"),
                ("x-admin", "true"),
                ("x-ratio", "0.500000"),
                ("x-neg", "-3.000000"),
                ("x-scope", "read write"),
            ]
            .map(|(h, v)| (h.to_string(), v.to_string()))
        );
        assert!(m.remove.is_empty(), "no location, nothing to remove");
    }

    // envoy handleGoodJwt: payload header first (unpadded base64url), then claims; the token's
    // header is removed unless forwarded; a query-parameter token is not removed.
    #[test]
    fn payload_header_and_token_removal_follow_envoy() {
        let r = rule(json!({"issuer": "i", "outputPayloadToHeader": "X-Payload"}));
        let v = verified(json!({"iss": "i"}));
        let auth = TokenLocation::Header("authorization".into());
        let m = header_mutations(&r, &v, Some(&auth));
        assert_eq!(m.add, vec![("x-payload".to_string(), "eyJpc3MiOiJpIn0".to_string())]);
        assert_eq!(m.remove, vec!["authorization".to_string()]);
        let kept = rule(json!({"issuer": "i", "forwardOriginalToken": true}));
        assert!(header_mutations(&kept, &v, Some(&auth)).remove.is_empty());
        let param = TokenLocation::Param("access_token".into());
        assert!(header_mutations(&r, &v, Some(&param)).remove.is_empty());
    }
}
