//! The `iptables-restore` input istio-iptables generates, for IPv4 and IPv6.
//!
//! Rules are built in upstream's order; each table section declares (`-N`) the Istio chains
//! it uses, in order of first use, then lists the rules (`-A`/`-I`) in order, then `COMMIT`.
//! Tables come in alphabetical order (`filter`, `mangle`, `nat`, `raw`), empty ones omitted.

use serde::Serialize;

use super::{AGENT_DNS_PORT, CaptureConfig, CaptureError, InterceptionMode, OUTBOUND_MARK, Parsed, split};

const INBOUND: &str = "ISTIO_INBOUND";
const OUTPUT: &str = "ISTIO_OUTPUT";
const OUTPUT_DNS: &str = "ISTIO_OUTPUT_DNS";
const DIVERT: &str = "ISTIO_DIVERT";
const TPROXY: &str = "ISTIO_TPROXY";
const REDIRECT: &str = "ISTIO_REDIRECT";
const IN_REDIRECT: &str = "ISTIO_IN_REDIRECT";
const DROP: &str = "ISTIO_DROP";
/// Stands for the family-specific address in a versioned rule.
const VERSIONED: &str = "\u{0}";

const BUILTIN: [&str; 8] =
    ["INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING", "ACCEPT", "RETURN", "DROP"];

/// The rule sets of one configuration: the text `iptables-restore --noflush` and
/// `ip6tables-restore --noflush` are fed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IptablesRules {
    /// The IPv4 rules.
    pub ipv4: String,
    /// The IPv6 rules; `None` when IPv6 is not enabled.
    pub ipv6: Option<String>,
}

#[derive(Debug, Clone)]
struct Rule {
    chain: &'static str,
    table: &'static str,
    params: Vec<String>,
}

#[derive(Debug, Default)]
struct Builder {
    v4: Vec<Rule>,
    v6: Vec<Rule>,
    ipv6: bool,
}

fn strs(p: &[&str]) -> Vec<String> {
    p.iter().map(|s| (*s).to_string()).collect()
}

impl Builder {
    fn push(list: &mut Vec<Rule>, chain: &'static str, table: &'static str, head: Vec<String>, p: &[&str]) {
        let mut params = head;
        params.extend(p.iter().map(|s| (*s).to_string()));
        list.push(Rule { chain, table, params });
    }

    fn append_v4(&mut self, chain: &'static str, table: &'static str, p: &[&str]) {
        Self::push(&mut self.v4, chain, table, strs(&["-A", chain]), p);
    }

    fn append_v6(&mut self, chain: &'static str, table: &'static str, p: &[&str]) {
        if self.ipv6 {
            Self::push(&mut self.v6, chain, table, strs(&["-A", chain]), p);
        }
    }

    fn append(&mut self, chain: &'static str, table: &'static str, p: &[&str]) {
        self.append_v4(chain, table, p);
        self.append_v6(chain, table, p);
    }

    /// Appends to the IPv6 rules when `v6`, else to the IPv4 ones.
    fn append_family(&mut self, v6: bool, chain: &'static str, table: &'static str, p: &[&str]) {
        if v6 { self.append_v6(chain, table, p) } else { self.append_v4(chain, table, p) }
    }

    fn insert_v4(&mut self, chain: &'static str, table: &'static str, pos: u32, p: &[&str]) {
        Self::push(&mut self.v4, chain, table, vec!["-I".into(), chain.into(), pos.to_string()], p);
    }

    fn insert_v6(&mut self, chain: &'static str, table: &'static str, pos: u32, p: &[&str]) {
        if self.ipv6 {
            Self::push(&mut self.v6, chain, table, vec!["-I".into(), chain.into(), pos.to_string()], p);
        }
    }

    fn insert(&mut self, chain: &'static str, table: &'static str, pos: u32, p: &[&str]) {
        self.insert_v4(chain, table, pos, p);
        self.insert_v6(chain, table, pos, p);
    }

    /// A rule whose [`VERSIONED`] placeholder is `v4` in the IPv4 set and `v6` in the IPv6 set.
    fn append_versioned(&mut self, v4: &str, v6: &str, chain: &'static str, table: &'static str, p: &[&str]) {
        let r4: Vec<&str> = p.iter().map(|s| if *s == VERSIONED { v4 } else { s }).collect();
        let r6: Vec<&str> = p.iter().map(|s| if *s == VERSIONED { v6 } else { s }).collect();
        self.append_v4(chain, table, &r4);
        self.append_v6(chain, table, &r6);
    }
}

