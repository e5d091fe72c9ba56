//! `ca-server`: runs the example workload CA (see `examples::ca_server`) from a CA
//! certificate and key, or a fresh self-signed root whose PEM it writes out.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use examples::ca_server::{CaServer, CaServerOptions, default_server_id};
use examples::credentials::OsEntropy;
use mesh_identity::{Ca, KeyPair, KeyType, SpiffeId, TrustDomain};

/// A workload CA signing CSRs over HTTPS for callers with an SVID or a bootstrap token.
#[derive(Debug, Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:15012")]
    addr: SocketAddr,
    /// The trust domain of a self-signed root (ignored with --ca-cert).
    #[arg(long, default_value = "cluster.local")]
    trust_domain: String,
    /// The CA certificate chain, PEM (with --ca-key); a self-signed root otherwise.
    #[arg(long)]
    ca_cert: Option<PathBuf>,
    /// The CA's PKCS#8 key, PEM.
    #[arg(long)]
    ca_key: Option<PathBuf>,
    /// Where to write the root certificate (PEM) for workloads' trust bundles.
    #[arg(long)]
    root_out: Option<PathBuf>,
    /// A bootstrap token and the ID it grants, `TOKEN=spiffe://td/ns/NS/sa/SA` (repeatable).
    #[arg(long = "token")]
    tokens: Vec<String>,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ca-server: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let ca = match (&args.ca_cert, &args.ca_key) {
        (Some(cert), Some(key)) => {
            Ca::from_pem(&std::fs::read_to_string(cert)?, &std::fs::read_to_string(key)?)?
        }
        (None, None) => {
            let td = TrustDomain::parse(&args.trust_domain)?;
            let key = KeyPair::generate(KeyType::EcP256, &mut OsEntropy)?;
            #[allow(clippy::disallowed_methods)] // the binary is the I/O shell: it reads the clock
            let now = std::time::SystemTime::now();
            Ca::new_root(td, key, None, now, &mut OsEntropy)?
        }
        _ => return Err("give both --ca-cert and --ca-key, or neither".into()),
    };
    if let Some(out) = &args.root_out {
        std::fs::write(out, mesh_identity::encoding::pem_encode("CERTIFICATE", ca.root_der()))?;
    }
    let td = ca.trust_domain().ok_or("the CA certificate names no SPIFFE trust domain")?.clone();
    let mut tokens = HashMap::new();
    for t in &args.tokens {
        let (token, id) = t.split_once('=').ok_or("--token takes TOKEN=SPIFFE-ID")?;
        tokens.insert(token.to_string(), SpiffeId::parse(id)?);
    }
    let options = CaServerOptions { addr: args.addr, tokens, server_id: default_server_id(&td) };
    let server = CaServer::start(Arc::new(ca), options).await?;
    eprintln!("ca-server: trust domain {td}, listening on https://{}", server.addr());
    std::future::pending::<()>().await;
    Ok(())
}
