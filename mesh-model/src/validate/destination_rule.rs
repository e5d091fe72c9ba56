//! Validation of [`DestinationRule`](crate::networking::DestinationRule), as Istio's admission webhook performs it.
//!
//! Ports istio/istio `pkg/config/validation/validation.go` `ValidateDestinationRule` and what it
//! calls (`validateTrafficPolicy`, `validateConnectionPool`, `validateLoadBalancer`,
//! `validateOutlierDetection`, `validateExportTo`, `validateWorkloadSelector`) and, from
//! `pkg/config/validation/agent`, `ValidateTLS`, `ValidateLocalityLbSetting` and
//! `ValidateZoneAwareLbSetting`. Early returns in Istio's code are kept, so a resource gets
//! the errors Istio would report, each at the most specific field.

use std::collections::{BTreeMap, BTreeSet};

use crate::networking::{
    ClientTlsMode, ClientTlsSettings, ConnectionPoolSettings, DestinationRule, HashKey, LbPolicy,
    LoadBalancerSettings, LocalityFailover, LocalityLoadBalancerSetting, OutlierDetection, PortTrafficPolicy,
    Subset, TrafficPolicy, TunnelSettings, ZoneAwareLoadBalancerSetting,
};

use super::common::connection_pool::{PoolWording, validate_connection_pool};
use super::common::dns::{is_dns1123_label, validate_fqdn, validate_wildcard_domain};
use super::common::export_to::{ExportToOwner, validate_export_to};
use super::common::ip::parse_go_net_ip;
use super::common::labels::{check_tag_key, is_tag_value};
use super::common::non_empty;
use super::common::ports::validate_port;
use super::common::selector::{LabelValueLimit, validate_workload_selector};
use super::common::values::check_duration;
use super::{Path, Report};

/// Kubernetes topology label for the region.
const LABEL_TOPOLOGY_REGION: &str = "topology.kubernetes.io/region";
/// Kubernetes topology label for the zone.
const LABEL_TOPOLOGY_ZONE: &str = "topology.kubernetes.io/zone";
/// Istio topology label for the subzone.
const LABEL_TOPOLOGY_SUBZONE: &str = "topology.istio.io/subzone";

/// Checks a DestinationRule; diagnostics go to `report`.
pub(crate) fn validate(r: &DestinationRule, report: &mut Report) {
    let ns = r.metadata.namespace.as_deref().filter(|n| !n.is_empty());
    let spec = &r.spec;
    let root = Path::Root;
    let sp = root.field("spec");

    let host = sp.field("host");
    if let Err(e) = validate_wildcard_domain(&spec.host) {
        report.error(&host, format!("invalid host {:?}: {e}", spec.host));
    }

    if let Some(tp) = &spec.traffic_policy {
        let p = sp.field("trafficPolicy");
        validate_traffic_policy(ns, tp, &p, report);
    }

    let subsets = sp.field("subsets");
    let mut seen = BTreeSet::new();
    for (i, subset) in spec.subsets.iter().enumerate() {
        let sp_i = subsets.index(i);
        if !seen.insert(subset.name.as_str()) {
            let name = sp_i.field("name");
            report.error(&name, format!("duplicate subset names: {:?}", subset.name));
        }
        validate_subset(ns, subset, &sp_i, report);
    }

    let export_to = sp.field("exportTo");
    let owner = ExportToOwner::DestinationRule { has_workload_selector: spec.workload_selector.is_some() };
    validate_export_to(ns, &spec.export_to, owner, &export_to, report);

    let selector = sp.field("workloadSelector");
    validate_workload_selector(
        spec.workload_selector.as_ref(),
        &selector,
        LabelValueLimit::Unchecked,
        report,
    );
}

