//! The lexer: template text to tokens, as Go's `text/template/parse` lexes it. Text
//! between actions becomes one token (trim markers applied); comments vanish; inside an
//! action, spaces (newlines included) are significant as separators.

use super::TemplateError;

/// A token.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// Literal text.
    Text(String),
    /// `{{`.
    Open,
    /// `}}`.
    Close,
    /// A run of spaces, tabs and newlines inside an action.
    Space,
    /// `|`.
    Pipe,
    /// `(`.
    LParen,
    /// `)`.
    RParen,
    /// `,` (in `range $i, $v :=`).
    Comma,
    /// `:=`.
    Declare,
    /// `=`.
    Assign,
    /// A quoted or raw string, unquoted.
    Str(String),
    /// A character constant, as its code point.
    Char(i64),
    /// A number, as written.
    Number(String),
    /// A function name or keyword.
    Ident(String),
    /// `.Name`.
    Field(String),
    /// `$` or `$name`.
    Variable(String),
    /// `.` alone.
    Dot,
}

/// A token and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) tok: Tok,
    pub(super) line: usize,
}

/// Go's `isSpace`: what may follow a left trim marker or precede a right one.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn err(line: usize, message: impl Into<String>) -> TemplateError {
    TemplateError { line, message: message.into() }
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    line: usize,
    out: Vec<Token>,
}

/// Lexes a whole template.
pub(super) fn lex(src: &str) -> Result<Vec<Token>, TemplateError> {
    let mut lx = Lexer { src, pos: 0, line: 1, out: Vec::new() };
    let mut trim_next = false;
    loop {
        let rest = &src[lx.pos..];
        let open = rest.find("{{");
        let raw = &rest[..open.unwrap_or(rest.len())];
        let left_trim = open.is_some_and(|i| {
            let after = rest.as_bytes();
            after.get(i + 2) == Some(&b'-') && after.get(i + 3).is_some_and(|c| is_space(*c))
        });
        let mut text = raw;
        if trim_next {
            text = text.trim_start_matches([' ', '\t', '\r', '\n']);
        }
        if left_trim {
            text = text.trim_end_matches([' ', '\t', '\r', '\n']);
        }
        let text_line = lx.line
            + raw[..raw.len() - raw.trim_start_matches([' ', '\t', '\r', '\n']).len()].matches('\n').count()
                * usize::from(trim_next);
        if !text.is_empty() {
            lx.out.push(Token { tok: Tok::Text(text.to_string()), line: text_line });
        }
        lx.line += raw.matches('\n').count();
        let Some(i) = open else { break };
        lx.pos += i + 2 + if left_trim { 2 } else { 0 };
        if left_trim {
            // The space after the marker may be a newline.
            lx.line += usize::from(src.as_bytes()[lx.pos - 1] == b'\n');
        }
        trim_next = if src[lx.pos..].starts_with("/*") { lx.comment()? } else { lx.action()? };
    }
    Ok(lx.out)
}