fn restore_text(rules: &[Rule]) -> String {
    let tables = ["filter", "mangle", "nat", "raw"];
    let mut sections: Vec<Vec<String>> = vec![Vec::new(); tables.len()];
    let idx = |t: &str| tables.iter().position(|x| *x == t).unwrap_or(0);
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut declare = |chain: &str, table: &'static str, sections: &mut Vec<Vec<String>>| {
        if seen.iter().any(|(c, t)| c == chain && *t == table) {
            return;
        }
        seen.push((chain.to_string(), table));
        if !BUILTIN.contains(&chain) {
            sections[idx(table)].push(format!("-N {chain}"));
        }
    };
    for r in rules {
        declare(r.chain, r.table, &mut sections);
    }
    for r in rules {
        let n = r.params.len();
        if n >= 2 && r.params[n - 2] == "-j" {
            declare(&r.params[n - 1], r.table, &mut sections);
        }
    }
    for r in rules {
        sections[idx(r.table)].push(r.params.join(" "));
    }
    let mut out = String::new();
    for (t, lines) in tables.iter().zip(sections) {
        if lines.is_empty() {
            continue;
        }
        out.push_str("* ");
        out.push_str(t);
        out.push('\n');
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out.push_str("COMMIT\n");
    }
    out
}

/// The `iptables-restore` input for `cfg`, as istio-iptables generates it.
///
/// ```
/// use mesh_kube::capture::{CaptureConfig, iptables};
/// let cfg = CaptureConfig { inbound_ports_include: "*".into(), ..CaptureConfig::default() };
/// let rules = iptables::render(&cfg).unwrap();
/// assert!(rules.ipv4.contains("-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT\n"));
/// assert!(rules.ipv6.is_none());
/// ```
pub fn render(cfg: &CaptureConfig) -> Result<IptablesRules, CaptureError> {
    let parsed = cfg.parse()?;
    let mut b = Builder { ipv6: cfg.enable_ipv6, ..Builder::default() };
    build(cfg, &parsed, &mut b);
    Ok(IptablesRules {
        ipv4: restore_text(&b.v4),
        ipv6: if cfg.enable_ipv6 { Some(restore_text(&b.v6)) } else { None },
    })
}

