//! Scalar values several kinds share: durations, RE2 regular expressions and non-negative
//! counts.

use crate::common::Duration;
use crate::validate::{Path, Report};

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

/// [`validate_duration`], reported as an error at `at`.
pub(crate) fn check_duration(d: &Duration, at: &Path<'_>, report: &mut Report) {
    if let Err(e) = validate_duration(d) {
        report.error(at, e);
    }
}

/// Reports `{what} must be non-negative, got {v}` at `at` when `v` is negative.
pub(crate) fn check_non_negative(v: Option<i32>, what: &str, at: &Path<'_>, report: &mut Report) {
    if let Some(v) = v
        && v < 0
    {
        report.error(at, format!("{what} must be non-negative, got {v}"));
    }
}

/// A regular expression in RE2 syntax, as Envoy's `safe_regex` compiles it: lookaround,
/// backreferences and possessive quantifiers are rejected. Empty is allowed.
pub(crate) fn validate_regex(re: &str) -> Result<(), String> {
    crate::re2::check(re).map_err(|e| format!("{re:?} is not a valid RE2 regular expression: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_follow_re2() {
        assert!(validate_regex("^/api/v[0-9]+").is_ok());
        // RE2 rejects lookaround and backreferences.
        assert!(validate_regex("(?!foo)bar").is_err());
        assert!(validate_regex("(a)\\1").is_err());
        assert!(validate_regex("[").is_err());
        // Go's regexp (Istio's webhook): repeat counts up to 1000, no nested repetition;
        // RE2's \Q...\E is valid.
        assert!(validate_regex("a{1001}").is_err());
        assert!(validate_regex("a**").is_err());
        assert!(validate_regex(r"\Qa.b\E").is_ok());
    }

    #[test]
    fn durations_are_whole_milliseconds() {
        // istio/istio pkg/config/validation/agent ValidateDuration.
        let ms = |s: &str| s.parse::<Duration>().unwrap();
        assert!(validate_duration(&ms("1ms")).is_ok());
        assert!(validate_duration(&ms("0.5ms")).is_err());
        assert!(validate_duration(&ms("1.5ms")).is_err());
    }
}
