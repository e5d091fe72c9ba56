//! NetworkPolicy validation, pinned to k8s.io/kubernetes `pkg/apis/networking/validation`
//! (`ValidateNetworkPolicySpec`, `ValidateNetworkPolicyPort`, `ValidateNetworkPolicyPeer`,
//! `ValidateIPBlock`; tests in `validation_test.go` `TestValidateNetworkPolicy`) and
//! apimachinery's `ValidateLabelSelector`.

use super::{Expect, Expect::*, check};

/// A NetworkPolicy in namespace `bar` with the given spec (indented by two spaces).
fn np(spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: foo\n  namespace: bar\nspec:\n{spec}"
    )
}

fn run(cases: &[(&str, &str, Expect)]) {
    for (name, spec, expect) in cases {
        check(name, &np(spec), *expect);
    }
}

#[test]
fn accepted_policies() {
    run(&[
        (
            "k8s TestValidateNetworkPolicy success: matchLabels pod selector, no rules",
            "  podSelector:\n    matchLabels: {a: b}\n",
            Valid,
        ),
        (
            "k8s TestValidateNetworkPolicy success: empty from and ports",
            "  podSelector: {matchLabels: {a: b}}\n  ingress:\n  - from: []\n    ports: []\n",
            Valid,
        ),
        (
            "k8s TestValidateNetworkPolicy success: numeric, protocol-only and named ports",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80\n    - protocol: TCP\n    - protocol: TCP\n      port: 443\n    - protocol: UDP\n      port: dns\n",
            Valid,
        ),
        (
            "k8s TestValidateNetworkPolicy success: podSelector and namespaceSelector together",
            "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {c: d}}\n      namespaceSelector: {matchLabels: {e: f}}\n",
            Valid,
        ),
        (
            "k8s TestValidateNetworkPolicy success: ipBlock with except, egress port range",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n  ingress:\n  - from:\n    - ipBlock:\n        cidr: 192.168.0.0/16\n        except: [192.168.3.0/24, 192.168.4.0/24]\n  egress:\n  - to:\n    - ipBlock: {cidr: 2001:db8::/32, except: ['2001:db8:1::/48']}\n    ports:\n    - {protocol: TCP, port: 32000, endPort: 32768}\n    - {protocol: SCTP, port: 5000, endPort: 5000}\n",
            Valid,
        ),
        (
            "apimachinery ValidateLabelSelector: every operator well formed",
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [reviews]}\n    - {key: version, operator: NotIn, values: [v1, v2]}\n    - {key: app.kubernetes.io/name, operator: Exists}\n    - {key: canary, operator: DoesNotExist}\n",
            Valid,
        ),
        (
            "k8s default-deny egress with an allow-all ingress rule",
            "  podSelector: {}\n  ingress:\n  - {}\n  policyTypes: [Egress, Ingress]\n",
            Valid,
        ),
    ]);
}

#[test]
fn rejected_selectors_and_policy_types() {
    run(&[
        (
            "k8s TestValidateNetworkPolicy: invalid spec.podSelector label key",
            "  podSelector:\n    matchLabels: {'NoUppercaseOrSpecialCharsLike=Equals': b}\n",
            ErrorAt("spec.podSelector.matchLabels[NoUppercaseOrSpecialCharsLike=Equals]"),
        ),
        (
            "apimachinery ValidateLabels: invalid label value in matchLabels",
            "  podSelector:\n    matchLabels: {app: -bad-}\n",
            ErrorAt("spec.podSelector.matchLabels[app]"),
        ),
        (
            "apimachinery ValidateLabelSelectorRequirement: In without values",
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: []}\n",
            ErrorAt("spec.podSelector.matchExpressions[0].values"),
        ),
        (
            "apimachinery ValidateLabelSelectorRequirement: Exists with values",
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: Exists, values: [x]}\n",
            ErrorAt("spec.podSelector.matchExpressions[0].values"),
        ),
        (
            "apimachinery ValidateLabelSelectorRequirement: unknown operator",
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: Equals, values: [x]}\n",
            ErrorAt("spec.podSelector.matchExpressions[0].operator"),
        ),
        (
            "apimachinery ValidateLabelSelectorRequirement: invalid key",
            "  podSelector:\n    matchExpressions:\n    - {key: 'bad key', operator: Exists}\n",
            ErrorAt("spec.podSelector.matchExpressions[0].key"),
        ),
        (
            "apimachinery ValidateLabelSelectorRequirement: invalid value on create",
            "  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [ok, 'not ok']}\n",
            ErrorAt("spec.podSelector.matchExpressions[0].values[1]"),
        ),
        (
            "k8s ValidateNetworkPolicySpec: unsupported policy type",
            "  podSelector: {}\n  policyTypes: [Ingress, Both]\n",
            ErrorAt("spec.policyTypes[1]"),
        ),
        (
            "k8s ValidateNetworkPolicySpec: more than two policy types",
            "  podSelector: {}\n  policyTypes: [Ingress, Egress, Ingress]\n",
            ErrorAt("spec.policyTypes"),
        ),
    ]);
}

