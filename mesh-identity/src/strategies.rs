//! proptest strategies for SPIFFE IDs and trust domains (feature `proptest`), for downstream
//! property tests.

use proptest::prelude::*;

use crate::{SpiffeId, TrustDomain};

/// Valid trust domain names (1 to 40 bytes of `a-z 0-9 . - _`).
pub fn trust_domain() -> impl Strategy<Value = TrustDomain> {
    "[a-z0-9._-]{1,40}".prop_filter_map("valid trust domain", |s| TrustDomain::parse(&s).ok())
}

/// Valid path segments (never `.` or `..`).
pub fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._-]{1,12}".prop_filter("not a dot segment", |s| s != "." && s != "..")
}

/// Valid SPIFFE IDs with 0 to 5 path segments.
pub fn spiffe_id() -> impl Strategy<Value = SpiffeId> {
    (trust_domain(), proptest::collection::vec(segment(), 0..6))
        .prop_filter_map("valid SPIFFE ID", |(td, segs)| SpiffeId::from_segments(&td, &segs).ok())
}
