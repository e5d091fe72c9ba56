//! SPIFFE IDs (`spiffe://<trust-domain>/<path>`), parsed and formatted exactly as the
//! SPIFFE-ID standard (spiffe/spiffe `standards/SPIFFE-ID.md`, sections 2.1 to 2.4) defines them.

use std::fmt;
use std::str::FromStr;

use crate::trust_domain::TrustDomain;

/// The scheme prefix every SPIFFE ID starts with, in lower case.
pub const SCHEME_PREFIX: &str = "spiffe://";

/// The longest SPIFFE ID, in bytes, that implementations must support and may generate
/// (SPIFFE-ID.md section 2.3).
pub const MAX_ID_LEN: usize = 2048;

/// The longest trust domain name, in bytes (the URI host limit of RFC 3986, SPIFFE-ID.md 2.3).
pub const MAX_TRUST_DOMAIN_LEN: usize = 255;

/// Why a string is not a SPIFFE ID, a trust domain name or a SPIFFE ID path.
///
/// Each variant is one rule of the SPIFFE-ID standard; positions are byte offsets into the
/// input.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpiffeIdError {
    /// The input is empty. Invalid: `""`.
    #[error("the SPIFFE ID is empty")]
    Empty,
    /// The input does not start with the lower-case scheme `spiffe://`.
    /// Valid: `spiffe://example.org`; invalid: `https://example.org`, `SPIFFE://example.org`,
    /// `spiffe:/example.org`.
    #[error("the SPIFFE ID {value:?} does not start with the scheme \"spiffe://\" (lower case)")]
    WrongScheme {
        /// The offending input (cut to 64 bytes).
        value: String,
    },
    /// The trust domain (the URI authority) is empty. Invalid: `spiffe://`, `spiffe:///path`.
    #[error("the SPIFFE ID {value:?} has no trust domain")]
    MissingTrustDomain {
        /// The offending input (cut to 64 bytes).
        value: String,
    },
    /// The trust domain holds an upper-case letter: it must be lower case, and is not folded.
    /// Invalid: `spiffe://Example.org`.
    #[error(
        "the trust domain {trust_domain:?} holds the upper-case letter {ch:?}; trust domains are lower case"
    )]
    UppercaseTrustDomain {
        /// The offending trust domain.
        trust_domain: String,
        /// The first upper-case letter.
        ch: char,
    },
    /// The authority holds a port (`:`). Invalid: `spiffe://example.org:8080/path`.
    #[error("the trust domain {trust_domain:?} holds a port; a SPIFFE ID has none")]
    Port {
        /// The offending authority.
        trust_domain: String,
    },
    /// The authority holds user information (`@`). Invalid: `spiffe://user@example.org`.
    #[error("the trust domain {trust_domain:?} holds user information; a SPIFFE ID has none")]
    Userinfo {
        /// The offending authority.
        trust_domain: String,
    },
    /// The ID holds a query (`?`). Invalid: `spiffe://example.org/path?x=1`.
    #[error("the SPIFFE ID {value:?} holds a query; a SPIFFE ID has none")]
    Query {
        /// The offending input (cut to 64 bytes).
        value: String,
    },
    /// The ID holds a fragment (`#`). Invalid: `spiffe://example.org/path#frag`.
    #[error("the SPIFFE ID {value:?} holds a fragment; a SPIFFE ID has none")]
    Fragment {
        /// The offending input (cut to 64 bytes).
        value: String,
    },
    /// The ID holds a percent-encoded character (`%`), which neither the trust domain nor the
    /// path may hold. Invalid: `spiffe://example.org/%62ad`.
    #[error("the SPIFFE ID {value:?} holds a percent-encoded character at byte {position}")]
    PercentEncoded {
        /// The offending input (cut to 64 bytes).
        value: String,
        /// Byte offset of the `%`.
        position: usize,
    },
    /// A trust domain character is not one of `a-z 0-9 . - _`.
    /// Invalid: `spiffe://exa$mple.org`.
    #[error(
        "the trust domain {trust_domain:?} holds the character {ch:?}; trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores"
    )]
    BadTrustDomainChar {
        /// The offending trust domain (cut to 64 bytes).
        trust_domain: String,
        /// The offending character (`\u{FFFD}` for a byte that is not ASCII).
        ch: char,
    },
    /// The trust domain is longer than 255 bytes.
    #[error("the trust domain is {len} bytes long; the limit is 255")]
    TrustDomainTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// The whole ID is longer than 2048 bytes.
    #[error("the SPIFFE ID is {len} bytes long; the limit is 2048")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A path that is not empty must start with `/` (building an ID from a path only).
    /// Invalid path: `ns/default`.
    #[error("the path {path:?} does not start with a slash")]
    NoLeadingSlash {
        /// The offending path (cut to 64 bytes).
        path: String,
    },
    /// The path holds an empty segment. Invalid: `spiffe://example.org//path`.
    #[error("the path {path:?} holds an empty segment")]
    EmptySegment {
        /// The offending path (cut to 64 bytes).
        path: String,
    },
    /// The path holds a `.` or `..` segment. Invalid: `spiffe://example.org/a/../b`;
    /// valid: `spiffe://example.org/...` (three dots are a name).
    #[error("the path {path:?} holds the relative segment {segment:?}")]
    DotSegment {
        /// The offending path (cut to 64 bytes).
        path: String,
        /// `.` or `..`.
        segment: String,
    },
    /// The path ends with `/`. Invalid: `spiffe://example.org/`, `spiffe://example.org/a/`.
    #[error("the path {path:?} ends with a slash")]
    TrailingSlash {
        /// The offending path (cut to 64 bytes).
        path: String,
    },
    /// A path character is not one of `a-z A-Z 0-9 . - _`.
    /// Invalid: `spiffe://example.org/a$b`, `spiffe://example.org/caf\u{e9}`.
    #[error(
        "the path {path:?} holds the character {ch:?}; path segment characters are limited to letters, numbers, dots, dashes, and underscores"
    )]
    BadPathChar {
        /// The offending path (cut to 64 bytes).
        path: String,
        /// The offending character (`\u{FFFD}` for a byte that is not ASCII).
        ch: char,
    },
}

