//! Validation of [`AuthorizationPolicy`](crate::security::AuthorizationPolicy), as Istio's admission webhook performs it.
//!
//! Follows istio/istio `pkg/config/validation/validation.go` (`ValidateAuthorizationPolicy`,
//! the `istio.io/dry-run` annotation check of `validateMetadata`) and the value checks of
//! `pkg/config/security/security.go`, plus the few limits only the CRD schema enforces
//! (`maxItems` of `rules` and `from`), which the API server applies before the webhook.
//! The selector and target-reference checks it shares with RequestAuthentication live in
//! [`super::common::target_ref`].

use crate::security::{AuthorizationPolicy, AuthorizationPolicyAction, Condition, Operation, Source};

use super::common::ip::validate_ip_or_cidr;
use super::common::target_ref::validate_security_attachment;
use super::{DRY_RUN, Path, Report};

/// The most `rules` (and `from` entries per rule) the CRD schema admits.
const MAX_RULES: usize = 512;

/// Checks a AuthorizationPolicy; diagnostics go to `report`.
pub(crate) fn validate(r: &AuthorizationPolicy, report: &mut Report) {
    let root = Path::Root;
    let spec = root.field("spec");
    let s = &r.spec;
    let action = s.action();

    // validateMetadata: a bad dry-run annotation rejects the policy before the spec is read.
    if let Some(v) = r.metadata.annotations.get(DRY_RUN) {
        let metadata = root.field("metadata");
        let annotations = metadata.field("annotations");
        let at = annotations.key(DRY_RUN);
        match action {
            AuthorizationPolicyAction::Allow | AuthorizationPolicyAction::Deny => {
                if parse_go_bool(v).is_none() {
                    report.error(
                        &at,
                        format!("annotation {DRY_RUN} has invalid value {v:?}: must be a boolean such as \"true\" or \"false\""),
                    );
                    return;
                }
            }
            other => {
                report.error(
                    &at,
                    format!(
                        "annotation {DRY_RUN} currently only supports action ALLOW/DENY, found action {}",
                        action_name(other)
                    ),
                );
                return;
            }
        }
    }

    validate_security_attachment(s.selector.as_ref(), s.target_ref.as_ref(), &s.target_refs, &spec, report);

    let rules = spec.field("rules");
    if s.rules.len() > MAX_RULES {
        report.error(
            &rules,
            format!("{} rules is more than the {MAX_RULES} the CRD schema allows", s.rules.len()),
        );
    }

    let provider = spec.field("provider");
    if action == AuthorizationPolicyAction::Custom {
        if s.rules.is_empty() {
            report.error(
                &rules,
                "CUSTOM action without rules is meaningless as it will never be triggered; add an empty rule `{}` to trigger it for every request",
            );
        } else {
            match &s.provider {
                None => report.error(&provider, "a CUSTOM action needs `provider.name`"),
                Some(p) if p.name.as_deref().unwrap_or("").is_empty() => {
                    report.error(&provider.field("name"), "`provider.name` must not be empty")
                }
                Some(_) => {}
            }
        }
        for (i, rule) in s.rules.iter().enumerate() {
            let rule_at = rules.index(i);
            let from = rule_at.field("from");
            for (j, f) in rule.from.iter().enumerate() {
                let Some(src) = &f.source else { continue };
                let from_j = from.index(j);
                let source = from_j.field("source");
                for (name, values) in [
                    ("namespaces", &src.namespaces),
                    ("notNamespaces", &src.not_namespaces),
                    ("serviceAccounts", &src.service_accounts),
                    ("notServiceAccounts", &src.not_service_accounts),
                    ("trustDomains", &src.trust_domains),
                    ("notTrustDomains", &src.not_trust_domains),
                    ("principals", &src.principals),
                    ("notPrincipals", &src.not_principals),
                    ("requestPrincipals", &src.request_principals),
                    ("notRequestPrincipals", &src.not_request_principals),
                ] {
                    if !values.is_empty() {
                        report.error(
                            &source.field(name),
                            format!("from.source.{name} is currently not supported with the CUSTOM action"),
                        );
                    }
                }
            }
            let when = rule_at.field("when");
            for (k, c) in rule.when.iter().enumerate() {
                let key = &c.key;
                if matches!(
                    key.as_str(),
                    "source.namespace" | "source.serviceAccount" | "source.trustDomain" | "source.principal"
                ) || key.starts_with("request.auth.")
                {
                    let when_k = when.index(k);
                    report.error(
                        &when_k.field("key"),
                        format!("condition key {key:?} is currently not supported with the CUSTOM action"),
                    );
                }
            }
        }
    }
    if s.provider.is_some() && action != AuthorizationPolicyAction::Custom {
        report.error(
            &provider,
            format!(
                "`provider` may only be set with the CUSTOM action, found action {}",
                action_name(action)
            ),
        );
    }
    if action == AuthorizationPolicyAction::Deny && s.rules.is_empty() {
        report.error(
            &rules,
            "DENY action without rules is meaningless as it will never be triggered; add an empty rule `{}` to trigger it for every request",
        );
    }

    for (i, rule) in s.rules.iter().enumerate() {
        let rule_at = rules.index(i);
        let mut tcp_in_from = false;
        let mut tcp_in_to = false;
        let mut from_exists = false;
        let mut to_exists = false;

        let from = rule_at.field("from");
        if rule.from.len() > MAX_RULES {
            report.error(
                &from,
                format!(
                    "{} from entries is more than the {MAX_RULES} the CRD schema allows",
                    rule.from.len()
                ),
            );
        }
        for (j, f) in rule.from.iter().enumerate() {
            let from_j = from.index(j);
            let source = from_j.field("source");
            match &f.source {
                None => report.error(&source, "`from.source` must be set"),
                Some(src) => {
                    from_exists = true;
                    validate_source(src, &source, report);
                    tcp_in_from |= !(src.not_principals.is_empty()
                        && src.principals.is_empty()
                        && src.ip_blocks.is_empty()
                        && src.not_ip_blocks.is_empty()
                        && src.namespaces.is_empty()
                        && src.not_namespaces.is_empty()
                        && src.remote_ip_blocks.is_empty()
                        && src.not_remote_ip_blocks.is_empty()
                        && src.service_accounts.is_empty()
                        && src.not_service_accounts.is_empty());
                }
            }
        }

        let to = rule_at.field("to");
        for (j, t) in rule.to.iter().enumerate() {
            let to_j = to.index(j);
            let operation = to_j.field("operation");
            match &t.operation {
                None => report.error(&operation, "`to.operation` must be set"),
                Some(op) => {
                    to_exists = true;
                    validate_operation(op, &operation, report);
                    tcp_in_to |= !(op.ports.is_empty() && op.not_ports.is_empty());
                }
            }
        }

        let when = rule_at.field("when");
        for (k, c) in rule.when.iter().enumerate() {
            let when_k = when.index(k);
            validate_condition(c, &when_k, report);
        }

        if ((from_exists && !to_exists && !tcp_in_from) || (to_exists && !tcp_in_to))
            && action == AuthorizationPolicyAction::Deny
        {
            report.warning(
                &rule_at,
                "this DENY rule uses only HTTP attributes, so the policy will deny all traffic to TCP ports under its scope; it is recommended to explicitly specify the port",
            );
        }
    }
}

