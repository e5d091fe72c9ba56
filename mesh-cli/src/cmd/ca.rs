//! `meshctl ca init|issue`: a workload CA on disk, as CONTRACT.md defines it. The CA logic
//! lives in `mesh_identity::Ca`; this file reads and writes the files and supplies the
//! clock and the operating system's randomness.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mesh_identity::ca::{CaPolicy, DEFAULT_WORKLOAD_TTL};
use mesh_identity::encoding::{certs_to_pem, has_pem_block, hex_lower, pem_encode};
use mesh_identity::time_fmt::{format_rfc3339, parse_duration};
use mesh_identity::{Ca, Entropy, KeyPair, KeyType, SpiffeId, SubjectKey, TrustDomain};
use serde_json::json;

use crate::Answer;
use crate::cmd::spiffe::now_or;
use crate::config::CliError;
use crate::output::{Format, print_json};

/// Arguments of `meshctl ca`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Create a self-signed root: DIR/root-cert.pem and DIR/root-key.pem (PKCS#8).
    Init(InitArgs),
    /// Issue an X.509-SVID: DIR2/cert-chain.pem and, without --csr, DIR2/key.pem.
    Issue(IssueArgs),
}

#[derive(Debug, clap::Args)]
struct InitArgs {
    /// The trust domain, e.g. example.org.
    #[arg(long)]
    trust_domain: String,
    /// The folder to write into (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// The root's key type.
    #[arg(long, default_value = "ec-p256", value_parser = ["ec-p256", "ec-p384", "rsa-2048", "ed25519"])]
    key_type: String,
    /// The root's lifetime (Go duration).
    #[arg(long, default_value = "87600h")]
    ttl: String,
    /// The issuing time (RFC 3339); defaults to the current time.
    #[arg(long)]
    now: Option<String>,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

#[derive(Debug, clap::Args)]
struct IssueArgs {
    /// The CA folder: root-cert.pem and root-key.pem, or Istio's plug-in layout
    /// (ca-cert.pem, ca-key.pem, cert-chain.pem).
    #[arg(long)]
    ca: PathBuf,
    /// The SPIFFE ID to grant.
    #[arg(long)]
    spiffe_id: String,
    /// A PEM CSR whose public key is certified; it must ask for the same SPIFFE ID.
    #[arg(long)]
    csr: Option<PathBuf>,
    /// The certificate's lifetime (Go duration).
    #[arg(long, default_value = "24h")]
    ttl: String,
    /// The longest lifetime the CA grants.
    #[arg(long, default_value = "2160h")]
    max_ttl: String,
    /// The key type generated without --csr.
    #[arg(long, default_value = "ec-p256", value_parser = ["ec-p256", "ec-p384", "rsa-2048", "ed25519"])]
    key_type: String,
    /// The issuing time (RFC 3339); defaults to the current time.
    #[arg(long)]
    now: Option<String>,
    /// The folder to write into (created if needed).
    #[arg(long)]
    out: PathBuf,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value_t)]
    output: Format,
}

/// The operating system's random generator.
struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&mut self, dest: &mut [u8]) {
        // getrandom fails only on platforms without an OS generator; a zero-filled draw there
        // would be unsafe, so stop loudly instead of issuing predictable keys.
        if let Err(e) = getrandom::fill(dest) {
            eprintln!("meshctl: the operating system's random generator failed: {e}");
            std::process::exit(2);
        }
    }
}

/// Runs `meshctl ca`.
pub(crate) fn run(args: &Args) -> Result<Answer, CliError> {
    match &args.command {
        Command::Init(a) => init(a),
        Command::Issue(a) => issue(a),
    }
}

fn duration_flag(name: &str, value: &str) -> Result<Duration, CliError> {
    parse_duration(value)
        .ok_or_else(|| CliError(format!("--{name} {value:?} is not a duration such as 24h or 90m")))
}

fn key_type(value: &str) -> Result<KeyType, CliError> {
    value.parse().map_err(|e| CliError(format!("--key-type: {e}")))
}

fn refuse(format: Format, error: &str) -> Answer {
    match format {
        Format::Json => print_json(&json!({"error": error})),
        Format::Text => println!("refused: {error}"),
    }
    Answer::Negative
}

fn write(dir: &Path, name: &str, text: &str, secret: bool) -> Result<(), CliError> {
    let path = dir.join(name);
    let fail = |e: std::io::Error| CliError(format!("cannot write {}: {e}", path.display()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = opts.open(&path).map_err(fail)?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(fail)
}

fn make_dir(dir: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(dir).map_err(|e| CliError(format!("cannot create {}: {e}", dir.display())))
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))
}

