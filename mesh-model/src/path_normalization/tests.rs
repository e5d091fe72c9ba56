use super::*;

fn n(p: &str, l: PathNormalization) -> String {
    normalize_path(p, l).unwrap().into_owned()
}

#[test]
fn base_resolves_dot_segments() {
    // envoy test/common/http/path_utility_test.cc: NormalizeValidPaths.
    use PathNormalization::Base as B;
    for (input, want) in [
        ("/xyz", "/xyz"),
        ("/x/../z", "/z"),
        ("/x/./z", "/x/z"),
        ("/x/y/../../z", "/z"),
        ("/../../z", "/z"),
        ("/x/..", "/"),
        ("/x/.", "/x/"),
        ("/x/...", "/x/..."),
        ("/x/.y", "/x/.y"),
        ("/x%2e%2e/z", "/x../z"),
        ("/x/%2e%2e/z", "/z"),
        ("/x/%2E/z", "/x/z"),
        ("/x\\y", "/x/y"),
        ("/x/..\\z", "/z"),
        ("/%41dmin", "/Admin"),
        ("/a%20b", "/a%20b"),
        ("/a b", "/a%20b"),
        ("/a\"b", "/a%22b"),
        ("/%2Fadmin", "/%2Fadmin"),
        ("/caf\u{e9}", "/caf%C3%A9"),
        ("/a/../b?x=/../y", "/b?x=/../y"),
        ("//admin", "//admin"),
    ] {
        assert_eq!(n(input, B), want, "{input}");
    }
}

#[test]
fn nul_is_rejected() {
    // envoy path_utility_test.cc: NormalizeInvalidPaths (%00 and NUL fail).
    assert!(matches!(normalize_path("/a%00b", PathNormalization::Base), Err(PathError::Invalid(_))));
    assert!(matches!(normalize_path("/a\0b", PathNormalization::Base), Err(PathError::Invalid(_))));
    assert!(matches!(normalize_path("a/b", PathNormalization::None), Err(PathError::NotAbsolute(_))));
}

#[test]
fn nested_escapes_are_re_escaped() {
    // chromium url_canon_unittest: "%%30%30" must not turn into "%00".
    assert_eq!(n("/%%30%30", PathNormalization::Base), "/%2500");
    assert_eq!(n("/%%300", PathNormalization::Base), "/%2500");
}

#[test]
fn merge_and_decode_levels() {
    // envoy path_utility_test.cc: MergeSlashes; istio meshconfig DECODE_AND_MERGE_SLASHES.
    assert_eq!(n("//a///b/", PathNormalization::MergeSlashes), "/a/b/");
    assert_eq!(n("/a//b?x=//y", PathNormalization::MergeSlashes), "/a/b?x=//y");
    assert_eq!(n("/a%2F%2fb", PathNormalization::MergeSlashes), "/a%2F%2fb");
    assert_eq!(n("/a%2F%2fb", PathNormalization::DecodeAndMergeSlashes), "/a/b");
    assert_eq!(n("/a%5Cb", PathNormalization::DecodeAndMergeSlashes), "/a/b");
    assert_eq!(n("/x/..%2Fadmin", PathNormalization::DecodeAndMergeSlashes), "/admin");
    assert_eq!(n("//x/../admin", PathNormalization::None), "//x/../admin");
    assert_eq!(n("/a", PathNormalization::Default), "/a");
}

#[test]
fn canonical_paths_borrow() {
    assert!(matches!(normalize_path("/reviews/0?x=1", PathNormalization::Base), Ok(Cow::Borrowed(_))));
    assert!(matches!(normalize_path("/index.html", PathNormalization::MergeSlashes), Ok(Cow::Borrowed(_))));
}
