//! RequestAuthentication: which JWT rules apply to a workload, and verification of the tokens
//! a request carries against them, as Envoy's `jwt_authn` filter configured by Istio does.
//!
//! The caller passes the key sets (an inline `jwks`, or what it fetched from `jwksUri`) and
//! `now`; nothing is fetched and no clock is read. A request without a token is accepted with
//! no request principal; a request whose token fails (bad signature, unknown issuer, wrong
//! audience, expired) is rejected (Envoy answers 401). When a request carries several tokens,
//! every one must verify, as Envoy requires.
//!
//! Supported algorithms: RS256, RS384, RS512, PS256, PS384, PS512 (RSA, 2048 to 8192 bits),
//! ES256 and ES384. `none` and HMAC algorithms are refused, as Istio's JWKS only hold public keys.

mod base64;
mod jwks;
mod output;
mod rules;
mod verify;

pub use base64::encode as base64url_encode;
pub use jwks::{Jwk, Jwks, JwksError};
pub use output::{HeaderMutations, header_mutations};
pub use rules::{CompiledJwtRule, RequestAuthn, TokenLocation, TokenSource};
pub use verify::{JwtError, Verified, authenticate, verify};

/// Envoy's default allowance for clock skew when checking `exp` and `nbf` (60 seconds).
pub const DEFAULT_CLOCK_SKEW_SECS: i64 = 60;
