//! Trace-context propagation: the headers a proxy forwards so that spans join one trace,
//! their parsing and validation, and child span contexts made from the caller's random bits.
//!
//! Formats: W3C Trace Context (`traceparent`, `tracestate`), B3 single (`b3`) and multi
//! (`x-b3-*`), Envoy's Zipkin `x-ot-span-context`, and Envoy's `x-request-id` (a UUID whose
//! 15th character carries the trace decision).
//!
//! ```
//! use mesh_kube::trace_context::{TraceContext, parse_traceparent};
//! let parent = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
//! let child = parent.child(0x1122334455667788).unwrap();
//! assert_eq!(child.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-1122334455667788-01");
//! assert_eq!(child.b3_single(), "4bf92f3577b34da6a3ce929d0e0e4736-1122334455667788-1-00f067aa0ba902b7");
//! ```

use serde::Serialize;

/// Every header a proxy must forward for trace context to survive a hop through the
/// application (Istio's documented list for Envoy's tracers).
pub const PROPAGATED_HEADERS: [&str; 10] = [
    "x-request-id",
    "traceparent",
    "tracestate",
    "b3",
    "x-b3-traceid",
    "x-b3-spanid",
    "x-b3-parentspanid",
    "x-b3-sampled",
    "x-b3-flags",
    "x-ot-span-context",
];

/// Why a trace header was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TraceContextError {
    /// The header does not have the format's shape, such as a `traceparent` with three
    /// fields or of the wrong length.
    #[error("header {header} is malformed: {reason} (value {value:?})")]
    Malformed {
        /// The header name.
        header: &'static str,
        /// What is wrong.
        reason: &'static str,
        /// The value as received.
        value: String,
    },
    /// A trace or span id is all zeros, which every format forbids.
    #[error("header {header} carries an all-zero {field}, which is invalid")]
    ZeroId {
        /// The header name.
        header: &'static str,
        /// `trace-id`, `span-id` or `parent-id`.
        field: &'static str,
    },
    /// The caller's random span id was zero; draw again.
    #[error("the random span id is zero; a span id must be non-zero")]
    ZeroRandom,
}

/// A span context: which trace, which span, and the sampling decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TraceContext {
    /// The 128-bit trace id (a 64-bit B3 id has the high half zero).
    #[serde(serialize_with = "ser_trace")]
    pub trace_id: u128,
    /// Whether the id was carried as 64 bits (B3, x-ot-span-context); rendering keeps the width.
    pub trace_id_64: bool,
    /// This span's id.
    #[serde(serialize_with = "ser_span")]
    pub span_id: u64,
    /// The parent span's id, when known.
    #[serde(serialize_with = "ser_opt_span")]
    pub parent_span_id: Option<u64>,
    /// The sampling decision; `None` defers it.
    pub sampled: Option<bool>,
    /// B3 debug (`d`, `x-b3-flags: 1`): sample and force.
    pub debug: bool,
    /// W3C `tracestate`, passed through unchanged.
    pub tracestate: Option<String>,
}

fn ser_trace<S: serde::Serializer>(v: &u128, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:032x}"))
}
fn ser_span<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:016x}"))
}
fn ser_opt_span<S: serde::Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format!("{v:016x}")),
        None => s.serialize_none(),
    }
}

