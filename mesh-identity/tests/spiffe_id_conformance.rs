//! SPIFFE ID and trust domain cases pinned to go-spiffe's `v2/spiffeid` tests
//! (id_test.go, trustdomain_test.go, path_test.go) and to the SPIFFE-ID standard
//! (spiffe/spiffe standards/SPIFFE-ID.md). Each row names its source.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use mesh_identity::{SpiffeId, SpiffeIdError, TrustDomain};

/// The variant of an error, to compare without its payload.
fn kind(e: &SpiffeIdError) -> &'static str {
    match e {
        SpiffeIdError::Empty => "Empty",
        SpiffeIdError::WrongScheme { .. } => "WrongScheme",
        SpiffeIdError::MissingTrustDomain { .. } => "MissingTrustDomain",
        SpiffeIdError::UppercaseTrustDomain { .. } => "UppercaseTrustDomain",
        SpiffeIdError::Port { .. } => "Port",
        SpiffeIdError::Userinfo { .. } => "Userinfo",
        SpiffeIdError::Query { .. } => "Query",
        SpiffeIdError::Fragment { .. } => "Fragment",
        SpiffeIdError::PercentEncoded { .. } => "PercentEncoded",
        SpiffeIdError::BadTrustDomainChar { .. } => "BadTrustDomainChar",
        SpiffeIdError::TrustDomainTooLong { .. } => "TrustDomainTooLong",
        SpiffeIdError::TooLong { .. } => "TooLong",
        SpiffeIdError::NoLeadingSlash { .. } => "NoLeadingSlash",
        SpiffeIdError::EmptySegment { .. } => "EmptySegment",
        SpiffeIdError::DotSegment { .. } => "DotSegment",
        SpiffeIdError::TrailingSlash { .. } => "TrailingSlash",
        SpiffeIdError::BadPathChar { .. } => "BadPathChar",
        _ => "Other",
    }
}