pub(crate) fn cut(s: &str) -> String {
    if s.len() <= 64 {
        return s.to_string();
    }
    let mut end = 64;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

fn char_at(s: &str, i: usize) -> char {
    s.get(i..).and_then(|t| t.chars().next()).unwrap_or('\u{FFFD}')
}

/// Byte classes: bit 0 = allowed in a trust domain, bit 1 = allowed in a path segment.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let td = matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_');
        let path = td || b.is_ascii_uppercase();
        t[i] = (td as u8) | ((path as u8) << 1);
        i += 1;
    }
    t
};

/// Whether `b` may appear in a trust domain name: `a-z 0-9 . - _`.
#[inline]
pub(crate) fn is_trust_domain_byte(b: u8) -> bool {
    CLASS[usize::from(b)] & 1 != 0
}

/// Whether `b` may appear in a path segment: `a-z A-Z 0-9 . - _`.
#[inline]
pub(crate) fn is_path_byte(b: u8) -> bool {
    CLASS[usize::from(b)] & 2 != 0
}

/// Checks a trust domain name (no scheme), reporting the first broken rule.
pub(crate) fn validate_trust_domain_name(td: &str) -> Result<(), SpiffeIdError> {
    if td.is_empty() {
        return Err(SpiffeIdError::MissingTrustDomain { value: String::new() });
    }
    if let Some(i) = td.bytes().position(|b| !is_trust_domain_byte(b)) {
        return Err(trust_domain_char_error(td, i, td));
    }
    if td.len() > MAX_TRUST_DOMAIN_LEN {
        return Err(SpiffeIdError::TrustDomainTooLong { len: td.len() });
    }
    Ok(())
}

fn trust_domain_char_error(td: &str, i: usize, whole: &str) -> SpiffeIdError {
    let b = td.as_bytes()[i];
    match b {
        b'A'..=b'Z' => SpiffeIdError::UppercaseTrustDomain { trust_domain: cut(td), ch: b as char },
        b':' => SpiffeIdError::Port { trust_domain: cut(td) },
        b'@' => SpiffeIdError::Userinfo { trust_domain: cut(td) },
        b'?' => SpiffeIdError::Query { value: cut(whole) },
        b'#' => SpiffeIdError::Fragment { value: cut(whole) },
        b'%' => SpiffeIdError::PercentEncoded { value: cut(whole), position: i },
        _ => SpiffeIdError::BadTrustDomainChar { trust_domain: cut(td), ch: char_at(td, i) },
    }
}

