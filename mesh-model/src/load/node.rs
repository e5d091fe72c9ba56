//! A YAML document as a tree of nodes that remember their line and column.
//!
//! Built from saphyr-parser's events in one pass; plain scalars borrow from the input.
//! JSON is read by the same parser (JSON is YAML's flow style).

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// One node of a document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node<'a> {
    pub(crate) value: Value<'a>,
    /// 1-based line.
    pub(crate) line: u32,
    /// 1-based column.
    pub(crate) column: u32,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    /// A scalar and whether it was written plain (unquoted, so `123` is a number and `~` null).
    Scalar(Cow<'a, str>, bool),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// Whether this is a null: a plain `null`, `Null`, `NULL`, `~` or an empty plain scalar.
    pub(crate) fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s, true) if is_null_str(s))
    }

    /// The scalar text, when this is a scalar.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// The value of key `key`, when this is a mapping that has it.
    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v),
            _ => None,
        }
    }
}

pub(crate) fn is_null_str(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// One document of a stream: its root (`None` when the document is empty) and the line it
/// starts on.
#[derive(Debug)]
pub(crate) struct Document<'a> {
    pub(crate) root: Option<Node<'a>>,
}

/// A problem the YAML parser reported, with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    pub(crate) message: String,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

/// Parses every document of `src`. A syntax error ends the document it is in; parsing
/// resumes at the next `---` line, so later documents still load. Errors are returned in
/// document order beside the documents (`Err` entries).
pub(crate) fn parse_stream(src: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
    match super::fast::parse_stream(src) {
        Some(docs) => docs.into_iter().map(Ok).collect(),
        None => parse_stream_full(src),
    }
}

/// [`parse_stream`] with the full YAML 1.2 parser only.
pub(crate) fn parse_stream_full(src: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    let mut line_base = 0u32;
    loop {
        let rest = &src[offset..];
        let mut doc_line = line_base + 1;
        match parse_from(rest, line_base, &mut out, &mut doc_line) {
            Ok(()) => return out,
            Err(err) => {
                // Resume at the next document marker after the failed document's start.
                out.push(Err(err));
                match next_document_start(src, offset, doc_line) {
                    Some((off, line)) => {
                        offset = off;
                        line_base = line;
                    }
                    None => return out,
                }
            }
        }
    }
}

/// The byte offset and 0-based line number of the first `---` line strictly after
/// (1-based) line `after_line`, searching from byte `from`.
fn next_document_start(src: &str, from: usize, after_line: u32) -> Option<(usize, u32)> {
    let mut line = src[..from].bytes().filter(|b| *b == b'\n').count() as u32;
    let mut pos = from;
    for l in src[from..].split_inclusive('\n') {
        line += 1;
        let start = pos;
        pos += l.len();
        if line > after_line && is_document_marker(l) {
            return Some((start, line - 1));
        }
    }
    None
}

fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---").is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\r', '\n']))
}

