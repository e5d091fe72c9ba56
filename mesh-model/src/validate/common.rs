//! Checks that several kinds share: DNS names and wildcard hosts, ports, percentages,
//! durations, regexes (RE2 syntax), header names and label selectors.
//!
//! Each returns `Err(message)` with a full sentence; callers attach the field path.
//! The rules follow istio/istio `pkg/config/validation/agent` and `pkg/config/labels`.

use crate::common::Duration;

/// Maximum length of a DNS-1123 label.
pub(crate) const DNS1123_LABEL_MAX: usize = 63;

/// `[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?`, at most 63 characters (Istio's
/// `labels.IsDNS1123Label`, which admits upper case unlike Kubernetes' own).
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= DNS1123_LABEL_MAX
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// A label that may start with `*` (Istio's `labels.IsWildcardDNS1123Label`):
/// `*`, or a DNS-1123 label optionally prefixed by `*` or `*-`.
pub(crate) fn is_wildcard_dns1123_label(s: &str) -> bool {
    if s.len() > DNS1123_LABEL_MAX {
        return false;
    }
    if s == "*" {
        return true;
    }
    let rest = s.strip_prefix("*-").or_else(|| s.strip_prefix('*')).unwrap_or(s);
    is_dns1123_label(rest)
}

/// Kubernetes' DNS-1123 subdomain (object names): lower case, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
/// labels joined by dots, at most 253 characters.
pub(crate) fn is_dns1123_subdomain(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
                && (b[b.len() - 1].is_ascii_lowercase() || b[b.len() - 1].is_ascii_digit())
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn check_dns1123_preconditions(name: &str) -> Result<(), String> {
    if name.len() > 255 {
        return Err(format!("domain name {name:?} too long (max 255)"));
    }
    if name.is_empty() {
        return Err("empty domain name not allowed".to_string());
    }
    Ok(())
}

/// Dot-separated DNS-1123 labels; the last may be empty (`istio.io.`); the top-level
/// domain may not be all digits.
pub(crate) fn validate_dns1123_labels(domain: &str) -> Result<(), String> {
    let parts: Vec<&str> = domain.split('.').collect();
    if let Some(tld) = parts.last()
        && !tld.is_empty()
        && tld.bytes().all(|c| c.is_ascii_digit())
    {
        return Err(format!(
            "domain name {domain:?} invalid (top level domain {tld:?} cannot be all-numeric)"
        ));
    }
    for (i, label) in parts.iter().enumerate() {
        if i == parts.len() - 1 && label.is_empty() {
            return Ok(());
        }
        if !is_dns1123_label(label) {
            return Err(format!("domain name {domain:?} invalid (label {label:?} invalid)"));
        }
    }
    Ok(())
}

/// A fully qualified domain name (Istio's `ValidateFQDN`).
pub(crate) fn validate_fqdn(fqdn: &str) -> Result<(), String> {
    check_dns1123_preconditions(fqdn)?;
    validate_dns1123_labels(fqdn)
}

/// A domain that may carry a wildcard in its first label (Istio's `ValidateWildcardDomain`):
/// `*`, `*.example.com`, `foo.example.com`.
pub(crate) fn validate_wildcard_domain(domain: &str) -> Result<(), String> {
    check_dns1123_preconditions(domain)?;
    let (first, rest) = match domain.split_once('.') {
        Some((f, r)) => (f, Some(r)),
        None => (domain, None),
    };
    if !is_wildcard_dns1123_label(first) {
        return Err(format!("domain name {domain:?} invalid (label {first:?} invalid)"));
    }
    match rest {
        Some(r) => validate_dns1123_labels(r),
        None => Ok(()),
    }
}

/// A port number in `1..=65535` (Istio's `ValidatePort`).
pub(crate) fn validate_port(port: u32) -> Result<(), String> {
    if (1..=65535).contains(&port) {
        Ok(())
    } else {
        Err(format!("port number {port} must be in the range 1..65535"))
    }
}

/// A duration of at least 1ms (Istio's `ValidateDuration`); durations below a millisecond
/// are rejected because Envoy works in milliseconds.
pub(crate) fn validate_duration(d: &Duration) -> Result<(), String> {
    if d.as_nanos() < 1_000_000 {
        return Err(format!("duration {d} must be at least 1ms"));
    }
    if d.as_nanos() % 1_000_000 != 0 {
        return Err(format!("duration {d} must be a whole number of milliseconds"));
    }
    Ok(())
}

/// A regular expression in RE2 syntax, as Envoy's `safe_regex` compiles it: lookaround,
/// backreferences and possessive quantifiers are rejected. Empty is allowed.
pub(crate) fn validate_regex(re: &str) -> Result<(), String> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(re)
        .map(|_| ())
        .map_err(|e| format!("{re:?} is not a valid RE2 regular expression: {}", first_line(&e.to_string())))
}

