//! A fast reader for the YAML that Kubernetes tooling writes: block mappings and sequences
//! indented with spaces, single-line plain and quoted scalars, `|` literal blocks, flow
//! collections (so JSON too), comments and `---` document markers.
//!
//! It builds exactly the tree that the full YAML 1.2 parser (saphyr) builds, node positions
//! included, or gives up (`None`) on anything outside that subset (anchors, tags, folded or
//! multi-line scalars, tabs, directives, errors), and the caller then parses with saphyr.
//! A property test checks both agree wherever this reader answers.

use std::borrow::Cow;

use super::node::{Document, Node, Value};

/// Gave up: the input needs the full parser.
struct Bail;

type R<T> = Result<T, Bail>;

/// One line of the source, without its line break.
#[derive(Clone, Copy)]
struct Line<'a> {
    text: &'a str,
    /// 1-based line number.
    number: u32,
}

/// Parses every document, or `None` when the input needs the full parser.
pub(super) fn parse_stream(src: &str) -> Option<Vec<Document<'_>>> {
    // saphyr ends the stream at a NUL (an error, wherever it is) and treats a byte order
    // mark anywhere as one (even in a comment): leave those to it.
    let bytes = src.as_bytes();
    if bytes.contains(&b'\r') || bytes.contains(&0) || src.contains('\u{feff}') {
        return None;
    }
    let lines: Vec<Line<'_>> =
        src.split('\n').enumerate().map(|(i, text)| Line { text, number: i as u32 + 1 }).collect();
    // A final line of spaces without a newline: saphyr keeps it as a line break of a block
    // scalar it ends, unlike a blank line; leave that rare shape (with a block scalar
    // indicator somewhere) to it.
    if lines.last().is_some_and(|l| !l.text.is_empty() && l.text.bytes().all(|b| b == b' '))
        && src.contains(['|', '>'])
    {
        return None;
    }
    // The position saphyr gives the end of the stream: the start of the line after the last
    // one (a final line without a newline counts as ended).
    let eof = if src.ends_with('\n') { (lines.len() as u32, 1) } else { (lines.len() as u32 + 1, 1) };
    let mut docs = Vec::new();
    // Split at `---` lines: (first line index, end index, explicit).
    let mut bounds: Vec<(usize, usize, bool)> = Vec::new();
    let mut start = 0usize;
    let mut explicit = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.text;
        if t.starts_with("...") || t.starts_with('%') {
            return None;
        }
        if let Some(rest) = t.strip_prefix("---") {
            // Only a bare marker (maybe with a comment); `--- value` and `---x` need the full parser.
            if !(rest.is_empty() || rest.starts_with(' ') && is_blank(rest)) {
                return None;
            }
            bounds.push((start, i, explicit));
            start = i + 1;
            explicit = true;
        }
    }
    bounds.push((start, lines.len(), explicit));
    for (k, &(from, to, explicit)) in bounds.iter().enumerate() {
        let body = &lines[from..to];
        let has_content = body.iter().any(|l| !is_blank(l.text));
        if !has_content {
            if explicit {
                // An empty explicit document: a null at the next token (the next marker or
                // the end of the stream).
                let (line, column) = match bounds.get(k + 1) {
                    Some(_) => (lines[to].number, 1),
                    None => eof,
                };
                docs.push(Document {
                    root: Some(Node { value: Value::Scalar(Cow::Borrowed(""), true), line, column }),
                });
            }
            continue;
        }
        let mut p = Parser { lines: body, i: 0 };
        let root = p.document().ok()?;
        docs.push(Document { root: Some(root) });
    }
    Some(docs)
}

/// Whether a line holds nothing but spaces and maybe a comment.
fn is_blank(t: &str) -> bool {
    let t = t.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// Leading spaces; `Err` on a tab in the indentation.
fn indent_of(t: &str) -> R<usize> {
    let n = t.len() - t.trim_start_matches(' ').len();
    if t[n..].starts_with('\t') { Err(Bail) } else { Ok(n) }
}

fn col(text: &str, byte: usize) -> u32 {
    let prefix = &text[..byte];
    if prefix.is_ascii() { byte as u32 + 1 } else { prefix.chars().count() as u32 + 1 }
}

fn scalar<'a>(s: Cow<'a, str>, plain: bool, line: u32, column: u32) -> Node<'a> {
    Node { value: Value::Scalar(s, plain), line, column }
}

