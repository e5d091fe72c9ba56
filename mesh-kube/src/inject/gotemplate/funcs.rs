//! The functions a template may call: Go's builtins, the sprig functions Istio's templates
//! use, and Istio's `InjectionFuncmap` (which wins over sprig where both define a name:
//! `indent`, `contains`, `toJSON`).

use std::collections::BTreeMap;
use std::rc::Rc;

use super::exec::MAX_OUTPUT;
use super::format::{go_duration, go_quote, sprint, sprintf, sprintln, to_json, to_pretty_json, to_yaml};
use super::value::{MapKind, Val};

/// Every function name a template may use (`and` and `or` are evaluated by the executor).
const NAMES: &[&str] = &[
    // Go's builtins.
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    // sprig.
    "default",
    "empty",
    "coalesce",
    "ternary",
    "quote",
    "squote",
    "trunc",
    "trimAll",
    "trim",
    "trimPrefix",
    "trimSuffix",
    "hasPrefix",
    "hasSuffix",
    "upper",
    "lower",
    "replace",
    "join",
    "splitList",
    "list",
    "append",
    "push",
    "first",
    "last",
    "dict",
    "hasKey",
    "toString",
    "toJson",
    "toPrettyJson",
    "nindent",
    // Istio's InjectionFuncmap.
    "formatDuration",
    "isset",
    "excludeInboundPort",
    "includeInboundPorts",
    "kubevirtInterfaces",
    "excludeInterfaces",
    "applicationPorts",
    "annotation",
    "valueOrDefault",
    "toJSON",
    "fromJSON",
    "structToJSON",
    "protoToJSON",
    "toYaml",
    "indent",
    "directory",
    "contains",
    "toLower",
    "appendMultusNetwork",
    "env",
    "omit",
    "strdict",
    "toJsonMap",
    "mergeMaps",
    "omitNil",
];

/// Whether `name` is a function of the subset.
pub(super) fn exists(name: &str) -> bool {
    NAMES.contains(&name)
}

type R = Result<Val, String>;

fn want_str(v: &Val) -> Result<String, String> {
    match v {
        Val::Str(s) => Ok(s.clone()),
        Val::Zero => Ok(String::new()),
        Val::Missing | Val::Nil => Err("invalid value; expected string".into()),
        other => Err(format!("wrong type for value; expected string; got {}", other.type_name())),
    }
}

fn want_int(v: &Val) -> Result<i64, String> {
    match v {
        Val::Int(i) => Ok(*i),
        Val::Zero => Ok(0),
        Val::Missing | Val::Nil => Err("invalid value; expected int".into()),
        other => Err(format!("wrong type for value; expected int; got {}", other.type_name())),
    }
}

fn want_bool(v: &Val) -> Result<bool, String> {
    match v {
        Val::Bool(b) => Ok(*b),
        Val::Zero => Ok(false),
        Val::Missing | Val::Nil => Err("invalid value; expected bool".into()),
        other => Err(format!("wrong type for value; expected bool; got {}", other.type_name())),
    }
}

/// A `map[string]string` argument: nil is an empty map; values must be strings.
fn want_str_map(v: &Val) -> Result<BTreeMap<String, String>, String> {
    match v {
        Val::Missing | Val::Nil | Val::Zero => Ok(BTreeMap::new()),
        Val::Map(m, _) => m
            .iter()
            .map(|(k, x)| match x {
                Val::Str(s) => Ok((k.clone(), s.clone())),
                Val::Zero => Ok((k.clone(), String::new())),
                _ => Err(format!("wrong type for value; expected map[string]string; got {}", v.type_name())),
            })
            .collect(),
        other => Err(format!("wrong type for value; expected map[string]string; got {}", other.type_name())),
    }
}

fn str_map(m: BTreeMap<String, String>) -> Val {
    Val::Map(Rc::new(m.into_iter().map(|(k, v)| (k, Val::Str(v))).collect()), MapKind::Typed)
}

fn arity(name: &str, args: &[Val], n: usize) -> Result<(), String> {
    if args.len() != n {
        return Err(format!("wrong number of args for {name}: want {n} got {}", args.len()));
    }
    Ok(())
}

fn at_least(name: &str, args: &[Val], n: usize) -> Result<(), String> {
    if args.len() < n {
        return Err(format!("wrong number of args for {name}: want at least {n} got {}", args.len()));
    }
    Ok(())
}

