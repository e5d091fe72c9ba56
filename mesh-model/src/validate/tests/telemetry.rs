//! Telemetry validation, pinned to istio/istio `pkg/config/validation/validation_test.go`
//! (`TestValidateTelemetry`, `TestValidateTelemetryFilter`) and the Telemetry CRD's schema rules.

use super::{Expect, Expect::*, check};

/// A Telemetry in namespace `default` with the given `spec` body (indented by two spaces).
fn telemetry(spec: &str) -> String {
    format!(
        "apiVersion: telemetry.istio.io/v1\nkind: Telemetry\nmetadata:\n  name: t\n  namespace: default\nspec:\n{spec}"
    )
}

fn run(cases: &[(&str, &str, Expect)]) {
    for (name, spec, expect) in cases {
        check(name, &telemetry(spec), *expect);
    }
}

const ENV_TAG: &str =
    "  tracing:\n  - customTags:\n      clusterID:\n        environment:\n          name: FOO\n";

#[test]
fn upstream_validate_telemetry() {
    let target_ref = |r: &str| format!("{ENV_TAG}  targetRef:\n{r}");
    run(&[
        ("TestValidateTelemetry: empty", "  {}\n", Valid),
        (
            "TestValidateTelemetry: multiple providers",
            "  tracing:\n  - providers:\n    - name: a\n    - name: b\n",
            WarningAt("spec.tracing[0].providers"),
        ),
        (
            "TestValidateTelemetry: multiple tracers",
            "  tracing:\n  - {}\n  - {}\n",
            WarningAt("spec.tracing"),
        ),
        (
            "TestValidateTelemetry: bad randomSamplingPercentage",
            "  tracing:\n  - randomSamplingPercentage: 101\n",
            ErrorAt("spec.tracing[0].randomSamplingPercentage"),
        ),
        ("TestValidateTelemetry: tracing with a good custom tag", ENV_TAG, Valid),
        (
            "TestValidateTelemetry: bad metrics operation",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        my-tag:\n          operation: UPSERT\n          value: \"\"\n",
            ErrorAt("spec.metrics[0].overrides[0].tagOverrides[my-tag].value"),
        ),
        (
            "TestValidateTelemetry: good metrics operation",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        my-tag:\n          operation: UPSERT\n          value: some-cel-expression\n",
            Valid,
        ),
        (
            "TestValidateTelemetry: multi-accessloggings",
            "  accessLogging:\n  - providers:\n    - name: envoy\n  - providers:\n    - name: otel\n",
            Valid,
        ),
        (
            "TestValidateTelemetry: multi-accesslogging-providers",
            "  accessLogging:\n  - providers:\n    - name: envoy\n    - name: otel\n",
            Valid,
        ),
    ]);
    let cases: Vec<(&str, String, Expect)> = vec![
        (
            "TestValidateTelemetry: good targetRef",
            target_ref("    group: gateway.networking.k8s.io\n    kind: Gateway\n    name: foo\n"),
            Valid,
        ),
        (
            "TestValidateTelemetry: bad targetRef - empty name",
            target_ref("    group: gateway.networking.k8s.io\n    kind: Gateway\n"),
            ErrorAt("spec.targetRef.name"),
        ),
        (
            "TestValidateTelemetry: bad targetRef - non-empty namespace",
            target_ref(
                "    group: gateway.networking.k8s.io\n    kind: Gateway\n    name: foo\n    namespace: bar\n",
            ),
            ErrorAt("spec.targetRef.namespace"),
        ),
        (
            "TestValidateTelemetry: bad targetRef - wrong group",
            target_ref("    group: wrong-group\n    kind: Gateway\n    name: foo\n"),
            ErrorAt("spec.targetRef.kind"),
        ),
        (
            "TestValidateTelemetry: bad targetRef - wrong kind",
            target_ref("    group: gateway.networking.k8s.io\n    kind: wrong-kind\n    name: foo\n"),
            ErrorAt("spec.targetRef.kind"),
        ),
        (
            "TestValidateTelemetry: targetRef and selector cannot both be set",
            format!(
                "{}  selector:\n    matchLabels:\n      app: httpbin\n",
                target_ref("    group: gateway.networking.k8s.io\n    kind: wrong-kind\n    name: foo\n")
            ),
            ErrorAt("spec.targetRef"),
        ),
    ];
    for (name, spec, expect) in &cases {
        check(name, &telemetry(spec), *expect);
    }
}

