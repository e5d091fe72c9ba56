//! OpenShift: the proxy runs with the IDs the namespace pre-allocates
//! (`openshift.io/sa.scc.uid-range`, `openshift.io/sa.scc.supplemental-groups`), as Istio's
//! `GetProxyIDs` reads them, and a proxy user that merely repeats the app's (OpenShift
//! assigns the same one to every container) is dropped.

use std::collections::BTreeMap;

use serde_json::Value;

use super::InjectValues;
use super::template::{INIT_CONTAINER, PROXY_CONTAINER, VALIDATION_CONTAINER};

/// The namespace annotation holding the pre-allocated UID block.
pub const UID_RANGE_ANNOTATION: &str = "openshift.io/sa.scc.uid-range";
/// The namespace annotation holding the supplemental group blocks.
pub const SUPPLEMENTAL_GROUPS_ANNOTATION: &str = "openshift.io/sa.scc.supplemental-groups";

/// A block of IDs written `start/size` or `start-end`: its first and last ID.
pub fn parse_block(s: &str) -> Option<(u32, u32)> {
    if let Some((start, size)) = s.split_once('/') {
        let (start, size): (u32, u32) = (start.trim().parse().ok()?, size.trim().parse().ok()?);
        return Some((start, start.checked_add(size)?.checked_sub(1)?));
    }
    let (start, end) = s.split_once('-')?;
    let (start, end): (u32, u32) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    (end >= start).then_some((start, end))
}

/// The proxy's UID and GID for a namespace: the last ID of the UID block and of the first
/// supplemental group block (falling back to the UID block), else 1337 each.
///
/// ```
/// use std::collections::BTreeMap;
/// use mesh_kube::inject::openshift::proxy_ids;
/// let ns = BTreeMap::from([("openshift.io/sa.scc.uid-range".to_string(), "1000620000/10000".to_string())]);
/// assert_eq!(proxy_ids(&ns), (1000629999, 1000629999));
/// assert_eq!(proxy_ids(&BTreeMap::new()), (1337, 1337));
/// ```
pub fn proxy_ids(namespace_annotations: &BTreeMap<String, String>) -> (i64, i64) {
    let uid = namespace_annotations
        .get(UID_RANGE_ANNOTATION)
        .filter(|v| !v.is_empty())
        .and_then(|v| parse_block(v))
        .map_or(1337, |(_, end)| i64::from(end));
    let groups = namespace_annotations
        .get(SUPPLEMENTAL_GROUPS_ANNOTATION)
        .or_else(|| namespace_annotations.get(UID_RANGE_ANNOTATION))
        .filter(|v| !v.is_empty());
    let gid = groups
        .and_then(|g| g.split(',').map(parse_block).collect::<Option<Vec<_>>>())
        .and_then(|blocks| blocks.first().copied())
        .map_or(1337, |(_, end)| i64::from(end));
    (uid, gid)
}

impl InjectValues {
    /// These settings for a pod in an OpenShift namespace with these annotations: the
    /// proxy's UID and GID from the namespace's blocks, and the OpenShift rules on.
    pub fn for_openshift_namespace(mut self, namespace_annotations: &BTreeMap<String, String>) -> Self {
        let (uid, gid) = proxy_ids(namespace_annotations);
        self.openshift = true;
        self.capture.proxy_uid = uid.to_string();
        self.proxy_gid = gid.to_string();
        self
    }
}

/// Istio's `isSidecarUserMatchingAppUser`: the pod's own `istio-proxy` runs as the same user
/// as (the last) app container that sets one.
fn proxy_user_matches_app_user(pod: &Value) -> bool {
    let (mut proxy, mut app) = (0, 0);
    for key in ["containers", "initContainers"] {
        for c in pod["spec"][key].as_array().into_iter().flatten() {
            let user = c["securityContext"]["runAsUser"].as_i64();
            let name = c["name"].as_str().unwrap_or("");
            if name == PROXY_CONTAINER {
                if let Some(u) = user {
                    proxy = u;
                }
            } else if name != VALIDATION_CONTAINER
                && name != INIT_CONTAINER
                && let Some(u) = user
            {
                app = u;
            }
        }
    }
    proxy == app
}

/// On OpenShift, drops `runAsUser`/`runAsGroup` from the pod's own `istio-proxy` when its
/// user matches the app's: OpenShift assigned it, the user did not choose it.
pub(crate) fn reset_assigned_proxy_user(pod: &mut Value) {
    if !proxy_user_matches_app_user(pod) {
        return;
    }
    for key in ["containers", "initContainers"] {
        let Some(list) = pod.get_mut("spec").and_then(|s| s.get_mut(key)).and_then(Value::as_array_mut)
        else {
            continue;
        };
        if let Some(sc) = list
            .iter_mut()
            .find(|c| c["name"] == PROXY_CONTAINER)
            .and_then(|c| c.get_mut("securityContext"))
            .and_then(Value::as_object_mut)
        {
            sc.shift_remove("runAsUser");
            sc.shift_remove("runAsGroup");
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // istio openshift.go ParseBlock / GetProxyIDs.
    #[test]
    fn blocks_and_ids_follow_istio() {
        assert_eq!(parse_block("1000620000/10000"), Some((1000620000, 1000629999)));
        assert_eq!(parse_block("5-9"), Some((5, 9)));
        assert_eq!(parse_block("9-5"), None);
        assert_eq!(parse_block("x/1"), None);
        let ns = BTreeMap::from([
            (UID_RANGE_ANNOTATION.to_string(), "1000/10".to_string()),
            (SUPPLEMENTAL_GROUPS_ANNOTATION.to_string(), "2000/5,3000/5".to_string()),
        ]);
        assert_eq!(proxy_ids(&ns), (1009, 2004));
    }

    #[test]
    fn only_a_matching_proxy_user_is_reset() {
        let mut pod = json!({"spec": {"containers": [
            {"name": "app", "securityContext": {"runAsUser": 7}},
            {"name": "istio-proxy", "securityContext": {"runAsUser": 7, "runAsGroup": 7, "privileged": false}}]}});
        reset_assigned_proxy_user(&mut pod);
        assert_eq!(pod["spec"]["containers"][1]["securityContext"], json!({"privileged": false}));
        let mut own = json!({"spec": {"containers": [
            {"name": "app", "securityContext": {"runAsUser": 7}},
            {"name": "istio-proxy", "securityContext": {"runAsUser": 8}}]}});
        reset_assigned_proxy_user(&mut own);
        assert_eq!(own["spec"]["containers"][1]["securityContext"]["runAsUser"], 8);
    }
}
