//! A PeerAuthentication: the mTLS mode a workload accepts.
//!
//! Mirrors istio/api `security/v1beta1/peer_authentication.proto` (served as
//! `security.istio.io/v1` and `v1beta1`, which share one schema).

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::common::WorkloadSelector;
use crate::object::IstioObject;

/// A PeerAuthentication: the mTLS mode a workload accepts.
pub type PeerAuthentication = IstioObject<PeerAuthenticationSpec>;

/// The `spec` of a [`PeerAuthentication`].
///
/// In the root namespace without a selector it sets the mesh-wide mode; in another namespace
/// without a selector, that namespace's mode; with a selector, the selected workloads' mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PeerAuthenticationSpec {
    /// The workloads the policy applies to, by label; absent means every workload in scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<WorkloadSelector>,
    /// The mutual TLS settings for the workloads; absent inherits from the parent scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtls: Option<MutualTls>,
    /// Per-port mutual TLS settings, keyed by the workload's (container) port number as a
    /// decimal string; needs a selector with labels.
    ///
    /// Kept as an `Option` because Istio rejects a present but empty map (`portLevelMtls: {}`).
    /// YAML integer keys (`8080:`) are read as their decimal string.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "port_map")]
    pub port_level_mtls: Option<BTreeMap<String, MutualTls>>,
}

/// Mutual TLS settings of a [`PeerAuthentication`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MutualTls {
    /// The mTLS mode; absent (or `UNSET`) inherits from the parent scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<MutualTlsMode>,
}

/// The mTLS mode a workload accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MutualTlsMode {
    /// Inherit from the parent scope; `PERMISSIVE` when no parent sets a mode.
    #[default]
    Unset,
    /// Plaintext only: the connection is not tunnelled through mTLS.
    Disable,
    /// Accept both plaintext and mTLS connections.
    Permissive,
    /// Accept mTLS connections only (a client certificate is required).
    Strict,
}

/// Reads the `portLevelMtls` map, accepting integer YAML keys as well as strings.
fn port_map<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BTreeMap<String, MutualTls>>, D::Error> {
    struct MapVisitor;

    impl<'de> Visitor<'de> for MapVisitor {
        type Value = Option<BTreeMap<String, MutualTls>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a map from port numbers to mTLS settings")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_map(MapVisitor)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some(PortKey(k)) = map.next_key()? {
                let v: MutualTls = map.next_value()?;
                out.insert(k, v);
            }
            Ok(Some(out))
        }
    }

    d.deserialize_option(MapVisitor)
}

/// A map key that may be written as a string or an integer.
struct PortKey(String);

impl<'de> Deserialize<'de> for PortKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = PortKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a port number")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<PortKey, E> {
                Ok(PortKey(v.to_string()))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PortKey, E> {
                Ok(PortKey(v.to_string()))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PortKey, E> {
                Ok(PortKey(v.to_string()))
            }
        }

        d.deserialize_any(KeyVisitor)
    }
}
