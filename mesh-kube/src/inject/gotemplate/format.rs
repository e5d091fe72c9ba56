//! Text forms Go produces: `strconv.Quote`, `fmt.Sprintf`, `encoding/json` and the YAML of
//! `sigs.k8s.io/yaml` (go-yaml v2), for the values a template holds.

use super::value::{Val, go_float};

/// Go's `strconv.Quote`.
pub(super) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `fmt.Sprint`: a space between operands when neither is a string.
pub(super) fn sprint(args: &[Val]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        let is_str = |v: &Val| matches!(v, Val::Str(_));
        if i > 0 && !is_str(a) && !is_str(&args[i - 1]) {
            out.push(' ');
        }
        a.print_to(&mut out);
    }
    out
}

/// Go's `fmt.Sprintln`: spaces between all operands, then a newline.
pub(super) fn sprintln(args: &[Val]) -> String {
    let parts: Vec<String> = args.iter().map(Val::printed).collect();
    format!("{}\n", parts.join(" "))
}

/// `%!verb(type=value)`: an operand the verb cannot print.
fn bad_verb(verb: char, a: &Val) -> String {
    match a {
        Val::Missing | Val::Nil => format!("%!{verb}(<nil>)"),
        a => format!("%!{verb}({}={})", a.type_name(), a.printed()),
    }
}

struct Spec {
    minus: bool,
    plus: bool,
    zero: bool,
    space: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

fn pad(s: String, spec: &Spec, numeric: bool) -> String {
    let Some(w) = spec.width else { return s };
    let n = s.chars().count();
    if n >= w {
        return s;
    }
    let fill = w - n;
    if spec.minus {
        format!("{s}{}", " ".repeat(fill))
    } else if spec.zero && numeric {
        let (sign, digits) = if s.starts_with(['-', '+']) { s.split_at(1) } else { ("", s.as_str()) };
        format!("{sign}{}{digits}", "0".repeat(fill))
    } else {
        format!("{}{s}", " ".repeat(fill))
    }
}

fn signed(s: String, negative: bool, spec: &Spec) -> String {
    if negative {
        s
    } else if spec.plus {
        format!("+{s}")
    } else if spec.space {
        format!(" {s}")
    } else {
        s
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%v %s %q %d %t %f %e %g %x %X %o %b
/// %c %%`, flags `-+0 ` (and `#`, ignored), width and precision; widths above `max` are
/// refused.
pub(super) fn sprintf(format: &str, args: &[Val], max: usize) -> Result<String, String> {
    let mut out = String::new();
    let mut next = 0usize;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec { minus: false, plus: false, zero: false, space: false, width: None, prec: None };
        while let Some(&f) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '0' => spec.zero = true,
                ' ' => spec.space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let num = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Option<usize> {
            let mut n: Option<usize> = None;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(d as usize));
                chars.next();
            }
            n
        };
        spec.width = num(&mut chars);
        if chars.peek() == Some(&'.') {
            chars.next();
            spec.prec = Some(num(&mut chars).unwrap_or(0));
        }
        if spec.width.unwrap_or(0) > max || spec.prec.unwrap_or(0) > max {
            return Err(format!("a printf width or precision above {max} is not supported"));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(a) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        out.push_str(&one(verb, a, &spec));
        if out.len() > max {
            return Err(format!("the printf result exceeds {max} bytes"));
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| if a.is_nil() { "<nil>".into() } else { format!("{}={}", a.type_name(), a.printed()) })
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    Ok(out)
}

fn one(verb: char, a: &Val, spec: &Spec) -> String {
    let truncate = |s: String| match spec.prec {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    };
    match (verb, a) {
        ('v', Val::Float(f)) | ('g', Val::Float(f)) if spec.prec.is_none() => {
            pad(signed(go_float(*f), *f < 0.0, spec), spec, true)
        }
        ('v', Val::Int(i)) | ('d', Val::Int(i)) => pad(signed(i.to_string(), *i < 0, spec), spec, true),
        ('v', a) => pad(a.printed(), spec, false),
        ('s', Val::Str(s)) => pad(truncate(s.clone()), spec, false),
        ('s', a @ (Val::List(_) | Val::Map(..))) => pad(a.printed(), spec, false),
        ('q', Val::Str(s)) => pad(go_quote(s), spec, false),
        ('q', Val::Int(i)) => {
            let c = u32::try_from(*i).ok().and_then(char::from_u32).unwrap_or('\u{fffd}');
            let q = go_quote(&c.to_string());
            pad(format!("'{}'", &q[1..q.len() - 1].replace("\\\"", "\"")), spec, false)
        }
        ('t', Val::Bool(b)) => pad(b.to_string(), spec, false),
        ('f' | 'F', Val::Float(f)) => {
            pad(signed(format!("{:.*}", spec.prec.unwrap_or(6), f), *f < 0.0, spec), spec, true)
        }
        ('e', Val::Float(f)) => pad(signed(go_exp(*f, spec.prec.unwrap_or(6)), *f < 0.0, spec), spec, true),
        ('x', Val::Int(i)) => pad(signed(hex_signed(*i, false), *i < 0, spec), spec, true),
        ('X', Val::Int(i)) => pad(signed(hex_signed(*i, true), *i < 0, spec), spec, true),
        ('x', Val::Str(s)) => pad(s.bytes().map(|b| format!("{b:02x}")).collect(), spec, false),
        ('X', Val::Str(s)) => pad(s.bytes().map(|b| format!("{b:02X}")).collect(), spec, false),
        ('o', Val::Int(i)) => {
            pad(if *i < 0 { format!("-{:o}", i.unsigned_abs()) } else { format!("{i:o}") }, spec, true)
        }
        ('b', Val::Int(i)) => {
            pad(if *i < 0 { format!("-{:b}", i.unsigned_abs()) } else { format!("{i:b}") }, spec, true)
        }
        ('c', Val::Int(i)) => pad(
            u32::try_from(*i).ok().and_then(char::from_u32).unwrap_or('\u{fffd}').to_string(),
            spec,
            false,
        ),
        (verb, a) => bad_verb(verb, a),
    }
}

fn hex_signed(i: i64, upper: bool) -> String {
    let s = if upper { format!("{:X}", i.unsigned_abs()) } else { format!("{:x}", i.unsigned_abs()) };
    if i < 0 { format!("-{s}") } else { s }
}

/// `%e` with a precision: `1.500000e+00`.
fn go_exp(f: f64, prec: usize) -> String {
    let e = format!("{f:.prec$e}");
    let (m, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// `encoding/json`'s `Marshal`: keys sorted, `<`, `>` and `&` escaped; `None` for values
/// JSON cannot hold (NaN, infinities).
pub(super) fn to_json(v: &Val) -> Option<String> {
    let mut out = String::new();
    json_into(v, &mut out, None, 0)?;
    Some(out)
}

/// `json.MarshalIndent(v, "", "  ")`, as sprig's `toPrettyJson`.
pub(super) fn to_pretty_json(v: &Val) -> Option<String> {
    let mut out = String::new();
    json_into(v, &mut out, Some("  "), 0)?;
    Some(out)
}

fn json_into(v: &Val, out: &mut String, indent: Option<&str>, level: usize) -> Option<()> {
    let newline = |out: &mut String, level: usize| {
        if let Some(ind) = indent {
            out.push('\n');
            out.push_str(&ind.repeat(level));
        }
    };
    match v {
        Val::Missing | Val::Nil | Val::Zero => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Int(i) => out.push_str(&i.to_string()),
        Val::Float(f) => out.push_str(&json_float(*f)?),
        Val::Str(s) => json_string(s, out),
        Val::List(l) if l.is_empty() => out.push_str("[]"),
        Val::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                json_into(x, out, indent, level + 1)?;
            }
            newline(out, level);
            out.push(']');
        }
        Val::Map(m, _) if m.is_empty() => out.push_str("{}"),
        Val::Map(m, _) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, level + 1);
                json_string(k, out);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                json_into(x, out, indent, level + 1)?;
            }
            newline(out, level);
            out.push('}');
        }
    }
    Some(())
}