impl Lexer<'_> {
    fn bytes(&self) -> &[u8] {
        &self.src.as_bytes()[self.pos..]
    }

    /// At `}}` or ` -}}`: consumes it and says whether it trims.
    fn close(&mut self) -> Option<bool> {
        let b = self.bytes();
        if b.starts_with(b"}}") {
            self.pos += 2;
            return Some(false);
        }
        if b.len() >= 4 && is_space(b[0]) && &b[1..4] == b"-}}" {
            self.line += usize::from(b[0] == b'\n');
            self.pos += 4;
            return Some(true);
        }
        None
    }

    fn comment(&mut self) -> Result<bool, TemplateError> {
        let start = self.line;
        let body = &self.src[self.pos + 2..];
        let Some(end) = body.find("*/") else { return Err(err(start, "unclosed comment")) };
        self.line += body[..end].matches('\n').count();
        self.pos += 2 + end + 2;
        self.close().ok_or_else(|| err(self.line, "comment ends before closing delimiter"))
    }

    fn push(&mut self, tok: Tok, line: usize) {
        self.out.push(Token { tok, line });
    }

    fn action(&mut self) -> Result<bool, TemplateError> {
        self.push(Tok::Open, self.line);
        loop {
            if let Some(trim) = self.close() {
                self.push(Tok::Close, self.line);
                return Ok(trim);
            }
            let line = self.line;
            let Some(c) = self.src[self.pos..].chars().next() else {
                return Err(err(line, "unclosed action"));
            };
            match c {
                ' ' | '\t' | '\r' | '\n' => {
                    let n = self.bytes().iter().take_while(|c| is_space(**c)).count();
                    // The space that starts ` -}}` belongs to the delimiter.
                    let n = if self.bytes()[n..].starts_with(b"-}}") { n - 1 } else { n };
                    self.line += self.src[self.pos..self.pos + n].matches('\n').count();
                    self.pos += n;
                    if n > 0 {
                        self.push(Tok::Space, line);
                    }
                }
                '=' => self.single(Tok::Assign, line),
                ':' => {
                    if !self.bytes().starts_with(b":=") {
                        return Err(err(line, "expected :="));
                    }
                    self.pos += 2;
                    self.push(Tok::Declare, line);
                }
                '|' => self.single(Tok::Pipe, line),
                '(' => self.single(Tok::LParen, line),
                ')' => self.single(Tok::RParen, line),
                ',' => self.single(Tok::Comma, line),
                '"' => {
                    let s = self.quoted()?;
                    self.push(Tok::Str(s), line);
                }
                '`' => {
                    let body = &self.src[self.pos + 1..];
                    let Some(end) = body.find('`') else {
                        return Err(err(line, "unterminated raw quoted string"));
                    };
                    let s = body[..end].to_string();
                    self.line += s.matches('\n').count();
                    self.pos += end + 2;
                    self.push(Tok::Str(s.replace('\r', "")), line);
                }
                '\'' => {
                    let c = self.char_constant()?;
                    self.push(Tok::Char(c), line);
                }
                '$' => {
                    let name = self.word(1);
                    self.pos += name.len();
                    self.push(Tok::Variable(name), line);
                }
                '.' => {
                    let next = self.src[self.pos + 1..].chars().next();
                    if next.is_some_and(|c| c.is_ascii_digit()) {
                        self.number(line)?;
                    } else if next.is_some_and(is_alnum) {
                        let name = self.word(1);
                        self.pos += name.len();
                        self.push(Tok::Field(name[1..].to_string()), line);
                    } else {
                        self.single(Tok::Dot, line);
                    }
                }
                '+' | '-' | '0'..='9' => self.number(line)?,
                c if is_alnum(c) => {
                    let name = self.word(0);
                    self.pos += name.len();
                    self.push(Tok::Ident(name), line);
                }
                c => return Err(err(line, format!("unrecognized character in action: {c:?}"))),
            }
        }
    }

    fn single(&mut self, tok: Tok, line: usize) {
        self.pos += 1;
        self.push(tok, line);
    }

    /// The word at the cursor: `skip` leading characters, then letters, digits and `_`.
    fn word(&self, skip: usize) -> String {
        let rest = &self.src[self.pos..];
        let len = rest[skip..].find(|c: char| !is_alnum(c)).map_or(rest.len(), |i| i + skip);
        rest[..len].to_string()
    }

    fn number(&mut self, line: usize) -> Result<(), TemplateError> {
        let rest = &self.src[self.pos..];
        let b = rest.as_bytes();
        let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
        let mut digits = "0123456789_";
        if b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) {
            i += 2;
            digits = match b[i - 1] {
                b'x' | b'X' => "0123456789abcdefABCDEF_",
                b'o' | b'O' => "01234567_",
                _ => "01_",
            };
        }
        let run = |i: &mut usize, set: &str| {
            while b.get(*i).is_some_and(|c| set.as_bytes().contains(c)) {
                *i += 1;
            }
        };
        run(&mut i, digits);
        if b.get(i) == Some(&b'.') {
            i += 1;
            run(&mut i, digits);
        }
        let exp = if digits.len() > 20 { b"pP".as_slice() } else { b"eEpP".as_slice() };
        if b.get(i).is_some_and(|c| exp.contains(c)) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            run(&mut i, "0123456789_");
        }
        let end = rest[i..].chars().next();
        if end.is_some_and(|c| is_alnum(c) || c == '.') || i == 0 {
            let bad: String = rest.chars().take_while(|c| is_alnum(*c) || "+-.".contains(*c)).collect();
            return Err(err(line, format!("bad number syntax: {bad:?}")));
        }
        self.push(Tok::Number(rest[..i].to_string()), line);
        self.pos += i;
        Ok(())
    }

    /// A `"..."` string with Go's escapes.
    fn quoted(&mut self) -> Result<String, TemplateError> {
        let line = self.line;
        let mut out = String::new();
        let mut chars = self.src[self.pos + 1..].char_indices();
        loop {
            let Some((i, c)) = chars.next() else { return Err(err(line, "unterminated quoted string")) };
            match c {
                '"' => {
                    self.pos += 1 + i + 1;
                    return Ok(out);
                }
                '\n' => return Err(err(line, "unterminated quoted string")),
                '\\' => out.push(escape(&mut chars, '"', line)?),
                c => out.push(c),
            }
        }
    }

    fn char_constant(&mut self) -> Result<i64, TemplateError> {
        let line = self.line;
        let mut chars = self.src[self.pos + 1..].char_indices();
        let c = match chars.next() {
            Some((_, '\\')) => escape(&mut chars, '\'', line)?,
            Some((_, c)) if c != '\'' && c != '\n' => c,
            _ => return Err(err(line, "malformed character constant")),
        };
        match chars.next() {
            Some((i, '\'')) => {
                self.pos += 1 + i + 1;
                Ok(i64::from(u32::from(c)))
            }
            _ => Err(err(line, "unterminated character constant")),
        }
    }
}

