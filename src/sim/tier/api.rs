//! A paid model API: no queue of ours, a token-bucket rate limit, retries with
//! jittered exponential backoff, and a latency drawn per call.

use super::{Cx, Req, TierBehaviour, TierEvent};
use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::Api;
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

/// The API's own events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A throttled call is tried again after its backoff.
    Retry { req: Req },
    /// An accepted call returns.
    Done { req: Req },
}

/// What one accepted call costs: token prices are per 1,000 tokens, the fee per call.
pub fn price(api: &Api, input_tokens: f64, output_tokens: f64) -> f64 {
    input_tokens / 1000.0 * api.price_per_1k_input_tokens
        + output_tokens / 1000.0 * api.price_per_1k_output_tokens
        + api.price_per_request
}

/// An API tier during a run.
pub struct ApiSim {
    spec: Api,
    /// Tokens in the bucket at `refilled_at`.
    bucket: f64,
    refilled_at: SimTime,
    /// Requests in the tier: in a call or backing off before a retry.
    in_system: u32,
    /// Call latencies.
    rng: SimRng,
    /// Escalation draws and retry jitter.
    decisions: SimRng,
    accum: TierAccum,
    updated_at: SimTime,
}

impl ApiSim {
    pub fn new(spec: Api, rng: SimRng, decisions: SimRng) -> ApiSim {
        let bucket = spec.rate_limit.map(|r| r.burst).unwrap_or(0.0);
        ApiSim {
            spec,
            bucket,
            refilled_at: SimTime::ZERO,
            in_system: 0,
            rng,
            decisions,
            accum: TierAccum::default(),
            updated_at: SimTime::ZERO,
        }
    }

    /// Takes a token for a call at `now`; false when the rate limit refuses it.
    fn admit(&mut self, now: SimTime) -> bool {
        let Some(limit) = self.spec.rate_limit else {
            return true;
        };
        let per_us = limit.requests_per_minute / 60e6;
        let elapsed = now.minus(self.refilled_at).0 as f64;
        self.bucket = (self.bucket + elapsed * per_us).min(limit.burst);
        self.refilled_at = now;
        if self.bucket >= 1.0 {
            self.bucket -= 1.0;
            true
        } else {
            false
        }
    }

    /// One attempt of a call: accepted, retried later, or failed as throttled.
    fn attempt<E>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        if self.admit(now) {
            // Tokens and fee are booked when the call is accepted, together, so cost is
            // always calls × price; they are billed even if the client gives up before
            // the answer.
            self.accum.api_calls += 1;
            self.accum.input_tokens += req.input_tokens as u64;
            self.accum.output_tokens += req.output_tokens as u64;
            let money = price(
                &self.spec,
                req.input_tokens as f64,
                req.output_tokens as f64,
            );
            self.accum.spend += money;
            if req.escalated {
                self.accum.escalated_spend += money;
            }
            let latency = random::duration(&self.spec.latency, &mut self.rng);
            if let Some(timeout) = self.spec.timeout {
                req.timed_out = latency > timeout;
            }
            cx.schedule(now.plus(latency), TierEvent::Api(Event::Done { req }));
            return;
        }
        self.accum.throttled_attempts += 1;
        let retry = self.spec.retry;
        if (req.attempts as u32) < retry.max_retries {
            req.attempts += 1;
            // Exponential backoff with ±50% jitter, as client libraries do.
            let factor = (1u64 << (req.attempts - 1).min(30)) as f64
                * (0.5 + random::uniform(&mut self.decisions));
            let wait = SimTime((retry.backoff.0 as f64 * factor).round().max(1.0) as u64);
            cx.schedule(now.plus(wait), TierEvent::Api(Event::Retry { req }));
        } else {
            self.in_system -= 1;
            self.accum.departures += 1;
            self.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
            self.accum.shed += 1;
            cx.failed(req, Failure::Throttled);
        }
    }
}

impl TierBehaviour for ApiSim {
    fn start<E>(&mut self, _cx: &mut Cx<E>) {}

    #[inline]
    fn arrive<E>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        req.entered_tier = now;
        self.accum.arrivals += 1;
        self.in_system += 1;
        self.attempt(req, now, cx);
    }

    #[inline]
    fn handle<E>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
        let TierEvent::Api(event) = event else {
            unreachable!("events are delivered to the tier that scheduled them")
        };
        self.advance(now);
        match event {
            Event::Retry { req } => self.attempt(req, now, cx),
            Event::Done { req } => {
                self.in_system -= 1;
                self.accum.departures += 1;
                self.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
                if req.timed_out {
                    cx.failed(req, Failure::Timeout);
                } else {
                    cx.answered(req);
                }
            }
        }
    }

    #[inline]
    fn advance(&mut self, now: SimTime) {
        let dt = now.minus(self.updated_at).0 as f64;
        if dt > 0.0 {
            self.accum.in_system_area += self.in_system as f64 * dt;
            self.updated_at = now;
        }
    }

    fn totals(&self) -> TierAccum {
        self.accum
    }

    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier {
        HourTier::from_accum(in_hour, hour_us)
    }

    fn peak_instances(&self) -> u32 {
        0
    }

    fn first_at_max(&self) -> Option<SimTime> {
        None
    }

    fn decisions(&mut self) -> &mut SimRng {
        &mut self.decisions
    }

    fn count_escalated(&mut self) {
        self.accum.escalated += 1;
    }
}
