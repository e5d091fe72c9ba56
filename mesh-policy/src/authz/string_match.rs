//! Istio's string matching: a value is exact, a prefix `abc*`, a suffix `*abc` or the
//! wildcard `*`, each compiled to the Envoy matcher Istio generates for the field.

/// The shape of an Istio value: `*` anywhere other than at one end is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `*`.
    Any,
    /// `abc*`.
    Prefix(Box<str>),
    /// `*abc`.
    Suffix(Box<str>),
    /// `abc`.
    Exact(Box<str>),
}

impl Pattern {
    /// Reads an Istio value; `*` is checked first, then a leading `*`, then a trailing one
    /// (istio/istio matcher.StringMatcherWithPrefix).
    pub(crate) fn parse(v: &str) -> Pattern {
        if v == "*" {
            Pattern::Any
        } else if let Some(s) = v.strip_prefix('*') {
            Pattern::Suffix(s.into())
        } else if let Some(p) = v.strip_suffix('*') {
            Pattern::Prefix(p.into())
        } else {
            Pattern::Exact(v.into())
        }
    }

    /// Case-sensitive match where `*` is Envoy's `.+` (a non-empty value).
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Any => !s.is_empty(),
            Pattern::Prefix(p) => s.starts_with(&**p),
            Pattern::Suffix(p) => s.ends_with(&**p),
            Pattern::Exact(p) => **p == *s,
        }
    }

    /// Case-sensitive match of a header value where `*` is Envoy's `present_match`.
    pub(crate) fn matches_header(&self, s: Option<&str>) -> bool {
        match (self, s) {
            (_, None) => false,
            (Pattern::Any, Some(_)) => true,
            (p, Some(s)) => p.matches(s),
        }
    }

    /// ASCII case-insensitive match (Istio's `hosts`); `*` is `present_match`.
    pub(crate) fn matches_ignore_case(&self, s: &str) -> bool {
        let (s, n) = (s.as_bytes(), |p: &str| p.len());
        match self {
            Pattern::Any => true,
            Pattern::Prefix(p) => s.len() >= n(p) && s[..p.len()].eq_ignore_ascii_case(p.as_bytes()),
            Pattern::Suffix(p) => {
                s.len() >= n(p) && s[s.len() - p.len()..].eq_ignore_ascii_case(p.as_bytes())
            }
            Pattern::Exact(p) => s.eq_ignore_ascii_case(p.as_bytes()),
        }
    }

    /// The exact value, when this is an exact pattern.
    pub(crate) fn exact(&self) -> Option<&str> {
        match self {
            Pattern::Exact(s) => Some(s),
            _ => None,
        }
    }
}

/// Istio's source principal matching: the pattern applies to `spiffe://<principal>`
/// (istio/istio matcher.StringMatcherWithPrefix with prefix `spiffe://`; ztunnel
/// StringMatch::matches_principal).
pub(crate) fn principal_matches(p: &Pattern, principal: &str) -> bool {
    match p {
        // `.+` on "spiffe://..." always holds for an authenticated peer.
        Pattern::Any => true,
        // regex `spiffe://.*abc`: the literal prefix is consumed first.
        Pattern::Suffix(s) => principal.ends_with(&**s),
        Pattern::Prefix(s) => principal.starts_with(&**s),
        Pattern::Exact(s) => **s == *principal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_checks_any_then_prefix_star_then_suffix_star() {
        // istio/istio pilot/pkg/security/authz/matcher string_test.go: TestStringMatcherWithPrefix.
        assert_eq!(Pattern::parse("*"), Pattern::Any);
        assert_eq!(Pattern::parse("*abc"), Pattern::Suffix("abc".into()));
        assert_eq!(Pattern::parse("abc*"), Pattern::Prefix("abc".into()));
        assert_eq!(Pattern::parse("*abc*"), Pattern::Suffix("abc*".into()));
        assert_eq!(Pattern::parse("a*c"), Pattern::Exact("a*c".into()));
    }

    #[test]
    fn any_is_non_empty_for_strings_and_presence_for_headers() {
        assert!(!Pattern::Any.matches(""));
        assert!(Pattern::Any.matches("x"));
        assert!(Pattern::Any.matches_header(Some("")));
        assert!(!Pattern::Any.matches_header(None));
    }

    #[test]
    fn hosts_ignore_ascii_case() {
        // istio/istio matcher header_test.go: TestHostMatcher (ignore_case: true).
        assert!(Pattern::parse("Example.COM").matches_ignore_case("example.com"));
        assert!(Pattern::parse("*.EXAMPLE.com").matches_ignore_case("a.example.COM"));
        assert!(Pattern::parse("prefix.*").matches_ignore_case("PREFIX.x"));
        assert!(!Pattern::parse("example.com").matches_ignore_case("example.com:80"));
    }

    #[test]
    fn principals_carry_the_spiffe_prefix() {
        let p = |v: &str, s: &str| principal_matches(&Pattern::parse(v), s);
        assert!(p("cluster.local/ns/a/sa/b", "cluster.local/ns/a/sa/b"));
        assert!(p("*/sa/b", "td/ns/a/sa/b"));
        assert!(p("cluster.local/*", "cluster.local/ns/a/sa/b"));
        assert!(!p("cluster.local/*", "other/ns/a/sa/b"));
        assert!(p("*", "x"));
    }
}
