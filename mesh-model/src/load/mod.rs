//! Loading resources from YAML and JSON text (the crate does no file I/O).
//!
//! [`load_str`] reads a multi-document YAML or JSON string, unwraps `kind: List`, and
//! decodes every document into a typed [`Resource`]. Nothing is dropped silently: a document
//! that does not parse, has no `apiVersion`/`kind`, names a kind this model does not serve, or
//! does not decode becomes a [`LoadError`] carrying its document index, line, column and field
//! path, and the rest of the input still loads.
//!
//! ```
//! use mesh_model::load::{load_str, LoadOptions};
//! let yaml = "\
//! apiVersion: networking.istio.io/v1
//! kind: VirtualService
//! metadata: {name: reviews}
//! spec:
//!   hosts: [reviews]
//! ---
//! apiVersion: example.com/v1
//! kind: Widget
//! metadata: {name: w}
//! ";
//! let loaded = load_str(yaml, &LoadOptions::default().with_default_namespace("default"));
//! assert_eq!(loaded.resources.len(), 1);
//! assert_eq!(loaded.resources[0].resource.namespace(), "default");
//! assert_eq!(loaded.errors[0].line, 7);
//! assert_eq!(loaded.objects, 2);
//! ```

mod de;
mod fast;
mod node;
mod source_map;

use std::fmt;

pub use de::UnknownField;
use node::{Node, Value};
pub use source_map::SourceMap;

use crate::mesh_config::MeshConfig;
use crate::resource::{Kind, Resource};
use crate::validate::Path;

/// How to load.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The namespace given to namespaced resources that name none (`None`: leave it unset).
    pub default_namespace: Option<String>,
}

impl LoadOptions {
    /// Sets the namespace for resources without `metadata.namespace`.
    pub fn with_default_namespace(mut self, ns: impl Into<String>) -> Self {
        self.default_namespace = Some(ns.into());
        self
    }
}

/// Where a resource came from in its source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Origin {
    /// 0-based index of the YAML document in the stream.
    pub document: usize,
    /// Index in `items` when the document is a `kind: List`.
    pub item: Option<usize>,
    /// 1-based line where the resource starts.
    pub line: u32,
}

/// A resource and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The typed resource.
    pub resource: Resource,
    /// Its position in the source.
    pub origin: Origin,
    /// Fields the input set that the model does not know (reported as errors by strict
    /// validation, as `kubectl --validate=strict` would).
    pub unknown_fields: Vec<UnknownField>,
}

/// What [`load_str`] produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOutput {
    /// The resources that decoded, in input order.
    pub resources: Vec<Loaded>,
    /// Everything that did not, in input order.
    pub errors: Vec<LoadError>,
    /// How many objects were read: non-empty documents, with a `kind: List` counting its
    /// items. Failed ones are counted too.
    pub objects: usize,
}

/// Why a document or list item did not load.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadErrorKind {
    /// The text is not well-formed YAML or JSON (`a: [`), or repeats a mapping key.
    #[error("{0}")]
    Syntax(String),
    /// The document is not a mapping (a bare list or scalar).
    #[error("a resource must be a mapping with apiVersion and kind")]
    NotAnObject,
    /// `apiVersion` or `kind` is missing or not a string.
    #[error("the resource has no {0}")]
    MissingType(&'static str),
    /// The apiVersion/kind pair is not one the model serves, such as `networking.istio.io/v1`
    /// `EnvoyFilter` or `apps/v1` `Deployment`.
    #[error("unsupported resource {api_version} {kind}")]
    Unsupported {
        /// The document's `apiVersion`.
        api_version: String,
        /// The document's `kind`.
        kind: String,
    },
    /// A field has the wrong type or value (`weight: ten`, an unknown enum name).
    #[error("{0}")]
    Decode(String),
}

/// A document or list item that did not load, with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct LoadError {
    /// 0-based document index.
    pub document: usize,
    /// Index in `items` when the document is a `kind: List`.
    pub item: Option<usize>,
    /// 1-based line of the offending node.
    pub line: u32,
    /// 1-based column of the offending node.
    pub column: u32,
    /// Field path of the offending node (`spec.http[0].route[0].weight`; `""` for the
    /// document itself).
    pub path: String,
    /// The document's `kind`, when it has one.
    pub kind: Option<String>,
    /// The document's `metadata.name`, when it has one.
    pub name: Option<String>,
    /// The document's `metadata.namespace`, when it has one.
    pub namespace: Option<String>,
    /// What went wrong.
    pub reason: LoadErrorKind,
}

