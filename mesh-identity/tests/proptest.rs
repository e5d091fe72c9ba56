//! Property tests: SPIFFE ID parse/format round trips, and the parser against a simple
//! reference implementation of the SPIFFE-ID rules on random inputs.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use mesh_identity::{SpiffeId, TrustDomain};
use proptest::prelude::*;

/// The SPIFFE-ID standard, written as plainly as possible (no fast path).
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
    if path.is_empty() {
        return true;
    }
    path[1..].split('/').all(|seg| {
        !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c))
    })
}

fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._-]{1,12}".prop_filter("not a dot segment", |s| s != "." && s != "..")
}

fn valid_id() -> impl Strategy<Value = String> {
    ("[a-z0-9._-]{1,40}", proptest::collection::vec(segment(), 0..6)).prop_map(|(td, segs)| {
        format!("spiffe://{td}{}", segs.iter().map(|s| format!("/{s}")).collect::<String>())
    })
}

/// Near-misses: valid IDs with one random character inserted or replaced.
fn mutated_id() -> impl Strategy<Value = String> {
    (valid_id(), any::<prop::sample::Index>(), prop::char::range('\0', '\u{ff}'), any::<bool>()).prop_map(
        |(id, at, c, replace)| {
            let chars: Vec<char> = id.chars().collect();
            let i = at.index(chars.len());
            let mut out: Vec<char> = chars.clone();
            if replace {
                out[i] = c;
            } else {
                out.insert(i, c);
            }
            out.into_iter().collect()
        },
    )
}

proptest! {
    #[test]
    fn valid_ids_round_trip(s in valid_id()) {
        let id = SpiffeId::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(id.to_string().parse::<SpiffeId>().unwrap(), id.clone());
        let rebuilt = SpiffeId::from_path(&id.trust_domain(), id.path()).unwrap();
        prop_assert_eq!(&rebuilt, &id);
        let segs: Vec<&str> = id.segments().collect();
        prop_assert_eq!(SpiffeId::from_segments(&id.trust_domain(), &segs).unwrap(), id.clone());
        prop_assert_eq!(TrustDomain::parse(id.trust_domain_name()).unwrap(), id.trust_domain());
    }

    #[test]
    fn parser_agrees_with_reference(s in mutated_id()) {
        prop_assert_eq!(SpiffeId::parse(&s).is_ok(), reference_valid(&s), "{:?}", s);
    }

    #[test]
    fn arbitrary_strings_agree_and_never_panic(s in "\\PC{0,40}") {
        let with_scheme = format!("spiffe://{s}");
        prop_assert_eq!(SpiffeId::parse(&s).is_ok(), reference_valid(&s));
        prop_assert_eq!(SpiffeId::parse(&with_scheme).is_ok(), reference_valid(&with_scheme), "{:?}", with_scheme);
    }

    #[test]
    fn durations_round_trip(h in 1u64..100_000) {
        let d = std::time::Duration::from_secs(h * 3600);
        let text = mesh_identity::ca::format_duration(d);
        prop_assert_eq!(mesh_identity::time_fmt::parse_duration(&text), Some(d));
    }

    #[test]
    fn rfc3339_round_trip(secs in 0u64..8_000_000_000) {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
        let text = mesh_identity::time_fmt::format_rfc3339(t);
        prop_assert_eq!(mesh_identity::time_fmt::parse_rfc3339(&text), Some(t));
    }
}
