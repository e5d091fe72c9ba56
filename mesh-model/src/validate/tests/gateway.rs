//! Gateway validation cases, each pinned to a row of istio/istio
//! `pkg/config/validation/validation_test.go` (or the rule in `validation.go` it exercises).

use super::{Expect, Expect::*, check};

/// `(upstream behaviour, resource, expectation)`.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "istio validation_test.go TestValidateGateway: empty (a Gateway with `servers: []`)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: []
"#,
        ErrorAt("spec.servers"),
    ),
    (
        "istio validation_test.go TestValidateGateway: happy domain",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: name1, protocol: http}, hosts: [foo.bar.com]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateGateway: happy k8s gateway-api server with no attached routes (`~/` rejected without gateway semantics)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: name1, protocol: http}, hosts: ["~/foo.bar.com"]}]
"#,
        ErrorAt("spec.servers[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateGateway: invalid port",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 66000, name: name1, protocol: http}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("spec.servers[0].port.number"),
    ),
    (
        "istio validation_test.go TestValidateGateway: duplicate port names",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers:
    - {port: {number: 80, name: foo, protocol: http}, hosts: [foo.bar.com]}
    - {port: {number: 8080, name: foo, protocol: http}, hosts: [scooby.doo.com]}
"#,
        ErrorAt("spec.servers[1].port.name"),
    ),
    (
        "istio validation_test.go TestValidateGateway: invalid domain",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: ["foo.*.bar.com"]}]
"#,
        ErrorAt("spec.servers[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateGateway: valid httpsRedirect",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 80, name: http, protocol: http}, hosts: [bar.com], tls: {httpsRedirect: true}}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateGateway: invalid https httpsRedirect (warning only)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 80, name: https, protocol: https}, hosts: [bar.com], tls: {httpsRedirect: true}}]
"#,
        WarningAt("spec.servers[0].tls.httpsRedirect"),
    ),
    (
        "istio validation_test.go TestValidateGateway: invalid partial wildcard",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: tls, protocol: tls}, hosts: ["*bar.com"], tls: {mode: ISTIO_MUTUAL}}]
"#,
        ErrorAt("spec.servers[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServer: happy ip",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: [1.1.1.1]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServer: happy ns/name, */name and ./name",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: [ns1/foo.bar.com, "*/foo.bar.com", ./foo.bar.com]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServer: invalid short name host",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: [foo]}]
"#,
        ErrorAt("spec.servers[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServer: invalid domain ns/name format",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: ["ns1/foo.*.bar.com"]}]
"#,
        ErrorAt("spec.servers[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServer: empty (no hosts)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}}]
"#,
        ErrorAt("spec.servers[0].hosts"),
    ),
    (
        "istio validation_test.go TestValidateServer: no tls on HTTPS",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 10000, name: https, protocol: https}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("spec.servers[0].tls"),
    ),
    (
        "istio validation_test.go TestValidateServer: tls on HTTP",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 10000, name: http, protocol: http}, hosts: [foo.bar.com], tls: {mode: SIMPLE}}]
"#,
        ErrorAt("spec.servers[0].tls"),
    ),
    (
        "istio validation_test.go TestValidateServer: bind ip",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: [foo.bar.com], bind: 127.0.0.1}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServer: bind unix path with invalid port",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 7, name: http, protocol: http}, hosts: [foo.bar.com], bind: "unix://@foobar"}]
"#,
        ErrorAt("spec.servers[0].port.number"),
    ),
    (
        "istio validation_test.go TestValidateServer: bind unix path",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 0, name: http, protocol: http}, hosts: [foo.bar.com], bind: "unix://@foobar"}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServer: bind bad ip",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 0, name: http, protocol: http}, hosts: [foo.bar.com], bind: foo.bar}]
"#,
        ErrorAt("spec.servers[0].bind"),
    ),
    (
        "istio validation_test.go TestValidateServerPort: invalid protocol",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 1, name: Henry, protocol: kafka}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("spec.servers[0].port.protocol"),
    ),
    (
        "istio validation_test.go TestValidateServerPort: empty (port name must be set)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 80, name: "", protocol: http}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("spec.servers[0].port.name"),
    ),
    (
        "istio validation.go validateServerPort: targetPort has no impact on Gateways",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 80, name: http, protocol: http, targetPort: 8080}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("spec.servers[0].port.targetPort"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: simple",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, serverCertificate: /etc/certs/tls.crt, privateKey: /etc/certs/tls.key}}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: simple sds with client bundle but with server cert",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, serverCertificate: a, privateKey: b, credentialName: sds-name}}]