fn limit(s: String) -> R {
    if s.len() > MAX_OUTPUT {
        return Err(format!("the result exceeds {MAX_OUTPUT} bytes"));
    }
    Ok(Val::Str(s))
}

/// sprig's `strval`: strings as they are, nil as "", the rest as `%v`.
fn strval(v: &Val) -> String {
    match v {
        Val::Str(s) => s.clone(),
        v => v.printed(),
    }
}

/// sprig's `empty`.
fn is_empty(v: &Val) -> bool {
    match v {
        Val::Map(_, MapKind::Struct(_)) => false,
        v => !v.truth(),
    }
}

/// Calls function `name` (not `and`/`or`) with evaluated arguments.
pub(super) fn call(name: &str, args: Vec<Val>) -> R {
    let a = args.as_slice();
    match name {
        "not" => {
            arity(name, a, 1)?;
            Ok(Val::Bool(!a[0].truth()))
        }
        "len" => {
            arity(name, a, 1)?;
            match &a[0] {
                Val::Str(s) => Ok(Val::Int(s.len() as i64)),
                Val::List(l) => Ok(Val::Int(l.len() as i64)),
                Val::Map(m, _) => Ok(Val::Int(m.len() as i64)),
                Val::Zero => Ok(Val::Int(0)),
                Val::Missing | Val::Nil => Err("len of nil pointer".into()),
                other => Err(format!("len of type {}", other.type_name())),
            }
        }
        "index" => {
            at_least(name, a, 1)?;
            let mut item = a[0].clone();
            for key in &a[1..] {
                item = index(&item, key)?;
            }
            Ok(item)
        }
        "print" => limit(sprint(a)),
        "println" => limit(sprintln(a)),
        "printf" => {
            at_least(name, a, 1)?;
            Ok(Val::Str(sprintf(&want_str(&a[0])?, &a[1..], MAX_OUTPUT)?))
        }
        "eq" => {
            at_least(name, a, 1)?;
            if a.len() == 1 {
                return Err("missing argument for comparison".into());
            }
            for b in &a[1..] {
                if compare_eq(&a[0], b)? {
                    return Ok(Val::Bool(true));
                }
            }
            Ok(Val::Bool(false))
        }
        "ne" => {
            arity(name, a, 2)?;
            Ok(Val::Bool(!compare_eq(&a[0], &a[1])?))
        }
        "lt" | "le" | "gt" | "ge" => {
            arity(name, a, 2)?;
            let ord = compare_order(&a[0], &a[1])?;
            Ok(Val::Bool(match name {
                "lt" => ord.is_lt(),
                "le" => ord.is_le(),
                "gt" => ord.is_gt(),
                _ => ord.is_ge(),
            }))
        }
        // sprig
        "default" => {
            at_least(name, a, 1)?;
            match a.get(1) {
                Some(given) if !is_empty(given) => Ok(given.clone()),
                _ => Ok(a[0].clone()),
            }
        }
        "empty" => {
            arity(name, a, 1)?;
            Ok(Val::Bool(is_empty(&a[0])))
        }
        "coalesce" => Ok(a.iter().find(|v| !is_empty(v)).cloned().unwrap_or(Val::Nil)),
        "ternary" => {
            arity(name, a, 3)?;
            Ok(if want_bool(&a[2])? { a[0].clone() } else { a[1].clone() })
        }
        "quote" | "squote" => {
            let parts: Vec<String> = a
                .iter()
                .filter(|v| !v.is_nil())
                .map(|v| if name == "quote" { go_quote(&strval(v)) } else { format!("'{}'", strval(v)) })
                .collect();
            limit(parts.join(" "))
        }
        "trunc" => {
            arity(name, a, 2)?;
            let (c, s) = (want_int(&a[0])?, want_str(&a[1])?);
            let len = s.len() as i64;
            let cut = |i: i64| {
                let mut i = i.clamp(0, len) as usize;
                while !s.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            Ok(Val::Str(if c < 0 && len + c > 0 {
                s[cut(len + c)..].to_string()
            } else if c >= 0 && len > c {
                s[..cut(c)].to_string()
            } else {
                s
            }))
        }
        "trimAll" => {
            arity(name, a, 2)?;
            let (cut, s) = (want_str(&a[0])?, want_str(&a[1])?);
            Ok(Val::Str(s.trim_matches(|c| cut.contains(c)).to_string()))
        }
        "trim" => {
            arity(name, a, 1)?;
            Ok(Val::Str(want_str(&a[0])?.trim().to_string()))
        }
        "trimPrefix" | "trimSuffix" => {
            arity(name, a, 2)?;
            let (fix, s) = (want_str(&a[0])?, want_str(&a[1])?);
            let out = if name == "trimPrefix" { s.strip_prefix(&*fix) } else { s.strip_suffix(&*fix) };
            Ok(Val::Str(out.unwrap_or(&s).to_string()))
        }
        "hasPrefix" | "hasSuffix" => {
            arity(name, a, 2)?;
            let (fix, s) = (want_str(&a[0])?, want_str(&a[1])?);
            Ok(Val::Bool(if name == "hasPrefix" { s.starts_with(&*fix) } else { s.ends_with(&*fix) }))
        }
        "upper" => {
            arity(name, a, 1)?;
            Ok(Val::Str(want_str(&a[0])?.to_uppercase()))
        }
        "lower" | "toLower" => {
            arity(name, a, 1)?;
            Ok(Val::Str(want_str(&a[0])?.to_lowercase()))
        }
        "replace" => {
            arity(name, a, 3)?;
            let (old, new, s) = (want_str(&a[0])?, want_str(&a[1])?, want_str(&a[2])?);
            if old.is_empty() && (s.len() + 1).saturating_mul(new.len()) > MAX_OUTPUT {
                return Err(format!("the result exceeds {MAX_OUTPUT} bytes"));
            }
            limit(s.replace(&*old, &new))
        }
        "join" => {
            arity(name, a, 2)?;
            let sep = want_str(&a[0])?;
            let parts: Vec<String> = match &a[1] {
                Val::List(l) => l.iter().filter(|v| !v.is_nil()).map(strval).collect(),
                Val::Missing | Val::Nil => Vec::new(),
                v => vec![strval(v)],
            };
            limit(parts.join(&sep))
        }
        "splitList" => {
            arity(name, a, 2)?;
            let (sep, s) = (want_str(&a[0])?, want_str(&a[1])?);
            if sep.is_empty() {
                return Ok(Val::List(Rc::new(s.chars().map(|c| Val::Str(c.to_string())).collect())));
            }
            Ok(Val::List(Rc::new(s.split(&*sep).map(|p| Val::Str(p.to_string())).collect())))
        }
        "list" => Ok(Val::List(Rc::new(args))),
        "append" | "push" => {
            arity(name, a, 2)?;
            match &a[0] {
                Val::List(l) => {
                    let mut l = (**l).clone();
                    l.push(a[1].clone());
                    Ok(Val::List(Rc::new(l)))
                }
                Val::Missing | Val::Nil | Val::Zero => Ok(Val::List(Rc::new(vec![a[1].clone()]))),
                other => Err(format!("Cannot push on type {}", other.type_name())),
            }
        }
        "first" | "last" => {
            arity(name, a, 1)?;
            match &a[0] {
                Val::List(l) => {
                    Ok(if name == "first" { l.first() } else { l.last() }.cloned().unwrap_or(Val::Nil))
                }
                Val::Missing | Val::Nil | Val::Zero => Ok(Val::Nil),
                other => Err(format!("Cannot find {name} on type {}", other.type_name())),
            }
        }
        "dict" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                m.insert(strval(&pair[0]), pair.get(1).cloned().unwrap_or(Val::Str(String::new())));
            }
            Ok(Val::Map(Rc::new(m), MapKind::Untyped))
        }
        "hasKey" => has_key(name, a, "map[string]interface {}"),
        "toString" => {
            arity(name, a, 1)?;
            Ok(Val::Str(if a[0].is_nil() { String::new() } else { strval(&a[0]) }))
        }
        "toJson" => {
            arity(name, a, 1)?;
            limit(to_json(&a[0]).unwrap_or_default())
        }
        "toPrettyJson" => {
            arity(name, a, 1)?;
            limit(to_pretty_json(&a[0]).unwrap_or_default())
        }
        "nindent" => {
            arity(name, a, 2)?;
            let (n, s) = (want_int(&a[0])?, want_str(&a[1])?);
            let pad = " ".repeat(spaces(n, &s)?);
            limit(format!("\n{pad}{}", s.replace('\n', &format!("\n{pad}"))))
        }
        _ => istio(name, args),
    }
}

