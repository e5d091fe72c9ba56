//! VirtualService validation cases, each pinned to an upstream istio/istio behaviour
//! (`pkg/config/validation/validation_test.go`, `virtualservice_test.go`, or the named function).

use super::{Expect, Expect::*, check, diagnostics};

fn run(cases: &[(&str, &str, Expect)]) {
    for (name, yaml, expect) in cases {
        check(name, yaml, *expect);
    }
}

#[test]
fn virtual_service_hosts_gateways_delegates() {
    run(&[
        (
            "istio validation_test.go TestValidateVirtualService: simple",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: allow sni based domains",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [outbound_.15010_._.istiod.istio-system.svc.cluster.local]
  gateways: [ns1/gateway]
  tls:
  - match: [{sniHosts: [outbound_.15010_._.istiod.istio-system.svc.cluster.local]}]
    route: [{destination: {host: istio.istio-system.svc.cluster.local}}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: duplicate hosts",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: ['*.foo.bar', '*.bar']
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.hosts[1]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: destination with out hosts",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: ''}}]}]
"#,
            ErrorAt("spec.http[0].route[0].destination.host"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: delegate with no hosts",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: bad host",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.ba!r]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.hosts[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: IP address hosts are accepted (netutil.IsValidIPAddress)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [10.1.2.3, '2001:db8::1']
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: no tcp or http routing",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
"#,
            ErrorAt("spec"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: bad gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [b@dgateway]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.gateways[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: FQDN for gateway (legacy format warning)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [gateway.example.com]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            WarningAt("spec.gateways[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: namespace/name for gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [ns1/gateway]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: namespace/* for gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: ['ns1/*']
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.gateways[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: */name for gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: ['*/gateway']
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.gateways[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: wildcard for mesh gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: ['*']
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.hosts[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: wildcard for non-mesh gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: ['*']
  gateways: [somegateway]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: missing tcp route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tcp: [{match: [{port: 999}]}]
"#,
            ErrorAt("spec.tcp[0].route"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: missing tls route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{port: 999, sniHosts: [foo.bar]}]}]
"#,
            ErrorAt("spec.tls[0].route"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: deprecated mirror (mirrorPercent warns)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [ns1/gateway]
  http: [{mirrorPercent: 5, route: [{destination: {host: foo.baz}}]}]
"#,
            WarningAt("spec.http[0].mirrorPercent"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: set authority",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{headers: {request: {set: {':authority': foo}}}, route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: set authority in destination",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz}, headers: {request: {set: {':authority': foo}}}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: set authority in rewrite and header",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{headers: {request: {set: {':authority': foo}}}, rewrite: {authority: bar}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].headers.request.set[:authority]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: non-method-get (overlapping prefix warning)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http:
  - match: [{uri: {prefix: /api/v1/product}}, {uri: {prefix: /api/v1/products}, method: {exact: GET}}]
    route: [{destination: {host: foo.baz}}]
"#,
            WarningAt("spec.http[0].match[1]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: jwt claim route without gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [mesh]
  http:
  - match: [{uri: {prefix: /}, headers: {'@request.auth.claims.foo': {exact: bar}}}]
    route: [{destination: {host: foo.baz}}]
"#,
            ErrorAt("spec.http[0].match[0].headers[@request.auth.claims.foo]"),
        ),
        (
            "istio ValidateVirtualService: jwt claim routing is accepted on a gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  gateways: [istio-system/gw]
  http:
  - match: [{headers: {'@request.auth.claims.foo': {exact: bar}}}]
    route: [{destination: {host: foo.baz}}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: ip address as sni host (warning)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{port: 999, sniHosts: [1.1.1.1]}], route: [{destination: {host: foo.baz}}]}]
"#,
            WarningAt("spec.tls[0].match[0].sniHosts[0]"),
        ),
        (
            "istio validation_test.go TestValidateVirtualService: invalid wildcard as sni host",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{port: 999, sniHosts: [foo.*.com]}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tls[0].match[0].sniHosts[0]"),
        ),
        (
            "istio validateSniHost: SNI host not a subset of the virtual service hosts",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{sniHosts: [other.bar]}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tls[0].match[0].sniHosts[0]"),
        ),
        (
            "istio validateSniHost: SNI host covered by a wildcard host",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: ['*.bar']
  tls: [{match: [{sniHosts: [foo.bar]}], route: [{destination: {host: foo.baz}}]}]
"#,
            Valid,
        ),
        (
            "istio validateTLSMatch: TLS match must have at least one SNI host",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{port: 443}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tls[0].match[0].sniHosts"),
        ),
        (
            "istio validateTLSRoute: TLS route must have at least one match condition",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tls[0].match"),
        ),
        (
            "istio validateTCPMatch: invalid destination subnet",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tcp: [{match: [{destinationSubnets: [10.0.0.0/33]}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tcp[0].match[0].destinationSubnets[0]"),
        ),
        (
            "istio validateTCPMatch: CIDR and plain address subnets are valid",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tcp: [{match: [{destinationSubnets: [10.0.0.0/8, 192.168.1.1, '2001:db8::/32'], port: 3306}], route: [{destination: {host: foo.baz, port: {number: 3306}}}]}]
"#,
            Valid,
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: root applies to sidecar with delegate",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{delegate: {name: test, namespace: test}}]
"#,
            Valid,
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: root with delegate and destination in one route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{delegate: {name: test, namespace: test}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: delegate with no destination",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  http: [{}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: delegate with delegate",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  http: [{delegate: {name: test, namespace: test}}]
"#,
            ErrorAt("spec.http[0].delegate"),
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: delegate with TCP route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  tcp: [{match: [{port: 999}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tcp"),
        ),
        (
            "istio virtualservice_test.go TestValidateChainingVirtualService: delegate with gateway",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  gateways: [test]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.gateways"),
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: redirect and delegate conflict",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{delegate: {name: test}, redirect: {uri: /lerp, authority: foo.biz}}]
"#,
            ErrorAt("spec.http[0].redirect"),
        ),
    ]);
}

#[test]
fn virtual_service_http_routes() {
    run(&[
        (
            "istio validation_test.go TestValidateHTTPRoute: empty",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: total weight > 100",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz.south}, weight: 550}, {destination: {host: foo.baz.east}, weight: 500}]}]
"#,
            Valid,
        ),
        (
            "istio validateWeight: weight below 0",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: a}, weight: -1}, {destination: {host: b}, weight: 101}]}]
"#,
            ErrorAt("spec.http[0].route[0].weight"),
        ),
        (
            "istio validateHTTPRouteDestinations: total destination weight = 0",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: a}}, {destination: {host: b}}]}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: prefix_rewrite redirect with prefix URI match",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{uri: {prefix: /old}}], redirect: {prefixRewrite: /new}}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: prefix_rewrite redirect with exact URI match is invalid",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{uri: {exact: /old}}], redirect: {prefixRewrite: /new}}]
"#,
            ErrorAt("spec.http[0].redirect.prefixRewrite"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: conflicting redirect and route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {uri: /lerp, authority: foo.biz}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: valid headers",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http:
  - route: [{destination: {host: foo.baz}, headers: {request: {add: {x-a: v}, remove: [x-b]}, response: {set: {x-c: '%HOSTNAME%'}}}}]
    headers: {request: {set: {x-d: '100%%'}}, response: {remove: [x-e]}}
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: empty header name - request remove",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{headers: {request: {remove: ['']}}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].headers.request.remove[0]"),
        ),
        (
            "istio ValidateHTTPHeaderOperationName: cannot set Host header on responses",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{headers: {response: {set: {host: x}}}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].headers.response.set[host]"),
        ),
        (
            "istio ValidateHTTPHeaderWithAuthorityOperationName: pseudo header other than :authority",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz}, headers: {request: {set: {':path': /x}}}}]}]
