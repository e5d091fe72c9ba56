//! DestinationRule cases, each pinned to istio/istio `pkg/config/validation/validation_test.go`
//! (`TestValidateDestinationRule`, `TestValidateTrafficPolicy`, `TestValidateConnectionPool`,
//! `TestValidateLoadBalancer`, `TestValidateOutlierDetection`, `Test_validateExportTo`) or
//! `pkg/config/validation/agent/validation_test.go` (`TestValidateTLS`,
//! `TestValidateLocalityLbSetting`, `TestValidateZoneAwareLbSetting`), or to the code of
//! `ValidateDestinationRule` where no upstream row exists.

use super::{Expect, Expect::*, check};

/// Wraps a spec (YAML indented by two spaces under `spec:`) in a complete resource.
fn dr(spec: &str) -> String {
    format!(
        "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: reviews\n  namespace: default\nspec:\n{spec}"
    )
}

fn run(cases: &[(&str, &str, Expect)]) {
    for (name, spec, expect) in cases {
        check(name, &dr(spec), *expect);
    }
}

#[test]
fn destination_rule_top_level() {
    run(&[
        (
            "TestValidateDestinationRule: simple destination rule",
            "  host: reviews\n  subsets:\n  - name: v1\n    labels: {version: v1}\n  - name: v2\n    labels: {version: v2}\n",
            Valid,
        ),
        (
            "TestValidateDestinationRule: simple destination rule with empty selector labels (warning)",
            "  host: reviews\n  workloadSelector: {}\n  subsets:\n  - name: v1\n    labels: {version: v1}\n",
            WarningAt("spec.workloadSelector"),
        ),
        (
            "TestValidateDestinationRule: missing destination name",
            "  host: ''\n  subsets:\n  - name: v1\n    labels: {version: v1}\n",
            ErrorAt("spec.host"),
        ),
        ("TestValidateWildcardDomain: bad wildcard foo.*.com", "  host: foo.*.com\n", ErrorAt("spec.host")),
        ("TestValidateWildcardDomain: wildcard prefix *.bar.com", "  host: '*.bar.com'\n", Valid),
        (
            "TestValidateDestinationRule: missing subset name",
            "  host: reviews\n  subsets:\n  - name: ''\n    labels: {version: v1}\n  - name: v2\n",
            ErrorAt("spec.subsets[0].name"),
        ),
        (
            "TestValidateDestinationRule: duplicate subset names",
            "  host: reviews\n  subsets:\n  - name: foo\n    labels: {version: v1}\n  - name: foo\n    labels: {version: v2}\n",
            ErrorAt("spec.subsets[1].name"),
        ),
        (
            "validateSubsetName: subset name must be a DNS-1123 label",
            "  host: reviews\n  subsets:\n  - name: v1.0\n",
            ErrorAt("spec.subsets[0].name"),
        ),
        (
            "validateSubset: labels.Instance.Validate rejects an invalid label value",
            "  host: reviews\n  subsets:\n  - name: v1\n    labels: {version: '-bad'}\n",
            ErrorAt("spec.subsets[0].labels[version]"),
        ),
        (
            "labels.Instance.Validate: Istio's tag keys admit an upper-case DNS prefix",
            "  host: reviews\n  subsets:\n  - name: v1\n    labels: {Example.COM/version: v1}\n",
            Valid,
        ),
        (
            "labels.Instance.Validate: invalid tag key (two slashes)",
            "  host: reviews\n  subsets:\n  - name: v1\n    labels: {a/b/c: v1}\n",
            ErrorAt("spec.subsets[0].labels[a/b/c]"),
        ),
        (
            "validateWorkloadSelector: wildcard is not supported in selector",
            "  host: reviews\n  workloadSelector:\n    matchLabels: {app: 'rev*'}\n",
            ErrorAt("spec.workloadSelector.matchLabels[app]"),
        ),
        (
            "Test_validateExportTo: destination rule with workload selector and exportTo beyond the namespace",
            "  host: reviews\n  workloadSelector:\n    matchLabels: {app: reviews}\n  exportTo: ['*']\n",
            ErrorAt("spec.exportTo"),
        ),
        (
            "Test_validateExportTo: destination rule with workload selector and exportTo current namespace",
            "  host: reviews\n  workloadSelector:\n    matchLabels: {app: reviews}\n  exportTo: ['.']\n",
            Valid,
        ),
        (
            "Test_validateExportTo: destination rule with workload selector, multiple exportTo entries",
            "  host: reviews\n  workloadSelector:\n    matchLabels: {app: reviews}\n  exportTo: ['.', 'ns1']\n",
            ErrorAt("spec.exportTo"),
        ),
        (
            "Test_validateExportTo: duplicate entries . and current namespace",
            "  host: reviews\n  exportTo: ['.', 'default']\n",
            ErrorAt("spec.exportTo[1]"),
        ),
        (
            "Test_validateExportTo: public and non-public together",
            "  host: reviews\n  exportTo: ['*', 'ns1']\n",
            ErrorAt("spec.exportTo"),
        ),
        (
            "Test_validateExportTo: ~ is not allowed outside ServiceEntry",
            "  host: reviews\n  exportTo: ['~']\n",
            ErrorAt("spec.exportTo[0]"),
        ),
    ]);
}