/// Characters that may not start a plain scalar (or need the full parser when they do).
fn starts_plain(s: &str) -> bool {
    let Some(c) = s.chars().next() else { return false };
    if "-?:".contains(c) {
        // `-x`, `:x`, `?x` are plain; `- `, `? `, `: ` are indicators, and in flow context so
        // are `-,`, `-]`, ...: leave all of those to the full parser.
        return s[1..].chars().next().is_some_and(|n| !" \t,[]{}".contains(n));
    }
    !",[]{}#&*!|>'\"%@`\t ".contains(c)
}

/// The rest of a line after a value: nothing, spaces, or spaces and a comment.
fn expect_end(rest: &str) -> R<()> {
    if rest.is_empty() || (rest.starts_with(' ') && is_blank(rest)) { Ok(()) } else { Err(Bail) }
}

struct Parser<'a, 'l> {
    lines: &'l [Line<'a>],
    /// The next unconsumed line.
    i: usize,
}

impl<'a> Parser<'a, '_> {
    fn document(&mut self) -> R<Node<'a>> {
        let j = self.next_content().ok_or(Bail)?;
        self.i = j;
        let line = self.lines[j];
        let n = indent_of(line.text)?;
        let root = self.block_node(j, n, -1)?;
        if self.next_content().is_some() {
            return Err(Bail);
        }
        Ok(root)
    }

    /// The index of the next line at or after `self.i` with content.
    fn next_content(&self) -> Option<usize> {
        (self.i..self.lines.len()).find(|&k| !is_blank(self.lines[k].text))
    }

    /// The indentation of the next content line, if any.
    fn next_indent(&self) -> R<Option<usize>> {
        match self.next_content() {
            Some(k) => indent_of(self.lines[k].text).map(Some),
            None => Ok(None),
        }
    }

    /// A node starting at line `j`, column `c` (bytes), inside a parent of indentation `parent`.
    fn block_node(&mut self, j: usize, c: usize, parent: isize) -> R<Node<'a>> {
        let line = self.lines[j];
        let rest = &line.text[c..];
        if rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t") {
            return self.block_seq(j, c, None);
        }
        if rest.starts_with('[') || rest.starts_with('{') {
            let (node, end_line, end_byte) = flow(self.lines, j, c, parent)?;
            expect_end(&self.lines[end_line].text[end_byte..])?;
            self.i = end_line + 1;
            return Ok(node);
        }
        if map_key(rest)?.is_some() {
            return self.block_map(j, c);
        }
        Err(Bail)
    }

    /// A block mapping whose first key is at line `j`, column `c`.
    fn block_map(&mut self, j: usize, c: usize) -> R<Node<'a>> {
        let first = self.lines[j];
        let mut entries: Vec<(Node<'a>, Node<'a>)> = Vec::new();
        let mut row = j;
        loop {
            let line = self.lines[row];
            let text = &line.text[c..];
            let (key, after) = map_key(text)?.ok_or(Bail)?;
            let key_node = match key {
                Key::Plain(k) => scalar(Cow::Borrowed(k), true, line.number, col(line.text, c)),
                Key::Quoted(k) => scalar(k, false, line.number, col(line.text, c)),
            };
            if let Some(k) = key_node.as_str()
                && entries.iter().any(|(e, _)| e.as_str() == Some(k))
            {
                return Err(Bail);
            }
            let colon = c + after - 1;
            self.i = row + 1;
            let value = self.value(row, c + after, c as isize, line.number, col(line.text, colon), true)?;
            entries.push((key_node, value));
            // The next entry is the next content line at exactly this indentation.
            match self.next_content() {
                Some(k) => {
                    let n = indent_of(self.lines[k].text)?;
                    if n > c {
                        return Err(Bail);
                    }
                    if n < c {
                        break;
                    }
                    if map_key(&self.lines[k].text[c..])?.is_none() {
                        // A sequence at the key's indentation ends here only when it is
                        // the mapping's value; anything else is an error.
                        let t = &self.lines[k].text[c..];
                        if t == "-" || t.starts_with("- ") {
                            break;
                        }
                        return Err(Bail);
                    }
                    row = k;
                }
                None => break,
            }
        }
        Ok(Node { value: Value::Map(entries), line: first.number, column: col(first.text, c) })
    }

    /// The value after a key (or a `- `) whose content starts at byte `at` of line `row`;
    /// `indent` is the owning collection's indentation; `(line, column)` is where an empty
    /// value sits (the `:` or the `-`).
    fn value(
        &mut self,
        row: usize,
        at: usize,
        indent: isize,
        line: u32,
        column: u32,
        in_map: bool,
    ) -> R<Node<'a>> {
        let text = self.lines[row].text;
        let rest = &text[at..];
        let trimmed = rest.trim_start_matches(' ');
        let start = at + (rest.len() - trimmed.len());
        if trimmed.starts_with('\t') {
            return Err(Bail);
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            if start == at && trimmed.starts_with('#') {
                return Err(Bail);
            }
            // The value is on the following lines, or empty.
            let Some(k) = self.next_content() else {
                return Ok(scalar(Cow::Borrowed(""), true, line, column));
            };
            let n = indent_of(self.lines[k].text)?;
            let t = &self.lines[k].text[n..];
            let is_seq = t == "-" || t.starts_with("- ");
            if n as isize > indent {
                self.i = k;
                return self.block_node(k, n, indent);
            }
            if in_map && n as isize == indent && is_seq {
                // A sequence at the key's own indentation (Kubernetes style).
                return self.block_seq(k, n, Some(indent));
            }
            return Ok(scalar(Cow::Borrowed(""), true, line, column));
        }
        let node_line = self.lines[row].number;
        let node_col = col(text, start);
        let first = trimmed.as_bytes()[0];
        let node = match first {
            b'[' | b'{' => {
                let (node, end_line, end_byte) = flow(self.lines, row, start, indent)?;
                expect_end(&self.lines[end_line].text[end_byte..])?;
                self.i = end_line + 1;
                node
            }
            b'"' | b'\'' => {
                let (s, len) = quoted(trimmed)?;
                expect_end(&trimmed[len..])?;
                scalar(s, false, node_line, node_col)
            }
            b'|' => return self.literal(row, trimmed, indent),
            _ => {
                if !starts_plain(trimmed) {
                    return Err(Bail);
                }
                let s = plain_block(trimmed)?;
                scalar(Cow::Borrowed(s), true, node_line, node_col)
            }
        };
        // A more-indented line after a single-line value would continue it.
        if let Some(n) = self.next_indent()?
            && n as isize > indent
        {
            return Err(Bail);
        }
        Ok(node)
    }

    /// A `|`, `|-` or `|+` literal block scalar introduced on line `row`.
    fn literal(&mut self, row: usize, header: &str, indent: isize) -> R<Node<'a>> {
        let chomp = match header.as_bytes().get(1) {
            Some(b'-') => Chomp::Strip,
            // `|+` keeps trailing lines, whose count at the end of the input differs
            // between parsers' readings of the spec: leave it to the full parser.
            Some(b'+') => return Err(Bail),
            _ => Chomp::Clip,
        };
        let rest = &header[if chomp == Chomp::Clip { 1 } else { 2 }..];
        if !(rest.is_empty() || rest.starts_with(' ')) || !is_blank(rest) {
            return Err(Bail);
        }
        let first = row + 1;
        let Some(l0) = self.lines.get(first) else { return Err(Bail) };
        if is_blank(l0.text) {
            return Err(Bail);
        }
        let ci = indent_of(l0.text)?;
        if ci as isize <= indent {
            return Err(Bail);
        }
        let mut out = String::new();
        let mut k = first;
        let mut trailing_blank = 0usize;
        while let Some(l) = self.lines.get(k) {
            let t = l.text;
            if t.trim_start_matches(' ').is_empty() {
                if t.len() > ci {
                    return Err(Bail);
                }
                trailing_blank += 1;
                k += 1;
                continue;
            }
            let n = t.len() - t.trim_start_matches(' ').len();
            if n < ci {
                break;
            }
            for _ in 0..trailing_blank {
                out.push('\n');
            }
            trailing_blank = 0;
            out.push_str(&t[ci..]);
            out.push('\n');
            k += 1;
        }
        // A last line without a line break at the end of the input keeps no newline.
        let at_eof = k >= self.lines.len();
        if at_eof && trailing_blank == 0 {
            return Err(Bail);
        }
        match chomp {
            Chomp::Strip => {
                while out.ends_with('\n') {
                    out.pop();
                }
            }
            Chomp::Clip => {}
        }
        // The lines consumed end before the first less-indented content line; trailing
        // blank lines are skipped by the caller.
        self.i = k - trailing_blank;
        let l0 = self.lines[first];
        Ok(scalar(Cow::Owned(out), false, l0.number, col(l0.text, ci)))
    }

    /// A block sequence whose first `-` is at line `j`, column `c`. `indentless` is the
    /// indentation of the mapping whose value it is, when it sits at that same indentation.
    fn block_seq(&mut self, j: usize, c: usize, indentless: Option<isize>) -> R<Node<'a>> {
        let mut items = Vec::new();
        let mut row = j;
        let mut start = None;
        loop {
            let line = self.lines[row];
            let after = &line.text[c + 1..];
            let trimmed = after.trim_start_matches(' ');
            let at = c + 1 + (after.len() - trimmed.len());
            self.i = row + 1;
            let item = if trimmed.is_empty() || trimmed.starts_with('#') {
                if indentless.is_some() && items.is_empty() {
                    return Err(Bail);
                }
                // An empty item sits at the end of its line (after any comment).
                self.value(row, c + 1, c as isize, line.number, col(line.text, line.text.len()), false)?
            } else if trimmed == "-" || trimmed.starts_with("- ") || trimmed.starts_with("-\t") {
                return Err(Bail);
            } else if map_key(trimmed)?.is_some() {
                self.block_map(row, at)?
            } else {
                self.value(row, c + 1, c as isize, line.number, col(line.text, c + 1), false)?
            };
            if start.is_none() {
                // An indentless sequence starts at its first item's first token (for a
                // literal block, the `|`); an indented one at its `-`.
                start = Some((line.number, col(line.text, if indentless.is_some() { at } else { c })));
            }
            items.push(item);
            match self.next_content() {
                Some(k) => {
                    let n = indent_of(self.lines[k].text)?;
                    let t = &self.lines[k].text[n..];
                    let is_item = t == "-" || t.starts_with("- ");
                    if n > c {
                        return Err(Bail);
                    }
                    if n < c || !is_item {
                        if n == c && indentless.is_none() {
                            return Err(Bail);
                        }
                        break;
                    }
                    row = k;
                }
                None => break,
            }
        }
        let (line, column) = start.ok_or(Bail)?;
        Ok(Node { value: Value::Seq(items), line, column })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomp {
    Strip,
    Clip,
}

