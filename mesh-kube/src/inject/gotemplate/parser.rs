//! The parser: tokens to a tree, with the checks Go's parser makes before anything runs
//! (undefined variables and functions, misplaced `else`/`end`/`break`, `define` only at
//! the top level).

use std::collections::BTreeMap;

use super::TemplateError;
use super::funcs;
use super::lexer::{Tok, Token};

/// Nesting deeper than this (blocks, parentheses) is refused rather than risking the stack.
const MAX_NESTING: usize = 100;

/// A node of the tree.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Text(String),
    Action { line: usize, pipe: Pipe },
    If { line: usize, pipe: Pipe, list: Vec<Node>, else_list: Option<Vec<Node>> },
    With { line: usize, pipe: Pipe, list: Vec<Node>, else_list: Option<Vec<Node>> },
    Range { line: usize, pipe: Pipe, list: Vec<Node>, else_list: Option<Vec<Node>> },
    Template { line: usize, name: String, pipe: Option<Pipe> },
    Break,
    Continue,
}

/// A pipeline: an optional declaration and commands joined by `|`.
#[derive(Debug, Clone)]
pub(super) struct Pipe {
    /// Declared or assigned variables (`$x :=`, `$i, $v :=`, `$x =`).
    pub(super) decl: Vec<String>,
    /// `=` rather than `:=`.
    pub(super) assign: bool,
    pub(super) cmds: Vec<Vec<Arg>>,
}

/// An operand of a command.
#[derive(Debug, Clone)]
pub(super) enum Arg {
    /// `.A.B`.
    Field(Vec<String>),
    /// `.`.
    Dot,
    /// `$x.A.B`.
    Var(String, Vec<String>),
    /// A function name.
    Func(String),
    /// `(pipeline).A.B`.
    Pipe(Box<Pipe>, Vec<String>),
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Nil,
}

/// Why a list ended.
enum Stop {
    Eof,
    End,
    Else,
}

/// The parsed template: the main list and the `define`d templates.
pub(super) struct Parsed {
    pub(super) main: Vec<Node>,
    pub(super) defines: BTreeMap<String, Vec<Node>>,
}

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    vars: Vec<String>,
    range_depth: usize,
    depth: usize,
    defines: BTreeMap<String, Vec<Node>>,
}

fn err(line: usize, message: impl Into<String>) -> TemplateError {
    TemplateError { line, message: message.into() }
}

/// Parses the tokens of a template.
pub(super) fn parse(toks: &[Token]) -> Result<Parsed, TemplateError> {
    let mut p =
        Parser { toks, pos: 0, vars: vec!["$".into()], range_depth: 0, depth: 0, defines: BTreeMap::new() };
    let (main, stop) = p.list()?;
    match stop {
        Stop::Eof => Ok(Parsed { main, defines: p.defines }),
        Stop::End => Err(err(p.line(), "unexpected {{end}}")),
        Stop::Else => Err(err(p.line(), "unexpected {{else}}")),
    }
}

