//! PeerAuthentication cases, pinned to istio/istio `pkg/config/validation/validation_test.go`
//! `TestValidatePeerAuthentication`.

use super::{Expect::*, check, diagnostics};

const V: &str = "istio validation_test.go TestValidatePeerAuthentication";

#[test]
fn webhook_cases() {
    for (name, yaml, expect) in [
        (
            "empty spec",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {}
"#,
            Valid,
        ),
        (
            "empty mtls with selector of empty labels",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: foo}
spec:
  selector: {}
"#,
            WarningAt("spec.selector"),
        ),
        (
            "default name with non empty selector",
            r#"
apiVersion: security.istio.io/v1beta1
kind: PeerAuthentication
metadata: {name: default, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
"#,
            Valid,
        ),
        (
            "empty port level mtls",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: foo, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  portLevelMtls: {}
"#,
            ErrorAt("spec.portLevelMtls"),
        ),
        (
            "empty selector with port level mtls",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: foo}
spec:
  portLevelMtls:
    8080: {mode: UNSET}
"#,
            ErrorAt("spec.portLevelMtls"),
        ),
        (
            "empty selector with port level mtls (selector without labels)",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: foo, namespace: foo}
spec:
  selector: {matchLabels: {}}
  portLevelMtls:
    "8080": {mode: STRICT}
"#,
            ErrorAt("spec.portLevelMtls"),
        ),
        (
            "port 0",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: foo, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  portLevelMtls:
    0: {mode: UNSET}
"#,
            ErrorAt("spec.portLevelMtls[0]"),
        ),
        (
            "port above 65535 (port must be in range 1..65535)",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: foo, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  portLevelMtls:
    "65536": {mode: DISABLE}
"#,
            ErrorAt("spec.portLevelMtls[65536]"),
        ),
        (
            "unset mode",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
  mtls: {mode: UNSET}
"#,
            Valid,
        ),
        (
            "port level",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: port-level, namespace: foo}
spec:
  selector: {matchLabels: {app: httpbin}}
  mtls: {mode: PERMISSIVE}
  portLevelMtls:
    8080: {mode: STRICT}
    "9090": {mode: DISABLE}
"#,
            Valid,
        ),
        (
            "validateWorkloadSelector: wildcard is not supported in selector",
            r#"
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: foo, namespace: foo}
spec:
  selector: {matchLabels: {app: "http*"}}
"#,
            ErrorAt("spec.selector.matchLabels[app]"),
        ),
    ] {
        check(&format!("{V}: {name}"), yaml, expect);
    }
}

#[test]
fn port_keys_round_trip_as_strings() {
    // Istio's map<uint32, MutualTLS> keys: YAML integer and string keys mean the same port.
    let a = diagnostics(
        "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: a, namespace: b}\nspec:\n  selector: {matchLabels: {app: x}}\n  portLevelMtls: {8080: {mode: STRICT}}\n",
    );
    assert!(a.is_empty(), "{a:#?}");
    let spec: crate::security::PeerAuthenticationSpec =
        serde_yaml_ng::from_str("portLevelMtls: {8080: {mode: STRICT}, \"9090\": {}}").unwrap();
    let ports = spec.port_level_mtls.as_ref().unwrap();
    assert!(ports.contains_key("8080") && ports.contains_key("9090"));
    let json = serde_json::to_string(&spec).unwrap();
    assert_eq!(json, r#"{"portLevelMtls":{"8080":{"mode":"STRICT"},"9090":{}}}"#);
    let back: crate::security::PeerAuthenticationSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, spec);
}
