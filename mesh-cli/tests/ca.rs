//! `meshctl ca init|issue` against CONTRACT.md, and the certificates checked by OpenSSL when
//! it is installed.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use std::process::Command;

fn meshctl(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

fn openssl(args: &[&str]) -> Option<(bool, String)> {
    let out = Command::new("openssl").args(args).output().ok()?;
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    Some((out.status.success(), text))
}

const NOW: &str = "2030-01-01T00:00:00Z";
const ID: &str = "spiffe://example.org/ns/default/sa/web";

#[test]
fn init_and_issue() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    let ca = ca.to_str().unwrap();
    let (code, json) =
        meshctl(&["ca", "init", "--trust-domain", "example.org", "--out", ca, "--now", NOW, "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json["trustDomain"], "example.org");
    assert_eq!(json["notBefore"], NOW);
    assert_eq!(json["notAfter"], "2039-12-30T00:00:00Z");
    assert!(
        json["serial"].as_str().unwrap().chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    assert!(std::fs::read_to_string(format!("{ca}/root-key.pem")).unwrap().contains("BEGIN PRIVATE KEY"));

    let out = dir.path().join("w");
    let out = out.to_str().unwrap();
    let (code, json) =
        meshctl(&["ca", "issue", "--ca", ca, "--spiffe-id", ID, "--now", NOW, "--out", out, "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json["spiffeId"], ID);
    assert_eq!(json["notAfter"], "2030-01-02T00:00:00Z");
    assert!(std::fs::read_to_string(format!("{out}/key.pem")).unwrap().contains("BEGIN PRIVATE KEY"));
    let chain = std::fs::read_to_string(format!("{out}/cert-chain.pem")).unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);
}

#[test]
fn refusals_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    let ca = ca.to_str().unwrap();
    let out = dir.path().join("w");
    let out = out.to_str().unwrap();
    assert_eq!(meshctl(&["ca", "init", "--trust-domain", "example.org", "--out", ca, "--now", NOW]).0, 0);
    let base = ["ca", "issue", "--ca", ca, "--now", NOW, "--out", out, "-o", "json"];
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = base.to_vec();
        a.extend_from_slice(extra);
        meshctl(&a)
    };
    let (code, json) = run(&["--spiffe-id", ID, "--ttl", "3000h"]);
    assert_eq!(code, 1);
    assert!(json["error"].as_str().unwrap().contains("max allowed TTL"));
    assert_eq!(run(&["--spiffe-id", ID, "--ttl", "100h", "--max-ttl", "10h"]).0, 1);
    assert_eq!(run(&["--spiffe-id", "spiffe://example.org/bad/"]).0, 1);
    assert_eq!(run(&["--spiffe-id", "spiffe://other.org/ns/a/sa/b"]).0, 1);
    assert_eq!(run(&["--spiffe-id", "spiffe://example.org"]).0, 1);
    // Could not run: a missing CA folder, a malformed --ttl.
    assert_eq!(meshctl(&["ca", "issue", "--ca", "/nonexistent", "--spiffe-id", ID, "--out", out]).0, 2);
    assert_eq!(run(&["--spiffe-id", ID, "--ttl", "ten hours"]).0, 2);
}

// A leaf that would outlive the root ends with the root (Istio's CA).
#[test]
fn leaf_clamped_to_root() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca");
    let ca = ca.to_str().unwrap();
    let out = dir.path().join("w");
    let out = out.to_str().unwrap();
    assert_eq!(
        meshctl(&["ca", "init", "--trust-domain", "example.org", "--out", ca, "--ttl", "10h", "--now", NOW])
            .0,
        0
    );
    let (code, json) =
        meshctl(&["ca", "issue", "--ca", ca, "--spiffe-id", ID, "--now", NOW, "--out", out, "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json["notAfter"], "2030-01-01T10:00:00Z");
}

// `openssl verify -CAfile root-cert.pem cert-chain.pem`, the X509-SVID extensions in
// `openssl x509 -text`, and a CSR made by OpenSSL. Skipped when openssl is not on PATH.
#[test]
fn openssl_accepts_what_we_issue() {
    if openssl(&["version"]).is_none() {
        eprintln!("note: openssl is not on PATH; skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let ca = format!("{d}/ca");
    // The current time (no --now), so that openssl verify's own clock agrees.
    for key_type in ["ec-p256", "ec-p384", "ed25519", "rsa-2048"] {
        let ca_dir = format!("{ca}-{key_type}");
        assert_eq!(
            meshctl(&[
                "ca",
                "init",
                "--trust-domain",
                "example.org",
                "--out",
                &ca_dir,
                "--key-type",
                key_type
            ])
            .0,
            0
        );
        let out = format!("{d}/w-{key_type}");
        assert_eq!(
            meshctl(&[
                "ca",
                "issue",
                "--ca",
                &ca_dir,
                "--spiffe-id",
                ID,
                "--key-type",
                key_type,
                "--out",
                &out
            ])
            .0,
            0
        );
        let (ok, text) = openssl(&[
            "verify",
            "-CAfile",
            &format!("{ca_dir}/root-cert.pem"),
            &format!("{out}/cert-chain.pem"),
        ])
        .unwrap();
        assert!(ok, "{key_type}: {text}");
        let (ok, text) =
            openssl(&["x509", "-in", &format!("{out}/cert-chain.pem"), "-noout", "-text"]).unwrap();
        assert!(ok);
        assert!(text.contains("X509v3 Subject Alternative Name: critical"), "{text}");
        assert!(text.contains(&format!("URI:{ID}")), "{text}");
        assert!(text.contains("CA:FALSE"), "{text}");
        assert!(text.contains("Digital Signature"), "{text}");
        assert!(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"), "{text}");
        let (ok, _) = openssl(&["pkey", "-in", &format!("{out}/key.pem"), "-noout"]).unwrap();
        assert!(ok, "{key_type}: key.pem is a PKCS#8 key OpenSSL reads");
    }
    // A CSR from OpenSSL: certified when it asks for the granted ID, refused otherwise.
    let csr = format!("{d}/csr.pem");
    let (ok, text) = openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &format!("{d}/csr-key.pem"),
        "-subj",
        "/O=example.org",
        "-addext",
        &format!("subjectAltName=URI:{ID}"),
        "-out",
        &csr,
    ])
    .unwrap();
    assert!(ok, "{text}");
    let ca_dir = format!("{ca}-ec-p256");
    let out = format!("{d}/csr-out");
    assert_eq!(
        meshctl(&["ca", "issue", "--ca", &ca_dir, "--spiffe-id", ID, "--csr", &csr, "--out", &out]).0,
        0
    );
    assert!(!std::path::Path::new(&format!("{out}/key.pem")).exists(), "no key.pem with --csr");
    let (ok, text) =
        openssl(&["verify", "-CAfile", &format!("{ca_dir}/root-cert.pem"), &format!("{out}/cert-chain.pem")])
            .unwrap();
    assert!(ok, "{text}");
    let other = "spiffe://example.org/ns/default/sa/other";
    assert_eq!(
        meshctl(&["ca", "issue", "--ca", &ca_dir, "--spiffe-id", other, "--csr", &csr, "--out", &out]).0,
        1
    );
}