#[test]
fn destination_rule_traffic_policy() {
    run(&[
        (
            "TestValidateDestinationRule: valid traffic policy, top level",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n    connectionPool:\n      tcp: {maxConnections: 7}\n      http: {http2MaxRequests: 11}\n    outlierDetection: {minHealthPercent: 20}\n",
            Valid,
        ),
        (
            "TestValidateDestinationRule: invalid traffic policy, top level (empty connection pool)",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer: {simple: ROUND_ROBIN}\n    connectionPool: {}\n",
            ErrorAt("spec.trafficPolicy.connectionPool"),
        ),
        (
            "TestValidateDestinationRule: invalid traffic policy, subset level",
            "  host: reviews\n  subsets:\n  - name: v1\n    trafficPolicy:\n      connectionPool: {}\n",
            ErrorAt("spec.subsets[0].trafficPolicy.connectionPool"),
        ),
        (
            "TestValidateTrafficPolicy: invalid traffic policy, nil entries",
            "  host: reviews\n  trafficPolicy: {}\n",
            ErrorAt("spec.trafficPolicy"),
        ),
        (
            "TestValidateTrafficPolicy: invalid traffic policy, missing port in port level settings",
            "  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - loadBalancer: {simple: ROUND_ROBIN}\n",
            ErrorAt("spec.trafficPolicy.portLevelSettings[0].port"),
        ),
        (
            "validatePortTrafficPolicies: port traffic policy must have at least one field",
            "  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 80}\n",
            ErrorAt("spec.trafficPolicy.portLevelSettings[0]"),
        ),
        (
            "TestValidateTrafficPolicy: invalid traffic policy, bad max connection duration",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnectionDuration: 500ns}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.tcp.maxConnectionDuration"),
        ),
        (
            "TestValidateTrafficPolicy: invalid traffic policy, both upgrade and use client protocol set",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http: {h2UpgradePolicy: UPGRADE, useClientProtocol: true}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.http.useClientProtocol"),
        ),
        (
            "validateTrafficPolicy: tunnel and proxyProtocol must not be set together",
            "  host: reviews\n  trafficPolicy:\n    tunnel: {targetHost: example.com, targetPort: 443}\n    proxyProtocol: {version: V2}\n",
            ErrorAt("spec.trafficPolicy.proxyProtocol"),
        ),
        (
            "validateTunnelSettings: valid CONNECT tunnel to an IP",
            "  host: reviews\n  trafficPolicy:\n    tunnel: {protocol: CONNECT, targetHost: 10.0.0.1, targetPort: 8443}\n",
            Valid,
        ),
        (
            "validateTunnelSettings: tunnel protocol must be CONNECT or POST",
            "  host: reviews\n  trafficPolicy:\n    tunnel: {protocol: GET, targetHost: example.com, targetPort: 443}\n",
            ErrorAt("spec.trafficPolicy.tunnel.protocol"),
        ),
        (
            "validateTunnelSettings: tunnel target port is invalid",
            "  host: reviews\n  trafficPolicy:\n    tunnel: {targetHost: example.com, targetPort: 0}\n",
            ErrorAt("spec.trafficPolicy.tunnel.targetPort"),
        ),
        (
            "validateTrafficPolicy: retryBudget alone is a field",
            "  host: reviews\n  trafficPolicy:\n    retryBudget: {percent: 20, minRetryConcurrency: 3}\n",
            Valid,
        ),
    ]);
}