/// `validateSubset`: name, labels and traffic policy.
fn validate_subset(ns: Option<&str>, subset: &Subset, at: &Path<'_>, report: &mut Report) {
    let name = at.field("name");
    if subset.name.is_empty() {
        report.error(&name, "subset name cannot be empty");
    } else if !is_dns1123_label(&subset.name) {
        report.error(&name, format!("subset name {:?} is invalid: it must be a DNS-1123 label", subset.name));
    }
    let labels = at.field("labels");
    for (k, v) in &subset.labels {
        let p = labels.key(k);
        if let Err(e) = check_tag_key(k) {
            report.error(&p, format!("invalid tag key: {k:?}{}", e.detail()));
        }
        if !is_tag_value(v) {
            report.error(&p, format!("invalid tag value {v:?} for key {k:?}"));
        }
    }
    if let Some(tp) = &subset.traffic_policy {
        let p = at.field("trafficPolicy");
        validate_traffic_policy(ns, tp, &p, report);
    }
}

/// `validateTrafficPolicy`.
fn validate_traffic_policy(ns: Option<&str>, tp: &TrafficPolicy, at: &Path<'_>, report: &mut Report) {
    if tp.outlier_detection.is_none()
        && tp.connection_pool.is_none()
        && tp.load_balancer.is_none()
        && tp.tls.is_none()
        && tp.port_level_settings.is_empty()
        && tp.tunnel.is_none()
        && tp.proxy_protocol.is_none()
        && tp.retry_budget.is_none()
    {
        report.error(at, "traffic policy must have at least one field");
        return;
    }
    if tp.tunnel.is_some() && tp.proxy_protocol.is_some() {
        let p = at.field("proxyProtocol");
        report.error(&p, "tunnel and proxyProtocol must not be set together");
        return;
    }
    validate_policy_parts(
        ns,
        tp.outlier_detection.as_ref(),
        tp.connection_pool.as_ref(),
        tp.load_balancer.as_ref(),
        tp.tls.as_ref(),
        at,
        report,
    );
    let pls = at.field("portLevelSettings");
    for (i, pl) in tp.port_level_settings.iter().enumerate() {
        let p = pls.index(i);
        validate_port_traffic_policy(ns, pl, &p, report);
    }
    if let Some(t) = &tp.tunnel {
        let p = at.field("tunnel");
        validate_tunnel(t, &p, report);
    }
    // proxyProtocol: Istio rejects versions other than V1/V2, which cannot decode here.
}

/// The checks a destination-, subset- and port-level policy share.
fn validate_policy_parts(
    ns: Option<&str>,
    outlier: Option<&OutlierDetection>,
    pool: Option<&ConnectionPoolSettings>,
    lb: Option<&LoadBalancerSettings>,
    tls: Option<&ClientTlsSettings>,
    at: &Path<'_>,
    report: &mut Report,
) {
    if let Some(o) = outlier {
        let p = at.field("outlierDetection");
        validate_outlier_detection(o, &p, report);
    }
    if let Some(c) = pool {
        let p = at.field("connectionPool");
        validate_connection_pool(c, PoolWording::DestinationRule, &p, report);
    }
    if let Some(l) = lb {
        let p = at.field("loadBalancer");
        validate_load_balancer(l, outlier, &p, report);
    }
    if let Some(t) = tls {
        let p = at.field("tls");
        validate_tls(ns, t, &p, report);
    }
}

/// `validatePortTrafficPolicies`, for one entry.
fn validate_port_traffic_policy(
    ns: Option<&str>,
    pl: &PortTrafficPolicy,
    at: &Path<'_>,
    report: &mut Report,
) {
    if pl.port.is_none() {
        let p = at.field("port");
        report.error(&p, "portTrafficPolicy must have valid port");
    }
    if pl.outlier_detection.is_none()
        && pl.connection_pool.is_none()
        && pl.load_balancer.is_none()
        && pl.tls.is_none()
    {
        report.error(at, "port traffic policy must have at least one field");
    } else {
        validate_policy_parts(
            ns,
            pl.outlier_detection.as_ref(),
            pl.connection_pool.as_ref(),
            pl.load_balancer.as_ref(),
            pl.tls.as_ref(),
            at,
            report,
        );
    }
}