impl Parser<'_> {
    fn line(&self) -> usize {
        self.toks.get(self.pos.min(self.toks.len().saturating_sub(1))).map_or(1, |t| t.line)
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).map(|t| t.tok.clone());
        self.pos += 1;
        t
    }

    fn skip_space(&mut self) {
        while self.peek() == Some(&Tok::Space) {
            self.pos += 1;
        }
    }

    fn expect_close(&mut self, context: &str) -> Result<(), TemplateError> {
        self.skip_space();
        let line = self.line();
        match self.next() {
            Some(Tok::Close) => Ok(()),
            other => Err(err(line, format!("unexpected {} in {context}", describe(other.as_ref())))),
        }
    }

    fn enter(&mut self) -> Result<(), TemplateError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err(self.line(), format!("the template nests deeper than {MAX_NESTING} levels")));
        }
        Ok(())
    }

    fn list(&mut self) -> Result<(Vec<Node>, Stop), TemplateError> {
        let mut out = Vec::new();
        loop {
            let line = self.line();
            match self.next() {
                None => return Ok((out, Stop::Eof)),
                Some(Tok::Text(s)) => out.push(Node::Text(s)),
                Some(Tok::Open) => {
                    self.skip_space();
                    let word = match self.peek() {
                        Some(Tok::Ident(w)) => w.clone(),
                        _ => String::new(),
                    };
                    let line = self.line();
                    match word.as_str() {
                        "end" => {
                            self.pos += 1;
                            self.expect_close("end")?;
                            return Ok((out, Stop::End));
                        }
                        "else" => {
                            self.pos += 1;
                            return Ok((out, Stop::Else));
                        }
                        "if" | "with" | "range" => {
                            self.pos += 1;
                            out.push(self.control(&word, line)?);
                        }
                        "define" => {
                            self.pos += 1;
                            if self.depth > 0 {
                                return Err(err(
                                    line,
                                    "unexpected {{define}}: define is only allowed at the top level",
                                ));
                            }
                            self.define(line, false)?;
                        }
                        "block" => {
                            self.pos += 1;
                            out.push(self.define(line, true)?);
                        }
                        "template" => {
                            self.pos += 1;
                            let (name, pipe) = self.template_call(line)?;
                            out.push(Node::Template { line, name, pipe });
                        }
                        "break" | "continue" => {
                            self.pos += 1;
                            if self.range_depth == 0 {
                                return Err(err(line, format!("{{{{{word}}}}} outside {{{{range}}}}")));
                            }
                            self.expect_close(&word)?;
                            out.push(if word == "break" { Node::Break } else { Node::Continue });
                        }
                        _ => {
                            let pipe = self.pipeline("command", true)?;
                            out.push(Node::Action { line, pipe });
                        }
                    }
                }
                Some(other) => return Err(err(line, format!("unexpected {}", describe(Some(&other))))),
            }
        }
    }

    /// `if`, `with` or `range` after its keyword, through its `{{end}}`.
    fn control(&mut self, kind: &str, line: usize) -> Result<Node, TemplateError> {
        self.enter()?;
        let saved = self.vars.len();
        let pipe = self.pipeline(kind, true)?;
        if kind == "range" {
            self.range_depth += 1;
        }
        let (list, stop) = self.list()?;
        if kind == "range" {
            self.range_depth -= 1;
        }
        let else_list = match stop {
            Stop::End => None,
            Stop::Eof => {
                return Err(err(
                    self.line(),
                    format!("unexpected EOF: the {{{{{kind}}}}} at line {line} has no {{{{end}}}}"),
                ));
            }
            Stop::Else => {
                self.skip_space();
                let chained = match self.peek() {
                    Some(Tok::Ident(w)) if (w == "if" || w == "with") && kind != "range" => Some(w.clone()),
                    _ => None,
                };
                match chained {
                    // `{{else if}}` is an `if` inside the else branch, sharing the `{{end}}`.
                    Some(w) => {
                        let else_line = self.line();
                        self.pos += 1;
                        Some(vec![self.control(&w, else_line)?])
                    }
                    None => {
                        self.expect_close("else")?;
                        let (list, stop) = self.list()?;
                        match stop {
                            Stop::End => Some(list),
                            Stop::Else => return Err(err(self.line(), "expected end; found {{else}}")),
                            Stop::Eof => {
                                return Err(err(
                                    self.line(),
                                    format!(
                                        "unexpected EOF: the {{{{{kind}}}}} at line {line} has no {{{{end}}}}"
                                    ),
                                ));
                            }
                        }
                    }
                }
            }
        };
        self.vars.truncate(saved);
        self.depth -= 1;
        Ok(match kind {
            "if" => Node::If { line, pipe, list, else_list },
            "with" => Node::With { line, pipe, list, else_list },
            _ => Node::Range { line, pipe, list, else_list },
        })
    }

    fn template_name(&mut self, line: usize, what: &str) -> Result<String, TemplateError> {
        self.skip_space();
        match self.next() {
            Some(Tok::Str(s)) => Ok(s),
            other => Err(err(
                line,
                format!("unexpected {} in {what}: the name must be a string", describe(other.as_ref())),
            )),
        }
    }

    /// `template "name" [pipeline]` after the keyword.
    fn template_call(&mut self, line: usize) -> Result<(String, Option<Pipe>), TemplateError> {
        let name = self.template_name(line, "template clause")?;
        self.skip_space();
        if self.peek() == Some(&Tok::Close) {
            self.pos += 1;
            return Ok((name, None));
        }
        Ok((name, Some(self.pipeline("template clause", false)?)))
    }

    /// `define "name"` (or `block "name" pipeline`) through its `{{end}}`.
    fn define(&mut self, line: usize, block: bool) -> Result<Node, TemplateError> {
        self.enter()?;
        let (name, pipe) = if block {
            self.template_call(line)?
        } else {
            let name = self.template_name(line, "define clause")?;
            self.expect_close("define clause")?;
            (name, None)
        };
        let saved = std::mem::replace(&mut self.vars, vec!["$".into()]);
        let saved_range = std::mem::replace(&mut self.range_depth, 0);
        let (list, stop) = self.list()?;
        self.vars = saved;
        self.range_depth = saved_range;
        match stop {
            Stop::End => {}
            Stop::Else => return Err(err(self.line(), "unexpected {{else}} in define")),
            Stop::Eof => {
                return Err(err(
                    self.line(),
                    format!("unexpected EOF: the define at line {line} has no {{{{end}}}}"),
                ));
            }
        }
        self.depth -= 1;
        self.defines.insert(name.clone(), list);
        Ok(Node::Template { line, name, pipe })
    }

    /// A pipeline through the closing `}}` (or `)` when `close_delim` is false and the
    /// caller handles the end).
    fn pipeline(&mut self, context: &str, allow_decl: bool) -> Result<Pipe, TemplateError> {
        self.pipeline_until(context, allow_decl, Tok::Close)
    }

    fn pipeline_until(&mut self, context: &str, allow_decl: bool, end: Tok) -> Result<Pipe, TemplateError> {
        self.skip_space();
        let line = self.line();
        let mut decl = Vec::new();
        let mut assign = false;
        if allow_decl {
            let save = self.pos;
            let mut names = Vec::new();
            while let Some(Tok::Variable(v)) = self.peek().cloned() {
                self.pos += 1;
                self.skip_space();
                match self.peek() {
                    Some(Tok::Declare) => {
                        self.pos += 1;
                        names.push(v);
                        decl = names;
                        break;
                    }
                    Some(Tok::Assign) => {
                        self.pos += 1;
                        names.push(v);
                        assign = true;
                        decl = names;
                        break;
                    }
                    Some(Tok::Comma) if context == "range" && names.is_empty() => {
                        self.pos += 1;
                        self.skip_space();
                        names.push(v);
                    }
                    _ => break,
                }
            }
            if decl.is_empty() {
                self.pos = save;
            } else if decl.len() > 1 && assign {
                return Err(err(line, "range can only assign one variable with ="));
            }
            if assign {
                for v in &decl {
                    if !self.vars.contains(v) {
                        return Err(err(line, format!("undefined variable {v:?}")));
                    }
                }
            }
        }
        let mut cmds = Vec::new();
        loop {
            self.skip_space();
            let cmd = self.command()?;
            if cmd.is_empty() {
                let what = if cmds.is_empty() {
                    format!("missing value for {context}")
                } else {
                    "missing command after |".into()
                };
                return Err(err(self.line(), what));
            }
            cmds.push(cmd);
            self.skip_space();
            match self.next() {
                Some(Tok::Pipe) => continue,
                Some(t) if t == end => break,
                other => {
                    return Err(err(
                        self.line(),
                        format!("unexpected {} in {context}", describe(other.as_ref())),
                    ));
                }
            }
        }
        if !assign {
            self.vars.extend(decl.iter().cloned());
        }
        Ok(Pipe { decl, assign, cmds })
    }

    /// The operands of one command, up to `|`, `}}` or `)` (not consumed).
    fn command(&mut self) -> Result<Vec<Arg>, TemplateError> {
        let mut args = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None | Some(Tok::Pipe | Tok::Close | Tok::RParen) => return Ok(args),
                _ => {}
            }
            let arg = self.operand()?;
            args.push(arg);
            match self.peek() {
                None | Some(Tok::Space | Tok::Pipe | Tok::Close | Tok::RParen) => {}
                other => {
                    return Err(err(self.line(), format!("unexpected {} in operand", describe(other))));
                }
            }
        }
    }

    fn fields(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Some(Tok::Field(f)) = self.peek() {
            out.push(f.clone());
            self.pos += 1;
        }
        out
    }

    fn operand(&mut self) -> Result<Arg, TemplateError> {
        let line = self.line();
        let tok = self.next();
        let arg = match tok {
            Some(Tok::Field(f)) => {
                let mut chain = vec![f];
                chain.extend(self.fields());
                return Ok(Arg::Field(chain));
            }
            Some(Tok::Dot) => Arg::Dot,
            Some(Tok::Variable(v)) => {
                if !self.vars.contains(&v) {
                    return Err(err(line, format!("undefined variable {v:?}")));
                }
                return Ok(Arg::Var(v, self.fields()));
            }
            Some(Tok::LParen) => {
                self.enter()?;
                let pipe = self.pipeline_until("parenthesized pipeline", true, Tok::RParen)?;
                self.depth -= 1;
                return Ok(Arg::Pipe(Box::new(pipe), self.fields()));
            }
            Some(Tok::Str(s)) => Arg::Str(s),
            Some(Tok::Char(c)) => Arg::Int(c),
            Some(Tok::Number(n)) => number(&n, line)?,
            Some(Tok::Ident(name)) => match name.as_str() {
                "true" => Arg::Bool(true),
                "false" => Arg::Bool(false),
                "nil" => Arg::Nil,
                "if" | "else" | "end" | "range" | "with" | "define" | "template" | "block" | "break"
                | "continue" => {
                    return Err(err(line, format!("unexpected <{name}> in operand")));
                }
                _ if funcs::exists(&name) => Arg::Func(name),
                _ => {
                    return Err(err(
                        line,
                        format!("function {name:?} not defined (or not in meshkit's subset)"),
                    ));
                }
            },
            other => return Err(err(line, format!("unexpected {} in operand", describe(other.as_ref())))),
        };
        if let Some(Tok::Field(_)) = self.peek() {
            return Err(err(line, "unexpected . after term"));
        }
        Ok(arg)
    }
}