#[test]
fn destination_rule_connection_pool_and_outlier() {
    run(&[
        (
            "TestValidateConnectionPool: valid connection pool, http2 keepalive",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http:\n        http2KeepAlive: {interval: 15s, timeout: 5s}\n",
            Valid,
        ),
        (
            "TestValidateConnectionPool: invalid connection pool, bad max connections",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp: {maxConnections: -1}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.tcp.maxConnections"),
        ),
        (
            "TestValidateConnectionPool: invalid connection pool, bad connect timeout",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp: {connectTimeout: 2.000000005s}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.tcp.connectTimeout"),
        ),
        (
            "TestValidateConnectionPool: invalid connection pool, bad max pending requests",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http: {http1MaxPendingRequests: -1}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.http.http1MaxPendingRequests"),
        ),
        (
            "TestValidateConnectionPool: invalid connection pool, bad max concurrent streams",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http: {maxConcurrentStreams: -1}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.http.maxConcurrentStreams"),
        ),
        (
            "TestValidateConnectionPool: valid connection pool, tcp timeout disabled",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      tcp: {idleTimeout: 0s}\n",
            Valid,
        ),
        (
            "TestValidateConnectionPool: invalid connection pool, http2 keepalive without interval",
            "  host: reviews\n  trafficPolicy:\n    connectionPool:\n      http:\n        http2KeepAlive: {timeout: 5s}\n",
            ErrorAt("spec.trafficPolicy.connectionPool.http.http2KeepAlive.interval"),
        ),
        (
            "TestValidateOutlierDetection: valid outlier detection",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {interval: 2s, baseEjectionTime: 2s, maxEjectionPercent: 50}\n",
            Valid,
        ),
        (
            "TestValidateOutlierDetection: invalid outlier detection, bad interval",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {interval: 2.000000005s}\n",
            ErrorAt("spec.trafficPolicy.outlierDetection.interval"),
        ),
        (
            "TestValidateOutlierDetection: invalid outlier detection, bad max ejection percent",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {maxEjectionPercent: 105}\n",
            ErrorAt("spec.trafficPolicy.outlierDetection.maxEjectionPercent"),
        ),
        (
            "TestValidateOutlierDetection: invalid outlier detection, panic threshold too high",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {minHealthPercent: 101}\n",
            ErrorAt("spec.trafficPolicy.outlierDetection.minHealthPercent"),
        ),
        (
            "TestValidateOutlierDetection: deprecated outlier detection, ConsecutiveErrors (warning)",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutiveErrors: 101}\n",
            WarningAt("spec.trafficPolicy.outlierDetection.consecutiveErrors"),
        ),
        (
            "TestValidateOutlierDetection: consecutive local origin errors is set but split local origin errors is not set",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutiveLocalOriginFailures: 10}\n",
            ErrorAt("spec.trafficPolicy.outlierDetection.consecutiveLocalOriginFailures"),
        ),
        (
            "validateOutlierDetection: local origin failures with the split enabled",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutiveLocalOriginFailures: 10, splitExternalLocalOriginErrors: true}\n",
            Valid,
        ),
    ]);
}