enum Frame<'a> {
    Seq(Vec<Node<'a>>, Span, usize),
    Map(Vec<(Node<'a>, Node<'a>)>, Option<Node<'a>>, Span, usize),
}

fn parse_from<'a>(
    src: &'a str,
    line_base: u32,
    out: &mut Vec<Result<Document<'a>, SyntaxError>>,
    doc_line: &mut u32,
) -> Result<(), SyntaxError> {
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let mut anchors: HashMap<usize, Node<'a>> = HashMap::new();
    let mut root: Option<Node<'a>> = None;
    let mut in_doc = false;
    let pos = |span: &Span| (span.start.line() as u32 + line_base, span.start.col() as u32 + 1);
    for event in Parser::new_from_str(src) {
        let (event, span) = event.map_err(|e| SyntaxError {
            message: e.info().to_string(),
            line: e.marker().line() as u32 + line_base,
            column: e.marker().col() as u32 + 1,
        })?;
        let complete: Node<'a> = match event {
            Event::DocumentStart(_) => {
                *doc_line = span.start.line() as u32 + line_base;
                in_doc = true;
                root = None;
                anchors.clear();
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    out.push(Ok(Document { root: root.take() }));
                }
                in_doc = false;
                continue;
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), span, anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Vec::new(), None, span, anchor));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(items, span, anchor)) => {
                    let (line, column) = pos(&span);
                    remember(&mut anchors, anchor, Node { value: Value::Seq(items), line, column })
                }
                _ => return Err(internal(span, line_base)),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(entries, _, span, anchor)) => {
                    let (line, column) = pos(&span);
                    remember(&mut anchors, anchor, Node { value: Value::Map(entries), line, column })
                }
                _ => return Err(internal(span, line_base)),
            },
            Event::Scalar(value, style, anchor, tag) => {
                let (line, column) = pos(&span);
                // `!!str 123` is a string; any other tag leaves resolution to the schema.
                let explicit_str = tag.as_ref().is_some_and(|t| t.is_yaml_core_schema() && t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !explicit_str;
                remember(&mut anchors, anchor, Node { value: Value::Scalar(value, plain), line, column })
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(node) => {
                    let mut node = node.clone();
                    let (line, column) = pos(&span);
                    node.line = line;
                    node.column = column;
                    node
                }
                None => {
                    let (line, column) = pos(&span);
                    return Err(SyntaxError { message: "unknown anchor".to_string(), line, column });
                }
            },
        };
        match stack.last_mut() {
            None => root = Some(complete),
            Some(Frame::Seq(items, _, _)) => items.push(complete),
            Some(Frame::Map(entries, pending, _, _)) => match pending.take() {
                None => *pending = Some(complete),
                Some(key) => {
                    if let Some(k) = key.as_str()
                        && entries.iter().any(|(e, _)| e.as_str() == Some(k))
                    {
                        return Err(SyntaxError {
                            message: format!("mapping key {k:?} already defined"),
                            line: key.line,
                            column: key.column,
                        });
                    }
                    entries.push((key, complete));
                }
            },
        }
    }
    Ok(())
}

fn remember<'a>(anchors: &mut HashMap<usize, Node<'a>>, anchor: usize, node: Node<'a>) -> Node<'a> {
    if anchor != 0 {
        anchors.insert(anchor, node.clone());
    }
    node
}

fn internal(span: Span, line_base: u32) -> SyntaxError {
    SyntaxError {
        message: "unbalanced YAML events".to_string(),
        line: span.start.line() as u32 + line_base,
        column: span.start.col() as u32 + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(src: &str) -> Vec<Result<Document<'_>, SyntaxError>> {
        parse_stream(src)
    }

    #[test]
    fn nodes_carry_lines() {
        let d = docs("a: 1\nb:\n  - x\n  - 'y'\n");
        let root = d[0].as_ref().unwrap().root.as_ref().unwrap();
        let b = root.get("b").unwrap();
        assert_eq!(b.line, 3);
        match &b.value {
            Value::Seq(items) => {
                assert_eq!(items[1].value, Value::Scalar("y".into(), false));
                assert_eq!((items[1].line, items[1].column), (4, 5));
            }
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn resumes_after_a_syntax_error() {
        let d = docs("a: 1\n---\nb: [\n---\nc: 3\n");
        assert_eq!(d.len(), 3);
        assert!(d[1].is_err());
        let c = d[2].as_ref().unwrap().root.as_ref().unwrap().get("c").unwrap();
        assert_eq!(c.line, 5);
    }

    #[test]
    fn duplicate_keys_are_rejected() {
        let d = docs("a: 1\na: 2\n");
        assert_eq!(d[0].as_ref().unwrap_err().line, 2);
    }

    #[test]
    fn json_is_read_as_yaml() {
        let d = docs("{\"a\": [1, \"x\"],\n \"b\": {\"c\": null}}");
        let root = d[0].as_ref().unwrap().root.as_ref().unwrap();
        assert!(root.get("b").unwrap().get("c").unwrap().is_null());
    }

    #[test]
    fn aliases_copy_the_anchored_node() {
        let d = docs("a: &x {k: v}\nb: *x\n");
        let root = d[0].as_ref().unwrap().root.as_ref().unwrap();
        assert_eq!(root.get("b").unwrap().get("k").unwrap().as_str(), Some("v"));
    }
}
