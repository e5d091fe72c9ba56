//! The nftables equivalent: the `nft` transaction Istio's native-nftables mode applies.
//!
//! Three `inet` tables (`istio-proxy-nat`, `istio-proxy-mangle`, `istio-proxy-raw`), each
//! added, flushed, given the chains that receive rules (base chains with their hook and
//! priority) and then the rules in order; an insert whose index is at or past the chain's
//! current length becomes an add, as Istio's transaction builder does.

use super::{AGENT_DNS_PORT, CaptureConfig, CaptureError, InterceptionMode, OUTBOUND_MARK, Parsed, split};

const NAT: &str = "istio-proxy-nat";
const MANGLE: &str = "istio-proxy-mangle";
const RAW: &str = "istio-proxy-raw";
const PREROUTING: &str = "prerouting";
const OUTPUT_CHAIN: &str = "output";
const INBOUND: &str = "istio-inbound";
const OUTPUT: &str = "istio-output";
const OUTPUT_DNS: &str = "istio-output-dns";
const REDIRECT: &str = "istio-redirect";
const IN_REDIRECT: &str = "istio-in-redirect";
const DIVERT: &str = "istio-divert";
const TPROXY: &str = "istio-tproxy";
const DROP: &str = "istio-drop";
const C: &str = "counter";

#[derive(Debug, Clone)]
struct Rule {
    chain: &'static str,
    text: String,
    index: Option<usize>,
}

#[derive(Debug, Default)]
struct Builder {
    nat: Vec<Rule>,
    mangle: Vec<Rule>,
    raw: Vec<Rule>,
    ipv6: bool,
}

impl Builder {
    fn list(&mut self, table: &str) -> &mut Vec<Rule> {
        match table {
            MANGLE => &mut self.mangle,
            RAW => &mut self.raw,
            _ => &mut self.nat,
        }
    }

    fn append(&mut self, chain: &'static str, table: &str, p: &[&str]) {
        self.list(table).push(Rule { chain, text: p.join(" "), index: None });
    }

    fn append_v6(&mut self, chain: &'static str, table: &str, p: &[&str]) {
        if self.ipv6 {
            self.append(chain, table, p);
        }
    }

    fn insert(&mut self, chain: &'static str, table: &str, index: usize, p: &[&str]) {
        self.list(table).push(Rule { chain, text: p.join(" "), index: Some(index) });
    }

    fn insert_v6(&mut self, chain: &'static str, table: &str, index: usize, p: &[&str]) {
        if self.ipv6 {
            self.insert(chain, table, index, p);
        }
    }
}

/// The `nft` transaction for `cfg`, one command per line, as Istio's nftables mode builds it.
///
/// ```
/// use mesh_kube::capture::{CaptureConfig, nftables};
/// let text = nftables::render(&CaptureConfig::default()).unwrap();
/// assert!(text.starts_with("add table inet istio-proxy-nat\nflush table inet istio-proxy-nat\n"));
/// ```
pub fn render(cfg: &CaptureConfig) -> Result<String, CaptureError> {
    let parsed = cfg.parse()?;
    let mut b = Builder { ipv6: cfg.enable_ipv6, ..Builder::default() };
    build(cfg, &parsed, &mut b);
    let mut out = String::new();
    table_text(
        &mut out,
        NAT,
        &[
            (PREROUTING, Some("type nat hook prerouting priority -100")),
            (OUTPUT_CHAIN, Some("type nat hook output priority -100")),
            (INBOUND, None),
            (REDIRECT, None),
            (IN_REDIRECT, None),
            (OUTPUT, None),
            (OUTPUT_DNS, None),
        ],
        &b.nat,
    );
    table_text(
        &mut out,
        MANGLE,
        &[
            (PREROUTING, Some("type filter hook prerouting priority -150")),
            (OUTPUT_CHAIN, Some("type route hook output priority -150")),
            (DIVERT, None),
            (TPROXY, None),
            (INBOUND, None),
            (DROP, None),
        ],
        &b.mangle,
    );
    table_text(
        &mut out,
        RAW,
        &[
            (PREROUTING, Some("type filter hook prerouting priority -300")),
            (OUTPUT_CHAIN, Some("type filter hook output priority -300")),
            (INBOUND, None),
            (OUTPUT_DNS, None),
        ],
        &b.raw,
    );
    Ok(out)
}