#[test]
fn destination_rule_load_balancer() {
    run(&[
        (
            "TestValidateLoadBalancer: valid load balancer with consistentHash load balancing (deprecated ring size warns)",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        minimumRingSize: 1024\n        httpCookie: {name: test, ttl: 3600s}\n",
            WarningAt("spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize"),
        ),
        (
            "TestValidateLoadBalancer: invalid load balancer with consistentHash load balancing, missing name",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpCookie: {ttl: 3600s}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name"),
        ),
        (
            "TestValidateLoadBalancer: invalid load balancer with consistentHash load balancing, maglev not prime",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        useSourceIp: true\n        maglev: {tableSize: 1000}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize"),
        ),
        (
            "validateLoadBalancer: maglev prime table size",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpHeaderName: x-user\n        maglev: {tableSize: 65537}\n",
            Valid,
        ),
        (
            "validateLoadBalancer: only one of MinimumRingSize or Maglev/Ringhash",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpHeaderName: x-user\n        minimumRingSize: 1024\n        ringHash: {minimumRingSize: 1024}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize"),
        ),
        (
            "TestValidateLoadBalancer: valid load balancer with consistentHash load balancing and unique cookie attributes",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpCookie:\n          name: test-cookie\n          ttl: 1h\n          attributes:\n          - {name: SameSite, value: Strict}\n          - {name: Secure, value: 'true'}\n",
            Valid,
        ),
        (
            "TestValidateLoadBalancer: invalid load balancer with consistentHash load balancing and duplicate cookie attribute names",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpCookie:\n          name: test-cookie\n          attributes:\n          - {name: SameSite, value: Strict}\n          - {name: SameSite, value: Lax}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.attributes[1].name"),
        ),
        (
            "TestValidateLoadBalancer: invalid: localityLbSetting and zoneAwareLbSetting both set",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting: {enabled: true}\n      zoneAwareLbSetting: {enabled: true}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.zoneAwareLbSetting"),
        ),
        (
            "TestValidateLoadBalancer: valid: zoneAwareLbSetting only (warns without outlier detection)",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      zoneAwareLbSetting:\n        failover: [{from: us-east, to: eu-west}]\n",
            WarningAt("spec.trafficPolicy.loadBalancer.zoneAwareLbSetting"),
        ),
        (
            "TestValidateZoneAwareLbSetting: failover_priority must not use topology labels",
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {consecutive5xxErrors: 5}\n    loadBalancer:\n      zoneAwareLbSetting:\n        failoverPriority: [topology.kubernetes.io/zone]\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.zoneAwareLbSetting.failoverPriority[0]"),
        ),
        (
            "validateLoadBalancer: warmup aggression should be greater than 0",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      simple: LEAST_REQUEST\n      warmup: {duration: 60s, aggression: 0}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.warmup.aggression"),
        ),
        (
            "validateLoadBalancer: warmup duration is required",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      warmup: {minimumPercent: 10}\n",
            ErrorAt("spec.trafficPolicy.loadBalancer.warmup.duration"),
        ),
        (
            "validateLoadBalancer: valid warmup",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      simple: ROUND_ROBIN\n      warmup: {duration: 60s, minimumPercent: 10, aggression: 1.5}\n      warmupDurationSecs: 60s\n",
            Valid,
        ),
    ]);
}