/// A number literal: floats when written with a fraction or exponent, else integers.
fn number(text: &str, line: usize) -> Result<Arg, TemplateError> {
    let bad = || err(line, format!("illegal number syntax: {text:?}"));
    let clean = text.replace('_', "");
    let (neg, body) = match clean.as_bytes().first() {
        Some(b'-') => (true, &clean[1..]),
        Some(b'+') => (false, &clean[1..]),
        _ => (false, clean.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let radix = [("0x", 16), ("0o", 8), ("0b", 2)].into_iter().find(|(p, _)| lower.starts_with(p));
    if let Some((_, radix)) = radix {
        let v = i64::from_str_radix(&body[2..], radix).map_err(|_| bad())?;
        return Ok(Arg::Int(if neg { -v } else { v }));
    }
    if body.contains(['.', 'e', 'E']) {
        let v: f64 = body.parse().map_err(|_| bad())?;
        return Ok(Arg::Float(if neg { -v } else { v }));
    }
    // Go reads a leading 0 as octal.
    let v = if body.len() > 1 && body.starts_with('0') {
        i64::from_str_radix(&body[1..], 8).map_err(|_| bad())?
    } else {
        body.parse::<i64>().map_err(|_| bad())?
    };
    Ok(Arg::Int(if neg { -v } else { v }))
}

fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "EOF".into(),
        Some(Tok::Text(_)) => "text".into(),
        Some(Tok::Open) => "{{".into(),
        Some(Tok::Close) => "}}".into(),
        Some(Tok::Space) => "space".into(),
        Some(Tok::Pipe) => "|".into(),
        Some(Tok::LParen) => "(".into(),
        Some(Tok::RParen) => ")".into(),
        Some(Tok::Comma) => ",".into(),
        Some(Tok::Declare) => ":=".into(),
        Some(Tok::Assign) => "=".into(),
        Some(Tok::Str(s)) => format!("{s:?}"),
        Some(Tok::Char(c)) => format!("character {c}"),
        Some(Tok::Number(n)) | Some(Tok::Ident(n)) => format!("<{n}>"),
        Some(Tok::Field(f)) => format!("<.{f}>"),
        Some(Tok::Variable(v)) => format!("<{v}>"),
        Some(Tok::Dot) => "<.>".into(),
    }
}
