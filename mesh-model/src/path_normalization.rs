//! Path normalisation as the mesh configures Envoy (`meshConfig.pathNormalization`).
//!
//! Istio maps its levels onto Envoy's HTTP connection manager: `NONE` leaves the path alone;
//! `BASE` (the default) sets `normalize_path` (RFC 3986 dot segments, backslashes to `/`,
//! percent-encoded unreserved characters decoded, other characters escaped, as Chromium's URL
//! canonicaliser that Envoy embeds); `MERGE_SLASHES` then collapses runs of `/`;
//! `DECODE_AND_MERGE_SLASHES` first decodes `%2F` and `%5C` (either case). The pipeline runs
//! in Envoy's order, on the path only (the query string is kept as it is), before any filter,
//! so authorization and routing see the normalised path. A path that Envoy cannot normalise
//! (a NUL byte, an escaped NUL) is answered with 400 and never reaches authorization.

use std::borrow::Cow;

pub use crate::mesh_config::PathNormalization;

/// Why a path was refused, as Envoy refuses it before any filter runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The path is empty or does not start with `/` (Envoy answers 404), such as `"a/b"`.
    #[error("path {0:?} does not start with '/': Envoy answers 404 before authorization")]
    NotAbsolute(String),
    /// Chromium's canonicaliser flags the path as invalid (a NUL byte, or `%00`): Envoy
    /// answers 400 (`path_normalization_failed`).
    #[error("path {0:?} cannot be normalised (it holds a NUL byte): Envoy answers 400")]
    Invalid(String),
}

const SPECIAL: u8 = 1;
const ESCAPE_BIT: u8 = 2;
const ESCAPE: u8 = ESCAPE_BIT | SPECIAL;
const UNESCAPE: u8 = 4;
const INVALID_BIT: u8 = 8;
const INVALID: u8 = INVALID_BIT | SPECIAL;
const PASS: u8 = 0;

/// What Chromium's path canonicaliser does with each byte (its `kPathCharLookup`).
const fn path_table() -> [u8; 256] {
    let mut t = [ESCAPE; 256];
    t[0] = INVALID;
    let mut c = b'0';
    while c <= b'9' {
        t[c as usize] = UNESCAPE;
        c += 1;
    }
    c = b'A';
    while c <= b'Z' {
        t[c as usize] = UNESCAPE;
        t[(c + 32) as usize] = UNESCAPE;
        c += 1;
    }
    let pass = b"!$&'()*+,/:;=@[]";
    let mut i = 0;
    while i < pass.len() {
        t[pass[i] as usize] = PASS;
        i += 1;
    }
    t[b'-' as usize] = UNESCAPE;
    t[b'_' as usize] = UNESCAPE;
    t[b'~' as usize] = UNESCAPE;
    t[b'.' as usize] = SPECIAL;
    t
}

static TABLE: [u8; 256] = path_table();

/// Normalises `path` (which may carry a `?query`) as Envoy does at `level`; borrows when
/// nothing changes, which is the common case.
///
/// ```
/// use mesh_model::path_normalization::{normalize_path, PathNormalization};
/// assert_eq!(normalize_path("/a/../admin", PathNormalization::Base).unwrap(), "/admin");
/// assert_eq!(normalize_path("//admin", PathNormalization::Base).unwrap(), "//admin");
/// assert_eq!(normalize_path("//admin", PathNormalization::MergeSlashes).unwrap(), "/admin");
/// assert_eq!(normalize_path("/%2Fadmin", PathNormalization::DecodeAndMergeSlashes).unwrap(), "/admin");
/// assert_eq!(normalize_path("/a/../b?x=/../", PathNormalization::None).unwrap(), "/a/../b?x=/../");
/// ```
pub fn normalize_path(path: &str, level: PathNormalization) -> Result<Cow<'_, str>, PathError> {
    if !path.starts_with('/') {
        return Err(PathError::NotAbsolute(path.to_string()));
    }
    let level = level.effective();
    if level == PathNormalization::None {
        return Ok(Cow::Borrowed(path));
    }
    let (p, query) = match path.find('?') {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let decode = level == PathNormalization::DecodeAndMergeSlashes;
    let merge = matches!(level, PathNormalization::MergeSlashes | PathNormalization::DecodeAndMergeSlashes);
    if is_canonical(p, merge) {
        return Ok(Cow::Borrowed(path));
    }
    let decoded: Cow<'_, str> =
        if decode && p.contains('%') { Cow::Owned(unescape_slashes(p)) } else { Cow::Borrowed(p) };
    let mut out = canonicalize(decoded.as_bytes()).ok_or_else(|| PathError::Invalid(path.to_string()))?;
    if merge {
        out.dedup_by(|b, a| *a == b'/' && *b == b'/');
    }
    let mut s = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    s.push_str(query);
    Ok(Cow::Owned(s))
}