/// `validateTunnelSettings`.
fn validate_tunnel(t: &TunnelSettings, at: &Path<'_>, report: &mut Report) {
    if let Some(proto) = t.protocol.as_deref()
        && !matches!(proto, "" | "CONNECT" | "POST")
    {
        let p = at.field("protocol");
        report.error(&p, format!("tunnel protocol {proto:?} must be \"CONNECT\" or \"POST\""));
    }
    // Upstream accepts any address `agent.ValidateIPAddress` (Go's netip) takes, IPv6 zones
    // included; this check has always been Go's stricter `net.ParseIP`.
    if let Err(e) = validate_fqdn(&t.target_host)
        && parse_go_net_ip(&t.target_host).is_none()
    {
        let p = at.field("targetHost");
        report.error(
            &p,
            format!("tunnel target host {:?} must be a valid FQDN or IP address: {e}", t.target_host),
        );
    }
    if let Err(e) = validate_port(t.target_port) {
        let p = at.field("targetPort");
        report.error(&p, format!("tunnel target port is invalid: {e}"));
    }
}

/// `ValidatePercent` for an `int32` percentage.
fn check_percent(v: Option<i32>, at: &Path<'_>, report: &mut Report) {
    if let Some(v) = v
        && !(0..=100).contains(&v)
    {
        report.error(at, format!("percentage {v} is not in range 0..100"));
    }
}

/// `validateOutlierDetection`.
fn validate_outlier_detection(o: &OutlierDetection, at: &Path<'_>, report: &mut Report) {
    if let Some(d) = &o.base_ejection_time {
        let p = at.field("baseEjectionTime");
        check_duration(d, &p, report);
    }
    if let Some(n) = o.consecutive_errors
        && n != 0
    {
        let p = at.field("consecutiveErrors");
        report.warning(
            &p,
            "outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or \
             consecutive5xxErrors instead",
        );
    }
    if !o.split_external_local_origin_errors.unwrap_or(false)
        && let Some(n) = o.consecutive_local_origin_failures
        && n > 0
    {
        let p = at.field("consecutiveLocalOriginFailures");
        report.error(
            &p,
            format!(
                "outlier detection consecutive local origin failures ({n}) is specified, but \
                 splitExternalLocalOriginErrors is not true"
            ),
        );
    }
    if let Some(d) = &o.interval {
        let p = at.field("interval");
        check_duration(d, &p, report);
    }
    let p = at.field("maxEjectionPercent");
    check_percent(o.max_ejection_percent, &p, report);
    let p = at.field("minHealthPercent");
    check_percent(o.min_health_percent, &p, report);
}

/// Envoy's primality test for Maglev table sizes (as Istio copies it).
fn is_prime(x: u64) -> bool {
    if x != 0 && x < 4 {
        return true;
    }
    if x & 1 == 0 {
        return false;
    }
    let limit = (x as f64).sqrt() as u64;
    let mut f = 3;
    while f <= limit {
        if x.is_multiple_of(f) {
            return false;
        }
        f += 2;
    }
    true
}

