//! AuthorizationPolicy cases, pinned to istio/istio `pkg/config/validation/validation_test.go`
//! `TestValidateAuthorizationPolicy` and `pkg/config/security/security_test.go`.

use super::{Expect, Expect::*, check, diagnostics};

const V: &str = "istio validation_test.go TestValidateAuthorizationPolicy";
const S: &str = "istio security_test.go";

fn run(cases: &[(&str, &str, &str, Expect)]) {
    for (src, name, yaml, expect) in cases {
        check(&format!("{src}: {name}"), yaml, *expect);
    }
}

#[test]
fn webhook_cases() {
    run(&[
        (
            V,
            "good",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin, version: v1}}
  rules:
  - from:
    - source: {principals: [sa1]}
    - source: {principals: [sa2]}
    to:
    - operation: {methods: [GET]}
    - operation: {methods: [POST]}
    when:
    - {key: source.ip, values: [1.2.3.4, 5.6.0.0/16]}
    - {key: "request.headers[X-header]", values: [header], notValues: [bad-header]}
"#,
            Valid,
        ),
        (
            V,
            "good serviceAccounts",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {app: httpbin}}
  rules:
  - from:
    - source: {serviceAccounts: [ns1/sa1, ns2/sa2]}
    - source: {principals: [sa2]}
"#,
            Valid,
        ),
        (
            V,
            "serviceAccounts and namespaces",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from:
    - source: {serviceAccounts: [ns1/sa1, ns2/sa2], namespaces: [ns]}
"#,
            ErrorAt("spec.rules[0].from[0].source.serviceAccounts"),
        ),
        (
            V,
            "custom-good",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  provider: {name: my-custom-authz}
  rules: [{}]
"#,
            Valid,
        ),
        (
            V,
            "custom-empty-provider",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  provider: {name: ""}
  rules: [{}]
"#,
            ErrorAt("spec.provider.name"),
        ),
        (
            V,
            "custom-nil-provider",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  rules: [{}]
"#,
            ErrorAt("spec.provider"),
        ),
        (
            V,
            "custom-invalid-rule (source fields)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  provider: {name: my-custom-authz}
  rules:
  - from:
    - source: {namespaces: [ns], notNamespaces: [ns], principals: [id], notPrincipals: [id], requestPrincipals: [req], notRequestPrincipals: [req]}
"#,
            ErrorAt("spec.rules[0].from[0].source.requestPrincipals"),
        ),
        (
            V,
            "custom-invalid-rule (when keys)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  provider: {name: my-custom-authz}
  rules:
  - when:
    - {key: source.namespace, values: [source.namespace1], notValues: [source.namespace2]}
    - {key: source.principal, values: [source.principal1], notValues: [source.principal2]}
    - {key: "request.auth.claims[a]", values: [claims1], notValues: [claims2]}
"#,
            ErrorAt("spec.rules[0].when[2].key"),
        ),
        (
            V,
            "custom action without rules (CUSTOM action without `rules` is meaningless)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: CUSTOM
  provider: {name: my-custom-authz}
"#,
            ErrorAt("spec.rules"),
        ),
        (
            V,
            "provider-wrong-action",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: ALLOW
  provider: {name: ""}
  rules: [{}]
"#,
            ErrorAt("spec.provider"),
        ),
        (
            V,
            "allow-rules-nil",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: ALLOW
"#,
            Valid,
        ),
        (
            V,
            "dry-run-valid-allow",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ap
  namespace: default
  annotations: {istio.io/dry-run: "true"}
spec:
  action: ALLOW
"#,
            Valid,
        ),
        (
            V,
            "dry-run-valid-deny",
            r#"
apiVersion: security.istio.io/v1beta1
kind: AuthorizationPolicy
metadata:
  name: ap
  namespace: default
  annotations: {istio.io/dry-run: "false"}
spec:
  action: DENY
  rules: [{}]
"#,
            Valid,
        ),
        (
            V,
            "dry-run-invalid-value",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ap
  namespace: default
  annotations: {istio.io/dry-run: foo}
spec:
  action: ALLOW
"#,
            ErrorAt("metadata.annotations[istio.io/dry-run]"),
        ),
        (
            V,
            "dry-run-invalid-action-custom",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ap
  namespace: default
  annotations: {istio.io/dry-run: "true"}
spec:
  action: CUSTOM
"#,
            ErrorAt("metadata.annotations[istio.io/dry-run]"),
        ),
        (
            V,
            "dry-run-invalid-action-audit",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ap
  namespace: default
  annotations: {istio.io/dry-run: "true"}
spec:
  action: AUDIT
"#,
            ErrorAt("metadata.annotations[istio.io/dry-run]"),
        ),
        (
            V,
            "deny-rules-nil",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
"#,
            ErrorAt("spec.rules"),
        ),
        (
            V,
            "selector-empty-value",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {app: "", version: v1}}
