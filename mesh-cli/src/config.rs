//! Config input shared by every subcommand that reads mesh config: `--config PATH`
//! (files, folders read recursively, `-` for stdin), the built-in Bookinfo mesh, and the
//! mesh-settings flags.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::ValueEnum;
use mesh_model::load::{LoadOptions, LoadOutput, SourceMap, load_str, parse_mesh_config};
use mesh_model::mesh_config::{
    OutboundTrafficPolicyMode, PathNormalization as MeshPathNormalization, ProxyPathNormalization,
};
use mesh_model::{MeshConfig, Resource, Severity, Snapshot, validate};

/// Why a command could not run (exit 2).
#[derive(Debug)]
pub(crate) struct CliError(pub(crate) String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `--outbound-policy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutboundPolicy {
    /// Unknown hosts pass through.
    #[value(name = "ALLOW_ANY")]
    AllowAny,
    /// Unknown hosts are blackholed.
    #[value(name = "REGISTRY_ONLY")]
    RegistryOnly,
}

/// `--path-normalization`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PathNormalization {
    /// No normalization.
    #[value(name = "NONE")]
    None,
    /// RFC 3986 normalization.
    #[value(name = "BASE")]
    Base,
    /// BASE, and merge slashes.
    #[value(name = "MERGE_SLASHES")]
    MergeSlashes,
    /// Decode %2F and %5C, then MERGE_SLASHES.
    #[value(name = "DECODE_AND_MERGE_SLASHES")]
    DecodeAndMergeSlashes,
}

/// The flags of a decision about one contract request (`route`, `authz`, `mtls`).
#[derive(Debug, clap::Args)]
pub(crate) struct DecisionArgs {
    /// Mesh config: files, folders (read recursively) or `-` for stdin; repeatable.
    #[arg(long = "config", value_name = "PATH")]
    pub(crate) config: Vec<PathBuf>,
    /// The request, as the contract's JSON (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub(crate) request: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    pub(crate) output: crate::output::Format,
    #[command(flatten)]
    pub(crate) mesh: MeshFlags,
}

/// The mesh-settings flags. Unset flags fall back to the mesh ConfigMap, then to Istio's
/// defaults.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct MeshFlags {
    /// The mesh's root namespace [default: istio-system].
    #[arg(long, value_name = "NS")]
    pub(crate) root_namespace: Option<String>,
    /// The mesh's trust domain [default: cluster.local].
    #[arg(long, value_name = "TD")]
    pub(crate) trust_domain: Option<String>,
    /// The cluster's DNS domain suffix.
    #[arg(long, value_name = "SUFFIX", default_value = "cluster.local")]
    pub(crate) domain_suffix: String,
    /// The namespace of resources that name none.
    #[arg(long, value_name = "NS", default_value = "default")]
    pub(crate) default_namespace: String,
    /// Outbound traffic policy [default: ALLOW_ANY].
    #[arg(long, value_enum, value_name = "POLICY")]
    pub(crate) outbound_policy: Option<OutboundPolicy>,
    /// Path normalization [default: BASE].
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) path_normalization: Option<PathNormalization>,
}

impl MeshFlags {
    pub(crate) fn load_options(&self) -> LoadOptions {
        LoadOptions::default().with_default_namespace(self.default_namespace.clone())
    }

    pub(crate) fn root_namespace(&self) -> &str {
        self.root_namespace.as_deref().unwrap_or("istio-system")
    }
}

/// One input text and the name it is reported under.
#[derive(Debug)]
pub(crate) struct Source {
    /// The file path as given (or found in a folder), `-` for stdin, `builtin:...` for the
    /// built-in mesh.
    pub(crate) name: String,
    pub(crate) text: String,
}

/// A source and what loading it produced.
#[derive(Debug)]
pub(crate) struct LoadedSource {
    pub(crate) source: Source,
    pub(crate) output: LoadOutput,
}

/// Reads every path: files as they are, folders recursively (`*.yaml`, `*.yml`, `*.json`, in
/// sorted path order), `-` from stdin.
pub(crate) fn read_paths(paths: &[PathBuf]) -> Result<Vec<Source>, CliError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
            out.push(Source { name: "-".to_string(), text });
        } else if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                out.push(read_file(&f)?);
            }
        } else {
            out.push(read_file(p)?);
        }
    }
    Ok(out)
}

fn read_file(p: &Path) -> Result<Source, CliError> {
    let text =
        std::fs::read_to_string(p).map_err(|e| CliError(format!("cannot read {}: {e}", p.display())))?;
    Ok(Source { name: p.display().to_string(), text })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| CliError(format!("cannot read folder {}: {e}", dir.display())))?;
    for entry in entries {
        let entry = entry.map_err(|e| CliError(format!("cannot read folder {}: {e}", dir.display())))?;
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The sources named by `paths`, or the built-in Bookinfo mesh when there are none.
pub(crate) fn sources_or_builtin(paths: &[PathBuf]) -> Result<Vec<Source>, CliError> {
    if paths.is_empty() { Ok(crate::builtin::sources()) } else { read_paths(paths) }
}

/// Loads every source.
pub(crate) fn load_all(sources: Vec<Source>, flags: &MeshFlags) -> Vec<LoadedSource> {
    let options = flags.load_options();
    sources
        .into_iter()
        .map(|source| {
            let output = load_str(&source.text, &options);
            LoadedSource { source, output }
        })
        .collect()
}

/// Config loaded for a decision command: the effective mesh settings and a snapshot of the resources that validate (as a cluster holds only what its admission
/// webhook accepted).
#[derive(Debug)]
pub(crate) struct ConfigSet {
    /// Mesh settings: flags over the `istio` ConfigMap over Istio's defaults.
    pub(crate) mesh: MeshConfig,
    /// The resources that validate, indexed.
    pub(crate) snapshot: Snapshot,
}

impl MeshFlags {
    /// Applies the flags given on the command line over `mesh`.
    fn apply(&self, mesh: &mut MeshConfig) {
        if let Some(ns) = &self.root_namespace {
            mesh.root_namespace = Some(ns.clone());
        }
        if let Some(td) = &self.trust_domain {
            mesh.trust_domain = Some(td.clone());
        }
        if let Some(p) = self.outbound_policy {
            let mode = match p {
                OutboundPolicy::AllowAny => OutboundTrafficPolicyMode::AllowAny,
                OutboundPolicy::RegistryOnly => OutboundTrafficPolicyMode::RegistryOnly,
            };
            let policy = mesh.outbound_traffic_policy.get_or_insert_with(Default::default);
            policy.mode = Some(mode);
        }
        if let Some(p) = self.path_normalization {
            let level = match p {
                PathNormalization::None => MeshPathNormalization::None,
                PathNormalization::Base => MeshPathNormalization::Base,
                PathNormalization::MergeSlashes => MeshPathNormalization::MergeSlashes,
                PathNormalization::DecodeAndMergeSlashes => MeshPathNormalization::DecodeAndMergeSlashes,
            };
            mesh.path_normalization = Some(ProxyPathNormalization { normalization: Some(level) });
        }
    }
}

/// Finds the `istio` ConfigMap of the root namespace and parses its `data.mesh`.
fn mesh_from_config_map(sources: &[LoadedSource], root_namespace: &str) -> Result<MeshConfig, CliError> {
    for loaded in sources {
        for r in &loaded.output.resources {
            let Resource::ConfigMap(cm) = &r.resource else { continue };
            if cm.metadata.name() != "istio" || cm.metadata.namespace() != root_namespace {
                continue;
            }
            let Some(text) = cm.data.get("mesh") else { continue };
            return match parse_mesh_config(text) {
                Ok((mesh, _unknown)) => Ok(mesh),
                Err(e) => {
                    let line = SourceMap::new(&loaded.source.text).line(&r.origin, "data.mesh");
                    Err(CliError(format!(
                        "{}:{}: the mesh config in ConfigMap {root_namespace}/istio (data.mesh) does not parse: {e}",
                        loaded.source.name,
                        line.map_or_else(|| "?".to_string(), |l| l.to_string()),
                    )))
                }
            };
        }
    }
    Ok(MeshConfig::default())
}

/// Reads `paths` (or the built-in mesh when there are none and `builtin` is set), loads them,
/// keeps the resources that validate (warning on stderr about each one left out) and
/// resolves the mesh settings.
pub(crate) fn load_config(
    paths: &[PathBuf],
    flags: &MeshFlags,
    builtin: bool,
) -> Result<ConfigSet, CliError> {
    let sources = if paths.is_empty() && builtin { crate::builtin::sources() } else { read_paths(paths)? };
    let sources = load_all(sources, flags);
    let mut mesh = mesh_from_config_map(&sources, flags.root_namespace())?;
    flags.apply(&mut mesh);
    let mut kept = Vec::new();
    for loaded in &sources {
        let mut map: Option<SourceMap<'_>> = None;
        for e in &loaded.output.errors {
            if !e.is_unsupported() {
                eprintln!("meshctl: warning: {}: left out: {e}", loaded.source.name);
            }
        }
        for r in &loaded.output.resources {
            let diags = validate(&r.resource);
            match diags.iter().find(|d| d.severity == Severity::Error) {
                None => kept.push(r.resource.clone()),
                Some(d) => {
                    let map = map.get_or_insert_with(|| SourceMap::new(&loaded.source.text));
                    let line =
                        map.line(&r.origin, &d.path).map_or_else(|| "?".to_string(), |l| l.to_string());
                    eprintln!(
                        "meshctl: warning: {}:{line}: left out {} {}/{}: {}: {}",
                        loaded.source.name,
                        r.resource.kind(),
                        r.resource.namespace(),
                        r.resource.name(),
                        d.path,
                        d.message
                    );
                }
            }
        }
    }
    let snapshot =
        Snapshot::builder().mesh_config(mesh.clone()).domain_suffix(flags.domain_suffix.clone()).build(kept);
    Ok(ConfigSet { mesh, snapshot })
}
