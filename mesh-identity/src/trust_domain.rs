//! Trust domains: the authority part of a SPIFFE ID (SPIFFE-ID.md section 2.1).

use std::fmt;
use std::str::FromStr;

use crate::spiffe_id::{SpiffeId, SpiffeIdError, validate_trust_domain_name};

/// A trust domain name such as `example.org`: lower case, `a-z 0-9 . - _`, 1 to 255 bytes.
///
/// # Examples
/// ```
/// use mesh_identity::TrustDomain;
/// let td = TrustDomain::parse("example.org")?;
/// assert_eq!(td.id().as_str(), "spiffe://example.org");
/// // An ID is accepted too, as go-spiffe's TrustDomainFromString does.
/// assert_eq!(TrustDomain::parse("spiffe://example.org/ns/a")?, td);
/// assert!(TrustDomain::parse("Example.org").is_err());
/// # Ok::<(), mesh_identity::SpiffeIdError>(())
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TrustDomain(Box<str>);

// === impl TrustDomain ===

impl TrustDomain {
    /// Parses a trust domain from its bare name, or from a SPIFFE ID (any input holding `:/`
    /// is read as an ID, as go-spiffe does, so that `spiffe:/x` reports a bad scheme).
    pub fn parse(name_or_id: &str) -> Result<Self, SpiffeIdError> {
        if name_or_id.contains(":/") {
            return Ok(SpiffeId::parse(name_or_id)?.trust_domain());
        }
        validate_trust_domain_name(name_or_id)?;
        Ok(TrustDomain(name_or_id.into()))
    }

    pub(crate) fn from_validated(name: &str) -> Self {
        TrustDomain(name.into())
    }

    /// The bare name, e.g. `example.org`.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// The trust domain's own SPIFFE ID, `spiffe://<name>`.
    pub fn id(&self) -> SpiffeId {
        SpiffeId::of_trust_domain(self.name())
    }
}

impl fmt::Display for TrustDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for TrustDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TrustDomain({:?})", &*self.0)
    }
}

impl FromStr for TrustDomain {
    type Err = SpiffeIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for TrustDomain {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for TrustDomain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for TrustDomain {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        TrustDomain::parse(&s).map_err(serde::de::Error::custom)
    }
}