fn build(cfg: &CaptureConfig, p: &Parsed, b: &mut Builder) {
    let tproxy = cfg.inbound_interception_mode == InterceptionMode::Tproxy;
    let lo4 = cfg.host_ipv4_loopback_cidr.as_str();
    let mark = cfg.inbound_tproxy_mark.as_str();

    // Excluded interfaces bypass everything.
    for i in split(&cfg.exclude_interfaces) {
        b.append("PREROUTING", "nat", &["-i", i, "-j", "RETURN"]);
        b.append("OUTPUT", "nat", &["-o", i, "-j", "RETURN"]);
    }
    if tproxy {
        for i in split(&cfg.exclude_interfaces) {
            b.append("PREROUTING", "mangle", &["-i", i, "-j", "RETURN"]);
            b.append("OUTPUT", "mangle", &["-o", i, "-j", "RETURN"]);
        }
    }
    // Virtual (VM) interfaces are not captured as inbound.
    for i in split(&cfg.reroute_virtual_interfaces) {
        b.insert("PREROUTING", "nat", 1, &["-i", i, "-j", "RETURN"]);
    }
    if cfg.drop_invalid {
        b.append("PREROUTING", "mangle", &["-m", "conntrack", "--ctstate", "INVALID", "-j", DROP]);
        b.append(DROP, "mangle", &["-j", "DROP"]);
    }
    b.append(INBOUND, "nat", &["-p", "tcp", "--dport", &cfg.inbound_tunnel_port, "-j", "RETURN"]);
    b.append(REDIRECT, "nat", &["-p", "tcp", "-j", "REDIRECT", "--to-ports", &cfg.proxy_port]);
    b.append(IN_REDIRECT, "nat", &["-p", "tcp", "-j", "REDIRECT", "--to-ports", &cfg.inbound_capture_port]);

    inbound(cfg, b);

    b.append("OUTPUT", "nat", &["-j", OUTPUT]);
    for port in split(&cfg.outbound_ports_exclude) {
        b.append(OUTPUT, "nat", &["-p", "tcp", "--dport", port, "-j", "RETURN"]);
        b.append(OUTPUT, "nat", &["-p", "udp", "--dport", port, "-j", "RETURN"]);
    }
    // 127.0.0.6 / ::6 is the inbound passthrough cluster's bind address.
    b.append_versioned(
        "127.0.0.6/32",
        "::6/128",
        OUTPUT,
        "nat",
        &["-o", "lo", "-s", VERSIONED, "-j", "RETURN"],
    );

    let loopback_included = p.v4_include.has_loopback || p.v6_include.has_loopback;
    let dns_ports = format!("53,{}", cfg.inbound_tunnel_port);
    for uid in split(&cfg.proxy_uid) {
        // With DNS capture the proxy's own DNS to a non-loopback address is left alone too.
        let ports: &[&str] = if p.redirect_dns {
            &["-m", "multiport", "!", "--dports", &dns_ports]
        } else {
            &["!", "--dport", &cfg.inbound_tunnel_port]
        };
        owner_loopback_redirect(b, lo4, ports, "--uid-owner", uid);
        owner_returns(b, "--uid-owner", uid, loopback_included, p.redirect_dns);
    }
    for gid in split(&cfg.proxy_gid) {
        owner_loopback_redirect(b, lo4, &["!", "--dport", &cfg.inbound_tunnel_port], "--gid-owner", gid);
        owner_returns(b, "--gid-owner", gid, loopback_included, p.redirect_dns);
    }

    // Owner groups.
    if p.owner_groups.except {
        for g in &p.owner_groups.values {
            b.append(OUTPUT, "nat", &["-m", "owner", "--gid-owner", g, "-j", "RETURN"]);
        }
    } else {
        let mut params: Vec<&str> = Vec::new();
        for g in &p.owner_groups.values {
            params.extend(["-m", "owner", "!", "--gid-owner", g.as_str()]);
        }
        params.extend(["-j", "RETURN"]);
        b.append(OUTPUT, "nat", &params);
    }

    if p.redirect_dns {
        dns(cfg, b);
    }

    b.append_versioned(lo4, "::1/128", OUTPUT, "nat", &["-d", VERSIONED, "-j", "RETURN"]);
    for c in &p.v4_exclude.cidrs {
        b.append_v4(OUTPUT, "nat", &["-d", c, "-j", "RETURN"]);
    }
    for c in &p.v6_exclude.cidrs {
        b.append_v6(OUTPUT, "nat", &["-d", c, "-j", "RETURN"]);
    }
    for port in split(&cfg.outbound_ports_include) {
        b.append(OUTPUT, "nat", &["-p", "tcp", "--dport", port, "-j", REDIRECT]);
    }
    outbound_include(cfg, &p.v4_include, b, false);
    outbound_include(cfg, &p.v6_include, b, true);

    if tproxy {
        b.append(
            "PREROUTING",
            "mangle",
            &["-p", "tcp", "-m", "mark", "--mark", mark, "-j", "CONNMARK", "--save-mark"],
        );
        b.append(
            "OUTPUT",
            "mangle",
            &["-p", "tcp", "-o", "lo", "-m", "mark", "--mark", mark, "-j", "RETURN"],
        );
        for uid in split(&cfg.proxy_uid) {
            b.append_versioned(
                lo4,
                "::1/128",
                "OUTPUT",
                "mangle",
                &[
                    "!",
                    "-d",
                    VERSIONED,
                    "-p",
                    "tcp",
                    "-o",
                    "lo",
                    "-m",
                    "owner",
                    "--uid-owner",
                    uid,
                    "-j",
                    "MARK",
                    "--set-mark",
                    OUTBOUND_MARK,
                ],
            );
        }
        for gid in split(&cfg.proxy_gid) {
            b.append_versioned(
                lo4,
                "::1/128",
                "OUTPUT",
                "mangle",
                &[
                    "!",
                    "-d",
                    VERSIONED,
                    "-p",
                    "tcp",
                    "-o",
                    "lo",
                    "-m",
                    "owner",
                    "--gid-owner",
                    gid,
                    "-j",
                    "MARK",
                    "--set-mark",
                    OUTBOUND_MARK,
                ],
            );
        }
        b.append(
            "OUTPUT",
            "mangle",
            &["-p", "tcp", "-m", "connmark", "--mark", mark, "-j", "CONNMARK", "--restore-mark"],
        );
        b.insert(INBOUND, "mangle", 1, &["-p", "tcp", "-m", "mark", "--mark", mark, "-j", "RETURN"]);
        b.insert_v4(INBOUND, "mangle", 2, &["-p", "tcp", "-s", "127.0.0.6/32", "-i", "lo", "-j", "RETURN"]);
        b.insert_v6(INBOUND, "mangle", 2, &["-p", "tcp", "-s", "::6/128", "-i", "lo", "-j", "RETURN"]);
        b.insert(
            INBOUND,
            "mangle",
            3,
            &["-p", "tcp", "-i", "lo", "-m", "mark", "!", "--mark", OUTBOUND_MARK, "-j", "RETURN"],
        );
    }
}

