//! Differential tests: wherever the fast reader answers, it must build exactly the tree the
//! full YAML parser builds (positions included), and it must not accept what the full parser
//! rejects.

use proptest::prelude::*;

use super::fast;
use super::node::{Document, Node, parse_stream_full};

fn full(src: &str) -> Result<Vec<Option<Node<'_>>>, String> {
    parse_stream_full(src)
        .into_iter()
        .map(|d| {
            d.map(|d: Document<'_>| d.root).map_err(|e| format!("{}:{} {}", e.line, e.column, e.message))
        })
        .collect()
}

/// Checks agreement; returns whether the fast reader answered.
fn agree(src: &str) -> Result<bool, String> {
    let Some(fast_docs) = fast::parse_stream(src) else { return Ok(false) };
    let fast_roots: Vec<Option<Node<'_>>> = fast_docs.into_iter().map(|d| d.root).collect();
    match full(src) {
        Ok(full_roots) if full_roots == fast_roots => Ok(true),
        Ok(full_roots) => {
            Err(format!("trees differ for {src:?}:\nfast: {fast_roots:#?}\nfull: {full_roots:#?}"))
        }
        Err(e) => Err(format!("fast accepted what the full parser rejects ({e}): {src:?}\n{fast_roots:#?}")),
    }
}

#[test]
fn handpicked_documents_agree() {
    let cases = [
        "a: 1\n",
        "a:\n  # c\nb: x\nc:\n- 1\nd:\n",
        "---\n---\n# x\n---\n",
        "# c\n---\na: 1\n---\n",
        "- a: \n  b: 2",
        // Found by mutated_yaml_agrees: a last line of spaces without a newline after a
        // literal block (saphyr keeps an extra line break).
        "- |\n ,\n \n",
        "- |\n ,\n",
        "-\n- x",
        "a:\n  - x\n",
        "a: [1, {b: c}, \"d\"]",
        "{\n \"a\": [1,\n  2],\n \"b\": {}\n}\n",
        "a:\n  b: |\n    text\n     more\n\n  c: 1",
        "a: |-\n  x\nb: 1\n",
        "c:\n- a: 1\n  b: 2\n- x\nd: 1",
        "a:\n  b: c\n  d:\n  - e\n",
        "k: v # c\nq: \"a\\\"b\\u00e9\"\n",
        "s: 'it''s'",
        "a: b\n\n\n---\n",
        "a:\n  -   x\n  -   y: 1\n      z: 2",
        "ключ: значение\nx: [é, \"ü\"]\n",
        "a: \"x\"#c\n",
        "a: x: y\n",
        "a: 1\n  b: 2\n",
        "a: [1,\n2]\n",
        "a: [x\n  y]\n",
        "- - a\n",
        "a: &x 1\nb: *x\n",
        "a: 1\na: 2\n",
        "{\"a\": 1, \"a\": 2}",
        "a: |\n  x",
        "---\napiVersion: v1\nkind: List\nitems:\n- kind: A\n  metadata: {name: x, labels: {a: b}}\n",
    ];
    let mut answered = 0;
    for c in cases {
        if agree(c).unwrap_or_else(|e| panic!("{e}")) {
            answered += 1;
        }
    }
    assert!(answered >= 15, "the fast reader answered only {answered} cases");
}

#[test]
fn corpus_documents_agree() {
    let root = std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"));
    if !root.is_dir() {
        eprintln!("skipping: the shared corpus is not beside this checkout");
        return;
    }
    let mut stack = vec![root];
    let (mut files, mut answered) = (0, 0);
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml" || x == "json") {
                let text = std::fs::read_to_string(&p).unwrap();
                files += 1;
                if agree(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display())) {
                    answered += 1;
                }
            }
        }
    }
    eprintln!("fast reader answered {answered} of {files} corpus files");
    assert!(answered * 10 >= files * 8, "the fast reader answered only {answered} of {files} files");
}

#[derive(Debug, Clone)]
enum Gen {
    Scalar(String, u8),
    Seq(Vec<Gen>, bool),
    Map(Vec<(String, Gen)>, bool),
}

const WORDS: &[&str] = &[
    "a",
    "a b",
    "1",
    "true",
    "null",
    "~",
    "",
    "x: y",
    "#x",
    "a #b",
    "-x",
    "- x",
    ":x",
    "é",
    "\"q\"",
    "it's",
    "a\\b",
    "[x]",
    "{y}",
    ",",
    "*a",
    "&b",
    "!c",
    "|",
    ">",
    "%",
    "@",
    "line1\nline2\n",
    "  lead",
    "trail ",
    "k8s.io/name",
    "/api/v1",
    "10.0.0.0/8",
    "*.example.com",
    "0x1F",
    "1.5",
    "-3",
];

fn gen_value() -> impl Strategy<Value = Gen> {
    let leaf = (0..WORDS.len(), 0u8..4).prop_map(|(w, style)| Gen::Scalar(WORDS[w].to_string(), style));
    leaf.prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            (proptest::collection::vec(inner.clone(), 0..4), any::<bool>()).prop_map(|(v, f)| Gen::Seq(v, f)),
            (proptest::collection::vec(((0..WORDS.len()), inner), 0..4), any::<bool>()).prop_map(|(v, f)| {
                Gen::Map(v.into_iter().map(|(k, g)| (WORDS[k].to_string(), g)).collect(), f)
            }),
        ]
    })
}