"#,
            ErrorAt("spec.http[0].route[0].headers.request.set[:path]"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: envoy unescaped % set",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{headers: {request: {set: {x-a: 'abc%123'}}}, route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.http[0].headers.request.set[x-a]"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: empty prefix header match",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{headers: {emptyprefix: {prefix: ''}}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].headers[emptyprefix]"),
        ),
        (
            "istio route translation: an empty header match {} is a presence match and is accepted",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{headers: {x-user: {}}, withoutHeaders: {x-debug: {}}, queryParams: {q: {}}}], route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: regex without headers match *",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{withoutHeaders: {header: {regex: '*'}}}], route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: regex without headers match ?",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{withoutHeaders: {header: {regex: '?'}}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].withoutHeaders[header]"),
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: empty prefix match in uri",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{uri: {prefix: ''}}], route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: empty regex match in uri",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{uri: {regex: ''}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].uri"),
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: empty prefix match in method",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{method: {prefix: ''}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].method"),
        ),
        (
            "istio validateStringRegexp: lookahead is not RE2",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{authority: {regex: '(?!foo)bar'}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].authority"),
        ),
        (
            "istio validateHTTPRouteMatchRequest: invalid sourceNamespace",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{sourceNamespace: bad_ns}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].sourceNamespace"),
        ),
        (
            "istio validateHTTPRouteMatchRequest: invalid header name",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{headers: {'bad header': {exact: x}}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].headers[bad header]"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: invalid mirror percent",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{mirrorPercent: 101, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].mirrorPercent"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: negative mirror percentage",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{mirror: {host: foo.baz}, mirrorPercentage: {value: -1}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].mirrorPercentage.value"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: mirrors invalid mirror percentage",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{mirrors: [{destination: {host: foo.baz}, percentage: {value: 101}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].mirrors[0].percentage.value"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRoute: conflicting mirror and mirrors",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{mirror: {host: foo.baz}, mirrors: [{destination: {host: foo.baz}}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].mirrors"),
        ),
        (
            "istio validation_test.go TestValidateDestination: wildcard host is invalid",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: '*'}}]}]
