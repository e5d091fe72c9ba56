//! The evaluator: walks the tree with a dot and a variable stack, as Go's
//! `text/template` executes it.

use std::collections::BTreeMap;

use super::parser::{Arg, Node, Pipe};
use super::value::{MapKind, Val};
use super::{TemplateError, funcs};

/// Steps (nodes and commands) one execution may take: a template loop cannot hang a caller.
const MAX_STEPS: u64 = 1_000_000;
/// Nested `{{template}}` calls.
const MAX_DEPTH: usize = 100;
/// The largest output.
pub(super) const MAX_OUTPUT: usize = 4 << 20;

enum Flow {
    Normal,
    Break,
    Continue,
}

pub(super) struct Exec<'t> {
    defines: &'t BTreeMap<String, Vec<Node>>,
    vars: Vec<(String, Val)>,
    pub(super) out: String,
    steps: u64,
    depth: usize,
    line: usize,
}

type R<T> = Result<T, TemplateError>;

impl<'t> Exec<'t> {
    pub(super) fn new(defines: &'t BTreeMap<String, Vec<Node>>, root: &Val) -> Self {
        Exec {
            defines,
            vars: vec![("$".into(), root.clone())],
            out: String::new(),
            steps: 0,
            depth: 0,
            line: 1,
        }
    }

