//! Validation of [`Telemetry`](crate::telemetry::Telemetry), as Istio's admission webhook performs it.
//!
//! Ports istio/istio `ValidateTelemetry` (`pkg/config/validation/validation.go`) plus the
//! rules the Telemetry CRD's OpenAPI schema and CEL expressions enforce at the API server
//! (`targetRefs` at most 16, `reportingInterval` at least 1ms, a `REMOVE` tag override
//! without `value`, a non-empty `formatter.value`, label values of at most 63 characters).

use crate::telemetry::{
    AccessLogging, CustomTagType, MetricMatch, Metrics, ProviderRef, TagOperation, Telemetry, Tracing,
};

use super::common::selector::{LabelValueLimit, validate_workload_selector};
use super::common::target_ref::{TargetRefWording, validate_one_of_selector_type, validate_target_ref};
use super::{Path, Report};

/// Checks a Telemetry; diagnostics go to `report`.
pub(crate) fn validate(r: &Telemetry, report: &mut Report) {
    let root = Path::Root;
    let spec_path = root.field("spec");
    let spec = &r.spec;

    let wording = TargetRefWording::Telemetry;
    let (selector, target_ref) = (spec.selector.as_ref(), spec.target_ref.as_ref());
    validate_one_of_selector_type(selector, target_ref, &spec.target_refs, &spec_path, wording, report);
    validate_workload_selector(selector, &spec_path.field("selector"), LabelValueLimit::Telemetry, report);
    if let Some(target_ref) = target_ref {
        validate_target_ref(target_ref, &spec_path.field("targetRef"), wording, report);
    }
    let refs_path = spec_path.field("targetRefs");
    if spec.target_refs.len() > 16 {
        report.error(
            &refs_path,
            format!("targetRefs has {} entries; at most 16 are allowed", spec.target_refs.len()),
        );
    }
    for (i, target_ref) in spec.target_refs.iter().enumerate() {
        validate_target_ref(target_ref, &refs_path.index(i), wording, report);
    }

    let metrics_path = spec_path.field("metrics");
    for (i, m) in spec.metrics.iter().enumerate() {
        validate_metrics(m, &metrics_path.index(i), report);
    }
    let tracing_path = spec_path.field("tracing");
    if spec.tracing.len() > 1 {
        report.warning(&tracing_path, "multiple tracing is not currently supported");
    }
    for (i, t) in spec.tracing.iter().enumerate() {
        validate_tracing(t, &tracing_path.index(i), report);
    }
    let logging_path = spec_path.field("accessLogging");
    for (i, l) in spec.access_logging.iter().enumerate() {
        validate_access_logging(l, &logging_path.index(i), report);
    }
}

/// Istio's `validateTelemetryProviders`: every provider names one.
fn validate_providers(providers: &[ProviderRef], at: &Path<'_>, report: &mut Report) {
    for (i, p) in providers.iter().enumerate() {
        if p.name.is_empty() {
            report.error(&at.index(i).field("name"), "providers.name may not be empty");
        }
    }
}

/// Istio's `validateTelemetryMetrics` and the CRD's tag override and interval rules.
fn validate_metrics(m: &Metrics, at: &Path<'_>, report: &mut Report) {
    validate_providers(&m.providers, &at.field("providers"), report);
    if let Some(d) = &m.reporting_interval
        && d.as_nanos() < 1_000_000
    {
        report.error(
            &at.field("reportingInterval"),
            format!("reportingInterval {d} must be a valid duration greater than 1ms"),
        );
    }
    let overrides = at.field("overrides");
    for (i, o) in m.overrides.iter().enumerate() {
        let op = overrides.index(i);
        let tags = op.field("tagOverrides");
        for (name, to) in &o.tag_overrides {
            let tp = tags.key(name);
            if name.is_empty() {
                report.warning(&tp, "tagOverrides.name may not be empty");
            }
            let value = to.value.as_deref();
            match to.effective_operation() {
                TagOperation::Upsert if value.unwrap_or("").is_empty() => {
                    report.error(
                        &tp.field("value"),
                        format!("tagOverrides.value of tag {name:?} must be set when operation is UPSERT"),
                    );
                }
                TagOperation::Remove if value.is_some() => {
                    report.error(
                        &tp.field("value"),
                        format!(
                            "tagOverrides.value of tag {name:?} may only be set when operation is UPSERT"
                        ),
                    );
                }
                _ => {}
            }
        }
        if let Some(sel) = &o.r#match
            && let Some(MetricMatch::CustomMetric(c)) = &sel.metric_match
            && c.is_empty()
        {
            report.error(&op.field("match").field("customMetric"), "customMetric may not be empty");
        }
    }
}