/// Checks a SPIFFE ID path: empty, or `/segment(/segment)*` with segments that are not empty,
/// not `.` or `..`, and hold only `a-z A-Z 0-9 . - _`.
///
/// # Examples
/// ```
/// use mesh_identity::spiffe_id::validate_path;
/// assert!(validate_path("").is_ok());
/// assert!(validate_path("/ns/default/sa/web").is_ok());
/// assert!(validate_path("/ns/../sa").is_err());
/// ```
pub fn validate_path(path: &str) -> Result<(), SpiffeIdError> {
    validate_path_in(path, path)
}

fn validate_path_in(path: &str, whole: &str) -> Result<(), SpiffeIdError> {
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return Ok(());
    }
    if bytes[0] != b'/' {
        return Err(SpiffeIdError::NoLeadingSlash { path: cut(path) });
    }
    let mut seg_start = 1; // first byte of the current segment
    let mut i = 1;
    while i < bytes.len() {
        let b = bytes[i];
        if is_path_byte(b) {
            i += 1;
            continue;
        }
        if b != b'/' {
            return Err(bad_path_byte(path, whole, i));
        }
        check_segment(path, &bytes[seg_start..i], false)?;
        i += 1;
        seg_start = i;
    }
    check_segment(path, &bytes[seg_start..], true)
}

#[inline]
fn check_segment(path: &str, seg: &[u8], last: bool) -> Result<(), SpiffeIdError> {
    match seg {
        [] if last => Err(SpiffeIdError::TrailingSlash { path: cut(path) }),
        [] => Err(SpiffeIdError::EmptySegment { path: cut(path) }),
        [b'.'] | [b'.', b'.'] => Err(SpiffeIdError::DotSegment {
            path: cut(path),
            segment: String::from_utf8_lossy(seg).into_owned(),
        }),
        _ => Ok(()),
    }
}

#[cold]
fn bad_path_byte(path: &str, whole: &str, i: usize) -> SpiffeIdError {
    let offset = whole.len() - path.len() + i;
    match path.as_bytes()[i] {
        b'?' => SpiffeIdError::Query { value: cut(whole) },
        b'#' => SpiffeIdError::Fragment { value: cut(whole) },
        b'%' => SpiffeIdError::PercentEncoded { value: cut(whole), position: offset },
        _ => SpiffeIdError::BadPathChar { path: cut(path), ch: char_at(path, i) },
    }
}

/// Checks one path segment (no slashes), as `FromSegments` in go-spiffe does.
pub fn validate_segment(segment: &str) -> Result<(), SpiffeIdError> {
    match segment {
        "" => Err(SpiffeIdError::EmptySegment { path: String::new() }),
        "." | ".." => {
            Err(SpiffeIdError::DotSegment { path: segment.to_string(), segment: segment.to_string() })
        }
        _ => match segment.bytes().position(|b| !is_path_byte(b)) {
            Some(i) => Err(SpiffeIdError::BadPathChar { path: cut(segment), ch: char_at(segment, i) }),
            None => Ok(()),
        },
    }
}

/// A SPIFFE ID: `spiffe://<trust-domain><path>`, valid by construction.
///
/// Ordering, equality and hashing are those of the string form (which is canonical: the
/// standard admits one spelling of each ID in strict parsing).
///
/// # Examples
/// ```
/// use mesh_identity::SpiffeId;
/// let id: SpiffeId = "spiffe://example.org/ns/default/sa/web".parse()?;
/// assert_eq!(id.trust_domain_name(), "example.org");
/// assert_eq!(id.path(), "/ns/default/sa/web");
/// assert!("spiffe://example.org/".parse::<SpiffeId>().is_err());
/// # Ok::<(), mesh_identity::SpiffeIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SpiffeId {
    id: Box<str>,
    path_idx: usize,
}

// === impl SpiffeId ===

