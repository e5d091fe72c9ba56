use serde_json::json;

use super::*;
use crate::inject::deploy_meta::deploy_meta;
use crate::inject::{InjectValues, inject_pod};

fn pod(annotations: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "reviews-v1-abc", "namespace": "default",
                     "labels": {"app": "reviews", "version": "v1"}, "annotations": annotations},
        "spec": {"containers": [{"name": "reviews", "image": "reviews:v1",
                                  "ports": [{"containerPort": 9080, "protocol": "TCP"}]}]}
    })
}

// istio injection-template.yaml "resources": annotations replace the mesh default wholesale.
#[test]
fn resource_annotations_replace_defaults() {
    let out = inject_pod(
        &pod(json!({"sidecar.istio.io/proxyCPU": "200m", "sidecar.istio.io/proxyMemoryLimit": "1Gi"})),
        &InjectValues::default(),
    )
    .unwrap();
    let proxy = &out["spec"]["containers"][1];
    assert_eq!(proxy["resources"], json!({"requests": {"cpu": "200m"}, "limits": {"memory": "1Gi"}}));
    let init = &out["spec"]["initContainers"][0];
    assert_eq!(init["resources"], proxy["resources"]);
    let def = inject_pod(&pod(json!({})), &InjectValues::default()).unwrap();
    assert_eq!(def["spec"]["containers"][1]["resources"]["requests"]["cpu"], "100m");
}

#[test]
fn bad_quantity_is_an_error() {
    let err =
        inject_pod(&pod(json!({"sidecar.istio.io/proxyCPU": "lots"})), &InjectValues::default()).unwrap_err();
    assert_eq!(
        err,
        InjectError::InvalidQuantity { annotation: "sidecar.istio.io/proxyCPU".into(), value: "lots".into() }
    );
    for q in ["100m", "1", "1.5", "128Mi", "1e3", "2Gi"] {
        assert!(is_quantity(q), "{q}");
    }
    for q in ["", "m", "1.2.3", "10x", "Mi"] {
        assert!(!is_quantity(q), "{q}");
    }
}

// istio injection-template.yaml istio-init args, with the chart's default values.
#[test]
fn init_container_args_follow_the_template() {
    let out = inject_pod(
        &pod(json!({"traffic.sidecar.istio.io/excludeOutboundPorts": "5432", "traffic.sidecar.istio.io/excludeInterfaces": "eth9"})),
        &InjectValues::default(),
    )
    .unwrap();
    let args: Vec<&str> = out["spec"]["initContainers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        [
            "istio-iptables",
            "-p",
            "15001",
            "-z",
            "15006",
            "-u",
            "1337",
            "-m",
            "REDIRECT",
            "-i",
            "*",
            "-x",
            "",
            "-b",
            "*",
            "-d",
            "15090,15021,15020",
            "-o",
            "5432",
            "-c",
            "eth9",
            "--log_output_level=default:info"
        ]
    );
    let sc = &out["spec"]["initContainers"][0]["securityContext"];
    assert_eq!(sc["capabilities"]["add"], json!(["NET_ADMIN", "NET_RAW"]));
    assert_eq!(sc["runAsUser"], 0);
}

#[test]
fn tproxy_runs_proxy_as_root_with_net_admin() {
    let out =
        inject_pod(&pod(json!({"sidecar.istio.io/interceptionMode": "TPROXY"})), &InjectValues::default())
            .unwrap();
    let sc = &out["spec"]["containers"][1]["securityContext"];
    assert_eq!(sc["runAsUser"], 0);
    assert_eq!(sc["runAsGroup"], 1337);
    assert_eq!(sc["capabilities"]["add"], json!(["NET_ADMIN"]));
}

#[test]
fn interception_none_has_no_init_container() {
    let out =
        inject_pod(&pod(json!({"sidecar.istio.io/interceptionMode": "NONE"})), &InjectValues::default())
            .unwrap();
    assert!(out["spec"].get("initContainers").is_none());
}