/// sprig's `hasKey` and Istio's `isset`: whether the map has the key (false for nil); `map_type`
/// is the Go type the error names.
fn has_key(name: &str, a: &[Val], map_type: &str) -> R {
    arity(name, a, 2)?;
    let key = want_str(&a[1])?;
    match &a[0] {
        Val::Map(m, _) => Ok(Val::Bool(m.contains_key(&key))),
        Val::Missing | Val::Nil | Val::Zero => Ok(Val::Bool(false)),
        other => Err(format!("wrong type for value; expected {map_type}; got {}", other.type_name())),
    }
}

/// A count of spaces, refused when the indented text would be too large.
fn spaces(n: i64, s: &str) -> Result<usize, String> {
    let n = usize::try_from(n).unwrap_or(0);
    if n.saturating_mul(s.matches('\n').count() + 1) > MAX_OUTPUT {
        return Err(format!("the result exceeds {MAX_OUTPUT} bytes"));
    }
    Ok(n)
}

/// Istio's `InjectionFuncmap`.
fn istio(name: &str, args: Vec<Val>) -> R {
    let a = args.as_slice();
    match name {
        "formatDuration" => {
            arity(name, a, 1)?;
            match &a[0] {
                Val::Str(s) => go_duration(s).map(Val::Str).ok_or_else(|| format!("{s:?} is not a duration")),
                Val::Missing | Val::Nil | Val::Zero => Ok(Val::str("0s")),
                other => Err(format!(
                    "wrong type for value; expected *durationpb.Duration; got {}",
                    other.type_name()
                )),
            }
        }
        "isset" => has_key(name, a, "map[string]string"),
        "excludeInboundPort" => {
            arity(name, a, 2)?;
            let port = if a[0].is_nil() { "<nil>".to_string() } else { strval(&a[0]) };
            Ok(Val::Str(crate::capture::annotations::exclude_inbound_port(&port, &want_str(&a[1])?)))
        }
        "includeInboundPorts" | "applicationPorts" => {
            arity(name, a, 1)?;
            let mut ports = Vec::new();
            if let Val::List(cs) = &a[0] {
                for c in cs.iter() {
                    let Val::Map(c, _) = c else { continue };
                    if name == "applicationPorts"
                        && matches!(c.get("name"), Some(Val::Str(n)) if n == "istio-proxy")
                    {
                        continue;
                    }
                    let Some(Val::List(ps)) = c.get("ports") else { continue };
                    for p in ps.iter() {
                        let Val::Map(p, _) = p else { continue };
                        if matches!(p.get("protocol"), Some(Val::Str(s)) if s == "UDP" || s == "SCTP") {
                            continue;
                        }
                        ports.push(match p.get("containerPort") {
                            Some(Val::Int(i)) => i.to_string(),
                            Some(Val::Float(f)) => (*f as i64).to_string(),
                            _ => "0".into(),
                        });
                    }
                }
            }
            Ok(Val::Str(ports.join(",")))
        }
        "kubevirtInterfaces" | "excludeInterfaces" | "directory" => {
            arity(name, a, 1)?;
            let s = want_str(&a[0])?;
            Ok(Val::Str(if name == "directory" {
                s.rfind('/').map_or(String::new(), |i| s[..=i].to_string())
            } else {
                s
            }))
        }
        "annotation" => {
            arity(name, a, 3)?;
            let key = want_str(&a[1])?;
            let found = match &a[0] {
                Val::Map(m, _) => match m.get("annotations") {
                    Some(Val::Map(ann, _)) => ann.get(&key).map(strval),
                    _ => None,
                },
                Val::Zero => None,
                other => {
                    return Err(format!(
                        "wrong type for value; expected v1.ObjectMeta; got {}",
                        other.type_name()
                    ));
                }
            };
            Ok(Val::Str(found.unwrap_or_else(|| a[2].printed())))
        }
        "valueOrDefault" => {
            arity(name, a, 2)?;
            Ok(match &a[0] {
                Val::Missing | Val::Nil | Val::Zero => a[1].clone(),
                Val::Str(s) if s.is_empty() => a[1].clone(),
                v => v.clone(),
            })
        }
        "toJSON" => {
            arity(name, a, 1)?;
            let m = want_str_map(&a[0])?;
            if a[0].is_nil() {
                return Ok(Val::str("{}"));
            }
            Ok(Val::Str(to_json(&str_map(m)).unwrap_or_else(|| "{}".into())))
        }
        "fromJSON" => {
            arity(name, a, 1)?;
            Ok(match serde_json::from_str::<serde_json::Value>(&want_str(&a[0])?) {
                Ok(v) => Val::untyped(&v),
                Err(_) => Val::str("{}"),
            })
        }
        "structToJSON" => {
            arity(name, a, 1)?;
            if a[0].is_nil() {
                return Ok(Val::str("{}"));
            }
            limit(to_json(&a[0]).unwrap_or_else(|| "{}".into()))
        }
        "protoToJSON" => {
            arity(name, a, 1)?;
            if a[0].is_nil() {
                return Ok(Val::str("{}"));
            }
            Ok(Val::Str(crate::inject::proxy_config::env_json(&a[0].to_json())))
        }
        "toYaml" => {
            arity(name, a, 1)?;
            limit(to_yaml(&a[0]))
        }
        "indent" => {
            arity(name, a, 2)?;
            let (n, s) = (want_int(&a[0])?, want_str(&a[1])?);
            let pad = " ".repeat(spaces(n, &s)?);
            limit(s.replace('\n', &format!("\n{pad}")))
        }
        "contains" => {
            arity(name, a, 2)?;
            let (needle, hay) = (want_str(&a[0])?, want_str(&a[1])?);
            Ok(Val::Bool(hay.contains(&*needle)))
        }
        "appendMultusNetwork" => {
            arity(name, a, 2)?;
            Ok(Val::Str(crate::inject::template::append_multus_network(&want_str(&a[0])?, &want_str(&a[1])?)))
        }
        // istiod's environment is not read: meshkit does no I/O. The default is returned.
        "env" => {
            arity(name, a, 2)?;
            want_str(&a[0])?;
            Ok(Val::Str(want_str(&a[1])?))
        }
        "omit" => {
            at_least(name, a, 1)?;
            let mut m = want_str_map(&a[0])?;
            for k in &a[1..] {
                m.remove(&want_str(k)?);
            }
            Ok(str_map(m))
        }
        "strdict" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                m.insert(want_str(&pair[0])?, pair.get(1).map(want_str).transpose()?.unwrap_or_default());
            }
            Ok(str_map(m))
        }
        "mergeMaps" | "toJsonMap" => {
            if a.is_empty() {
                return Ok(if name == "mergeMaps" { Val::Nil } else { Val::str("null") });
            }
            let mut m = BTreeMap::new();
            for x in a {
                m.extend(want_str_map(x)?);
            }
            let merged = str_map(m);
            Ok(if name == "mergeMaps" { merged } else { Val::Str(to_json(&merged).unwrap_or_default()) })
        }
        "omitNil" => {
            arity(name, a, 1)?;
            Ok(omit_nil(&a[0]).0)
        }
        _ => Err(format!("function {name:?} not defined")),
    }
}

