//! Header conditions as Envoy's `HeaderUtility::matchHeaders` evaluates them.
//!
//! - A header sent several times is matched as its values joined with `,`.
//! - A missing header fails every match, except an inverted presence match
//!   (`withoutHeaders: {x: {}}`), which then holds.
//! - `withoutHeaders` with a value is an inverted match that treats a missing header as
//!   the empty string (`treat_missing_header_as_empty`), so it holds when the header is absent.
//! - `:method`, `:authority` and `:scheme` read the request line; `:authority` keeps any port.

use mesh_model::networking::StringMatch;

use super::{MatchError, StrMatch};
use crate::request::RouteRequest;

/// One header condition.
#[derive(Debug, Clone)]
pub struct HeaderMatcher {
    name: Box<str>,
    value: StrMatch,
    invert: bool,
    treat_missing_as_empty: bool,
}

impl HeaderMatcher {
    /// Compiles a `headers` (or, with `invert`, `withoutHeaders`) entry.
    pub fn new(name: &str, sm: &StringMatch, invert: bool, errors: &mut Vec<MatchError>) -> Self {
        let value = StrMatch::new(sm, errors);
        let treat_missing_as_empty = invert && !value.is_any();
        Self { name: name.to_ascii_lowercase().into(), value, invert, treat_missing_as_empty }
    }

    /// The header name (lower case; `:method`, `:authority`, `:scheme` for pseudo headers).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the request satisfies the condition.
    pub fn matches(&self, req: &RouteRequest<'_>) -> bool {
        let pseudo = match &*self.name {
            ":method" => Some(req.method),
            ":authority" => Some(req.authority()),
            ":scheme" => Some(req.scheme),
            _ => None,
        };
        if let Some(v) = pseudo {
            return self.value.matches(v) != self.invert;
        }
        let joined;
        let value = match (req.headers.value(&self.name, 0), req.headers.value(&self.name, 1)) {
            (None, _) => None,
            (Some(v), None) => Some(v),
            (Some(first), Some(_)) => {
                // Only a repeated header allocates: its values are joined with `,`.
                let mut j = first.to_string();
                let mut i = 1;
                while let Some(v) = req.headers.value(&self.name, i) {
                    j.push(',');
                    j.push_str(v);
                    i += 1;
                }
                joined = j;
                Some(joined.as_str())
            }
        };
        match value {
            None if !self.treat_missing_as_empty => self.invert && self.value.is_any(),
            v => self.value.matches(v.unwrap_or("")) != self.invert,
        }
    }
}