#[test]
fn metadata_and_status_annotation() {
    let out = inject_pod(&pod(json!({})), &InjectValues::default()).unwrap();
    let md = &out["metadata"];
    assert_eq!(md["labels"]["security.istio.io/tlsMode"], "istio");
    assert_eq!(md["labels"]["service.istio.io/canonical-name"], "reviews");
    assert_eq!(md["labels"]["service.istio.io/canonical-revision"], "v1");
    assert_eq!(md["annotations"]["kubectl.kubernetes.io/default-container"], "reviews");
    assert_eq!(md["annotations"]["istio.io/rev"], "default");
    assert_eq!(md["annotations"]["prometheus.io/port"], "15020");
    let status: Value = serde_json::from_str(md["annotations"][STATUS_ANNOTATION].as_str().unwrap()).unwrap();
    assert_eq!(status["initContainers"], json!(["istio-init"]));
    assert_eq!(status["containers"], json!(["istio-proxy"]));
    assert_eq!(status["revision"], "default");
}

#[test]
fn native_sidecar_goes_first_in_init_containers() {
    let values = InjectValues { native_sidecar: true, ..InjectValues::default() };
    let out = inject_pod(&pod(json!({})), &values).unwrap();
    let inits = out["spec"]["initContainers"].as_array().unwrap();
    assert_eq!(inits[0]["name"], "istio-init");
    assert_eq!(inits[1]["name"], "istio-proxy");
    assert_eq!(inits[1]["restartPolicy"], "Always");
    assert_eq!(out["spec"]["containers"].as_array().unwrap().len(), 1);
}

#[test]
fn workload_name_drops_the_template_hash() {
    let p = json!({"metadata": {"generateName": "reviews-v1-5d8f-", "labels": {"pod-template-hash": "5d8f"},
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "reviews-v1-5d8f",
                             "controller": true}]}});
    assert_eq!(deploy_meta(&p).name, "reviews-v1");
}