fn first_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).trim_start_matches("error: ").to_string()
}

/// A Kubernetes label key: an optional DNS-1123 subdomain prefix and `/`, then a name of at
/// most 63 characters `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
pub(crate) fn validate_label_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && (p.is_empty() || !is_dns1123_subdomain(p))
    {
        return Err(format!("invalid label key {key:?}: prefix {p:?} must be a DNS-1123 subdomain"));
    }
    if !is_qualified_name_part(name) {
        return Err(format!(
            "invalid label key {key:?}: name part must be 63 characters or less, start and end with an alphanumeric character, and contain only alphanumerics, '-', '_' or '.'"
        ));
    }
    Ok(())
}

/// A Kubernetes label value: empty, or at most 63 characters
/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
pub(crate) fn validate_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_qualified_name_part(value) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value {value:?}: must be 63 characters or less, start and end with an alphanumeric character, and contain only alphanumerics, '-', '_' or '.'"
        ))
    }
}

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

/// One label exactly as Istio's `labels.Instance.Validate` checks it, which is looser than
/// the API server: the key's optional prefix is dot-separated DNS-1123 labels that may use
/// upper case (at most 253 characters), the name part at most 63 characters, and the value
/// empty or a name part of any length.
pub(crate) fn validate_istio_label(key: &str, value: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    let name_ok = |n: &str| {
        let b = n.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    };
    if prefix.is_some_and(|p| !p.split('.').all(label_ok)) || !name_ok(name) {
        return Err(format!("invalid label key {key:?}"));
    }
    if prefix.is_some_and(|p| p.len() > 253) {
        return Err(format!("invalid label key {key:?} (DNS prefix is too long)"));
    }
    if name.len() > DNS1123_LABEL_MAX {
        return Err(format!("invalid label key {key:?} (name is too long)"));
    }
    if !value.is_empty() && !name_ok(value) {
        return Err(format!("invalid label value {value:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_domains() {
        // istio/istio pkg/config/validation/agent: ValidateWildcardDomain table.
        for ok in ["*", "*.bar.com", "foo.bar.com", "*bar.com", "bar.com.", "UPPER.com"] {
            assert!(validate_wildcard_domain(ok).is_ok(), "{ok}");
        }
        for bad in ["", "foo.*.com", "*foo*.com", "foo..com", "a.1", "-foo.com"] {
            assert!(validate_wildcard_domain(bad).is_err(), "{bad}");
        }
        assert!(validate_wildcard_domain(&"a".repeat(256)).is_err());
    }

    #[test]
    fn regexes_follow_re2() {
        assert!(validate_regex("^/api/v[0-9]+").is_ok());
        // RE2 rejects lookaround and backreferences.
        assert!(validate_regex("(?!foo)bar").is_err());
        assert!(validate_regex("(a)\\1").is_err());
        assert!(validate_regex("[").is_err());
    }

    #[test]
    fn label_keys_and_values() {
        assert!(validate_label_key("app.kubernetes.io/name").is_ok());
        assert!(validate_label_key("/name").is_err());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("-bad").is_err());
    }
}
