//! `meshctl spiffe parse|verify`: SPIFFE IDs and X.509-SVIDs, as CONTRACT.md defines them.

use std::path::PathBuf;
use std::time::SystemTime;

use mesh_identity::encoding::{PemError, certs_from_pem, has_pem_block};
use mesh_identity::time_fmt::{format_rfc3339, parse_rfc3339};
use mesh_identity::{BundleSet, SpiffeId, TrustDomain, Verifier, X509Bundle};
use serde_json::json;

use crate::Answer;
use crate::config::CliError;
use crate::output::{Format, print_json};

/// Arguments of `meshctl spiffe`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Parse a SPIFFE ID strictly, as the SPIFFE-ID standard defines it.
    Parse(ParseArgs),
    /// Verify an X.509-SVID chain against trust bundles.
    Verify(VerifyArgs),
}

#[derive(Debug, clap::Args)]
struct ParseArgs {
    /// The SPIFFE ID, e.g. spiffe://example.org/ns/default/sa/web.
    id: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct VerifyArgs {
    /// A trust domain's roots: TD=FILE, FILE being PEM certificates or a SPIFFE bundle (JWKS).
    #[arg(long = "bundle", value_name = "TD=FILE", required = true)]
    bundles: Vec<String>,
    /// The PEM chain to verify, leaf first.
    #[arg(long)]
    cert: PathBuf,
    /// The verification time (RFC 3339); defaults to the current time.
    #[arg(long)]
    now: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

/// Runs `meshctl spiffe`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    match &args.command {
        Command::Parse(a) => parse(a),
        Command::Verify(a) => verify(a),
    }
}

fn parse(args: &ParseArgs) -> Result<Answer, CliError> {
    match SpiffeId::parse(&args.id) {
        Ok(id) => {
            match args.output {
                Format::Json => print_json(&json!({
                    "valid": true,
                    "id": id.as_str(),
                    "trustDomain": id.trust_domain_name(),
                    "path": id.path(),
                })),
                Format::Text => {
                    println!("valid: {id}");
                    println!("  trust domain: {}", id.trust_domain_name());
                    println!("  path: {}", if id.path().is_empty() { "(none)" } else { id.path() });
                }
            }
            Ok(Answer::Positive)
        }
        Err(e) => Ok(negative(args.output, &e.to_string())),
    }
}

fn negative(format: Format, error: &str) -> Answer {
    match format {
        Format::Json => print_json(&json!({"valid": false, "error": error})),
        Format::Text => println!("invalid: {error}"),
    }
    Answer::Negative
}

/// The current time, or `--now`. Only the CLI reads the clock; the library is given `now`.
pub(crate) fn now_or(flag: Option<&str>) -> Result<SystemTime, CliError> {
    match flag {
        Some(s) => parse_rfc3339(s).ok_or_else(|| {
            CliError(format!("--now {s:?} is not an RFC 3339 time such as 2030-01-01T00:00:00Z"))
        }),
        #[allow(clippy::disallowed_methods)] // meshctl is the I/O shell: it reads the clock for its default
        None => Ok(SystemTime::now()),
    }
}

fn read(path: &std::path::Path, what: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {what} {}: {e}", path.display())))
}

/// A bundle file's content problem (exit 1) or a file that cannot serve at all (exit 2).
enum Load<T> {
    Ok(T),
    Invalid(String),
}

fn load_bundle(spec: &str) -> Result<Load<X509Bundle>, CliError> {
    let (td, file) = spec
        .split_once('=')
        .ok_or_else(|| CliError(format!("--bundle {spec:?} is not of the form TD=FILE")))?;
    let td = TrustDomain::parse(td).map_err(|e| CliError(format!("--bundle {spec:?}: {e}")))?;
    let path = PathBuf::from(file);
    let text = read(&path, "the bundle")?;
    let shown = path.display();
    if text.trim_start().starts_with('{') {
        if serde_json::from_str::<serde_json::Value>(&text).is_err() {
            return Err(CliError(format!("the bundle {shown} is neither PEM nor JSON")));
        }
        return Ok(match X509Bundle::from_jwks(td, &text) {
            Ok(b) => Load::Ok(b),
            Err(e) => Load::Invalid(format!("the bundle {shown}: {e}")),
        });
    }
    if !has_pem_block(&text) {
        return Err(CliError(format!("the bundle {shown} holds no PEM block and no JSON")));
    }
    Ok(match X509Bundle::from_pem(td, &text) {
        Ok(b) => Load::Ok(b),
        Err(e) => Load::Invalid(format!("the bundle {shown}: {e}")),
    })
}

fn verify(args: &VerifyArgs) -> Result<Answer, CliError> {
    let now = now_or(args.now.as_deref())?;
    let cert_text = read(&args.cert, "the certificate")?;
    if !has_pem_block(&cert_text) {
        return Err(CliError(format!("the certificate file {} holds no PEM block", args.cert.display())));
    }
    let mut set = BundleSet::new();
    let mut problems = Vec::new();
    for spec in &args.bundles {
        match load_bundle(spec)? {
            Load::Ok(b) => set.insert(b),
            Load::Invalid(msg) => problems.push(msg),
        }
    }
    if let Some(first) = problems.first() {
        return Ok(negative(args.output, first));
    }
    let chain = match certs_from_pem(&cert_text) {
        Ok(c) => c,
        Err(PemError::NoPemBlock) => {
            return Err(CliError(format!("the certificate file {} holds no PEM block", args.cert.display())));
        }
        Err(e) => {
            return Ok(negative(args.output, &format!("the certificate file {}: {e}", args.cert.display())));
        }
    };
    match Verifier::new(&set).verify(&chain, now) {
        Ok(v) => {
            let not_after = format_rfc3339(v.not_after);
            match args.output {
                Format::Json => print_json(&json!({
                    "valid": true,
                    "spiffeId": v.spiffe_id.as_str(),
                    "trustDomain": v.spiffe_id.trust_domain_name(),
                    "notAfter": not_after,
                })),
                Format::Text => {
                    println!("verified: {}", v.spiffe_id);
                    println!("  trust domain: {}", v.spiffe_id.trust_domain_name());
                    println!("  valid until: {not_after}");
                }
            }
            Ok(Answer::Positive)
        }
        Err(e) => Ok(negative(args.output, &e.to_string())),
    }
}
