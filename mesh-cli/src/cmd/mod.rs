//! One module per subcommand.

pub(crate) mod ca;
pub(crate) mod lb;
pub(crate) mod spiffe;
pub(crate) mod validate;
