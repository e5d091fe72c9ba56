//! A sidecar proxy that embeds the meshkit crates: HTTP/1.1 and HTTP/2, tokio, hyper, rustls.
//!
//! - **Outbound** ([`outbound`]): the local app calls `http://reviews:9080/...` through the
//!   outbound listener (plain HTTP/1.1 or h2c). The request is routed by the VirtualServices
//!   ([`mesh_routing::Router`]), an endpoint is picked by the DestinationRule's load balancing
//!   with locality priorities ([`cluster`]), and the request goes over HTTP/2 with mTLS,
//!   presenting this workload's X.509-SVID and checking the peer's SPIFFE ID.
//! - **Inbound** ([`inbound`]): peers connect with mTLS; the handshake verifies their SVID
//!   against the trust bundle ([`mesh_identity::tls`]), AuthorizationPolicies decide each
//!   request ([`mesh_policy::authz::Authorizer`], `403 RBAC: access denied` as Envoy answers),
//!   and allowed requests go to the local app over HTTP/1.1.
//! - **Identity** ([`renewal`]): with a CA server configured, the SVID is renewed before it
//!   expires and replaced in place for the next handshakes.
//! - **Config** ([`config`], [`reload`]): a directory of Istio and Kubernetes YAML, compiled
//!   into a router and an authorizer; checked on an interval, and on change the new compiled
//!   configuration replaces the old one atomically. Requests in flight keep the one they
//!   started with.
//!
//! ```no_run
//! # async fn run(options: examples::sidecar_proxy::ProxyOptions, creds: examples::credentials::Credentials)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! let proxy = examples::sidecar_proxy::SidecarProxy::start(options, creds).await?;
//! println!("outbound on {}, inbound on {}", proxy.outbound_addr(), proxy.inbound_addr());
//! # Ok(()) }
//! ```

pub mod cluster;
pub mod config;
pub mod headers;
pub mod inbound;
pub mod outbound;
pub mod reload;
pub mod renewal;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use mesh_identity::{IdMatcher, TrustDomain};
use mesh_routing::lb::Locality;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{Compiled, ConfigError, ProxyOptions, WorkloadInfo};

use crate::credentials::{Credentials, Draws};

/// Why the proxy could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A listener could not be bound.
    #[error("binding the {listener} listener on {addr} failed: {source}")]
    Bind {
        /// `inbound` or `outbound`.
        listener: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The first configuration could not be read or compiled.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The TLS configuration could not be built from the credentials.
    #[error("the TLS configuration could not be built: {0}")]
    Tls(#[from] rustls::Error),
}

/// The state every connection of one proxy shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) options: ProxyOptions,
    pub(crate) credentials: Credentials,
    pub(crate) trust_domain: TrustDomain,
    pub(crate) locality: Locality,
    pub(crate) draws: Draws,
    config: RwLock<Arc<Compiled>>,
    pub(crate) upstreams: outbound::UpstreamPool,
    pub(crate) app: inbound::AppClient,
}

impl Shared {
    /// The configuration a new request runs with.
    pub(crate) fn current(&self) -> Arc<Compiled> {
        self.config.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Replaces the configuration; requests already running keep theirs.
    pub(crate) fn swap(&self, next: Compiled) {
        let next = Arc::new(next);
        *self.config.write().unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }
}

/// A sidecar proxy: two listeners and a config watcher.
#[derive(Debug)]
pub struct SidecarProxy;

impl SidecarProxy {
    /// Reads the config directory, binds both listeners and starts serving on the current
    /// tokio runtime. The proxy runs until the returned handle is dropped.
    pub async fn start(options: ProxyOptions, credentials: Credentials) -> Result<RunningProxy, ProxyError> {
        let dir = options.config_dir.clone();
        let files =
            tokio::task::spawn_blocking(move || config::read_dir(&dir)).await.unwrap_or_else(|e| {
                Err(ConfigError::Read { path: options.config_dir.clone(), source: std::io::Error::other(e) })
            })?;
        let compiled = Compiled::compile(&files, 0)?;
        let trust_domain = credentials.spiffe_id().trust_domain();
        // Peers are accepted from this trust domain only; the handshake has already checked
        // their SVID against the bundle.
        let inbound_tls =
            credentials.server_config(IdMatcher::MemberOf(trust_domain.clone()), &[b"h2", b"http/1.1"])?;
        let outbound = TcpListener::bind(options.outbound_addr).await.map_err(|source| ProxyError::Bind {
            listener: "outbound",
            addr: options.outbound_addr,
            source,
        })?;
        let inbound = TcpListener::bind(options.inbound_addr).await.map_err(|source| ProxyError::Bind {
            listener: "inbound",
            addr: options.inbound_addr,
            source,
        })?;
        let outbound_addr = outbound.local_addr().map_err(|source| ProxyError::Bind {
            listener: "outbound",
            addr: options.outbound_addr,
            source,
        })?;
        let inbound_addr = inbound.local_addr().map_err(|source| ProxyError::Bind {
            listener: "inbound",
            addr: options.inbound_addr,
            source,
        })?;
        let shared = Arc::new(Shared {
            locality: Locality::parse(&options.workload.locality),
            draws: Draws::new(options.seed),
            upstreams: outbound::UpstreamPool::new(credentials.clone()),
            app: inbound::app_client(),
            trust_domain,
            credentials,
            config: RwLock::new(Arc::new(compiled)),
            options,
        });
        let mut tasks = vec![
            tokio::spawn(outbound::serve(outbound, shared.clone())),
            tokio::spawn(inbound::serve(inbound, Arc::new(inbound_tls), shared.clone())),
            tokio::spawn(reload::watch(shared.clone(), files)),
        ];
        if let Some(r) = shared.options.renewal.clone() {
            tasks.push(tokio::spawn(renewal::run(shared.clone(), r)));
        }
        Ok(RunningProxy { outbound_addr, inbound_addr, shared, tasks })
    }
}

/// A running proxy; dropping it stops its listeners and watcher (connections already open
/// finish on their own).
#[derive(Debug)]
pub struct RunningProxy {
    outbound_addr: SocketAddr,
    inbound_addr: SocketAddr,
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningProxy {
    /// The outbound listener's address (the local app's calls).
    pub fn outbound_addr(&self) -> SocketAddr {
        self.outbound_addr
    }

    /// The inbound listener's address (peers' mTLS connections).
    pub fn inbound_addr(&self) -> SocketAddr {
        self.inbound_addr
    }

    /// The generation of the configuration in force (0, then one more per reload).
    pub fn generation(&self) -> u64 {
        self.shared.current().generation
    }

    /// The configuration in force.
    pub fn config(&self) -> Arc<Compiled> {
        self.shared.current()
    }

    /// The SVID the proxy presents now (DER chain, leaf first), and how many times it was
    /// renewed.
    pub fn svid(&self) -> (Vec<Vec<u8>>, u64) {
        (self.shared.credentials.chain(), self.shared.credentials.generation())
    }
}

impl Drop for RunningProxy {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}
