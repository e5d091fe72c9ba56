//! `exportTo`: the namespaces a VirtualService, DestinationRule or ServiceEntry is visible in
//! (istio/istio `validateExportTo`).

use std::collections::BTreeSet;

use super::dns::is_dns1123_label;
use crate::validate::{Path, Report};

/// The kind whose `exportTo` is checked. Upstream's rule takes the kind into account: a
/// ServiceEntry may be exported to no one (`~`), and a DestinationRule with a workload
/// selector only to its own namespace. Each validator also keeps its wording for an invalid
/// entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportToOwner {
    /// A VirtualService.
    VirtualService,
    /// A DestinationRule, with or without a `workloadSelector`.
    DestinationRule {
        /// Whether the rule has a `workloadSelector`.
        has_workload_selector: bool,
    },
    /// A ServiceEntry (`~` allowed, alone).
    ServiceEntry,
}

impl ExportToOwner {
    /// The message for an entry that is not `.`, `*`, (`~`) or a DNS-1123 label; `key` is the
    /// entry with `.` replaced by the namespace.
    fn invalid_entry(self, entry: &str, key: &str) -> String {
        match self {
            ExportToOwner::VirtualService => {
                "only .,*, or a valid DNS 1123 label is allowed as exportTo entry".to_string()
            }
            ExportToOwner::DestinationRule { .. } => {
                format!("exportTo entry {key:?} is invalid: only ., *, or a valid DNS 1123 label is allowed")
            }
            ExportToOwner::ServiceEntry => {
                format!("exportTo entry {entry:?} must be ., *, ~ or a valid DNS-1123 label")
            }
        }
    }
}

/// istio/istio `validateExportTo`: no duplicates (`.` counts as `namespace`), each entry `.`,
/// `*` or a DNS-1123 label (`~` for a ServiceEntry), `*` and `~` alone, and a DestinationRule
/// with a workload selector exported to its own namespace only. `namespace` is the resource's
/// namespace when known (the webhook always knows it); when `None`, `.` stands for itself.
pub(crate) fn validate_export_to(
    namespace: Option<&str>,
    export_to: &[String],
    owner: ExportToOwner,
    at: &Path<'_>,
    report: &mut Report,
) {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (i, e) in export_to.iter().enumerate() {
        let p = at.index(i);
        let key = if e == "." { namespace.unwrap_or(".") } else { e.as_str() };
        if seen.contains(key) {
            if key != e {
                report.error(&p, format!("duplicate entries in exportTo: . and current namespace {key}"));
            } else {
                report.error(&p, format!("duplicate entries in exportTo for entry {e}"));
            }
            continue;
        }
        let service_entry = owner == ExportToOwner::ServiceEntry;
        match key {
            "." | "*" => {}
            // `~` (export to no one) is allowed for ServiceEntries only.
            "~" if service_entry && e == "~" => {}
            "~" if !service_entry => {
                report.error(&p, "exportTo ~ (none) is not allowed for Istio configuration objects");
                continue;
            }
            k if is_dns1123_label(k) => {}
            _ => {
                report.error(&p, owner.invalid_entry(e, key));
                continue;
            }
        }
        seen.insert(key);
    }
    if let ExportToOwner::DestinationRule { has_workload_selector: true } = owner
        && !seen.is_empty()
    {
        if !seen.contains(namespace.unwrap_or(".")) {
            report.error(
                at,
                "destination rule with workload selector cannot have exportTo beyond current namespace",
            );
        } else if seen.len() > 1 {
            report.error(
                at,
                "destination rule with workload selector cannot have multiple entries in exportTo",
            );
        }
    }
    if seen.contains("*") && export_to.len() > 1 {
        report.error(at, "cannot have both public (*) and non-public exportTo values for a resource");
    }
    if seen.contains("~") && export_to.len() > 1 {
        report.error(at, "cannot export service entry to no one (~) and someone");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(ns: Option<&str>, export_to: &[&str], owner: ExportToOwner) -> Vec<(String, String)> {
        let list: Vec<String> = export_to.iter().map(|s| s.to_string()).collect();
        let mut report = Report::new();
        let root = Path::Root;
        let at = root.field("exportTo");
        validate_export_to(ns, &list, owner, &at, &mut report);
        report.into_diagnostics().into_iter().map(|d| (d.path, d.message)).collect()
    }

    #[test]
    fn none_is_for_service_entries_only() {
        // istio/istio validation_test.go TestValidateServiceEntries / TestValidateExportTo.
        assert!(messages(Some("ns"), &["~"], ExportToOwner::ServiceEntry).is_empty());
        assert_eq!(
            messages(Some("ns"), &["~", "ns2"], ExportToOwner::ServiceEntry),
            [("exportTo".to_string(), "cannot export service entry to no one (~) and someone".to_string())]
        );
        assert_eq!(messages(Some("ns"), &["~"], ExportToOwner::VirtualService)[0].0, "exportTo[0]");
    }

    #[test]
    fn dot_duplicates_the_own_namespace() {
        let d = messages(Some("ns"), &["ns", "."], ExportToOwner::VirtualService);
        assert_eq!(
            d,
            [("exportTo[1]".into(), "duplicate entries in exportTo: . and current namespace ns".into())]
        );
        let d = messages(Some("ns"), &[".", "ns"], ExportToOwner::VirtualService);
        assert_eq!(d, [("exportTo[1]".into(), "duplicate entries in exportTo for entry ns".into())]);
        assert!(messages(None, &[".", "ns"], ExportToOwner::ServiceEntry).is_empty());
    }

    #[test]
    fn selector_destination_rules_stay_home() {
        // istio/istio validation_test.go TestValidateExportTo: isDestinationRuleWithSelector.
        let owner = ExportToOwner::DestinationRule { has_workload_selector: true };
        assert!(messages(Some("ns"), &["."], owner).is_empty());
        assert!(messages(Some("ns"), &["ns"], owner).is_empty());
        assert_eq!(messages(Some("ns"), &["other"], owner).len(), 1);
        assert_eq!(messages(Some("ns"), &[".", "other"], owner).len(), 1);
        assert_eq!(messages(Some("ns"), &["*"], owner).len(), 1);
        let plain = ExportToOwner::DestinationRule { has_workload_selector: false };
        assert!(messages(Some("ns"), &["other"], plain).is_empty());
    }
}