/// `validateLoadBalancer`; `outlier` is the sibling outlier detection, needed for failover.
fn validate_load_balancer(
    lb: &LoadBalancerSettings,
    outlier: Option<&OutlierDetection>,
    at: &Path<'_>,
    report: &mut Report,
) {
    if let Some(LbPolicy::ConsistentHash(ch)) = &lb.lb_policy {
        let cp = at.field("consistentHash");
        if let Some(HashKey::HttpCookie(cookie)) = &ch.hash_key {
            let ckp = cp.field("httpCookie");
            if cookie.name.is_empty() {
                let p = ckp.field("name");
                report.error(&p, "name required for HttpCookie");
            }
            let attrs = ckp.field("attributes");
            let mut names = BTreeSet::new();
            for (i, a) in cookie.attributes.iter().enumerate() {
                let ap = attrs.index(i);
                let p = ap.field("name");
                if a.name.is_empty() {
                    report.error(&p, "cookie attribute name cannot be empty");
                } else if !names.insert(a.name.as_str()) {
                    report.error(&p, format!("duplicate cookie attribute name: {:?}", a.name));
                }
            }
        }
        if let Some(n) = ch.minimum_ring_size
            && n != 0
        {
            let p = cp.field("minimumRingSize");
            report.warning(
                &p,
                "consistent hash minimumRingSize is deprecated, use consistentHash.ringHash.minimumRingSize instead",
            );
            if ch.hash_algorithm.is_some() {
                report.error(&p, "only one of minimumRingSize or maglev/ringHash can be specified");
            }
        }
        if let Some(crate::networking::HashAlgorithm::Maglev(m)) = &ch.hash_algorithm {
            let mp = cp.field("maglev");
            let p = mp.field("tableSize");
            let size = m.table_size.unwrap_or(0);
            if size == 0 {
                report.error(&p, "tableSize must be set for maglev");
            }
            if size >= 5_000_011 {
                report.error(&p, format!("tableSize {size} must be less than 5000011 for maglev"));
            }
            if !is_prime(size) {
                report.error(&p, format!("tableSize {size} must be a prime number for maglev"));
            }
        }
    }

    if lb.locality_lb_setting.is_some() && lb.zone_aware_lb_setting.is_some() {
        let p = at.field("zoneAwareLbSetting");
        report.error(&p, "only one of localityLbSetting and zoneAwareLbSetting can be set");
    }
    if let Some(l) = &lb.locality_lb_setting {
        let p = at.field("localityLbSetting");
        validate_locality_lb_setting(l, outlier, &p, report);
    }
    if let Some(z) = &lb.zone_aware_lb_setting {
        let p = at.field("zoneAwareLbSetting");
        validate_zone_aware_lb_setting(z, outlier, &p, report);
    }

    if let Some(w) = &lb.warmup {
        let wp = at.field("warmup");
        let p = wp.field("duration");
        match &w.duration {
            None => report.error(&p, "duration is required"),
            Some(d) => check_duration(d, &p, report),
        }
        if let Some(m) = w.minimum_percent
            && m > 100.0
        {
            let p = wp.field("minimumPercent");
            report.error(&p, format!("minimumPercent value {m} should be less than or equal to 100"));
        }
        if let Some(a) = w.aggression
            && a <= 0.0
        {
            let p = wp.field("aggression");
            report.error(&p, format!("aggression {a} should be greater than 0"));
        }
    }
}

/// Whether a `failoverPriority` label is a region/zone/subzone topology label.
fn is_topology_label(l: &str) -> bool {
    matches!(l, LABEL_TOPOLOGY_REGION | LABEL_TOPOLOGY_ZONE | LABEL_TOPOLOGY_SUBZONE)
}

/// `ValidateLocalityLbSetting` (pkg/config/validation/agent).
fn validate_locality_lb_setting(
    lb: &LocalityLoadBalancerSetting,
    outlier: Option<&OutlierDetection>,
    at: &Path<'_>,
    report: &mut Report,
) {
    if !lb.distribute.is_empty() && !lb.failover.is_empty() {
        let p = at.field("failover");
        report.error(&p, "can not simultaneously specify 'distribute' and 'failover'");
        return;
    }
    if !lb.failover.is_empty() {
        let fp = at.field("failoverPriority");
        if let Some((i, l)) = lb.failover_priority.iter().enumerate().find(|(_, l)| is_topology_label(l)) {
            let p = fp.index(i);
            report.error(
                &p,
                format!(
                    "can not simultaneously set 'failover' and topology label '{l}' in 'failover_priority'"
                ),
            );
            return;
        }
    }

    let dist = at.field("distribute");
    for (i, d) in lb.distribute.iter().enumerate() {
        let dp = dist.index(i);
        let to = dp.field("to");
        let mut total: u64 = 0;
        for (loc, w) in &d.to {
            if *w == 0 || *w > 100 {
                let p = to.key(loc);
                report.error(&p, format!("locality weight {w} must be in range [1, 100]"));
                return;
            }
            total += u64::from(*w);
        }
        if total != 100 {
            report.error(&to, format!("total locality weight {total} != 100"));
            return;
        }
        if let Err((k, e)) = validate_localities(d.to.keys().map(String::as_str)) {
            let key = d.to.keys().nth(k).map(String::as_str).unwrap_or("");
            let p = to.key(key);
            report.error(&p, e);
        }
    }
    if let Err((i, e)) = validate_localities(lb.distribute.iter().map(|d| d.from.as_deref().unwrap_or(""))) {
        let dp = dist.index(i);
        let p = dp.field("from");
        report.error(&p, e);
    }

    if (!lb.failover.is_empty() || !lb.failover_priority.is_empty()) && outlier.is_none() {
        report.warning(at, "outlier detection policy must be provided for failover");
    }
    validate_failovers(&lb.failover, "locality lb failover", &at.field("failover"), report);
}

