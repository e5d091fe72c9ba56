//! When to renew an SVID, and how a root is rotated.
//!
//! Renewal follows Istio's secret manager (istio/istio `security/pkg/nodeagent/cache`):
//! a certificate is renewed once less than `grace_ratio` of its lifetime remains, the ratio
//! being jittered by up to `±jitter` so that a fleet does not renew all at once
//! (`SECRET_GRACE_PERIOD_RATIO` 0.5, `SECRET_GRACE_PERIOD_RATIO_JITTER` 0.01).
//!
//! A root rotates in three steps, none of which strands a workload: (1) add the new root
//! to the bundle beside the old one ([`begin_root_rotation`]) and let the bundle reach every
//! verifier; (2) switch the CA to the new root, so that certificates renewed from then on
//! chain to it while older ones still chain to the old root; (3) once every certificate of the
//! old root has expired or been renewed, remove the old root ([`finish_root_rotation`]).

use std::time::{Duration, SystemTime};

use crate::bundle::{BundleError, X509Bundle};

/// The renewal rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RotationPolicy {
    /// The fraction of the lifetime left when renewal starts (Istio: 0.5).
    pub grace_ratio: f64,
    /// The largest change the caller's draw makes to `grace_ratio` (Istio: 0.01).
    pub jitter: f64,
}

impl Default for RotationPolicy {
    fn default() -> Self {
        RotationPolicy { grace_ratio: 0.5, jitter: 0.01 }
    }
}

// === impl RotationPolicy ===

impl RotationPolicy {
    /// The instant at which a certificate valid `[not_before, not_after]` is due for
    /// renewal: `not_after - ratio * lifetime`, with `ratio = grace_ratio + jitter * (2 * draw - 1)`
    /// clamped to `[0, 1]`; `draw` is the caller's random number in `[0, 1)` (0.5 for none).
    pub fn renew_at(&self, not_before: SystemTime, not_after: SystemTime, draw: f64) -> SystemTime {
        let lifetime = not_after.duration_since(not_before).unwrap_or(Duration::ZERO);
        let draw = if draw.is_finite() { draw.clamp(0.0, 1.0) } else { 0.5 };
        let ratio = (self.grace_ratio + self.jitter * (2.0 * draw - 1.0)).clamp(0.0, 1.0);
        let grace = lifetime.mul_f64(ratio);
        not_after.checked_sub(grace).unwrap_or(not_before)
    }

    /// Whether a certificate valid `[not_before, not_after]` must be renewed at `now`
    /// (also when it has already expired).
    pub fn should_renew(
        &self,
        not_before: SystemTime,
        not_after: SystemTime,
        now: SystemTime,
        draw: f64,
    ) -> bool {
        now >= self.renew_at(not_before, not_after, draw)
    }
}

/// Step 1 of a root rotation: the bundle with `new_root` added beside the roots it has.
pub fn begin_root_rotation(bundle: &X509Bundle, new_root: Vec<u8>) -> Result<X509Bundle, BundleError> {
    let mut next = bundle.clone();
    next.add_root(new_root)?;
    Ok(next)
}

/// Step 3 of a root rotation: the bundle without `old_root`.
pub fn finish_root_rotation(bundle: &X509Bundle, old_root: &[u8]) -> X509Bundle {
    let mut next = bundle.clone();
    next.remove_root(old_root);
    next
}