/// Istio's `omitNil`: nils removed from maps and lists, recursively; a collection that
/// loses entries and ends up empty becomes nil. The bool says whether anything changed.
fn omit_nil(v: &Val) -> (Val, bool) {
    match v {
        Val::Missing | Val::Nil => (Val::Nil, true),
        Val::Map(m, kind) => {
            let mut changed = false;
            let mut out = BTreeMap::new();
            for (k, x) in m.iter() {
                let (y, c) = omit_nil(x);
                changed |= c;
                if !y.is_nil() {
                    out.insert(k.clone(), y);
                }
            }
            match (changed, out.is_empty()) {
                (false, _) => (v.clone(), false),
                (true, true) => (Val::Nil, true),
                (true, false) => (Val::Map(Rc::new(out), *kind), true),
            }
        }
        Val::List(l) => {
            let mut changed = false;
            let mut out = Vec::new();
            for x in l.iter() {
                let (y, c) = omit_nil(x);
                changed |= c;
                if !y.is_nil() {
                    out.push(y);
                }
            }
            match (changed, out.is_empty()) {
                (false, _) => (v.clone(), false),
                (true, true) => (Val::Nil, true),
                (true, false) => (Val::List(Rc::new(out)), true),
            }
        }
        other => (other.clone(), false),
    }
}

