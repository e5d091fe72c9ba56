//! A serde `Deserializer` over [`Node`]s that knows where it is.
//!
//! Errors carry the field path and the line and column of the offending node; fields that
//! the target type does not know are collected (for `--strict`) instead of failing.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Unexpected, Visitor};

use super::node::{Node, Value, is_null_str};
use crate::validate::Path;

/// A decoding error with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeError {
    pub(crate) message: String,
    /// Set by the innermost node the error passed through.
    pub(crate) at: Option<(String, u32, u32)>,
}

impl DeError {
    fn locate(mut self, path: &Path<'_>, node: &Node<'_>) -> Self {
        if self.at.is_none() {
            self.at = Some((path.to_string(), node.line, node.column));
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError { message: msg.to_string(), at: None }
    }
}

/// A field present in the input that the model does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownField {
    /// Its field path, such as `spec.colour`.
    pub path: String,
    /// Its 1-based line.
    pub line: u32,
}

/// Deserializes `node` (at `path`) into `T`, collecting unknown fields into `unknown`.
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(
    node: &'de Node<'de>,
    path: &Path<'_>,
    unknown: &mut Vec<UnknownField>,
) -> Result<T, DeError> {
    T::deserialize(NodeDe { node, path, unknown, key: false }).map_err(|e| e.locate(path, node))
}

/// Like [`from_node`], for a [`Resource`](crate::Resource) of a known kind.
pub(crate) fn resource_from_node<'de>(
    kind: crate::Kind,
    node: &'de Node<'de>,
    path: &Path<'_>,
    unknown: &mut Vec<UnknownField>,
) -> Result<crate::Resource, DeError> {
    crate::Resource::deserialize_as(kind, NodeDe { node, path, unknown, key: false })
        .map_err(|e| e.locate(path, node))
}

struct NodeDe<'de, 'p, 'u> {
    node: &'de Node<'de>,
    path: &'p Path<'p>,
    unknown: &'u mut Vec<UnknownField>,
    /// Map keys: a quoted `"8080"` may still be read as a number (JSON quotes every key).
    key: bool,
}

fn parse_int(s: &str) -> Option<i128> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let v = if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if let Some(o) = digits.strip_prefix("0o") {
        i128::from_str_radix(o, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if neg { -v } else { v })
}

fn parse_float(s: &str) -> Option<f64> {
    match s {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.iter().all(|c| c.is_ascii_digit() || b"+-.eE".contains(c))
        && b.iter().any(|c| c.is_ascii_digit());
    if ok { s.parse().ok() } else { None }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

impl<'de> NodeDe<'de, '_, '_> {
    fn unexpected(&self) -> Unexpected<'de> {
        match &self.node.value {
            Value::Scalar(s, true) => {
                if is_null_str(s) {
                    Unexpected::Unit
                } else if let Some(b) = parse_bool(s) {
                    Unexpected::Bool(b)
                } else if let Some(i) = parse_int(s).and_then(|i| i64::try_from(i).ok()) {
                    Unexpected::Signed(i)
                } else if let Some(f) = parse_float(s) {
                    Unexpected::Float(f)
                } else {
                    Unexpected::Other("a plain string")
                }
            }
            Value::Scalar(_, false) => Unexpected::Other("a quoted string"),
            Value::Seq(_) => Unexpected::Seq,
            Value::Map(_) => Unexpected::Map,
        }
    }

    /// The scalar text when it may be read as a number or boolean.
    fn plain(&self) -> Option<&'de str> {
        match &self.node.value {
            Value::Scalar(s, plain) if *plain || self.key => Some(s),
            _ => None,
        }
    }

    fn int<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.plain().and_then(parse_int) {
            Some(i) => {
                if let Ok(v) = i64::try_from(i) {
                    visitor.visit_i64(v)
                } else if let Ok(v) = u64::try_from(i) {
                    visitor.visit_u64(v)
                } else {
                    visitor.visit_i128(i)
                }
            }
            None => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn map<V: Visitor<'de>>(self, visitor: V, fields: bool) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                value: None,
                path: self.path,
                unknown: self.unknown,
                fields,
            }),
            // A null object is an empty object, as Kubernetes reads it.
            _ if self.node.is_null() => visitor.visit_map(Map {
                entries: [].iter(),
                value: None,
                path: self.path,
                unknown: self.unknown,
                fields,
            }),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn float<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.plain().and_then(|s| parse_int(s).map(|i| i as f64).or_else(|| parse_float(s))) {
            Some(f) => visitor.visit_f64(f),
            None => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'de, '_, '_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s, true) => {
                if is_null_str(s) {
                    visitor.visit_unit()
                } else if let Some(b) = parse_bool(s) {
                    visitor.visit_bool(b)
                } else if parse_int(s).is_some() {
                    self.int(visitor)
                } else if let Some(f) = parse_float(s) {
                    visitor.visit_f64(f)
                } else {
                    visitor.visit_borrowed_str(s)
                }
            }
            Value::Scalar(s, false) => visitor.visit_borrowed_str(s),
            Value::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                path: self.path,
                unknown: self.unknown,
            }),
            Value::Map(entries) => visitor.visit_map(Map {
                entries: entries.iter(),
                value: None,
                path: self.path,
                unknown: self.unknown,
                fields: false,
            }),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.plain().and_then(parse_bool) {
            Some(b) => visitor.visit_bool(b),
            None => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_i128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_u128<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.int(v)
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.float(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.float(v)
    }

    fn deserialize_char<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s, _) => visitor.visit_borrowed_str(s),
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        if self.node.is_null() {
            visitor.visit_unit()
        } else {
            Err(de::Error::invalid_type(self.unexpected(), &visitor))
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, v: V) -> Result<V::Value, DeError> {
        self.deserialize_unit(v)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Seq(items) => visitor.visit_seq(Seq {
                items: items.iter(),
                index: 0,
                path: self.path,
                unknown: self.unknown,
            }),
            // A null list is an empty list, as Kubernetes reads it.
            _ if self.node.is_null() => {
                visitor.visit_seq(Seq { items: [].iter(), index: 0, path: self.path, unknown: self.unknown })
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, v: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        v: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(v)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.map(visitor, false)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        self.map(v, true)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match &self.node.value {
            Value::Scalar(s, _) => visitor.visit_enum(s.as_ref().into_deserializer()),
            Value::Map(entries) if entries.len() == 1 => {
                let (k, v) = &entries[0];
                visitor.visit_enum(Enum { key: k, value: v, path: self.path, unknown: self.unknown })
            }
            Value::Map(entries) if entries.is_empty() => {
                Err(de::Error::custom("expected exactly one of the alternatives, found none"))
            }
            Value::Map(entries) => {
                let names: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_str()).collect();
                Err(de::Error::custom(format!(
                    "expected exactly one of the alternatives, found {}: {}",
                    names.len(),
                    names.join(", ")
                )))
            }
            Value::Seq(_) => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_str(v)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.unknown.push(UnknownField { path: self.path.to_string(), line: self.node.line });
        visitor.visit_unit()
    }
}

