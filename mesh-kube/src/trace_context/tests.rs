use proptest::prelude::*;

use super::*;

// W3C Trace Context, section 3.2 examples and the w3c/trace-context test suite's cases.
#[test]
fn traceparent_accepts_and_rejects_like_the_spec() {
    let ok = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    assert_eq!(ok.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
    assert_eq!(ok.span_id, 0x00f067aa0ba902b7);
    assert_eq!(ok.sampled, Some(true));
    assert_eq!(
        parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap().sampled,
        Some(false)
    );
    // A future version may carry more fields after a dash.
    assert!(
        parse_traceparent(
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like"
        )
        .is_ok()
    );
    for bad in [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.future",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
    ] {
        assert!(parse_traceparent(bad).is_err(), "{bad}");
    }
}

// openzipkin/b3-propagation README: the single-header forms.
#[test]
fn b3_single_forms() {
    let B3Single::Context(c) =
        parse_b3_single("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90").unwrap()
    else {
        panic!("context expected")
    };
    assert_eq!(c.parent_span_id, Some(0x05e3ac9a4f6e3b90));
    assert_eq!(c.sampled, Some(true));
    assert_eq!(c.b3_single(), "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90");
    let B3Single::Context(c64) = parse_b3_single("a3ce929d0e0e4736-00f067aa0ba902b7-d").unwrap() else {
        panic!()
    };
    assert!(c64.trace_id_64 && c64.debug);
    assert_eq!(c64.b3_single(), "a3ce929d0e0e4736-00f067aa0ba902b7-d");
    assert_eq!(parse_b3_single("0").unwrap(), B3Single::SamplingOnly { sampled: Some(false), debug: false });
    for bad in [
        "x",
        "80f198ee56343ba864fe8b2a57d3eff7",
        "80f198ee56343ba8-e457b5a2e4d86bd1-2",
        "abc-e457b5a2e4d86bd1",
    ] {
        assert!(parse_b3_single(bad).is_err(), "{bad}");
    }
}

#[test]
fn b3_multi_and_extract_order() {
    let h = [
        ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124"),
        ("x-b3-spanid", "a2fb4a1d1a96d312"),
        ("x-b3-parentspanid", "0020000000000001"),
        ("x-b3-sampled", "1"),
    ];
    let get = |k: &str| h.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let c = extract(get).unwrap().unwrap();
    assert_eq!(c.parent_span_id, Some(0x0020000000000001));
    assert_eq!(c.b3_multi()[0], ("x-b3-traceid", "463ac35c9f6413ad48485a3953bb6124".to_string()));
    // traceparent wins over B3 when both are present.
    let h2 = [
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        ("tracestate", "k=v"),
        ("b3", "0"),
    ];
    let get2 = |k: &str| h2.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
    let c2 = extract(get2).unwrap().unwrap();
    assert_eq!(c2.tracestate.as_deref(), Some("k=v"));
    assert_eq!(extract(|_| None).unwrap(), None);
}

#[test]
fn ot_span_context_and_request_id() {
    let c = parse_ot_span_context("463ac35c9f6413ad;a2fb4a1d1a96d312;0000000000000000;cs").unwrap();
    assert_eq!(c.parent_span_id, None);
    assert!(parse_ot_span_context("463ac35c9f6413ad;a2fb4a1d1a96d312").is_err());
    assert_eq!(
        parse_request_id("b5e5f7d1-0ad0-4f5b-9b8e-1f0e3c2d4a5b").unwrap(),
        RequestIdTraceStatus::NoTrace
    );
    assert_eq!(
        parse_request_id("b5e5f7d1-0ad0-9f5b-9b8e-1f0e3c2d4a5b").unwrap(),
        RequestIdTraceStatus::Sampled
    );
    assert!(parse_request_id("not-a-uuid").is_err());
    let id = new_request_id(u128::MAX);
    assert_eq!(parse_request_id(&id).unwrap(), RequestIdTraceStatus::NoTrace);
    assert_eq!(&id[19..20], "b");
}

#[test]
fn zero_random_is_rejected() {
    let root = TraceContext::root(1, 2, Some(true)).unwrap();
    assert_eq!(root.child(0), Err(TraceContextError::ZeroRandom));
    assert!(TraceContext::root(0, 1, None).is_err());
}

fn arb_ctx() -> impl Strategy<Value = TraceContext> {
    (
        1u128..,
        1u64..,
        proptest::option::of(1u64..),
        proptest::option::of(any::<bool>()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(t, s, p, sampled, debug, short)| TraceContext {
            trace_id: if short { u128::from(t as u64).max(1) } else { t },
            trace_id_64: short,
            span_id: s,
            parent_span_id: p,
            sampled: if debug { Some(true) } else { sampled },
            debug,
            tracestate: None,
        })
}

proptest! {
    // Every parser round-trips what the renderer writes.
    #[test]
    fn b3_round_trips(c in arb_ctx()) {
        let single = c.b3_single();
        let parsed = parse_b3_single(&single).unwrap();
        let B3Single::Context(p) = parsed else { panic!("context expected") };
        // A context without a sampling state cannot carry its parent in the single header.
        let want_parent = if c.sampled.is_some() || c.debug { c.parent_span_id } else { None };
        prop_assert_eq!(p, TraceContext { parent_span_id: want_parent, ..c.clone() });
        let multi = c.b3_multi();
        let get = |k: &str| multi.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        prop_assert_eq!(parse_b3_multi(get).unwrap().unwrap(), c.clone());
    }

    #[test]
    fn traceparent_round_trips(c in arb_ctx()) {
        let p = parse_traceparent(&c.traceparent()).unwrap();
        prop_assert_eq!(p.trace_id, if c.trace_id_64 { u128::from(c.trace_id as u64) } else { c.trace_id });
        prop_assert_eq!(p.span_id, c.span_id);
        prop_assert_eq!(p.sampled, Some(c.sampled == Some(true)));
    }

    #[test]
    fn parsers_never_panic(s in "\\PC{0,80}") {
        let _ = parse_traceparent(&s);
        let _ = parse_b3_single(&s);
        let _ = parse_ot_span_context(&s);
        let _ = parse_request_id(&s);
    }
}