"#,
            ErrorAt("spec.http[0].route[0].destination.host"),
        ),
        (
            "istio validation_test.go TestValidateDestination: bad subset name",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz, subset: 'b@d'}}]}]
"#,
            ErrorAt("spec.http[0].route[0].destination.subset"),
        ),
        (
            "istio validatePortSelector: port selector without a number",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz, port: {}}}]}]
"#,
            ErrorAt("spec.http[0].route[0].destination.port.number"),
        ),
        (
            "istio ValidateVirtualService: gateway route semantics skip destination checks",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
  annotations: {internal.istio.io/route-semantics: gateway}
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: '*'}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: valid http status retryOn",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 10, perTryTimeout: 2s, retryOn: '503,connect-failure'}, route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid, retry policy configured but attempts set to zero",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 0, perTryTimeout: 2s, retryOn: '5xx,gateway-error'}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.attempts"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid attempts",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: -1, perTryTimeout: 2s}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.attempts"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid timeout (sub-millisecond precision)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 10, perTryTimeout: 2.000000001s}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.perTryTimeout"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid http status retryOn",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 10, retryOn: '600,connect-failure'}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.retryOn"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid policy retryOn",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 10, retryOn: '5xx,invalid policy'}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.retryOn"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRetry: invalid, retryRemoteLocalities configured but attempts set to zero",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{retries: {attempts: 0, retryRemoteLocalities: false}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].retries.attempts"),
        ),
        (
            "istio validateHTTPRoute: timeout below 1ms",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{timeout: 100us, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].timeout"),
        ),
        (
            "istio validation_test.go TestValidateCORSPolicy: valid",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{corsPolicy: {allowOrigins: [{exact: 'https://a.com'}, {regex: 'https://.*\.b\.com'}], allowMethods: [GET, POST], allowHeaders: [header1, header2], exposeHeaders: ['*'], maxAge: 2s, allowCredentials: true, unmatchedPreflights: IGNORE}, route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateCORSPolicy: bad method",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{corsPolicy: {allowMethods: [GET, PUTT]}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].corsPolicy.allowMethods[1]"),
        ),
        (
            "istio validation_test.go TestValidateCORSPolicy: bad header",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{corsPolicy: {exposeHeaders: ['header@']}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].corsPolicy.exposeHeaders[0]"),
        ),
    ]);
}

