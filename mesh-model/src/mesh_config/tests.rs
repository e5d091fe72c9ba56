use super::*;

/// A `data.mesh` as Istio's demo profile and a typical production install write it.
const MESH: &str = r#"
accessLogFile: /dev/stdout
accessLogEncoding: JSON
defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
  proxyMetadata:
    ISTIO_META_DNS_CAPTURE: "true"
  tracing:
    zipkin:
      address: zipkin.istio-system:9411
enablePrometheusMerge: true
rootNamespace: istio-config
trustDomain: example.org
trustDomainAliases: [old.example.org, legacy.example.org, old.example.org]
outboundTrafficPolicy:
  mode: REGISTRY_ONLY
pathNormalization:
  normalization: MERGE_SLASHES
meshMTLS:
  minProtocolVersion: TLSV1_3
tlsDefaults:
  ecdhCurves: [P-256]
  cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384]
discoverySelectors:
- matchLabels:
    istio-discovery: enabled
- matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: In
    values: [istio-system, apps]
localityLbSetting:
  enabled: true
  failover:
  - from: us-east
    to: us-west
defaultHttpRetryPolicy:
  attempts: 3
  retryOn: 5xx,connect-failure
defaultProviders:
  metrics: [prometheus]
  accessLogging: [envoy, otel]
serviceSettings:
- settings:
    clusterLocal: true
  hosts: ["*.kube-system.svc.cluster.local"]
caCertificates:
- spiffeBundleUrl: https://bundle.example.org
  trustDomains: [example.org]
extensionProviders:
- name: otel
  envoyOtelAls:
    service: opentelemetry-collector.observability.svc.cluster.local
    port: 4317
    logFormat:
      labels:
        path: "%REQ(:PATH)%"
- name: otel-tracing
  opentelemetry:
    port: 4317
    service: opentelemetry-collector.observability.svc.cluster.local
    http:
      path: /v1/traces
      timeout: 5s
      headers:
      - name: x-api-key
        envName: OTEL_API_KEY
    resourceDetectors:
      environment: {}
- name: zipkin
  zipkin:
    service: zipkin.istio-system.svc.cluster.local
    port: 9411
    enable64bitTraceId: true
    traceContextOption: USE_B3_WITH_W3C_PROPAGATION
- name: ext-authz
  envoyExtAuthzHttp:
    service: ext-authz.foo.svc.cluster.local
    port: 8000
    timeout: 0.5s
    pathPrefix: /check
    failOpen: false
    statusOnError: "503"
    includeRequestHeadersInCheck: [x-ext-authz, cookie]
    includeAdditionalHeadersInCheck:
      x-ext-authz-additional: value
    includeRequestBodyInCheck:
      maxRequestBytes: 4096
      allowPartialMessage: true
    headersToUpstreamOnAllow: [x-user]
    headersToDownstreamOnDeny: [content-type, set-cookie]
    headersToDownstreamOnAllow: [set-cookie]
- name: ext-authz-grpc
  envoyExtAuthzGrpc:
    service: ext-authz.foo.svc.cluster.local
    port: 9000
- name: envoy
  envoyFileAccessLog:
    path: /var/log/access.log
    logFormat:
      text: "[%START_TIME%] %REQ(:METHOD)%\n"
- name: future
  someProviderFromTheFuture:
    endpoint: x
"#;

/// YAML -> JSON value -> MeshConfig (externally tagged enums as single-key maps).
fn try_parse(yaml: &str) -> Result<MeshConfig, serde_json::Error> {
    let value: serde_json::Value = serde_yaml_ng::from_str(yaml).expect("YAML parses");
    serde_json::from_value(value)
}

fn parse(yaml: &str) -> MeshConfig {
    try_parse(yaml).expect("mesh config decodes")
}