enum Key<'a> {
    Plain(&'a str),
    Quoted(Cow<'a, str>),
}

/// When `t` starts with a mapping key followed by `:` and a space (or the line's end),
/// the key and the byte offset just past the `:`.
fn map_key(t: &str) -> R<Option<(Key<'_>, usize)>> {
    let b = t.as_bytes();
    match b.first() {
        Some(b'"') | Some(b'\'') => {
            let (k, len) = quoted(t)?;
            let rest = &t[len..];
            if rest.starts_with(": ") || rest == ":" {
                return Ok(Some((Key::Quoted(k), len + 1)));
            }
            if rest.starts_with(':') || rest.starts_with(" :") {
                return Err(Bail);
            }
            Ok(None)
        }
        _ => {
            if !starts_plain(t) {
                return Ok(None);
            }
            // The key ends at the first `: ` or a final `:`; a ` #` first makes it a comment.
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b':' if i + 1 == b.len() || b[i + 1] == b' ' => {
                        let key = t[..i].trim_end_matches(' ');
                        if key.len() != i || key.is_empty() || key.len() > 1024 {
                            return Err(Bail);
                        }
                        return Ok(Some((Key::Plain(key), i + 1)));
                    }
                    b':' if b[i + 1] == b'\t' => return Err(Bail),
                    b'#' if b[i - 1] == b' ' => return Ok(None),
                    b'\t' => return Err(Bail),
                    _ => {}
                }
                i += 1;
            }
            Ok(None)
        }
    }
}