/// The proxy's own loopback traffic (owner `flag` = `id`) to a non-loopback address, other
/// than to the ports `ports` selects, goes to the inbound redirect (both families).
fn owner_loopback_redirect(b: &mut Builder, lo4: &str, ports: &[&str], flag: &str, id: &str) {
    let mut rule = vec!["-o", "lo", "!", "-d", VERSIONED, "-p", "tcp"];
    rule.extend_from_slice(ports);
    rule.extend(["-m", "owner", flag, id, "-j", IN_REDIRECT]);
    b.append_versioned(lo4, "::1/128", OUTPUT, "nat", &rule);
}

/// The RETURN rules istio-iptables adds for each proxy UID and GID (`owner_flag` is
/// `--uid-owner` or `--gid-owner`): the proxy's own loopback traffic (all of it, or all but DNS
/// when DNS is captured) unless loopback is captured, then everything the proxy sends.
fn owner_returns(b: &mut Builder, owner_flag: &str, id: &str, loopback_included: bool, redirect_dns: bool) {
    if !loopback_included {
        if redirect_dns {
            b.append(
                OUTPUT,
                "nat",
                &[
                    "-o", "lo", "-p", "tcp", "!", "--dport", "53", "-m", "owner", "!", owner_flag, id, "-j",
                    "RETURN",
                ],
            );
        } else {
            b.append(OUTPUT, "nat", &["-o", "lo", "-m", "owner", "!", owner_flag, id, "-j", "RETURN"]);
        }
    }
    b.append(OUTPUT, "nat", &["-m", "owner", owner_flag, id, "-j", "RETURN"]);
}

fn inbound(cfg: &CaptureConfig, b: &mut Builder) {
    if cfg.inbound_ports_include.is_empty() {
        return;
    }
    let tproxy = cfg.inbound_interception_mode == InterceptionMode::Tproxy;
    let mark = cfg.inbound_tproxy_mark.as_str();
    let table = if tproxy {
        b.append(DIVERT, "mangle", &["-j", "MARK", "--set-mark", mark]);
        b.append(DIVERT, "mangle", &["-j", "ACCEPT"]);
        let tmark = format!("{mark}/0xffffffff");
        b.append_versioned(
            &cfg.host_ipv4_loopback_cidr,
            "::1/128",
            TPROXY,
            "mangle",
            &[
                "!",
                "-d",
                VERSIONED,
                "-p",
                "tcp",
                "-j",
                "TPROXY",
                "--tproxy-mark",
                &tmark,
                "--on-port",
                &cfg.inbound_capture_port,
            ],
        );
        "mangle"
    } else {
        "nat"
    };
    b.append("PREROUTING", table, &["-p", "tcp", "-j", INBOUND]);
    if cfg.inbound_ports_include == "*" {
        for port in split(&cfg.inbound_ports_exclude) {
            b.append(INBOUND, table, &["-p", "tcp", "--dport", port, "-j", "RETURN"]);
        }
        if tproxy {
            b.append(
                INBOUND,
                "mangle",
                &["-p", "tcp", "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", DIVERT],
            );
            b.append(INBOUND, "mangle", &["-p", "tcp", "-j", TPROXY]);
        } else {
            b.append(INBOUND, "nat", &["-p", "tcp", "-j", IN_REDIRECT]);
        }
    } else {
        for port in split(&cfg.inbound_ports_include) {
            if tproxy {
                b.append(
                    INBOUND,
                    "mangle",
                    &[
                        "-p",
                        "tcp",
                        "--dport",
                        port,
                        "-m",
                        "conntrack",
                        "--ctstate",
                        "RELATED,ESTABLISHED",
                        "-j",
                        DIVERT,
                    ],
                );
                b.append(INBOUND, "mangle", &["-p", "tcp", "--dport", port, "-j", TPROXY]);
            } else {
                b.append(INBOUND, "nat", &["-p", "tcp", "--dport", port, "-j", IN_REDIRECT]);
            }
        }
    }
}