/// Whether the path part needs no change at all (a fast, allocation-free pre-check).
fn is_canonical(p: &str, merge: bool) -> bool {
    let b = p.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let prev_slash = i > 0 && b[i - 1] == b'/';
        match c {
            b'.' if prev_slash => return false,
            b'.' => {}
            b'/' if merge && prev_slash => return false,
            _ if TABLE[c as usize] & SPECIAL != 0 => return false,
            _ => {}
        }
    }
    true
}

/// Envoy's `UNESCAPE_AND_FORWARD`: `%2F`/`%2f` become `/`, `%5C`/`%5c` become `\`.
fn unescape_slashes(p: &str) -> String {
    p.replace("%2F", "/").replace("%2f", "/").replace("%5C", "\\").replace("%5c", "\\")
}

fn is_slash(c: u8) -> bool {
    c == b'/' || c == b'\\'
}

/// The length of a dot at `i`: 1 for `.`, 3 for `%2e`/`%2E`, 0 otherwise.
fn dot_len(s: &[u8], i: usize) -> usize {
    match s.get(i) {
        Some(b'.') => 1,
        Some(b'%') if s.get(i + 1) == Some(&b'2') && matches!(s.get(i + 2), Some(b'e' | b'E')) => 3,
        _ => 0,
    }
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// A `%XX` escape at `i`, as its byte value.
fn decode_escaped(s: &[u8], i: usize) -> Option<u8> {
    if i + 3 > s.len() {
        return None;
    }
    Some(hex(s[i + 1])? * 16 + hex(s[i + 2])?)
}

fn push_escaped(out: &mut Vec<u8>, c: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[b'%', HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]]);
}

enum Dot {
    NotDirectory,
    Current(usize),
    Up(usize),
}

fn classify_after_dot(s: &[u8], after: usize) -> Dot {
    if after == s.len() {
        return Dot::Current(0);
    }
    if is_slash(s[after]) {
        return Dot::Current(1);
    }
    let second = dot_len(s, after);
    if second > 0 {
        let after2 = after + second;
        if after2 == s.len() {
            return Dot::Up(second);
        }
        if is_slash(s[after2]) {
            return Dot::Up(second + 1);
        }
    }
    Dot::NotDirectory
}

fn back_up_to_previous_slash(out: &mut Vec<u8>) {
    let mut i = out.len() - 1;
    if i == 0 {
        return;
    }
    i -= 1;
    while out[i] != b'/' && i > 0 {
        i -= 1;
    }
    out.truncate(i + 1);
}

/// Re-escapes a `%` that a later unescape turned into a valid escape (`%%30` -> `%250`).
fn check_nested_escapes(s: &[u8], next: usize, last_invalid: usize, out: &mut Vec<u8>) {
    let length = out.len();
    let last_unescaped = out[length - 1];
    let append_next = last_invalid + 2 == length;
    if append_next {
        if next == s.len() || s[next] >= 0x80 {
            return;
        }
        out.push(s[next]);
    }
    if decode_escaped(out, last_invalid).is_some() {
        if !append_next {
            out.push(out[last_invalid + 1]);
        }
        out[last_invalid + 1] = b'2';
        out[last_invalid + 2] = b'5';
        out.push(last_unescaped);
    } else if append_next {
        out.truncate(length);
    }
}

/// Chromium's `CanonicalizePath` on a path that starts with a slash; `None` when it reports
/// the path invalid.
fn canonicalize(s: &[u8]) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len() + 8);
    let mut ok = true;
    let mut last_invalid: Option<usize> = None;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let flags = TABLE[usize::from(c)];
        if flags & SPECIAL == 0 {
            out.push(c);
            i += 1;
            continue;
        }
        let dot = dot_len(s, i);
        if dot > 0 {
            if out.last() == Some(&b'/') {
                match classify_after_dot(s, i + dot) {
                    Dot::NotDirectory => {
                        out.push(b'.');
                        i += dot - 1;
                    }
                    Dot::Current(consumed) => i += dot + consumed - 1,
                    Dot::Up(consumed) => {
                        back_up_to_previous_slash(&mut out);
                        i += dot + consumed - 1;
                    }
                }
            } else {
                out.push(b'.');
                i += dot - 1;
            }
        } else if c == b'\\' {
            out.push(b'/');
        } else if c == b'%' {
            match decode_escaped(s, i) {
                Some(v) => {
                    i += 2;
                    let uflags = TABLE[usize::from(v)];
                    if uflags & UNESCAPE != 0 {
                        out.push(v);
                        if let Some(li) = last_invalid
                            && li + 3 >= out.len()
                        {
                            check_nested_escapes(s, i + 1, li, &mut out);
                        }
                    } else {
                        out.extend_from_slice(&[b'%', s[i - 1], s[i]]);
                        if uflags & INVALID_BIT != 0 {
                            ok = false;
                        }
                    }
                }
                None => {
                    last_invalid = Some(out.len());
                    out.push(b'%');
                }
            }
        } else if flags & INVALID_BIT != 0 {
            push_escaped(&mut out, c);
            ok = false;
        } else if flags & ESCAPE_BIT != 0 {
            push_escaped(&mut out, c);
        }
        i += 1;
    }
    ok.then_some(out)
}

#[cfg(test)]
mod tests;
