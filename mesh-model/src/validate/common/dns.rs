//! DNS names: labels, subdomains, FQDNs and wildcard domains, as Istio
//! (`pkg/config/labels`, `pkg/config/validation/agent`) and Kubernetes check them.

/// Maximum length of a DNS-1123 label.
pub(crate) const DNS1123_LABEL_MAX: usize = 63;

/// `[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?` of any length: the character rule of a DNS-1123
/// label, upper case admitted as Istio admits it.
pub(crate) fn is_dns_label_text(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// `[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?`, at most 63 characters (Istio's
/// `labels.IsDNS1123Label`, which admits upper case unlike Kubernetes' own).
pub(crate) fn is_dns1123_label(s: &str) -> bool {
    s.len() <= DNS1123_LABEL_MAX && is_dns_label_text(s)
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

/// Istio's `checkDNS1123Preconditions`: not empty, at most 255 characters.
pub(crate) fn check_dns1123_preconditions(name: &str) -> Result<(), String> {
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

/// Istio's `ValidatePartialWildCard`: a `*` anywhere but as the whole host or a leading `*.`.
pub(crate) fn is_partial_wildcard(host: &str) -> bool {
    host.contains('*') && host.len() != 1 && !host.starts_with("*.")
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
    fn partial_wildcards() {
        // istio/istio pkg/config/validation/agent: ValidatePartialWildCard.
        for ok in ["*", "*.foo.com", "foo.com"] {
            assert!(!is_partial_wildcard(ok), "{ok}");
        }
        for bad in ["*foo.com", "foo.*.com", "foo*", "**"] {
            assert!(is_partial_wildcard(bad), "{bad}");
        }
    }

    #[test]
    fn labels_admit_upper_case_but_not_length() {
        assert!(is_dns1123_label("Foo-1"));
        assert!(!is_dns1123_label(&"a".repeat(64)));
        assert!(is_dns_label_text(&"a".repeat(64)));
        assert!(!is_dns1123_subdomain("Foo"));
    }
}
