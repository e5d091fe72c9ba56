//! ServiceEntry validation cases, each pinned to a row of istio/istio
//! `pkg/config/validation/validation_test.go` `TestValidateServiceEntries` (or the rule in
//! `validation.go` `ValidateServiceEntry` it exercises).

use super::{Expect, Expect::*, check};

/// `(upstream behaviour, resource, expectation)`.
const CASES: &[(&str, &str, Expect)] = &[
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 8080, protocol: http, name: http-valid2}
  endpoints:
  - {address: lon.google.com, ports: {http-valid1: 8080}}
  - {address: in.google.com, ports: {http-valid2: 9080}}
  resolution: DNS
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS, label tlsMode: istio",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  endpoints:
  - {address: lon.google.com, ports: {http-valid1: 8080}, labels: {security.istio.io/tlsMode: istio}}
  resolution: DNS
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS, multi hosts set with IP address and https port (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [httpbin.org, wikipedia.org]
  addresses: [10.10.10.10]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 443, protocol: https, name: https}
  resolution: DNS
"#,
        WarningAt("spec.hosts"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: empty hosts",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]
  resolution: DNS
"#,
        ErrorAt("spec.hosts"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: bad hosts",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["-"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]
  resolution: DNS
"#,
        ErrorAt("spec.hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: full wildcard host",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [foo.com, "*"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]
  resolution: DNS
"#,
        ErrorAt("spec.hosts[1]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: short name host",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [foo, bar.com]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]
  resolution: DNS
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: undefined endpoint port",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 81, protocol: http, name: http-valid2}
  endpoints:
  - {address: lon.google.com, ports: {http-valid1: 8080}}
  - {address: in.google.com, ports: {http-dne: 9080}}
  resolution: DNS
"#,
        ErrorAt("spec.endpoints[1].ports[http-dne]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS, non-FQDN endpoint",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: "*.lon.google.com", ports: {http-valid1: 8080}}]
  resolution: DNS
"#,
        ErrorAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS, non-FQDN host (wildcard host without endpoints)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DNS
"#,
        ErrorAt("spec.hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DNS, unix endpoint",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: "unix:///lon/google/com"}]
  resolution: DNS
"#,
        ErrorAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type none, endpoints provided",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: lon.google.com, ports: {http-valid1: 8080}}]
  resolution: NONE
"#,
        ErrorAt("spec.endpoints"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type none, cidr addresses",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [172.1.2.16/16]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: NONE
"#,
        Valid,
    ),
    (
        "istio validation.go ValidateServiceEntry: CIDR addresses are allowed only for NONE/STATIC resolution types",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [10.0.0.1, 172.1.2.16/16]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DNS
"#,
        ErrorAt("spec.addresses[1]"),
    ),
    (
        "istio validation.go ValidateServiceEntry: addresses must be IPs or CIDR blocks (ValidateIPSubnet)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [10.0.0.300]
  ports: [{number: 80, protocol: http, name: http-valid1}]
"#,
        ErrorAt("spec.addresses[0]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type static, cidr addresses with endpoints",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [172.1.2.16/16]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 8080, protocol: http, name: http-valid2}
  endpoints:
  - {address: 1.1.1.1, ports: {http-valid1: 8080}}
  - {address: 2.2.2.2, ports: {http-valid2: 9080}}
  resolution: STATIC
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type static, FQDN in endpoints",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [172.1.2.16]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: google.com, ports: {http-valid1: 8080}}]
  resolution: STATIC
"#,
        ErrorAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type static, missing endpoints",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [172.1.2.16]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: STATIC
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type static, bad endpoint port name",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  addresses: [172.1.2.16]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: 2.2.2.2, ports: {http-dne: 9080}}]
  resolution: STATIC
"#,
        ErrorAt("spec.endpoints[0].ports[http-dne]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type none, conflicting port names",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports:
  - {number: 80, protocol: http, name: http-conflict}
  - {number: 8080, protocol: http, name: http-conflict}
  resolution: NONE
"#,
        ErrorAt("spec.ports[1].name"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type none, conflicting port numbers",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports:
  - {number: 80, protocol: http, name: http-conflict1}
  - {number: 80, protocol: http, name: http-conflict2}
  resolution: NONE
"#,
        ErrorAt("spec.ports[1].number"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: unix socket",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [uds.cluster.local]
  ports: [{number: 6553, protocol: grpc, name: grpc-service1}]
  resolution: STATIC
  endpoints: [{address: "unix:///path/to/socket"}]
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: unix socket, relative path",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [uds.cluster.local]
  ports: [{number: 6553, protocol: grpc, name: grpc-service1}]
  resolution: STATIC
  endpoints: [{address: "unix://./relative/path.sock"}]
"#,
        ErrorAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: unix socket, endpoint ports",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [uds.cluster.local]
  ports: [{number: 6553, protocol: grpc, name: grpc-service1}]
  resolution: STATIC
  endpoints: [{address: "unix:///path/to/socket", ports: {grpc-service1: 6553}}]
"#,
        ErrorAt("spec.endpoints[0].ports"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: unix socket, multiple service ports",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [uds.cluster.local]
  ports:
  - {number: 6553, protocol: grpc, name: grpc-service1}
  - {number: 80, protocol: http, name: http-service2}
  resolution: STATIC
  endpoints: [{address: "unix:///path/to/socket"}]
"#,
        ErrorAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: selector (resolution NONE warns)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  workloadSelector: {labels: {foo: bar}}
  ports: [{number: 80, protocol: http, name: http-valid1}]
"#,
        WarningAt("spec.workloadSelector"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: selector and endpoints",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  workloadSelector: {labels: {foo: bar}}
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: 1.1.1.1}]
"#,
        ErrorAt("spec.endpoints"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: selector and resolution DNS",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  workloadSelector: {labels: {foo: bar}}
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DNS
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: bad selector key",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  workloadSelector: {labels: {"": bar}}
  ports: [{number: 80, protocol: http, name: http-valid1}]
"#,
        ErrorAt("spec.workloadSelector.labels[]"),
    ),
    (
        "istio validation.go ValidateAlphaWorkloadSelector: wildcard is not supported in selector",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  workloadSelector: {labels: {app: "web*"}}
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: STATIC
"#,
        ErrorAt("spec.workloadSelector.labels[app]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: invalid target port",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  resolution: DNS
  ports: [{number: 80, protocol: http, name: http-valid1, targetPort: 65536}]
"#,
        ErrorAt("spec.ports[0].targetPort"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: repeat target port",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  resolution: DNS
  ports:
  - {number: 80, protocol: http, name: http-valid1, targetPort: 80}
  - {number: 81, protocol: http, name: http-valid2, targetPort: 80}
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: invalid endpoint port",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http-valid1, targetPort: 81}]
  resolution: STATIC
  endpoints: [{address: 1.1.1.1, ports: {http-valid1: 65536}}]
"#,
        ErrorAt("spec.endpoints[0].ports[http-valid1]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: protocol unset for addresses empty (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 8080, name: http-valid2}
  resolution: NONE
"#,
        WarningAt("spec.ports[1]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: protocol is TCP for addresses empty (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 81, protocol: TCP, name: tcp-valid1}
  resolution: NONE
"#,
        WarningAt("spec.ports[1].protocol"),
    ),
    (
        "istio serviceentry.ShouldV2AutoAllocateIPFromConfig: TCP without addresses is fine when IPs are auto-allocated (resolution DNS)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [db.example.com]
  ports: [{number: 5432, protocol: TCP, name: tcp-pg}]
  resolution: DNS
"#,
        Valid,
    ),
    (
        "istio validation.go ValidateProtocol: unsupported protocol",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: bogus, name: bogus-port}]
  resolution: DNS
"#,
        ErrorAt("spec.ports[0].protocol"),
    ),
    (
        "istio validation.go ValidatePortName: port name must be a DNS-1123 label",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: "http_port"}]
  resolution: DNS
"#,
        ErrorAt("spec.ports[0].name"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: dns round robin with more than one endpoint",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 8081, protocol: http, name: http-valid1}]
  endpoints:
  - {address: api-v1.istio.io, ports: {http-valid1: 8081}}
  - {address: 1.1.1.2, ports: {http-valid1: 8081}}
  resolution: DNS_ROUND_ROBIN
"#,
        ErrorAt("spec.endpoints"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: partial wildcard hosts (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.nytimes.com", "*washingtonpost.com"]
  ports: [{number: 443, protocol: HTTPS, name: https-nytimes}]
  resolution: NONE
"#,
        WarningAt("spec.hosts[1]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: network set with no address on endpoint (warning)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [www.example.com]
  ports: [{number: 443, protocol: HTTPS, name: https-example}]
  endpoints: [{network: cluster-1}]
  resolution: STATIC
"#,
        WarningAt("spec.endpoints[0].address"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 8080, protocol: http, name: http-valid2}
  resolution: DYNAMIC_DNS
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, unsupported TCP protocol",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports:
  - {number: 80, protocol: http, name: http-valid1}
  - {number: 81, protocol: TCP, name: tcp-valid1}
  resolution: DYNAMIC_DNS
"#,
        ErrorAt("spec.ports[1].protocol"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, FQDN host",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http-valid}]
  resolution: DYNAMIC_DNS
"#,
        ErrorAt("spec.hosts[0]"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, IP address set",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  addresses: [10.10.10.10]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DYNAMIC_DNS
"#,
        ErrorAt("spec.addresses"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, endpoints set",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  endpoints: [{address: in.google.com, ports: {http-valid1: 9080}}]
  resolution: DYNAMIC_DNS
"#,
        ErrorAt("spec.endpoints"),
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, internal mesh location",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DYNAMIC_DNS
  location: MESH_INTERNAL
"#,
        Valid,
    ),
    (
        "istio validation_test.go TestValidateServiceEntries: discovery type DYNAMIC_DNS, MESH_INTERNAL with waypoint (invalid)",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: se
  namespace: default
  labels: {istio.io/use-waypoint: my-waypoint}
spec:
  hosts: ["*.google.com"]
  ports: [{number: 80, protocol: http, name: http-valid1}]
  resolution: DYNAMIC_DNS
  location: MESH_INTERNAL
"#,
        ErrorAt("spec.location"),
    ),
    (
        "istio validation.go ValidateServiceEntry: multiple hosts provided with non-HTTP, non-TLS ports",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [a.example.com, b.example.com]
  ports:
  - {number: 80, protocol: HTTP, name: http}
  - {number: 3306, protocol: MYSQL, name: mysql}
  resolution: DNS
"#,
        ErrorAt("spec.ports[1].protocol"),
    ),
    (
        "istio validation_test.go Test_validateExportTo: ~ is allowed for service entry configs",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http}]
  resolution: DNS
  exportTo: ["~"]
"#,
        Valid,
    ),
    (
        "istio validation_test.go Test_validateExportTo: none and other namespaces cannot be combined in service entry exportTo",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http}]
  resolution: DNS
  exportTo: ["~", ns1]
"#,
        ErrorAt("spec.exportTo"),
    ),
    (
        "istio validation_test.go Test_validateExportTo: . and same namespace in exportTo is not okay",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: ns1}
spec:
  hosts: [google.com]
  ports: [{number: 80, protocol: http, name: http}]
  resolution: DNS
  exportTo: [".", ns1]
"#,
        ErrorAt("spec.exportTo[1]"),
    ),
    (
        "istio agent ValidateIPSubnet (Go netip.ParsePrefix): an IPv6 zone cannot be in a prefix",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [foo.bar.com]
  addresses: ["fe80::1%eth0/64"]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1}]
"#,
        ErrorAt("spec.addresses[0]"),
    ),
    (
        "istio agent ValidateIPSubnet: a value with two slashes is checked as an address",
        r#"apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: se, namespace: default}
spec:
  hosts: [foo.bar.com]
  addresses: ["10.0.0.0/8/9"]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1}]
"#,
        ErrorAt("spec.addresses[0]"),
    ),
];

#[test]
fn service_entry_cases() {
    for (name, yaml, expect) in CASES {
        check(name, yaml, *expect);
    }
}
