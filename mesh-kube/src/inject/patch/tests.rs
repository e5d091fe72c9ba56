use proptest::prelude::*;
use serde_json::json;

use super::*;

#[test]
fn base64_matches_rfc4648_vectors() {
    // RFC 4648 section 10 test vectors.
    for (input, want) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), want);
    }
}

#[test]
fn keys_with_slashes_are_escaped() {
    let a = json!({"metadata": {"labels": {"app": "x"}}});
    let b = json!({"metadata": {"labels": {"app": "x", "security.istio.io/tlsMode": "istio"}}});
    let p = diff(&a, &b);
    assert_eq!(p[0]["path"], "/metadata/labels/security.istio.io~1tlsMode");
    assert_eq!(apply(&a, &p).unwrap(), b);
}

#[test]
fn response_carries_uid_and_patch() {
    let review = json!({"apiVersion": "admission.k8s.io/v1", "request": {"uid": "abc"}});
    let r = admission_response(&review, Some(&json!([{"op": "add", "path": "/a", "value": 1}])));
    assert_eq!(r["response"]["uid"], "abc");
    assert_eq!(r["response"]["patchType"], "JSONPatch");
    let r = admission_response(&review, Some(&json!([])));
    assert!(r["response"].get("patch").is_none());
}

#[test]
fn bad_patches_are_errors() {
    let doc = json!({"a": [1]});
    assert!(apply(&doc, &json!([{"op": "remove", "path": "/b"}])).is_err());
    assert!(apply(&doc, &json!([{"op": "add", "path": "/a/5", "value": 1}])).is_err());
    assert!(apply(&doc, &json!({})).is_err());
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        "[a-c/~]{0,3}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-c/~]{1,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    // Round trip: applying diff(a, b) to a gives b.
    #[test]
    fn diff_then_apply_round_trips(a in arb_json(), b in arb_json()) {
        let p = diff(&a, &b);
        prop_assert_eq!(apply(&a, &p).unwrap(), b);
    }
}