#[test]
fn upstream_validate_telemetry_filter() {
    let filter = |e: &str| format!("  accessLogging:\n  - filter:\n      expression: {e:?}\n");
    for (name, expr, expect) in [
        ("TestValidateTelemetryFilter: response.code >= 400", "response.code >= 400", Valid),
        (
            "TestValidateTelemetryFilter: mtls and contains",
            "connection.mtls && request.url_path.contains('v1beta3')",
            Valid,
        ),
        ("TestValidateTelemetryFilter: bare attribute parses", "response.code", Valid),
        (
            "TestValidateTelemetryFilter: )++++ is not CEL",
            ")++++",
            ErrorAt("spec.accessLogging[0].filter.expression"),
        ),
    ] {
        check(name, &telemetry(&filter(expr)), expect);
    }
}

#[test]
fn validation_go_rules() {
    run(&[
        (
            "validateTelemetryProviders: providers.name may not be empty (tracing)",
            "  tracing:\n  - providers:\n    - name: \"\"\n",
            ErrorAt("spec.tracing[0].providers[0].name"),
        ),
        (
            "validateTelemetryProviders: providers.name may not be empty (metrics)",
            "  metrics:\n  - providers:\n    - name: prometheus\n    - name: \"\"\n",
            ErrorAt("spec.metrics[0].providers[1].name"),
        ),
        (
            "validateTelemetryProviders: providers.name may not be empty (accessLogging)",
            "  accessLogging:\n  - providers:\n    - {}\n",
            ErrorAt("spec.accessLogging[0].providers[0].name"),
        ),
        (
            "validateTelemetryTracing: randomSamplingPercentage 0 and 100 are in range",
            "  tracing:\n  - randomSamplingPercentage: 0\n    providers:\n    - name: zipkin\n",
            Valid,
        ),
        (
            "validateTelemetryTracing: negative randomSamplingPercentage",
            "  tracing:\n  - randomSamplingPercentage: -0.5\n",
            ErrorAt("spec.tracing[0].randomSamplingPercentage"),
        ),
        (
            "validateTelemetryTracing: literal tag value may not be empty",
            "  tracing:\n  - customTags:\n      team:\n        literal:\n          value: \"\"\n",
            ErrorAt("spec.tracing[0].customTags[team].literal.value"),
        ),
        (
            "validateTelemetryTracing: header tag name may not be empty",
            "  tracing:\n  - customTags:\n      ua:\n        header:\n          name: \"\"\n          defaultValue: none\n",
            ErrorAt("spec.tracing[0].customTags[ua].header.name"),
        ),
        (
            "validateTelemetryTracing: environment tag name may not be empty",
            "  tracing:\n  - customTags:\n      pod:\n        environment: {}\n",
            ErrorAt("spec.tracing[0].customTags[pod].environment.name"),
        ),
        (
            "validateTelemetryTracing: tag name may not be empty",
            "  tracing:\n  - customTags:\n      \"\":\n        literal:\n          value: x\n",
            ErrorAt("spec.tracing[0].customTags[]"),
        ),
        (
            "validateTelemetryTracing: an empty custom tag has no type and is admitted",
            "  tracing:\n  - customTags:\n      nothing: {}\n",
            Valid,
        ),
        (
            "validateTelemetryMetrics: unset operation means UPSERT, which needs a value",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        request_protocol: {}\n",
            ErrorAt("spec.metrics[0].overrides[0].tagOverrides[request_protocol].value"),
        ),
        (
            "validateTelemetryMetrics: value may only be set when operation is UPSERT",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        request_protocol:\n          operation: REMOVE\n          value: x\n",
            ErrorAt("spec.metrics[0].overrides[0].tagOverrides[request_protocol].value"),
        ),
        (
            "validateTelemetryMetrics: REMOVE without value",
            "  metrics:\n  - overrides:\n    - match:\n        metric: REQUEST_COUNT\n        mode: CLIENT\n      tagOverrides:\n        request_protocol:\n          operation: REMOVE\n",
            Valid,
        ),
        (
            "validateTelemetryMetrics: tagOverrides.name may not be empty (a warning)",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        \"\":\n          operation: REMOVE\n",
            WarningAt("spec.metrics[0].overrides[0].tagOverrides[]"),
        ),
        (
            "validateTelemetryMetrics: customMetric may not be empty",
            "  metrics:\n  - overrides:\n    - match:\n        customMetric: \"\"\n      disabled: true\n",
            ErrorAt("spec.metrics[0].overrides[0].match.customMetric"),
        ),
        (
            "validateTelemetryMetrics: a custom metric may be disabled",
            "  metrics:\n  - providers:\n    - name: prometheus\n    overrides:\n    - match:\n        customMetric: my_metric\n        mode: SERVER\n      disabled: true\n    reportingInterval: 15s\n",
            Valid,
        ),
        (
            "validateWorkloadSelector: selector without labels (a warning)",
            "  selector: {}\n  tracing:\n  - randomSamplingPercentage: 10\n",
            WarningAt("spec.selector"),
        ),
        (
            "validateWorkloadSelector: wildcard is not supported in selector",
            "  selector:\n    matchLabels:\n      app: \"web*\"\n",
            ErrorAt("spec.selector.matchLabels[app]"),
        ),
        (
            "validateOneOfSelectorType: selector and targetRefs",
            "  selector:\n    matchLabels:\n      app: web\n  targetRefs:\n  - kind: Service\n    name: web\n",
            ErrorAt("spec.targetRefs"),
        ),
        (
            "validatePolicyTargetReference: core Service and ServiceEntry targetRefs",
            "  targetRefs:\n  - kind: Service\n    name: web\n  - group: networking.istio.io\n    kind: ServiceEntry\n    name: ext\n  - group: gateway.networking.k8s.io\n    kind: GatewayClass\n    name: istio\n",
            Valid,
        ),
        (
            "validatePolicyTargetReference: a Deployment is not a policy target",
            "  targetRefs:\n  - group: apps\n    kind: Deployment\n    name: web\n",
            ErrorAt("spec.targetRefs[0].kind"),
        ),
    ]);
}

