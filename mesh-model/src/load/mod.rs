//! Loading resources from YAML and JSON text (the crate does no file I/O).