#[test]
fn virtual_service_policies_and_warnings() {
    run(&[
        (
            "istio validation_test.go TestValidateCORSPolicy: bad max age",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{corsPolicy: {maxAge: 2.042s}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].corsPolicy.maxAge"),
        ),
        (
            "istio validation_test.go TestValidateCORSPolicy: empty matchType AllowOrigins",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{corsPolicy: {allowOrigins: [{exact: ''}]}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].corsPolicy.allowOrigins[0]"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionAbort: grpc: unsupported status",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {abort: {grpcStatus: BAD, percentage: {value: 20}}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault.abort.grpcStatus"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionAbort: http2 abort not supported",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {abort: {http2Error: xyz}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault.abort.http2Error"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionAbort: invalid http status",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {abort: {httpStatus: 9000, percentage: {value: 20}}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault.abort.httpStatus"),
        ),
        (
            "istio validateHTTPFaultInjectionAbort: abort configured, but error type not set (warning)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {abort: {percentage: {value: 20}}}, route: [{destination: {host: foo.bar}}]}]
"#,
            WarningAt("spec.http[0].fault.abort"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionDelay: invalid percentage (tiny fraction)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {delay: {fixedDelay: 5s, percentage: {value: 0.00001}}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault.delay.percentage.value"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionDelay: exponential delay not supported",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {delay: {exponentialDelay: 5s}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault.delay.exponentialDelay"),
        ),
        (
            "istio validation_test.go TestValidateHTTPFaultInjectionDelay: valid fixed delay with deprecated percent",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {delay: {fixedDelay: 5s, percent: 50}}, route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio validateHTTPFaultInjection: must have an abort and/or a delay",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{fault: {}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].fault"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRedirect: empty uri and authority",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {redirectCode: 302}}]
"#,
            ErrorAt("spec.http[0].redirect"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRedirect: bad redirect code",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {uri: /t1, redirectCode: 200}}]
"#,
            ErrorAt("spec.http[0].redirect.redirectCode"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRedirect: derivePort alone is a valid redirect",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {derivePort: FROM_REQUEST_PORT, redirectCode: 308}}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go TestValidateHTTPRedirect: invalid scheme",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {uri: /t1, scheme: ftp}}]
"#,
            ErrorAt("spec.http[0].redirect.scheme"),
        ),
        (
            "istio validation_test.go TestValidateHTTPDirectResponse: invalid status code",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{directResponse: {status: 1000, body: {string: hello}}}]
"#,
            ErrorAt("spec.http[0].directResponse.status"),
        ),
        (
            "istio validation_test.go TestValidateHTTPDirectResponse: bytes body",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{directResponse: {status: 503, body: {bytes: aGVsbG8=}}}]
"#,
            Valid,
        ),
        (
            "istio validateHTTPRouteConflict: direct_response with route",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{directResponse: {status: 200}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].route"),
        ),
        (
            "istio validation_test.go TestValidateHTTPRewrite: nil uri and authority",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{rewrite: {}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].rewrite"),
        ),
        (
            "istio validation_test.go TestValidateUriRegexRewrite: uri and uriRegexRewrite both set",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{rewrite: {uri: /x, uriRegexRewrite: {match: '^/a', rewrite: /b}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].rewrite.uriRegexRewrite"),
        ),
        (
            "istio validation_test.go TestValidateUriRegexRewrite: match without rewrite",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{rewrite: {uriRegexRewrite: {match: '^/a'}}, route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].rewrite.uriRegexRewrite"),
        ),
        (
            "istio validation_test.go TestValidateUriRegexRewrite: valid regex rewrite",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{rewrite: {uriRegexRewrite: {match: '^/service/([^/]+)(/.*)$', rewrite: '\2/instance/\1'}}, route: [{destination: {host: foo.bar}}]}]
"#,
            Valid,
        ),
        (
            "istio validation_test.go Test_validateExportTo: duplicate . and current namespace",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  exportTo: ['.', default]
  http: [{route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.exportTo[1]"),
        ),
        (
            "istio validation_test.go Test_validateExportTo: ~ is not allowed for Istio configuration objects",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  exportTo: ['~']
  http: [{route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.exportTo[0]"),
        ),
        (
            "istio validation_test.go Test_validateExportTo: * with other namespaces",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  exportTo: ['*', ns1]
  http: [{route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.exportTo"),
        ),
        (
            "istio analyzeUnreachableHTTPRules: only the last rule can have no matches",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: a}}]}, {route: [{destination: {host: b}}]}]
"#,
            WarningAt("spec.http[1]"),
        ),
        (
            "istio analyzeUnreachableHTTPRules: duplicate match (names ignored) is ineffective",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http:
  - match: [{name: a, uri: {exact: /x}}]
    route: [{destination: {host: a}}]
  - match: [{name: b, uri: {exact: /x}}, {uri: {exact: /y}}]
    route: [{destination: {host: b}}]
"#,
            WarningAt("spec.http[1].match[0]"),
        ),
        (
            "istio analyzeUnreachableTCPRules: all matches used by prior rules",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tcp:
  - match: [{port: 80}]
    route: [{destination: {host: a}}]
  - match: [{port: 80}]
    route: [{destination: {host: b}}]
"#,
            WarningAt("spec.tcp[1]"),
        ),
        (
            "istio validateTLSMatch: invalid sourceLabels",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  tls: [{match: [{sniHosts: [foo.bar], sourceLabels: {'-bad': x}}], route: [{destination: {host: foo.baz}}]}]
"#,
            ErrorAt("spec.tls[0].match[0].sourceLabels[-bad]"),
        ),
        (
            "istio validateHTTPRouteMatchRequest: match port out of range",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{match: [{port: 70000}], route: [{destination: {host: foo.bar}}]}]
"#,
            ErrorAt("spec.http[0].match[0].port"),
        ),
        (
            "istio validateHTTPRedirect: redirect port out of range",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{redirect: {port: 70000}}]
"#,
            ErrorAt("spec.http[0].redirect.port"),
        ),
    ]);
}

#[test]
fn virtual_service_cases_without_any_diagnostic() {
    for (name, yaml) in [
        (
            "istio validation_test.go TestValidateVirtualService: uri-with-prefix-exact gives no warning",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http:
  - match: [{uri: {prefix: /}}, {uri: {exact: /}, method: {exact: GET}}]
    route: [{destination: {host: foo.baz}}]
"#,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: simple (no diagnostics at all)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [foo.bar]
  http: [{route: [{destination: {host: foo.baz}}]}]
"#,
        ),
        (
            "istio validation_test.go TestValidateVirtualService: allow sni based domains (no diagnostics at all)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [outbound_.15010_._.istiod.istio-system.svc.cluster.local]
  gateways: [ns1/gateway]
  tls:
  - match: [{sniHosts: [outbound_.15010_._.istiod.istio-system.svc.cluster.local]}]
    route: [{destination: {host: istio.istio-system.svc.cluster.local}}]
"#,
        ),
        (
            "istio virtualservice_test.go TestValidateRootHTTPRoute: regex uri and exact header matches with a final catch-all (no diagnostics)",
            r#"apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: vs
  namespace: default
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}, uri: {regex: '^/v[0-9]+/.*'}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - route: [{destination: {host: reviews, subset: v1}, weight: 90}, {destination: {host: reviews, subset: v3}, weight: 10}]
    retries: {attempts: 3, perTryTimeout: 2s, retryOn: 'gateway-error,connect-failure,refused-stream'}
    timeout: 10s
"#,
        ),
    ] {
        let diags = diagnostics(yaml);
        assert!(diags.is_empty(), "case {name:?}: expected no diagnostics, got {diags:#?}");
    }
}

#[test]
fn virtual_service_large_direct_response_bodies() {
    // istio validateHTTPDirectResponse: bodies over 100KB warn, over 1MB are rejected.
    let yaml = |len: usize| {
        format!(
            "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: vs\n  namespace: default\nspec:\n  hosts: [foo.bar]\n  http: [{{directResponse: {{status: 200, body: {{string: '{}'}}}}}}]\n",
            "x".repeat(len)
        )
    };
    check(
        "istio validateHTTPDirectResponse: body over 100KB warns",
        &yaml(100 * 1024 + 1),
        WarningAt("spec.http[0].directResponse.body"),
    );
    check(
        "istio validateHTTPDirectResponse: body over 1MB is rejected",
        &yaml(1024 * 1024 + 1),
        ErrorAt("spec.http[0].directResponse.body"),
    );
    check("istio validateHTTPDirectResponse: body of exactly 100KB is accepted", &yaml(100 * 1024), Valid);
}
