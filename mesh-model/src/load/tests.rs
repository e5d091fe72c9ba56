use super::*;

fn opts() -> LoadOptions {
    LoadOptions::default()
}

const VS: &str = "\
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
  colour: blue
spec:
  hosts:
  - reviews
";

#[test]
fn loads_and_records_unknown_fields() {
    let out = load_str(VS, &opts());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.objects, 1);
    let r = &out.resources[0];
    assert_eq!(r.resource.kind(), Kind::VirtualService);
    assert_eq!(r.unknown_fields, vec![UnknownField { path: "metadata.colour".into(), line: 6 }]);
}

#[test]
fn unsupported_kinds_are_reported_not_dropped() {
    let src = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: x}\n---\n---\n# only a comment\n";
    let out = load_str(src, &opts());
    assert_eq!(out.objects, 1, "empty documents are not counted");
    assert_eq!(out.errors.len(), 1);
    let e = &out.errors[0];
    assert!(e.is_unsupported());
    assert_eq!(
        (e.document, e.line, e.kind.as_deref(), e.name.as_deref()),
        (0, 1, Some("Deployment"), Some("d"))
    );
}

#[test]
fn kind_list_is_unwrapped() {
    let src = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Nope\n";
    let out = load_str(src, &opts());
    assert_eq!(out.objects, 2);
    assert_eq!(out.resources.len(), 1);
    assert_eq!(out.resources[0].origin, Origin { document: 0, item: Some(0), line: 4 });
    assert_eq!(out.errors[0].item, Some(1));
}

#[test]
fn decode_errors_carry_path_line_and_column() {
    let src = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    x: [1]\n";
    let out = load_str(src, &opts());
    let e = &out.errors[0];
    assert_eq!((e.path.as_str(), e.line, e.column), ("metadata.labels[x]", 6, 8), "{e}");
}

#[test]
fn syntax_errors_do_not_lose_later_documents() {
    let src = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n";
    let out = load_str(src, &opts());
    assert_eq!(out.resources.len(), 1);
    assert_eq!(out.resources[0].resource.name(), "b");
    assert_eq!(out.resources[0].origin.document, 1);
    assert!(matches!(out.errors[0].reason, LoadErrorKind::Syntax(_)));
}

#[test]
fn default_namespace_applies_to_namespaced_kinds_only() {
    let src = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n";
    let out = load_str(src, &LoadOptions::default().with_default_namespace("default"));
    assert_eq!(out.resources[0].resource.namespace(), "");
    assert_eq!(out.resources[1].resource.namespace(), "default");
}

#[test]
fn source_map_finds_lines() {
    let map = SourceMap::new(VS);
    let origin = Origin { document: 0, item: None, line: 1 };
    assert_eq!(map.line(&origin, "spec.hosts[0]"), Some(9));
    assert_eq!(map.line(&origin, "spec.hosts"), Some(8));
    assert_eq!(map.line(&origin, "spec.http[0].route"), Some(7), "falls back to the deepest parent");
    assert_eq!(map.line(&origin, ""), Some(1));
}

#[test]
fn json_loads() {
    let src = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\",\n \"metadata\": {\"name\": \"a\", \"labels\": {\"k\": \"v\"}}}";
    let out = load_str(src, &opts());
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.resources[0].resource.meta().labels["k"], "v");
}
