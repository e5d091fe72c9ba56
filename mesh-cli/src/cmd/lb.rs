//! `meshctl lb table|pick|load|sequence|priorities`: Envoy-compatible load balancing, as
//! CONTRACT.md defines it, so that anyone can check a table against an Envoy next to it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use mesh_model::Kind;
use mesh_model::Resource;
use mesh_model::networking::{DestinationRule, LocalityLoadBalancerSetting};
use mesh_model::snapshot::resolve_short_name;
use mesh_routing::lb::consistent::{ConsistentHashConfig, HashTableKind, PriorityTable};
use mesh_routing::lb::hash::xx_hash64;
use mesh_routing::lb::locality::{apply_locality_lb, assignments, effective_setting, group_by_locality};
use mesh_routing::lb::maglev::DEFAULT_TABLE_SIZE;
use mesh_routing::lb::priority::{DEFAULT_OVERPROVISIONING_FACTOR, DEFAULT_PANIC_THRESHOLD};
use mesh_routing::lb::ring_hash::{DEFAULT_MAX_RING_SIZE, DEFAULT_MIN_RING_SIZE, RingConfig};
use mesh_routing::lb::{
    Endpoint, HashFunction, Health, Locality, PriorityLoad, PriorityParams, PrioritySet, RoundRobin,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Answer;
use crate::config::{CliError, MeshFlags, load_config};
use crate::output::{Format, print_json};

/// Arguments of `meshctl lb`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Print a Maglev table (slot order) or a ring (hash order) as Envoy builds it.
    Table(TableArgs),
    /// Pick the endpoint Envoy's Maglev or ring hash picks for a hash or a key.
    Pick(PickArgs),
    /// Print the per-priority loads (percent) and panic state Envoy computes.
    Load(LoadArgs),
    /// Print the pick order of a freshly built weighted round robin (EDF).
    Sequence(SequenceArgs),
    /// Print each endpoint's priority and locality weight as Istio assigns them.
    Priorities(PrioritiesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HashPolicyName {
    /// Maglev consistent hashing.
    Maglev,
    /// Ketama ring hashing.
    RingHash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HashFunctionName {
    /// XXH64 (Envoy's default).
    XxHash,
    /// 64-bit MurmurHash2.
    MurmurHash2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SequencePolicy {
    /// Weighted round robin.
    RoundRobin,
}

#[derive(Debug, clap::Args)]
struct TableFlags {
    /// The consistent-hash policy.
    #[arg(long, value_enum)]
    policy: HashPolicyName,
    /// The endpoints (JSON: an array, or {"endpoints": [...], "localityWeights": {...}}).
    #[arg(long, value_name = "FILE")]
    endpoints: PathBuf,
    /// Maglev table size (a prime).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_TABLE_SIZE)]
    table_size: u64,
    /// Minimum ring size.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MIN_RING_SIZE)]
    min_ring_size: u64,
    /// Maximum ring size.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_RING_SIZE)]
    max_ring_size: u64,
    /// The hash of ring entries.
    #[arg(long, value_enum, default_value = "xx-hash")]
    hash_function: HashFunctionName,
    /// Hash endpoints by hostname instead of address.
    #[arg(long)]
    use_hostname: bool,
    /// Scale host weights by locality weights.
    #[arg(long)]
    locality_weighted: bool,
}

#[derive(Debug, clap::Args)]
struct TableArgs {
    #[command(flatten)]
    table: TableFlags,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("request").required(true).args(["hash", "key"]))]
struct PickArgs {
    #[command(flatten)]
    table: TableFlags,
    /// The request's hash.
    #[arg(long, value_name = "U64")]
    hash: Option<u64>,
    /// A request key, hashed as Envoy hashes one (XXH64).
    #[arg(long, value_name = "STRING")]
    key: Option<String>,
    /// The retry attempt (0 for the first try).
    #[arg(long, value_name = "N", default_value_t = 0)]
    attempt: u32,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct LoadArgs {
    /// The endpoints.
    #[arg(long, value_name = "FILE")]
    endpoints: PathBuf,
    /// Overprovisioning factor, percent.
    #[arg(long, value_name = "PERCENT", default_value_t = DEFAULT_OVERPROVISIONING_FACTOR)]
    overprovisioning: u32,
    /// Healthy panic threshold, percent (0 disables panic).
    #[arg(long, value_name = "PERCENT", default_value_t = DEFAULT_PANIC_THRESHOLD)]
    panic_threshold: u32,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct SequenceArgs {
    /// The policy.
    #[arg(long, value_enum)]
    policy: SequencePolicy,
    /// The endpoints.
    #[arg(long, value_name = "FILE")]
    endpoints: PathBuf,
    /// How many picks.
    #[arg(long, value_name = "N")]
    count: usize,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct PrioritiesArgs {
    /// The endpoints.
    #[arg(long, value_name = "FILE")]
    endpoints: PathBuf,
    /// The client's locality, region/zone/subzone.
    #[arg(long, value_name = "R/Z/S")]
    source_locality: String,
    /// The client's labels, k=v,... (for failoverPriority).
    #[arg(long, value_name = "K=V,...")]
    source_labels: Option<String>,
    /// Mesh config (files, folders, - for stdin), repeatable.
    #[arg(long, value_name = "PATH")]
    config: Vec<PathBuf>,
    /// The destination host whose DestinationRule applies.
    #[arg(long, value_name = "HOST")]
    host: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    mesh: MeshFlags,
}

/// Runs `meshctl lb`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    match &args.command {
        Command::Table(a) => table(a),
        Command::Pick(a) => pick(a),
        Command::Load(a) => load(a),
        Command::Sequence(a) => sequence(a),
        Command::Priorities(a) => priorities(a),
    }
}

// === endpoints file ===

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum EndpointsFile {
    List(Vec<EndpointJson>),
    Object {
        endpoints: Vec<EndpointJson>,
        #[serde(rename = "localityWeights", default)]
        locality_weights: Option<BTreeMap<String, u32>>,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointJson {
    address: String,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    hash_key: Option<String>,
    #[serde(default)]
    weight: Option<u32>,
    #[serde(default)]
    locality: Option<String>,
    #[serde(default)]
    priority: Option<u32>,
    #[serde(default)]
    labels: Option<BTreeMap<String, String>>,
    #[serde(default)]
    health: Option<HealthJson>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum HealthJson {
    Healthy,
    Degraded,
    Unhealthy,
    Excluded,
}

struct Endpoints {
    list: Vec<Endpoint>,
    locality_weights: Option<BTreeMap<Locality, u32>>,
}

fn read_endpoints(path: &Path) -> Result<Endpoints, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?
    };
    let file: EndpointsFile = serde_json::from_str(&text).map_err(|e| {
        CliError(format!(
            "{}:{}: not an endpoints file (an array of endpoints, or an object with \"endpoints\"): {e}",
            path.display(),
            e.line()
        ))
    })?;
    let (raw, weights) = match file {
        EndpointsFile::List(l) => (l, None),
        EndpointsFile::Object { endpoints, locality_weights } => (endpoints, locality_weights),
    };
    let mut list = Vec::with_capacity(raw.len());
    for (i, e) in raw.into_iter().enumerate() {
        if e.address.is_empty() {
            return Err(CliError(format!("{}: endpoints[{i}].address is empty", path.display())));
        }
        let weight = e.weight.unwrap_or(1);
        if weight == 0 {
            return Err(CliError(format!(
                "{}: endpoints[{i}].weight is 0; Envoy requires a load-balancing weight of at least 1",
                path.display()
            )));
        }
        list.push(Endpoint {
            address: e.address,
            hostname: e.hostname,
            hash_key: e.hash_key,
            weight,
            locality: Locality::parse(e.locality.as_deref().unwrap_or("")),
            priority: e.priority.unwrap_or(0),
            labels: e.labels.unwrap_or_default(),
            health: match e.health.unwrap_or(HealthJson::Healthy) {
                HealthJson::Healthy => Health::Healthy,
                HealthJson::Degraded => Health::Degraded,
                HealthJson::Unhealthy => Health::Unhealthy,
                HealthJson::Excluded => Health::Excluded,
            },
        });
    }
    let locality_weights = weights.map(|w| w.into_iter().map(|(k, v)| (Locality::parse(&k), v)).collect());
    Ok(Endpoints { list, locality_weights })
}

// === table and pick ===

fn build_table(flags: &TableFlags, eps: &Endpoints) -> Result<PriorityTable, CliError> {
    let kind = match flags.policy {
        HashPolicyName::Maglev => HashTableKind::Maglev { table_size: flags.table_size },
        HashPolicyName::RingHash => HashTableKind::RingHash(RingConfig {
            min_ring_size: flags.min_ring_size,
            max_ring_size: flags.max_ring_size,
            hash_function: match flags.hash_function {
                HashFunctionName::XxHash => HashFunction::XxHash,
                HashFunctionName::MurmurHash2 => HashFunction::MurmurHash2,
            },
        }),
    };
    let config = ConsistentHashConfig {
        kind,
        use_hostname: flags.use_hostname,
        locality_weighted: flags.locality_weighted,
        priority: PriorityParams::default(),
    };
    // Check the parameters first, as Envoy rejects a cluster before it sees any endpoint.
    match kind {
        HashTableKind::Maglev { table_size } => mesh_routing::lb::maglev::check_table_size(table_size),
        HashTableKind::RingHash(ring) => ring.check(),
    }
    .map_err(|e| CliError(e.to_string()))?;
    let set = PrioritySet::new(&eps.list, eps.locality_weights.as_ref());
    let load = set.load(&eps.list, &config.priority);
    let panic = load.panic.first().copied().unwrap_or(false);
    PriorityTable::build(&set, &eps.list, 0, panic, &config).map_err(|e| CliError(e.to_string()))
}

fn table(args: &TableArgs) -> Result<Answer, CliError> {
    let eps = read_endpoints(&args.table.endpoints)?;
    let built = build_table(&args.table, &eps)?;
    let key = |i: usize| eps.list[i].key(args.table.use_hostname).to_string();
    let (policy, entries): (&str, Vec<(Option<u64>, String)>) = match &built.table {
        mesh_routing::lb::consistent::HashTable::Maglev(m) => {
            ("maglev", m.slots().map(|h| (None, key(built.hosts[h]))).collect())
        }
        mesh_routing::lb::consistent::HashTable::Ring(r) => {
            ("ring-hash", r.entries().map(|(hash, h)| (Some(hash), key(built.hosts[h]))).collect())
        }
    };
    match args.output {
        Format::Json => {
            let list: Vec<Value> = entries.iter().map(|(h, e)| json!({"hash": h, "endpoint": e})).collect();
            print_json(&json!({"policy": policy, "size": entries.len(), "entries": list}));
        }
        Format::Text => {
            println!("{policy}: {} entries", entries.len());
            for (i, (h, e)) in entries.iter().enumerate() {
                match h {
                    Some(h) => println!("{h:>20}  {e}"),
                    None => println!("{i:>8}  {e}"),
                }
            }
        }
    }
    Ok(Answer::Positive)
}

fn pick(args: &PickArgs) -> Result<Answer, CliError> {
    let eps = read_endpoints(&args.table.endpoints)?;
    let built = build_table(&args.table, &eps)?;
    let hash = match (&args.hash, &args.key) {
        (Some(h), _) => *h,
        (None, Some(k)) => xx_hash64(k.as_bytes(), 0),
        (None, None) => return Err(CliError("one of --hash and --key is required".to_string())),
    };
    let chosen =
        built.choose(hash, args.attempt).map(|i| eps.list[i].key(args.table.use_hostname).to_string());
    match args.output {
        Format::Json => print_json(&json!({"endpoint": chosen, "hash": hash})),
        Format::Text => match &chosen {
            Some(e) => println!("hash {hash} -> {e}"),
            None => println!("hash {hash} -> no endpoint"),
        },
    }
    Ok(if chosen.is_some() { Answer::Positive } else { Answer::Negative })
}

// === load and sequence ===

fn load(args: &LoadArgs) -> Result<Answer, CliError> {
    let eps = read_endpoints(&args.endpoints)?;
    let params = PriorityParams {
        overprovisioning_factor: args.overprovisioning,
        panic_threshold: args.panic_threshold,
        weighted_priority_health: false,
    };
    let set = PrioritySet::new(&eps.list, None);
    let l: PriorityLoad = set.load(&eps.list, &params);
    match args.output {
        Format::Json => {
            let list: Vec<Value> = (0..l.healthy.len())
                .map(|p| {
                    json!({"priority": p, "healthyLoad": l.healthy[p], "degradedLoad": l.degraded[p],
                           "panic": l.panic[p]})
                })
                .collect();
            print_json(&json!({"priorities": list, "totalPanic": l.total_panic}));
        }
        Format::Text => {
            for p in 0..l.healthy.len() {
                println!(
                    "P{p}: healthy {}%, degraded {}%{}",
                    l.healthy[p],
                    l.degraded[p],
                    if l.panic[p] { " (panic)" } else { "" }
                );
            }
            if l.total_panic {
                println!("total panic: load follows host counts");
            }
        }
    }
    Ok(Answer::Positive)
}

fn sequence(args: &SequenceArgs) -> Result<Answer, CliError> {
    let SequencePolicy::RoundRobin = args.policy;
    let eps = read_endpoints(&args.endpoints)?;
    let set = PrioritySet::new(&eps.list, None);
    let load = set.load(&eps.list, &PriorityParams::default());
    let hosts: Vec<usize> = match set.host_sets.first() {
        Some(hs) if load.panic.first().copied().unwrap_or(false) => hs.hosts.clone(),
        Some(hs) => hs.healthy.clone(),
        None => Vec::new(),
    };
    let weights: Vec<u32> = hosts.iter().map(|&i| eps.list[i].weight).collect();
    let mut rr = RoundRobin::new(&weights, 0);
    let picks: Vec<String> = (0..args.count)
        .filter_map(|_| rr.pick())
        .map(|i| eps.list[hosts[i]].key(false).to_string())
        .collect();
    match args.output {
        Format::Json => print_json(&json!({"picks": picks})),
        Format::Text => {
            for p in &picks {
                println!("{p}");
            }
        }
    }
    Ok(Answer::Positive)
}

// === priorities ===

fn parse_labels(s: Option<&str>) -> Result<BTreeMap<String, String>, CliError> {
    let mut out = BTreeMap::new();
    for part in s.unwrap_or("").split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            CliError(format!("--source-labels: {part:?} is not key=value (expected k=v,k2=v2)"))
        })?;
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// The locality setting and whether failover applies, from the config and the host.
fn locality_config(args: &PrioritiesArgs) -> Result<(Option<LocalityLoadBalancerSetting>, bool), CliError> {
    if args.config.is_empty() {
        // Istio's default mesh setting (enabled, no failover), asked as if the destination had
        // outlier detection, so that locality failover applies.
        let default = LocalityLoadBalancerSetting { enabled: Some(true), ..Default::default() };
        return Ok((Some(default), true));
    }
    let set = load_config(&args.config, &args.mesh, false)?;
    let mesh_setting = set.mesh.locality_lb_setting();
    let dr = match &args.host {
        Some(host) => {
            let fqdn = resolve_short_name(host, &args.mesh.default_namespace, &args.mesh.domain_suffix);
            find_destination_rule(&set.snapshot, &fqdn)
        }
        None => None,
    };
    let policy = dr.and_then(|d| d.spec.traffic_policy.as_ref());
    let dr_setting =
        policy.and_then(|p| p.load_balancer.as_ref()).and_then(|lb| lb.locality_lb_setting.as_ref());
    let outlier = policy.is_some_and(|p| p.outlier_detection.is_some());
    Ok((effective_setting(Some(&mesh_setting), dr_setting), outlier))
}

/// The DestinationRule for `fqdn`: one naming it exactly, else the most specific wildcard
/// (`*.example.com`) that covers it, first in precedence order.
fn find_destination_rule<'a>(snapshot: &'a mesh_model::Snapshot, fqdn: &str) -> Option<&'a DestinationRule> {
    let as_dr = |r: &'a Resource| match r {
        Resource::DestinationRule(d) => Some(d),
        _ => None,
    };
    if let Some(d) = snapshot.by_host(Kind::DestinationRule, fqdn).find_map(as_dr) {
        return Some(d);
    }
    let mut best: Option<(&'a DestinationRule, usize)> = None;
    for r in snapshot.of_kind(Kind::DestinationRule) {
        let Some(d) = as_dr(r) else { continue };
        let host = resolve_short_name(&d.spec.host, r.namespace(), snapshot.domain_suffix());
        let covers = host == "*" || host.strip_prefix('*').is_some_and(|suffix| fqdn.ends_with(suffix));
        if covers && best.is_none_or(|(_, len)| host.len() > len) {
            best = Some((d, host.len()));
        }
    }
    best.map(|(d, _)| d)
}

fn priorities(args: &PrioritiesArgs) -> Result<Answer, CliError> {
    let eps = read_endpoints(&args.endpoints)?;
    let source = Locality::parse(&args.source_locality);
    let labels = parse_labels(args.source_labels.as_deref())?;
    let (setting, enable_failover) = locality_config(args)?;
    let mut groups = group_by_locality(&eps.list, eps.locality_weights.as_ref());
    if let Some(setting) = &setting {
        apply_locality_lb(&mut groups, &source, &labels, setting, enable_failover);
    }
    let assigned = assignments(&groups, eps.list.len());
    let rows: Vec<(String, u32, Option<u32>)> = eps
        .list
        .iter()
        .zip(&assigned)
        .map(|(e, a)| {
            let (p, w) = a.unwrap_or((0, None));
            (e.key(false).to_string(), p, w)
        })
        .collect();
    match args.output {
        Format::Json => {
            let list: Vec<Value> =
                rows.iter().map(|(e, p, w)| json!({"endpoint": e, "priority": p, "weight": w})).collect();
            print_json(&json!({"endpoints": list}));
        }
        Format::Text => {
            if setting.is_none() {
                println!("locality load balancing is disabled");
            } else if !enable_failover {
                println!("no outlier detection: Istio applies no locality failover");
            }
            for (e, p, w) in &rows {
                let w = w.map_or_else(|| "unset".to_string(), |w| w.to_string());
                println!("P{p}  weight {w:>5}  {e}");
            }
        }
    }
    Ok(Answer::Positive)
}
