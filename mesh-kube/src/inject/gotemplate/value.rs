//! The values a template works on, modelled on what Go's reflection sees: the data is JSON,
//! tagged with where it came from, because Go treats a Helm value (`map[string]any`, numbers
//! as `float64`) differently from a typed Kubernetes struct (absent fields are zero values).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::Value;

/// What kind of Go map or struct a [`Val::Map`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapKind {
    /// `map[string]any` (Helm values, `fromJSON`, `dict`): a missing key is `<no value>`.
    Untyped,
    /// A typed Kubernetes or Istio object as JSON (`ObjectMeta`, `PodSpec`, `ProxyConfig`,
    /// `map[string]string`): a missing field is Go's zero value, and `.Name` finds `name`.
    Typed,
    /// The template's root struct, keyed by Go field names: an unknown field is an error.
    Struct(&'static str),
}

/// One Go value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// No value at all (Go's invalid `reflect.Value`): a missing map key. Prints `<no value>`.
    Missing,
    /// A nil interface (JSON `null`, a `nil` literal). Prints `<nil>` inside `print`.
    Nil,
    /// The zero value of a typed field the JSON leaves out: false, prints as "", compares
    /// equal to "", 0 and false.
    Zero,
    /// A bool.
    Bool(bool),
    /// A Go `int` (typed integers, integer literals).
    Int(i64),
    /// A Go `float64` (every number of untyped JSON, float literals).
    Float(f64),
    /// A string.
    Str(String),
    /// A slice.
    List(Rc<Vec<Val>>),
    /// A map or struct; Go ranges over and prints maps in sorted key order.
    Map(Rc<BTreeMap<String, Val>>, MapKind),
}

impl Val {
    /// Untyped JSON (Helm values): numbers are `float64`, `null` is nil.
    pub(crate) fn untyped(v: &Value) -> Val {
        Self::from_json(v, false)
    }

    /// Typed JSON (a Kubernetes object): integers stay integers, `null` is a zero value.
    pub(crate) fn typed(v: &Value) -> Val {
        Self::from_json(v, true)
    }

    fn from_json(v: &Value, typed: bool) -> Val {
        match v {
            Value::Null if typed => Val::Zero,
            Value::Null => Val::Nil,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) if typed => Val::Int(i),
                _ => Val::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Val::Str(s.clone()),
            Value::Array(a) => Val::List(Rc::new(a.iter().map(|x| Self::from_json(x, typed)).collect())),
            Value::Object(m) => Val::Map(
                Rc::new(m.iter().map(|(k, x)| (k.clone(), Self::from_json(x, typed))).collect()),
                if typed { MapKind::Typed } else { MapKind::Untyped },
            ),
        }
    }

    /// A struct with Go field names.
    pub(crate) fn structure(name: &'static str, fields: BTreeMap<String, Val>) -> Val {
        Val::Map(Rc::new(fields), MapKind::Struct(name))
    }

    /// A string value.
    pub(crate) fn str(s: impl Into<String>) -> Val {
        Val::Str(s.into())
    }

    /// The value as JSON (nil, missing and zero values are `null`).
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Val::Missing | Val::Nil | Val::Zero => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => Value::from(*i),
            Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(*f as i64),
            Val::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Val::Str(s) => Value::String(s.clone()),
            Val::List(l) => Value::Array(l.iter().map(Val::to_json).collect()),
            Val::Map(m, _) => Value::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Go's type name, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Val::Missing | Val::Nil => "<nil>",
            Val::Zero => "zero value",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_, MapKind::Untyped) => "map[string]interface {}",
            Val::Map(_, MapKind::Typed) => "map[string]string",
            Val::Map(_, MapKind::Struct(n)) => n,
        }
    }

    /// Go's `isTrue`: false, 0, "", nil and empty collections are false; structs are true.
    pub(crate) fn truth(&self) -> bool {
        match self {
            Val::Missing | Val::Nil | Val::Zero => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Map(_, MapKind::Struct(_)) => true,
            Val::Map(m, _) => !m.is_empty(),
        }
    }

    /// Nil or missing (what a nil interface argument is).
    pub(crate) fn is_nil(&self) -> bool {
        matches!(self, Val::Missing | Val::Nil)
    }

    /// fmt's `%v` of the value inside `print` (nil is `<nil>`).
    pub(crate) fn print_to(&self, out: &mut String) {
        match self {
            Val::Missing | Val::Nil => out.push_str("<nil>"),
            Val::Zero => {}
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Float(f) => out.push_str(&go_float(*f)),
            Val::Str(s) => out.push_str(s),
            Val::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.print_to(out);
                }
                out.push(']');
            }
            Val::Map(m, _) => {
                out.push_str("map[");
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.print_to(out);
                }
                out.push(']');
            }
        }
    }

    /// fmt's `%v` as a string.
    pub(crate) fn printed(&self) -> String {
        let mut s = String::new();
        self.print_to(&mut s);
        s
    }
}

/// A float64 as Go's `%v` writes it (`%g` with the shortest precision): exponent form
/// (`1e+06`, `1.5e-05`) when the decimal exponent is below -4 or at least 6, else plain
/// (`43200`, `0.25`).
pub(crate) fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // `{:e}` is the shortest round-trip form: "1.234567e6".
    let e = format!("{f:e}");
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}
