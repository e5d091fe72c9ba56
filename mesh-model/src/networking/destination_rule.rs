//! A DestinationRule: policies that apply to traffic for a service after routing.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::object::IstioObject;

/// A DestinationRule: policies that apply to traffic for a service after routing.
pub type DestinationRule = IstioObject<DestinationRuleSpec>;

/// The `spec` of a [`DestinationRule`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DestinationRuleSpec {}