/// A float64 as `encoding/json` writes it: plain unless the exponent is below -6 or at
/// least 21.
fn json_float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let e = format!("{f:e}");
        let (m, exp) = e.split_once('e').unwrap_or((&e, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        return Some(format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs()).replace("e-0", "e-"));
    }
    Some(format!("{f}"))
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

// === YAML ===

/// `sigs.k8s.io/yaml`'s `Marshal`: block style, keys sorted, lists at their key's
/// indentation, strings quoted when plain would change their meaning.
pub(super) fn to_yaml(v: &Val) -> String {
    let mut out = String::new();
    match v {
        Val::List(l) if !l.is_empty() => block(v, 0, false, &mut out),
        Val::Map(m, _) if !m.is_empty() => block(v, 0, false, &mut out),
        scalar => {
            out.push_str(&yaml_scalar(scalar, 2));
            out.push('\n');
        }
    }
    out
}

fn is_block(v: &Val) -> bool {
    match v {
        Val::List(l) => !l.is_empty(),
        Val::Map(m, _) => !m.is_empty(),
        _ => false,
    }
}

/// A non-empty map or list, each line at `indent`; the first line's indentation is
/// already written when `inline` (after `- `).
fn block(v: &Val, indent: usize, inline: bool, out: &mut String) {
    let pad = " ".repeat(indent);
    let mut first = true;
    let mut start = |out: &mut String| {
        if !(first && inline) {
            out.push_str(&pad);
        }
        first = false;
    };
    match v {
        Val::Map(m, _) => {
            for (k, x) in m.iter() {
                start(out);
                out.push_str(&yaml_string(k, indent + 2));
                out.push(':');
                match x {
                    Val::Map(..) if is_block(x) => {
                        out.push('\n');
                        block(x, indent + 2, false, out);
                    }
                    Val::List(_) if is_block(x) => {
                        out.push('\n');
                        block(x, indent, false, out);
                    }
                    x => {
                        out.push(' ');
                        out.push_str(&yaml_scalar(x, indent + 2));
                        out.push('\n');
                    }
                }
            }
        }
        Val::List(l) => {
            for x in l.iter() {
                start(out);
                out.push_str("- ");
                if is_block(x) {
                    block(x, indent + 2, true, out);
                } else {
                    out.push_str(&yaml_scalar(x, indent + 2));
                    out.push('\n');
                }
            }
        }
        _ => {}
    }
}

