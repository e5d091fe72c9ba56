//! One module per subcommand.

pub(crate) mod authz;
pub(crate) mod ca;
pub(crate) mod capture;
pub(crate) mod explain;
pub(crate) mod hpa;
pub(crate) mod inject;
pub(crate) mod lb;
pub(crate) mod metrics;
pub(crate) mod mtls;
pub(crate) mod registry;
pub(crate) mod route;
pub(crate) mod spiffe;
pub(crate) mod validate;
