//! `inject-webhook`: runs the example sidecar injector webhook (see
//! `examples::inject_webhook`) from a serving certificate in PEM files, or a self-signed one
//! for the webhook Service's DNS name whose PEM it writes out for the `caBundle`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use examples::inject_webhook::{InjectWebhook, ServingCert, WebhookOptions};

/// Istio's sidecar injector webhook: answers AdmissionReviews posted to `/inject` over HTTPS.
#[derive(Debug, Parser)]
struct Args {
    /// Where to listen (istiod serves the webhook on 15017).
    #[arg(long, default_value = "127.0.0.1:15017")]
    addr: SocketAddr,
    /// The serving certificate chain, PEM (with --tls-key); a self-signed one otherwise.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The serving certificate's private key, PEM.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The DNS name(s) of a self-signed serving certificate: the webhook Service's name
    /// (repeatable; ignored with --tls-cert).
    #[arg(long = "dns-name", default_value = "istiod.istio-system.svc")]
    dns_names: Vec<String>,
    /// Where to write the serving certificate (PEM) for the webhook configuration's caBundle.
    #[arg(long)]
    ca_bundle_out: Option<PathBuf>,
    /// The template values (JSON: hub, tag, revision, cni, nativeSidecar, capture, templates, ...).
    #[arg(long, value_name = "FILE")]
    values: Option<PathBuf>,
    /// The injector's settings (JSON: policy, neverInjectSelector, alwaysInjectSelector, ...).
    #[arg(long, value_name = "FILE")]
    injector_config: Option<PathBuf>,
    /// Re-read --values and --injector-config every this many seconds (0: never).
    #[arg(long, value_name = "SECONDS", default_value_t = 0)]
    reload_seconds: u64,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Args::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("inject-webhook: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let cert = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => ServingCert::Pem { cert, key },
        _ => ServingCert::SelfSigned(args.dns_names),
    };
    let options = WebhookOptions {
        values: args.values,
        injector_config: args.injector_config,
        reload_interval: (args.reload_seconds > 0).then(|| Duration::from_secs(args.reload_seconds)),
        ..WebhookOptions::new(args.addr, cert)
    };
    let webhook = InjectWebhook::start(options).await?;
    if let Some(out) = &args.ca_bundle_out {
        std::fs::write(out, webhook.ca_bundle_pem())?;
    }
    eprintln!("inject-webhook: listening on https://{}/inject", webhook.addr());
    std::future::pending::<()>().await;
    Ok(())
}
