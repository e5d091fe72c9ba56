//! One module per subcommand.

pub(crate) mod authz;
pub(crate) mod ca;
pub(crate) mod lb;
pub(crate) mod mtls;
pub(crate) mod registry;
pub(crate) mod spiffe;
pub(crate) mod validate;