"#,
        ErrorAt("spec.servers[0].tls"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: simple no server cert",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, privateKey: b}}]
"#,
        ErrorAt("spec.servers[0].tls.serverCertificate"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: mutual no client CA bundle",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: MUTUAL, serverCertificate: a, privateKey: b}}]
"#,
        ErrorAt("spec.servers[0].tls.caCertificates"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: simple 2 certs with missing private key",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, tlsCertificates: [{serverCertificate: a}, {serverCertificate: c, privateKey: d}]}}]
"#,
        ErrorAt("spec.servers[0].tls.tlsCertificates[0].privateKey"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: mutual more than 2 certs (webhook warns; the CRD's maxItems: 2 rejects)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: MUTUAL, caCertificates: ca, tlsCertificates: [{serverCertificate: a, privateKey: b}, {serverCertificate: c, privateKey: d}, {serverCertificate: e, privateKey: f}]}}]
"#,
        ErrorAt("spec.servers[0].tls.tlsCertificates"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: pass through sds no certs (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [foo.bar.com], tls: {mode: PASSTHROUGH, credentialName: sds-name}}]
"#,
        WarningAt("spec.servers[0].tls"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: istio_mutual with server cert",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [foo.bar.com], tls: {mode: ISTIO_MUTUAL, serverCertificate: a}}]
"#,
        ErrorAt("spec.servers[0].tls.serverCertificate"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: istio_mutual with credential name",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: tls, protocol: TLS}, hosts: [foo.bar.com], tls: {mode: ISTIO_MUTUAL, credentialName: some-cred}}]
"#,
        ErrorAt("spec.servers[0].tls.credentialName"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: invalid cipher suites (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, credentialName: sds-name, cipherSuites: [not-a-cipher-suite]}}]
"#,
        WarningAt("spec.servers[0].tls.cipherSuites"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: cipher suites operations",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, credentialName: sds-name, cipherSuites: ["-ECDHE-ECDSA-AES128-SHA", ECDHE-ECDSA-AES128-SHA]}}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: crl specified for SIMPLE TLS",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, caCrl: crl, serverCertificate: a, privateKey: b}}]
"#,
        ErrorAt("spec.servers[0].tls.caCrl"),
    ),
    (
        "istio validation_test.go TestValidateTlsOptions: with CredentialNames",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: MUTUAL, credentialNames: [credential1, credential2]}}]
"#,
        Valid,
    ),
    (
        "istio validation.go validateTLSOptions: TLS below 1.2 without cipher suites (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
spec:
  servers: [{port: {number: 443, name: https, protocol: HTTPS}, hosts: [foo.bar.com], tls: {mode: SIMPLE, credentialName: cert, minProtocolVersion: TLSV1_1}}]
"#,
        WarningAt("spec.servers[0].tls.minProtocolVersion"),
    ),
    (
        "istio validation.go ValidateGateway: gateway name must be a DNS-1123 label (no dots)",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: my.gateway
  namespace: default
spec:
  servers: [{port: {number: 80, name: http, protocol: http}, hosts: [foo.bar.com]}]
"#,
        ErrorAt("metadata.name"),
    ),
    (
        "istio validation_test.go TestValidateK8sGateway: happy k8s gateway-api server with no attached routes",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: gw
  namespace: default
  annotations:
    internal.istio.io/gateway-semantics: gateway
spec:
  servers: [{port: {number: 7, name: name1, protocol: http}, hosts: ["~/foo.bar.com"]}]
"#,
        Valid,
    ),
    (
        "istio agent ValidateIPAddress (Go netip.ParseAddr): an IPv6 bind may carry a zone",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar.com], bind: "fe80::1%eth0"}]
"#,
        Valid,
    ),
    (
        "istio agent ValidateIPAddress (Go netip.ParseAddr): IPv4 with leading zeros is not an IP",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: [foo.bar.com], bind: "01.2.3.4"}]
"#,
        ErrorAt("spec.servers[0].bind"),
    ),
    (
        "istio validation.go ValidateUnixAddress: a unix bind must be an absolute path",
        r#"apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  servers: [{port: {number: 0, name: uds, protocol: HTTP}, hosts: [foo.bar.com], bind: "unix://relative/sock"}]
"#,
        ErrorAt("spec.servers[0].bind"),
    ),
];

#[test]
fn gateway_cases() {
    for (name, yaml, expect) in CASES {
        check(name, yaml, *expect);
    }
}

/// A Gateway using every field of the CRD: it decodes, validates cleanly, and survives
/// serialise -> load unchanged.
const EVERY_FIELD: &str = r#"apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata:
  name: full
  namespace: istio-system
spec:
  selector:
    istio: ingressgateway
  servers:
    - name: https-server
      port: {number: 443, protocol: HTTPS, name: https}
      bind: 0.0.0.0
      defaultEndpoint: "127.0.0.1:8443"
      hosts: ["ns1/foo.example.com", "*.bar.example.com"]
      tls:
        mode: MUTUAL
        serverCertificate: /etc/certs/tls.crt
        privateKey: /etc/certs/tls.key
        caCertificates: /etc/certs/ca.crt
        caCrl: /etc/certs/ca.crl
        caCertCredentialName: ca-secret
        subjectAltNames: [client.example.com]
        verifyCertificateSpki: ["bm90IGEgcmVhbCBoYXNo"]
        verifyCertificateHash: ["AB:CD"]
        minProtocolVersion: TLSV1_2
        maxProtocolVersion: TLSV1_3
        cipherSuites: [ECDHE-RSA-AES128-GCM-SHA256]
        insecureSkipVerify: false
    - port: {number: 8443, protocol: HTTPS, name: https-multi}
      hosts: [multi.example.com]
      tls:
        mode: SIMPLE
        tlsCertificates:
          - {serverCertificate: /a.crt, privateKey: /a.key, caCertificates: /a-ca.crt}
          - {serverCertificate: /b.crt, privateKey: /b.key}
    - port: {number: 80, protocol: HTTP, name: http}
      hosts: ["*"]
      tls: {httpsRedirect: true}
"#;

#[test]
fn gateway_every_field_round_trips() {
    check("every Gateway field", EVERY_FIELD, Valid);
    let gw: crate::networking::Gateway = serde_yaml_ng::from_str(EVERY_FIELD).expect("decodes");
    let text = serde_yaml_ng::to_string(&gw).expect("serialises");
    let back: crate::networking::Gateway = serde_yaml_ng::from_str(&text).expect("reloads");
    assert_eq!(back, gw);
    assert_eq!(
        gw.spec.servers[0].tls.as_ref().and_then(|t| t.mode),
        Some(crate::networking::ServerTlsMode::Mutual)
    );
    assert!(!text.contains("credentialName:"), "unset fields are omitted:\n{text}");
}