#[test]
fn rejected_ports() {
    run(&[
        (
            "k8s TestValidateNetworkPolicy: invalid ingress.ports.protocol (ICMP)",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: ICMP, port: 80}\n",
            ErrorAt("spec.ingress[0].ports[0].protocol"),
        ),
        (
            "k8s TestValidateNetworkPolicy: invalid ingress.ports.port (int)",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: TCP, port: 123456789}\n",
            ErrorAt("spec.ingress[0].ports[0].port"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: port 0 is out of range",
            "  podSelector: {}\n  egress:\n  - ports:\n    - {port: 0}\n",
            ErrorAt("spec.egress[0].ports[0].port"),
        ),
        (
            "k8s TestValidateNetworkPolicy: invalid ingress.ports.port (str)",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: TCP, port: '!@#$'}\n",
            ErrorAt("spec.ingress[0].ports[0].port"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: a quoted number is a port name and needs a letter",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - {port: '8080'}\n",
            ErrorAt("spec.ingress[0].ports[0].port"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: endPort below port",
            "  podSelector: {}\n  egress:\n  - ports:\n    - {protocol: TCP, port: 35000, endPort: 32000}\n",
            ErrorAt("spec.egress[0].ports[0].endPort"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: endPort out of range",
            "  podSelector: {}\n  egress:\n  - ports:\n    - {protocol: TCP, port: 30000, endPort: 65536}\n",
            ErrorAt("spec.egress[0].ports[0].endPort"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: endPort with a named port",
            "  podSelector: {}\n  egress:\n  - ports:\n    - {protocol: TCP, port: https, endPort: 8443}\n",
            ErrorAt("spec.egress[0].ports[0].endPort"),
        ),
        (
            "k8s ValidateNetworkPolicyPort: endPort without port",
            "  podSelector: {}\n  ingress:\n  - ports:\n    - {protocol: TCP, endPort: 8443}\n",
            ErrorAt("spec.ingress[0].ports[0].endPort"),
        ),
    ]);
}

#[test]
fn rejected_peers() {
    run(&[
        (
            "k8s TestValidateNetworkPolicy: invalid ingress.from.podSelector",
            "  podSelector: {}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {'NoUppercaseOrSpecialCharsLike=Equals': b}\n",
            ErrorAt("spec.ingress[0].from[0].podSelector.matchLabels[NoUppercaseOrSpecialCharsLike=Equals]"),
        ),
        (
            "k8s TestValidateNetworkPolicy: invalid ingress.from.namespaceSelector",
            "  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchExpressions:\n        - {key: team, operator: NotIn}\n",
            ErrorAt("spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values"),
        ),
        (
            "k8s ValidateNetworkPolicyPeer: a peer must specify something",
            "  podSelector: {}\n  ingress:\n  - from:\n    - {}\n",
            ErrorAt("spec.ingress[0].from[0]"),
        ),
        (
            "k8s ValidateNetworkPolicyPeer: ipBlock together with podSelector",
            "  podSelector: {}\n  egress:\n  - to:\n    - podSelector: {}\n      ipBlock: {cidr: 10.0.0.0/8}\n",
            ErrorAt("spec.egress[0].to[0]"),
        ),
        (
            "k8s ValidateIPBlock: cidr is required",
            "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: ''}\n",
            ErrorAt("spec.egress[0].to[0].ipBlock.cidr"),
        ),
        (
            "k8s ValidateIPBlock: cidr is not a CIDR",
            "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 192.168.1.1}\n",
            ErrorAt("spec.egress[0].to[0].ipBlock.cidr"),
        ),
        (
            "k8s strict CIDR validation: bits set beyond the prefix length",
            "  podSelector: {}\n  egress:\n  - to:\n    - ipBlock: {cidr: 192.168.1.5/24}\n",
            ErrorAt("spec.egress[0].to[0].ipBlock.cidr"),
        ),
        (
            "k8s strict CIDR validation: leading zeros",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 010.0.0.0/8}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.cidr"),
        ),
        (
            "k8s strict CIDR validation: IPv4-mapped IPv6",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: '::ffff:10.0.0.0/104'}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.cidr"),
        ),
        (
            "k8s ValidateIPBlock: except outside cidr",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24, 10.0.0.0/24]}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.except[1]"),
        ),
        (
            "k8s ValidateIPBlock: except equal to cidr is not a strict subset",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.0.0/16]}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.except[0]"),
        ),
        (
            "k8s ValidateIPBlock: except of another IP family",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 0.0.0.0/0, except: ['2001:db8::/64']}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.except[0]"),
        ),
        (
            "k8s ValidateIPBlock: invalid except entry",
            "  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/33]}\n",
            ErrorAt("spec.ingress[0].from[0].ipBlock.except[0]"),
        ),
    ]);
}