/// The per-entry failover checks of the locality and zone-aware settings.
fn validate_failovers(failover: &[LocalityFailover], what: &str, at: &Path<'_>, report: &mut Report) {
    for (i, f) in failover.iter().enumerate() {
        let fp = at.index(i);
        let from = f.from.as_deref().unwrap_or("");
        let to = f.to.as_deref().unwrap_or("");
        if from == to {
            let p = fp.field("to");
            report.error(&p, format!("{what} settings must specify different regions (both {from:?})"));
        }
        if from.contains('/') || to.contains('/') {
            let p = fp.field(if from.contains('/') { "from" } else { "to" });
            report.error(
                &p,
                format!(
                    "{what} only specifies a region, not {:?}",
                    if from.contains('/') { from } else { to }
                ),
            );
        }
        if from.contains('*') || to.contains('*') {
            let p = fp.field(if from.contains('*') { "from" } else { "to" });
            report.error(&p, format!("{what} region should not contain '*' wildcard"));
        }
    }
}

/// `ValidateZoneAwareLbSetting` (pkg/config/validation/agent).
fn validate_zone_aware_lb_setting(
    lb: &ZoneAwareLoadBalancerSetting,
    outlier: Option<&OutlierDetection>,
    at: &Path<'_>,
    report: &mut Report,
) {
    let fp = at.field("failoverPriority");
    for (i, l) in lb.failover_priority.iter().enumerate() {
        if is_topology_label(l) {
            let p = fp.index(i);
            report.error(
                &p,
                format!(
                    "'failover_priority' for zone aware lb must not use topology label '{l}'; region- and \
                     zone-level routing are handled automatically"
                ),
            );
        }
    }
    if (!lb.failover.is_empty() || !lb.failover_priority.is_empty()) && outlier.is_none() {
        report.warning(at, "outlier detection policy must be provided for failover");
    }
    validate_failovers(&lb.failover, "zone aware lb failover", &at.field("failover"), report);
}

/// `validateLocalities`: wildcards only as the last segment, no empty segments, no overlap.
/// On failure, the index of the offending locality and the message.
fn validate_localities<'a>(localities: impl Iterator<Item = &'a str>) -> Result<(), (usize, String)> {
    // region -> zone -> subzones; "*" marks "everything below".
    let mut map: BTreeMap<&str, BTreeMap<&str, BTreeSet<&str>>> = BTreeMap::new();
    for (i, loc) in localities.enumerate() {
        let overlap = || Err((i, format!("locality {loc} overlap with previous specified ones")));
        let stars = loc.matches('*').count();
        if stars > 0 && (stars > 1 || !loc.ends_with('*')) {
            return Err((
                i,
                format!("locality {loc} wildcard '*' number can not exceed 1 and must be in the end"),
            ));
        }
        if map.contains_key("*") {
            return overlap();
        }
        let items: Vec<&str> = loc.splitn(3, '/').collect();
        if items.iter().any(|s| s.is_empty()) {
            return Err((i, format!("locality {loc} must not contain empty region/zone/subzone info")));
        }
        let region = items[0];
        match items.len() {
            1 => {
                if map.contains_key(region) {
                    return overlap();
                }
                map.insert(region, BTreeMap::from([("*", BTreeSet::from(["*"]))]));
            }
            2 => {
                let zone = items[1];
                match map.get_mut(region) {
                    Some(zones) => {
                        if zones.contains_key("*") || zones.contains_key(zone) {
                            return overlap();
                        }
                        zones.insert(zone, BTreeSet::from(["*"]));
                    }
                    None => {
                        map.insert(region, BTreeMap::from([(zone, BTreeSet::from(["*"]))]));
                    }
                }
            }
            _ => {
                let (zone, sub) = (items[1], items[2]);
                match map.get_mut(region) {
                    Some(zones) => {
                        if zones.contains_key("*") {
                            return overlap();
                        }
                        match zones.get_mut(zone) {
                            Some(subs) => {
                                if subs.contains("*") || subs.contains(sub) {
                                    return overlap();
                                }
                                subs.insert(sub);
                            }
                            None => {
                                zones.insert(zone, BTreeSet::from([sub]));
                            }
                        }
                    }
                    None => {
                        map.insert(region, BTreeMap::from([(zone, BTreeSet::from([sub]))]));
                    }
                }
            }
        }
    }
    Ok(())
}