fn outbound_include(cfg: &CaptureConfig, range: &super::NetworkRange, b: &mut Builder, v6: bool) {
    let append = |b: &mut Builder, p: &[&str]| {
        if v6 { b.append_v6(OUTPUT, "nat", p) } else { b.append_v4(OUTPUT, "nat", p) }
    };
    let insert = |b: &mut Builder, p: &[&str]| {
        if v6 { b.insert_v6("PREROUTING", "nat", 1, p) } else { b.insert_v4("PREROUTING", "nat", 1, p) }
    };
    if range.is_wildcard {
        append(b, &["-j", REDIRECT]);
        for i in split(&cfg.reroute_virtual_interfaces) {
            insert(b, &["-i", i, "-j", REDIRECT]);
        }
    } else {
        for c in &range.cidrs {
            for i in split(&cfg.reroute_virtual_interfaces) {
                insert(b, &["-i", i, "-d", c, "-j", REDIRECT]);
            }
            append(b, &["-d", c, "-j", REDIRECT]);
        }
    }
}

/// The DNS servers of each family with their host prefix length: IPv4 (`/32`), then IPv6
/// (`/128`); the flag says IPv6.
fn dns_families(cfg: &CaptureConfig) -> [(bool, &[String], &'static str); 2] {
    [(false, &cfg.dns_servers_v4, "32"), (true, &cfg.dns_servers_v6, "128")]
}

fn dns(cfg: &CaptureConfig, b: &mut Builder) {
    b.append("OUTPUT", "raw", &["-j", OUTPUT_DNS]);
    if cfg.capture_all_dns || !cfg.dns_servers_v4.is_empty() {
        b.append_v4(OUTPUT, "nat", &["-j", OUTPUT_DNS]);
    }
    if cfg.capture_all_dns || !cfg.dns_servers_v6.is_empty() {
        b.append_v6(OUTPUT, "nat", &["-j", OUTPUT_DNS]);
    }
    // DNS to the agent: every query under captureAllDNS, else those to the configured servers,
    // TCP then UDP (upstream spells the REDIRECT target's flag differently for each).
    for (proto, to) in [("tcp", "--to-ports"), ("udp", "--to-port")] {
        if cfg.capture_all_dns {
            b.append(
                OUTPUT_DNS,
                "nat",
                &["-p", proto, "--dport", "53", "-j", "REDIRECT", to, AGENT_DNS_PORT],
            );
            continue;
        }
        for (v6, servers, bits) in dns_families(cfg) {
            for s in servers {
                let d = format!("{s}/{bits}");
                let rule = ["-p", proto, "--dport", "53", "-d", &d, "-j", "REDIRECT", to, AGENT_DNS_PORT];
                b.append_family(v6, OUTPUT_DNS, "nat", &rule);
            }
        }
    }
    // Conntrack zones: the agent's upstream queries in zone 1, its answers to clients in zone 2.
    for (flag, ids) in [("--uid-owner", &cfg.proxy_uid), ("--gid-owner", &cfg.proxy_gid)] {
        for id in split(ids) {
            b.append(
                OUTPUT_DNS,
                "raw",
                &["-p", "udp", "--dport", "53", "-m", "owner", flag, id, "-j", "CT", "--zone", "1"],
            );
            b.append(
                OUTPUT_DNS,
                "raw",
                &["-p", "udp", "--sport", AGENT_DNS_PORT, "-m", "owner", flag, id, "-j", "CT", "--zone", "2"],
            );
        }
    }
    if cfg.capture_all_dns {
        b.append("PREROUTING", "raw", &["-j", INBOUND]);
        b.append(OUTPUT_DNS, "raw", &["-p", "udp", "--dport", "53", "-j", "CT", "--zone", "2"]);
        b.append(INBOUND, "raw", &["-p", "udp", "--sport", "53", "-j", "CT", "--zone", "1"]);
    } else {
        for (v6, servers, bits) in dns_families(cfg) {
            if !servers.is_empty() {
                b.append_family(v6, "PREROUTING", "raw", &["-j", INBOUND]);
            }
            for s in servers {
                let a = format!("{s}/{bits}");
                b.append_family(
                    v6,
                    OUTPUT_DNS,
                    "raw",
                    &["-p", "udp", "--dport", "53", "-d", &a, "-j", "CT", "--zone", "2"],
                );
                b.append_family(
                    v6,
                    INBOUND,
                    "raw",
                    &["-p", "udp", "--sport", "53", "-s", &a, "-j", "CT", "--zone", "1"],
                );
            }
        }
    }
}
