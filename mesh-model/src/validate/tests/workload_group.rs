//! WorkloadGroup validation cases, each pinned to a row of istio/istio
//! `pkg/config/validation/validation_test.go` `TestValidateWorkloadGroup` (or the rule in
//! `validation.go` `ValidateWorkloadGroup`/`validateReadinessProbe` it exercises).

use super::{Expect, Expect::*, check};

/// `(upstream behaviour, resource, expectation)`.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "istio validation_test.go TestValidateWorkloadGroup: valid (empty template)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
"#,
        Valid,
    ),
    (
        "istio validation.go ValidateWorkloadGroup: template is required",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  metadata: {labels: {app: reviews}}
"#,
        ErrorAt("spec.template"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: invalid (metadata label `.: ~`)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  metadata:
    labels: {".": "~"}
"#,
        ErrorAt("spec.metadata.labels[.]"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe missing method",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe: {periodSeconds: 5}
"#,
        ErrorAt("spec.probe"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe http empty",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    httpGet: {}
"#,
        ErrorAt("spec.probe.httpGet.port"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe http valid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    httpGet: {port: 5}
"#,
        Valid,
    ),
    (
        "istio validation.go validateReadinessProbe: httpGet.scheme must be HTTP or HTTPS",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    httpGet: {port: 8080, scheme: FTP}
"#,
        ErrorAt("spec.probe.httpGet.scheme"),
    ),
    (
        "istio validation.go ValidateProbeHeaderName: probe header names are [-A-Za-z0-9]+",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    httpGet:
      port: 8080
      path: /ready
      httpHeaders: [{name: X-Ok, value: a}, {name: "x_bad", value: b}]
"#,
        ErrorAt("spec.probe.httpGet.httpHeaders[1].name"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe tcp invalid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    tcpSocket: {}
"#,
        ErrorAt("spec.probe.tcpSocket.port"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe tcp valid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    tcpSocket: {port: 5}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe exec invalid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    exec: {}
"#,
        ErrorAt("spec.probe.exec.command"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadGroup: probe exec valid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    initialDelaySeconds: 5
    timeoutSeconds: 3
    periodSeconds: 4
    successThreshold: 1
    failureThreshold: 3
    exec: {command: [foo, bar]}
"#,
        Valid,
    ),
    (
        "istio validation.go validateReadinessProbe: periodSeconds must be non-negative",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    periodSeconds: -1
    tcpSocket: {port: 5}
"#,
        ErrorAt("spec.probe.periodSeconds"),
    ),
    (
        "istio validation.go validateReadinessProbe: no grpc case, unknown health check method",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template: {}
  probe:
    grpc: {port: 9090}
"#,
        ErrorAt("spec.probe.grpc"),
    ),
    (
        "istio validation.go ValidateWorkloadGroup: the template is not validated as a WorkloadEntry (no address needed, DNS name fine)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  metadata:
    labels: {app.kubernetes.io/name: reviews, app.kubernetes.io/version: "1.3.4"}
  template:
    ports: {grpc: 3550, http: 8080}
    serviceAccount: default
    network: vm-net
"#,
        Valid,
    ),
    (
        "istio CRD workloadgroups.networking.istio.io template rule: UDS may not include ports",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadGroup
metadata: {name: wg, namespace: default}
spec:
  template:
    address: "unix:///var/run/app.sock"
    ports: {http: 8080}
"#,
        ErrorAt("spec.template.ports"),
    ),
];

#[test]
fn workload_group_cases() {
    for (name, yaml, expect) in CASES {
        check(name, yaml, *expect);
    }
}