/// Go's `index` on one key.
fn index(item: &Val, key: &Val) -> Result<Val, String> {
    match item {
        Val::Missing | Val::Nil => Err("index of untyped nil".into()),
        Val::Zero => Ok(Val::Zero),
        Val::Map(m, kind) => {
            let k = match key {
                Val::Str(s) => s.clone(),
                Val::Zero => String::new(),
                other => return Err(format!("value has type {}; should be string", other.type_name())),
            };
            Ok(m.get(&k).cloned().unwrap_or(match kind {
                MapKind::Untyped => Val::Nil,
                _ => Val::Zero,
            }))
        }
        Val::List(l) => {
            let i = match key {
                Val::Int(i) => *i,
                Val::Zero => 0,
                other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| l.get(i))
                .cloned()
                .ok_or_else(|| format!("index out of range: {i}"))
        }
        Val::Str(s) => {
            let i = match key {
                Val::Int(i) => *i,
                other => return Err(format!("cannot index slice/array with type {}", other.type_name())),
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| s.as_bytes().get(i))
                .map(|b| Val::Int(i64::from(*b)))
                .ok_or_else(|| format!("index out of range: {i}"))
        }
        other => Err(format!("can't index item of type {}", other.type_name())),
    }
}

/// The comparable kind of a value for `eq`: zero values take the other side's kind.
#[derive(PartialEq)]
enum Kind {
    Bool,
    Int,
    Float,
    Str,
    Nil,
    Other,
}

