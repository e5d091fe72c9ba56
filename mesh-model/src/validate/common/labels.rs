//! Label keys and values: the API server's rules (`metadata.labels`, label selectors) and
//! Istio's looser ones (`pkg/config/labels`, for subset and workload labels).

use std::collections::BTreeMap;

use super::dns::{DNS1123_LABEL_MAX, is_dns_label_text, is_dns1123_subdomain};
use crate::validate::{Path, Report};

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` of any length: a qualified name as Istio checks
/// label values.
pub(crate) fn is_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

/// A qualified name of at most 63 characters (the name part of a Kubernetes label key).
fn is_qualified_name_part(s: &str) -> bool {
    s.len() <= DNS1123_LABEL_MAX && is_qualified_name(s)
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

/// Each entry of a label map by the API server's rules (object labels, label-selector
/// `matchLabels`, VirtualService `sourceLabels`), each problem reported at `at[key]`.
pub(crate) fn validate_label_map(labels: &BTreeMap<String, String>, at: &Path<'_>, report: &mut Report) {
    for (k, v) in labels {
        if let Err(e) = validate_label_key(k).and_then(|()| validate_label_value(v)) {
            report.error(&at.key(k), e);
        }
    }
}

/// Why Istio's `validateTagKey` rejects a label key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TagKeyError {
    /// A prefix label or the name part has a bad character or shape.
    Invalid,
    /// The prefix is longer than 253 characters.
    PrefixTooLong,
    /// The name part is longer than 63 characters.
    NameTooLong,
}

impl TagKeyError {
    /// The parenthesised detail that follows the key in a message (`""` for a bad shape).
    pub(crate) fn detail(self) -> &'static str {
        match self {
            TagKeyError::Invalid => "",
            TagKeyError::PrefixTooLong => " (DNS prefix is too long)",
            TagKeyError::NameTooLong => " (name is too long)",
        }
    }
}

/// Istio's label-key rule (`pkg/config/labels` `validateTagKey`): an optional prefix of
/// dot-separated DNS-1123 labels (upper case allowed, at most 253 characters) and `/`, then a
/// qualified name of at most 63 characters. Looser than the API server's rule.
pub(crate) fn check_tag_key(key: &str) -> Result<(), TagKeyError> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if prefix.is_some_and(|p| !p.split('.').all(is_dns_label_text)) || !is_qualified_name(name) {
        return Err(TagKeyError::Invalid);
    }
    if prefix.is_some_and(|p| p.len() > 253) {
        return Err(TagKeyError::PrefixTooLong);
    }
    if name.len() > DNS1123_LABEL_MAX {
        return Err(TagKeyError::NameTooLong);
    }
    Ok(())
}

/// Istio's label-value rule (`labels.Instance.Validate`): empty, or a qualified name of any
/// length.
pub(crate) fn is_tag_value(value: &str) -> bool {
    value.is_empty() || is_qualified_name(value)
}

/// One label exactly as Istio's `labels.Instance.Validate` checks it (WorkloadEntry and
/// WorkloadGroup wording): the key by [`check_tag_key`], the value by [`is_tag_value`].
pub(crate) fn validate_istio_label(key: &str, value: &str) -> Result<(), String> {
    check_tag_key(key).map_err(|e| format!("invalid label key {key:?}{}", e.detail()))?;
    if !is_tag_value(value) {
        return Err(format!("invalid label value {value:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_keys_and_values() {
        assert!(validate_label_key("app.kubernetes.io/name").is_ok());
        assert!(validate_label_key("/name").is_err());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("-bad").is_err());
    }

    #[test]
    fn istio_tag_keys_are_looser_than_the_api_server() {
        // istio/istio pkg/config/labels: upper-case prefixes and long values are admitted.
        assert_eq!(check_tag_key("Example.COM/app"), Ok(()));
        assert!(validate_label_key("Example.COM/app").is_err());
        assert!(is_tag_value(&"v".repeat(100)));
        assert_eq!(check_tag_key("a..b/app"), Err(TagKeyError::Invalid));
        assert_eq!(check_tag_key(&format!("{}/app", ["a"; 130].join("."))), Err(TagKeyError::PrefixTooLong));
        assert_eq!(check_tag_key(&"n".repeat(64)), Err(TagKeyError::NameTooLong));
        assert_eq!(
            validate_istio_label(&"n".repeat(64), "v"),
            Err(format!("invalid label key {:?} (name is too long)", "n".repeat(64)))
        );
    }
}
