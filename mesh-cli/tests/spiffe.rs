//! `meshctl spiffe parse|verify` against CONTRACT.md: JSON shapes and exit codes.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test

use std::process::Command;

fn meshctl(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_meshctl")).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let json = serde_json::from_str(&stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code().unwrap_or(-1), json, String::from_utf8_lossy(&out.stderr).to_string())
}

#[test]
fn parse_valid() {
    let (code, json, _) =
        meshctl(&["spiffe", "parse", "spiffe://example.org/ns/default/sa/web", "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(
        json,
        serde_json::json!({"valid": true, "id": "spiffe://example.org/ns/default/sa/web",
                           "trustDomain": "example.org", "path": "/ns/default/sa/web"})
    );
    let (code, json, _) = meshctl(&["spiffe", "parse", "spiffe://example.org", "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(json["path"], "");
}

#[test]
fn parse_invalid_is_strict() {
    for bad in
        ["https://example.org/x", "SPIFFE://example.org/x", "spiffe://Example.org/x", "spiffe://e.org/x/"]
    {
        let (code, json, _) = meshctl(&["spiffe", "parse", bad, "-o", "json"]);
        assert_eq!(code, 1, "{bad}");
        assert_eq!(json["valid"], false);
        assert!(json["error"].as_str().unwrap().len() > 10);
    }
}

#[test]
fn verify_issued_certificate_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let ca = format!("{d}/ca");
    let w = format!("{d}/w");
    let now = "2030-01-01T00:00:00Z";
    assert_eq!(meshctl(&["ca", "init", "--trust-domain", "example.org", "--out", &ca, "--now", now]).0, 0);
    let id = "spiffe://example.org/ns/default/sa/web";
    assert_eq!(meshctl(&["ca", "issue", "--ca", &ca, "--spiffe-id", id, "--now", now, "--out", &w]).0, 0);
    let bundle = format!("example.org={ca}/root-cert.pem");
    let cert = format!("{w}/cert-chain.pem");
    let (code, json, _) =
        meshctl(&["spiffe", "verify", "--bundle", &bundle, "--cert", &cert, "--now", now, "-o", "json"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["spiffeId"], id);
    assert_eq!(json["trustDomain"], "example.org");
    assert_eq!(json["notAfter"], "2030-01-02T00:00:00Z");
    // Expired a day later.
    let (code, json, _) = meshctl(&[
        "spiffe",
        "verify",
        "--bundle",
        &bundle,
        "--cert",
        &cert,
        "--now",
        "2030-01-03T00:00:00Z",
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(json["valid"], false);
    // A bundle of another trust domain only.
    let other = format!("other.org={ca}/root-cert.pem");
    assert_eq!(meshctl(&["spiffe", "verify", "--bundle", &other, "--cert", &cert, "--now", now]).0, 1);
    // A JWKS bundle that trusts nothing: a verification failure, exit 1.
    let empty = format!("{d}/empty.json");
    std::fs::write(&empty, r#"{"keys": []}"#).unwrap();
    let (code, _, _) = meshctl(&[
        "spiffe",
        "verify",
        "--bundle",
        &format!("example.org={empty}"),
        "--cert",
        &cert,
        "--now",
        now,
    ]);
    assert_eq!(code, 1);
    // Corrupt DER inside a PEM block: exit 1.
    let corrupt = format!("{d}/corrupt.pem");
    std::fs::write(&corrupt, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").unwrap();
    assert_eq!(meshctl(&["spiffe", "verify", "--bundle", &bundle, "--cert", &corrupt, "--now", now]).0, 1);
    // No PEM block at all, an unreadable file, a bad --now: exit 2 with a message.
    let nopem = format!("{d}/nopem.pem");
    std::fs::write(&nopem, "nothing here\n").unwrap();
    let (code, _, err) = meshctl(&["spiffe", "verify", "--bundle", &bundle, "--cert", &nopem, "--now", now]);
    assert_eq!(code, 2);
    assert!(err.contains("no PEM block"), "{err}");
    assert_eq!(
        meshctl(&["spiffe", "verify", "--bundle", &bundle, "--cert", "/nonexistent", "--now", now]).0,
        2
    );
    assert_eq!(
        meshctl(&["spiffe", "verify", "--bundle", &bundle, "--cert", &cert, "--now", "yesterday"]).0,
        2
    );
    assert_eq!(meshctl(&["spiffe", "verify", "--bundle", "example.org", "--cert", &cert]).0, 2);
}