struct Seq<'de, 'p, 'u> {
    items: std::slice::Iter<'de, Node<'de>>,
    index: usize,
    path: &'p Path<'p>,
    unknown: &'u mut Vec<UnknownField>,
}

impl<'de> SeqAccess<'de> for Seq<'de, '_, '_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DeError> {
        let Some(node) = self.items.next() else { return Ok(None) };
        let path = self.path.index(self.index);
        self.index += 1;
        seed.deserialize(NodeDe { node, path: &path, unknown: self.unknown, key: false })
            .map(Some)
            .map_err(|e| e.locate(&path, node))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Map<'de, 'p, 'u> {
    entries: std::slice::Iter<'de, (Node<'de>, Node<'de>)>,
    value: Option<(&'de Node<'de>, &'de Node<'de>)>,
    path: &'p Path<'p>,
    unknown: &'u mut Vec<UnknownField>,
    /// Struct fields print as `.name`, map entries as `[key]`.
    fields: bool,
}

impl<'de> Map<'de, '_, '_> {
    fn child<'a>(&self, parent: &'a Path<'a>, name: &'a str) -> Path<'a> {
        if self.fields { parent.field(name) } else { parent.key(name) }
    }
}

impl<'de> MapAccess<'de> for Map<'de, '_, '_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DeError> {
        let Some((k, v)) = self.entries.next() else { return Ok(None) };
        self.value = Some((k, v));
        let name = k.as_str().unwrap_or("?");
        let path = self.child(self.path, name);
        seed.deserialize(NodeDe { node: k, path: &path, unknown: self.unknown, key: true })
            .map(Some)
            .map_err(|e| e.locate(&path, k))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((k, node)) = self.value.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        let name = k.as_str().unwrap_or("?");
        let path = self.child(self.path, name);
        seed.deserialize(NodeDe { node, path: &path, unknown: self.unknown, key: false })
            .map_err(|e| e.locate(&path, node))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

struct Enum<'de, 'p, 'u> {
    key: &'de Node<'de>,
    value: &'de Node<'de>,
    path: &'p Path<'p>,
    unknown: &'u mut Vec<UnknownField>,
}

impl<'de, 'p, 'u> de::EnumAccess<'de> for Enum<'de, 'p, 'u> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DeError> {
        let name = self.key.as_str().unwrap_or("?");
        let path = self.path.field(name);
        let v = seed
            .deserialize(NodeDe { node: self.key, path: &path, unknown: self.unknown, key: true })
            .map_err(|e| e.locate(&path, self.key))?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for Enum<'de, '_, '_> {
    type Error = DeError;

    fn unit_variant(self) -> Result<(), DeError> {
        if self.value.is_null() {
            Ok(())
        } else {
            Err(de::Error::custom("expected no value for this alternative"))
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        let name = self.key.as_str().unwrap_or("?");
        let path = self.path.field(name);
        seed.deserialize(NodeDe { node: self.value, path: &path, unknown: self.unknown, key: false })
            .map_err(|e| e.locate(&path, self.value))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        let name = self.key.as_str().unwrap_or("?");
        let path = self.path.field(name);
        de::Deserializer::deserialize_seq(
            NodeDe { node: self.value, path: &path, unknown: self.unknown, key: false },
            visitor,
        )
        .map_err(|e| e.locate(&path, self.value))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let name = self.key.as_str().unwrap_or("?");
        let path = self.path.field(name);
        de::Deserializer::deserialize_map(
            NodeDe { node: self.value, path: &path, unknown: self.unknown, key: false },
            visitor,
        )
        .map_err(|e| e.locate(&path, self.value))
    }
}