/// `ValidateTLS` (pkg/config/validation/agent) for upstream TLS settings.
fn validate_tls(ns: Option<&str>, tls: &ClientTlsSettings, at: &Path<'_>, report: &mut Report) {
    let credential = tls.credential_name.as_deref().unwrap_or("");
    let mode = tls.mode.unwrap_or_default();

    if let Some(rest) = credential.strip_prefix("configmap://") {
        let p = at.field("credentialName");
        let mut parts = rest.split('/');
        let (cm_ns, cm_name) = (parts.next().unwrap_or(""), parts.next());
        match cm_name {
            None => report.error(
                &p,
                format!("invalid configmap:// credentialName {credential:?}: expected namespace and name"),
            ),
            Some(_) if cm_ns.is_empty() => report
                .error(&p, format!("invalid configmap:// credentialName {credential:?}: expected namespace")),
            Some("") => {
                report.error(&p, format!("invalid configmap:// credentialName {credential:?}: expected name"))
            }
            Some(_) => {
                // The webhook knows the namespace; without one the comparison cannot be made.
                if let Some(ns) = ns
                    && ns != cm_ns
                {
                    report.error(
                        &p,
                        format!(
                            "invalid configmap:// credentialName {credential:?}: namespace must match the \
                             configuration namespace {ns:?}"
                        ),
                    );
                }
            }
        }
    }

    if tls.insecure_skip_verify == Some(true) {
        let first = |fields: &[(&'static str, bool)]| fields.iter().find(|(_, s)| *s).map(|(f, _)| *f);
        let sans = !tls.subject_alt_names.is_empty();
        if mode == ClientTlsMode::Simple
            && let Some(f) = first(&[
                ("caCertificates", non_empty(&tls.ca_certificates)),
                ("credentialName", !credential.is_empty()),
                ("subjectAltNames", sans),
            ])
        {
            let p = at.field(f);
            report.error(
                &p,
                "cannot specify caCertificates or credentialName or subjectAltNames when insecureSkipVerify is set true",
            );
        }
        if mode == ClientTlsMode::Mutual
            && let Some(f) =
                first(&[("caCertificates", non_empty(&tls.ca_certificates)), ("subjectAltNames", sans)])
        {
            let p = at.field(f);
            report.error(
                &p,
                "cannot specify caCertificates or subjectAltNames when insecureSkipVerify is set true",
            );
        }
    }

    if matches!(mode, ClientTlsMode::Simple | ClientTlsMode::Mutual) && !credential.is_empty() {
        let conflicting = [
            ("clientCertificate", &tls.client_certificate),
            ("caCertificates", &tls.ca_certificates),
            ("privateKey", &tls.private_key),
            ("caCrl", &tls.ca_crl),
        ];
        if let Some((f, _)) = conflicting.iter().find(|(_, v)| non_empty(v)) {
            let p = at.field(f);
            report.error(
                &p,
                "cannot specify client certificates or CA certificate or CA CRL if credentialName is set",
            );
        }
        return;
    }

    if mode == ClientTlsMode::Mutual {
        if !non_empty(&tls.client_certificate) {
            let p = at.field("clientCertificate");
            report.error(&p, "client certificate required for mutual tls");
        }
        if !non_empty(&tls.private_key) {
            let p = at.field("privateKey");
            report.error(&p, "private key required for mutual tls");
        }
    }
}
