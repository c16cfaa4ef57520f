//! An API's rate limits as token buckets: one counting calls, one counting the input
//! and output tokens of each call; a call goes only when every bucket allows it.

use crate::model::{Bucket, RateLimit};
use crate::time::SimTime;

/// One bucket during a run.
#[derive(Clone, Copy, Debug)]
struct Level {
    per_us: f64,
    burst: f64,
    /// What the bucket held at `refilled_at`; below zero after a call larger than the
    /// bucket (see [`Limits::admit`]).
    level: f64,
    refilled_at: SimTime,
}

impl Level {
    fn new(bucket: &Bucket) -> Level {
        Level {
            per_us: bucket.per_minute / 60e6,
            burst: bucket.burst,
            // A quiet API starts full.
            level: bucket.burst,
            refilled_at: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let elapsed = now.minus(self.refilled_at).0 as f64;
        self.level = (self.level + elapsed * self.per_us).min(self.burst);
        self.refilled_at = now;
    }

    /// A call costing more than the whole bucket could never go if it had to fit: it
    /// goes when the bucket is full, and leaves it in debt, so that over time the
    /// bucket still admits exactly its rate.
    fn allows(&self, cost: f64) -> bool {
        self.level >= cost.min(self.burst)
    }
}

/// The buckets of one path of an API (its interactive calls, or its batch queue).
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    requests: Option<Level>,
    tokens: Option<Level>,
}

impl Limits {
    /// No limit when `limit` is none.
    pub fn new(limit: Option<&RateLimit>) -> Limits {
        Limits {
            requests: limit.and_then(|l| l.requests.as_ref()).map(Level::new),
            tokens: limit.and_then(|l| l.tokens.as_ref()).map(Level::new),
        }
    }

    /// Admits a call of `tokens` (input plus output) at `now` if every bucket allows
    /// it, and then takes from each; a refused call takes nothing.
    pub fn admit(&mut self, now: SimTime, tokens: f64) -> bool {
        let mut allowed = true;
        for (bucket, cost) in [(&mut self.requests, 1.0), (&mut self.tokens, tokens)] {
            if let Some(b) = bucket {
                b.refill(now);
                allowed &= b.allows(cost);
            }
        }
        if allowed {
            for (bucket, cost) in [(&mut self.requests, 1.0), (&mut self.tokens, tokens)] {
                if let Some(b) = bucket {
                    b.level -= cost;
                }
            }
        }
        allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000;

    fn limits(rpm: Option<f64>, burst: f64, tpm: Option<f64>, token_burst: f64) -> Limits {
        Limits::new(Some(&RateLimit {
            requests: rpm.map(|per_minute| Bucket { per_minute, burst }),
            tokens: tpm.map(|per_minute| Bucket {
                per_minute,
                burst: token_burst,
            }),
        }))
    }

    #[test]
    fn no_limit_admits_everything() {
        let mut l = Limits::new(None);
        assert!((0..1000).all(|_| l.admit(SimTime::ZERO, 1e9)));
    }

    #[test]
    fn a_call_needs_both_buckets_and_a_refused_one_takes_from_neither() {
        // 60 calls and 6,000 tokens a minute: one call and 100 tokens a second.
        let mut l = limits(Some(60.0), 2.0, Some(6000.0), 300.0);
        let t0 = SimTime::ZERO;
        assert!(l.admit(t0, 200.0), "both buckets start full");
        // The call bucket holds one more call, the token bucket 100 tokens: refused,
        // and the call bucket keeps its call.
        assert!(!l.admit(t0, 200.0));
        assert!(l.admit(t0, 100.0), "the refused call took nothing");
        // Both empty now; a second later each has refilled one call and 100 tokens.
        assert!(!l.admit(t0, 1.0));
        assert!(l.admit(SimTime(SECOND), 100.0));
    }

    #[test]
    fn a_call_larger_than_the_bucket_goes_when_it_is_full_and_leaves_it_in_debt() {
        let mut l = limits(None, 0.0, Some(6000.0), 100.0);
        assert!(l.admit(SimTime::ZERO, 250.0), "a full bucket lets it go");
        // 150 tokens in debt, refilled at 100 a second: 50 after 2 s, 100 after 2.5 s.
        assert!(!l.admit(SimTime(2 * SECOND), 100.0));
        assert!(l.admit(SimTime(2 * SECOND + SECOND / 2), 100.0));
    }
}