/// One escape sequence after `\` (Go's `strconv.UnquoteChar`).
fn escape(chars: &mut std::str::CharIndices<'_>, quote: char, line: usize) -> Result<char, TemplateError> {
    let bad = || err(line, "invalid syntax in quoted string: bad escape sequence");
    let (_, c) = chars.next().ok_or_else(bad)?;
    let hex = |chars: &mut std::str::CharIndices<'_>, n: usize, radix: u32| -> Result<u32, TemplateError> {
        let mut v = 0u32;
        for _ in 0..n {
            let (_, d) = chars.next().ok_or_else(bad)?;
            v = v * radix + d.to_digit(radix).ok_or_else(bad)?;
        }
        Ok(v)
    };
    let code = match c {
        'a' => 7,
        'b' => 8,
        'f' => 12,
        'n' => 10,
        'r' => 13,
        't' => 9,
        'v' => 11,
        '\\' => 92,
        c if c == quote => u32::from(c),
        'x' => {
            let v = hex(chars, 2, 16)?;
            if v > 0x7f {
                return Err(err(
                    line,
                    "a \\x escape above \\x7f is not valid UTF-8, which meshkit's templates do not support",
                ));
            }
            v
        }
        'u' => hex(chars, 4, 16)?,
        'U' => hex(chars, 8, 16)?,
        '0'..='7' => {
            let rest = hex(chars, 2, 8)?;
            let v = c.to_digit(8).unwrap_or(0) * 64 + rest;
            if v > 0x7f {
                return Err(err(
                    line,
                    "an octal escape above \\177 is not valid UTF-8, which meshkit's templates do not support",
                ));
            }
            v
        }
        _ => return Err(bad()),
    };
    char::from_u32(code).ok_or_else(bad)
}
