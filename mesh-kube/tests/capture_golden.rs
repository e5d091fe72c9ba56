//! Golden tests: the rules istio-iptables and istio-nftables generate for the configurations
//! of their own test suites (istio/istio tools/istio-iptables/pkg/capture/run_test.go and
//! tools/istio-nftables/pkg/capture/run_test.go), compared with upstream's golden files.
//!
//! The golden files are read from a git checkout of istio/istio (`$MESHKIT_ISTIO_REPO`, else
//! `/work/.mirror/istio+istio/repo`), never copied into this project; without one the tests
//! say so and skip. The iptables goldens' `iptables-save`/`ip6tables-save` lines come from
//! upstream's command stub, not from the rules, and are ignored.

// Test helpers may panic: a panic here is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use mesh_kube::capture::{CaptureConfig, InterceptionMode, iptables, nftables};

fn cases() -> Vec<(&'static str, CaptureConfig)> {
    let d = CaptureConfig::default;
    let tp = InterceptionMode::Tproxy;
    let s = |v: &str| v.to_string();
    vec![
        ("ipv6-empty-inbound-ports", CaptureConfig { enable_ipv6: true, ..d() }),
        (
            "ip-range",
            CaptureConfig {
                outbound_ip_ranges_exclude: s("1.1.0.0/16"),
                outbound_ip_ranges_include: s("9.9.0.0/16"),
                redirect_dns: true,
                proxy_gid: s("1,2"),
                proxy_uid: s("3,4"),
                dns_servers_v4: vec![s("127.0.0.53")],
                ..d()
            },
        ),
        (
            "tproxy",
            CaptureConfig {
                inbound_interception_mode: tp,
                inbound_ports_include: s("*"),
                outbound_ip_ranges_exclude: s("1.1.0.0/16"),
                outbound_ip_ranges_include: s("9.9.0.0/16"),
                redirect_dns: true,
                dns_servers_v4: vec![s("127.0.0.53")],
                exclude_interfaces: s("not-istio-nic"),
                enable_ipv6: true,
                ..d()
            },
        ),
        (
            "ipv6-inbound-ports",
            CaptureConfig { inbound_ports_include: s("4000,5000"), enable_ipv6: true, ..d() },
        ),
        (
            "ipv6-virt-interfaces",
            CaptureConfig {
                inbound_ports_include: s("4000,5000"),
                reroute_virtual_interfaces: s("eth0,eth1"),
                enable_ipv6: true,
                ..d()
            },
        ),
        (
            "ipv6-ipnets",
            CaptureConfig {
                inbound_ports_include: s("4000,5000"),
                inbound_ports_exclude: s("6000,7000,"),
                reroute_virtual_interfaces: s("eth0,eth1"),
                outbound_ip_ranges_exclude: s("2001:db8::/32"),
                outbound_ip_ranges_include: s("2001:db8::/32"),
                enable_ipv6: true,
                ..d()
            },
        ),
        (
            "ipv6-uid-gid",
            CaptureConfig {
                inbound_ports_include: s("4000,5000"),
                inbound_ports_exclude: s("6000,7000"),
                reroute_virtual_interfaces: s("eth0,eth1"),
                proxy_gid: s("1,2"),
                proxy_uid: s("3,4"),
                enable_ipv6: true,
                outbound_ip_ranges_exclude: s("2001:db8::/32"),
                outbound_ip_ranges_include: s("2001:db8::/32"),
                ..d()
            },
        ),
        (
            "ipv6-outbound-ports",
            CaptureConfig { outbound_ports_include: s("32000,31000"), enable_ipv6: true, ..d() },
        ),
        ("empty", d()),
        (
            "kube-virt-interfaces",
            CaptureConfig {
                reroute_virtual_interfaces: s("eth1,eth2"),
                outbound_ip_ranges_include: s("*"),
                ..d()
            },
        ),
        ("ipnets", CaptureConfig { outbound_ip_ranges_include: s("10.0.0.0/8"), ..d() }),
        (
            "ipnets-with-kube-virt-interfaces",
            CaptureConfig {
                reroute_virtual_interfaces: s("eth1,eth2"),
                outbound_ip_ranges_include: s("10.0.0.0/8"),
                ..d()
            },
        ),
        ("inbound-ports-include", CaptureConfig { inbound_ports_include: s("32000,31000"), ..d() }),
        ("inbound-ports-wildcard", CaptureConfig { inbound_ports_include: s("*"), ..d() }),
        (
            "inbound-ports-tproxy",
            CaptureConfig { inbound_ports_include: s("32000,31000"), inbound_interception_mode: tp, ..d() },
        ),
        (
            "inbound-ports-wildcard-tproxy",
            CaptureConfig { inbound_ports_include: s("*"), inbound_interception_mode: tp, ..d() },
        ),
        (
            "dns-uid-gid",
            CaptureConfig {
                redirect_dns: true,
                dns_servers_v4: vec![s("127.0.0.53")],
                dns_servers_v6: vec![s("::127.0.0.53")],
                proxy_gid: s("1,2"),
                proxy_uid: s("3,4"),
                enable_ipv6: true,
                ..d()
            },
        ),
        (
            "ipv6-dns-uid-gid",
            CaptureConfig {
                enable_ipv6: true,
                redirect_dns: true,
                proxy_gid: s("1,2"),
                proxy_uid: s("3,4"),
                ..d()
            },
        ),
        ("outbound-owner-groups", CaptureConfig { owner_groups_include: s("java,202"), ..d() }),
        ("outbound-owner-groups-exclude", CaptureConfig { owner_groups_exclude: s("888,ftp"), ..d() }),
        (
            "ipv6-dns-outbound-owner-groups",
            CaptureConfig {
                enable_ipv6: true,
                redirect_dns: true,
                owner_groups_include: s("java,202"),
                ..d()
            },
        ),
        (
            "ipv6-dns-outbound-owner-groups-exclude",
            CaptureConfig {
                enable_ipv6: true,
                redirect_dns: true,
                owner_groups_exclude: s("888,ftp"),
                ..d()
            },
        ),
        ("outbound-ports-include", CaptureConfig { outbound_ports_include: s("32000,31000"), ..d() }),
        (
            "loopback-outbound-iprange",
            CaptureConfig {
                outbound_ip_ranges_include: s("127.1.2.3/32"),
                redirect_dns: true,
                dns_servers_v4: vec![s("127.0.0.53")],
                proxy_gid: s("1,2"),
                proxy_uid: s("3,4"),
                ..d()
            },
        ),
        ("basic-exclude-nic", CaptureConfig { exclude_interfaces: s("not-istio-nic"), ..d() }),
        ("drop-invalid", CaptureConfig { drop_invalid: true, ..d() }),
        ("host-ipv4-loopback-cidr", CaptureConfig { host_ipv4_loopback_cidr: s("127.0.0.1/8"), ..d() }),
    ]
}

