use super::{Expect::*, check};

#[test]
fn mesh_config_map_must_parse() {
    // istiod refuses to start on a mesh config that does not parse (pkg/config/mesh ApplyMeshConfig).
    let cases = [
        (
            "a mesh config with Istio's fields parses",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    trustDomain: example.org\n    outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n",
            Valid,
        ),
        (
            "an unknown enum name does not parse",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    outboundTrafficPolicy: {mode: NOPE}\n",
            ErrorAt("data[mesh]"),
        ),
        (
            "an unknown field is ignored with a warning",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio-1-24, namespace: istio-system}\ndata:\n  mesh: |\n    colour: blue\n",
            WarningAt("data[mesh]"),
        ),
        (
            "other ConfigMaps are not mesh configs",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: default}\ndata:\n  mesh: 'not: [valid'\n",
            Valid,
        ),
    ];
    for (name, yaml, expect) in cases {
        check(name, yaml, expect);
    }
}