#[test]
fn crd_schema_rules() {
    let many_refs: String =
        (0..17).map(|i| format!("  - kind: Service\n    name: svc-{i}\n")).collect::<String>();
    check(
        "CRD: targetRefs maxItems 16",
        &telemetry(&format!("  targetRefs:\n{many_refs}")),
        ErrorAt("spec.targetRefs"),
    );
    run(&[
        (
            "CRD CEL: reportingInterval must be a valid duration greater than 1ms",
            "  metrics:\n  - reportingInterval: 0.5ms\n",
            ErrorAt("spec.metrics[0].reportingInterval"),
        ),
        (
            "CRD CEL: value must not be set when operation is REMOVE (even empty)",
            "  metrics:\n  - overrides:\n    - tagOverrides:\n        a:\n          operation: REMOVE\n          value: \"\"\n",
            ErrorAt("spec.metrics[0].overrides[0].tagOverrides[a].value"),
        ),
        (
            "CRD: formatter.value minLength 1",
            "  tracing:\n  - customTags:\n      path:\n        formatter:\n          value: \"\"\n",
            ErrorAt("spec.tracing[0].customTags[path].formatter.value"),
        ),
        (
            "CRD: a full v1 Telemetry with every section",
            "  selector:\n    matchLabels:\n      app: reviews\n  tracing:\n  - match:\n      mode: SERVER\n    providers:\n    - name: otel-tracing\n    randomSamplingPercentage: 12.5\n    disableSpanReporting: false\n    useRequestIdForTraceSampling: true\n    enableIstioTags: true\n    disableContextPropagation: false\n    customTags:\n      path:\n        formatter:\n          value: \"%REQ(:PATH)%\"\n      team:\n        literal:\n          value: payments\n  metrics:\n  - providers:\n    - name: prometheus\n    overrides:\n    - match:\n        metric: ALL_METRICS\n      tagOverrides:\n        request_host:\n          value: request.host\n  accessLogging:\n  - match:\n      mode: CLIENT\n    providers:\n    - name: envoy\n    disabled: false\n    filter:\n      expression: \"response.code >= 500 || !('x-debug' in request.headers)\"\n",
            Valid,
        ),
    ]);
    check(
        "v1alpha1 is served with the same schema",
        "apiVersion: telemetry.istio.io/v1alpha1\nkind: Telemetry\nmetadata:\n  name: t\n  namespace: istio-system\nspec:\n  tracing:\n  - randomSamplingPercentage: 100.1\n",
        ErrorAt("spec.tracing[0].randomSamplingPercentage"),
    );
}