#[test]
fn empty_mesh_config_has_istio_defaults() {
    let m = parse("{}");
    assert_eq!(m, MeshConfig::default());
    assert_eq!(m.root_namespace(), "istio-system");
    assert_eq!(m.trust_domain(), "cluster.local");
    assert!(m.trust_domain_aliases().is_empty());
    assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::AllowAny);
    assert_eq!(m.inbound_traffic_policy(), InboundTrafficPolicyMode::Passthrough);
    assert_eq!(m.path_normalization(), PathNormalization::Base);
    assert!(m.enable_auto_mtls());
    assert!(m.enable_tracing());
    assert!(m.enable_prometheus_merge());
    assert_eq!(m.ingress_class(), "istio");
    assert_eq!(m.ingress_service(), "istio-ingressgateway");
    assert_eq!(m.ingress_controller_mode(), IngressControllerMode::Strict);
    assert_eq!(m.connect_timeout(), Duration::from_secs(10));
    assert_eq!(m.protocol_detection_timeout(), Duration::from_secs(0));
    assert_eq!(m.dns_refresh_rate(), Duration::from_secs(60));
    assert_eq!(m.access_log_file(), "");
    assert_eq!(m.access_log_encoding(), AccessLogEncoding::Text);
    assert_eq!(m.h2_upgrade_policy(), H2UpgradePolicy::DoNotUpgrade);
    assert_eq!(m.default_service_export_to(), ["*"]);
    assert_eq!(m.default_virtual_service_export_to(), ["*"]);
    assert_eq!(m.default_destination_rule_export_to(), ["*"]);
    assert_eq!(m.locality_lb_setting().enabled, Some(true));
    let retry = m.default_http_retry_policy();
    assert_eq!(retry.attempts, Some(2));
    assert_eq!(
        retry.retry_on.as_deref(),
        Some("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes")
    );
    assert_eq!(m.default_providers(), DefaultProviders::default());
    let names: Vec<String> = m.effective_extension_providers().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["prometheus", "stackdriver", "envoy"]);
    assert!(matches!(
        m.extension_provider("envoy").and_then(|p| p.provider.as_ref()),
        Some(Provider::EnvoyFileAccessLog(f)) if f.path.as_deref() == Some("/dev/stdout")
    ));
    assert!(m.extension_provider("nope").is_none());
    // Unset fields are omitted.
    assert_eq!(serde_json::to_string(&m).expect("serialises"), "{}");
}

#[test]
fn istio_defaults_agree_with_accessors() {
    let d = MeshConfig::istio_defaults();
    let e = MeshConfig::default();
    assert_eq!(d.root_namespace(), e.root_namespace());
    assert_eq!(d.outbound_traffic_policy(), e.outbound_traffic_policy());
    assert_eq!(d.ingress_controller_mode(), e.ingress_controller_mode());
    assert_eq!(d.locality_lb_setting(), e.locality_lb_setting());
    assert_eq!(d.effective_extension_providers(), e.effective_extension_providers());
    assert_eq!(d.default_service_export_to(), e.default_service_export_to());
    let json = serde_json::to_value(&d).expect("serialises");
    assert_eq!(json["outboundTrafficPolicy"]["mode"], "ALLOW_ANY");
    assert_eq!(json["connectTimeout"], "10s");
    assert_eq!(json["extensionProviders"][2]["envoyFileAccessLog"]["path"], "/dev/stdout");
    let back: MeshConfig = serde_json::from_value(json).expect("round-trips");
    assert_eq!(back, d);
}

