//! Normalization of the largest metric proposal (kubernetes' `horizontal.go`): the legacy
//! scale-down stabilization window with min/max and the scale-up limit, or the `behavior`
//! stabilization windows and rate policies.

use super::spec::{Behavior, PolicyKind, ScalingPolicy, ScalingRules, SelectPolicy, Timed};
use super::{Hpa, ceil_i32};

impl Hpa {
    /// Legacy stabilization: the highest recommendation within the downscale window.
    pub(super) fn stabilize(&self, proposed: i32) -> i32 {
        let cutoff = self.now - self.downscale_stabilization_seconds;
        self.recommendations.iter().filter(|r| r.time >= cutoff).map(|r| r.replicas).fold(proposed, i32::max)
    }

    pub(super) fn with_rules(&self, desired: i32) -> (i32, &'static str) {
        let scale_up_limit = (2.0 * f64::from(self.current_replicas)).max(4.0) as i32;
        let (max_allowed, limit_reason) = if self.max_replicas > scale_up_limit {
            (scale_up_limit, "ScaleUpLimit")
        } else {
            (self.max_replicas, "TooManyReplicas")
        };
        if desired < self.min_replicas {
            (self.min_replicas, "TooFewReplicas")
        } else if desired > max_allowed {
            (max_allowed, limit_reason)
        } else {
            (desired, "DesiredWithinRange")
        }
    }

    fn rules(&self, b: &Behavior) -> (ScalingRules, ScalingRules) {
        let up = b.scale_up.clone().unwrap_or_default();
        let down = b.scale_down.clone().unwrap_or_default();
        let up = ScalingRules {
            stabilization_window_seconds: Some(up.stabilization_window_seconds.unwrap_or(0)),
            select_policy: Some(up.select_policy.unwrap_or_default()),
            policies: if up.policies.is_empty() {
                vec![
                    ScalingPolicy { kind: PolicyKind::Pods, value: 4, period_seconds: 15 },
                    ScalingPolicy { kind: PolicyKind::Percent, value: 100, period_seconds: 15 },
                ]
            } else {
                up.policies
            },
        };
        let down = ScalingRules {
            stabilization_window_seconds: Some(
                down.stabilization_window_seconds.unwrap_or(self.downscale_stabilization_seconds),
            ),
            select_policy: Some(down.select_policy.unwrap_or_default()),
            policies: if down.policies.is_empty() {
                vec![ScalingPolicy { kind: PolicyKind::Percent, value: 100, period_seconds: 15 }]
            } else {
                down.policies
            },
        };
        (up, down)
    }

    fn change_in_period(&self, events: &[Timed], period: i64) -> i32 {
        let cutoff = self.now - period;
        events.iter().filter(|e| e.time > cutoff).map(|e| e.replicas).sum()
    }

    pub(super) fn with_behavior(&self, b: &Behavior, proposed: i32) -> (i32, i32, &'static str) {
        let (up, down) = self.rules(b);
        let up_cut = self.now - up.stabilization_window_seconds.unwrap_or(0);
        let down_cut = self.now - down.stabilization_window_seconds.unwrap_or(0);
        let (mut up_rec, mut down_rec) = (proposed, proposed);
        for r in &self.recommendations {
            if r.time > up_cut {
                up_rec = up_rec.min(r.replicas);
            }
            if r.time > down_cut {
                down_rec = down_rec.max(r.replicas);
            }
        }
        let stabilized = self.current_replicas.max(up_rec).min(down_rec);
        let cur = self.current_replicas;
        let start = |p: &ScalingPolicy| {
            cur - self.change_in_period(&self.scale_up_events, p.period_seconds)
                + self.change_in_period(&self.scale_down_events, p.period_seconds)
        };
        if stabilized > cur {
            let limit = match up.select_policy.unwrap_or_default() {
                SelectPolicy::Disabled => cur,
                sel => {
                    let props = up.policies.iter().map(|p| match p.kind {
                        PolicyKind::Pods => start(p) + p.value,
                        PolicyKind::Percent => {
                            ceil_i32(f64::from(start(p)) * (1.0 + f64::from(p.value) / 100.0))
                        }
                    });
                    if sel == SelectPolicy::Min {
                        props.min().unwrap_or(i32::MAX)
                    } else {
                        props.max().unwrap_or(i32::MIN)
                    }
                }
            }
            .max(cur);
            let (max_allowed, reason) = if self.max_replicas > limit {
                (limit, "ScaleUpLimit")
            } else {
                (self.max_replicas, "TooManyReplicas")
            };
            if stabilized > max_allowed {
                return (stabilized, max_allowed, reason);
            }
        } else if stabilized < cur {
            let limit = match down.select_policy.unwrap_or_default() {
                SelectPolicy::Disabled => cur,
                sel => {
                    let props = down.policies.iter().map(|p| match p.kind {
                        PolicyKind::Pods => start(p) - p.value,
                        PolicyKind::Percent => {
                            (f64::from(start(p)) * (1.0 - f64::from(p.value) / 100.0)) as i32
                        }
                    });
                    if sel == SelectPolicy::Min {
                        props.max().unwrap_or(i32::MIN)
                    } else {
                        props.min().unwrap_or(i32::MAX)
                    }
                }
            }
            .min(cur);
            let (min_allowed, reason) = if self.min_replicas < limit {
                (limit, "ScaleDownLimit")
            } else {
                (self.min_replicas, "TooFewReplicas")
            };
            if stabilized < min_allowed {
                return (stabilized, min_allowed, reason);
            }
        }
        (stabilized, stabilized, "DesiredWithinRange")
    }
}
