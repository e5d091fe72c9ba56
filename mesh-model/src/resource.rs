//! The [`Resource`] enum: every kind the model understands, its API group and served versions.

use std::fmt;

use serde::Serialize;

use crate::kube;
use crate::meta::ObjectMeta;
use crate::networking;
use crate::security;
use crate::telemetry;

/// Declares the kinds: one row per kind, its group, served versions and Rust type.
macro_rules! kinds {
    ($( $(#[$doc:meta])* $kind:ident => $group:literal, [$($ver:literal),+], $ty:ty, istio: $istio:literal; )+) => {
        /// A kind the model understands.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Kind {
            $( $(#[$doc])* $kind, )+
        }

        impl Kind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [Kind] = &[$(Kind::$kind),+];

            /// The kind's name, as `kind:` spells it.
            pub const fn name(self) -> &'static str {
                match self { $(Kind::$kind => stringify!($kind),)+ }
            }

            /// The API group (`""` for the Kubernetes core group).
            pub const fn group(self) -> &'static str {
                match self { $(Kind::$kind => $group,)+ }
            }

            /// The versions the API server serves for this kind, storage version first.
            pub const fn versions(self) -> &'static [&'static str] {
                match self { $(Kind::$kind => &[$($ver),+],)+ }
            }

            /// Whether this is an Istio custom resource (as opposed to a Kubernetes object).
            pub const fn is_istio(self) -> bool {
                match self { $(Kind::$kind => $istio,)+ }
            }

            /// Looks a kind up by `apiVersion` and `kind`; `None` for a kind, group or version
            /// this model does not serve.
            pub fn from_type(api_version: &str, kind: &str) -> Option<Kind> {
                let (group, version) = match api_version.rsplit_once('/') {
                    Some((g, v)) => (g, v),
                    None => ("", api_version),
                };
                let k = match kind { $(stringify!($kind) => Kind::$kind,)+ _ => return None };
                (k.group() == group && k.versions().contains(&version)).then_some(k)
            }
        }

        /// One loaded resource, typed by its kind.
        // Resources are long-lived and read in place; boxing each variant would cost an
        // allocation and an indirection per resource for a size that, measured, already
        // matches an untyped JSON tree of the same input.
        #[allow(clippy::large_enum_variant)]
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        #[non_exhaustive]
        pub enum Resource {
            $( $(#[$doc])* $kind($ty), )+
        }

        impl Resource {
            /// The resource's kind.
            pub fn kind(&self) -> Kind {
                match self { $(Resource::$kind(_) => Kind::$kind,)+ }
            }

            /// The resource's metadata.
            pub fn meta(&self) -> &ObjectMeta {
                match self { $(Resource::$kind(r) => &r.metadata,)+ }
            }

            /// The resource's metadata, mutably (the loader fills in default namespaces).
            pub fn meta_mut(&mut self) -> &mut ObjectMeta {
                match self { $(Resource::$kind(r) => &mut r.metadata,)+ }
            }

            /// The `apiVersion` the resource was written with.
            pub fn api_version(&self) -> &str {
                match self { $(Resource::$kind(r) => &r.api_version,)+ }
            }

            /// Deserialises a resource of kind `kind` from any serde deserializer.
            pub(crate) fn deserialize_as<'de, D: serde::Deserializer<'de>>(
                kind: Kind,
                d: D,
            ) -> Result<Resource, D::Error> {
                use serde::Deserialize;
                Ok(match kind { $(Kind::$kind => Resource::$kind(<$ty>::deserialize(d)?),)+ })
            }
        }
    };
}

kinds! {
    /// networking.istio.io VirtualService.
    VirtualService => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::VirtualService, istio: true;
    /// networking.istio.io DestinationRule.
    DestinationRule => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::DestinationRule, istio: true;
    /// networking.istio.io Gateway.
    Gateway => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::Gateway, istio: true;
    /// networking.istio.io ServiceEntry.
    ServiceEntry => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::ServiceEntry, istio: true;
    /// networking.istio.io WorkloadEntry.
    WorkloadEntry => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::WorkloadEntry, istio: true;
    /// networking.istio.io WorkloadGroup.
    WorkloadGroup => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::WorkloadGroup, istio: true;
    /// networking.istio.io Sidecar.
    Sidecar => "networking.istio.io", ["v1", "v1beta1", "v1alpha3"], networking::Sidecar, istio: true;
    /// security.istio.io AuthorizationPolicy.
    AuthorizationPolicy => "security.istio.io", ["v1", "v1beta1"], security::AuthorizationPolicy, istio: true;
    /// security.istio.io PeerAuthentication.
    PeerAuthentication => "security.istio.io", ["v1", "v1beta1"], security::PeerAuthentication, istio: true;
    /// security.istio.io RequestAuthentication.
    RequestAuthentication => "security.istio.io", ["v1", "v1beta1"], security::RequestAuthentication, istio: true;
    /// telemetry.istio.io Telemetry.
    Telemetry => "telemetry.istio.io", ["v1alpha1", "v1"], telemetry::Telemetry, istio: true;
    /// Kubernetes Namespace.
    Namespace => "", ["v1"], kube::Namespace, istio: false;
    /// Kubernetes Service.
    Service => "", ["v1"], kube::Service, istio: false;
    /// Kubernetes EndpointSlice.
    EndpointSlice => "discovery.k8s.io", ["v1"], kube::EndpointSlice, istio: false;
    /// Kubernetes Pod.
    Pod => "", ["v1"], kube::Pod, istio: false;
    /// Kubernetes ServiceAccount.
    ServiceAccount => "", ["v1"], kube::ServiceAccount, istio: false;
    /// Kubernetes Node.
    Node => "", ["v1"], kube::Node, istio: false;
    /// Kubernetes NetworkPolicy.
    NetworkPolicy => "networking.k8s.io", ["v1"], kube::NetworkPolicy, istio: false;
    /// Kubernetes Ingress.
    Ingress => "networking.k8s.io", ["v1"], kube::Ingress, istio: false;
    /// Kubernetes IngressClass.
    IngressClass => "networking.k8s.io", ["v1"], kube::IngressClass, istio: false;
    /// Kubernetes ConfigMap.
    ConfigMap => "", ["v1"], kube::ConfigMap, istio: false;
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Kind {
    /// Whether objects of this kind live in a namespace (Namespace, Node and IngressClass do
    /// not).
    pub const fn is_namespaced(self) -> bool {
        !matches!(self, Kind::Namespace | Kind::Node | Kind::IngressClass)
    }
}

impl Resource {
    /// The resource's name (`""` when unset).
    pub fn name(&self) -> &str {
        self.meta().name()
    }

    /// The resource's namespace (`""` when unset or cluster-scoped).
    pub fn namespace(&self) -> &str {
        self.meta().namespace()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_versions_resolve() {
        assert_eq!(
            Kind::from_type("networking.istio.io/v1alpha3", "VirtualService"),
            Some(Kind::VirtualService)
        );
        assert_eq!(
            Kind::from_type("security.istio.io/v1beta1", "PeerAuthentication"),
            Some(Kind::PeerAuthentication)
        );
        assert_eq!(Kind::from_type("v1", "Service"), Some(Kind::Service));
        assert_eq!(Kind::from_type("discovery.k8s.io/v1", "EndpointSlice"), Some(Kind::EndpointSlice));
        // security.istio.io never served v1alpha3 for AuthorizationPolicy.
        assert_eq!(Kind::from_type("security.istio.io/v1alpha3", "AuthorizationPolicy"), None);
        assert_eq!(Kind::from_type("networking.istio.io/v1", "EnvoyFilter"), None);
    }
}
