//! Sidecar validation cases, each pinned to a row of istio/istio
//! `pkg/config/validation/validation_test.go` `TestValidateSidecar` (or the rule in `validation.go`
//! it exercises). Resources live in namespace `bar`, as upstream's table does.

use super::{Expect, Expect::*, check};

/// `(upstream behaviour, resource, expectation)`.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "istio validation_test.go TestValidateSidecar: empty ingress and egress",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec: {}
"#,
        ErrorAt("spec"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: default",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: workload selector without labels (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  workloadSelector: {}
  egress: [{hosts: ["*/*"]}]
"#,
        WarningAt("spec.workloadSelector"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: import local namespace with wildcard and fqdn",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["./*", ./foo.com]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: import nothing",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["~/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: import all except an exact host",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/*", "~/foo.com"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: exclude with invalid namespace",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/*", "~Invalid_NS/*"]}]
"#,
        ErrorAt("spec.egress[0].hosts[1]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: bad egress host 1",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*"]}]
"#,
        ErrorAt("spec.egress[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: bad egress host 2",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: [/]}]
"#,
        ErrorAt("spec.egress[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: empty egress host",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: []}]
"#,
        ErrorAt("spec.egress[0].hosts"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: multiple wildcard egress",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/foo.com"]}, {hosts: [ns1/bar.com]}]
"#,
        ErrorAt("spec.egress[0]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: wildcard egress not in end",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/foo.com"]}, {port: {protocol: http, number: 8080, name: h8080}, hosts: [ns1/bar.com]}]
"#,
        ErrorAt("spec.egress[0]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid Port (number)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http1, number: 1000000, name: ""}, hosts: [ns1/bar.com]}]
"#,
        ErrorAt("spec.egress[0].port.number"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid Port (protocol)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http1, number: 1000000, name: ""}, hosts: [ns1/bar.com]}]
"#,
        ErrorAt("spec.egress[0].port.protocol"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: Port without name",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http, number: 8080}, hosts: [ns1/bar.com]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: UDS bind in outbound",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com], bind: "unix:///@foo/bar/com"}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: UDS bind in inbound",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 0, name: uds}, bind: "unix:///@foo/bar/com", defaultEndpoint: "127.0.0.1:9999"}]
"#,
        ErrorAt("spec.ingress[0].port.number"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid bind",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com], bind: "foobar:///@foo/bar/com"}]
"#,
        ErrorAt("spec.egress[0].bind"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid capture mode with uds bind",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com], bind: "unix:///@foo/bar/com", captureMode: IPTABLES}]
"#,
        ErrorAt("spec.egress[0].captureMode"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: duplicate UDS bind",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress:
    - {port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com], bind: "unix:///@foo/bar/com"}
    - {port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com], bind: "unix:///@foo/bar/com"}
"#,
        ErrorAt("spec.egress[1].bind"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: duplicate ports",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress:
    - {port: {protocol: http, number: 90, name: foo}, hosts: [ns1/bar.com]}
    - {port: {protocol: tcp, number: 90, name: tcp}, hosts: [ns2/bar.com]}
"#,
        ErrorAt("spec.egress[1].port.number"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress without port",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{defaultEndpoint: "127.0.0.1:110"}]
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.ingress[0].port"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress with duplicate ports",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress:
    - {port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:110"}
    - {port: {protocol: tcp, number: 90, name: bar}, defaultEndpoint: "127.0.0.1:110"}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.ingress[1].port.number"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress without default endpoint",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}}]
  egress: [{hosts: ["*/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress with invalid default endpoint in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "1.1.1.1:90"}]