"#,
            Valid,
        ),
        (
            V,
            "selector-empty-key",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {"": httpbin, version: v1}}
"#,
            ErrorAt("spec.selector.matchLabels[]"),
        ),
        (
            V,
            "selector-empty-labels",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {}
"#,
            WarningAt("spec.selector"),
        ),
        (
            V,
            "selector-wildcard-value",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {app: "httpbin-*"}}
"#,
            ErrorAt("spec.selector.matchLabels[app]"),
        ),
        (
            V,
            "selector-wildcard-key",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  selector: {matchLabels: {"app-*": httpbin}}
"#,
            ErrorAt("spec.selector.matchLabels[app-*]"),
        ),
    ]);
}

#[test]
fn target_ref_cases() {
    run(&[
        (
            V,
            "target-ref-good",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo}
  rules:
  - from:
    - source: {principals: [sa1]}
"#,
            Valid,
        ),
        (
            V,
            "target-refs-good",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: foo}
  - {group: gateway.networking.k8s.io, kind: GatewayClass, name: istio}
"#,
            Valid,
        ),
        (
            V,
            "target-refs-good-service",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRefs:
  - {group: "", kind: Service, name: foo}
  - {group: networking.istio.io, kind: ServiceEntry, name: bar}
"#,
            Valid,
        ),
        (
            V,
            "target-ref-non-empty-namespace",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo, namespace: bar}
"#,
            ErrorAt("spec.targetRef.namespace"),
        ),
        (
            V,
            "target-ref-empty-name",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway}
"#,
            ErrorAt("spec.targetRef.name"),
        ),
        (
            V,
            "target-ref-wrong-group",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: wrong-group, kind: Gateway, name: foo}
"#,
            ErrorAt("spec.targetRef.kind"),
        ),
        (
            V,
            "target-ref-wrong-kind (in targetRefs)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRefs:
  - {group: gateway.networking.k8s.io, kind: Gateway, name: foo}
  - {group: gateway.networking.k8s.io, kind: wrong-kind, name: foo}
"#,
            ErrorAt("spec.targetRefs[1].kind"),
        ),
        (
            V,
            "target-ref-and-selector-cannot-both-be-set",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo}
  selector: {matchLabels: {app: httpbin}}
"#,
            ErrorAt("spec.targetRef"),
        ),
        (
            V,
            "target-refs-and-selector-cannot-both-be-set",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: foo}]
  selector: {matchLabels: {app: httpbin}}
"#,
            ErrorAt("spec.targetRefs"),
        ),
    ]);
}

