//! SPIFFE identities, a workload CA, X.509-SVID verification and rustls verifiers.
//!
//! This crate performs no I/O, reads no clock, draws no randomness of its own and spawns
//! nothing: callers pass `now`, key material and an [`Entropy`] source. Everything it
//! compiles ([`Verifier`], [`Ca`]) is immutable and `Send + Sync`.
//!
//! - [`SpiffeId`], [`TrustDomain`]: the SPIFFE-ID standard, strictly.
//! - [`IstioIdentity`], [`TrustDomainAliases`]: `spiffe://<td>/ns/<ns>/sa/<sa>` and principals.
//! - [`X509Bundle`], [`BundleSet`]: roots per trust domain, PEM and the SPIFFE bundle format.
//! - [`Ca`]: a root or intermediate that issues X.509-SVIDs.
//! - [`Verifier`]: X509-SVID verification against bundles at a given time.
//! - [`rotation`]: when to renew, and root rotation.
//! - `tls` (feature `rustls`, on by default): rustls verifiers that authorize SPIFFE IDs.
//!
//! # Example
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use mesh_identity::*;
//!
//! struct Counter(u64);
//! impl Entropy for Counter {
//!     fn fill(&mut self, dest: &mut [u8]) {
//!         for b in dest {
//!             self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
//!             *b = (self.0 >> 56) as u8;
//!         }
//!     }
//! }
//! let mut rng = Counter(42); // use the OS's generator in real code
//! let now = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01
//!
//! let td = TrustDomain::parse("example.org")?;
//! let ca = Ca::new_root(td.clone(), KeyPair::generate(KeyType::EcP256, &mut rng)?, None, now, &mut rng)?;
//! let id = SpiffeId::parse("spiffe://example.org/ns/default/sa/web")?;
//! let (svid, _key) = ca.issue_with_new_key(&id, KeyType::EcP256, None, now, &mut rng)?;
//!
//! let bundles = BundleSet::new().with(X509Bundle::from_der_roots(td, vec![ca.root_der().to_vec()])?);
//! let verified = Verifier::new(&bundles).verify(&svid.chain, now)?;
//! assert_eq!(verified.spiffe_id, id);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod bundle;
pub mod ca;
pub mod encoding;
pub mod istio;
pub mod keys;
pub mod matcher;
pub mod rotation;
pub mod spiffe_id;
#[cfg(feature = "proptest")]
pub mod strategies;
pub mod svid;
pub mod time_fmt;
#[cfg(feature = "rustls")]
pub mod tls;
pub mod trust_domain;
pub mod verify;

pub use bundle::{BundleError, BundleSet, X509Bundle};
pub use ca::{Ca, CaError, CaPolicy, IssuedSvid, SubjectKey};
pub use encoding::PemError;
pub use istio::{IstioIdentity, IstioIdentityError, TrustDomainAliases};
pub use keys::{Entropy, KeyError, KeyPair, KeyType};
pub use matcher::IdMatcher;
pub use spiffe_id::{SpiffeId, SpiffeIdError};
pub use svid::{CertInfo, SvidError, X509Svid};
pub use trust_domain::TrustDomain;
pub use verify::{VerifiedSvid, Verifier};

/// Any error of this crate, for callers that do not need to tell them apart.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    /// A SPIFFE ID or trust domain is invalid.
    #[error(transparent)]
    SpiffeId(#[from] SpiffeIdError),
    /// A PEM text could not be read.
    #[error(transparent)]
    Pem(#[from] PemError),
    /// A bundle could not be read.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// An SVID is invalid or does not verify.
    #[error(transparent)]
    Svid(#[from] SvidError),
    /// The CA refused or failed.
    #[error(transparent)]
    Ca(#[from] CaError),
    /// A key could not be made or loaded.
    #[error(transparent)]
    Key(#[from] KeyError),
}