impl LoadError {
    /// Whether this only says that the kind is not one the model serves.
    pub fn is_unsupported(&self) -> bool {
        matches!(self.reason, LoadErrorKind::Unsupported { .. })
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "document {}", self.document)?;
        if let Some(i) = self.item {
            write!(f, " item {i}")?;
        }
        write!(f, ", line {}, column {}", self.line, self.column)?;
        if let Some(k) = &self.kind {
            write!(f, ", {k}")?;
            if let Some(n) = &self.name {
                match &self.namespace {
                    Some(ns) => write!(f, " {ns}/{n}")?,
                    None => write!(f, " {n}")?,
                }
            }
        }
        if !self.path.is_empty() {
            write!(f, ", {}", self.path)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Loads every resource in a YAML or JSON string (multi-document, `kind: List` unwrapped).
pub fn load_str(src: &str, options: &LoadOptions) -> LoadOutput {
    let mut out = LoadOutput::default();
    for (document, doc) in node::parse_stream(src).into_iter().enumerate() {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                out.objects += 1;
                out.errors.push(LoadError {
                    document,
                    item: None,
                    line: e.line,
                    column: e.column,
                    path: String::new(),
                    kind: None,
                    name: None,
                    namespace: None,
                    reason: LoadErrorKind::Syntax(e.message),
                });
                continue;
            }
        };
        let Some(root) = doc.root.as_ref().filter(|r| !r.is_null()) else { continue };
        if is_list(root) {
            let items = match root.get("items").map(|n| &n.value) {
                Some(Value::Seq(items)) => items.as_slice(),
                _ => &[],
            };
            for (i, item) in items.iter().enumerate() {
                out.objects += 1;
                load_one(item, Origin { document, item: Some(i), line: item.line }, options, &mut out);
            }
        } else {
            out.objects += 1;
            load_one(root, Origin { document, item: None, line: root.line }, options, &mut out);
        }
    }
    out
}

/// Parses MeshConfig YAML, as Istio keeps it in `data.mesh` of the ConfigMap `istio` in the
/// root namespace. Unset fields keep Istio's defaults; unknown fields are returned beside it.
///
/// ```
/// let (mesh, unknown) = mesh_model::load::parse_mesh_config("trustDomain: example.org\n").unwrap();
/// assert_eq!(mesh.trust_domain(), "example.org");
/// assert!(unknown.is_empty());
/// ```
// A parse error is the rare, cold path; keeping `LoadError` unboxed keeps it one type everywhere.
#[allow(clippy::result_large_err)]
pub fn parse_mesh_config(yaml: &str) -> Result<(MeshConfig, Vec<UnknownField>), LoadError> {
    parse_document(yaml, "MeshConfig")
}

/// Parses the first YAML (or JSON) document of `yaml` into `T`, such as the ProxyConfig a
/// pod's `proxy.istio.io/config` annotation holds. An empty document gives `T::default()`;
/// unknown fields of typed models are returned beside the value; `kind` names the document
/// in errors.
///
/// ```
/// let (v, _) =
///     mesh_model::load::parse_document::<serde_json::Value>("concurrency: 0\n", "ProxyConfig").unwrap();
/// assert_eq!(v, serde_json::json!({"concurrency": 0}));
/// ```
#[allow(clippy::result_large_err)]
pub fn parse_document<T: serde::de::DeserializeOwned + Default>(
    yaml: &str,
    kind: &str,
) -> Result<(T, Vec<UnknownField>), LoadError> {
    let mut unknown = Vec::new();
    let first = parse_documents::<T>(yaml, kind, &mut unknown)?.into_iter().next();
    Ok((first.unwrap_or_default(), unknown))
}