fn table_text(out: &mut String, table: &str, chains: &[(&str, Option<&str>)], rules: &[Rule]) {
    let used: Vec<&(&str, Option<&str>)> =
        chains.iter().filter(|(name, _)| rules.iter().any(|r| r.chain == *name)).collect();
    if used.is_empty() {
        return;
    }
    out.push_str(&format!("add table inet {table}\nflush table inet {table}\n"));
    for (name, base) in used {
        match base {
            Some(b) => out.push_str(&format!("add chain inet {table} {name} {{ {b} ; }}\n")),
            None => out.push_str(&format!("add chain inet {table} {name}\n")),
        }
    }
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for r in rules {
        let pos = counts.iter().position(|(c, _)| *c == r.chain);
        let count = pos.map_or(0, |i| counts[i].1);
        match r.index {
            Some(i) if count > 0 && i < count => {
                out.push_str(&format!("insert rule inet {table} {} index {i} {}\n", r.chain, r.text));
            }
            _ => out.push_str(&format!("add rule inet {table} {} {}\n", r.chain, r.text)),
        }
        match pos {
            Some(i) => counts[i].1 += 1,
            None => counts.push((r.chain, 1)),
        }
    }
}

fn build(cfg: &CaptureConfig, p: &Parsed, b: &mut Builder) {
    let tproxy = cfg.inbound_interception_mode == InterceptionMode::Tproxy;
    let lo4 = cfg.host_ipv4_loopback_cidr.as_str();
    let mark = cfg.inbound_tproxy_mark.as_str();
    let tunnel = cfg.inbound_tunnel_port.as_str();

    for i in split(&cfg.exclude_interfaces) {
        b.append(PREROUTING, NAT, &["iifname", i, C, "return"]);
        b.append(OUTPUT_CHAIN, NAT, &["oifname", i, C, "return"]);
    }
    if tproxy {
        for i in split(&cfg.exclude_interfaces) {
            b.append(PREROUTING, MANGLE, &["iifname", i, C, "return"]);
            b.append(OUTPUT_CHAIN, MANGLE, &["oifname", i, C, "return"]);
        }
    }
    for i in split(&cfg.reroute_virtual_interfaces) {
        b.insert(PREROUTING, NAT, 0, &["iifname", i, C, "return"]);
    }
    if cfg.drop_invalid {
        b.append(PREROUTING, MANGLE, &["meta l4proto tcp", "ct state", "invalid", C, "jump", DROP]);
        b.append(DROP, MANGLE, &[C, "drop"]);
    }
    b.append(INBOUND, NAT, &["meta l4proto tcp", "tcp dport", tunnel, C, "return"]);
    let to_proxy = format!(":{}", cfg.proxy_port);
    let to_inbound = format!(":{}", cfg.inbound_capture_port);
    b.append(REDIRECT, NAT, &["meta l4proto tcp", C, "redirect to", &to_proxy]);
    b.append(IN_REDIRECT, NAT, &["meta l4proto tcp", C, "redirect to", &to_inbound]);

    inbound(cfg, b);

    b.append(OUTPUT_CHAIN, NAT, &[C, "jump", OUTPUT]);
    for port in split(&cfg.outbound_ports_exclude) {
        b.append(OUTPUT, NAT, &["tcp dport", port, C, "return"]);
        b.append(OUTPUT, NAT, &["udp dport", port, C, "return"]);
    }
    b.append(OUTPUT, NAT, &["oifname", "lo", "ip saddr", "127.0.0.6/32", C, "return"]);
    b.append_v6(OUTPUT, NAT, &["oifname", "lo", "ip6 saddr", "::6/128", C, "return"]);

    let loopback_included = p.v4_include.has_loopback || p.v6_include.has_loopback;
    let dns_ports = format!("{{ 53, {tunnel} }}");
    for uid in split(&cfg.proxy_uid) {
        let ports = if p.redirect_dns { dns_ports.as_str() } else { tunnel };
        owner_loopback_redirect(b, lo4, ports, "skuid", uid);
        owner_returns(b, "skuid", uid, loopback_included, p.redirect_dns);
    }
    for gid in split(&cfg.proxy_gid) {
        owner_loopback_redirect(b, lo4, tunnel, "skgid", gid);
        owner_returns(b, "skgid", gid, loopback_included, p.redirect_dns);
    }

    if p.owner_groups.except {
        for g in &p.owner_groups.values {
            b.append(OUTPUT, NAT, &["skgid", g, C, "return"]);
        }
    } else {
        let mut params: Vec<&str> = Vec::new();
        for g in &p.owner_groups.values {
            params.extend(["skgid", "!=", g.as_str()]);
        }
        params.extend([C, "return"]);
        b.append(OUTPUT, NAT, &params);
    }

    if p.redirect_dns {
        dns(cfg, b);
    }

    b.append(OUTPUT, NAT, &["ip daddr", lo4, C, "return"]);
    b.append_v6(OUTPUT, NAT, &["ip6 daddr", "::1/128", C, "return"]);
    for c in &p.v4_exclude.cidrs {
        b.append(OUTPUT, NAT, &["ip daddr", c, C, "return"]);
    }
    for c in &p.v6_exclude.cidrs {
        b.append_v6(OUTPUT, NAT, &["ip6 daddr", c, C, "return"]);
    }
    for port in split(&cfg.outbound_ports_include) {
        b.append(OUTPUT, NAT, &["tcp dport", port, C, "jump", REDIRECT]);
    }
    if p.v4_include.is_wildcard || p.v6_include.is_wildcard {
        b.append(OUTPUT, NAT, &[C, "jump", REDIRECT]);
        for i in split(&cfg.reroute_virtual_interfaces) {
            b.insert(PREROUTING, NAT, 0, &["iifname", i, C, "jump", REDIRECT]);
        }
    } else if !p.v4_include.cidrs.is_empty() || !p.v6_include.cidrs.is_empty() {
        for c in &p.v4_include.cidrs {
            for i in split(&cfg.reroute_virtual_interfaces) {
                b.insert(PREROUTING, NAT, 0, &["iifname", i, "ip daddr", c, C, "jump", REDIRECT]);
            }
            b.append(OUTPUT, NAT, &["ip daddr", c, C, "jump", REDIRECT]);
        }
        for c in &p.v6_include.cidrs {
            for i in split(&cfg.reroute_virtual_interfaces) {
                b.insert_v6(PREROUTING, NAT, 0, &["iifname", i, "ip6 daddr", c, C, "jump", REDIRECT]);
            }
            b.append_v6(OUTPUT, NAT, &["ip6 daddr", c, C, "jump", REDIRECT]);
        }
    }

    if tproxy {
        b.append(PREROUTING, MANGLE, &["meta l4proto tcp", "mark", mark, C, "ct mark set mark"]);
        b.append(OUTPUT_CHAIN, MANGLE, &["oifname", "lo", "meta l4proto tcp", "mark", mark, C, "return"]);
        for (key, ids) in [("skuid", &cfg.proxy_uid), ("skgid", &cfg.proxy_gid)] {
            for id in split(ids) {
                b.append(
                    OUTPUT_CHAIN,
                    MANGLE,
                    &[
                        "oifname",
                        "lo",
                        "meta l4proto tcp",
                        "ip daddr",
                        "!=",
                        lo4,
                        key,
                        id,
                        C,
                        "meta mark set",
                        OUTBOUND_MARK,
                    ],
                );
                b.append_v6(
                    OUTPUT_CHAIN,
                    MANGLE,
                    &[
                        "oifname",
                        "lo",
                        "meta l4proto tcp",
                        "ip6 daddr",
                        "!=",
                        "::1/128",
                        key,
                        id,
                        C,
                        "meta mark set",
                        OUTBOUND_MARK,
                    ],
                );
            }
        }
        b.append(
            OUTPUT_CHAIN,
            MANGLE,
            &["meta l4proto tcp", "ct", "mark", mark, C, "meta mark set", "ct", "mark"],
        );
        b.insert(INBOUND, MANGLE, 0, &["meta l4proto tcp", "mark", mark, C, "return"]);
        b.insert(
            INBOUND,
            MANGLE,
            1,
            &["iifname", "lo", "meta l4proto tcp", "ip saddr", "127.0.0.6/32", C, "return"],
        );
        b.insert_v6(
            INBOUND,
            MANGLE,
            1,
            &["iifname", "lo", "meta l4proto tcp", "ip6 saddr", "::6/128", C, "return"],
        );
        b.insert(
            INBOUND,
            MANGLE,
            2,
            &["iifname", "lo", "meta l4proto tcp", "mark", "!=", OUTBOUND_MARK, C, "return"],
        );
    }
}