#[test]
fn rule_cases() {
    run(&[
        (
            V,
            "source-nil",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{}]
"#,
            ErrorAt("spec.rules[0].from[0].source"),
        ),
        (
            V,
            "source-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {}}]
"#,
            ErrorAt("spec.rules[0].from[0].source"),
        ),
        (
            V,
            "operation-nil",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{}]
"#,
            ErrorAt("spec.rules[0].to[0].operation"),
        ),
        (
            V,
            "operation-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation"),
        ),
        (
            V,
            "Principals-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {principals: [p1, ""]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.principals[1]"),
        ),
        (
            V,
            "NotRequestPrincipals-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {notRequestPrincipals: [p1, ""]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.notRequestPrincipals[1]"),
        ),
        (
            V,
            "ServiceAccounts-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {serviceAccounts: [ns/sa, ""]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.serviceAccounts[1]"),
        ),
        (
            V,
            "NotIpBlocks-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {notIpBlocks: [1.2.3.4, ""]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.notIpBlocks[1]"),
        ),
        (
            V,
            "Hosts-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {hosts: [host, ""]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.hosts[1]"),
        ),
        (
            V,
            "NotPorts-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {notPorts: ["80", ""]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.notPorts[1]"),
        ),
        (
            V,
            "Methods-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {methods: [GET, ""]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.methods[1]"),
        ),
        (
            V,
            "NotPaths-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {notPaths: [/path, ""]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.notPaths[1]"),
        ),
        (
            V,
            "value-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: "request.headers[:authority]", values: [v1, ""]}]
"#,
            ErrorAt("spec.rules[0].when[0].values[1]"),
        ),
        (
            V,
            "invalid ip and port in ipBlocks (ip)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {ipBlocks: [1.2.3.4, ip1], notIpBlocks: [5.6.7.8, ip2]}}]
    to: [{operation: {ports: ["80", port1], notPorts: ["90", port2]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.notIpBlocks[1]"),
        ),
        (
            V,
            "invalid ip and port in ipBlocks (port)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {ipBlocks: [1.2.3.4, ip1], notIpBlocks: [5.6.7.8, ip2]}}]
    to: [{operation: {ports: ["80", port1], notPorts: ["90", port2]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.ports[1]"),
        ),
        (
            V,
            "invalid ip and port in remoteIpBlocks",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {remoteIpBlocks: [1.2.3.4, ip1], notRemoteIpBlocks: [5.6.7.8, ip2]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.remoteIpBlocks[1]"),
        ),
        (
            V,
            "condition-key-empty",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: "", values: [v1, v2]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            V,
            "condition-value-missing",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.principal}]
"#,
            ErrorAt("spec.rules[0].when[0].values"),
        ),
        (
            V,
            "condition-value-invalid",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.ip, values: [a.b.c.d]}]
"#,
            ErrorAt("spec.rules[0].when[0].values[0]"),
        ),
        (
            V,
            "condition-notValue-invalid",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.ip, notValues: [a.b.c.d]}]
"#,
            ErrorAt("spec.rules[0].when[0].notValues[0]"),
        ),
        (
            V,
            "condition-unknown",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: key1, values: [v1]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            V,
            "L7DenyWithFrom",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {requestPrincipals: [example.com/sub-1]}}]
"#,
            WarningAt("spec.rules[0]"),
        ),
        (
            V,
            "L7DenyWithTo",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
  rules:
  - to: [{operation: {methods: [GET], paths: [/admin]}}]
"#,
            WarningAt("spec.rules[0]"),
        ),
        (
            V,
            "L7DenyWithFromAndTo",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {principals: [temp]}}]
    to: [{operation: {methods: [GET]}}]
"#,
            WarningAt("spec.rules[0]"),
        ),
    ]);
}

#[test]
fn attribute_and_value_cases() {
    run(&[
        (
            S,
            "TestValidateCondition: request.headers[] is not a[b]",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: "request.headers[]", values: [productpage]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            S,
            "TestValidateCondition: remote.ip IP and CIDR",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: remote.ip, values: [1.2.3.4, 5.6.7.0/24, "2001:db8::/32"]}]
"#,
            Valid,
        ),
        (
            S,
            "TestValidateCondition: source.serviceAccount too/many/slashes",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.serviceAccount, values: [ns/sa, too/many/slashes]}]
"#,
            ErrorAt("spec.rules[0].when[0].values[1]"),
        ),
        (
            S,
            "TestValidateCondition: source.serviceAccount /emptyns",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.serviceAccount, notValues: [/emptyns]}]
"#,
            ErrorAt("spec.rules[0].when[0].notValues[0]"),
        ),
        (
            S,
            "TestValidateCondition: source.trustDomain fo*-bar (middle wildcard)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: source.trustDomain, values: ["foo*", "*bar", "fo*-bar"]}]
"#,
            ErrorAt("spec.rules[0].when[0].values[2]"),
        ),
        (
            S,
            "TestValidateCondition: destination.port 80, x",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: destination.port, values: ["80", x]}]
