//! `sidecar-proxy`: runs the example sidecar (see `examples::sidecar_proxy`) with an SVID
//! read from PEM files or obtained from `ca-server` with a bootstrap token.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use examples::ca_server::{ClientAuth, default_server_id, request_svid};
use examples::credentials::{Credentials, os_seed};
use examples::sidecar_proxy::renewal::Renewal;
use examples::sidecar_proxy::{ProxyOptions, SidecarProxy, WorkloadInfo};
use mesh_identity::rotation::RotationPolicy;
use mesh_identity::{BundleSet, KeyPair, KeyType, SpiffeId, TrustDomain, X509Bundle};

/// A mesh sidecar: routes the app's outbound calls by VirtualService over mTLS, and
/// authorizes inbound mTLS calls by AuthorizationPolicy.
#[derive(Debug, Parser)]
struct Args {
    /// Directory of Istio and Kubernetes YAML, re-read on change.
    #[arg(long)]
    config_dir: PathBuf,
    /// The workload's namespace.
    #[arg(long, default_value = "default")]
    namespace: String,
    /// The workload's service account.
    #[arg(long)]
    service_account: String,
    /// The workload's labels, `k=v,k=v`.
    #[arg(long, default_value = "")]
    labels: String,
    /// The workload's locality, `region/zone/subzone`.
    #[arg(long, default_value = "")]
    locality: String,
    /// The trust domain.
    #[arg(long, default_value = "cluster.local")]
    trust_domain: String,
    /// Outbound listener (the app's calls).
    #[arg(long, default_value = "127.0.0.1:15001")]
    outbound: SocketAddr,
    /// Inbound mTLS listener.
    #[arg(long, default_value = "0.0.0.0:15006")]
    inbound: SocketAddr,
    /// The local app.
    #[arg(long, default_value = "127.0.0.1:8080")]
    app: SocketAddr,
    /// The trust bundle: the CA root(s), PEM.
    #[arg(long)]
    bundle: PathBuf,
    /// The SVID chain, PEM (with --key), unless --ca-addr is given.
    #[arg(long)]
    cert: Option<PathBuf>,
    /// The SVID's PKCS#8 key, PEM.
    #[arg(long)]
    key: Option<PathBuf>,
    /// A `ca-server` to obtain the SVID from.
    #[arg(long)]
    ca_addr: Option<SocketAddr>,
    /// The bootstrap token for --ca-addr.
    #[arg(long)]
    ca_token: Option<String>,
    /// Config reload interval in milliseconds.
    #[arg(long, default_value_t = 1000)]
    reload_ms: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sidecar-proxy: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let td = TrustDomain::parse(&args.trust_domain)?;
    let bundles =
        BundleSet::new().with(X509Bundle::from_pem(td.clone(), &std::fs::read_to_string(&args.bundle)?)?);
    let id = SpiffeId::parse(&format!("spiffe://{td}/ns/{}/sa/{}", args.namespace, args.service_account))?;
    let credentials = match (&args.ca_addr, &args.cert, &args.key) {
        (Some(addr), _, _) => {
            let token = args.ca_token.as_deref().ok_or("--ca-addr needs --ca-token")?;
            let server = default_server_id(&td);
            request_svid(*addr, &bundles, &server, ClientAuth::Token(token), &id, KeyType::EcP256, None)
                .await?
        }
        (None, Some(cert), Some(key)) => {
            let chain = mesh_identity::encoding::certs_from_pem(&std::fs::read_to_string(cert)?)?;
            let key = KeyPair::from_pkcs8_pem(&std::fs::read_to_string(key)?)?;
            Credentials::new(chain, key, &bundles)?
        }
        _ => return Err("give --cert and --key, or --ca-addr and --ca-token".into()),
    };
    let labels: BTreeMap<String, String> = args
        .labels
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let options = ProxyOptions {
        workload: WorkloadInfo {
            namespace: args.namespace,
            service_account: args.service_account,
            labels,
            locality: args.locality,
        },
        outbound_addr: args.outbound,
        inbound_addr: args.inbound,
        app_addr: args.app,
        config_dir: args.config_dir,
        reload_interval: Duration::from_millis(args.reload_ms.max(10)),
        seed: os_seed(),
        // With a CA server, renew the SVID from it as Istio's agent does.
        renewal: args.ca_addr.map(|ca_addr| Renewal {
            ca_addr,
            ca_id: default_server_id(&td),
            bundles: bundles.clone(),
            ttl: None,
            policy: RotationPolicy::default(),
            retry: Duration::from_secs(5),
        }),
    };
    let proxy = SidecarProxy::start(options, credentials).await?;
    eprintln!(
        "sidecar-proxy: {id}: outbound {} inbound {} (config generation {})",
        proxy.outbound_addr(),
        proxy.inbound_addr(),
        proxy.generation()
    );
    std::future::pending::<()>().await;
    Ok(())
}