/// The proxy's own loopback traffic (owner `key` = `id`) to a non-loopback address, other
/// than to `ports`, goes to the inbound redirect: one rule per family.
fn owner_loopback_redirect(b: &mut Builder, lo4: &str, ports: &str, key: &str, id: &str) {
    for (v6, daddr, lo) in [(false, "ip daddr", lo4), (true, "ip6 daddr", "::1/128")] {
        let rule = [
            "oifname",
            "lo",
            "meta l4proto tcp",
            daddr,
            "!=",
            lo,
            "tcp dport",
            "!=",
            ports,
            key,
            id,
            C,
            "jump",
            IN_REDIRECT,
        ];
        if v6 {
            b.append_v6(OUTPUT, NAT, &rule);
        } else {
            b.append(OUTPUT, NAT, &rule);
        }
    }
}

/// The return rules Istio's nftables mode adds for each proxy UID and GID (`owner_key` is
/// `skuid` or `skgid`): the proxy's own loopback traffic (all of it, or all but DNS when DNS is
/// captured) unless loopback is captured, then everything the proxy sends.
fn owner_returns(b: &mut Builder, owner_key: &str, id: &str, loopback_included: bool, redirect_dns: bool) {
    if !loopback_included {
        if redirect_dns {
            b.append(
                OUTPUT,
                NAT,
                &[
                    "oifname",
                    "lo",
                    "meta l4proto tcp",
                    "tcp dport",
                    "!=",
                    "53",
                    owner_key,
                    "!=",
                    id,
                    C,
                    "return",
                ],
            );
        } else {
            b.append(OUTPUT, NAT, &["oifname", "lo", owner_key, "!=", id, C, "return"]);
        }
    }
    b.append(OUTPUT, NAT, &[owner_key, id, C, "return"]);
}