fn yaml_scalar(v: &Val, indent: usize) -> String {
    match v {
        Val::Missing | Val::Nil | Val::Zero => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Val::Float(f) => go_float(*f),
        Val::Str(s) => yaml_string(s, indent),
        Val::List(_) => "[]".into(),
        Val::Map(..) => "{}".into(),
    }
}

/// Would a plain scalar read back as something other than this string (YAML 1.1 as
/// go-yaml v2 resolves it)?
fn resolves_to_other(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "" | "~"
            | "null"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
    ) || s.replace('_', "").parse::<f64>().is_ok()
        || s.starts_with("0x") && i64::from_str_radix(&s[2..], 16).is_ok()
}

/// Whether a string may be written plain (go-yaml's emitter analysis, simplified).
fn plain_allowed(s: &str) -> bool {
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        && !(matches!(first, '-' | '?' | ':') && s.len() > 1 && !s[1..].starts_with(' '))
    {
        return false;
    }
    !(s.starts_with(' ')
        || s.ends_with(' ')
        || s.ends_with(':')
        || s.contains(": ")
        || s.contains(" #")
        || s.contains(['\n', '\t', '\r'])
        || s.starts_with("- ")
        || s.chars().any(|c| c.is_control()))
}

fn yaml_string(s: &str, indent: usize) -> String {
    if resolves_to_other(s) {
        return go_quote(s);
    }
    if s.contains('\n') && !s.starts_with([' ', '\n']) && !s.chars().any(|c| c.is_control() && c != '\n') {
        let chomp = if s.ends_with("\n\n") {
            "+"
        } else if s.ends_with('\n') {
            ""
        } else {
            "-"
        };
        let body = s.strip_suffix('\n').unwrap_or(s);
        let pad = " ".repeat(indent);
        let lines: Vec<String> = body
            .split('\n')
            .map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") })
            .collect();
        return format!("|{chomp}\n{}", lines.join("\n"));
    }
    if plain_allowed(s) {
        return s.to_string();
    }
    if !s.chars().any(|c| c.is_control()) {
        return format!("'{}'", s.replace('\'', "''"));
    }
    go_quote(s)
}

/// Go's `time.Duration.String` for a protobuf JSON duration (`"90s"` is `1m30s`).
pub(super) fn go_duration(proto: &str) -> Option<String> {
    let body = proto.strip_suffix('s')?;
    let (neg, body) = match body.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (secs, frac) = body.split_once('.').unwrap_or((body, ""));
    if frac.len() > 9
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let secs: u128 = if secs.is_empty() { 0 } else { secs.parse().ok()? };
    let frac: u128 = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse().ok()? };
    let nanos = secs.checked_mul(1_000_000_000)?.checked_add(frac)?;
    let sign = if neg && nanos > 0 { "-" } else { "" };
    let trim = |v: u128, unit: u128, digits: usize| -> String {
        let whole = v / unit;
        let rest = v % unit;
        if rest == 0 {
            whole.to_string()
        } else {
            let f = format!("{rest:0digits$}");
            format!("{whole}.{}", f.trim_end_matches('0'))
        }
    };
    Some(if nanos == 0 {
        "0s".into()
    } else if nanos < 1_000 {
        format!("{sign}{nanos}ns")
    } else if nanos < 1_000_000 {
        format!("{sign}{}µs", trim(nanos, 1_000, 3))
    } else if nanos < 1_000_000_000 {
        format!("{sign}{}ms", trim(nanos, 1_000_000, 6))
    } else {
        let total_secs = nanos / 1_000_000_000;
        let (h, m) = (total_secs / 3600, (total_secs % 3600) / 60);
        let s = trim(nanos % 60_000_000_000, 1_000_000_000, 9);
        match (h, m) {
            (0, 0) => format!("{sign}{s}s"),
            (0, m) => format!("{sign}{m}m{s}s"),
            (h, m) => format!("{sign}{h}h{m}m{s}s"),
        }
    })
}