#[test]
fn destination_rule_locality() {
    let with_outlier = |lb: &str| {
        format!(
            "  host: reviews\n  trafficPolicy:\n    outlierDetection: {{consecutive5xxErrors: 5}}\n    loadBalancer:\n      localityLbSetting:\n{lb}"
        )
    };
    let cases: Vec<(&str, String, Expect)> = vec![
        (
            "TestValidateLocalityLbSetting: invalid LocalityLoadBalancerSetting_Distribute total weight > 100",
            with_outlier("        distribute:\n        - from: a/b/c\n          to: {a/b/c: 80, a/b1: 25}\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to"),
        ),
        (
            "TestValidateLocalityLbSetting: invalid LocalityLoadBalancerSetting_Distribute weight = 0",
            with_outlier("        distribute:\n        - from: a/b/c\n          to: {a/b/c: 0, a/b1: 100}\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to[a/b/c]"),
        ),
        (
            "TestValidateLocalityLbSetting: valid distribute",
            with_outlier("        distribute:\n        - from: us-west/zone1/*\n          to: {us-west/zone1/*: 80, us-west/zone2/*: 20}\n"),
            Valid,
        ),
        (
            "TestValidateLocalityLbSetting: invalid LocalityLoadBalancerSetting specify both distribute and failover",
            with_outlier("        distribute:\n        - from: a/b/c\n          to: {a/b/c: 80, a/b1: 20}\n        failover: [{from: region1, to: region2}]\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.failover"),
        ),
        (
            "TestValidateLocalityLbSetting: invalid failover src and dst have same region",
            with_outlier("        failover: [{from: region1, to: region1}]\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].to"),
        ),
        (
            "TestValidateLocalityLbSetting: invalid failover src contain '*' wildcard",
            with_outlier("        failover: [{from: '*', to: region2}]\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].from"),
        ),
        (
            "TestValidateLocalityLbSetting: invalid failover dst contain '/' separator",
            with_outlier("        failover: [{from: region1, to: region2/zone1}]\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0].to"),
        ),
        (
            "TestValidateLocalityLbSetting: invalid LocalityLoadBalancerSetting specify both failoverPriority and region in failover",
            with_outlier("        failover: [{from: region1, to: region2}]\n        failoverPriority: [topology.kubernetes.io/region]\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority[0]"),
        ),
        (
            "TestValidateLocalityLbSetting: failover priority provided without outlier detection policy (warning)",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        failoverPriority: [topology.istio.io/network, topology.kubernetes.io/region]\n".to_string(),
            WarningAt("spec.trafficPolicy.loadBalancer.localityLbSetting"),
        ),
        (
            "TestValidateLocalityLbSetting: failover provided without outlier detection policy (warning)",
            "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        failover: [{from: us-east, to: eu-west}, {from: us-west, to: eu-east}]\n".to_string(),
            WarningAt("spec.trafficPolicy.loadBalancer.localityLbSetting"),
        ),
        (
            "validateLocalities: overlapping destination localities",
            with_outlier("        distribute:\n        - from: a/*\n          to: {b: 50, b/c: 50}\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to[b/c]"),
        ),
        (
            "validateLocalities: wildcard not at the end of the source locality",
            with_outlier("        distribute:\n        - from: a/*/c\n          to: {b: 100}\n"),
            ErrorAt("spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].from"),
        ),
    ];
    for (name, spec, expect) in &cases {
        check(name, &dr(spec), *expect);
    }
}