enum Want {
    Ok(&'static str, &'static str),
    Err(&'static str),
}
use Want::{Err as E, Ok as V};

/// (input, expected, source)
const ID_CASES: &[(&str, Want, &str)] = &[
    ("spiffe://trustdomain", V("trustdomain", ""), "id_test.go TestFromString: path is optional"),
    ("spiffe://trustdomain/path", V("trustdomain", "/path"), "id_test.go TestFromURI: ok"),
    ("spiffe://trustdomain/.path", V("trustdomain", "/.path"), "id_test.go: dot segments, .path is a name"),
    (
        "spiffe://trustdomain/..path",
        V("trustdomain", "/..path"),
        "id_test.go: dot segments, ..path is a name",
    ),
    ("spiffe://trustdomain/...", V("trustdomain", "/..."), "id_test.go: dot segments, ... is a name"),
    ("spiffe://example.org/ns/default/sa/web", V("example.org", "/ns/default/sa/web"), "Istio workload form"),
    (
        "spiffe://k8s-west.example.com/ns/staging/sa/default",
        V("k8s-west.example.com", "/ns/staging/sa/default"),
        "SPIFFE-ID.md 2.2 example",
    ),
    (
        "spiffe://staging.example.com/payments/mysql",
        V("staging.example.com", "/payments/mysql"),
        "SPIFFE-ID.md 2.2 example",
    ),
    (
        "spiffe://example.com/9eebccd2-12bf-40a6-b262-65fe0487d453",
        V("example.com", "/9eebccd2-12bf-40a6-b262-65fe0487d453"),
        "SPIFFE-ID.md 2.2 opaque example",
    ),
    (
        "spiffe://192.168.1.1/path",
        V("192.168.1.1", "/path"),
        "SPIFFE-ID.md 2.1: dotted quads are not excluded",
    ),
    (
        "spiffe://trust_domain-1.x/Path_With-Upper.Case",
        V("trust_domain-1.x", "/Path_With-Upper.Case"),
        "SPIFFE-ID.md 2.2/2.4: paths are case-sensitive, keep upper case",
    ),
    ("spiffe://a/b/c/d/e/f", V("a", "/b/c/d/e/f"), "SPIFFE-ID.md 2.2: hierarchical paths"),
    ("spiffe://0/1", V("0", "/1"), "SPIFFE-ID.md 2.1/2.2: digits only"),
    ("spiffe://td/_", V("td", "/_"), "SPIFFE-ID.md 2.2: underscore segment"),
    ("spiffe://td/-", V("td", "/-"), "SPIFFE-ID.md 2.2: dash segment"),
    ("", E("Empty"), "id_test.go: reject empty"),
    ("s", E("WrongScheme"), "id_test.go: reject bad scheme \"s\""),
    ("spiffe:/", E("WrongScheme"), "id_test.go: reject bad scheme \"spiffe:/\""),
    ("Spiffe://", E("WrongScheme"), "id_test.go: reject bad scheme \"Spiffe://\""),
    ("SPIFFE://example.org", E("WrongScheme"), "CONTRACT strict: upper-case scheme rejected, not folded"),
    ("https://example.org/ns/default/sa/web", E("WrongScheme"), "SPIFFE-ID.md 2: scheme MUST be spiffe"),
    (" spiffe://example.org", E("WrongScheme"), "no leading whitespace"),
    ("spiffe//example.org", E("WrongScheme"), "scheme separator must be ://"),
    ("spiffe://", E("MissingTrustDomain"), "id_test.go: reject missing trust domain"),
    ("spiffe:///", E("MissingTrustDomain"), "id_test.go: reject missing trust domain"),
    ("spiffe:///path", E("MissingTrustDomain"), "trustdomain_test.go: spiffe:///path"),
    ("spiffe://trustdomain/", E("TrailingSlash"), "id_test.go: reject empty segments (trailing)"),
    ("spiffe://trustdomain//", E("EmptySegment"), "id_test.go: reject empty segments"),
    ("spiffe://trustdomain//path", E("EmptySegment"), "id_test.go: reject empty segments"),
    ("spiffe://trustdomain/path/", E("TrailingSlash"), "id_test.go: reject empty segments (trailing)"),
    ("spiffe://trustdomain/a//b", E("EmptySegment"), "SPIFFE-ID.md 2.2: no empty segments"),
    ("spiffe://trustdomain/.", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/./path", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/path/./other", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/path/..", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/..", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/../path", E("DotSegment"), "id_test.go: reject dot segments"),
    ("spiffe://trustdomain/path/../other", E("DotSegment"), "id_test.go: reject dot segments"),
    (
        "spiffe://%F0%9F%A4%AF/path",
        E("PercentEncoded"),
        "id_test.go: reject percent-encoded unicode (trust domain)",
    ),
    (
        "spiffe://trustdomain/%F0%9F%A4%AF",
        E("PercentEncoded"),
        "id_test.go: reject percent-encoded unicode (path)",
    ),
    (
        "spiffe://%62%61%64/path",
        E("PercentEncoded"),
        "id_test.go: reject percent-encoded ascii (trust domain)",
    ),
    (
        "spiffe://trustdomain/%62%61%64",
        E("PercentEncoded"),
        "id_test.go: reject percent-encoded ascii (path)",
    ),
    ("spiffe://trust$domain", E("BadTrustDomainChar"), "id_test.go TestFromURI: trust$domain"),
    ("spiffe://trustdomain/path$", E("BadPathChar"), "id_test.go TestFromURI: path$"),
    ("spiffe://Example.org/path", E("UppercaseTrustDomain"), "SPIFFE-ID.md 2.1: host MUST be lowercase"),
    ("spiffe://exAmple.org", E("UppercaseTrustDomain"), "SPIFFE-ID.md 2.1: host MUST be lowercase"),
    ("spiffe://example.org:8080/path", E("Port"), "SPIFFE-ID.md 2.1: port MUST be empty"),
    ("spiffe://example.org:/path", E("Port"), "SPIFFE-ID.md 2.1: port MUST be empty, even an empty one"),
    ("spiffe://user@example.org/path", E("Userinfo"), "SPIFFE-ID.md 2.1: userinfo MUST be empty"),
    ("spiffe://user:pw@example.org", E("Port"), "SPIFFE-ID.md 2.1: userinfo MUST be empty (':' seen first)"),
    ("spiffe://example.org/path?query=1", E("Query"), "SPIFFE-ID.md 2: MUST NOT include a query"),
    ("spiffe://example.org/path#frag", E("Fragment"), "SPIFFE-ID.md 2: MUST NOT include a fragment"),
    ("spiffe://example.org?x", E("Query"), "SPIFFE-ID.md 2: query right after the authority"),
    ("spiffe://example.org#x", E("Fragment"), "SPIFFE-ID.md 2: fragment right after the authority"),
    ("spiffe://[::1]/path", E("BadTrustDomainChar"), "SPIFFE-ID.md 2.1: IPv6 addresses are excluded"),
    ("spiffe://exa mple.org", E("BadTrustDomainChar"), "SPIFFE-ID.md 2.1: [a-z0-9.-_] only"),
    ("spiffe://ex\u{e4}mple.org", E("BadTrustDomainChar"), "id_test.go: UTF-8 rejected in the trust domain"),
    ("spiffe://example.org/pa th", E("BadPathChar"), "SPIFFE-ID.md 2.2: [a-zA-Z0-9.-_] only"),
    ("spiffe://example.org/caf\u{e9}", E("BadPathChar"), "id_test.go: UTF-8 rejected in the path"),
    ("spiffe://example.org/a\\b", E("BadPathChar"), "SPIFFE-ID.md 2.2: backslash is not a separator"),
    ("spiffe://example.org/ns/default/sa/web ", E("BadPathChar"), "no trailing whitespace"),
    ("spiffe://example.org/\u{0}", E("BadPathChar"), "id_test.go: control characters rejected"),
    ("spiffe://example.org/path+plus", E("BadPathChar"), "SPIFFE-ID.md 2.2: '+' is not allowed"),
    ("spiffe://example.org/path~tilde", E("BadPathChar"), "SPIFFE-ID.md 2.2: '~' is not allowed"),
    ("spiffe://example.org/a:b", E("BadPathChar"), "SPIFFE-ID.md 2.2: ':' is not allowed in a segment"),
    ("spiffe://example.org/a@b", E("BadPathChar"), "SPIFFE-ID.md 2.2: '@' is not allowed in a segment"),
];

#[test]
fn spiffe_id_cases() {
    for (input, want, source) in ID_CASES {
        let got = SpiffeId::parse(input);
        match (want, &got) {
            (V(td, path), Ok(id)) => {
                assert_eq!(id.trust_domain_name(), *td, "{input:?} ({source})");
                assert_eq!(id.path(), *path, "{input:?} ({source})");
                assert_eq!(id.as_str(), *input, "{input:?} round trip ({source})");
            }
            (E(k), Err(e)) => assert_eq!(kind(e), *k, "{input:?} ({source}): {e}"),
            _ => panic!("{input:?} ({source}): got {got:?}"),
        }
    }
    assert!(ID_CASES.len() >= 60);
}

// SPIFFE-ID.md 2.3: trust domain at most 255 bytes, whole ID at most 2048 bytes.
#[test]
fn length_limits() {
    let td255 = "a".repeat(255);
    assert!(SpiffeId::parse(&format!("spiffe://{td255}/p")).is_ok());
    let td256 = "a".repeat(256);
    let e = SpiffeId::parse(&format!("spiffe://{td256}/p")).unwrap_err();
    assert_eq!(kind(&e), "TrustDomainTooLong");
    assert_eq!(kind(&TrustDomain::parse(&td256).unwrap_err()), "TrustDomainTooLong");
    let base = "spiffe://example.org/";
    let exact = format!("{base}{}", "x".repeat(2048 - base.len()));
    assert_eq!(exact.len(), 2048);
    assert!(SpiffeId::parse(&exact).is_ok());
    let over = format!("{exact}x");
    assert_eq!(kind(&SpiffeId::parse(&over).unwrap_err()), "TooLong");
}

// id_test.go TestFromString: "Go all the way through 255" for trust domain characters.
#[test]
fn trust_domain_char_sweep() {
    for i in 0u32..256 {
        let Some(c) = char::from_u32(i) else { continue };
        if c == '/' {
            continue;
        }
        let input = format!("spiffe://trustdomain{c}/path");
        let allowed = c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_');
        let got = SpiffeId::parse(&input);
        assert_eq!(got.is_ok(), allowed, "char {i:#X}: {got:?}");
        // trustdomain_test.go: the same sweep through TrustDomain::parse.
        assert_eq!(TrustDomain::parse(&format!("trustdomain{c}")).is_ok(), allowed, "td char {i:#X}");
    }
}

// id_test.go TestFromString: "Go all the way through 255" for path characters.
#[test]
fn path_char_sweep() {
    for i in 0u32..256 {
        let Some(c) = char::from_u32(i) else { continue };
        if c == '/' {
            continue;
        }
        let input = format!("spiffe://trustdomain/path{c}");
        let allowed = c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        let got = SpiffeId::parse(&input);
        assert_eq!(got.is_ok(), allowed, "char {i:#X}: {got:?}");
        if let Ok(id) = got {
            assert_eq!(id.path(), format!("/path{c}"));
        }
    }
}

/// (input, Ok(name) or Err(kind), source): trustdomain_test.go TestTrustDomainFromString.
const TD_CASES: &[(&str, Result<&str, &str>, &str)] = &[
    ("", Err("MissingTrustDomain"), "reject empty"),
    ("spiffe://trustdomain", Ok("trustdomain"), "allow id without path"),
    ("spiffe://trustdomain/path", Ok("trustdomain"), "allow id with path"),
    ("spiffe:/trustdomain/path", Err("WrongScheme"), "reject bad ids: scheme"),
    ("spiffe://", Err("MissingTrustDomain"), "reject bad ids: missing trust domain"),
    ("spiffe:///path", Err("MissingTrustDomain"), "reject bad ids: missing trust domain"),
    ("spiffe://trustdomain/", Err("TrailingSlash"), "reject bad ids: trailing slash"),
    ("spiffe://trustdomain/path/", Err("TrailingSlash"), "reject bad ids: trailing slash"),
    ("spiffe://%F0%9F%A4%AF/path", Err("PercentEncoded"), "reject bad ids: percent-encoded trust domain"),
    ("spiffe://trustdomain/%F0%9F%A4%AF", Err("PercentEncoded"), "reject bad ids: percent-encoded path"),
    ("trustdomain", Ok("trustdomain"), "allow good trustdomain"),
    ("example.org", Ok("example.org"), "a DNS name"),
    ("Trustdomain", Err("UppercaseTrustDomain"), "SPIFFE-ID.md 2.1: lowercase"),
    ("example.org:443", Err("Port"), "SPIFFE-ID.md 2.1: no port"),
    ("trust$domain", Err("BadTrustDomainChar"), "reject bad trustdomain char"),
];

#[test]
fn trust_domain_cases() {
    for (input, want, source) in TD_CASES {
        match (want, TrustDomain::parse(input)) {
            (Ok(name), Ok(td)) => {
                assert_eq!(td.name(), *name, "{input:?} ({source})");
                // trustdomain_test.go TestTrustDomainID / IDString.
                assert_eq!(td.id().as_str(), format!("spiffe://{name}"));
            }
            (Err(k), Err(e)) => assert_eq!(kind(&e), *k, "{input:?} ({source}): {e}"),
            (_, got) => panic!("{input:?} ({source}): got {got:?}"),
        }
    }
}

// id_test.go TestFromSegments and TestFromPathf; path_test.go.
#[test]
fn from_segments_and_paths() {
    let td = TrustDomain::parse("trustdomain").unwrap();
    let none: [&str; 0] = [];
    assert_eq!(SpiffeId::from_segments(&td, &none).unwrap().path(), "");
    assert_eq!(SpiffeId::from_segments(&td, &["foo"]).unwrap().path(), "/foo");
    assert_eq!(SpiffeId::from_segments(&td, &["foo", "bar"]).unwrap().path(), "/foo/bar");
    assert_eq!(kind(&SpiffeId::from_segments(&td, &[""]).unwrap_err()), "EmptySegment");
    assert_eq!(kind(&SpiffeId::from_segments(&td, &["/"]).unwrap_err()), "BadPathChar");
    assert_eq!(kind(&SpiffeId::from_segments(&td, &["/foo"]).unwrap_err()), "BadPathChar");
    assert_eq!(kind(&SpiffeId::from_segments(&td, &["$"]).unwrap_err()), "BadPathChar");
    assert_eq!(kind(&SpiffeId::from_segments(&td, &[".."]).unwrap_err()), "DotSegment");
    assert_eq!(SpiffeId::from_path(&td, "/foo").unwrap().path(), "/foo");
    assert_eq!(SpiffeId::from_path(&td, "").unwrap().path(), "");
    assert_eq!(kind(&SpiffeId::from_path(&td, "foo").unwrap_err()), "NoLeadingSlash");
    assert_eq!(kind(&SpiffeId::from_path(&td, "/").unwrap_err()), "TrailingSlash");
}

// id_test.go TestIDMemberOf.
#[test]
fn member_of() {
    let td = TrustDomain::parse("trustdomain").unwrap();
    let td2 = TrustDomain::parse("domain2.test").unwrap();
    assert!(SpiffeId::from_segments(&td, &["path", "element"]).unwrap().is_member_of(&td));
    let none: [&str; 0] = [];
    assert!(SpiffeId::from_segments(&td, &none).unwrap().is_member_of(&td));
    assert!(!SpiffeId::from_segments(&td2, &["path", "element"]).unwrap().is_member_of(&td));
}

// Every rejection message is a sentence naming the offending value.
#[test]
fn messages_name_the_value() {
    let e = SpiffeId::parse("spiffe://example.org:8080/x").unwrap_err();
    assert!(e.to_string().contains("example.org:8080"), "{e}");
    let e = SpiffeId::parse("spiffe://example.org/a/../b").unwrap_err();
    assert!(e.to_string().contains("/a/../b"), "{e}");
}

// id_test.go TestIDTextMarshaler: serde uses the string form.
#[test]
fn serde_round_trip() {
    let id = SpiffeId::parse("spiffe://example.org/ns/a/sa/b").unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"spiffe://example.org/ns/a/sa/b\"");
    assert_eq!(serde_json::from_str::<SpiffeId>(&json).unwrap(), id);
    assert!(serde_json::from_str::<SpiffeId>("\"spiffe://EXAMPLE\"").is_err());
}