fn lower_hex(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn malformed(header: &'static str, reason: &'static str, value: &str) -> TraceContextError {
    TraceContextError::Malformed { header, reason, value: value.to_string() }
}

fn hex_u64(
    header: &'static str,
    field: &'static str,
    s: &str,
    value: &str,
) -> Result<u64, TraceContextError> {
    if s.len() != 16 || !lower_hex(s) {
        return Err(malformed(header, "a span id must be 16 lower-case hex digits", value));
    }
    match u64::from_str_radix(s, 16) {
        Ok(0) => Err(TraceContextError::ZeroId { header, field }),
        Ok(v) => Ok(v),
        Err(_) => Err(malformed(header, "a span id must be 16 lower-case hex digits", value)),
    }
}

/// A B3 trace id: 16 or 32 lower-case hex digits, not all zero.
fn b3_trace(header: &'static str, s: &str, value: &str) -> Result<(u128, bool), TraceContextError> {
    if (s.len() != 16 && s.len() != 32) || !lower_hex(s) {
        return Err(malformed(header, "a trace id must be 16 or 32 lower-case hex digits", value));
    }
    let id = u128::from_str_radix(s, 16).map_err(|_| malformed(header, "bad trace id", value))?;
    if id == 0 {
        return Err(TraceContextError::ZeroId { header, field: "trace-id" });
    }
    Ok((id, s.len() == 16))
}

/// Parses a W3C `traceparent`: `version-traceid-parentid-flags`, lower-case hex, version
/// `ff` forbidden, version `00` exactly 55 characters, later versions may append `-...`.
pub fn parse_traceparent(value: &str) -> Result<TraceContext, TraceContextError> {
    const H: &str = "traceparent";
    let v = value.trim_matches([' ', '\t']);
    if v.len() < 55 {
        return Err(malformed(H, "shorter than 55 characters", value));
    }
    let b = v.as_bytes();
    if b[2] != b'-' || b[35] != b'-' || b[52] != b'-' {
        return Err(malformed(H, "fields must be separated by '-' at fixed positions", value));
    }
    let version = &v[0..2];
    if !lower_hex(version) || version == "ff" {
        return Err(malformed(H, "the version must be two lower-case hex digits other than ff", value));
    }
    if version == "00" && v.len() != 55 {
        return Err(malformed(H, "version 00 must be exactly 55 characters", value));
    }
    if v.len() > 55 && b[55] != b'-' {
        return Err(malformed(H, "a future version's extra fields must follow a '-'", value));
    }
    let trace = &v[3..35];
    if !lower_hex(trace) {
        return Err(malformed(H, "the trace-id must be 32 lower-case hex digits", value));
    }
    let trace_id = u128::from_str_radix(trace, 16).map_err(|_| malformed(H, "bad trace-id", value))?;
    if trace_id == 0 {
        return Err(TraceContextError::ZeroId { header: H, field: "trace-id" });
    }
    let span_id = hex_u64(H, "parent-id", &v[36..52], value)?;
    let flags = &v[53..55];
    if !lower_hex(flags) {
        return Err(malformed(H, "the flags must be two lower-case hex digits", value));
    }
    let flags = u8::from_str_radix(flags, 16).map_err(|_| malformed(H, "bad flags", value))?;
    Ok(TraceContext {
        trace_id,
        trace_id_64: false,
        span_id,
        parent_span_id: None,
        sampled: Some(flags & 1 == 1),
        debug: false,
        tracestate: None,
    })
}

/// Parses a B3 single header: `traceid-spanid[-sampling[-parentspanid]]`, or a lone
/// sampling decision (`0`, `1`, `d`), which yields `Ok(None)` for the ids.
pub fn parse_b3_single(value: &str) -> Result<B3Single, TraceContextError> {
    const H: &str = "b3";
    let sampling = |s: &str| match s {
        "0" => Ok((Some(false), false)),
        "1" => Ok((Some(true), false)),
        "d" => Ok((Some(true), true)),
        _ => Err(malformed(H, "the sampling state must be 0, 1 or d", value)),
    };
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() == 1 {
        let (sampled, debug) = sampling(parts[0])?;
        return Ok(B3Single::SamplingOnly { sampled, debug });
    }
    if parts.len() > 4 {
        return Err(malformed(H, "at most four '-'-separated fields", value));
    }
    let (trace_id, trace_id_64) = b3_trace(H, parts[0], value)?;
    let span_id = hex_u64(H, "span-id", parts[1], value)?;
    let (sampled, debug) = match parts.get(2) {
        Some(s) => sampling(s)?,
        None => (None, false),
    };
    let parent_span_id = match parts.get(3) {
        Some(p) => Some(hex_u64(H, "parent-id", p, value)?),
        None => None,
    };
    Ok(B3Single::Context(TraceContext {
        trace_id,
        trace_id_64,
        span_id,
        parent_span_id,
        sampled,
        debug,
        tracestate: None,
    }))
}

/// What a B3 single header carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum B3Single {
    /// A full context.
    Context(TraceContext),
    /// Only a sampling decision (`b3: 0` asks not to trace).
    SamplingOnly {
        /// The decision.
        sampled: Option<bool>,
        /// `d`.
        debug: bool,
    },
}