fn kind(v: &Val) -> Kind {
    match v {
        Val::Bool(_) => Kind::Bool,
        Val::Int(_) => Kind::Int,
        Val::Float(_) => Kind::Float,
        Val::Str(_) => Kind::Str,
        Val::Missing | Val::Nil => Kind::Nil,
        _ => Kind::Other,
    }
}

/// A zero value in the other operand's type.
fn zero_like(other: &Val) -> Val {
    match other {
        Val::Bool(_) => Val::Bool(false),
        Val::Int(_) => Val::Int(0),
        Val::Float(_) => Val::Float(0.0),
        _ => Val::Str(String::new()),
    }
}

/// Go's `eq` for two operands.
fn compare_eq(a: &Val, b: &Val) -> Result<bool, String> {
    let (a, b) = match (a, b) {
        (Val::Zero, Val::Zero) => return Ok(true),
        (Val::Zero, b) => (zero_like(b), b.clone()),
        (a, Val::Zero) => (a.clone(), zero_like(a)),
        (a, b) => (a.clone(), b.clone()),
    };
    let (ka, kb) = (kind(&a), kind(&b));
    if ka != kb {
        if ka == Kind::Nil || kb == Kind::Nil {
            return Ok(false);
        }
        return Err("incompatible types for comparison".into());
    }
    Ok(match (&a, &b) {
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Int(x), Val::Int(y)) => x == y,
        (Val::Float(x), Val::Float(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        _ if ka == Kind::Nil => true,
        _ => return Err(format!("non-comparable type {}: {}", a.printed(), a.type_name())),
    })
}

/// Go's `lt` ordering.
fn compare_order(a: &Val, b: &Val) -> Result<std::cmp::Ordering, String> {
    let (a, b) = match (a, b) {
        (Val::Zero, b) => (zero_like(b), b.clone()),
        (a, Val::Zero) => (a.clone(), zero_like(a)),
        (a, b) => (a.clone(), b.clone()),
    };
    match (&a, &b) {
        (Val::Int(x), Val::Int(y)) => Ok(x.cmp(y)),
        (Val::Float(x), Val::Float(y)) => x.partial_cmp(y).ok_or_else(|| "NaN is not ordered".to_string()),
        (Val::Str(x), Val::Str(y)) => Ok(x.cmp(y)),
        (Val::Bool(_), _) | (_, Val::Bool(_)) => Err("invalid type for comparison".into()),
        (x, y) if kind(x) == kind(y) && kind(x) == Kind::Other => Err("invalid type for comparison".into()),
        (Val::Missing | Val::Nil, _) | (_, Val::Missing | Val::Nil) => {
            Err("invalid type for comparison".into())
        }
        _ => Err("incompatible types for comparison".into()),
    }
}