"#,
        ErrorAt("spec.ingress[0].defaultEndpoint"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress with invalid default endpoint in IPv6",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "[1:1:1:1:1:1:1:1]:90"}]
"#,
        ErrorAt("spec.ingress[0].defaultEndpoint"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress with invalid default endpoint uds",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "unix:///"}]
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.ingress[0].defaultEndpoint"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress with invalid default endpoint port in IPv6",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "[::1]:hi"}]
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.ingress[0].defaultEndpoint"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: valid ingress and egress in IPv6",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "[::1]:9999"}]
  egress: [{hosts: ["*/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: empty protocol in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999"}]
  egress: [{hosts: ["*/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: just outbound traffic policy",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress proxy with RESGISTRY_ONLY(default)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {egressProxy: {host: foo.bar, subset: shiny, port: {number: 5000}}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.outboundTrafficPolicy.egressProxy"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress proxy with ALLOW_ANY",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: foo.bar, subset: shiny, port: {number: 5000}}}
  egress: [{hosts: ["*/*"]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress proxy with ALLOW_ANY, service hostname invalid fqdn",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: "foobar*123", subset: shiny, port: {number: 5000}}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.outboundTrafficPolicy.egressProxy.host"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress proxy(without Port) with ALLOW_ANY",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: foo.bar, subset: shiny}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.outboundTrafficPolicy.egressProxy.port"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress only one wildcarded (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/*", test/a.com]}]
"#,
        WarningAt("spec.egress[0].hosts"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress wildcarded ns",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/b.com", test/a.com]}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress duplicated with wildcarded same namespace (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["test/*", test/a.com]}]
"#,
        WarningAt("spec.egress[0].hosts[1]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: sidecar egress duplicated with wildcarded same namespace . (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["./*", bar/a.com]}]
"#,
        WarningAt("spec.egress[0].hosts[1]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid partial wildcard",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["test/*a.com"]}]
"#,
        ErrorAt("spec.egress[0].hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls mode set to ISTIO_MUTUAL in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999", tls: {mode: ISTIO_MUTUAL}}]
"#,
        ErrorAt("spec.ingress[0].tls.mode"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls mode set to ISTIO_AUTO_PASSTHROUGH in IPv6",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, defaultEndpoint: "[::1]:9999", tls: {mode: AUTO_PASSTHROUGH}}]
"#,
        ErrorAt("spec.ingress[0].tls.mode"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls invalid protocol in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999", tls: {mode: SIMPLE}}]
"#,
        ErrorAt("spec.ingress[0].port.protocol"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls httpRedirect is not supported in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999", tls: {mode: SIMPLE, httpsRedirect: true}}]
"#,
        ErrorAt("spec.ingress[0].tls.httpsRedirect"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls SAN entries are not supported in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999", tls: {mode: SIMPLE, subjectAltNames: [httpbin.com]}}]
"#,
        ErrorAt("spec.ingress[0].tls.subjectAltNames"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls credentialName is not supported in IPv6",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, defaultEndpoint: "[::1]:9999", tls: {mode: SIMPLE, credentialName: secret-name}}]
"#,
        ErrorAt("spec.ingress[0].tls.credentialName"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: ingress tls tlsCertificates is not supported in IPv4",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, defaultEndpoint: "127.0.0.1:9999", tls: {mode: SIMPLE, tlsCertificates: [{serverCertificate: /etc/istio/ingress-certs/tls.crt, privateKey: /etc/istio/ingress-certs/tls.key}]}}]
"#,
        ErrorAt("spec.ingress[0].tls.tlsCertificates"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: valid inbound connection pool",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  inboundConnectionPool: {http: {http1MaxPendingRequests: 1024, http2MaxRequests: 1024, maxRequestsPerConnection: 1024, maxRetries: 1024}}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: valid port-level connection pool with top level default",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, connectionPool: {http: {http1MaxPendingRequests: 1024, maxRetries: 1024}}}]
  inboundConnectionPool: {http: {http2MaxRequests: 1024}}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateSidecar: warn http connection settings on tcp port (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, connectionPool: {http: {http1MaxPendingRequests: 1024, maxRetries: 1024}}}]
"#,
        WarningAt("spec.ingress[0].connectionPool.http"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid top level connection pool",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  inboundConnectionPool: {}
"#,
        ErrorAt("spec.inboundConnectionPool"),
    ),
    (
        "istio validation_test.go TestValidateSidecar: invalid port-level connection pool",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: tcp, number: 90, name: foo}, connectionPool: {}}]
"#,
        ErrorAt("spec.ingress[0].connectionPool"),
    ),
    (
        "istio validation.go validateConnectionPool: negative max connections",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  inboundConnectionPool: {tcp: {maxConnections: -1}}
"#,
        ErrorAt("spec.inboundConnectionPool.tcp.maxConnections"),
    ),
    (
        "istio validation.go validateConnectionPool: http2 keepalive timeout is required",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  inboundConnectionPool: {http: {http2KeepAlive: {interval: 10s}}}
"#,
        ErrorAt("spec.inboundConnectionPool.http.http2KeepAlive.timeout"),
    ),
    (
        "istio validation.go ValidateAlphaWorkloadSelector: wildcard is not supported in selector",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  workloadSelector: {labels: {app: "foo*"}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.workloadSelector.labels[app]"),
    ),
    (
        "istio validation.go ValidateSidecar: targetPort has no impact on Sidecars",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo, targetPort: 9090}}]
"#,
        ErrorAt("spec.ingress[0].port.targetPort"),
    ),
    (
        "istio validation.go validateSidecarEgressPortBindAndCaptureMode: ports with 0 value must have a unix domain socket bind",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{port: {protocol: http, number: 0, name: uds}, hosts: [ns1/bar.com]}]
"#,
        ErrorAt("spec.egress[0].bind"),
    ),
    (
        "istio validation.go ValidateSidecar: every portless egress listener but the last is rejected",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  egress: [{hosts: ["*/a.com"]}, {hosts: ["*/b.com"]}, {hosts: ["*/c.com"]}]
"#,
        ErrorAt("spec.egress[1]"),
    ),
    (
        "istio validation.go ValidateSidecar: ingress bind must be an IP address",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo}, bind: localhost}]
"#,
        ErrorAt("spec.ingress[0].bind"),
    ),
    (
        "istio validation.go ValidateSidecar: invalid ingress port name",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  ingress: [{port: {protocol: http, number: 90, name: foo_bar}}]
"#,
        ErrorAt("spec.ingress[0].port.name"),
    ),
    (
        "istio validation.go validateDestination: sidecar egress proxy subset must be a DNS-1123 label",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: foo.bar, subset: "Bad_Subset", port: {number: 5000}}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.outboundTrafficPolicy.egressProxy.subset"),
    ),
    (
        "istio validation.go validateDestination: sidecar egress proxy port number out of range",
        r#"apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: foo
  namespace: bar
spec:
  outboundTrafficPolicy: {mode: ALLOW_ANY, egressProxy: {host: foo.bar, port: {number: 70000}}}
  egress: [{hosts: ["*/*"]}]
"#,
        ErrorAt("spec.outboundTrafficPolicy.egressProxy.port.number"),
    ),
];

