//! Fuzzes trace-context header parsing: no input panics, and every context a parser accepts
//! round-trips through its renderer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mesh_kube::trace_context::{
    B3Single, parse_b3_single, parse_ot_span_context, parse_request_id, parse_traceparent,
};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(c) = parse_traceparent(s) {
        let again = parse_traceparent(&c.traceparent()).expect("a rendered traceparent parses");
        assert_eq!((again.trace_id, again.span_id, again.sampled), (c.trace_id, c.span_id, c.sampled));
    }
    if let Ok(B3Single::Context(c)) = parse_b3_single(s) {
        let again = parse_b3_single(&c.b3_single()).expect("a rendered b3 parses");
        assert_eq!(again, B3Single::Context(c));
    }
    let _ = parse_ot_span_context(s);
    let _ = parse_request_id(s);
});
