//! RequestAuthentication cases, pinned to istio/istio `pkg/config/validation/validation_test.go`
//! `TestValidateRequestAuthentication` and `pkg/config/security/security_test.go` `TestParseJwksURI`.

use super::{Expect::*, check, diagnostics};

const V: &str = "istio validation_test.go TestValidateRequestAuthentication";
const P: &str = "istio security_test.go TestParseJwksURI";

const PUBLIC_JWKS: &str = r#"{ "keys":[ {"e":"AQAB","kid":"DHFbpoIUqrY8t2zpA2qXfCmr5VO5ZEr4RzHU_-envvQ","kty":"RSA","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX-P7KfIupjf59vsdo91bSP9C8H07pSAGQO1MV_xFj9VswgsCg4R6otmg5PV2He95lZdHtOcU5DXIg_pbhLdKXbi66GlVeK6ABZOUW3WYtnNHD-91gVuoeJT_DwtGGcp4ignkgXfkiEm4sw-4sfb4qdt5oLbyVpmW6x9cfa7vs2WTfURiCrBoUqgBo_-4WTiULmmHSGZHOjzwa8WtrtOQGsAFjIbno85jp6MnGGGZPYZbDAa_b3y5u-YpW7ypZrvD8BgtKVjgtQgZhLAGezMt0ua3DRrWnKqTZ0BJ_EyxOGuHJrLsn00fnMQ"}]}"#;

/// A RequestAuthentication with one JWT rule given as a YAML flow mapping.
fn ra(rule: &str) -> String {
    format!(
        "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {{name: foo, namespace: foo}}\nspec:\n  jwtRules:\n  - {rule}\n"
    )
}

