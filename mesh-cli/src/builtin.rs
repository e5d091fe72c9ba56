//! The built-in Bookinfo mesh (`examples/bookinfo/`), embedded so that `meshctl` can be tried
//! without any file on disk.

use crate::config::Source;

/// The files of the built-in mesh, in load order.
const FILES: &[(&str, &str)] = &[
    ("00-namespaces.yaml", include_str!("../../examples/bookinfo/00-namespaces.yaml")),
    ("nodes.yaml", include_str!("../../examples/bookinfo/nodes.yaml")),
    ("services.yaml", include_str!("../../examples/bookinfo/services.yaml")),
    ("pods.yaml", include_str!("../../examples/bookinfo/pods.yaml")),
    ("endpoints.yaml", include_str!("../../examples/bookinfo/endpoints.yaml")),
    ("networking.yaml", include_str!("../../examples/bookinfo/networking.yaml")),
    ("security.yaml", include_str!("../../examples/bookinfo/security.yaml")),
    ("network-policies.yaml", include_str!("../../examples/bookinfo/network-policies.yaml")),
    ("mesh-config.yaml", include_str!("../../examples/bookinfo/mesh-config.yaml")),
];

/// The built-in mesh as sources named `builtin:bookinfo/<file>`.
pub(crate) fn sources() -> Vec<Source> {
    FILES
        .iter()
        .map(|(name, text)| Source { name: format!("builtin:bookinfo/{name}"), text: (*text).to_string() })
        .collect()
}
