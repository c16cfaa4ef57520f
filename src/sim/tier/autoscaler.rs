//! The autoscaling rule: from the load seen over the last interval to instances to add
//! or remove, honouring min/max, the step cap and the cooldowns.
//!
//! It is a pure function so it can be tested without a simulation around it.

use crate::model::Autoscaling;
use crate::time::SimTime;

/// What the autoscaler sees at one evaluation.
#[derive(Clone, Copy, Debug)]
pub struct Observation {
    /// Time-averaged requests in the tier (in service + waiting) over the last interval.
    pub load: f64,
    /// Instances serving now.
    pub serving: u32,
    /// Instances launched but still starting up.
    pub starting: u32,
    pub now: SimTime,
    pub last_scale_out: Option<SimTime>,
    /// Last change in either direction.
    pub last_change: Option<SimTime>,
}

/// What the autoscaler does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Instances to launch (positive) or retire (negative).
    pub delta: i64,
    /// The load asked for more than `max` instances.
    pub wanted_more_than_max: bool,
}

/// Target-tracking: desired = ceil(load / (concurrency · target)), clamped to [min, max].
pub fn decide(rule: &Autoscaling, concurrency: u32, obs: &Observation) -> Decision {
    let per_instance = concurrency as f64 * rule.target_utilization;
    let wanted = (obs.load / per_instance).ceil();
    let wanted_more_than_max = wanted > rule.max as f64;
    let desired = wanted.clamp(rule.min as f64, rule.max as f64) as i64;
    let current = (obs.serving + obs.starting) as i64;
    let since = |t: Option<SimTime>| t.map(|t| obs.now.minus(t));
    let delta = if desired > current {
        let cooled = since(obs.last_scale_out).is_none_or(|d| d >= rule.scale_out_cooldown);
        // Below min (never after start) is corrected at once, whatever the cooldown.
        if cooled || current < rule.min as i64 {
            (desired - current).min(rule.max_step as i64)
        } else {
            0
        }
    } else if desired < current {
        let cooled = since(obs.last_change).is_none_or(|d| d >= rule.scale_in_cooldown);
        if cooled {
            -((current - desired).min(rule.max_step as i64))
        } else {
            0
        }
    } else {
        0
    };
    Decision {
        delta,
        wanted_more_than_max,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> Autoscaling {
        Autoscaling {
            min: 2,
            max: 10,
            target_utilization: 0.5,
            interval: SimTime::SECOND,
            scale_out_cooldown: SimTime(60 * SimTime::SECOND.0),
            scale_in_cooldown: SimTime(300 * SimTime::SECOND.0),
            startup_delay: SimTime::ZERO,
            max_step: 3,
        }
    }

    fn obs(load: f64, serving: u32) -> Observation {
        Observation {
            load,
            serving,
            starting: 0,
            now: SimTime(1_000 * SimTime::SECOND.0),
            last_scale_out: None,
            last_change: None,
        }
    }

    #[test]
    fn tracks_the_target_within_the_step_cap() {
        // 4 requests at concurrency 2 and target 0.5 want 4 instances: +2 from 2.
        assert_eq!(decide(&rule(), 2, &obs(4.0, 2)).delta, 2);
        // 20 requests want 20, capped at max 10, and at most 3 per step.
        let d = decide(&rule(), 2, &obs(20.0, 2));
        assert_eq!(
            d,
            Decision {
                delta: 3,
                wanted_more_than_max: true
            }
        );
    }

    #[test]
    fn never_goes_below_min_and_honours_cooldowns() {
        assert_eq!(decide(&rule(), 1, &obs(0.0, 5)).delta, -3);
        assert_eq!(decide(&rule(), 1, &obs(0.0, 2)).delta, 0);
        let recent = Observation {
            last_change: Some(SimTime(900 * SimTime::SECOND.0)),
            ..obs(0.0, 5)
        };
        assert_eq!(decide(&rule(), 1, &recent).delta, 0);
        let recent_out = Observation {
            last_scale_out: Some(SimTime(990 * SimTime::SECOND.0)),
            ..obs(9.0, 2)
        };
        assert_eq!(decide(&rule(), 1, &recent_out).delta, 0);
    }

    #[test]
    fn counts_starting_instances_as_coming_capacity() {
        let o = Observation {
            starting: 2,
            ..obs(4.0, 2)
        };
        assert_eq!(decide(&rule(), 2, &o).delta, 0);
    }
}