#[test]
fn webhook_cases() {
    let cases: Vec<(&str, &str, String, super::Expect)> = vec![
        (V, "empty spec", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec: {}\n".into(), Valid),
        (V, "another empty spec (selector without labels warns)", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: default, namespace: istio-system}\nspec:\n  selector: {}\n".into(), WarningAt("spec.selector")),
        (V, "empty jwt rule", ra("{}"), ErrorAt("spec.jwtRules[0].issuer")),
        (V, "empty issuer and set jwksUri", ra("{jwksUri: 'https://foo.com/cert'}"), Valid),
        (V, "bad JwksUri - no protocol", ra("{issuer: foo.com, jwksUri: foo.com}"), ErrorAt("spec.jwtRules[0].jwksUri")),
        (V, "bad JwksUri - invalid port", ra("{issuer: foo.com, jwksUri: 'https://foo.com:not-a-number'}"), ErrorAt("spec.jwtRules[0].jwksUri")),
        (V, "empty value (selector label value may be empty)", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  selector: {matchLabels: {app: '', version: v1}}\n  jwtRules:\n  - {issuer: foo.com, jwksUri: 'https://foo.com/cert'}\n".into(), Valid),
        (V, "bad workload selector - empty key", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  selector: {matchLabels: {'': httpbin}}\n  jwtRules:\n  - {issuer: foo.com, jwksUri: 'https://foo.com/cert'}\n".into(), ErrorAt("spec.selector.matchLabels[]")),
        (V, "good targetRef", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo}\n  jwtRules:\n  - {issuer: foo.com, jwksUri: 'https://foo.com/cert'}\n".into(), Valid),
        (V, "bad targetRef - empty name", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRef: {group: gateway.networking.k8s.io, kind: Gateway}\n".into(), ErrorAt("spec.targetRef.name")),
        (V, "bad targetRef - non-empty namespace", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: foo, namespace: bar}]\n".into(), ErrorAt("spec.targetRefs[0].namespace")),
        (V, "bad targetRef - wrong group", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRef: {group: wrong-group, kind: Gateway, name: foo}\n".into(), ErrorAt("spec.targetRef.kind")),
        (V, "bad targetRef - wrong kind", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRef: {group: gateway.networking.k8s.io, kind: wrong-kind, name: foo}\n".into(), ErrorAt("spec.targetRef.kind")),
        (V, "targetRef and selector cannot both be set", "apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: foo, namespace: foo}\nspec:\n  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo}\n  selector: {matchLabels: {app: httpbin}}\n".into(), ErrorAt("spec.targetRef")),
        (V, "bad header location", ra("{issuer: foo.com, jwksUri: 'https://foo.com', fromHeaders: [{name: '', prefix: 'Bearer '}]}"), ErrorAt("spec.jwtRules[0].fromHeaders[0].name")),
        (V, "bad param location", ra("{issuer: foo.com, jwksUri: 'https://foo.com', fromParams: ['']}"), ErrorAt("spec.jwtRules[0].fromParams[0]")),
        (V, "good", ra("{issuer: foo.com, jwksUri: 'https://foo.com', fromHeaders: [{name: x-foo, prefix: 'Bearer '}]}"), Valid),
        (V, "bad cookie location", ra("{issuer: foo.com, jwksUri: 'https://foo.com', fromCookies: [foo, '']}"), ErrorAt("spec.jwtRules[0].fromCookies[1]")),
        (V, "jwks ok", ra(&format!("{{issuer: foo.com, jwks: '{PUBLIC_JWKS}', fromHeaders: [{{name: x-foo}}]}}")), Valid),
        (V, "jwks error", ra("{issuer: foo.com, jwks: foo, fromHeaders: [{name: x-foo}]}"), ErrorAt("spec.jwtRules[0].jwks")),
        (V, "jwks with private RSA key warns", ra(r#"{issuer: foo.com, jwks: '{"keys":[{"kty":"RSA","e":"AQAB","kid":"private","n":"xAE7eB6qugXyCAG3yhh7","d":"jJVKLOMXjlSnICzfP_eWshwR"}]}'}"#), WarningAt("spec.jwtRules[0].jwks")),
        (V, "null claim value in outputClaimToHeader", ra("{issuer: foo.com, jwksUri: 'https://foo.com', outputClaimToHeaders: [{header: x-jwt-claim, claim: ''}]}"), ErrorAt("spec.jwtRules[0].outputClaimToHeaders[0].claim")),
        (V, "null header value in outputClaimToHeader", ra("{issuer: foo.com, jwksUri: 'https://foo.com', outputClaimToHeaders: [{header: '', claim: sub}]}"), ErrorAt("spec.jwtRules[0].outputClaimToHeaders[0].header")),
        (V, "invalid header value in outputClaimToHeader", ra("{issuer: foo.com, jwksUri: 'https://foo.com', outputClaimToHeaders: [{header: 'abc%123', claim: sub}]}"), ErrorAt("spec.jwtRules[0].outputClaimToHeaders[0].header")),
        (V, "audience must be non-empty string", ra("{issuer: foo.com, audiences: [a, '']}"), ErrorAt("spec.jwtRules[0].audiences[1]")),
        ("istio agent ValidateDuration", "timeout below 1ms", ra("{issuer: foo.com, timeout: 500us}"), ErrorAt("spec.jwtRules[0].timeout")),
        ("istio agent ValidateDuration", "timeout of 5s", ra("{issuer: foo.com, timeout: 5s, forwardOriginalToken: true, outputPayloadToHeader: x-jwt}"), Valid),
        (P, "tcp://foo.bar.com:abc", ra("{issuer: foo.com, jwksUri: 'tcp://foo.bar.com:abc'}"), ErrorAt("spec.jwtRules[0].jwksUri")),
        (P, "http://foo.bar.com:abc", ra("{issuer: foo.com, jwksUri: 'http://foo.bar.com:abc'}"), ErrorAt("spec.jwtRules[0].jwksUri")),
        (P, "https://foo.bar.com:1234/secure/key", ra("{issuer: foo.com, jwksUri: 'https://foo.bar.com:1234/secure/key'}"), Valid),
        (P, "unsupported scheme (proto field name jwks_uri)", ra("{issuer: foo.com, jwks_uri: 'ftp://foo.bar.com/key'}"), ErrorAt("spec.jwtRules[0].jwks_uri")),
        ("istio CRD x-kubernetes-validations", "only one of jwks or jwksUri can be set", ra(&format!("{{issuer: foo.com, jwksUri: 'https://foo.com', jwks: '{PUBLIC_JWKS}'}}")), ErrorAt("spec.jwtRules[0].jwks")),
    ];
    for (src, name, yaml, expect) in &cases {
        check(&format!("{src}: {name}"), yaml, *expect);
    }
}

#[test]
fn jwks_parsing_follows_jwx() {
    // lestrrat-go/jwx v1 jwk.Parse, as istio/istio validateJwtRule uses it.
    for (name, jwks, ok, warn) in [
        (
            "single key without a keys member",
            r#"{"kty":"EC","crv":"P-256","x":"AQAB","y":"AQAB"}"#,
            true,
            false,
        ),
        ("empty key set", r#"{"keys":[]}"#, true, false),
        ("unknown kty", r#"{"keys":[{"kty":"XYZ"}]}"#, false, false),
        ("RSA without e", r#"{"keys":[{"kty":"RSA","n":"AQAB"}]}"#, false, false),
        ("EC with an unknown curve", r#"{"kty":"EC","crv":"P-999","x":"AQAB","y":"AQAB"}"#, false, false),
        ("n not base64", r#"{"kty":"RSA","e":"AQAB","n":"***"}"#, false, false),
        ("symmetric key warns", r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#, true, true),
        ("not an object", r#"["a"]"#, false, false),
    ] {
        let yaml = ra(&format!("{{issuer: foo.com, jwks: '{jwks}'}}"));
        let d = diagnostics(&yaml);
        let errors = d.iter().filter(|d| d.severity == crate::validate::Severity::Error).count();
        let warnings = d.iter().filter(|d| d.severity == crate::validate::Severity::Warning).count();
        assert_eq!(errors == 0, ok, "{name}: {d:#?}");
        assert_eq!(warnings > 0, warn, "{name}: {d:#?}");
    }
}