fn inbound(cfg: &CaptureConfig, b: &mut Builder) {
    if cfg.inbound_ports_include.is_empty() {
        return;
    }
    let mark = cfg.inbound_tproxy_mark.as_str();
    if cfg.inbound_interception_mode == InterceptionMode::Tproxy {
        let on_port = format!(":{}", cfg.inbound_capture_port);
        b.append(DIVERT, MANGLE, &[C, "meta mark set", mark]);
        b.append(DIVERT, MANGLE, &[C, "accept"]);
        b.append(
            TPROXY,
            MANGLE,
            &[
                "meta l4proto tcp",
                "ip daddr",
                "!=",
                &cfg.host_ipv4_loopback_cidr,
                "tproxy ip to",
                &on_port,
                "meta mark set",
                mark,
                C,
                "accept",
            ],
        );
        b.append_v6(
            TPROXY,
            MANGLE,
            &[
                "meta l4proto tcp",
                "ip6 daddr",
                "!=",
                "::1/128",
                "tproxy ip6 to",
                &on_port,
                "meta mark set",
                mark,
                C,
                "accept",
            ],
        );
        b.append(PREROUTING, MANGLE, &["meta l4proto tcp", C, "jump", INBOUND]);
        if cfg.inbound_ports_include == "*" {
            for port in split(&cfg.inbound_ports_exclude) {
                b.append(INBOUND, MANGLE, &["meta l4proto tcp", "tcp dport", port, C, "return"]);
            }
            b.append(
                INBOUND,
                MANGLE,
                &["meta l4proto tcp", "ct state", "related,established", C, "jump", DIVERT],
            );
            b.append(INBOUND, MANGLE, &["meta l4proto tcp", C, "jump", TPROXY]);
        } else {
            for port in split(&cfg.inbound_ports_include) {
                b.append(
                    INBOUND,
                    MANGLE,
                    &[
                        "meta l4proto tcp",
                        "ct state",
                        "related,established",
                        "tcp dport",
                        port,
                        C,
                        "jump",
                        DIVERT,
                    ],
                );
                b.append(INBOUND, MANGLE, &["meta l4proto tcp", "tcp dport", port, C, "jump", TPROXY]);
            }
        }
        return;
    }
    b.append(PREROUTING, NAT, &["meta l4proto tcp", C, "jump", INBOUND]);
    if cfg.inbound_ports_include == "*" {
        for port in split(&cfg.inbound_ports_exclude) {
            b.append(INBOUND, NAT, &["meta l4proto tcp", "tcp dport", port, C, "return"]);
        }
        b.append(INBOUND, NAT, &["meta l4proto tcp", C, "jump", IN_REDIRECT]);
    } else {
        for port in split(&cfg.inbound_ports_include) {
            b.append(INBOUND, NAT, &["meta l4proto tcp", "tcp dport", port, C, "jump", IN_REDIRECT]);
        }
    }
}

