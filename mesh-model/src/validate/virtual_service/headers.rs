//! Header operations of routes and route destinations, and the authority rewrite.

use crate::networking::{HeaderOperations, Headers, HttpRoute};
use crate::validate::{Path, Report};

fn is_internal_header(name: &str) -> bool {
    name.starts_with(':') || name.eq_ignore_ascii_case("host")
}

fn is_authority_header(name: &str) -> bool {
    name.eq_ignore_ascii_case(":authority") || name.eq_ignore_ascii_case("host")
}

/// Istio's `ValidateHTTPHeaderWithAuthorityOperationName` (request `set`/`add`).
fn validate_request_header_set_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if is_internal_header(name) && !is_authority_header(name) {
        return Err(format!("invalid header {name:?}: header cannot have \":\" prefix"));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderOperationName` (request `remove`, every response operation).
fn validate_header_operation_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("header name cannot be empty".to_string());
    }
    if name.eq_ignore_ascii_case("host") {
        return Err(format!("invalid header {name:?}: cannot set Host header"));
    }
    if is_internal_header(name) {
        return Err(format!("invalid header {name:?}: header cannot have \":\" prefix"));
    }
    Ok(())
}

/// Istio's `ValidateHTTPHeaderValue`: no control characters but tab, and a well-formed Envoy
/// `%VARIABLE%` format (`%%` escapes a percent sign).
fn validate_header_value(value: &str) -> Result<(), String> {
    if value.chars().any(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{a}'..='\u{1f}' | '\u{7f}')) {
        return Err(format!("header value configuration {value} is invalid"));
    }
    envoy_header_format(value).map_err(|e| format!("header value configuration: {e}"))
}

/// Port of Istio's `validateHeaderValue` (Envoy's `header_parser.cc` state machine).
fn envoy_header_format(value: &str) -> Result<(), String> {
    #[derive(PartialEq)]
    enum State {
        Literal,
        VariableName,
        ExpectArray,
        ExpectString,
        String,
        ExpectArrayDelimiterOrEnd,
        ExpectArgsEnd,
        ExpectVariableEnd,
    }
    let b = value.as_bytes();
    let mut pos = 0;
    let mut state = State::Literal;
    while pos < b.len() {
        let ch = b[pos];
        let has_next = pos + 1 < b.len();
        match state {
            State::Literal => {
                if ch == b'%' {
                    if !has_next {
                        return Err("invalid header configuration. Un-escaped %".to_string());
                    }
                    if b[pos + 1] == b'%' {
                        pos += 1;
                    } else {
                        state = State::VariableName;
                    }
                }
            }
            State::VariableName => {
                if ch == b'%' {
                    state = State::Literal;
                } else if ch == b'(' {
                    state = State::ExpectArray;
                }
            }
            State::ExpectArray => {
                if ch == b'[' {
                    state = State::ExpectString;
                } else if ch != b' ' {
                    state = State::String;
                }
            }
            State::ExpectArrayDelimiterOrEnd => {
                if ch == b',' {
                    state = State::ExpectString;
                } else if ch == b']' {
                    state = State::ExpectArgsEnd;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting ',', ']', or whitespace".to_string());
                }
            }
            State::ExpectString => {
                if ch == b'"' {
                    state = State::String;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting '\"'".to_string());
                }
            }
            State::String => {
                if ch == b'\\' {
                    if !has_next {
                        return Err("invalid header configuration. Un-terminated backslash in JSON string"
                            .to_string());
                    }
                    pos += 1;
                } else if ch == b')' {
                    state = State::ExpectVariableEnd;
                } else if ch == b'"' {
                    state = State::ExpectArrayDelimiterOrEnd;
                }
            }
            State::ExpectArgsEnd => {
                if ch == b')' {
                    state = State::ExpectVariableEnd;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting ')' or whitespace".to_string());
                }
            }
            State::ExpectVariableEnd => {
                if ch == b'%' {
                    state = State::Literal;
                } else if ch != b' ' {
                    return Err("invalid header configuration. Expecting '%' or whitespace after".to_string());
                }
            }
        }
        pos += 1;
    }
    if state != State::Literal {
        return Err(format!("invalid header configuration. Un-terminated variable expression '{value}'"));
    }
    Ok(())
}

/// Header operations of a route or a route destination.
pub(super) fn validate_headers(headers: Option<&Headers>, path: &Path<'_>, report: &mut Report) {
    let Some(h) = headers else { return };
    if let Some(req) = &h.request {
        validate_header_operations(req, true, &path.field("request"), report);
    }
    if let Some(resp) = &h.response {
        validate_header_operations(resp, false, &path.field("response"), report);
    }
}

fn validate_header_operations(ops: &HeaderOperations, request: bool, path: &Path<'_>, report: &mut Report) {
    let set_name = if request { validate_request_header_set_name } else { validate_header_operation_name };
    for (field, map) in [("add", &ops.add), ("set", &ops.set)] {
        let fp = path.field(field);
        for (name, value) in map {
            let p = fp.key(name);
            if let Err(e) = set_name(name) {
                report.error(&p, e);
            }
            if let Err(e) = validate_header_value(value) {
                report.error(&p, e);
            }
        }
    }
    let rp = path.field("remove");
    for (i, name) in ops.remove.iter().enumerate() {
        if let Err(e) = validate_header_operation_name(name) {
            report.error(&rp.index(i), e);
        }
    }
}

/// Istio's `validateAuthorityRewrite`: the authority may be rewritten in only one place.
pub(super) fn validate_authority_rewrite(h: &HttpRoute, path: &Path<'_>, report: &mut Report) {
    let mut current = h.rewrite.as_ref().and_then(|r| r.authority.clone()).unwrap_or_default();
    let Some(req) = h.headers.as_ref().and_then(|x| x.request.as_ref()) else { return };
    let hp = path.field("headers");
    let rp = hp.field("request");
    for (field, map) in [("set", &req.set), ("add", &req.add)] {
        let fp = rp.field(field);
        for (k, v) in map.iter().filter(|(k, _)| is_authority_header(k)) {
            if !current.is_empty() {
                report.error(
                    &fp.key(k),
                    format!("authority header cannot be set multiple times: have {current:?}, attempting to set {v:?}"),
                );
                return;
            }
            current = v.clone();
        }
    }
}