/// Istio's name of an action.
fn action_name(a: AuthorizationPolicyAction) -> &'static str {
    match a {
        AuthorizationPolicyAction::Allow => "ALLOW",
        AuthorizationPolicyAction::Deny => "DENY",
        AuthorizationPolicyAction::Audit => "AUDIT",
        AuthorizationPolicyAction::Custom => "CUSTOM",
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn validate_source(src: &Source, at: &Path<'_>, report: &mut Report) {
    if (!src.principals.is_empty()
        || !src.not_principals.is_empty()
        || !src.namespaces.is_empty()
        || !src.not_namespaces.is_empty())
        && (!src.service_accounts.is_empty() || !src.not_service_accounts.is_empty())
    {
        let field = if src.service_accounts.is_empty() { "notServiceAccounts" } else { "serviceAccounts" };
        report.error(&at.field(field), "cannot set serviceAccounts with namespaces or principals");
    }
    let lists: [(&str, &Vec<String>); 14] = [
        ("principals", &src.principals),
        ("notPrincipals", &src.not_principals),
        ("requestPrincipals", &src.request_principals),
        ("notRequestPrincipals", &src.not_request_principals),
        ("namespaces", &src.namespaces),
        ("notNamespaces", &src.not_namespaces),
        ("serviceAccounts", &src.service_accounts),
        ("notServiceAccounts", &src.not_service_accounts),
        ("ipBlocks", &src.ip_blocks),
        ("notIpBlocks", &src.not_ip_blocks),
        ("remoteIpBlocks", &src.remote_ip_blocks),
        ("notRemoteIpBlocks", &src.not_remote_ip_blocks),
        ("trustDomains", &src.trust_domains),
        ("notTrustDomains", &src.not_trust_domains),
    ];
    if lists.iter().all(|(_, v)| v.is_empty()) {
        report.error(at, "`from.source` must not be empty");
        return;
    }
    for (name, values) in lists {
        let field = at.field(name);
        match name {
            "ipBlocks" | "notIpBlocks" | "remoteIpBlocks" | "notRemoteIpBlocks" => {
                for (k, v) in values.iter().enumerate() {
                    let item = field.index(k);
                    if v.is_empty() {
                        report.error(&item, format!("empty value not allowed in {name}"));
                    } else if let Err(e) = validate_ip_or_cidr(v) {
                        report.error(&item, e);
                    }
                }
            }
            "serviceAccounts" | "notServiceAccounts" => {
                if let Err((k, e)) = check_service_accounts(name, values) {
                    match k {
                        Some(k) => report.error(&field.index(k), e),
                        None => report.error(&field, e),
                    }
                }
            }
            "trustDomains" | "notTrustDomains" => {
                if let Err((k, e)) = check_trust_domains(name, values) {
                    report.error(&field.index(k), e);
                }
            }
            _ => {
                if let Some(k) = values.iter().position(|v| v.is_empty()) {
                    report.error(&field.index(k), format!("empty value not allowed in {name}"));
                }
            }
        }
    }
}

fn validate_operation(op: &Operation, at: &Path<'_>, report: &mut Report) {
    let lists: [(&str, &Vec<String>); 8] = [
        ("hosts", &op.hosts),
        ("notHosts", &op.not_hosts),
        ("ports", &op.ports),
        ("notPorts", &op.not_ports),
        ("methods", &op.methods),
        ("notMethods", &op.not_methods),
        ("paths", &op.paths),
        ("notPaths", &op.not_paths),
    ];
    if lists.iter().all(|(_, v)| v.is_empty()) {
        report.error(at, "`to.operation` must not be empty");
        return;
    }
    for (name, values) in lists {
        let field = at.field(name);
        match name {
            "ports" | "notPorts" => {
                for (k, v) in values.iter().enumerate() {
                    let item = field.index(k);
                    if v.is_empty() {
                        report.error(&item, format!("empty value not allowed in {name}"));
                    } else if let Err(e) = validate_port_string(v) {
                        report.error(&item, e);
                    }
                }
            }
            _ => {
                if let Some(k) = values.iter().position(|v| v.is_empty()) {
                    report.error(&field.index(k), format!("empty value not allowed in {name}"));
                } else if matches!(name, "paths" | "notPaths")
                    && let Some((k, e)) = values
                        .iter()
                        .enumerate()
                        .find_map(|(k, p)| check_path_template(p).err().map(|e| (k, e)))
                {
                    report.error(&field.index(k), e);
                }
            }
        }
    }
}

fn validate_condition(c: &Condition, at: &Path<'_>, report: &mut Report) {
    let key = c.key.as_str();
    let key_at = at.field("key");
    if key.is_empty() {
        report.error(&key_at, "`key` must not be empty");
        return;
    }
    if c.values.is_empty() && c.not_values.is_empty() {
        report.error(
            &at.field("values"),
            format!("at least one of `values` or `notValues` must be set for key {key}"),
        );
        return;
    }
    let attr = match attribute_kind(key) {
        Ok(a) => a,
        Err(e) => {
            report.error(&key_at, e);
            return;
        }
    };
    for (name, values) in [("values", &c.values), ("notValues", &c.not_values)] {
        let field = at.field(name);
        if let Some(k) = values.iter().position(|v| v.is_empty()) {
            report.error(&field.index(k), format!("empty value not allowed for key {key}"));
            continue;
        }
        match attr {
            Attribute::Ip => {
                for (k, v) in values.iter().enumerate() {
                    if let Err(e) = validate_ip_or_cidr(v) {
                        report.error(&field.index(k), format!("invalid value for key {key}: {e}"));
                    }
                }
            }
            Attribute::Port => {
                for (k, v) in values.iter().enumerate() {
                    if let Err(e) = validate_port_string(v) {
                        report.error(&field.index(k), format!("invalid value for key {key}: {e}"));
                    }
                }
            }
            Attribute::ServiceAccount => {
                if let Err((k, e)) = check_service_accounts(key, values) {
                    match k {
                        Some(k) => report.error(&field.index(k), e),
                        None => report.error(&field, e),
                    }
                }
            }
            Attribute::Wildcard => {
                if let Err((k, e)) = check_wildcard_values(key, values) {
                    report.error(&field.index(k), e);
                }
            }
            Attribute::Any => {}
        }
    }
}

/// How the values of a condition key are checked.
#[derive(Clone, Copy)]
enum Attribute {
    /// Free-form values.
    Any,
    /// IPs or CIDR ranges.
    Ip,
    /// Port numbers.
    Port,
    /// `sa` or `ns/sa`.
    ServiceAccount,
    /// Wildcard only at an end.
    Wildcard,
}

/// The attribute behind a condition key (istio/istio `security.ValidateAttribute`).
fn attribute_kind(key: &str) -> Result<Attribute, String> {
    let map_key = |key: &str| -> Result<Attribute, String> {
        let ok = key.ends_with(']') && key.find('[').is_some_and(|open| open > 0 && open + 2 < key.len());
        if ok { Ok(Attribute::Any) } else { Err(format!("bad key {key:?}: should have format a[b]")) }
    };
    if key.starts_with("request.headers") {
        return map_key(key);
    }
    match key {
        "source.ip" | "remote.ip" | "destination.ip" => Ok(Attribute::Ip),
        "destination.port" => Ok(Attribute::Port),
        "source.serviceAccount" => Ok(Attribute::ServiceAccount),
        "source.trustDomain" => Ok(Attribute::Wildcard),
        "source.namespace"
        | "source.principal"
        | "request.auth.principal"
        | "request.auth.audiences"
        | "request.auth.presenter"
        | "connection.sni" => Ok(Attribute::Any),
        _ if key.starts_with("request.auth.claims") => map_key(key),
        _ if key.starts_with("experimental.envoy.filters.") => map_key(key),
        "destination.namespace" => Err(format!("attribute {key} is replaced by the metadata.namespace")),
        _ if key.starts_with("destination.labels") => {
            Err(format!("attribute {key} is replaced by the workload selector"))
        }
        "destination.name" | "destination.user" => {
            Err(format!("deprecated attribute {key}: only supported in v1alpha1"))
        }
        _ => Err(format!("unknown attribute: {key}")),
    }
}

/// A port in `ports`/`notPorts` or a `destination.port` value: decimal, at most 65535.
fn validate_port_string(v: &str) -> Result<(), String> {
    match v.parse::<u64>() {
        Ok(p) if v.bytes().all(|c| c.is_ascii_digit()) && p <= 65535 => Ok(()),
        _ => Err(format!("bad port ({v}): must be a decimal number in 0..65535")),
    }
}

/// istio/istio `security.CheckServiceAccount`: at most 16 values, each `sa` or `ns/sa`,
/// non-empty, without `*`, at most 320 characters. The error carries the offending index.
fn check_service_accounts(name: &str, values: &[String]) -> Result<(), (Option<usize>, String)> {
    if values.len() > 16 {
        return Err((None, format!("{name} may not have more than 16 values, found {}", values.len())));
    }
    for (k, v) in values.iter().enumerate() {
        let err = |m: String| Err((Some(k), m));
        if v.is_empty() {
            return err(format!("empty value not allowed in {name}"));
        }
        if v.contains('*') {
            return err(format!("wildcard not allowed in {name}, found {v:?}"));
        }
        if v.matches('/').count() > 1 {
            return err(format!(
                "expected format 'serviceAccount' or 'namespace/serviceAccount', found {v:?} in {name}"
            ));
        }
        if v.len() > 320 {
            return err(format!("value cannot exceed 320 characters, found {v:?} in {name}"));
        }
        if let Some((ns, sa)) = v.split_once('/') {
            if ns.is_empty() {
                return err(format!(
                    "expected format 'serviceAccount' or 'namespace/serviceAccount', found empty namespace {v:?} in {name}"
                ));
            }
            if sa.is_empty() {
                return err(format!(
                    "expected format 'serviceAccount' or 'namespace/serviceAccount', found empty serviceAccount {v:?} in {name}"
                ));
            }
        }
    }
    Ok(())
}

/// istio/istio `security.CheckWildcardValues`: non-empty, at most one `*`, only at an end.
fn check_wildcard_values(name: &str, values: &[String]) -> Result<(), (usize, String)> {
    for (k, v) in values.iter().enumerate() {
        if v.is_empty() {
            return Err((k, format!("empty value not allowed in {name}")));
        }
        let count = v.matches('*').count();
        if count > 1 {
            return Err((k, format!("at most one wildcard is allowed, found in {name}: {v:?}")));
        }
        if count == 1 && v != "*" && !v.starts_with('*') && !v.ends_with('*') {
            return Err((k, format!("wildcard is only allowed at the start or end, found in {name}: {v:?}")));
        }
    }
    Ok(())
}

/// istio/istio `security.CheckTrustDomainValues`: wildcard values without `/`.
fn check_trust_domains(name: &str, values: &[String]) -> Result<(), (usize, String)> {
    check_wildcard_values(name, values)?;
    match values.iter().position(|v| v.contains('/')) {
        Some(k) => Err((k, format!("trust domain must not contain '/', found in {name}: {:?}", values[k]))),
        None => Ok(()),
    }
}

/// istio/istio `security.CheckValidPathTemplate`: `{*}` and `{**}` as whole segments, `{**}`
/// last, and, in a templated path, every other segment a non-empty run of RFC 3986 pchars.
fn check_path_template(path: &str) -> Result<(), String> {
    let templated = path.contains("{*}") || path.contains("{**}");
    let trimmed = path.trim_matches('/');
    let mut seen_any = false;
    for glob in trimmed.split('/') {
        if glob == "{*}" && !seen_any {
            continue;
        }
        if glob == "{**}" && !seen_any {
            seen_any = true;
            continue;
        }
        if (glob == "{**}" || glob == "{*}") && seen_any {
            return Err(format!("invalid or unsupported path {path:?}: {{**}} is not the last operator"));
        }
        if glob.contains(['{', '}']) {
            return Err(format!(
                "invalid or unsupported path {path:?}: contains '{{' or '}}' beyond a supported path template"
            ));
        }
        let literal = !glob.is_empty()
            && glob.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._~%!$&'()+,;:@=".contains(&c));
        if templated && !literal {
            return Err(format!(
                "invalid or unsupported path {path:?}: segment {glob:?} is not a valid string literal"
            ));
        }
    }
    Ok(())
}