/// Parses every document of a YAML (or JSON) stream into `T`, such as the manifests a user
/// hands to `meshctl inject --workload`; empty documents are skipped, unknown fields of typed
/// models are collected into `unknown`, and the first broken document is the error.
///
/// ```
/// let mut unknown = Vec::new();
/// let docs = mesh_model::load::parse_documents::<serde_json::Value>("a: 1\n---\nb: 2\n", "Manifest", &mut unknown)
///     .unwrap();
/// assert_eq!(docs, [serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]);
/// ```
#[allow(clippy::result_large_err)]
pub fn parse_documents<T: serde::de::DeserializeOwned>(
    yaml: &str,
    kind: &str,
    unknown: &mut Vec<UnknownField>,
) -> Result<Vec<T>, LoadError> {
    let err = |document, line, column, path, reason| LoadError {
        document,
        item: None,
        line,
        column,
        path,
        kind: Some(kind.to_string()),
        name: None,
        namespace: None,
        reason,
    };
    let mut out = Vec::new();
    for (i, doc) in node::parse_stream(yaml).iter().enumerate() {
        match doc {
            Err(e) => {
                return Err(err(
                    i,
                    e.line,
                    e.column,
                    String::new(),
                    LoadErrorKind::Syntax(e.message.clone()),
                ));
            }
            Ok(doc) => {
                let Some(root) = &doc.root else { continue };
                match de::from_node::<T>(root, &Path::Root, unknown) {
                    Ok(v) => out.push(v),
                    Err(e) => {
                        let (path, line, column) =
                            e.at.unwrap_or_else(|| (String::new(), root.line, root.column));
                        return Err(err(i, line, column, path, LoadErrorKind::Decode(e.message)));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Whether the fast YAML reader and the full YAML 1.2 parser build the same documents for
/// `src` (or the fast reader declines it). For fuzzing and tests; not a stable API.
#[doc(hidden)]
pub fn yaml_readers_agree(src: &str) -> bool {
    let Some(fast) = fast::parse_stream(src) else { return true };
    let full = node::parse_stream_full(src);
    fast.len() == full.len() && fast.iter().zip(&full).all(|(a, b)| matches!(b, Ok(b) if b.root == a.root))
}

fn is_list(root: &Node<'_>) -> bool {
    root.get("kind").and_then(Node::as_str).is_some_and(|k| k.ends_with("List"))
        && matches!(root.get("items").map(|n| &n.value), Some(Value::Seq(_)))
}

fn load_one(node: &Node<'_>, origin: Origin, options: &LoadOptions, out: &mut LoadOutput) {
    let meta = node.get("metadata");
    let text = |n: Option<&Node<'_>>| n.and_then(Node::as_str).map(str::to_string);
    let mut error = |line: u32, column: u32, path: String, reason: LoadErrorKind| {
        out.errors.push(LoadError {
            document: origin.document,
            item: origin.item,
            line,
            column,
            path,
            kind: text(node.get("kind")),
            name: text(meta.and_then(|m| m.get("name"))),
            namespace: text(meta.and_then(|m| m.get("namespace"))),
            reason,
        })
    };
    if !matches!(node.value, Value::Map(_)) {
        error(node.line, node.column, String::new(), LoadErrorKind::NotAnObject);
        return;
    }
    let Some(api_version) = node.get("apiVersion").and_then(Node::as_str) else {
        error(node.line, node.column, String::new(), LoadErrorKind::MissingType("apiVersion"));
        return;
    };
    let Some(kind_name) = node.get("kind").and_then(Node::as_str) else {
        error(node.line, node.column, String::new(), LoadErrorKind::MissingType("kind"));
        return;
    };
    let Some(kind) = Kind::from_type(api_version, kind_name) else {
        let reason =
            LoadErrorKind::Unsupported { api_version: api_version.to_string(), kind: kind_name.to_string() };
        error(node.line, node.column, String::new(), reason);
        return;
    };
    let mut unknown = Vec::new();
    match de::resource_from_node(kind, node, &Path::Root, &mut unknown) {
        Ok(mut resource) => {
            if kind.is_namespaced()
                && resource.meta().namespace.as_deref().is_none_or(str::is_empty)
                && let Some(ns) = &options.default_namespace
            {
                resource.meta_mut().namespace = Some(ns.clone());
            }
            out.resources.push(Loaded { resource, origin, unknown_fields: unknown });
        }
        Err(e) => {
            let (path, line, column) = e.at.unwrap_or_else(|| (String::new(), node.line, node.column));
            error(line, column, path, LoadErrorKind::Decode(e.message));
        }
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fast;
