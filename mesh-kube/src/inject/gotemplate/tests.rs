use serde_json::json;

use super::*;

fn run(text: &str, data: serde_json::Value) -> String {
    Template::parse(text).unwrap().render_json(&data).unwrap()
}

fn fails(text: &str, data: serde_json::Value) -> TemplateError {
    match Template::parse(text) {
        Err(e) => e,
        Ok(t) => t.render_json(&data).unwrap_err(),
    }
}

// go text/template doc "Text and spaces": trim markers eat all adjacent white space.
#[test]
fn trim_markers_eat_adjacent_space() {
    assert_eq!(run("{{23 -}} < {{- 45}}", json!({})), "23<45");
    assert_eq!(run("a  \n\t{{- \"b\" -}}\n\n  c", json!({})), "abc");
    // `{{-3}}` is the number -3, not a trim marker.
    assert_eq!(run("x {{-3}}", json!({})), "x -3");
    assert_eq!(run("a {{- /* c */ -}} b", json!({})), "ab");
    assert_eq!(run("a {{/* c\nd */}} b", json!({})), "a  b");
}

// go exec_test.go "map range": maps range in sorted key order.
#[test]
fn range_over_a_map_is_in_key_order() {
    let data = json!({"m": {"b": 2, "a": 1, "c": 3}});
    assert_eq!(run("{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}", data.clone()), "a=1;b=2;c=3;");
    assert_eq!(run("{{range .m}}{{.}}{{end}}", data.clone()), "123");
    assert_eq!(run("{{range .none}}x{{else}}empty{{end}}", data), "empty");
    assert_eq!(run("{{range $i, $v := .l}}{{$i}}{{$v}}{{end}}", json!({"l": ["a", "b"]})), "0a1b");
    assert_eq!(run("{{range 3}}{{.}}{{end}}", json!({})), "012");
}

// go exec_test.go "map no value" / "nil": a missing key prints <no value>; print shows <nil>.
#[test]
fn missing_keys_print_no_value() {
    let data = json!({"m": {"a": 1, "n": null}});
    assert_eq!(run("{{.m.missing}}", data.clone()), "<no value>");
    assert_eq!(run("{{.m.missing.deeper}}", data.clone()), "<no value>");
    assert_eq!(run("{{index .m \"missing\"}}", data.clone()), "<no value>");
    assert_eq!(run("{{.m.n}}", data.clone()), "<no value>");
    assert_eq!(run("{{print .m.missing}}", data.clone()), "<nil>");
    assert_eq!(run("{{printf \"%v\" .m.n}}", data.clone()), "<nil>");
    // A field of an explicit nil is an error, of a missing key is not.
    assert!(fails("{{.m.n.x}}", data).message.contains("nil pointer evaluating"));
}

// go exec_test.go "if else if": chains pick the first true branch.
#[test]
fn else_if_chains() {
    let t = "{{if eq .x 1.0}}one{{else if eq .x 2.0}}two{{else}}many{{end}}";
    assert_eq!(run(t, json!({"x": 1})), "one");
    assert_eq!(run(t, json!({"x": 2})), "two");
    assert_eq!(run(t, json!({"x": 7})), "many");
    assert_eq!(run("{{with .a}}{{.}}{{else with .b}}b{{.}}{{else}}none{{end}}", json!({"b": 5})), "b5");
}

// go exec_test.go "declare in range" and "$x = " assignment: body variables end with each
// iteration, an outer variable assigned in the body keeps its value.
#[test]
fn variable_scoping_in_range() {
    let t = "{{$first := true}}{{range .l}}{{if not $first}},{{end}}{{.}}{{$first = false}}{{end}}";
    assert_eq!(run(t, json!({"l": ["a", "b", "c"]})), "a,b,c");
    let t = "{{$x := 0}}{{range .l}}{{$x := .}}{{end}}{{$x}}";
    assert_eq!(run(t, json!({"l": [1, 2]})), "0");
    // A variable declared inside a block is not visible after its end (a parse error).
    assert!(fails("{{if true}}{{$y := 1}}{{end}}{{$y}}", json!({})).message.contains("undefined variable"));
    assert_eq!(
        run("{{range $i, $e := .l}}{{if eq $i 1}}{{break}}{{end}}{{$e}}{{end}}", json!({"l": [1, 2, 3]})),
        "1"
    );
}

// Go's printing: float64 values of untyped JSON, maps and slices.
#[test]
fn values_print_as_go_prints_them() {
    let data = json!({"i": 43200, "big": 1000000, "f": 1.5, "l": [1, "a", null], "m": {"k": true}});
    assert_eq!(run("{{.i}} {{.big}} {{.f}} {{.l}} {{.m}}", data), "43200 1e+06 1.5 [1 a <nil>] map[k:true]");
    assert_eq!(run("{{3}} {{1e3}} {{0x10}} {{'a'}}", json!({})), "3 1000 16 97");
    assert_eq!(run("{{print 1 2 \"a\" 3}}", json!({})), "1 2a3");
    assert_eq!(
        run("{{printf \"%05d|%-4s|%q|%t|%.2f\" 42 \"ab\" \"x\" true 3.14159}}", json!({})),
        "00042|ab  |\"x\"|true|3.14"
    );
    assert_eq!(run("{{printf \"%d\" \"x\"}}", json!({})), "%!d(string=x)");
}