/// Parses B3 multi headers, given a lookup by lower-case name. `Ok(None)` when no
/// `x-b3-traceid` is present.
pub fn parse_b3_multi<'a>(
    get: impl Fn(&str) -> Option<&'a str>,
) -> Result<Option<TraceContext>, TraceContextError> {
    let Some(trace) = get("x-b3-traceid") else { return Ok(None) };
    let (trace_id, trace_id_64) = b3_trace("x-b3-traceid", trace, trace)?;
    let span =
        get("x-b3-spanid").ok_or_else(|| malformed("x-b3-spanid", "missing beside x-b3-traceid", ""))?;
    let span_id = hex_u64("x-b3-spanid", "span-id", span, span)?;
    let parent_span_id = match get("x-b3-parentspanid") {
        Some(p) => Some(hex_u64("x-b3-parentspanid", "parent-id", p, p)?),
        None => None,
    };
    let sampled = match get("x-b3-sampled") {
        Some("1") | Some("true") => Some(true),
        Some("0") | Some("false") => Some(false),
        Some(other) => return Err(malformed("x-b3-sampled", "must be 1, 0, true or false", other)),
        None => None,
    };
    let debug = get("x-b3-flags") == Some("1");
    Ok(Some(TraceContext {
        trace_id,
        trace_id_64,
        span_id,
        parent_span_id,
        sampled: if debug { Some(true) } else { sampled },
        debug,
        tracestate: None,
    }))
}

/// Parses Envoy Zipkin's `x-ot-span-context`: `traceid;spanid;parentid[;cs|sr]`.
pub fn parse_ot_span_context(value: &str) -> Result<TraceContext, TraceContextError> {
    const H: &str = "x-ot-span-context";
    let parts: Vec<&str> = value.split(';').collect();
    if !(3..=4).contains(&parts.len()) {
        return Err(malformed(H, "expected traceid;spanid;parentid[;cs|sr]", value));
    }
    if parts.len() == 4 && parts[3] != "cs" && parts[3] != "sr" {
        return Err(malformed(H, "the annotation must be cs or sr", value));
    }
    let (trace_id, trace_id_64) = b3_trace(H, parts[0], value)?;
    let span_id = hex_u64(H, "span-id", parts[1], value)?;
    // An all-zero parent means "none" in this format.
    let parent_span_id = match parts[2] {
        "0000000000000000" => None,
        p => Some(hex_u64(H, "parent-id", p, value)?),
    };
    Ok(TraceContext {
        trace_id,
        trace_id_64,
        span_id,
        parent_span_id,
        sampled: None,
        debug: false,
        tracestate: None,
    })
}

/// What Envoy's `x-request-id` (a UUID) says about tracing: its 15th character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RequestIdTraceStatus {
    /// `4`: a plain UUIDv4, no decision recorded.
    NoTrace,
    /// `9`: sampled by the sampling rate.
    Sampled,
    /// `a`: forced (debug header).
    Forced,
    /// `b`: the client asked for tracing.
    Client,
    /// Any other value.
    Unknown,
}

/// Validates an `x-request-id` as Envoy's UUID extension reads it (36 characters, dashes at
/// 8, 13, 18, 23, hex elsewhere) and returns its trace status.
pub fn parse_request_id(value: &str) -> Result<RequestIdTraceStatus, TraceContextError> {
    const H: &str = "x-request-id";
    let b = value.as_bytes();
    let shape = b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() });
    if !shape {
        return Err(malformed(H, "not a UUID (8-4-4-4-12 hex digits)", value));
    }
    Ok(match b[14].to_ascii_lowercase() {
        b'4' => RequestIdTraceStatus::NoTrace,
        b'9' => RequestIdTraceStatus::Sampled,
        b'a' => RequestIdTraceStatus::Forced,
        b'b' => RequestIdTraceStatus::Client,
        _ => RequestIdTraceStatus::Unknown,
    })
}

