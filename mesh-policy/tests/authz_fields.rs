//! Every field of an AuthorizationPolicy rule, one behaviour per test, pinned to the Envoy RBAC
//! config Istio generates for it (istio/istio pilot/pkg/security/authz/model generator.go and
//! builder testdata) and to ztunnel's rbac.rs where it agrees.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test or bench is a failure, not a crash

mod common;

use common::{Jwt, R, policy};
use mesh_policy::authz::Layer;

fn allow(rules: &str) -> String {
    policy("ALLOW", &format!("  rules: {rules}"))
}

fn deny(rules: &str) -> String {
    policy("DENY", &format!("  rules: {rules}"))
}

fn r() -> R {
    R::default()
}

fn p(principal: Option<&str>) -> R {
    R { principal: principal.map(str::to_string), ..R::default() }
}

fn path(p: &str) -> R {
    R { path: p.into(), ..R::default() }
}

fn tcp() -> R {
    R { layer: Layer::Tcp, ..R::default() }
}

fn claims(v: serde_json::Value) -> R {
    let serde_json::Value::Object(claims) = v else { panic!() };
    R {
        jwt: Some(Jwt { iss: "iss".into(), sub: "sub".into(), claims, ..Default::default() }),
        ..R::default()
    }
}

cases! {
    // --- principals: exact, prefix, suffix, *, with the implicit spiffe:// prefix (generator.go srcPrincipalGenerator).
    principal_exact_matches: allow("[{from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]}]"), r(), true;
    principal_exact_other_denied: allow("[{from: [{source: {principals: [cluster.local/ns/default/sa/other]}}]}]"), r(), false;
    principal_prefix_matches: allow("[{from: [{source: {principals: [cluster.local/ns/default/*]}}]}]"), r(), true;
    principal_prefix_misses: allow("[{from: [{source: {principals: [cluster.local/ns/prod/*]}}]}]"), r(), false;
    principal_suffix_matches: allow("[{from: [{source: {principals: ['*/sa/sleep']}}]}]"), r(), true;
    principal_suffix_misses: allow("[{from: [{source: {principals: ['*/sa/curl']}}]}]"), r(), false;
    principal_star_needs_mtls: allow("[{from: [{source: {principals: ['*']}}]}]"), p(None), false;
    principal_star_any_peer: allow("[{from: [{source: {principals: ['*']}}]}]"), r(), true;
    principal_is_case_sensitive: allow("[{from: [{source: {principals: [cluster.local/ns/default/sa/SLEEP]}}]}]"), r(), false;
    principal_any_of_values: allow("[{from: [{source: {principals: [a/ns/b/sa/c, cluster.local/ns/default/sa/sleep]}}]}]"), r(), true;
    not_principal_excludes: allow("[{from: [{source: {notPrincipals: [cluster.local/ns/default/sa/sleep]}}]}]"), r(), false;
    not_principal_allows_others: allow("[{from: [{source: {notPrincipals: [cluster.local/ns/default/sa/other]}}]}]"), r(), true;
    not_principal_matches_plaintext: allow("[{from: [{source: {notPrincipals: ['*']}}]}]"), p(None), true;
    not_principal_star_excludes_mtls: allow("[{from: [{source: {notPrincipals: ['*']}}]}]"), r(), false;
    principal_and_not_principal: allow("[{from: [{source: {principals: ['cluster.local/*'], notPrincipals: ['*/sa/sleep']}}]}]"), r(), false;
    // Trust domain "cluster.local" in a policy stands for the mesh trust domain (trustdomain bundle.go).
    principal_prefix_plain_spiffe: allow("[{from: [{source: {principals: ['spiffe://cluster.local/ns/default/sa/sleep']}}]}]"), r(), false;

    // --- namespaces: `.*/ns/<ns>/.*` on the principal; requires mTLS (generator.go srcNamespaceGenerator).
    namespace_exact: allow("[{from: [{source: {namespaces: [default]}}]}]"), r(), true;
    namespace_other: allow("[{from: [{source: {namespaces: [prod]}}]}]"), r(), false;
    namespace_plaintext_never: allow("[{from: [{source: {namespaces: [default]}}]}]"), p(None), false;
    namespace_prefix: allow("[{from: [{source: {namespaces: ['def*']}}]}]"), r(), true;
    namespace_suffix: allow("[{from: [{source: {namespaces: ['*ult']}}]}]"), r(), true;
    namespace_star: allow("[{from: [{source: {namespaces: ['*']}}]}]"), r(), true;
    namespace_prefix_misses: allow("[{from: [{source: {namespaces: ['prod*']}}]}]"), r(), false;
    namespace_not_values: allow("[{from: [{source: {notNamespaces: [default]}}]}]"), r(), false;
    namespace_not_plaintext: allow("[{from: [{source: {notNamespaces: [default]}}]}]"), p(None), true;
    namespace_not_a_substring: allow("[{from: [{source: {namespaces: [defaul]}}]}]"), r(), false;
    namespace_from_custom_principal: allow("[{from: [{source: {namespaces: [x]}}]}]"), p(Some("td/ns/x/sa/y")), true;
    namespace_needs_ns_segment: allow("[{from: [{source: {namespaces: [x]}}]}]"), p(Some("td/x/sa/y")), false;

    // --- serviceAccounts (generator.go serviceAccountRegex): `sa` means the policy's namespace.
    service_account_short: allow("[{from: [{source: {serviceAccounts: [sleep]}}]}]"), p(Some("cluster.local/ns/foo/sa/sleep")), true;
    service_account_short_other_ns: allow("[{from: [{source: {serviceAccounts: [sleep]}}]}]"), r(), false;
    service_account_ns_qualified: allow("[{from: [{source: {serviceAccounts: [default/sleep]}}]}]"), r(), true;
    service_account_no_suffix_junk: allow("[{from: [{source: {serviceAccounts: [default/sleep]}}]}]"), p(Some("cluster.local/ns/default/sa/sleep-2")), false;
    service_account_extra_segments: allow("[{from: [{source: {serviceAccounts: [default/sleep]}}]}]"), p(Some("td/ns/default/x/y/sa/sleep/z")), true;
    service_account_not: allow("[{from: [{source: {notServiceAccounts: [default/sleep]}}]}]"), r(), false;
    service_account_plaintext: allow("[{from: [{source: {serviceAccounts: [default/sleep]}}]}]"), p(None), false;

    // --- trustDomains (generator.go srcTrustDomainGenerator).
    trust_domain_exact: allow("[{from: [{source: {trustDomains: [cluster.local]}}]}]"), r(), true;
    trust_domain_other: allow("[{from: [{source: {trustDomains: [example.org]}}]}]"), r(), false;
    trust_domain_prefix: allow("[{from: [{source: {trustDomains: ['cluster.*']}}]}]"), r(), true;
    trust_domain_suffix: allow("[{from: [{source: {trustDomains: ['*.local']}}]}]"), r(), true;
    trust_domain_star_stays_in_td: allow("[{from: [{source: {trustDomains: ['*.local']}}]}]"), p(Some("example.org/ns/a.local/sa/b")), false;
    trust_domain_any: allow("[{from: [{source: {trustDomains: ['*']}}]}]"), r(), true;
    trust_domain_any_plaintext: allow("[{from: [{source: {trustDomains: ['*']}}]}]"), p(None), false;
    trust_domain_not: allow("[{from: [{source: {notTrustDomains: [cluster.local]}}]}]"), r(), false;

    // --- ipBlocks: the connection's peer (direct_remote_ip); remoteIpBlocks: the original client (remote_ip).
    ip_block_exact: allow("[{from: [{source: {ipBlocks: [10.0.0.1]}}]}]"), r(), true;
    ip_block_cidr: allow("[{from: [{source: {ipBlocks: [10.0.0.0/24]}}]}]"), r(), true;
    ip_block_other: allow("[{from: [{source: {ipBlocks: [10.1.0.0/16]}}]}]"), r(), false;
    ip_block_not: allow("[{from: [{source: {notIpBlocks: [10.0.0.0/8]}}]}]"), r(), false;
    ip_block_family_mismatch: allow("[{from: [{source: {ipBlocks: ['::/0']}}]}]"), r(), false;
    ip_block_v6: allow("[{from: [{source: {ipBlocks: ['2001:db8::/32']}}]}]"), R { source_ip: Some("2001:db8::1".into()), ..r() }, true;
    ip_block_ignores_xff: allow("[{from: [{source: {ipBlocks: [1.2.3.4]}}]}]"), R { remote_ip: Some("1.2.3.4".into()), ..r() }, false;
    remote_ip_uses_original_client: allow("[{from: [{source: {remoteIpBlocks: [1.2.3.0/24]}}]}]"), R { remote_ip: Some("1.2.3.4".into()), ..r() }, true;
    remote_ip_defaults_to_peer: allow("[{from: [{source: {remoteIpBlocks: [10.0.0.1]}}]}]"), r(), true;
    remote_ip_not: allow("[{from: [{source: {notRemoteIpBlocks: [1.2.3.4]}}]}]"), R { remote_ip: Some("1.2.3.4".into()), ..r() }, false;
    remote_ip_works_on_tcp: allow("[{from: [{source: {remoteIpBlocks: [10.0.0.1]}}]}]"), tcp(), true;

    // --- requestPrincipals (generator.go requestPrincipalGenerator: iss and sub split at the last '/').
    request_principal_exact: allow("[{from: [{source: {requestPrincipals: [iss/sub]}}]}]"), r().jwt("iss", "sub"), true;
    request_principal_url_issuer: allow("[{from: [{source: {requestPrincipals: ['https://a.com/x/sub']}}]}]"), r().jwt("https://a.com/x", "sub"), true;
    request_principal_without_jwt: allow("[{from: [{source: {requestPrincipals: ['*']}}]}]"), r(), false;
    request_principal_star: allow("[{from: [{source: {requestPrincipals: ['*']}}]}]"), r().jwt("iss", "sub"), true;
    request_principal_star_needs_sub: allow("[{from: [{source: {requestPrincipals: ['*']}}]}]"), r().jwt("iss", ""), false;
    request_principal_iss_any_sub: allow("[{from: [{source: {requestPrincipals: ['iss/*']}}]}]"), r().jwt("iss", "x"), true;
    request_principal_iss_any_sub_other_iss: allow("[{from: [{source: {requestPrincipals: ['iss/*']}}]}]"), r().jwt("other", "x"), false;
    request_principal_sub_prefix: allow("[{from: [{source: {requestPrincipals: ['iss/ab*']}}]}]"), r().jwt("iss", "abc"), true;
    request_principal_iss_suffix: allow("[{from: [{source: {requestPrincipals: ['*.com/sub']}}]}]"), r().jwt("a.com", "sub"), true;
    request_principal_any_iss: allow("[{from: [{source: {requestPrincipals: ['*/sub']}}]}]"), r().jwt("whatever", "sub"), true;
    request_principal_no_slash_prefix: allow("[{from: [{source: {requestPrincipals: ['is*']}}]}]"), r().jwt("iss", "x"), true;
    request_principal_no_slash_suffix: allow("[{from: [{source: {requestPrincipals: ['*ub']}}]}]"), r().jwt("any", "sub"), true;
    request_principal_not_without_jwt: allow("[{from: [{source: {notRequestPrincipals: ['*']}}]}]"), r(), true;
    request_principal_not_with_jwt: allow("[{from: [{source: {notRequestPrincipals: ['*']}}]}]"), r().jwt("iss", "sub"), false;
    request_principal_tcp_allow_never: allow("[{from: [{source: {requestPrincipals: ['*']}}]}]"), tcp(), false;

    // --- hosts: the authority, case-insensitive, port included (matcher HostMatcher).
    host_exact: allow("[{to: [{operation: {hosts: [httpbin]}}]}]"), r(), true;
    host_ignores_case: allow("[{to: [{operation: {hosts: [HTTPBIN]}}]}]"), r(), true;
    host_with_port_needs_port: allow("[{to: [{operation: {hosts: [httpbin]}}]}]"), R { authority: "httpbin:8000".into(), ..r() }, false;
    host_prefix_catches_port: allow("[{to: [{operation: {hosts: ['httpbin*']}}]}]"), R { authority: "httpbin:8000".into(), ..r() }, true;
    host_suffix: allow("[{to: [{operation: {hosts: ['*.example.com']}}]}]"), R { authority: "a.EXAMPLE.com".into(), ..r() }, true;
    host_suffix_misses_apex: allow("[{to: [{operation: {hosts: ['*.example.com']}}]}]"), R { authority: "example.com".into(), ..r() }, false;
    host_star: allow("[{to: [{operation: {hosts: ['*']}}]}]"), r(), true;
    host_not: allow("[{to: [{operation: {notHosts: [httpbin]}}]}]"), r(), false;
    host_tcp_allow_never: allow("[{to: [{operation: {hosts: ['*']}}]}]"), tcp(), false;

    // --- methods: the :method header, case-sensitive.
    method_exact: allow("[{to: [{operation: {methods: [GET]}}]}]"), r(), true;
    method_case_sensitive: allow("[{to: [{operation: {methods: [get]}}]}]"), r(), false;
    method_other: allow("[{to: [{operation: {methods: [POST]}}]}]"), r(), false;
    method_prefix: allow("[{to: [{operation: {methods: ['G*']}}]}]"), r(), true;
    method_not: allow("[{to: [{operation: {notMethods: [GET]}}]}]"), r(), false;
    method_not_other: allow("[{to: [{operation: {notMethods: [DELETE]}}]}]"), r(), true;
    method_grpc_is_post: allow("[{to: [{operation: {methods: [POST]}}]}]"), R { method: "POST".into(), ..r() }, true;

    // --- paths: Envoy url_path, query stripped, case-sensitive; `*` is `.+`.
    path_exact: allow("[{to: [{operation: {paths: [/ip]}}]}]"), path("/ip"), true;
    path_ignores_query: allow("[{to: [{operation: {paths: [/ip]}}]}]"), path("/ip?x=1"), true;
    path_exact_not_prefix: allow("[{to: [{operation: {paths: [/ip]}}]}]"), path("/ip/x"), false;
    path_prefix: allow("[{to: [{operation: {paths: ['/api/*']}}]}]"), path("/api/v1"), true;
    path_prefix_needs_slash: allow("[{to: [{operation: {paths: ['/api/*']}}]}]"), path("/api"), false;
    path_suffix: allow("[{to: [{operation: {paths: ['*.html']}}]}]"), path("/a/index.html"), true;
    path_star: allow("[{to: [{operation: {paths: ['*']}}]}]"), path("/"), true;
    path_not: allow("[{to: [{operation: {notPaths: ['/admin*']}}]}]"), path("/admin/x"), false;
    path_not_other: allow("[{to: [{operation: {notPaths: ['/admin*']}}]}]"), path("/public"), true;
    path_template_one_segment: allow("[{to: [{operation: {paths: ['/store/{*}/items']}}]}]"), path("/store/7/items"), true;
    path_template_one_segment_not_two: allow("[{to: [{operation: {paths: ['/store/{*}/items']}}]}]"), path("/store/7/8/items"), false;
    path_template_rest: allow("[{to: [{operation: {paths: ['/store/{**}']}}]}]"), path("/store/a/b/c"), true;
    path_template_rest_empty: allow("[{to: [{operation: {paths: ['/store/{**}']}}]}]"), path("/store/"), true;
    path_template_query_ignored: allow("[{to: [{operation: {paths: ['/store/{*}']}}]}]"), path("/store/a?x=/y"), true;
    path_template_suffix_literal: allow("[{to: [{operation: {paths: ['/{**}/pay']}}]}]"), path("/a/b/pay"), true;

    // --- ports: the workload port, on TCP too.
    port_matches: allow("[{to: [{operation: {ports: ['8080']}}]}]"), r(), true;
    port_other: allow("[{to: [{operation: {ports: ['9090']}}]}]"), r(), false;
    port_not: allow("[{to: [{operation: {notPorts: ['8080']}}]}]"), r(), false;
    port_on_tcp: allow("[{to: [{operation: {ports: ['8080']}}]}]"), tcp(), true;
    port_and_method_on_tcp_never: allow("[{to: [{operation: {ports: ['8080'], methods: [GET]}}]}]"), tcp(), false;

    // --- when: request.headers (matcher HeaderMatcher).
    when_header_exact: allow("[{when: [{key: 'request.headers[x-token]', values: [abc]}]}]"), r().header("x-token", "abc"), true;
    when_header_name_case_insensitive: allow("[{when: [{key: 'request.headers[X-Token]', values: [abc]}]}]"), r().header("x-token", "abc"), true;
    when_header_value_case_sensitive: allow("[{when: [{key: 'request.headers[x-token]', values: [ABC]}]}]"), r().header("x-token", "abc"), false;
    when_header_missing: allow("[{when: [{key: 'request.headers[x-token]', values: [abc]}]}]"), r(), false;
    when_header_presence: allow("[{when: [{key: 'request.headers[x-token]', values: ['*']}]}]"), r().header("x-token", ""), true;
    when_header_presence_absent: allow("[{when: [{key: 'request.headers[x-token]', values: ['*']}]}]"), r(), false;
    when_header_prefix: allow("[{when: [{key: 'request.headers[user-agent]', values: ['curl/*']}]}]"), r().header("user-agent", "curl/8.0"), true;
    when_header_suffix: allow("[{when: [{key: 'request.headers[user-agent]', values: ['*bot']}]}]"), r().header("user-agent", "googlebot"), true;
    when_header_multi_value_joined: allow("[{when: [{key: 'request.headers[x-a]', values: ['1,2']}]}]"), r().header("x-a", "1").header("x-a", "2"), true;
    when_header_multi_value_not_single: allow("[{when: [{key: 'request.headers[x-a]', values: ['2']}]}]"), r().header("x-a", "1").header("x-a", "2"), false;
    when_header_not_values: allow("[{when: [{key: 'request.headers[x-a]', notValues: ['bad']}]}]"), r().header("x-a", "bad"), false;
    when_header_not_values_absent: allow("[{when: [{key: 'request.headers[x-a]', notValues: ['bad']}]}]"), r(), true;
    when_header_values_and_not_values: allow("[{when: [{key: 'request.headers[x-a]', values: ['a*'], notValues: ['ab']}]}]"), r().header("x-a", "ab"), false;
    when_header_pseudo_method: allow("[{when: [{key: 'request.headers[:method]', values: [GET]}]}]"), r(), true;
    when_header_pseudo_authority: allow("[{when: [{key: 'request.headers[:authority]', values: [httpbin]}]}]"), r(), true;
    when_header_tcp_allow_never: allow("[{when: [{key: 'request.headers[x]', notValues: [y]}]}]"), tcp(), false;

    // --- when: source and destination attributes.
    when_source_ip: allow("[{when: [{key: source.ip, values: [10.0.0.0/8]}]}]"), r(), true;
    when_source_ip_not: allow("[{when: [{key: source.ip, notValues: [10.0.0.1]}]}]"), r(), false;
    when_remote_ip: allow("[{when: [{key: remote.ip, values: [9.9.9.9]}]}]"), R { remote_ip: Some("9.9.9.9".into()), ..r() }, true;
    when_source_namespace: allow("[{when: [{key: source.namespace, values: [default]}]}]"), r(), true;
    when_source_namespace_plaintext: allow("[{when: [{key: source.namespace, values: [default]}]}]"), p(None), false;
    when_source_principal: allow("[{when: [{key: source.principal, values: ['*/sa/sleep']}]}]"), r(), true;
    when_source_principal_not: allow("[{when: [{key: source.principal, notValues: ['*']}]}]"), r(), false;
    when_source_service_account: allow("[{when: [{key: source.serviceAccount, values: [default/sleep]}]}]"), r(), true;
    when_source_trust_domain: allow("[{when: [{key: source.trustDomain, values: [cluster.local]}]}]"), r(), true;
    when_destination_ip: allow("[{when: [{key: destination.ip, values: [10.0.0.2]}]}]"), r(), true;
    when_destination_ip_other: allow("[{when: [{key: destination.ip, values: [10.9.0.0/16]}]}]"), r(), false;
    when_destination_ip_unknown: allow("[{when: [{key: destination.ip, values: [0.0.0.0/0]}]}]"), R { dest_ip: None, ..r() }, false;
    when_destination_port: allow("[{when: [{key: destination.port, values: ['8080']}]}]"), r(), true;
    when_destination_port_not: allow("[{when: [{key: destination.port, notValues: ['8080']}]}]"), r(), false;
    when_sni_exact: allow("[{when: [{key: connection.sni, values: [httpbin.foo]}]}]"), R { sni: Some("httpbin.foo".into()), ..r() }, true;
    when_sni_suffix: allow("[{when: [{key: connection.sni, values: ['*.foo']}]}]"), R { sni: Some("a.foo".into()), ..r() }, true;
    when_sni_absent: allow("[{when: [{key: connection.sni, values: ['*']}]}]"), r(), false;
    when_sni_on_tcp: allow("[{when: [{key: connection.sni, values: ['*']}]}]"), R { sni: Some("x".into()), ..tcp() }, true;
    when_two_conditions_and: allow("[{when: [{key: source.ip, values: [10.0.0.1]}, {key: destination.port, values: ['9']}]}]"), r(), false;

    // --- when: request.auth.* (JWT metadata, extended generators).
    when_auth_principal: allow("[{when: [{key: request.auth.principal, values: [iss/sub]}]}]"), r().jwt("iss", "sub"), true;
    when_auth_principal_absent: allow("[{when: [{key: request.auth.principal, values: ['*']}]}]"), r(), false;
    when_auth_audiences: allow("[{when: [{key: request.auth.audiences, values: [api]}]}]"), R { jwt: Some(Jwt { iss: "i".into(), sub: "s".into(), aud: vec!["web".into(), "api".into()], ..Default::default() }), ..r() }, true;
    when_auth_audiences_other: allow("[{when: [{key: request.auth.audiences, values: [api]}]}]"), R { jwt: Some(Jwt { iss: "i".into(), sub: "s".into(), aud: vec!["web".into()], ..Default::default() }), ..r() }, false;
    when_auth_presenter: allow("[{when: [{key: request.auth.presenter, values: ['app*']}]}]"), R { jwt: Some(Jwt { iss: "i".into(), sub: "s".into(), azp: Some("app-1".into()), ..Default::default() }), ..r() }, true;
    when_claim_string: allow("[{when: [{key: 'request.auth.claims[group]', values: [admin]}]}]"), claims(serde_json::json!({"group": "admin"})), true;
    when_claim_list: allow("[{when: [{key: 'request.auth.claims[groups]', values: [admin]}]}]"), claims(serde_json::json!({"groups": ["dev", "admin"]})), true;
    when_claim_list_miss: allow("[{when: [{key: 'request.auth.claims[groups]', values: [admin]}]}]"), claims(serde_json::json!({"groups": ["dev"]})), false;
    when_claim_nested: allow("[{when: [{key: 'request.auth.claims[realm][role]', values: [ops]}]}]"), claims(serde_json::json!({"realm": {"role": "ops"}})), true;
    when_claim_dotted_not_nested: allow("[{when: [{key: 'request.auth.claims[realm.role]', values: [ops]}]}]"), claims(serde_json::json!({"realm": {"role": "ops"}})), false;
    when_claim_dotted_literal: allow("[{when: [{key: 'request.auth.claims[realm.role]', values: [ops]}]}]"), claims(serde_json::json!({"realm.role": "ops"})), true;
    when_claim_number_never: allow("[{when: [{key: 'request.auth.claims[level]', values: ['3']}]}]"), claims(serde_json::json!({"level": 3})), false;
    when_claim_bool_never: allow("[{when: [{key: 'request.auth.claims[admin]', values: ['true']}]}]"), claims(serde_json::json!({"admin": true})), false;
    when_claim_prefix: allow("[{when: [{key: 'request.auth.claims[email]', values: ['*@corp.com']}]}]"), claims(serde_json::json!({"email": "a@corp.com"})), true;
    when_claim_not_values: allow("[{when: [{key: 'request.auth.claims[group]', notValues: [guest]}]}]"), claims(serde_json::json!({"group": "guest"})), false;
    when_claim_not_values_absent: allow("[{when: [{key: 'request.auth.claims[group]', notValues: [guest]}]}]"), r(), true;
    when_claim_star_non_empty: allow("[{when: [{key: 'request.auth.claims[group]', values: ['*']}]}]"), claims(serde_json::json!({"group": ""})), false;

    // --- experimental.envoy.filters.* (Envoy dynamic metadata).
    when_metadata_string: allow("[{when: [{key: 'experimental.envoy.filters.network.mysql_proxy[db.table]', values: ['[update]']}]}]"), R { metadata: Some(serde_json::json!({"envoy.filters.network.mysql_proxy": {"db.table": ["insert", "update"]}})), ..r() }, true;
    when_metadata_absent: allow("[{when: [{key: 'experimental.envoy.filters.a[b]', values: [c]}]}]"), r(), false;

    // --- rule structure: from/to/when are ANDed, entries within ORed.
    rule_from_and_to: allow("[{from: [{source: {namespaces: [default]}}], to: [{operation: {methods: [POST]}}]}]"), r(), false;
    rule_from_entries_or: allow("[{from: [{source: {namespaces: [x]}}, {source: {ipBlocks: [10.0.0.1]}}]}]"), r(), true;
    rule_to_entries_or: allow("[{to: [{operation: {methods: [POST]}}, {operation: {paths: ['/']}}]}]"), r(), true;
    rule_fields_in_source_and: allow("[{from: [{source: {namespaces: [default], ipBlocks: [1.1.1.1]}}]}]"), r(), false;
    rule_fields_in_operation_and: allow("[{to: [{operation: {methods: [GET], paths: [/x]}}]}]"), r(), false;
    rules_any_matches: allow("[{to: [{operation: {methods: [POST]}}]}, {to: [{operation: {methods: [GET]}}]}]"), r(), true;
    rule_empty_allows_all: allow("[{}]"), p(None), true;
    deny_empty_rule_denies_all: deny("[{}]"), r(), false;
    deny_from_namespace: deny("[{from: [{source: {notNamespaces: [foo]}}]}]"), r(), false;
    deny_from_namespace_other: deny("[{from: [{source: {notNamespaces: [default]}}]}]"), r(), true;
}
