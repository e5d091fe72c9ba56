//! WorkloadEntry validation cases, each pinned to a row of istio/istio
//! `pkg/config/validation/validation_test.go` `TestValidateWorkloadEntry` (or the rule in
//! `validation.go` `validateWorkloadEntry` it exercises).

use super::{Expect, Expect::*, check};

/// `(upstream behaviour, resource, expectation)`.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "istio validation_test.go TestValidateWorkloadEntry: valid",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: 1.2.3.4
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: missing address",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec: {}
"#,
        ErrorAt("spec.address"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: missing address with network (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  network: network-2
"#,
        WarningAt("spec.address"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: valid unix endpoint",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "unix:///lon/google/com"
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: invalid unix endpoint (ports on a unix address)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "unix:///lon/google/com"
  ports: {"7777": 7777}
"#,
        ErrorAt("spec.ports"),
    ),
    (
        "istio validation.go ValidateUnixAddress: unix address must be an absolute path",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "unix://relative.sock"
"#,
        ErrorAt("spec.address"),
    ),
    (
        "istio validation.go ValidateUnixAddress: abstract unix socket (@name) is allowed",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "unix://@abstract"
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: valid FQDN",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: validdns.com
  ports: {"7777": 7777}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: invalid FQDN",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "invaliddns.com:9443"
  ports: {"7777": 7777}
"#,
        ErrorAt("spec.address"),
    ),
    (
        "istio validation_test.go TestValidateWorkloadEntry: valid IP",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: 172.16.1.1
  ports: {"7777": 7777}
"#,
        Valid,
    ),
    (
        "istio validation.go validateWorkloadEntry: port number out of range (agent.ValidatePort)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: 10.0.0.1
  ports: {http: 0}
"#,
        ErrorAt("spec.ports[http]"),
    ),
    (
        "istio validation.go validateWorkloadEntry: port name must be a DNS-1123 label (ValidatePortName)",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: 10.0.0.1
  ports: {http_web: 8080}
"#,
        ErrorAt("spec.ports[http_web]"),
    ),
    (
        "istio validation.go validateWorkloadEntry: labels.Instance.Validate rejects a bad label value",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: 10.0.0.1
  labels: {app: "-bad-"}
"#,
        ErrorAt("spec.labels[app]"),
    ),
    (
        "istio validation.go validateWorkloadEntry: weight, locality, network and serviceAccount are not checked",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "2001:db8::1"
  weight: 0
  locality: us-east1/us-east1-b
  network: vm-network
  serviceAccount: reviews-sa
  labels: {app: reviews, version: v1}
"#,
        Valid,
    ),
    (
        "istio validation.go ValidateUnixAddress: a unix endpoint address must be an absolute path to a file",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "unix:///var/run/dir/"
"#,
        ErrorAt("spec.address"),
    ),
    (
        "istio netutil.IsValidIPAddress (Go netip.ParseAddr): an IPv6 endpoint address may carry a zone",
        r#"apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: we, namespace: default}
spec:
  address: "fe80::1%eth0"
"#,
        Valid,
    ),
];

#[test]
fn workload_entry_cases() {
    for (name, yaml, expect) in CASES {
        check(name, yaml, *expect);
    }
}