/// A plain scalar in block context: up to a comment or the line's end. `Err` when it holds
/// `: ` (an error in YAML) or a tab.
fn plain_block(t: &str) -> R<&str> {
    let b = t.as_bytes();
    let mut end = b.len();
    for i in 0..b.len() {
        match b[i] {
            b'#' if i > 0 && b[i - 1] == b' ' => {
                end = i;
                break;
            }
            b':' if i + 1 == b.len() || b[i + 1] == b' ' => return Err(Bail),
            b'\t' => return Err(Bail),
            _ => {}
        }
    }
    Ok(t[..end].trim_end_matches(' '))
}

/// A single-line quoted scalar at the start of `t`: its value and its length in bytes.
fn quoted(t: &str) -> R<(Cow<'_, str>, usize)> {
    let b = t.as_bytes();
    let q = b[0];
    if q == b'\'' {
        let mut out: Option<String> = None;
        let mut i = 1;
        let mut seg = 1;
        while i < b.len() {
            if b[i] == b'\'' {
                if b.get(i + 1) == Some(&b'\'') {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(&t[seg..=i]);
                    i += 2;
                    seg = i;
                    continue;
                }
                return Ok(match out {
                    None => (Cow::Borrowed(&t[1..i]), i + 1),
                    Some(mut o) => {
                        o.push_str(&t[seg..i]);
                        (Cow::Owned(o), i + 1)
                    }
                });
            }
            i += 1;
        }
        return Err(Bail);
    }
    let mut out: Option<String> = None;
    let mut i = 1;
    let mut seg = 1;
    while i < b.len() {
        match b[i] {
            b'"' => {
                return Ok(match out {
                    None => (Cow::Borrowed(&t[1..i]), i + 1),
                    Some(mut o) => {
                        o.push_str(&t[seg..i]);
                        (Cow::Owned(o), i + 1)
                    }
                });
            }
            b'\\' => {
                let o = out.get_or_insert_with(String::new);
                o.push_str(&t[seg..i]);
                let esc = *b.get(i + 1).ok_or(Bail)?;
                let mut next = i + 2;
                match esc {
                    b'"' => o.push('"'),
                    b'\\' => o.push('\\'),
                    b'/' => o.push('/'),
                    b'n' => o.push('\n'),
                    b't' => o.push('\t'),
                    b'r' => o.push('\r'),
                    b'b' => o.push('\u{8}'),
                    b'f' => o.push('\u{c}'),
                    b'0' => o.push('\0'),
                    b'u' => {
                        let hex = t.get(i + 2..i + 6).ok_or(Bail)?;
                        let v = u32::from_str_radix(hex, 16).map_err(|_| Bail)?;
                        o.push(char::from_u32(v).ok_or(Bail)?);
                        next = i + 6;
                    }
                    _ => return Err(Bail),
                }
                i = next;
                seg = i;
                continue;
            }
            b'\t' => return Err(Bail),
            _ => {}
        }
        i += 1;
    }
    Err(Bail)
}