"#,
            ErrorAt("spec.rules[0].when[0].values[1]"),
        ),
        (
            S,
            "TestValidateCondition: destination.labels[app] is replaced by the selector",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: "destination.labels[app]", values: [value]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            S,
            "TestValidateCondition: destination.namespace is replaced by metadata.namespace",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: destination.namespace, values: [value]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            S,
            "TestValidateCondition: destination.user is v1alpha1 only",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: destination.user, notValues: [value]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            S,
            "TestValidateCondition: connection.sni, request.auth.*, experimental a.b[c]",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when:
    - {key: connection.sni, values: [value]}
    - {key: request.auth.principal, values: [value]}
    - {key: request.auth.audiences, values: [value]}
    - {key: request.auth.presenter, values: [value]}
    - {key: "request.auth.claims[id]", values: ["123"]}
    - {key: "experimental.envoy.filters.a.b[c]", values: [value]}
    - {key: destination.ip, values: [1.2.3.4, 5.6.7.0/24]}
    - {key: source.namespace, values: [value]}
"#,
            Valid,
        ),
        (
            S,
            "TestValidateCondition: experimental.envoy.filters.a.b.x is not a[b]",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - when: [{key: experimental.envoy.filters.a.b.x, values: [value]}]
"#,
            ErrorAt("spec.rules[0].when[0].key"),
        ),
        (
            S,
            "TestCheckTrustDomainValues: slash",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {trustDomains: [cluster.local, "cluster-*"], notTrustDomains: [cluster.local/ns/foo]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.notTrustDomains[0]"),
        ),
        (
            S,
            "TestCheckValidPathTemplate: valid templates",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {paths: ["/{*}/foo", "/{*}/foo/", "/foo/{**}/bar", "/foo/bar/{**}", "/prefix*"]}}]
"#,
            Valid,
        ),
        (
            S,
            "TestCheckValidPathTemplate: matchAnyTemplate is not the last operator",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {paths: [/ok, "/{**}/foo/temp/{*}/bar"]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.paths[1]"),
        ),
        (
            S,
            "TestCheckValidPathTemplate: matchOneTemplate with file extension",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {notPaths: ["/{*}/foo/{*}.txt"]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.notPaths[0]"),
        ),
        (
            S,
            "TestCheckValidPathTemplate: matchOneTemplate with `*`",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {paths: ["/foo/{*}/bar/*"]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.paths[0]"),
        ),
        (
            S,
            "TestCheckValidPathTemplate: named var {buzz}",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {paths: ["/foo/{buzz}/bar"]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.paths[0]"),
        ),
        (
            "istio security.go ValidatePorts",
            "port above 65535",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - to: [{operation: {ports: ["65535", "65536"]}}]
"#,
            ErrorAt("spec.rules[0].to[0].operation.ports[1]"),
        ),
        (
            "istio security.go ValidateIPs",
            "netip.ParsePrefix rejects prefix length 33",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {ipBlocks: [10.0.0.0/8, 10.0.0.0/33]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.ipBlocks[1]"),
        ),
        (
            "istio security.go CheckServiceAccount",
            "wildcard not allowed",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  rules:
  - from: [{source: {notServiceAccounts: ["ns/*"]}}]
"#,
            ErrorAt("spec.rules[0].from[0].source.notServiceAccounts[0]"),
        ),
        (
            "istio samples",
            "ALLOW with a port-only rule and no warning",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: tcp-policy, namespace: foo}
spec:
  selector: {matchLabels: {app: tcp-echo}}
  action: ALLOW
  rules:
  - to: [{operation: {ports: ["9000", "9001"]}}]
"#,
            Valid,
        ),
    ]);
}

/// Cases upstream expects to be admitted without any warning.
#[test]
fn no_warning_cases() {
    for (name, yaml) in [
        (
            "istio validation_test.go TestValidateAuthorizationPolicy: L7DenyWithFromAndToWithPort",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {principals: [temp]}}]
    to: [{operation: {methods: [GET], ports: ["8080"]}}]
"#,
        ),
        (
            "istio validation_test.go TestValidateAuthorizationPolicy: target-ref-good (Warning: false)",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  targetRef: {group: gateway.networking.k8s.io, kind: Gateway, name: foo}
"#,
        ),
        (
            "istio validation_test.go TestValidateAuthorizationPolicy: DENY with a TCP-only source",
            r#"
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: ap, namespace: default}
spec:
  action: DENY
  rules:
  - from: [{source: {ipBlocks: [1.2.3.4]}}]
"#,
        ),
    ] {
        let d = diagnostics(yaml);
        assert!(d.is_empty(), "case {name:?}: expected no diagnostics, got {d:#?}");
    }
}