/// Istio's `validateTelemetryTracing`.
fn validate_tracing(t: &Tracing, at: &Path<'_>, report: &mut Report) {
    let providers = at.field("providers");
    if t.providers.len() > 1 {
        report.warning(&providers, "multiple providers is not currently supported");
    }
    validate_providers(&t.providers, &providers, report);
    if let Some(p) = t.random_sampling_percentage
        && !(0.0..=100.0).contains(&p)
    {
        report.error(
            &at.field("randomSamplingPercentage"),
            format!("randomSamplingPercentage {p} must be in range [0.0, 100.0]"),
        );
    }
    let tags = at.field("customTags");
    for (name, tag) in &t.custom_tags {
        let tp = tags.key(name);
        if name.is_empty() {
            report.error(&tp, "tag name may not be empty");
        }
        match &tag.tag_type {
            Some(CustomTagType::Literal(l)) if l.value.is_empty() => {
                report.error(&tp.field("literal").field("value"), "literal tag value may not be empty");
            }
            Some(CustomTagType::Header(h)) if h.name.is_empty() => {
                report.error(&tp.field("header").field("name"), "header tag name may not be empty");
            }
            Some(CustomTagType::Environment(e)) if e.name.is_empty() => {
                report.error(&tp.field("environment").field("name"), "environment tag name may not be empty");
            }
            Some(CustomTagType::Formatter(f)) if f.value.is_empty() => {
                report.error(&tp.field("formatter").field("value"), "formatter tag value may not be empty");
            }
            _ => {}
        }
    }
}

/// Istio's `validateTelemetryAccessLogging`: providers named, filter a valid CEL expression.
fn validate_access_logging(l: &AccessLogging, at: &Path<'_>, report: &mut Report) {
    if let Some(f) = &l.filter
        && let Err(e) = cel::check_syntax(&f.expression)
    {
        report.error(
            &at.field("filter").field("expression"),
            format!("filter expression {:?} must be a valid CEL expression: {e}", f.expression),
        );
    }
    validate_providers(&l.providers, &at.field("providers"), report);
}

/// A syntax check of Common Expression Language, as cel-go's `Parse` performs it with a
/// default environment (no type checking, optional syntax off): Istio only parses
/// access-log filters.
mod cel {
    /// Whether `src` parses as a CEL expression; the error says where it does not.
    pub(super) fn check_syntax(src: &str) -> Result<(), String> {
        let tokens = lex(src)?;
        let mut p = Parser { tokens, pos: 0, depth: 0 };
        p.expr()?;
        match p.peek() {
            Tok::Eof => Ok(()),
            t => Err(format!("unexpected {} after the expression", t.describe())),
        }
    }

    const RESERVED: &[&str] = &[
        "as",
        "break",
        "const",
        "continue",
        "else",
        "for",
        "function",
        "if",
        "import",
        "let",
        "loop",
        "package",
        "namespace",
        "return",
        "var",
        "void",
        "while",
    ];
    const MAX_DEPTH: usize = 250;

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Ident(String),
        /// A number, string or bytes literal, or `true`/`false`/`null`.
        Literal,
        /// An integer or float literal (which may follow a unary minus).
        Number,
        Punct(&'static str),
        Eof,
    }

    impl Tok {
        fn describe(&self) -> String {
            match self {
                Tok::Ident(s) => format!("identifier {s:?}"),
                Tok::Literal | Tok::Number => "literal".to_string(),
                Tok::Punct(p) => format!("{p:?}"),
                Tok::Eof => "end of input".to_string(),
            }
        }
    }

    const PUNCTS: &[&str] = &[
        "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", "{", "}", ".", ",", ":", "?", "!", "-", "+",
        "*", "/", "%", "<", ">",
    ];