/// Formats 128 random bits as a UUIDv4 `x-request-id` (version and variant bits set).
pub fn new_request_id(random: u128) -> String {
    let v = (random & !(0xf000u128 << 64) | (0x4000u128 << 64)) & !(0xc000u128 << 48) | (0x8000u128 << 48);
    let h = format!("{v:032x}");
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

impl TraceContext {
    /// A new root span from the caller's random bits: a 128-bit trace id and a span id.
    pub fn root(
        random_trace: u128,
        random_span: u64,
        sampled: Option<bool>,
    ) -> Result<Self, TraceContextError> {
        if random_span == 0 || random_trace == 0 {
            return Err(TraceContextError::ZeroRandom);
        }
        Ok(Self {
            trace_id: random_trace,
            trace_id_64: false,
            span_id: random_span,
            parent_span_id: None,
            sampled,
            debug: false,
            tracestate: None,
        })
    }

    /// The child span a proxy starts: same trace and decision, this span as parent, and the
    /// caller's random (non-zero) span id.
    pub fn child(&self, random_span: u64) -> Result<Self, TraceContextError> {
        if random_span == 0 {
            return Err(TraceContextError::ZeroRandom);
        }
        Ok(Self { span_id: random_span, parent_span_id: Some(self.span_id), ..self.clone() })
    }

    fn trace_hex(&self) -> String {
        if self.trace_id_64 {
            format!("{:016x}", self.trace_id as u64)
        } else {
            format!("{:032x}", self.trace_id)
        }
    }

    /// The W3C `traceparent` (version 00; the trace id always 32 digits).
    pub fn traceparent(&self) -> String {
        let flags = u8::from(self.sampled == Some(true) || self.debug);
        format!("00-{:032x}-{:016x}-{flags:02x}", self.trace_id, self.span_id)
    }

    /// The B3 single header.
    pub fn b3_single(&self) -> String {
        let mut s = format!("{}-{:016x}", self.trace_hex(), self.span_id);
        let state = if self.debug { Some("d") } else { self.sampled.map(|v| if v { "1" } else { "0" }) };
        if let Some(st) = state {
            s.push('-');
            s.push_str(st);
            if let Some(p) = self.parent_span_id {
                s.push_str(&format!("-{p:016x}"));
            }
        }
        s
    }

    /// The B3 multi headers, in the order Envoy writes them.
    pub fn b3_multi(&self) -> Vec<(&'static str, String)> {
        let mut h =
            vec![("x-b3-traceid", self.trace_hex()), ("x-b3-spanid", format!("{:016x}", self.span_id))];
        if let Some(p) = self.parent_span_id {
            h.push(("x-b3-parentspanid", format!("{p:016x}")));
        }
        if self.debug {
            h.push(("x-b3-flags", "1".into()));
        } else if let Some(s) = self.sampled {
            h.push(("x-b3-sampled", if s { "1".into() } else { "0".into() }));
        }
        h
    }

    /// Every header this context propagates: W3C, B3 single and multi, `tracestate`.
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![("traceparent", self.traceparent())];
        if let Some(ts) = &self.tracestate {
            h.push(("tracestate", ts.clone()));
        }
        h.push(("b3", self.b3_single()));
        h.extend(self.b3_multi());
        h
    }
}

/// Extracts the incoming context as Envoy does, first match wins: `traceparent` (with its
/// `tracestate`), `b3`, `x-b3-*`, `x-ot-span-context`. `Ok(None)` when none is present.
pub fn extract<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Option<TraceContext>, TraceContextError> {
    if let Some(tp) = get("traceparent") {
        let mut ctx = parse_traceparent(tp)?;
        ctx.tracestate = get("tracestate").map(String::from);
        return Ok(Some(ctx));
    }
    if let Some(b3) = get("b3")
        && let B3Single::Context(c) = parse_b3_single(b3)?
    {
        return Ok(Some(c));
    }
    if let Some(c) = parse_b3_multi(&get)? {
        return Ok(Some(c));
    }
    if let Some(ot) = get("x-ot-span-context") {
        return parse_ot_span_context(ot).map(Some);
    }
    Ok(None)
}

#[cfg(test)]
mod tests;
