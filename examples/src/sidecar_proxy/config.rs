//! The proxy's inputs: who it runs for ([`ProxyOptions`]), and the mesh configuration read
//! from a directory of YAML and compiled once into a [`Compiled`] that requests share.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mesh_model::{LoadOptions, Snapshot, load_str};
use mesh_policy::authz::Authorizer;
use mesh_policy::peer_authn::PeerAuthn;
use mesh_routing::Router;

use super::cluster::Clusters;

/// The workload the sidecar runs next to.
#[derive(Debug, Clone, Default)]
pub struct WorkloadInfo {
    /// Its namespace.
    pub namespace: String,
    /// Its service account (its SPIFFE ID is `spiffe://<td>/ns/<namespace>/sa/<service account>`).
    pub service_account: String,
    /// Its pod labels (for `sourceLabels`, AuthorizationPolicy selectors, subsets).
    pub labels: BTreeMap<String, String>,
    /// Its locality, `region/zone/subzone` (for locality-aware load balancing).
    pub locality: String,
}

/// How to run one sidecar.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// The workload.
    pub workload: WorkloadInfo,
    /// Where the local app sends its outbound calls, plain HTTP/1.1 or h2c (port 0: any).
    pub outbound_addr: SocketAddr,
    /// Where peers' sidecars connect with mTLS (port 0: any).
    pub inbound_addr: SocketAddr,
    /// The local app, plain HTTP/1.1.
    pub app_addr: SocketAddr,
    /// The directory of mesh YAML (`*.yaml`, `*.yml`, `*.json`; subdirectories not read).
    pub config_dir: PathBuf,
    /// How often the directory is checked for changes.
    pub reload_interval: Duration,
    /// The seed of the route and load-balancing draws (a fixed one makes tests reproducible).
    pub seed: u64,
    /// Where to renew the SVID before it expires; `None` keeps the one given at start.
    pub renewal: Option<super::renewal::Renewal>,
}

/// Why a configuration could not be read or compiled; the proxy then keeps the one it has.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The directory or a file in it could not be read.
    #[error("reading the config directory {path:?} failed: {source}")]
    Read {
        /// The directory or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A document did not load.
    #[error("the config in {path:?} does not load: {message}")]
    Load {
        /// The file.
        path: PathBuf,
        /// The loader's first error.
        message: String,
    },
}

/// The YAML files of `dir`, sorted by name, with their text.
pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, String)>, ConfigError> {
    let read_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ConfigError::Read { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let path = entry.map_err(read_err(dir))?.path();
        let yaml = matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json"));
        if yaml && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).map_err(read_err(&p))?;
            Ok((p, text))
        })
        .collect()
}

/// The configuration every request of one generation reads: immutable once built, except
/// for the load-balancing state of its clusters.
#[derive(Debug)]
pub struct Compiled {
    /// VirtualServices, DestinationRules, the service registry.
    pub router: Router,
    /// AuthorizationPolicies.
    pub authorizer: Authorizer,
    /// PeerAuthentications: whether the inbound port takes mTLS, plaintext or both.
    pub peer_authn: PeerAuthn,
    /// The mesh-wide locality load-balancing setting.
    pub(crate) mesh_locality: mesh_model::networking::LocalityLoadBalancerSetting,
    /// Endpoint sets and balancers, built on first use per destination.
    pub(crate) clusters: Clusters,
    /// 0 for the first configuration, then one more per reload.
    pub generation: u64,
}

impl Compiled {
    /// Loads and compiles `files`; any document that fails to load (other than a kind the
    /// model does not serve) fails the whole configuration.
    pub fn compile(files: &[(PathBuf, String)], generation: u64) -> Result<Self, ConfigError> {
        let options = LoadOptions::default();
        let mut resources = Vec::new();
        for (path, text) in files {
            let out = load_str(text, &options);
            if let Some(e) = out.errors.iter().find(|e| !e.is_unsupported()) {
                return Err(ConfigError::Load { path: path.clone(), message: e.to_string() });
            }
            resources.extend(out.resources.into_iter().map(|l| l.resource));
        }
        let snapshot = Snapshot::builder().build(resources);
        Ok(Compiled {
            router: Router::compile(&snapshot),
            authorizer: Authorizer::compile(&snapshot),
            peer_authn: PeerAuthn::compile(&snapshot),
            mesh_locality: snapshot.mesh_config().locality_lb_setting(),
            clusters: Clusters::default(),
            generation,
        })
    }
}