fn dns(cfg: &CaptureConfig, b: &mut Builder) {
    let to = format!(":{AGENT_DNS_PORT}");
    b.append(OUTPUT_CHAIN, RAW, &[C, "jump", OUTPUT_DNS]);
    if cfg.capture_all_dns || !cfg.dns_servers_v4.is_empty() || !cfg.dns_servers_v6.is_empty() {
        b.append(OUTPUT, NAT, &[C, "jump", OUTPUT_DNS]);
    }
    for proto in ["tcp dport", "udp dport"] {
        if cfg.capture_all_dns {
            if proto == "tcp dport" {
                b.append(OUTPUT_DNS, NAT, &["meta l4proto tcp", proto, "53", C, "redirect", "to", &to]);
            } else {
                b.append(OUTPUT_DNS, NAT, &[proto, "53", C, "redirect", "to", &to]);
            }
        } else {
            for s in &cfg.dns_servers_v4 {
                let a = format!("{s}/32");
                b.append(OUTPUT_DNS, NAT, &["ip daddr", &a, proto, "53", C, "redirect", "to", &to]);
            }
            for s in &cfg.dns_servers_v6 {
                let a = format!("{s}/128");
                b.append_v6(OUTPUT_DNS, NAT, &["ip6 daddr", &a, proto, "53", C, "redirect", "to", &to]);
            }
        }
    }
    for (key, ids) in [("skuid", &cfg.proxy_uid), ("skgid", &cfg.proxy_gid)] {
        for id in split(ids) {
            b.append(OUTPUT_DNS, RAW, &["udp dport", "53", "meta", key, id, C, "ct", "zone", "set", "1"]);
            b.append(
                OUTPUT_DNS,
                RAW,
                &["udp sport", AGENT_DNS_PORT, "meta", key, id, C, "ct", "zone", "set", "2"],
            );
        }
    }
    if cfg.capture_all_dns {
        b.append(PREROUTING, RAW, &[C, "jump", INBOUND]);
        b.append(OUTPUT_DNS, RAW, &["udp dport", "53", C, "ct", "zone", "set", "2"]);
        b.append(INBOUND, RAW, &["udp sport", "53", C, "ct", "zone", "set", "1"]);
    } else {
        if !cfg.dns_servers_v4.is_empty() || !cfg.dns_servers_v6.is_empty() {
            b.append(PREROUTING, RAW, &[C, "jump", INBOUND]);
        }
        for s in &cfg.dns_servers_v4 {
            let a = format!("{s}/32");
            b.append(OUTPUT_DNS, RAW, &["udp dport", "53", "ip daddr", &a, C, "ct", "zone", "set", "2"]);
            b.append(INBOUND, RAW, &["udp sport", "53", "ip saddr", &a, C, "ct", "zone", "set", "1"]);
        }
        for s in &cfg.dns_servers_v6 {
            let a = format!("{s}/128");
            b.append_v6(OUTPUT_DNS, RAW, &["udp dport", "53", "ip6 daddr", &a, C, "ct", "zone", "set", "2"]);
            b.append_v6(INBOUND, RAW, &["udp sport", "53", "ip6 saddr", &a, C, "ct", "zone", "set", "1"]);
        }
    }
}
