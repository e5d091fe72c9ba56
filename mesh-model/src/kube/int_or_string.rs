//! Kubernetes' `IntOrString`: a field that holds either a number or a name (a Service's
//! `targetPort`, a NetworkPolicy port).

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that is either a 32-bit integer or a string, as Kubernetes' `intstr.IntOrString`.
///
/// The wire form is a bare YAML/JSON integer (`8080`) or a bare string (`http`); a quoted
/// number (`"8080"`) stays a string, as in Kubernetes, where it names a port.
///
/// ```
/// use mesh_model::kube::IntOrString;
/// let n: IntOrString = serde_json::from_str("9080").unwrap();
/// assert_eq!(n, IntOrString::Int(9080));
/// let s: IntOrString = serde_json::from_str("\"http\"").unwrap();
/// assert_eq!(s.as_str(), Some("http"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrString {
    /// A number, such as a port number.
    Int(i32),
    /// A string, such as a port name.
    String(String),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

impl IntOrString {
    /// The number, when this holds one.
    pub fn as_int(&self) -> Option<i32> {
        match self {
            IntOrString::Int(i) => Some(*i),
            IntOrString::String(_) => None,
        }
    }

    /// The string, when this holds one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            IntOrString::Int(_) => None,
            IntOrString::String(s) => Some(s),
        }
    }
}

impl From<i32> for IntOrString {
    fn from(i: i32) -> Self {
        IntOrString::Int(i)
    }
}

impl From<&str> for IntOrString {
    fn from(s: &str) -> Self {
        IntOrString::String(s.to_string())
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(i) => write!(f, "{i}"),
            IntOrString::String(s) => f.write_str(s),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(i) => s.serialize_i32(*i),
            IntOrString::String(v) => s.serialize_str(v),
        }
    }
}

struct IntOrStringVisitor;

impl<'de> Visitor<'de> for IntOrStringVisitor {
    type Value = IntOrString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
        i32::try_from(v)
            .map(IntOrString::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit a 32-bit int-or-string")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
        i32::try_from(v)
            .map(IntOrString::Int)
            .map_err(|_| E::custom(format!("integer {v} does not fit a 32-bit int-or-string")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<IntOrString, E> {
        Ok(IntOrString::String(v))
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntOrStringVisitor)
    }
}

impl JsonSchema for IntOrString {
    fn schema_name() -> Cow<'static, str> {
        "IntOrString".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [{ "type": "integer", "format": "int32" }, { "type": "string" }],
            "x-kubernetes-int-or-string": true,
            "description": "An integer or a string, such as a port number or a port name."
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_yaml_integers_and_strings() {
        let v: Vec<IntOrString> = serde_yaml_ng::from_str("[8080, http, \"9080\"]").unwrap();
        assert_eq!(v, vec![IntOrString::Int(8080), "http".into(), "9080".into()]);
        assert_eq!(serde_json::to_string(&v).unwrap(), r#"[8080,"http","9080"]"#);
    }

    #[test]
    fn rejects_out_of_range_and_other_types() {
        assert!(serde_json::from_str::<IntOrString>("4294967296").is_err());
        assert!(serde_json::from_str::<IntOrString>("1.5").is_err());
        assert!(serde_json::from_str::<IntOrString>("true").is_err());
        assert_eq!(serde_json::from_str::<IntOrString>("-1").unwrap(), IntOrString::Int(-1));
    }
}
