use super::{Expect::*, check};

const VS: &str = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: r\n  namespace: default\n  annotations: {ANN}\nspec:\n  hosts: [r]\n  http:\n  - route:\n    - destination: {host: r}\n";

#[test]
fn istio_metadata_rules() {
    // istio/istio pkg/config/validation/validation.go validateMetadata and checkDryRunAnnotation.
    let cases = [
        ("no annotations", "{}", Valid),
        (
            "istio.io/dry-run only on AuthorizationPolicy",
            "{istio.io/dry-run: 'true'}",
            ErrorAt("metadata.annotations[istio.io/dry-run]"),
        ),
        (
            "webhook-always-reject rejects",
            "{internal.istio.io/webhook-always-reject: ''}",
            ErrorAt("metadata.annotations[internal.istio.io/webhook-always-reject]"),
        ),
        (
            "parent-namespace is internal",
            "{internal.istio.io/parent-namespace: x}",
            ErrorAt("metadata.annotations[internal.istio.io/parent-namespace]"),
        ),
        (
            "parents is internal",
            "{internal.istio.io/parents: x}",
            ErrorAt("metadata.annotations[internal.istio.io/parents]"),
        ),
    ];
    for (name, ann, expect) in cases {
        check(name, &VS.replace("{ANN}", ann), expect);
    }
    // Kubernetes object names are lower-case DNS-1123 subdomains.
    check(
        "upper-case name",
        &VS.replace("name: r\n", "name: Reviews\n").replace("{ANN}", "{}"),
        ErrorAt("metadata.name"),
    );
    check("missing name", &VS.replace("  name: r\n", "").replace("{ANN}", "{}"), ErrorAt("metadata.name"));
    check("bad label key", &VS.replace("{ANN}", "{}\n  labels: {'-x': y}"), ErrorAt("metadata.labels[-x]"));
}
