//! The contract's request (`--request FILE.json`, `-` for stdin): one request or connection
//! as the mesh sees it. See CONTRACT.md, "The request".

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Deserializer};

pub(crate) use mesh_routing::request::Protocol;

use crate::config::CliError;

/// `source`: the client workload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Source {
    pub(crate) namespace: Option<String>,
    pub(crate) service_account: Option<String>,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) ip: Option<String>,
    /// `None`: derived from namespace and service account when `mtls` is true.
    pub(crate) principal: Option<String>,
    pub(crate) mtls: bool,
    /// The original client IP; `None` means the same as `ip`.
    pub(crate) remote_ip: Option<String>,
}

impl Default for Source {
    fn default() -> Self {
        Self {
            namespace: None,
            service_account: None,
            labels: BTreeMap::new(),
            ip: None,
            principal: None,
            mtls: true,
            remote_ip: None,
        }
    }
}

impl Source {
    /// The peer principal authorization sees: the given one, or
    /// `<trustDomain>/ns/<namespace>/sa/<serviceAccount>` under mTLS; none in plaintext.
    pub(crate) fn principal(&self, trust_domain: &str) -> Option<String> {
        if !self.mtls {
            return None;
        }
        if let Some(p) = &self.principal {
            return Some(p.clone());
        }
        match (&self.namespace, &self.service_account) {
            (Some(ns), Some(sa)) => Some(format!("{trust_domain}/ns/{ns}/sa/{sa}")),
            _ => None,
        }
    }

    /// The original client IP (`remoteIp`, else `ip`).
    pub(crate) fn remote_ip(&self) -> Option<&str> {
        self.remote_ip.as_deref().or(self.ip.as_deref())
    }
}

/// `destination.workload`: the server workload.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Workload {
    pub(crate) namespace: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) service_account: Option<String>,
}

/// `destination`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Destination {
    /// A short name, an FQDN or an IP.
    pub(crate) host: String,
    /// The port the client addresses.
    pub(crate) port: Option<u16>,
    pub(crate) ip: Option<String>,
    /// `None`: derived from the Service or ServiceEntry of the host.
    pub(crate) workload: Option<Workload>,
}

/// `auth`: the result of request authentication.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Auth {
    /// `iss/sub`.
    pub(crate) principal: Option<String>,
    pub(crate) audiences: Vec<String>,
    pub(crate) presenter: Option<String>,
    pub(crate) claims: serde_json::Map<String, serde_json::Value>,
}

/// `customVerdict`: what an external authorizer answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub(crate) enum Verdict {
    /// The provider allows (the default).
    #[default]
    #[serde(rename = "ALLOW")]
    Allow,
    /// The provider denies.
    #[serde(rename = "DENY")]
    Deny,
}

/// The request.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct Request {
    #[serde(deserialize_with = "protocol")]
    pub(crate) protocol: Protocol,
    /// `namespace/name` of a Gateway; `None` = inside the mesh (gateway `mesh`).
    pub(crate) gateway: Option<String>,
    pub(crate) source: Source,
    pub(crate) destination: Destination,
    pub(crate) method: String,
    pub(crate) scheme: String,
    /// The Host header (may carry a port); `None` = `destination.host`.
    pub(crate) authority: Option<String>,
    /// Path with query string.
    pub(crate) path: String,
    /// Lower-cased header names; each value list in order.
    #[serde(deserialize_with = "headers")]
    pub(crate) headers: BTreeMap<String, Vec<String>>,
    pub(crate) sni: Option<String>,
    pub(crate) auth: Option<Auth>,
    /// The draw in [0, 1) standing for every random choice.
    pub(crate) random: f64,
    pub(crate) custom_verdict: Verdict,
}

impl Default for Request {
    fn default() -> Self {
        Self {
            protocol: Protocol::Http,
            gateway: None,
            source: Source::default(),
            destination: Destination::default(),
            method: "GET".to_string(),
            scheme: "http".to_string(),
            authority: None,
            path: "/".to_string(),
            headers: BTreeMap::new(),
            sni: None,
            auth: None,
            random: 0.0,
            custom_verdict: Verdict::Allow,
        }
    }
}

impl Request {
    /// The authority the virtual host is chosen by: `authority`, else `destination.host`.
    pub(crate) fn authority(&self) -> &str {
        self.authority.as_deref().unwrap_or(&self.destination.host)
    }
}

fn protocol<'de, D: Deserializer<'de>>(d: D) -> Result<Protocol, D::Error> {
    String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
}

fn headers<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw: Option<BTreeMap<String, OneOrMany>> = Option::deserialize(d)?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in raw.unwrap_or_default() {
        let values = match v {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        out.entry(k.to_ascii_lowercase()).or_default().extend(values);
    }
    Ok(out)
}

/// Parses a request from JSON text; `name` is used in the error message.
pub(crate) fn parse(text: &str, name: &str) -> Result<Request, CliError> {
    let req: Request = serde_json::from_str(text)
        .map_err(|e| CliError(format!("{name}:{}:{}: malformed request: {e}", e.line(), e.column())))?;
    if req.destination.host.is_empty() {
        return Err(CliError(format!("{name}: malformed request: destination.host is required")));
    }
    if !(0.0..1.0).contains(&req.random) {
        return Err(CliError(format!(
            "{name}: malformed request: random must be in [0, 1), got {}",
            req.random
        )));
    }
    Ok(req)
}

/// Reads and parses `--request PATH` (`-` for stdin).
pub(crate) fn read(path: &Path) -> Result<Request, CliError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
        parse(&text, "<stdin>")
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError(format!("cannot read {}: {e}", path.display())))?;
        parse(&text, &path.display().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_contract_example() {
        let text = r#"{
          "protocol": "http", "gateway": null,
          "source": {"namespace": "default", "serviceAccount": "bookinfo-productpage",
                     "labels": {"app": "productpage"}, "ip": "10.0.0.5",
                     "principal": null, "mtls": true, "remoteIp": null},
          "destination": {"host": "reviews", "port": 9080, "ip": null, "workload": null},
          "method": "GET", "scheme": "http", "authority": null, "path": "/reviews/0?x=1",
          "headers": {"End-User": "jason", "x-multi": ["a", "b"]},
          "sni": null, "auth": null, "random": 0.0, "customVerdict": "ALLOW"
        }"#;
        let r = parse(text, "req.json").unwrap();
        assert_eq!(r.headers["end-user"], ["jason"]);
        assert_eq!(r.headers["x-multi"], ["a", "b"]);
        assert_eq!(
            r.source.principal("cluster.local").as_deref(),
            Some("cluster.local/ns/default/sa/bookinfo-productpage")
        );
        assert_eq!(r.authority(), "reviews");
    }

    #[test]
    fn plaintext_has_no_principal() {
        let r = parse(r#"{"source": {"namespace": "a", "serviceAccount": "b", "mtls": false}, "destination": {"host": "x"}}"#, "r").unwrap();
        assert_eq!(r.source.principal("cluster.local"), None);
    }

    #[test]
    fn malformed_requests_are_errors() {
        assert!(parse(r#"{"protocol": "http", "#, "r").is_err());
        assert!(parse(r#"{"destination": {"host": "x"}, "random": 1.0}"#, "r").is_err());
        assert!(parse(r#"{"destination": {}}"#, "r").is_err());
    }
}
