//! Unix domain socket addresses (`unix://path`), as Istio's `ValidateUnixAddress` checks them
//! (Gateway and Sidecar `bind`, Sidecar `defaultEndpoint`, WorkloadEntry `address`).

/// The prefix of an address naming a Unix domain socket.
pub(crate) const UNIX_ADDRESS_PREFIX: &str = "unix://";

/// Why `ValidateUnixAddress` rejects the path after `unix://`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnixAddressError {
    /// The path is empty.
    Empty,
    /// The path is not absolute, or names a directory (ends in `/`).
    NotAbsoluteFile,
}

/// The path after `unix://`: an abstract socket (`@name`) or an absolute path not ending in
/// `/` (Istio's `ValidateUnixAddress`).
pub(crate) fn check_unix_address(path: &str) -> Result<(), UnixAddressError> {
    if path.is_empty() {
        return Err(UnixAddressError::Empty);
    }
    if path.starts_with('@') {
        return Ok(());
    }
    if !path.starts_with('/') || path.ends_with('/') {
        return Err(UnixAddressError::NotAbsoluteFile);
    }
    Ok(())
}

/// [`check_unix_address`] with Istio's messages (Gateway and Sidecar wording).
pub(crate) fn validate_unix_address(path: &str) -> Result<(), String> {
    check_unix_address(path).map_err(|e| match e {
        UnixAddressError::Empty => "unix address must not be empty".to_string(),
        UnixAddressError::NotAbsoluteFile => format!("{path} is not an absolute path to a file"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_addresses() {
        // istio/istio validation_test.go TestValidateUnixAddress.
        for ok in ["/tmp/socket", "@abstract", "/a/b/c"] {
            assert_eq!(check_unix_address(ok), Ok(()), "{ok}");
        }
        assert_eq!(check_unix_address(""), Err(UnixAddressError::Empty));
        for bad in ["relative/path", "/tmp/dir/", "socket"] {
            assert_eq!(check_unix_address(bad), Err(UnixAddressError::NotAbsoluteFile), "{bad}");
        }
    }
}