#[test]
fn sidecar_cases() {
    for (name, yaml, expect) in CASES {
        check(name, yaml, *expect);
    }
}

/// A Sidecar using every field of the CRD: it decodes, validates cleanly, and survives
/// serialise -> load unchanged.
const EVERY_FIELD: &str = r#"apiVersion: networking.istio.io/v1alpha3
kind: Sidecar
metadata:
  name: full
  namespace: bar
spec:
  workloadSelector:
    labels: {app: ratings}
  ingress:
    - port: {number: 9443, protocol: HTTPS, name: https-in}
      bind: 0.0.0.0
      captureMode: IPTABLES
      defaultEndpoint: "127.0.0.1:9080"
      tls:
        mode: SIMPLE
        serverCertificate: /etc/certs/tls.crt
        privateKey: /etc/certs/tls.key
      connectionPool:
        tcp:
          maxConnections: 100
          connectTimeout: 30ms
          tcpKeepalive: {probes: 3, time: 7200s, interval: 75s}
          maxConnectionDuration: 1h
          idleTimeout: 0s
    - port: {number: 9080, protocol: HTTP, name: http-in}
      defaultEndpoint: "unix:///var/run/app.sock"
      connectionPool:
        http:
          http1MaxPendingRequests: 10
          http2MaxRequests: 100
          maxRequestsPerConnection: 1
          maxRetries: 3
          idleTimeout: 10s
          h2UpgradePolicy: UPGRADE
          useClientProtocol: false
          maxConcurrentStreams: 100
          http2KeepAlive: {interval: 10s, timeout: 3s}
  inboundConnectionPool:
    http: {http1MaxPendingRequests: 1024}
  egress:
    - port: {number: 3306, protocol: MYSQL, name: egressmysql}
      bind: 127.0.0.1
      captureMode: NONE
      hosts: ["*/mysql.foo.com"]
    - port: {number: 0, protocol: HTTP, name: uds}
      bind: "unix:///var/run/egress.sock"
      hosts: ["ns1/bar.com"]
    - hosts: ["./*", "istio-system/*"]
  outboundTrafficPolicy:
    mode: ALLOW_ANY
    egressProxy:
      host: egress.example.com
      subset: v1
      port: {number: 3128}
"#;

#[test]
fn sidecar_every_field_round_trips() {
    check("every Sidecar field", EVERY_FIELD, Valid);
    let sc: crate::networking::Sidecar = serde_yaml_ng::from_str(EVERY_FIELD).expect("decodes");
    let text = serde_yaml_ng::to_string(&sc).expect("serialises");
    let back: crate::networking::Sidecar = serde_yaml_ng::from_str(&text).expect("reloads");
    assert_eq!(back, sc);
    assert_eq!(sc.spec.egress[1].port.as_ref().and_then(|p| p.number), Some(0));
    assert!(!text.contains("targetPort:"), "unset fields are omitted:\n{text}");
}
