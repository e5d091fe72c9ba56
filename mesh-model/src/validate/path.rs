//! Field paths (`spec.http[0].route[1].weight`), built on the stack while walking a resource
//! and turned into a string only when a diagnostic needs one.

use std::fmt;

/// A position in a resource, as a chain of parent links. Copy-cheap; allocates nothing.
///
/// Struct fields print as `.name`, list items as `[3]`, map entries as `[key]` (Kubernetes'
/// field-path convention).
#[derive(Clone, Copy)]
pub enum Path<'a> {
    /// The resource itself.
    Root,
    /// A struct field (JSON name) under a parent.
    Field(&'a Path<'a>, &'a str),
    /// A list item under a parent.
    Index(&'a Path<'a>, usize),
    /// A map entry under a parent.
    Key(&'a Path<'a>, &'a str),
}

impl<'a> Path<'a> {
    /// The field `name` below this path.
    pub fn field(&'a self, name: &'a str) -> Path<'a> {
        Path::Field(self, name)
    }

    /// The list item `i` below this path.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }

    /// The map entry `key` below this path.
    pub fn key(&'a self, key: &'a str) -> Path<'a> {
        Path::Key(self, key)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Field(parent, name) => {
                parent.fmt(f)?;
                if matches!(parent, Path::Root) { f.write_str(name) } else { write!(f, ".{name}") }
            }
            Path::Index(parent, i) => {
                parent.fmt(f)?;
                write!(f, "[{i}]")
            }
            Path::Key(parent, k) => {
                parent.fmt(f)?;
                write!(f, "[{k}]")
            }
        }
    }
}

impl fmt::Debug for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Path({self})")
    }
}

/// One step of a parsed field path, for looking a path up in a YAML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    /// `.name`
    Field(&'a str),
    /// `[i]` or `[key]`: a list index when the node is a list, a map key otherwise.
    Bracket(&'a str),
}

/// Splits `spec.http[0].headers[end-user]` into segments.
pub(crate) fn segments(path: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut rest = path;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']').unwrap_or(r.len());
            out.push(Segment::Bracket(&r[..end]));
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let r = rest.strip_prefix('.').unwrap_or(rest);
            let end = r.find(['.', '[']).unwrap_or(r.len());
            out.push(Segment::Field(&r[..end]));
            rest = &r[end..];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_kubernetes_field_paths() {
        let root = Path::Root;
        let spec = root.field("spec");
        let http = spec.field("http");
        let h0 = http.index(0);
        let headers = h0.field("headers");
        let p = headers.key("end-user");
        assert_eq!(p.to_string(), "spec.http[0].headers[end-user]");
        assert_eq!(
            segments("spec.http[0].headers[end-user]"),
            vec![
                Segment::Field("spec"),
                Segment::Field("http"),
                Segment::Bracket("0"),
                Segment::Field("headers"),
                Segment::Bracket("end-user")
            ]
        );
    }
}