fn init(args: &InitArgs) -> Result<Answer, CliError> {
    let now = now_or(args.now.as_deref())?;
    let ttl = duration_flag("ttl", &args.ttl)?;
    let kt = key_type(&args.key_type)?;
    let td = match TrustDomain::parse(&args.trust_domain) {
        Ok(td) => td,
        Err(e) => return Ok(refuse(args.output, &format!("--trust-domain: {e}"))),
    };
    let mut rng = OsEntropy;
    let key = KeyPair::generate(kt, &mut rng).map_err(|e| CliError(e.to_string()))?;
    let ca = match Ca::new_root(td.clone(), key, Some(ttl), now, &mut rng) {
        Ok(ca) => ca,
        Err(e) => return Ok(refuse(args.output, &e.to_string())),
    };
    make_dir(&args.out)?;
    write(&args.out, "root-cert.pem", &certs_to_pem(ca.chain()), false)?;
    write(&args.out, "root-key.pem", &pem_encode("PRIVATE KEY", ca.key_pkcs8_der()), true)?;
    let info = ca.cert_info();
    let serial = hex_lower(strip(&info.serial));
    match args.output {
        Format::Json => print_json(&json!({
            "trustDomain": td.name(),
            "serial": serial,
            "notBefore": format_rfc3339(info.not_before),
            "notAfter": format_rfc3339(info.not_after),
        })),
        Format::Text => {
            println!("created the root of {td} in {}", args.out.display());
            println!("  serial: {serial}");
            println!("  valid: {} to {}", format_rfc3339(info.not_before), format_rfc3339(info.not_after));
        }
    }
    Ok(Answer::Positive)
}

fn strip(serial: &[u8]) -> &[u8] {
    let i = serial.iter().position(|&b| b != 0).unwrap_or(serial.len().saturating_sub(1));
    &serial[i..]
}

/// Loads the CA folder: Istio's plug-in layout when `ca-cert.pem` is there, else a root.
fn load_ca(dir: &Path) -> Result<Ca, CliError> {
    let plugged = dir.join("ca-cert.pem");
    let (cert_pem, key_path) = if plugged.exists() {
        let mut chain = read(&plugged)?;
        let rest = dir.join("cert-chain.pem");
        if rest.exists() {
            // cert-chain.pem starts with ca-cert.pem in Istio's layout; keep one copy.
            let rest_text = read(&rest)?;
            let first = mesh_identity::encoding::certs_from_pem(&chain).ok();
            let all = mesh_identity::encoding::certs_from_pem(&rest_text).ok();
            if let (Some(first), Some(all)) = (first, all) {
                let tail: Vec<Vec<u8>> = all.into_iter().filter(|c| !first.contains(c)).collect();
                chain.push_str(&certs_to_pem(&tail));
            }
        } else if dir.join("root-cert.pem").exists() {
            chain.push_str(&read(&dir.join("root-cert.pem"))?);
        }
        (chain, dir.join("ca-key.pem"))
    } else {
        (read(&dir.join("root-cert.pem"))?, dir.join("root-key.pem"))
    };
    let key_pem = read(&key_path)?;
    Ca::from_pem(&cert_pem, &key_pem).map_err(|e| CliError(format!("the CA in {}: {e}", dir.display())))
}

fn issue(args: &IssueArgs) -> Result<Answer, CliError> {
    let now = now_or(args.now.as_deref())?;
    let ttl = duration_flag("ttl", &args.ttl)?;
    let max_ttl = duration_flag("max-ttl", &args.max_ttl)?;
    let kt = key_type(&args.key_type)?;
    let ca = load_ca(&args.ca)?.with_policy(CaPolicy { default_ttl: DEFAULT_WORKLOAD_TTL, max_ttl });
    let csr_der = match &args.csr {
        Some(path) => {
            let text = read(path)?;
            if !has_pem_block(&text) {
                return Err(CliError(format!("the CSR file {} holds no PEM block", path.display())));
            }
            let block = pem_csr(&text);
            match block {
                Some(der) => Some(der),
                None => {
                    return Ok(refuse(
                        args.output,
                        "the CSR file holds no valid \"CERTIFICATE REQUEST\" block",
                    ));
                }
            }
        }
        None => None,
    };
    let id = match SpiffeId::parse(&args.spiffe_id) {
        Ok(id) => id,
        Err(e) => return Ok(refuse(args.output, &format!("--spiffe-id: {e}"))),
    };
    let mut rng = OsEntropy;
    let (svid, key) = match &csr_der {
        Some(der) => match ca.issue(&id, SubjectKey::Csr(der), Some(ttl), now, &mut rng) {
            Ok(s) => (s, None),
            Err(e) => return Ok(refuse(args.output, &e.to_string())),
        },
        None => match ca.issue_with_new_key(&id, kt, Some(ttl), now, &mut rng) {
            Ok((s, k)) => (s, Some(k)),
            Err(e) => return Ok(refuse(args.output, &e.to_string())),
        },
    };
    make_dir(&args.out)?;
    write(&args.out, "cert-chain.pem", &svid.chain_pem(), false)?;
    if let Some(key) = &key {
        write(&args.out, "key.pem", &key.to_pkcs8_pem(), true)?;
    }
    let serial = svid.serial_hex();
    match args.output {
        Format::Json => print_json(&json!({
            "spiffeId": svid.spiffe_id.as_str(),
            "serial": serial,
            "notBefore": format_rfc3339(svid.not_before),
            "notAfter": format_rfc3339(svid.not_after),
        })),
        Format::Text => {
            println!("issued {} into {}", svid.spiffe_id, args.out.display());
            println!("  serial: {serial}");
            println!("  valid: {} to {}", format_rfc3339(svid.not_before), format_rfc3339(svid.not_after));
        }
    }
    Ok(Answer::Positive)
}

/// The DER of the first `CERTIFICATE REQUEST` (or `NEW CERTIFICATE REQUEST`) block.
fn pem_csr(text: &str) -> Option<Vec<u8>> {
    mesh_identity::encoding::pem_block(text, &["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"])
}
