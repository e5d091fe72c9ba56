//! [`LbError`]: why a load balancer could not be built.

/// Why a load balancer could not be built from its parameters, with the same rules Envoy
/// applies when it accepts a cluster.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LbError {
    /// A Maglev table size must be a prime (Envoy: "The table size of maglev must be prime
    /// number"). Valid: `65537`; invalid: `8`.
    #[error("Maglev table size {0} is not a prime number; Envoy requires a prime table size such as 65537")]
    TableSizeNotPrime(u64),
    /// A Maglev table holds at most 5,000,011 slots (Envoy's `table_size` bound). Valid:
    /// `65537`; invalid: `5000077`.
    #[error("Maglev table size {0} exceeds Envoy's maximum of 5000011 slots")]
    TableSizeTooLarge(u64),
    /// A ring holds at most 8,388,608 entries (Envoy's `minimum_ring_size` and
    /// `maximum_ring_size` bound). Valid: `8388608`; invalid: `8388609`.
    #[error("ring size {0} exceeds Envoy's maximum of 8388608 entries")]
    RingSizeTooLarge(u64),
    /// The minimum ring size may not exceed the maximum. Valid: `1024..8388608`; invalid:
    /// minimum 20, maximum 10.
    #[error("ring hash minimum ring size {min} is greater than the maximum ring size {max}")]
    RingSizeBounds {
        /// The minimum ring size given.
        min: u64,
        /// The maximum ring size given.
        max: u64,
    },
    /// The weights of one host set (or of its localities) must sum to at most `u32::MAX`, as
    /// Envoy checks. Invalid: two hosts of weight 3,000,000,000.
    #[error("the sum of {what} weights exceeds {max}", max = u32::MAX)]
    WeightOverflow {
        /// `hosts in a locality` or `localities at the same priority`.
        what: &'static str,
    },
    /// The outlier detector's maximum ejection time may not be below its base ejection time
    /// (Envoy: "max_ejection_time cannot be smaller than base_ejection_time").
    #[error(
        "outlier detection max ejection time {max_ms}ms is smaller than the base ejection time {base_ms}ms"
    )]
    MaxEjectionTimeBelowBase {
        /// The base ejection time in milliseconds.
        base_ms: u64,
        /// The maximum ejection time in milliseconds.
        max_ms: u64,
    },
    /// An incremental builder was asked for a host index past its host list. Valid: index 2
    /// of 3 hosts; invalid: index 3 of 3 hosts.
    #[error("host index {index} is out of range for a list of {len} hosts")]
    HostIndexOutOfRange {
        /// The index given.
        index: usize,
        /// The number of hosts.
        len: usize,
    },
}
