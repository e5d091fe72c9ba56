//! Kubernetes' `LabelSelector` (`matchLabels` and `matchExpressions`) and its matching rules.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Selects objects by their labels, as Kubernetes' `metav1.LabelSelector`.
///
/// Every `matchLabels` entry and every `matchExpressions` requirement must hold (they are
/// ANDed). An empty selector (`{}`) matches every object; whether an *absent* selector
/// matches everything or nothing is up to the field that holds it.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_model::kube::LabelSelector;
/// let sel: LabelSelector = serde_json::from_str(
///     r#"{"matchLabels": {"app": "reviews"},
///         "matchExpressions": [{"key": "version", "operator": "NotIn", "values": ["v1"]}]}"#,
/// ).unwrap();
/// let labels = BTreeMap::from([("app".to_string(), "reviews".to_string()), ("version".to_string(), "v2".to_string())]);
/// assert!(sel.matches(&labels));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Labels an object must all carry with exactly these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Requirements an object's labels must all satisfy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// One requirement of a [`LabelSelector`]: a key, an operator and (for `In`/`NotIn`) values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    /// The label key the requirement applies to.
    #[serde(default)]
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`; kept as written so that validation can
    /// report an unknown operator at its field path (see [`Self::op`]).
    #[serde(default)]
    pub operator: String,
    /// The values for `In` and `NotIn`; must be empty for `Exists` and `DoesNotExist`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// The operators of a [`LabelSelectorRequirement`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelSelectorOperator {
    /// The label is present and its value is one of `values`.
    In,
    /// The label is absent, or its value is none of `values`.
    NotIn,
    /// The label is present, whatever its value.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl LabelSelectorOperator {
    /// Parses the operator as Kubernetes spells it (case-sensitive).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "In" => Some(Self::In),
            "NotIn" => Some(Self::NotIn),
            "Exists" => Some(Self::Exists),
            "DoesNotExist" => Some(Self::DoesNotExist),
            _ => None,
        }
    }

    /// The operator's name, as Kubernetes spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::In => "In",
            Self::NotIn => "NotIn",
            Self::Exists => "Exists",
            Self::DoesNotExist => "DoesNotExist",
        }
    }
}

impl LabelSelectorRequirement {
    /// The operator, or `None` when it is not one Kubernetes knows.
    pub fn op(&self) -> Option<LabelSelectorOperator> {
        LabelSelectorOperator::parse(&self.operator)
    }

    /// Whether the requirement is well formed: a known operator, values present for
    /// `In`/`NotIn` and absent for `Exists`/`DoesNotExist`.
    pub fn is_well_formed(&self) -> bool {
        match self.op() {
            Some(LabelSelectorOperator::In | LabelSelectorOperator::NotIn) => !self.values.is_empty(),
            Some(LabelSelectorOperator::Exists | LabelSelectorOperator::DoesNotExist) => {
                self.values.is_empty()
            }
            None => false,
        }
    }

    /// Whether `labels` satisfy this requirement. A malformed requirement (see
    /// [`Self::is_well_formed`]) matches nothing, as Kubernetes cannot build a selector from it.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        if !self.is_well_formed() {
            return false;
        }
        let value = labels.get(&self.key);
        match self.op() {
            Some(LabelSelectorOperator::In) => value.is_some_and(|v| self.values.contains(v)),
            Some(LabelSelectorOperator::NotIn) => value.is_none_or(|v| !self.values.contains(v)),
            Some(LabelSelectorOperator::Exists) => value.is_some(),
            Some(LabelSelectorOperator::DoesNotExist) => value.is_none(),
            None => false,
        }
    }
}

impl LabelSelector {
    /// Whether the selector has neither `matchLabels` nor `matchExpressions` (it then
    /// matches every object).
    pub fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// Whether `labels` satisfy the selector, with Kubernetes' semantics: every
    /// `matchLabels` pair is present with that value, and every requirement holds (`In`: the
    /// key is present with one of the values; `NotIn`: the key is absent or has none of the
    /// values; `Exists`; `DoesNotExist`). An empty selector matches everything; a selector
    /// with a malformed requirement matches nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels.iter().all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|r| r.matches(labels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn req(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    fn exprs(reqs: Vec<LabelSelectorRequirement>) -> LabelSelector {
        LabelSelector { match_labels: BTreeMap::new(), match_expressions: reqs }
    }

    #[test]
    fn empty_selector_matches_everything() {
        let sel = LabelSelector::default();
        assert!(sel.is_empty());
        assert!(sel.matches(&labels(&[])));
        assert!(sel.matches(&labels(&[("app", "x")])));
    }

    #[test]
    fn match_labels_require_every_pair() {
        let sel = LabelSelector {
            match_labels: labels(&[("app", "reviews"), ("version", "v1")]),
            ..Default::default()
        };
        assert!(sel.matches(&labels(&[("app", "reviews"), ("version", "v1"), ("extra", "y")])));
        assert!(!sel.matches(&labels(&[("app", "reviews")])));
        assert!(!sel.matches(&labels(&[("app", "reviews"), ("version", "v2")])));
    }

    #[test]
    fn operators_follow_kubernetes_semantics() {
        // k8s.io/apimachinery pkg/labels selector_test.go: TestRequirementMatches.
        let l = labels(&[("app", "reviews"), ("version", "v2")]);
        let none = labels(&[]);
        let cases: &[(LabelSelectorRequirement, bool, bool)] = &[
            // (requirement, matches l, matches an object without labels)
            (req("version", "In", &["v1", "v2"]), true, false),
            (req("version", "In", &["v1"]), false, false),
            (req("version", "NotIn", &["v1"]), true, true),
            (req("version", "NotIn", &["v2", "v3"]), false, true),
            (req("app", "Exists", &[]), true, false),
            (req("zone", "Exists", &[]), false, false),
            (req("zone", "DoesNotExist", &[]), true, true),
            (req("app", "DoesNotExist", &[]), false, true),
        ];
        for (r, on_l, on_none) in cases {
            assert_eq!(r.matches(&l), *on_l, "{r:?} on {l:?}");
            assert_eq!(r.matches(&none), *on_none, "{r:?} on no labels");
        }
    }

    #[test]
    fn malformed_requirements_match_nothing() {
        let l = labels(&[("app", "reviews")]);
        for r in
            [req("app", "Equals", &["reviews"]), req("app", "In", &[]), req("app", "Exists", &["reviews"])]
        {
            assert!(!r.is_well_formed(), "{r:?}");
            assert!(!exprs(vec![r]).matches(&l));
        }
    }

    #[test]
    fn labels_and_expressions_are_anded() {
        let sel = LabelSelector {
            match_labels: labels(&[("app", "reviews")]),
            match_expressions: vec![req("version", "In", &["v2", "v3"])],
        };
        assert!(sel.matches(&labels(&[("app", "reviews"), ("version", "v3")])));
        assert!(!sel.matches(&labels(&[("app", "ratings"), ("version", "v3")])));
        assert!(!sel.matches(&labels(&[("app", "reviews"), ("version", "v1")])));
    }

    #[test]
    fn round_trips_the_wire_form() {
        let yaml = "matchLabels:\n  app: reviews\nmatchExpressions:\n- key: version\n  operator: In\n  values: [v1, v2]\n";
        let sel: LabelSelector = serde_yaml_ng::from_str(yaml).unwrap();
        let json = serde_json::to_value(&sel).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"matchLabels": {"app": "reviews"},
                "matchExpressions": [{"key": "version", "operator": "In", "values": ["v1", "v2"]}]})
        );
        assert_eq!(serde_json::from_value::<LabelSelector>(json).unwrap(), sel);
        assert_eq!(serde_json::to_string(&LabelSelector::default()).unwrap(), "{}");
    }
}