impl SpiffeId {
    /// Parses a SPIFFE ID strictly: lower-case scheme and trust domain (never folded), no
    /// port, userinfo, query, fragment or percent-encoding, no empty, `.` or `..` segment, no
    /// trailing slash, at most 2048 bytes with a trust domain of at most 255.
    pub fn parse(id: &str) -> Result<Self, SpiffeIdError> {
        if id.is_empty() {
            return Err(SpiffeIdError::Empty);
        }
        let bytes = id.as_bytes();
        if !id.starts_with(SCHEME_PREFIX) {
            return Err(SpiffeIdError::WrongScheme { value: cut(id) });
        }
        let start = SCHEME_PREFIX.len();
        let mut path_idx = start;
        while path_idx < bytes.len() {
            let b = bytes[path_idx];
            if b == b'/' {
                break;
            }
            if !is_trust_domain_byte(b) {
                let td_end = id[start..].find(['/', '?', '#']).map_or(id.len(), |e| start + e);
                let td = &id[start..td_end.max(path_idx + 1)];
                return Err(trust_domain_char_error(td, path_idx - start, id));
            }
            path_idx += 1;
        }
        if path_idx == start {
            return Err(SpiffeIdError::MissingTrustDomain { value: cut(id) });
        }
        if path_idx - start > MAX_TRUST_DOMAIN_LEN {
            return Err(SpiffeIdError::TrustDomainTooLong { len: path_idx - start });
        }
        validate_path_in(&id[path_idx..], id)?;
        if id.len() > MAX_ID_LEN {
            return Err(SpiffeIdError::TooLong { len: id.len() });
        }
        Ok(SpiffeId { id: id.into(), path_idx })
    }

    /// Builds the ID of `path` in `trust_domain`; the path must be empty or valid
    /// (see [`validate_path`]).
    pub fn from_path(trust_domain: &TrustDomain, path: &str) -> Result<Self, SpiffeIdError> {
        validate_path(path)?;
        Self::assemble(trust_domain.name(), path)
    }

    /// Builds the ID whose path joins `segments` with `/`; each segment is checked with
    /// [`validate_segment`] (so none may contain a slash).
    pub fn from_segments<S: AsRef<str>>(
        trust_domain: &TrustDomain,
        segments: &[S],
    ) -> Result<Self, SpiffeIdError> {
        let mut path = String::new();
        for s in segments {
            validate_segment(s.as_ref())?;
            path.push('/');
            path.push_str(s.as_ref());
        }
        Self::assemble(trust_domain.name(), &path)
    }

    /// The ID of a valid trust domain name (at most 9 + 255 bytes, so always valid).
    pub(crate) fn of_trust_domain(td: &str) -> Self {
        SpiffeId { id: format!("{SCHEME_PREFIX}{td}").into(), path_idx: SCHEME_PREFIX.len() + td.len() }
    }

    fn assemble(td: &str, path: &str) -> Result<Self, SpiffeIdError> {
        let id = format!("{SCHEME_PREFIX}{td}{path}");
        if id.len() > MAX_ID_LEN {
            return Err(SpiffeIdError::TooLong { len: id.len() });
        }
        Ok(SpiffeId { path_idx: SCHEME_PREFIX.len() + td.len(), id: id.into() })
    }

    /// The whole ID, e.g. `spiffe://example.org/ns/default/sa/web`.
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// The bare trust domain name, e.g. `example.org`.
    pub fn trust_domain_name(&self) -> &str {
        &self.id[SCHEME_PREFIX.len()..self.path_idx]
    }

    /// The trust domain, as an owned value.
    pub fn trust_domain(&self) -> TrustDomain {
        TrustDomain::from_validated(self.trust_domain_name())
    }

    /// The path, `""` for an ID without one (the trust domain's own ID), else starting with `/`.
    pub fn path(&self) -> &str {
        &self.id[self.path_idx..]
    }

    /// The path's segments, in order (none for an ID without a path).
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        let p = self.path();
        p.get(1..).unwrap_or("").split('/').filter(move |_| !p.is_empty())
    }

    /// Whether the ID belongs to `trust_domain`.
    pub fn is_member_of(&self, trust_domain: &TrustDomain) -> bool {
        self.trust_domain_name() == trust_domain.name()
    }

    /// Whether the ID is a trust domain's own ID (no path), as signing certificates carry.
    pub fn is_trust_domain_id(&self) -> bool {
        self.path_idx == self.id.len()
    }
}

impl fmt::Display for SpiffeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl fmt::Debug for SpiffeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpiffeId({:?})", &*self.id)
    }
}

impl FromStr for SpiffeId {
    type Err = SpiffeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for SpiffeId {
    type Error = SpiffeIdError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl AsRef<str> for SpiffeId {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

impl serde::Serialize for SpiffeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id)
    }
}

impl<'de> serde::Deserialize<'de> for SpiffeId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        SpiffeId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
