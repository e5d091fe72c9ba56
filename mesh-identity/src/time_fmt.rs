//! RFC 3339 times and Go-style durations (`24h`, `1h30m`, `0.5s`), as the meshctl contract
//! and Istio's flags write them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as RFC 3339 UTC with whole seconds, e.g. `2030-01-01T00:00:00Z`.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let t = UNIX_EPOCH + Duration::from_secs(1_893_456_000);
/// assert_eq!(mesh_identity::time_fmt::format_rfc3339(t), "2030-01-01T00:00:00Z");
/// ```
pub fn format_rfc3339(t: SystemTime) -> String {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|dt| dt.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("@{secs}"))
}

/// Parses an RFC 3339 time (any offset; fractions of a second are dropped).
pub fn parse_rfc3339(s: &str) -> Option<SystemTime> {
    let dt = OffsetDateTime::parse(s, &Rfc3339).ok()?;
    Some(crate::svid::unix_to_system(dt.unix_timestamp()))
}

pub(crate) fn to_offset(t: SystemTime) -> OffsetDateTime {
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Parses a Go duration: a sequence of decimal numbers with units `h`, `m`, `s`, `ms`, `us`
/// (or `µs`), `ns`, e.g. `24h`, `87600h`, `1h30m`, `0.5s`. Negative durations are refused.
///
/// ```
/// use std::time::Duration;
/// use mesh_identity::time_fmt::parse_duration;
/// assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86_400)));
/// assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5_400)));
/// assert_eq!(parse_duration("0.5s"), Some(Duration::from_millis(500)));
/// assert_eq!(parse_duration("10"), None);
/// ```
pub fn parse_duration(s: &str) -> Option<Duration> {
    if s == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = s;
    let mut total = 0f64;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let nanos_per = match &rest[..unit_end] {
            "h" => 3_600e9,
            "m" => 60e9,
            "s" => 1e9,
            "ms" => 1e6,
            "us" | "µs" => 1e3,
            "ns" => 1.0,
            _ => return None,
        };
        total += value * nanos_per;
        rest = &rest[unit_end..];
    }
    if !total.is_finite() || total > 1e19 {
        return None;
    }
    // Whole nanoseconds; durations here are far below f64's exact-integer range per unit.
    Some(Duration::from_nanos(total.round() as u64))
}