#[test]
fn destination_rule_tls() {
    let tls = |t: &str| format!("  host: reviews\n  trafficPolicy:\n    tls:\n{t}");
    let cases: Vec<(&str, String, Expect)> = vec![
        (
            "TestValidateDestinationRule: InsecureSkipVerify is not specified with tls mode simple, and the ca cert is specified by CaCertificates",
            tls("      mode: SIMPLE\n      caCertificates: test\n      subjectAltNames: [reviews.default.svc]\n"),
            Valid,
        ),
        (
            "TestValidateDestinationRule: InsecureSkipVerify is set true with tls mode simple, and the ca cert is specified by CredentialName",
            tls("      mode: SIMPLE\n      credentialName: test\n      insecureSkipVerify: true\n"),
            ErrorAt("spec.trafficPolicy.tls.credentialName"),
        ),
        (
            "TestValidateDestinationRule: InsecureSkipVerify is set true with tls mode simple, and the san is specified",
            tls("      mode: SIMPLE\n      subjectAltNames: [reviews.default.svc]\n      insecureSkipVerify: true\n"),
            ErrorAt("spec.trafficPolicy.tls.subjectAltNames"),
        ),
        (
            "TestValidateDestinationRule: InsecureSkipVerify is set true with tls mode mutual, and the ca cert is specified by CaCertificates",
            tls("      mode: MUTUAL\n      caCertificates: test\n      privateKey: key\n      clientCertificate: cert\n      insecureSkipVerify: true\n"),
            ErrorAt("spec.trafficPolicy.tls.caCertificates"),
        ),
        (
            "TestValidateDestinationRule: InsecureSkipVerify is set true with tls mode mutual, credentialName",
            tls("      mode: MUTUAL\n      credentialName: test\n      insecureSkipVerify: true\n"),
            Valid,
        ),
        (
            "TestValidateTLS: MUTUAL: CredentialName set with CACRL specified",
            tls("      mode: MUTUAL\n      credentialName: credential\n      caCrl: crl\n"),
            ErrorAt("spec.trafficPolicy.tls.caCrl"),
        ),
        (
            "TestValidateTLS: SIMPLE CredentialName set with ClientCertificate specified",
            tls("      mode: SIMPLE\n      credentialName: credential\n      clientCertificate: cert\n"),
            ErrorAt("spec.trafficPolicy.tls.clientCertificate"),
        ),
        (
            "TestValidateTLS: MUTUAL: CredentialName not set with ClientCertificate specified and Key missing",
            tls("      mode: MUTUAL\n      clientCertificate: cert\n"),
            ErrorAt("spec.trafficPolicy.tls.privateKey"),
        ),
        (
            "TestValidateTLS: MUTUAL: CredentialName not set with ClientCertificate and Key specified",
            tls("      mode: MUTUAL\n      clientCertificate: cert\n      privateKey: key\n"),
            Valid,
        ),
        ("ValidateTLS: ISTIO_MUTUAL needs no certificates", tls("      mode: ISTIO_MUTUAL\n      sni: reviews.default\n"), Valid),
        (
            "ValidateTLS: configmap:// credentialName must be in the config namespace",
            tls("      mode: SIMPLE\n      credentialName: configmap://other/ca\n"),
            ErrorAt("spec.trafficPolicy.tls.credentialName"),
        ),
        (
            "ValidateTLS: configmap:// credentialName in the config namespace",
            tls("      mode: SIMPLE\n      credentialName: configmap://default/ca\n"),
            Valid,
        ),
        (
            "validatePortTrafficPolicies: port-level TLS is validated",
            "  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - port: {number: 443}\n      tls: {mode: MUTUAL}\n".to_string(),
            ErrorAt("spec.trafficPolicy.portLevelSettings[0].tls.clientCertificate"),
        ),
    ];
    for (name, spec, expect) in &cases {
        check(name, &dr(spec), *expect);
    }
}

#[test]
fn destination_rule_round_trips() {
    use crate::networking::{DestinationRule, HashAlgorithm, HashKey, LbPolicy};
    let yaml = dr(
        "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      consistentHash:\n        httpHeaderName: x-user\n        maglev: {tableSize: 65537}\n      localityLbSetting: {enabled: true}\n    portLevelSettings:\n    - port: {number: 80}\n      loadBalancer: {simple: LEAST_REQUEST}\n",
    );
    let r: DestinationRule = serde_yaml_ng::from_str(&yaml).expect("decodes");
    let lb = r.spec.traffic_policy.as_ref().and_then(|t| t.load_balancer.as_ref()).expect("lb");
    match &lb.lb_policy {
        Some(LbPolicy::ConsistentHash(ch)) => {
            assert_eq!(ch.hash_key, Some(HashKey::HttpHeaderName("x-user".into())));
            assert!(matches!(ch.hash_algorithm, Some(HashAlgorithm::Maglev(_))));
        }
        other => panic!("unexpected {other:?}"),
    }
    let json = serde_json::to_value(&r).expect("serialises");
    assert_eq!(json["spec"]["trafficPolicy"]["loadBalancer"]["consistentHash"]["httpHeaderName"], "x-user");
    let back: DestinationRule = serde_json::from_value(json).expect("decodes again");
    assert_eq!(back, r);
    // Two members of one oneof fail to decode, as protobuf JSON decoding does.
    let both = dr(
        "  host: reviews\n  trafficPolicy:\n    loadBalancer: {simple: RANDOM, consistentHash: {useSourceIp: true}}\n",
    );
    assert!(serde_yaml_ng::from_str::<DestinationRule>(&both).is_err());
}