#[test]
fn realistic_mesh_config() {
    let m = parse(MESH);
    assert_eq!(m.root_namespace(), "istio-config");
    assert_eq!(m.trust_domain(), "example.org");
    assert_eq!(m.trust_domain_aliases(), ["legacy.example.org", "old.example.org"]);
    assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::RegistryOnly);
    assert_eq!(m.path_normalization(), PathNormalization::MergeSlashes);
    assert_eq!(m.access_log_file(), "/dev/stdout");
    assert_eq!(m.access_log_encoding(), AccessLogEncoding::Json);
    assert_eq!(m.mesh_mtls.as_ref().and_then(|t| t.min_protocol_version), Some(TlsProtocol::TlsV1_3));
    assert_eq!(m.discovery_selectors.len(), 2);
    assert_eq!(m.discovery_selectors[1].match_expressions[0].values, ["istio-system", "apps"]);
    assert_eq!(m.locality_lb_setting().failover.len(), 1);
    assert_eq!(m.default_http_retry_policy().attempts, Some(3));
    assert_eq!(m.default_providers().access_logging, ["envoy", "otel"]);
    assert!(matches!(
        m.ca_certificates[0].certificate_data,
        Some(CertificateSource::SpiffeBundleUrl(ref u)) if u == "https://bundle.example.org"
    ));
    assert_eq!(
        m.default_config.as_ref().and_then(|c| c.get("discoveryAddress")).and_then(|v| v.as_str()),
        Some("istiod.istio-system.svc:15012")
    );

    // Extension providers: typed, merged by name into the defaults, unknown kinds kept.
    let Some(Provider::EnvoyExtAuthzHttp(authz)) =
        m.extension_provider("ext-authz").and_then(|p| p.provider.clone())
    else {
        panic!("ext-authz is an HTTP ext_authz provider");
    };
    assert_eq!(authz.port, 8000);
    assert_eq!(authz.timeout, Some(Duration::from_millis(500)));
    assert_eq!(authz.status_on_error.as_deref(), Some("503"));
    assert_eq!(authz.include_additional_headers_in_check["x-ext-authz-additional"], "value");
    assert_eq!(authz.include_request_body_in_check.and_then(|b| b.max_request_bytes), Some(4096));
    assert_eq!(authz.headers_to_downstream_on_deny, ["content-type", "set-cookie"]);
    let Some(Provider::Opentelemetry(otel)) =
        m.extension_provider("otel-tracing").and_then(|p| p.provider.clone())
    else {
        panic!("otel-tracing is an OpenTelemetry provider");
    };
    let http = otel.http.expect("http settings");
    assert_eq!(http.headers[0].header_value, Some(HttpHeaderValue::EnvName("OTEL_API_KEY".into())));
    assert!(otel.resource_detectors.and_then(|r| r.environment).is_some());
    assert!(matches!(
        m.extension_provider("zipkin").and_then(|p| p.provider.as_ref()),
        Some(Provider::Zipkin(z)) if z.enable_64bit_trace_id == Some(true)
            && z.trace_context_option == Some(ZipkinTraceContextOption::UseB3WithW3cPropagation)
    ));
    // The configured `envoy` replaces the default's settings.
    assert!(matches!(
        m.extension_provider("envoy").and_then(|p| p.provider.as_ref()),
        Some(Provider::EnvoyFileAccessLog(f)) if f.path.as_deref() == Some("/var/log/access.log")
            && matches!(f.log_format, Some(FileLogFormat::Text(_)))
    ));
    assert!(m.extension_provider("prometheus").is_some());
    let future = m.extension_provider("future").expect("unknown provider kinds are kept by name");
    assert_eq!(future.provider, None);
    let names: Vec<String> = m.effective_extension_providers().into_iter().map(|p| p.name).collect();
    assert_eq!(
        names,
        [
            "prometheus",
            "stackdriver",
            "envoy",
            "otel",
            "otel-tracing",
            "zipkin",
            "ext-authz",
            "ext-authz-grpc",
            "future"
        ]
    );

    // Load -> serialise -> load gives an equal value.
    let json = serde_json::to_string(&m).expect("serialises");
    assert!(json.contains("\"meshMTLS\""), "{json}");
    assert!(json.contains("\"enable64bitTraceId\":true"), "{json}");
    assert_eq!(serde_json::from_str::<MeshConfig>(&json).expect("reloads"), m);
}

#[test]
fn present_fields_replace_defaults_wholesale() {
    // Istio overlays the YAML on its defaults field by field: a present message replaces
    // the default, so its unset fields take the proto zero value.
    let m = parse(
        "outboundTrafficPolicy: {}\npathNormalization:\n  normalization: DEFAULT\ningressControllerMode: UNSPECIFIED\nenableAutoMtls: false\ndefaultServiceExportTo: []\n",
    );
    assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::RegistryOnly);
    assert_eq!(m.path_normalization(), PathNormalization::Base);
    assert_eq!(m.ingress_controller_mode(), IngressControllerMode::Unspecified);
    assert!(!m.enable_auto_mtls());
    assert!(m.default_service_export_to().is_empty());
    let m = parse(
        "outboundTrafficPolicy:\n  mode: ALLOW_ANY_DYNAMIC_DNS\npathNormalization:\n  normalization: NONE\n",
    );
    assert_eq!(m.outbound_traffic_policy(), OutboundTrafficPolicyMode::AllowAnyDynamicDns);
    assert_eq!(m.path_normalization(), PathNormalization::None);
}

#[test]
fn oneofs_reject_two_members() {
    for yaml in [
        "extensionProviders:\n- name: x\n  zipkin: {service: a, port: 1}\n  datadog: {service: a, port: 1}\n",
        "caCertificates:\n- pem: abc\n  spiffeBundleUrl: https://x\n",
        "extensionProviders:\n- name: x\n  opentelemetry:\n    service: a\n    port: 1\n    grpc:\n      initialMetadata:\n      - name: h\n        value: v\n        envName: E\n",
    ] {
        assert!(try_parse(yaml).is_err(), "{yaml}");
    }
}

#[test]
fn schema_has_wire_names() {
    let schema = serde_json::to_string(&schemars::schema_for!(MeshConfig)).expect("schema");
    for name in [
        "\"meshMTLS\"",
        "\"envoyExtAuthzHttp\"",
        "\"includeAdditionalHeadersInCheck\"",
        "\"spiffeBundleUrl\"",
        "\"envName\"",
        "\"enable64bitTraceId\"",
        "\"discoverySelectors\"",
    ] {
        assert!(schema.contains(name), "schema lacks {name}");
    }
}
