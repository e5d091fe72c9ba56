//! Fuzzes SPIFFE ID and trust domain parsing: never panics, accepted IDs round-trip, and
//! the parser agrees with a plain reference implementation of the SPIFFE-ID rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_identity::{SpiffeId, TrustDomain};

fn reference_valid(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("spiffe://") else { return false };
    let (td, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if td.is_empty() || td.len() > 255 || s.len() > 2048 {
        return false;
    }
    if !td.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c)) {
        return false;
    }
    path.is_empty()
        || path[1..].split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
        })
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let parsed = SpiffeId::parse(s);
    assert_eq!(parsed.is_ok(), reference_valid(s), "{s:?}");
    if let Ok(id) = parsed {
        assert_eq!(id.as_str(), s);
        let again = SpiffeId::from_path(&id.trust_domain(), id.path()).expect("rebuilds");
        assert_eq!(again, id);
        assert_eq!(TrustDomain::parse(id.trust_domain_name()).expect("valid"), id.trust_domain());
    }
    let _ = TrustDomain::parse(s);
});