    fn lex(src: &str) -> Result<Vec<Tok>, String> {
        let b = src.as_bytes();
        let mut i = 0;
        let mut out = Vec::new();
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_whitespace() {
                i += 1;
            } else if src[i..].starts_with("//") {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
                i = lex_number(b, i)?;
                out.push(Tok::Number);
            } else if c == b'"' || c == b'\'' {
                i = lex_string(src, i, false)?;
                out.push(Tok::Literal);
            } else if c.is_ascii_alphabetic() || c == b'_' {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let word = &src[start..i];
                let quote_follows = matches!(b.get(i), Some(b'"' | b'\''));
                let is_prefix = matches!(word.to_ascii_lowercase().as_str(), "r" | "b" | "rb" | "br");
                if quote_follows && is_prefix {
                    i = lex_string(src, i, word.contains(['r', 'R']))?;
                    out.push(Tok::Literal);
                } else if matches!(word, "true" | "false" | "null") {
                    out.push(Tok::Literal);
                } else if word == "in" {
                    out.push(Tok::Punct("in"));
                } else {
                    out.push(Tok::Ident(word.to_string()));
                }
            } else if c == b'`' {
                // Back-quoted field names, valid only in select and field-initializer position.
                let end = src[i + 1..].find('`').ok_or("unterminated back-quoted identifier")?;
                out.push(Tok::Ident(src[i + 1..i + 1 + end].to_string()));
                i += end + 2;
            } else if let Some(p) = PUNCTS.iter().find(|p| src[i..].starts_with(**p)) {
                out.push(Tok::Punct(p));
                i += p.len();
            } else {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(format!("token recognition error at column {}: {ch:?}", i + 1));
            }
        }
        out.push(Tok::Eof);
        Ok(out)
    }

    fn lex_number(b: &[u8], mut i: usize) -> Result<usize, String> {
        let digits = |b: &[u8], mut i: usize, hex: bool| {
            while i < b.len() && (b[i].is_ascii_digit() || (hex && b[i].is_ascii_hexdigit())) {
                i += 1;
            }
            i
        };
        if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X')) {
            let end = digits(b, i + 2, true);
            if end == i + 2 {
                return Err("hexadecimal literal without digits".into());
            }
            i = end;
            if matches!(b.get(i), Some(b'u' | b'U')) {
                i += 1;
            }
            return Ok(i);
        }
        i = digits(b, i, false);
        let mut float = false;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            float = true;
            i = digits(b, i + 1, false);
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            let mut j = i + 1;
            if matches!(b.get(j), Some(b'+' | b'-')) {
                j += 1;
            }
            if b.get(j).is_some_and(u8::is_ascii_digit) {
                float = true;
                i = digits(b, j, false);
            }
        }
        if !float && matches!(b.get(i), Some(b'u' | b'U')) {
            i += 1;
        }
        Ok(i)
    }

    fn lex_string(src: &str, start: usize, raw: bool) -> Result<usize, String> {
        let b = src.as_bytes();
        let q = b[start];
        let triple = b.get(start + 1) == Some(&q) && b.get(start + 2) == Some(&q);
        let mut i = start + if triple { 3 } else { 1 };
        loop {
            let Some(&c) = b.get(i) else {
                return Err(format!("unterminated string literal at column {}", start + 1));
            };
            if triple {
                if c == q && b.get(i + 1) == Some(&q) && b.get(i + 2) == Some(&q) {
                    return Ok(i + 3);
                }
            } else if c == q {
                return Ok(i + 1);
            } else if c == b'\n' || c == b'\r' {
                return Err(format!("newline in string literal at column {}", start + 1));
            }
            if c == b'\\' && !raw {
                i += 1 + escape_len(&b[i + 1..])
                    .ok_or_else(|| format!("invalid escape sequence at column {}", i + 1))?;
            } else {
                i += 1;
            }
        }
    }

    /// Length of the escape after a backslash, or `None` when it is not a CEL escape.
    fn escape_len(rest: &[u8]) -> Option<usize> {
        let hex = |n: usize| rest.len() > n && rest[1..=n].iter().all(u8::is_ascii_hexdigit);
        match rest.first()? {
            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' | b'\'' | b'"' | b'`' | b'?' => Some(1),
            b'x' | b'X' if hex(2) => Some(3),
            b'u' if hex(4) => Some(5),
            b'U' if hex(8) => Some(9),
            b'0'..=b'3' if rest.len() > 2 && rest[1..3].iter().all(|c| (b'0'..=b'7').contains(c)) => Some(3),
            _ => None,
        }
    }

    /// What an expression is, as far as macro argument checks need to know.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Shape {
        /// A simple identifier such as `x`.
        Ident,
        /// A field selection such as `a.b`.
        Select,
        /// Anything else: calls, literals, operators, indexing.
        Other,
    }

    struct Parser {
        tokens: Vec<Tok>,
        pos: usize,
        depth: usize,
    }

    type Res = Result<Shape, String>;

    impl Parser {
        fn peek(&self) -> &Tok {
            self.tokens.get(self.pos).unwrap_or(&Tok::Eof)
        }

        fn next(&mut self) -> Tok {
            let t = self.peek().clone();
            self.pos += 1;
            t
        }

        fn eat(&mut self, p: &str) -> bool {
            if matches!(self.peek(), Tok::Punct(q) if *q == p) {
                self.pos += 1;
                true
            } else {
                false
            }
        }

        fn expect(&mut self, p: &str) -> Result<(), String> {
            if self.eat(p) {
                Ok(())
            } else {
                Err(format!("expected {p:?}, found {}", self.peek().describe()))
            }
        }

        fn expr(&mut self) -> Res {
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err("expression recursion limit exceeded".into());
            }
            let mut shape = self.binary(0)?;
            if self.eat("?") {
                self.binary(0)?;
                self.expect(":")?;
                self.expr()?;
                shape = Shape::Other;
            }
            self.depth -= 1;
            Ok(shape)
        }

        /// Binary operators by precedence level: `||`, `&&`, relations, `+ -`, `* / %`.
        fn binary(&mut self, level: usize) -> Res {
            const LEVELS: &[&[&str]] =
                &[&["||"], &["&&"], &["<", "<=", ">=", ">", "==", "!=", "in"], &["+", "-"], &["*", "/", "%"]];
            let Some(ops) = LEVELS.get(level) else { return self.unary() };
            let mut shape = self.binary(level + 1)?;
            while ops.iter().any(|op| self.eat(op)) {
                self.binary(level + 1)?;
                shape = Shape::Other;
            }
            Ok(shape)
        }

        fn unary(&mut self) -> Res {
            if self.eat("!") {
                while self.eat("!") {}
                self.member()?;
                return Ok(Shape::Other);
            }
            if self.eat("-") {
                while self.eat("-") {}
                self.member()?;
                return Ok(Shape::Other);
            }
            self.member()
        }

        fn member(&mut self) -> Res {
            let (mut shape, mut qualified) = self.primary()?;
            loop {
                if self.eat(".") {
                    let name = match self.next() {
                        Tok::Ident(n) => n,
                        t => return Err(format!("expected a field name after '.', found {}", t.describe())),
                    };
                    if self.eat("(") {
                        let args = self.expr_list(")")?;
                        check_receiver_macro(&name, &args)?;
                        shape = Shape::Other;
                        qualified = false;
                    } else {
                        shape = Shape::Select;
                    }
                } else if self.eat("[") {
                    self.expr()?;
                    self.expect("]")?;
                    shape = Shape::Other;
                    qualified = false;
                } else if qualified && matches!(self.peek(), Tok::Punct("{")) {
                    self.pos += 1;
                    self.inits(Self::field_entry)?;
                    shape = Shape::Other;
                    qualified = false;
                } else {
                    return Ok(shape);
                }
            }
        }

        /// A primary expression, and whether it is a (possibly dotted) name.
        fn primary(&mut self) -> Result<(Shape, bool), String> {
            let leading_dot = self.eat(".");
            match self.next() {
                Tok::Ident(name) => {
                    if RESERVED.contains(&name.as_str()) {
                        return Err(format!("reserved identifier: {name}"));
                    }
                    if self.eat("(") {
                        let args = self.expr_list(")")?;
                        if name == "has" && !leading_dot && args.len() == 1 && args[0] != Shape::Select {
                            return Err("invalid argument to has() macro".into());
                        }
                        return Ok((Shape::Other, false));
                    }
                    Ok((Shape::Ident, true))
                }
                _ if leading_dot => Err("expected an identifier after a leading '.'".into()),
                Tok::Literal | Tok::Number => Ok((Shape::Other, false)),
                Tok::Punct("(") => {
                    self.expr()?;
                    self.expect(")")?;
                    Ok((Shape::Other, false))
                }
                Tok::Punct("[") => {
                    self.expr_list("]")?;
                    Ok((Shape::Other, false))
                }
                Tok::Punct("{") => {
                    self.inits(Self::map_entry)?;
                    Ok((Shape::Other, false))
                }
                t => Err(format!("mismatched input {}", t.describe())),
            }
        }

        /// Comma-separated expressions (a trailing comma allowed in lists) up to `close`.
        fn expr_list(&mut self, close: &str) -> Result<Vec<Shape>, String> {
            let mut shapes = Vec::new();
            if self.eat(close) {
                return Ok(shapes);
            }
            loop {
                shapes.push(self.expr()?);
                if self.eat(close) {
                    return Ok(shapes);
                }
                self.expect(",")?;
                if close == "]" && self.eat(close) {
                    return Ok(shapes);
                }
            }
        }

        /// Map (`{k: v, ...}`) or message (`Name{f: v, ...}`) initializers after the `{`, up
        /// to `}`, a trailing comma allowed; `entry` parses one `key: value`.
        fn inits(&mut self, entry: fn(&mut Self) -> Result<(), String>) -> Result<(), String> {
            if self.eat("}") {
                return Ok(());
            }
            loop {
                entry(self)?;
                if self.eat("}") {
                    return Ok(());
                }
                self.expect(",")?;
                if self.eat("}") {
                    return Ok(());
                }
            }
        }

        /// `expr: expr` in a map literal.
        fn map_entry(&mut self) -> Result<(), String> {
            self.expr()?;
            self.expect(":")?;
            self.expr()?;
            Ok(())
        }

        /// `name: expr` in a message literal.
        fn field_entry(&mut self) -> Result<(), String> {
            match self.next() {
                Tok::Ident(_) => {}
                t => return Err(format!("expected a field name, found {}", t.describe())),
            }
            self.expect(":")?;
            self.expr()?;
            Ok(())
        }
    }

    /// cel-go expands the comprehension macros at parse time; their variable must be a
    /// simple name.
    fn check_receiver_macro(name: &str, args: &[Shape]) -> Result<(), String> {
        let is_macro = match name {
            "all" | "exists" | "exists_one" | "filter" => args.len() == 2,
            "map" => args.len() == 2 || args.len() == 3,
            _ => false,
        };
        if is_macro && args[0] != Shape::Ident {
            return Err(format!("argument of {name}() must be a simple name"));
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::check_syntax;

        #[test]
        fn accepts_and_rejects_like_cel_go() {
            for ok in [
                "response.code >= 400",
                "connection.mtls && request.url_path.contains('v1beta3')",
                "response.code",
                "request.headers['x-user'] == \"admin\" ? true : false",
                "has(request.headers.foo) || [1, 2, 3,].exists(x, x > 2)",
                "{'a': 1, 'b': 2}['a'] == 1 && -1 < 0u + 1 && 1.5e3 > .5",
                "r'\\d+' != b\"\\x00\" && '''multi\nline''' != ''",
                "google.protobuf.Duration{seconds: 5} == duration('5s')",
                "!(response.code in [500, 503])",
            ] {
                assert_eq!(check_syntax(ok), Ok(()), "{ok}");
            }
            for bad in [
                ")++++",
                "",
                "a ==",
                "a = b",
                "a & b",
                "(a",
                "'unterminated",
                "has(a)",
                "[1].all(1, true)",
                "if == 1",
                "'\\q'",
                "a.?b",
            ] {
                assert!(check_syntax(bad).is_err(), "{bad:?} should be rejected");
            }
        }
    }
}