/// A flow collection starting at line `j`, byte `c`; `indent` is the enclosing block's
/// indentation (continuation lines must be indented more). Returns the node and the
/// position just after it.
fn flow<'a>(lines: &[Line<'a>], j: usize, c: usize, indent: isize) -> R<(Node<'a>, usize, usize)> {
    let mut f = Flow { lines, row: j, at: c, indent };
    let node = f.node()?;
    Ok((node, f.row, f.at))
}

struct Flow<'a, 'l> {
    lines: &'l [Line<'a>],
    row: usize,
    at: usize,
    indent: isize,
}

impl<'a> Flow<'a, '_> {
    fn text(&self) -> &'a str {
        self.lines[self.row].text
    }

    /// Skips spaces, comments and line breaks.
    fn skip(&mut self) -> R<()> {
        loop {
            let t = self.text();
            let rest = &t[self.at..];
            let after = rest.trim_start_matches(' ');
            let spaced = after.len() < rest.len() || self.at == 0;
            if after.starts_with('\t') || (after.starts_with('#') && !spaced) {
                return Err(Bail);
            }
            if after.is_empty() || after.starts_with('#') {
                self.row += 1;
                self.at = 0;
                let Some(l) = self.lines.get(self.row) else { return Err(Bail) };
                if !is_blank(l.text) && (indent_of(l.text)? as isize) <= self.indent {
                    return Err(Bail);
                }
                continue;
            }
            self.at += rest.len() - after.len();
            return Ok(());
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text().as_bytes().get(self.at).copied()
    }

    fn node(&mut self) -> R<Node<'a>> {
        self.skip()?;
        let line = self.lines[self.row].number;
        let column = col(self.text(), self.at);
        match self.peek().ok_or(Bail)? {
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip()?;
                if self.peek() == Some(b']') {
                    self.at += 1;
                    return Ok(Node { value: Value::Seq(items), line, column });
                }
                loop {
                    items.push(self.node()?);
                    self.skip()?;
                    match self.peek() {
                        Some(b',') => {
                            self.at += 1;
                            self.skip()?;
                            if self.peek() == Some(b']') {
                                return Err(Bail);
                            }
                        }
                        Some(b']') => {
                            self.at += 1;
                            return Ok(Node { value: Value::Seq(items), line, column });
                        }
                        _ => return Err(Bail),
                    }
                }
            }
            b'{' => {
                self.at += 1;
                let mut entries: Vec<(Node<'a>, Node<'a>)> = Vec::new();
                self.skip()?;
                if self.peek() == Some(b'}') {
                    self.at += 1;
                    return Ok(Node { value: Value::Map(entries), line, column });
                }
                loop {
                    self.skip()?;
                    let key = self.scalar_node()?;
                    if self.peek() != Some(b':') {
                        return Err(Bail);
                    }
                    self.at += 1;
                    // After a plain key the `:` must be followed by a space.
                    if matches!(key.value, Value::Scalar(_, true))
                        && !matches!(self.peek(), None | Some(b' '))
                    {
                        return Err(Bail);
                    }
                    self.skip()?;
                    if matches!(self.peek(), Some(b',') | Some(b'}')) {
                        return Err(Bail);
                    }
                    let value = self.node()?;
                    if let Some(k) = key.as_str()
                        && entries.iter().any(|(e, _)| e.as_str() == Some(k))
                    {
                        return Err(Bail);
                    }
                    entries.push((key, value));
                    self.skip()?;
                    match self.peek() {
                        Some(b',') => {
                            self.at += 1;
                            self.skip()?;
                            if self.peek() == Some(b'}') {
                                return Err(Bail);
                            }
                        }
                        Some(b'}') => {
                            self.at += 1;
                            return Ok(Node { value: Value::Map(entries), line, column });
                        }
                        _ => return Err(Bail),
                    }
                }
            }
            _ => {
                let node = self.scalar_node()?;
                // A `:` after a value in a flow sequence makes a single-pair mapping.
                let t = &self.text()[self.at..];
                if t.trim_start_matches(' ').starts_with(':') {
                    return Err(Bail);
                }
                Ok(node)
            }
        }
    }

    /// A quoted or plain scalar in flow context.
    fn scalar_node(&mut self) -> R<Node<'a>> {
        let t = self.text();
        let rest = &t[self.at..];
        let line = self.lines[self.row].number;
        let column = col(t, self.at);
        match rest.as_bytes().first() {
            Some(b'"') | Some(b'\'') => {
                let (s, len) = quoted(rest)?;
                self.at += len;
                Ok(scalar(s, false, line, column))
            }
            _ => {
                if !starts_plain(rest) {
                    return Err(Bail);
                }
                let b = rest.as_bytes();
                let mut end = b.len();
                for i in 0..b.len() {
                    match b[i] {
                        b',' | b'[' | b']' | b'{' | b'}' => {
                            end = i;
                            break;
                        }
                        b':' if i + 1 == b.len()
                            || matches!(b[i + 1], b' ' | b',' | b']' | b'}' | b'[' | b'{') =>
                        {
                            end = i;
                            break;
                        }
                        b'#' if b[i - 1] == b' ' => {
                            end = i;
                            break;
                        }
                        // The full parser reads ` -]`, ` ?,`, ... as a new token that is not a
                        // valid scalar start: leave those to it.
                        b' ' if matches!(b.get(i + 1), Some(b'-' | b'?' | b':'))
                            && matches!(
                                b.get(i + 2),
                                None | Some(b' ' | b',' | b'[' | b']' | b'{' | b'}')
                            ) =>
                        {
                            return Err(Bail);
                        }
                        b'\t' => return Err(Bail),
                        _ => {}
                    }
                }
                let s = rest[..end].trim_end_matches(' ');
                if end == b.len() || rest[end..].starts_with('#') {
                    // A plain scalar that reaches the line's end continues on the next line
                    // unless that line goes on with a flow indicator.
                    let next = self.lines[self.row + 1..].iter().find(|l| !is_blank(l.text));
                    let cont = next.map(|l| l.text.trim_start_matches(' ').as_bytes()[0]);
                    if !matches!(cont, Some(b',' | b']' | b'}')) {
                        return Err(Bail);
                    }
                }
                self.at += s.len();
                Ok(scalar(Cow::Borrowed(s), true, line, column))
            }
        }
    }
}