fn scalar_text(s: &str, style: u8, indent: usize) -> String {
    match style {
        0 => s.to_string(),
        1 => format!("'{}'", s.replace('\'', "''")),
        2 => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")),
        _ => {
            let pad = " ".repeat(indent + 2);
            let body: String = s.lines().map(|l| format!("{pad}{l}\n")).collect();
            format!("|\n{body}")
        }
    }
}

fn flow_text(g: &Gen) -> String {
    match g {
        Gen::Scalar(s, style) => scalar_text(s, (*style).min(2), 0),
        Gen::Seq(v, _) => format!("[{}]", v.iter().map(flow_text).collect::<Vec<_>>().join(", ")),
        Gen::Map(v, _) => format!(
            "{{{}}}",
            v.iter()
                .map(|(k, g)| format!("{}: {}", scalar_text(k, 0, 0), flow_text(g)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn block_text(g: &Gen, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match g {
        Gen::Seq(v, false) if !v.is_empty() => {
            for item in v {
                match item {
                    Gen::Map(m, false) if !m.is_empty() => {
                        out.push_str(&format!("{pad}- "));
                        let mut inner = String::new();
                        block_text(item, indent + 2, &mut inner);
                        out.push_str(inner.trim_start_matches(' '));
                    }
                    Gen::Scalar(s, st) => out.push_str(&format!(
                        "{pad}- {}\n",
                        scalar_text(s, *st, indent).trim_end_matches('\n')
                    )),
                    _ => {
                        out.push_str(&format!("{pad}-\n"));
                        block_text(item, indent + 2, out);
                    }
                }
            }
        }
        Gen::Map(m, false) if !m.is_empty() => {
            for (k, v) in m {
                match v {
                    Gen::Scalar(s, st) => out.push_str(&format!(
                        "{pad}{k}: {}\n",
                        scalar_text(s, *st, indent).trim_end_matches('\n')
                    )),
                    Gen::Seq(items, false) if !items.is_empty() && indent.is_multiple_of(4) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        block_text(v, indent, out);
                    }
                    Gen::Seq(_, false) | Gen::Map(_, false) => {
                        out.push_str(&format!("{pad}{k}:\n"));
                        block_text(v, indent + 2, out);
                    }
                    _ => out.push_str(&format!("{pad}{k}: {}\n", flow_text(v))),
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", flow_text(other))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn generated_yaml_agrees(g in gen_value(), docs in 1usize..3, comment in any::<bool>()) {
        let mut text = String::new();
        for i in 0..docs {
            if i > 0 || comment { text.push_str("---\n"); }
            block_text(&g, 0, &mut text);
            if comment { text.push_str("# trailing\n"); }
        }
        agree(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn mutated_yaml_agrees(g in gen_value(), edits in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..16), 1..3)) {
        let mut text = String::new();
        block_text(&g, 0, &mut text);
        let mut chars: Vec<char> = text.chars().collect();
        for (at, what) in edits {
            let i = at.index(chars.len() + 1);
            let c = [' ', '\n', '-', ':', '#', '\'', '"', '[', ']', '{', '}', ',', '|', '\t', 'x', '\\'][what];
            if what % 3 == 0 && i < chars.len() { chars.remove(i); } else { chars.insert(i, c); }
        }
        let text: String = chars.into_iter().collect();
        agree(&text).map_err(TestCaseError::fail)?;
    }
}

// Found by the load_yaml fuzz target: a stream ending in an empty explicit document without
// a final newline ("---"). saphyr places that null at the start of the line after the last.
#[test]
fn empty_last_document_without_newline_agrees_with_saphyr() {
    for src in ["---", "--- ", "--- #x", "---\n#c", "---\n  ", "a: 1\n---", "---\n---", "---\n", "---\n\n"] {
        let fast = super::fast::parse_stream(src).unwrap_or_else(|| panic!("{src:?} declined"));
        let full = super::node::parse_stream_full(src);
        assert_eq!(fast.len(), full.len(), "{src:?}");
        for (a, b) in fast.iter().zip(&full) {
            assert_eq!(Some(&a.root), b.as_ref().ok().map(|d| &d.root), "{src:?}");
        }
    }
}

// Found by the load_yaml fuzzer: saphyr stops at a NUL anywhere ("found unprintable
// character", even in a comment), while other control characters pass; the fast reader
// leaves NUL to it.
#[test]
fn nul_goes_to_the_full_parser() {
    for src in
        ["#\u{2}\u{0}`", "# \u{0}\n", "a: b\u{0}\n", "a: b # \u{0}\n", "a: 'x\u{0}'\n", "a: |\n  x\u{0}\n"]
    {
        assert!(fast::parse_stream(src).is_none(), "{src:?}");
        assert!(full(src).is_err(), "{src:?}");
    }
    // Also found by the fuzzer: a byte order mark inside a comment.
    assert!(fast::parse_stream("#\u{feff}").is_none());
    for src in ["#\u{2}", "a: b # \u{2}\n", "a: \u{7f}\n"] {
        assert_eq!(agree(src), Ok(true), "{src:?}");
    }
}

// Found by mutated_yaml_agrees: saphyr keeps a final line of spaces (no newline) after a
// literal block as one more line break (",\n\n"), where a blank line would be clipped; the
// fast reader leaves that shape to saphyr.
#[test]
fn final_spaces_after_a_block_scalar_go_to_the_full_parser() {
    assert!(fast::parse_stream("- |\n ,\n ").is_none());
    assert_eq!(agree("- |\n ,\n \n"), Ok(true));
}