/// The istio/istio checkout to read golden files from, if there is one.
fn istio_repo() -> Option<String> {
    #[allow(clippy::disallowed_methods)]
    let repo =
        std::env::var("MESHKIT_ISTIO_REPO").unwrap_or_else(|_| "/work/.mirror/istio+istio/repo".to_string());
    std::path::Path::new(&repo).exists().then_some(repo)
}

/// Upstream's golden file `name` for `kind` (`iptables` or `nftables`).
fn golden(repo: &str, kind: &str, name: &str) -> String {
    let path = format!("HEAD:tools/istio-{kind}/pkg/capture/testdata/{name}.golden");
    let out = std::process::Command::new("git").args(["-C", repo, "show", &path]).output().unwrap();
    assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| *l != "iptables-save" && *l != "ip6tables-save")
        .map(|l| format!("{l}\n"))
        .collect()
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| !l.is_empty()).collect()
}

#[test]
fn iptables_matches_istio_goldens() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipping: no istio/istio checkout (set MESHKIT_ISTIO_REPO) to read golden files from");
        return;
    };
    let mut failed = Vec::new();
    for (name, cfg) in cases() {
        let rules = iptables::render(&cfg).unwrap();
        let got = format!("{}{}", rules.ipv4, rules.ipv6.unwrap_or_default());
        if lines(&got) != lines(&golden(&repo, "iptables", name)) {
            failed.push(name);
            eprintln!("=== {name}\n{got}");
        }
    }
    assert!(failed.is_empty(), "iptables goldens differ: {failed:?}");
}

#[test]
fn nftables_matches_istio_goldens() {
    let Some(repo) = istio_repo() else {
        eprintln!("skipping: no istio/istio checkout (set MESHKIT_ISTIO_REPO) to read golden files from");
        return;
    };
    let mut all = cases();
    all.push((
        "inbound-ports-empty-tproxy",
        CaptureConfig { inbound_interception_mode: InterceptionMode::Tproxy, ..CaptureConfig::default() },
    ));
    let mut failed = Vec::new();
    for (name, cfg) in all {
        let got = nftables::render(&cfg).unwrap();
        if lines(&got) != lines(&golden(&repo, "nftables", name)) {
            failed.push(name);
            eprintln!("=== {name}\n{got}");
        }
    }
    assert!(failed.is_empty(), "nftables goldens differ: {failed:?}");
}