// istio gateway-injection-template.yaml: `inject.istio.io/templates: gateway` makes the
// proxy the gateway's container (`proxy router`), without capture, and lets it bind low ports.
#[test]
fn gateway_template_makes_the_proxy_the_gateway() {
    let mut p = pod(json!({"inject.istio.io/templates": "gateway"}));
    p["spec"]["containers"] = json!([{"name": "istio-proxy", "image": "auto"}]);
    let out = inject_pod(&p, &InjectValues::default()).unwrap();
    let spec = &out["spec"];
    assert!(spec.get("initContainers").is_none());
    let proxy = &spec["containers"][0];
    assert_eq!(proxy["args"][1], "router");
    assert_eq!(proxy["image"], "docker.io/istio/proxyv2:1.28.0", "image: auto takes the injector's");
    assert_eq!(proxy["securityContext"], json!({"runAsUser": 1337, "runAsGroup": 1337}));
    assert_eq!(spec["securityContext"]["sysctls"][0]["name"], "net.ipv4.ip_unprivileged_port_start");
    assert!(out["metadata"]["labels"].get("security.istio.io/tlsMode").is_none());
    let volumes: Vec<&str> =
        spec["volumes"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert!(!volumes.contains(&"istio-ca-crl"));
}

#[test]
fn unknown_template_is_an_error() {
    let err =
        inject_pod(&pod(json!({"inject.istio.io/templates": "sidecar, nope"})), &InjectValues::default())
            .unwrap_err();
    assert_eq!(
        err,
        InjectError::UnknownTemplate {
            name: "nope".into(),
            known: "sidecar, gateway, grpc-agent, grpc-simple".into()
        }
    );
    let values = InjectValues::default();
    assert_eq!(select(&BTreeMap::new(), &values).unwrap(), vec![Selected::BuiltIn(Template::Sidecar)]);
}

fn with_templates(templates: &[(&str, &str)]) -> InjectValues {
    InjectValues {
        templates: templates.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..InjectValues::default()
    }
}

// istio-discovery istiod-injector-configmap.yaml: a values template named like a built-in
// replaces it (the chart leaves the built-in out when the values have the key).
#[test]
fn user_templates_are_selected_and_replace_built_ins() {
    let values = with_templates(&[("sidecar", "metadata: {labels: {mine: \"yes\"}}"), ("extra", "{}")]);
    let sel = select(&BTreeMap::new(), &values).unwrap();
    assert!(matches!(sel[0], Selected::User { name: "sidecar", .. }));
    let out = inject_pod(&pod(json!({})), &values).unwrap();
    assert_eq!(out["metadata"]["labels"]["mine"], "yes");
    assert_eq!(out["spec"]["containers"].as_array().unwrap().len(), 1, "the built-in sidecar is replaced");
    let err = inject_pod(&pod(json!({"inject.istio.io/templates": "nope"})), &values).unwrap_err();
    assert_eq!(
        err,
        InjectError::UnknownTemplate {
            name: "nope".into(),
            known: "sidecar, gateway, grpc-agent, grpc-simple, extra".into()
        }
    );
}

// istio inject.go RunTemplate: the template sees SidecarTemplateData (ObjectMeta, Spec,
// Values, ProxyConfig, DeploymentMeta, ...), and templates overlay in the order named.
#[test]
fn user_templates_see_istios_template_data() {
    let text = r#"metadata:
  annotations:
    seen: "{{ .DeploymentMeta.Name }}/{{ .ObjectMeta.Labels.app }}/{{ .Values.global.proxy.clusterDomain }}/{{ .ProxyConfig.InterceptionMode }}/{{ annotation .ObjectMeta `x` `dflt` }}/{{ .Revision | default `default` }}"
    ports: "{{ range $c := .Spec.Containers }}{{ range $c.Ports }}{{ .ContainerPort }}{{ end }}{{ end }}"
    missing: "{{ .Values.global.nope }}"
spec:
  containers:
  {{- range .Spec.Containers }}
  - name: {{ .Name }}
    env: [{name: INJECTED, value: "1"}]
  {{- end }}
"#;
    let values = with_templates(&[("mine", text)]);
    let p = pod(json!({"inject.istio.io/templates": "sidecar,mine"}));
    let out = inject_pod(&p, &values).unwrap();
    let ann = &out["metadata"]["annotations"];
    assert_eq!(ann["seen"], "reviews-v1-abc/reviews/cluster.local/REDIRECT/dflt/default");
    assert_eq!(ann["ports"], "9080");
    assert_eq!(ann["missing"], "<no value>");
    assert_eq!(out["spec"]["containers"][0]["env"][0]["name"], "INJECTED");
    assert_eq!(out["spec"]["containers"][1]["name"], "istio-proxy");
}

#[test]
fn broken_user_templates_are_typed_errors() {
    for (text, line) in
        [("a: 1\n{{ if }}", 2), ("{{ .Values.global.x.y.z | toLower }}", 1), ("- a\n- b", 0), ("a: [", 0)]
    {
        let values = with_templates(&[("bad", text)]);
        let err = inject_pod(&pod(json!({"inject.istio.io/templates": "bad"})), &values).unwrap_err();
        match err {
            InjectError::Template { name, line: l, .. } => {
                assert_eq!(name, "bad");
                assert_eq!(l, line, "{text}");
            }
            other => panic!("{text}: {other}"),
        }
    }
}

// istio template.go appendMultusNetwork and imageURL.
#[test]
fn template_helpers_match_istio() {
    assert_eq!(append_multus_network("", "default/istio-cni"), "default/istio-cni");
    assert_eq!(append_multus_network("a, b", "default/istio-cni"), "a, b, default/istio-cni");
    assert_eq!(append_multus_network("default/istio-cni", "default/istio-cni"), "default/istio-cni");
    assert_eq!(
        append_multus_network(r#"[{"name": "x"}]"#, "default/istio-cni"),
        r#"[{"name": "x"}, {"name": "istio-cni", "namespace": "default"}]"#
    );
    assert_eq!(image_url("hub", "proxyv2", "1.2-distroless", "debug"), "hub/proxyv2:1.2-debug");
    assert_eq!(image_url("hub", "proxyv2", "1.2-distroless", "default"), "hub/proxyv2:1.2");
}

// istio inject.go RunTemplate validates the annotations before any template runs, so a bad
// value fails a gateway pod too.
#[test]
fn annotations_are_validated_whatever_the_template() {
    for (k, v) in [
        ("traffic.sidecar.istio.io/includeInboundPorts", "http"),
        ("readiness.status.sidecar.istio.io/periodSeconds", "-1"),
        ("sidecar.istio.io/proxyCPU", "lots"),
        ("prometheus.istio.io/merge-metrics", "maybe"),
    ] {
        let p = pod(json!({"inject.istio.io/templates": "gateway", k: v}));
        assert!(inject_pod(&p, &InjectValues::default()).is_err(), "{k}: {v}");
    }
}

fn names(list: &Value) -> Vec<&str> {
    list.as_array().into_iter().flatten().filter_map(|v| v["name"].as_str()).collect()
}

// istio grpc-agent.yaml: the agent runs without Envoy (DISABLE_ENVOY, no DNS capture, no
// init container) and the app containers read gRPC's xDS bootstrap from the shared volume.
#[test]
fn grpc_agent_template_serves_xds_to_the_app() {
    let out = inject_pod(&pod(json!({"inject.istio.io/templates": "grpc-agent"})), &InjectValues::default())
        .unwrap();
    let spec = &out["spec"];
    assert!(spec.get("initContainers").is_none(), "no traffic capture");
    assert_eq!(names(&spec["containers"]), ["reviews", "istio-proxy"]);
    let app = &spec["containers"][0];
    assert_eq!(
        app["env"][1],
        json!({"name": "GRPC_XDS_BOOTSTRAP", "value": "/etc/istio/proxy/grpc-bootstrap.json"})
    );
    assert_eq!(names(&app["volumeMounts"]), ["istio-data", "istio-xds", "workload-certs"]);
    let proxy = &spec["containers"][1];
    let env = &proxy["env"];
    assert_eq!(env[0], json!({"name": "ISTIO_META_GENERATOR", "value": "grpc"}));
    let last: Vec<&str> = names(env).into_iter().rev().take(2).collect();
    assert_eq!(last, ["DISABLE_ENVOY", "ISTIO_META_DNS_CAPTURE"]);
    assert_eq!(proxy["readinessProbe"]["httpGet"]["port"], 15020);
    assert_eq!(out["metadata"]["annotations"]["sidecar.istio.io/rewriteAppHTTPProbers"], "false");
    assert_eq!(app.get("readinessProbe"), None, "probes are not rewritten");
    assert!(names(&spec["volumes"]).contains(&"istio-xds"));
}

// grpc-agent.yaml closes its readiness `if` after the proxy's mounts: with the status port
// off, the proxy has no probe, no resources and no mounts of its own.
#[test]
fn grpc_agent_without_status_port_drops_probe_resources_and_mounts() {
    let p = pod(json!({"inject.istio.io/templates": "grpc-agent", "status.sidecar.istio.io/port": "0"}));
    let out = inject_pod(&p, &InjectValues::default()).unwrap();
    let proxy = &out["spec"]["containers"][1];
    assert_eq!(proxy["name"], "istio-proxy");
    for field in ["readinessProbe", "resources", "volumeMounts"] {
        assert_eq!(proxy.get(field), None, "{field}");
    }
}

// istio grpc-simple.yaml: no proxy at all; an init container writes the bootstrap that
// every container reads.
#[test]
fn grpc_simple_template_adds_only_a_bootstrap() {
    let out = inject_pod(&pod(json!({"inject.istio.io/templates": "grpc-simple"})), &InjectValues::default())
        .unwrap();
    let spec = &out["spec"];
    assert_eq!(names(&spec["containers"]), ["reviews"]);
    assert_eq!(names(&spec["initContainers"]), ["grpc-bootstrap-init"]);
    let init = &spec["initContainers"][0];
    assert_eq!(init["env"][3], json!({"name": "ISTIO_NAMESPACE", "value": "istio-system\n"}));
    assert!(init["command"][2].as_str().unwrap().contains("dns:///istiod.${ISTIO_NAMESPACE}.svc:15010"));
    assert_eq!(spec["containers"][0]["volumeMounts"][0]["name"], "grpc-io-proxyless-bootstrap");
    assert_eq!(
        out["metadata"]["annotations"]["sidecar.istio.io/status"],
        r#"{"initContainers":["grpc-bootstrap-init"],"containers":["reviews"],"volumes":["grpc-io-proxyless-bootstrap"],"imagePullSecrets":null,"revision":"default"}"#
    );
}
