//! Finds the line of a field path in the source text, for diagnostics found after loading.

use super::Origin;
use super::node::{Node, Value, parse_stream};
use crate::validate::{Segment, segments};

/// The parsed documents of one source text, kept to answer "which line is
/// `spec.http[0].route[1].weight` on?". Build it only for sources that have diagnostics:
/// loading itself keeps no positions beyond each resource's first line.
#[derive(Debug)]
pub struct SourceMap<'a> {
    docs: Vec<Option<Node<'a>>>,
}

impl<'a> SourceMap<'a> {
    /// Parses `src` (the same text that was loaded).
    pub fn new(src: &'a str) -> Self {
        Self { docs: parse_stream(src).into_iter().map(|d| d.ok().and_then(|d| d.root)).collect() }
    }

    /// The 1-based line of `path` in the resource at `origin`. When the path does not exist
    /// in the text (a defaulted or missing field), the line of its deepest existing parent.
    pub fn line(&self, origin: &Origin, path: &str) -> Option<u32> {
        let mut node = self.docs.get(origin.document)?.as_ref()?;
        if let Some(i) = origin.item {
            node = match &node.get("items")?.value {
                Value::Seq(items) => items.get(i)?,
                _ => return None,
            };
        }
        let mut line = node.line;
        for seg in segments(path) {
            let next = match (seg, &node.value) {
                (Segment::Field(name) | Segment::Bracket(name), Value::Map(entries)) => {
                    entries.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(k, v)| (k.line, v))
                }
                (Segment::Bracket(i), Value::Seq(items)) => {
                    i.parse::<usize>().ok().and_then(|i| items.get(i)).map(|v| (v.line, v))
                }
                _ => None,
            };
            match next {
                Some((l, n)) => {
                    line = l;
                    node = n;
                }
                None => break,
            }
        }
        Some(line)
    }
}