    fn err(&self, message: impl Into<String>) -> TemplateError {
        TemplateError { line: self.line, message: message.into() }
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.err(format!("the template takes more than {MAX_STEPS} steps")));
        }
        Ok(())
    }

    fn write(&mut self, s: &str) -> R<()> {
        if self.out.len() + s.len() > MAX_OUTPUT {
            return Err(self.err(format!("the output exceeds {MAX_OUTPUT} bytes")));
        }
        self.out.push_str(s);
        Ok(())
    }

    pub(super) fn run(&mut self, dot: &Val, list: &[Node]) -> R<()> {
        self.walk(dot, list).map(|_| ())
    }

    fn walk(&mut self, dot: &Val, list: &[Node]) -> R<Flow> {
        for node in list {
            self.step()?;
            match node {
                Node::Text(s) => self.write(s)?,
                Node::Action { line, pipe } => {
                    self.line = *line;
                    let v = self.pipeline(dot, pipe)?;
                    if pipe.decl.is_empty() {
                        let s = match v {
                            Val::Missing => "<no value>".to_string(),
                            v => v.printed(),
                        };
                        self.write(&s)?;
                    }
                }
                Node::If { line, pipe, list, else_list } | Node::With { line, pipe, list, else_list } => {
                    self.line = *line;
                    let mark = self.vars.len();
                    let v = self.pipeline(dot, pipe)?;
                    let with = matches!(node, Node::With { .. });
                    let flow = if v.truth() {
                        self.walk(if with { &v } else { dot }, list)?
                    } else if let Some(e) = else_list {
                        self.walk(dot, e)?
                    } else {
                        Flow::Normal
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range { line, pipe, list, else_list } => {
                    self.line = *line;
                    self.range(dot, pipe, list, else_list.as_deref())?;
                }
                Node::Template { line, name, pipe } => {
                    self.line = *line;
                    let arg = match pipe {
                        Some(p) => self.pipeline(dot, p)?,
                        None => Val::Missing,
                    };
                    let Some(body) = self.defines.get(name) else {
                        return Err(self.err(format!("no such template {name:?}")));
                    };
                    if self.depth >= MAX_DEPTH {
                        return Err(self.err(format!("exceeded maximum template depth ({MAX_DEPTH})")));
                    }
                    let saved = std::mem::replace(&mut self.vars, vec![("$".into(), arg.clone())]);
                    self.depth += 1;
                    let result = self.walk(&arg, body);
                    self.depth -= 1;
                    self.vars = saved;
                    result?;
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn range(&mut self, dot: &Val, pipe: &Pipe, list: &[Node], else_list: Option<&[Node]>) -> R<()> {
        // The range's own variables are set per element, not by the pipeline.
        let mark = self.vars.len();
        let decl = &pipe.decl;
        let v = self.pipeline_value(dot, pipe)?;
        let items: Vec<(Val, Val)> = match &v {
            Val::List(l) => l.iter().enumerate().map(|(i, x)| (Val::Int(i as i64), x.clone())).collect(),
            Val::Map(m, _) => m.iter().map(|(k, x)| (Val::Str(k.clone()), x.clone())).collect(),
            Val::Int(n) => {
                if *n > MAX_STEPS as i64 {
                    return Err(self.err(format!("the range over {n} takes more than {MAX_STEPS} steps")));
                }
                (0..*n).map(|i| (Val::Int(i), Val::Int(i))).collect()
            }
            Val::Missing | Val::Nil | Val::Zero => Vec::new(),
            other => return Err(self.err(format!("range can't iterate over {}", other.printed()))),
        };
        if matches!(v, Val::Int(_)) && decl.len() > 1 {
            return Err(self.err("can't use a second variable when ranging over an int"));
        }
        let empty = items.is_empty();
        for (key, elem) in items {
            self.step()?;
            match decl.as_slice() {
                [] => {}
                [one] => self.set_or_push(one, elem.clone(), pipe.assign)?,
                [k, v, ..] => {
                    self.set_or_push(k, key, pipe.assign)?;
                    self.set_or_push(v, elem.clone(), pipe.assign)?;
                }
            }
            let flow = self.walk(&elem, list)?;
            self.vars.truncate(mark);
            if matches!(flow, Flow::Break) {
                break;
            }
        }
        if empty && let Some(e) = else_list {
            self.walk(dot, e)?;
            self.vars.truncate(mark);
        }
        Ok(())
    }

    fn set_or_push(&mut self, name: &str, v: Val, assign: bool) -> R<()> {
        if assign {
            self.set_var(name, v)
        } else {
            self.vars.push((name.to_string(), v));
            Ok(())
        }
    }

    fn set_var(&mut self, name: &str, v: Val) -> R<()> {
        match self.vars.iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => {
                slot.1 = v;
                Ok(())
            }
            None => Err(self.err(format!("undefined variable: {name}"))),
        }
    }

    fn var(&self, name: &str) -> R<Val> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| self.err(format!("undefined variable: {name}")))
    }

    fn pipeline(&mut self, dot: &Val, pipe: &Pipe) -> R<Val> {
        let value = self.pipeline_value(dot, pipe)?;
        match pipe.decl.as_slice() {
            [] => {}
            [one] if pipe.assign => self.set_var(one, value.clone())?,
            [one] => self.vars.push((one.clone(), value.clone())),
            _ => return Err(self.err("too many declarations in command")),
        }
        Ok(value)
    }

    /// The pipeline's value, its declaration left to the caller.
    fn pipeline_value(&mut self, dot: &Val, pipe: &Pipe) -> R<Val> {
        let mut value: Option<Val> = None;
        for cmd in &pipe.cmds {
            self.step()?;
            let v = self.command(dot, cmd, value.take())?;
            // Go: an interface{} result is unwrapped, so a nil one becomes no value.
            value = Some(if matches!(v, Val::Nil) { Val::Missing } else { v });
        }
        Ok(value.unwrap_or(Val::Missing))
    }

    fn command(&mut self, dot: &Val, cmd: &[Arg], fin: Option<Val>) -> R<Val> {
        let Some(first) = cmd.first() else { return Err(self.err("empty command")) };
        let rest = &cmd[1..];
        match first {
            Arg::Func(name) => self.call(dot, name, rest, fin),
            Arg::Field(chain) => self.chain(dot, dot.clone(), chain, rest, fin),
            Arg::Var(name, chain) => {
                let v = self.var(name)?;
                if chain.is_empty() {
                    self.not_a_function(name, rest, &fin)?;
                    return Ok(v);
                }
                self.chain(dot, v, chain, rest, fin)
            }
            Arg::Pipe(p, chain) => {
                let v = self.pipeline(dot, p)?;
                if chain.is_empty() {
                    self.not_a_function("parenthesized pipeline", rest, &fin)?;
                    return Ok(v);
                }
                self.chain(dot, v, chain, rest, fin)
            }
            Arg::Nil => Err(self.err("nil is not a command")),
            constant => {
                self.not_a_function("constant", rest, &fin)?;
                self.arg(dot, constant)
            }
        }
    }

    fn not_a_function(&self, what: &str, rest: &[Arg], fin: &Option<Val>) -> R<()> {
        if !rest.is_empty() || fin.is_some() {
            return Err(self.err(format!("can't give argument to non-function {what}")));
        }
        Ok(())
    }

    /// A command's argument (not its first word).
    fn arg(&mut self, dot: &Val, a: &Arg) -> R<Val> {
        Ok(match a {
            Arg::Field(chain) => self.chain(dot, dot.clone(), chain, &[], None)?,
            Arg::Dot => dot.clone(),
            Arg::Var(name, chain) => {
                let v = self.var(name)?;
                if chain.is_empty() { v } else { self.chain(dot, v, chain, &[], None)? }
            }
            Arg::Func(name) => self.call(dot, name, &[], None)?,
            Arg::Pipe(p, chain) => {
                let v = self.pipeline(dot, p)?;
                if chain.is_empty() { v } else { self.chain(dot, v, chain, &[], None)? }
            }
            Arg::Str(s) => Val::Str(s.clone()),
            Arg::Int(i) => Val::Int(*i),
            Arg::Float(f) => Val::Float(*f),
            Arg::Bool(b) => Val::Bool(*b),
            Arg::Nil => Val::Nil,
        })
    }

    /// `.A.B.C` on `receiver`; the last name may take arguments if it is a method.
    fn chain(
        &mut self,
        _dot: &Val,
        receiver: Val,
        names: &[String],
        args: &[Arg],
        fin: Option<Val>,
    ) -> R<Val> {
        let mut v = receiver;
        let n = names.len();
        for (i, name) in names.iter().enumerate() {
            let last = i + 1 == n;
            let has_args = last && (!args.is_empty() || fin.is_some());
            v = self.field(&v, name, has_args)?;
        }
        Ok(v)
    }

    /// Go's `evalField` on our values.
    fn field(&self, receiver: &Val, name: &str, has_args: bool) -> R<Val> {
        let method = |this: &Self| -> R<Val> {
            if has_args {
                return Err(this.err(format!("{name} has arguments but cannot be invoked as function")));
            }
            Ok(Val::Missing)
        };
        match receiver {
            Val::Missing => Ok(Val::Missing),
            Val::Nil => Err(self.err(format!("nil pointer evaluating interface {{}}.{name}"))),
            Val::Map(m, MapKind::Untyped) => {
                if has_args {
                    return Err(self.err(format!("{name} is not a method but has arguments")));
                }
                Ok(m.get(name).cloned().unwrap_or(Val::Missing))
            }
            Val::Map(m, MapKind::Struct(ty)) => {
                if has_args {
                    return Err(self.err(format!("{name} has arguments but cannot be invoked as function")));
                }
                m.get(name)
                    .cloned()
                    .ok_or_else(|| self.err(format!("can't evaluate field {name} in type {ty}")))
            }
            Val::Map(m, MapKind::Typed) => {
                method(self)?;
                if let Some(v) = m.get(name).or_else(|| m.get(&json_name(name))) {
                    return Ok(v.clone());
                }
                // Protobuf getters: `.GetTracing` is `.Tracing`.
                if let Some(field) = name.strip_prefix("Get").filter(|f| f.starts_with(char::is_uppercase))
                    && let Some(v) = m.get(&json_name(field))
                {
                    return Ok(v.clone());
                }
                Ok(Val::Zero)
            }
            Val::Zero => {
                method(self)?;
                Ok(Val::Zero)
            }
            scalar @ (Val::Bool(_) | Val::Int(_) | Val::Float(_) | Val::Str(_)) => match name {
                // Protobuf wrapper getters and enums' `String`.
                "GetValue" => Ok(scalar.clone()),
                "String" => Ok(Val::Str(scalar.printed())),
                _ => Err(self.err(format!("can't evaluate field {name} in type {}", scalar.type_name()))),
            },
            Val::List(_) => {
                Err(self.err(format!("can't evaluate field {name} in type {}", receiver.type_name())))
            }
        }
    }

    fn call(&mut self, dot: &Val, name: &str, args: &[Arg], fin: Option<Val>) -> R<Val> {
        // `and` and `or` stop at the first argument that decides them.
        if name == "and" || name == "or" {
            if args.is_empty() && fin.is_none() {
                return Err(self.err(format!("wrong number of args for {name}: want at least 1 got 0")));
            }
            let mut last = Val::Missing;
            for a in args {
                last = self.arg(dot, a)?;
                if last.truth() == (name == "or") {
                    return Ok(last);
                }
            }
            if let Some(f) = fin {
                last = f;
            }
            return Ok(last);
        }
        let mut values = Vec::with_capacity(args.len() + 1);
        for a in args {
            values.push(self.arg(dot, a)?);
        }
        values.extend(fin);
        funcs::call(name, values).map_err(|e| self.err(format!("error calling {name}: {e}")))
    }
}

/// A Go field name as its JSON name: the leading capitals lower-cased (`Name` is `name`,
/// `APIVersion` is `apiVersion`, `UID` is `uid`).
pub(super) fn json_name(go: &str) -> String {
    let chars: Vec<char> = go.chars().collect();
    let upper = chars.iter().take_while(|c| c.is_uppercase()).count();
    let lower = match upper {
        0 => 0,
        n if n == chars.len() => n,
        1 => 1,
        // `APIVersion`: the last capital starts the next word.
        n => n - 1,
    };
    chars.iter().enumerate().map(|(i, c)| if i < lower { c.to_ascii_lowercase() } else { *c }).collect()
}
