//! Small types that several Istio kinds share: durations, selectors, target references.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

// === impl Duration ===

/// A length of time, as Istio's APIs carry `google.protobuf.Duration`.
///
/// Accepts the protobuf JSON form (`"1.5s"`) and every form Go's `time.ParseDuration` accepts,
/// which is what Istio's CRD validation uses (`"3m"`, `"1h30m"`, `"250ms"`, `"0"`).
/// Serialises in the protobuf JSON form with the fewest fractional digits (`"90s"`, `"0.5s"`).
///
/// ```
/// use mesh_model::Duration;
/// let d: Duration = "1m30.5s".parse().unwrap();
/// assert_eq!(d.to_string(), "90.5s");
/// assert_eq!(d.as_nanos(), 90_500_000_000);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration {
    nanos: i128,
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// The string is not a Go or protobuf duration, such as `"5"` (no unit) or `"1x"`.
    #[error("invalid duration {0:?}: expected a number and a unit, such as \"1.5s\" or \"2m\"")]
    Syntax(String),
    /// The value does not fit a protobuf Duration (±10,000 years).
    #[error("duration {0:?} is out of range")]
    Range(String),
}

impl Duration {
    /// Largest magnitude a protobuf Duration holds: 315,576,000,000 seconds.
    const MAX_NANOS: i128 = 315_576_000_000 * 1_000_000_000 + 999_999_999;

    /// A duration of `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Self { nanos: secs as i128 * 1_000_000_000 }
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: i64) -> Self {
        Self { nanos: ms as i128 * 1_000_000 }
    }

    /// A duration of `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i128) -> Self {
        Self { nanos }
    }

    /// The duration in nanoseconds (negative for a negative duration).
    pub const fn as_nanos(&self) -> i128 {
        self.nanos
    }

    /// Whether the duration is below zero.
    pub const fn is_negative(&self) -> bool {
        self.nanos < 0
    }

    /// The duration as a `std::time::Duration`, or `None` when negative.
    pub fn to_std(&self) -> Option<std::time::Duration> {
        let n = u128::try_from(self.nanos).ok()?;
        let secs = u64::try_from(n / 1_000_000_000).ok()?;
        Some(std::time::Duration::new(secs, (n % 1_000_000_000) as u32))
    }
}

impl FromStr for Duration {
    type Err = DurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let syntax = || DurationError::Syntax(s.to_string());
        let (neg, mut rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if rest == "0" {
            return Ok(Self::default());
        }
        if rest.is_empty() {
            return Err(syntax());
        }
        let mut total: i128 = 0;
        while !rest.is_empty() {
            let int_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
            let (int_part, after) = rest.split_at(int_end);
            let (frac_part, after) = match after.strip_prefix('.') {
                Some(f) => {
                    let e = f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len());
                    f.split_at(e)
                }
                None => ("", after),
            };
            if int_part.is_empty() && frac_part.is_empty() {
                return Err(syntax());
            }
            let unit_end = after.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(after.len());
            let (unit, after) = after.split_at(unit_end);
            let scale: i128 = match unit {
                "ns" => 1,
                "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                _ => return Err(syntax()),
            };
            let int: i128 = if int_part.is_empty() {
                0
            } else {
                int_part.parse().map_err(|_| DurationError::Range(s.to_string()))?
            };
            let mut value = int.checked_mul(scale).ok_or_else(|| DurationError::Range(s.to_string()))?;
            // Fractions below a nanosecond are truncated, as Go does.
            let mut place = scale;
            for d in frac_part.bytes().take(30) {
                place /= 10;
                if place == 0 {
                    break;
                }
                value += i128::from(d - b'0') * place;
            }
            total = total.checked_add(value).ok_or_else(|| DurationError::Range(s.to_string()))?;
            if total > Self::MAX_NANOS {
                return Err(DurationError::Range(s.to_string()));
            }
            rest = after;
        }
        Ok(Self { nanos: if neg { -total } else { total } })
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.nanos < 0 { "-" } else { "" };
        let abs = self.nanos.unsigned_abs();
        let secs = abs / 1_000_000_000;
        let frac = abs % 1_000_000_000;
        if frac == 0 {
            write!(f, "{sign}{secs}s")
        } else {
            let digits = format!("{frac:09}");
            write!(f, "{sign}{secs}.{}s", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "description": "A duration such as \"1.5s\" or \"2m\"." })
    }
}

// === gRPC status codes ===

/// gRPC status code names in code order: `OK` is 0, `UNAUTHENTICATED` 16 (grpc/grpc
/// doc/statuscodes.md), as Istio accepts them in `fault.abort.grpcStatus`.
pub const GRPC_STATUS_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The numeric code of a gRPC status name (`"UNAVAILABLE"` is 14).
///
/// ```
/// assert_eq!(mesh_model::common::grpc_status_code("UNAVAILABLE"), Some(14));
/// assert_eq!(mesh_model::common::grpc_status_code("unavailable"), None);
/// ```
pub fn grpc_status_code(name: &str) -> Option<u32> {
    GRPC_STATUS_NAMES.iter().position(|n| *n == name).map(|i| i as u32)
}

// === selectors and references ===

/// Selects the workloads (pods, VMs) a resource applies to by their labels.
///
/// An empty or absent selector selects every workload in the resource's namespace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct WorkloadSelector {
    /// Labels a workload must all carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
}

/// A reference to the Kubernetes object (Gateway API Gateway, Service, ...) a policy attaches to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PolicyTargetReference {
    /// API group of the target; `""` is the core group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Kind of the target, such as `Gateway` or `Service`.
    #[serde(default)]
    pub kind: String,
    /// Name of the target.
    #[serde(default)]
    pub name: String,
    /// Namespace of the target; must be the policy's own namespace when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Selects a port by number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PortSelector {
    /// The port number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<u32>,
}

/// A percentage in `0.0..=100.0`, as Istio's `Percent` message (`{value: 12.5}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Percent {
    /// The percentage.
    #[serde(default)]
    pub value: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_accepts_go_and_protobuf_forms() {
        // Go time.ParseDuration forms, as Istio's CRD CEL rules accept them.
        for (s, n) in [
            ("1.5s", 1_500_000_000i128),
            ("3m", 180_000_000_000),
            ("1h30m", 5_400_000_000_000),
            ("250ms", 250_000_000),
            ("0", 0),
            ("1us", 1_000),
            (".5s", 500_000_000),
            ("-2s", -2_000_000_000),
            ("1.000000001s", 1_000_000_001),
        ] {
            assert_eq!(s.parse::<Duration>().unwrap().as_nanos(), n, "{s}");
        }
        for s in ["", "5", "1x", "s", "1.s.", "-", "1m-2s", "."] {
            assert!(s.parse::<Duration>().is_err(), "{s} should be rejected");
        }
    }

    #[test]
    fn duration_displays_protobuf_json_form() {
        for (s, out) in
            [("90s", "90s"), ("0.5s", "0.5s"), ("1m", "60s"), ("1ms", "0.001s"), ("-1.5s", "-1.5s")]
        {
            assert_eq!(s.parse::<Duration>().unwrap().to_string(), out);
        }
    }
}
