//! Shared data for the example programs: the Bookinfo mesh written for this project.
#![forbid(unsafe_code)]

/// The Bookinfo mesh (`examples/bookinfo/*.yaml`), concatenated as one multi-document YAML.
pub const BOOKINFO: &str = "";