// go funcs.go eq/lt: mixed int and float64 is an error, nil compares unequal.
#[test]
fn comparisons_follow_go() {
    assert!(fails("{{eq .x 1}}", json!({"x": 1})).message.contains("incompatible types for comparison"));
    assert_eq!(
        run("{{eq .x 1.0}} {{eq .missing \"a\"}} {{ne \"a\" \"b\"}}", json!({"x": 1})),
        "true false true"
    );
    assert_eq!(run("{{eq \"b\" \"a\" \"b\"}} {{lt 1 2}} {{ge \"b\" \"a\"}}", json!({})), "true true true");
    assert_eq!(
        run("{{and 1 0 2}} {{or 0 \"\" \"x\"}} {{and .missing .nope.x}}", json!({})),
        "0 x <no value>"
    );
}

// sprig and Istio's funcmap, as Istio's templates use them.
#[test]
fn functions_match_sprig_and_istio() {
    let data = json!({"labels": {"app": "--shop.v1__"}, "res": {"limits": {"cpu": null, "memory": "1Gi"}}});
    assert_eq!(run("{{ .labels.app | trunc 63 | trimAll \"-_.\" | quote }}", data.clone()), "\"shop.v1\"");
    assert_eq!(run("{{ .labels.none | default \"latest\" }}", data.clone()), "latest");
    assert_eq!(run("{{ toYaml (omitNil .res) | indent 2 }}", data.clone()), "limits:\n    memory: 1Gi\n  ");
    assert_eq!(
        run(
            "{{ $l := list }}{{ $l = append $l \"a\" }}{{ $l = append $l \"b\" }}{{ $l | join \",\" }}",
            data.clone()
        ),
        "a,b"
    );
    assert_eq!(
        run(
            "{{ contains \"/\" \"a/b\" }} {{ toLower \"AbC\" }} {{ valueOrDefault \"\" \"d\" }}",
            data.clone()
        ),
        "true abc d"
    );
    assert_eq!(
        run(
            "{{ range $k, $v := fromJSON \"{\\\"b\\\":1,\\\"a\\\":{\\\"x\\\":\\\"<y>\\\"}}\" }}{{ $k }}:{{ toJson $v }};{{ end }}",
            data.clone()
        ),
        "a:{\"x\":\"\\u003cy\\u003e\"};b:1;"
    );
    assert_eq!(run("{{ nindent 2 \"a\\nb\" }}", data), "\n  a\n  b");
}

#[test]
fn define_and_template_calls() {
    let t = "{{define \"x\"}}<{{.}}>{{end}}{{template \"x\" \"a\"}}{{block \"y\" 1}}[{{.}}]{{end}}";
    assert_eq!(run(t, json!({})), "<a>[1]");
    assert!(fails("{{template \"nope\"}}", json!({})).message.contains("no such template"));
    let rec = "{{define \"r\"}}{{template \"r\" .}}{{end}}{{template \"r\"}}";
    assert!(fails(rec, json!({})).message.contains("maximum template depth"));
}

// Errors carry the line of the action at fault, and nothing outside the subset parses.
#[test]
fn errors_are_typed_with_lines() {
    let e = fails("a\nb\n{{ nosuch 1 }}", json!({}));
    assert_eq!(e.line, 3);
    assert!(e.message.contains("\"nosuch\""), "{e}");
    for bad in [
        "{{",
        "{{ .a",
        "{{end}}",
        "{{else}}",
        "{{if}}{{end}}",
        "{{if .a}}",
        "{{ $x }}",
        "{{ \"a }}",
        "{{ 1 2 }}",
        "{{ .a | }}",
        "{{break}}",
        "{{/* x }}",
        "{{ (1 }}",
        "{{ 3x }}",
        "{{ .a \"b\" }}",
        "{{ len .missing }}",
        "{{ index 1 2 }}",
        "{{ .x.y }}",
        "{{define \"a\"}}{{define \"b\"}}{{end}}{{end}}",
    ] {
        let e = fails(bad, json!({"x": "s"}));
        assert!(!e.message.is_empty(), "{bad}");
    }
    assert!(fails("{{range 100000000}}{{end}}", json!({})).message.contains("steps"));
    let deep = "(".repeat(200) + "1" + &")".repeat(200);
    assert!(fails(&format!("{{{{ {deep} }}}}"), json!({})).message.contains("nests deeper"));
}

#[test]
fn go_field_names_find_json_names() {
    for (go, json) in
        [("Name", "name"), ("APIVersion", "apiVersion"), ("UID", "uid"), ("HostIP", "hostIP"), ("x", "x")]
    {
        assert_eq!(exec::json_name(go), json);
    }
    assert_eq!(format::go_duration("90s").as_deref(), Some("1m30s"));
    assert_eq!(format::go_duration("1.500s").as_deref(), Some("1.5s"));
    assert_eq!(format::go_duration("0.250s").as_deref(), Some("250ms"));
}
