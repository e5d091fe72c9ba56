//! The built-in Bookinfo mesh (`examples/bookinfo/`), embedded so that `meshctl` can be tried
//! without any file on disk.

use crate::config::Source;

/// The files of the built-in mesh, in load order.
const FILES: &[(&str, &str)] = &[];

/// The built-in mesh as sources named `builtin:bookinfo/<file>`.
pub(crate) fn sources() -> Vec<Source> {
    FILES
        .iter()
        .map(|(name, text)| Source { name: format!("builtin:bookinfo/{name}"), text: (*text).to_string() })
        .collect()
}
