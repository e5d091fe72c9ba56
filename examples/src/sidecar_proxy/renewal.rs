//! SVID renewal, as Istio's agent does it: once less than about half of the SVID's lifetime
//! remains ([`mesh_identity::rotation::RotationPolicy`], jittered by one of the proxy's
//! draws), a new key and CSR go to the CA server, authenticated by the current SVID, and the
//! new SVID replaces it in place: the next handshakes, inbound and outbound, present it, and
//! connections already open keep theirs. A failed attempt is retried.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use mesh_identity::rotation::RotationPolicy;
use mesh_identity::{BundleSet, KeyType, SpiffeId};

use super::Shared;
use crate::ca_server::{ClientAuth, request_chain};

/// Where and how the proxy renews its SVID.
#[derive(Debug, Clone)]
pub struct Renewal {
    /// The CA server.
    pub ca_addr: SocketAddr,
    /// The SPIFFE ID the CA server must present.
    pub ca_id: SpiffeId,
    /// The bundles the CA server's SVID is verified against.
    pub bundles: BundleSet,
    /// The lifetime asked for; the CA's default when `None`.
    pub ttl: Option<Duration>,
    /// When to renew.
    pub policy: RotationPolicy,
    /// How long to wait after a failed attempt.
    pub retry: Duration,
}

/// Renews the proxy's SVID until the task is aborted.
pub(crate) async fn run(shared: Arc<Shared>, renewal: Renewal) {
    let credentials = shared.credentials.clone();
    let mut renewed_once = false;
    loop {
        let (not_before, not_after) = credentials.validity();
        let at = renewal.policy.renew_at(not_before, not_after, shared.draws.next_f64());
        #[allow(clippy::disallowed_methods)] // the proxy is the I/O shell: it reads the clock
        let mut wait = at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
        // A CA that hands out SVIDs already due (a TTL it shortened) is not asked again at
        // once: at most one renewal per retry interval.
        if renewed_once {
            wait = wait.max(renewal.retry);
        }
        tokio::time::sleep(wait).await;
        renewed_once = true;
        let answer = request_chain(
            renewal.ca_addr,
            &renewal.bundles,
            &renewal.ca_id,
            ClientAuth::Svid(&credentials),
            credentials.spiffe_id(),
            KeyType::EcP256,
            renewal.ttl,
        )
        .await;
        let renewed = answer
            .map_err(|e| e.to_string())
            .and_then(|(chain, key)| credentials.renew(chain, &key).map_err(|e| e.to_string()));
        if let Err(e) = renewed {
            eprintln!("sidecar-proxy: renewing the SVID failed: {e}; retrying in {:?}", renewal.retry);
            tokio::time::sleep(renewal.retry).await;
        }
    }
}
