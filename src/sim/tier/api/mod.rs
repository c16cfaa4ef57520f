//! A paid model API: no queue of ours, token-bucket limits on calls and tokens,
//! retries with jittered exponential backoff, a latency drawn per call (a complete
//! answer, or a streamed one's first token and time per token), prompt caching, and a
//! discounted batch path for deferrable requests.
//!
//! The API prices its own calls ([`price`]) and books the money as it accepts them.

mod limit;
mod price;
mod prompt_cache;

pub use price::{Call, price};

use super::{Cx, NO_TOKEN, Req, TierBehaviour, TierEvent, Wrap};
use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::{Api, ApiLatency, RequestClass};
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;
use limit::Limits;
use prompt_cache::{BlockTable, Found, PrefixCache};

/// The API's own events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A throttled call is tried again after its backoff.
    Retry { req: Req },
    /// An accepted call returns.
    Done { req: Req },
}

/// An API tier during a run.
pub struct ApiSim {
    spec: Api,
    /// The interactive calls' limits, and the batch queue's.
    limits: Limits,
    batch_limits: Limits,
    /// When each prefix was last sent (empty without a prompt cache).
    prefixes: Option<PrefixCache>,
    /// When each prompt block of a replayed trace was last sent: with a prompt cache
    /// and a load that carries blocks.
    blocks: Option<BlockTable>,
    /// Per request class: whether it goes through the batch path here.
    deferred: Vec<bool>,
    /// Requests in the tier: in a call or backing off before a retry.
    in_system: u32,
    /// Call latencies and batch turnarounds.
    rng: SimRng,
    /// Escalation draws and retry jitter.
    decisions: SimRng,
    accum: TierAccum,
    updated_at: SimTime,
}

impl ApiSim {
    pub fn new(spec: Api, classes: &[RequestClass], rng: SimRng, decisions: SimRng) -> ApiSim {
        let batch = spec.batch;
        ApiSim {
            limits: Limits::new(spec.rate_limit.as_ref()),
            batch_limits: Limits::new(batch.as_ref().and_then(|b| b.rate_limit.as_ref())),
            prefixes: spec
                .prompt_cache
                .map(|p| PrefixCache::new(classes, p.lifetime)),
            blocks: None,
            deferred: classes
                .iter()
                .map(|c| c.deferrable && batch.is_some())
                .collect(),
            spec,
            in_system: 0,
            rng,
            decisions,
            accum: TierAccum::default(),
            updated_at: SimTime::ZERO,
        }
    }

    /// The load carries prompt blocks: with a prompt cache, calls are billed by the
    /// blocks they share with earlier calls.
    pub fn track_prompt_blocks(&mut self, blocks_per_us: f64) {
        if let Some(cache) = &self.spec.prompt_cache {
            self.blocks = Some(BlockTable::new(cache.lifetime, blocks_per_us));
        }
    }

    /// Whether `req` goes through this API's batch path: its class can wait, and the
    /// API has one. An escalated deferrable request takes it again at the next API
    /// that has one, and an ordinary call elsewhere.
    fn deferred(&self, req: &Req) -> bool {
        self.deferred
            .get(req.class as usize)
            .copied()
            .unwrap_or(false)
    }

    /// One attempt of a call: accepted, retried later, or failed as throttled.
    fn attempt<E: Wrap>(&mut self, req: Req, now: SimTime, cx: &mut Cx<E>) {
        let batch = self.deferred(&req);
        let tokens = f64::from(req.input_tokens) + f64::from(req.output_tokens);
        let limits = if batch {
            &mut self.batch_limits
        } else {
            &mut self.limits
        };
        if limits.admit(now, tokens) {
            if batch {
                self.submit_batch(req, now, cx);
            } else {
                self.call(req, now, cx);
            }
            return;
        }
        self.throttled(req, now, cx);
    }

    /// Books an accepted call: its tokens and its price, together, so that cost is
    /// always the sum of the calls' prices; billed even if the client gives up before
    /// the answer.
    fn book(&mut self, req: &Req, call: &Call) {
        self.accum.api_calls += 1;
        self.accum.input_tokens += u64::from(call.input_tokens);
        self.accum.output_tokens += u64::from(call.output_tokens);
        self.accum.cached_input_tokens += u64::from(call.cached_input_tokens);
        self.accum.cache_write_tokens += u64::from(call.cache_write_tokens);
        if call.batch {
            self.accum.batch_calls += 1;
        }
        let money = price(&self.spec, call);
        self.accum.spend += money;
        if req.escalated {
            self.accum.escalated_spend += money;
        }
    }

    /// An interactive call: its prefix may be warm in the prompt cache; it returns
    /// after its latency, streamed or whole.
    fn call<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        let mut call = Call {
            input_tokens: req.input_tokens,
            output_tokens: req.output_tokens,
            ..Call::default()
        };
        let chain = cx.prompt_chain(&req);
        if let Some(blocks) = &mut self.blocks
            && !chain.is_empty()
        {
            (call.cached_input_tokens, call.cache_write_tokens) =
                blocks.send(chain, req.input_tokens, now);
            self.accum.prompt_blocks_evicted = blocks.evicted;
        } else if let Some(prefixes) = &mut self.prefixes
            && let Some((tokens, found)) = prefixes.send(req.class as usize, now)
        {
            match found {
                Found::Warm => call.cached_input_tokens = tokens,
                Found::Cold => call.cache_write_tokens = tokens,
            }
        }
        self.book(&req, &call);
        let latency = match self.spec.latency {
            ApiLatency::Complete(dist) => random::duration(&dist, &mut self.rng),
            ApiLatency::Streamed {
                ttft,
                per_output_token,
            } => {
                // One draw of each per call: a call is served at one speed.
                let first = random::duration(&ttft, &mut self.rng);
                let per_token = random::sample(&per_output_token, &mut self.rng);
                if req.output_tokens > 0 {
                    req.first_token = now.plus(first);
                }
                // The first token comes at `first`, each later one `per_token` after
                // the one before: time per output token as it is measured, (end −
                // first token) ÷ (tokens − 1).
                let later = f64::from(req.output_tokens.saturating_sub(1)) * per_token;
                first.plus(SimTime((later + 0.5) as u64))
            }
        };
        if let Some(timeout) = self.spec.timeout {
            req.timed_out = latency > timeout;
        }
        cx.schedule(now.plus(latency), TierEvent::Api(Event::Done { req }));
    }

    /// A batch call: no prompt cache, the batch discount, and the answer after the
    /// turnaround. The client does not wait on it, so the API's timeout does not apply.
    fn submit_batch<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        let Some(batch) = self.spec.batch else {
            unreachable!("only an API with a batch path defers requests")
        };
        let call = Call {
            input_tokens: req.input_tokens,
            output_tokens: req.output_tokens,
            batch: true,
            ..Call::default()
        };
        self.book(&req, &call);
        req.batch = true;
        // The batch answer arrives whole, not streamed.
        req.first_token = NO_TOKEN;
        let turnaround = random::duration(&batch.turnaround, &mut self.rng);
        cx.schedule(now.plus(turnaround), TierEvent::Api(Event::Done { req }));
    }

    /// A refused attempt: retried after a backoff, or failed after the last retry.
    fn throttled<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
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
    fn start<E: Wrap>(&mut self, _cx: &mut Cx<E>) {}

    #[inline]
    fn arrive<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        req.entered_tier = now;
        self.accum.arrivals += 1;
        self.in_system += 1;
        self.attempt(req, now, cx);
    }

    #[inline]
    fn handle<E: Wrap>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
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

#[cfg(test)]
mod tests {
    //! The API driven call by call at chosen instants, so that every bill and every
    //! time can be written down by hand.
    use super::*;
    use crate::model::{BatchApi, Dist, Prefix, PromptCache, Retry};
    use crate::sim::engine::EventQueue;
    use crate::sim::tier::{Finished, NO_FLIGHT};

    const MS: u64 = 1_000;
    const MINUTE: u64 = 60_000_000;
    const HOUR: u64 = 3_600_000_000;

    fn api() -> Api {
        Api {
            price_per_1k_input_tokens: 0.4,
            price_per_1k_output_tokens: 1.6,
            price_per_request: 0.0,
            latency: ApiLatency::Complete(Dist::Constant(1e6)),
            rate_limit: None,
            retry: Retry {
                max_retries: 0,
                backoff: SimTime::SECOND,
            },
            timeout: None,
            prompt_cache: None,
            batch: None,
        }
    }

    fn class(prefix: Option<u32>, deferrable: bool) -> RequestClass {
        RequestClass {
            name: "q".into(),
            share: 1.0,
            input_tokens: Dist::Constant(2000.0),
            output_tokens: Dist::Constant(100.0),
            tier: 0,
            cacheable: false,
            prefix: prefix.map(|tokens| Prefix {
                name: "sys".into(),
                tokens,
            }),
            deferrable,
        }
    }

    fn req(at: SimTime, input_tokens: u32, output_tokens: u32) -> Req {
        Req {
            arrival: at,
            entered_tier: at,
            input_tokens,
            output_tokens,
            attempts: 0,
            timed_out: false,
            measured: true,
            escalated: false,
            flight: NO_FLIGHT,
            first_token: NO_TOKEN,
            class: 0,
            batch: false,
            prompt: crate::sim::tier::NO_PROMPT,
        }
    }

    /// An API and the world around it: its event queue and what it reported.
    struct Harness {
        api: ApiSim,
        events: EventQueue<TierEvent>,
        finished: Vec<(u8, Req, Finished)>,
        billing: Vec<(u8, SimTime, f64, f64)>,
        /// Answers and when they came.
        answers: Vec<(SimTime, Req)>,
    }

    impl Harness {
        fn new(spec: Api, classes: &[RequestClass]) -> Harness {
            let rng = |k| random::stream(1, 1.0, 0, random::TIER_BASE + k);
            Harness {
                api: ApiSim::new(spec, classes, rng(0), rng(1)),
                events: EventQueue::default(),
                finished: Vec::new(),
                billing: Vec::new(),
                answers: Vec::new(),
            }
        }

        fn with_cx(&mut self, f: impl FnOnce(&mut ApiSim, &mut Cx<TierEvent>)) {
            let mut cx = Cx::new(
                0,
                &mut self.events,
                &mut self.finished,
                &mut self.billing,
                SimTime::MAX,
                SimTime::ZERO,
            );
            f(&mut self.api, &mut cx);
        }

        /// Sends `req` at its arrival, after handling everything due before it.
        fn send(&mut self, req: Req) {
            self.run_until(req.arrival);
            self.with_cx(|api, cx| api.arrive(req, req.arrival, cx));
        }

        fn run_until(&mut self, until: SimTime) {
            while let Some((now, event)) = self.events.pop_until(until) {
                self.with_cx(|api, cx| api.handle(event, now, cx));
                for (_, req, how) in self.finished.drain(..) {
                    assert_eq!(how, Finished::Answered);
                    self.answers.push((now, req));
                }
            }
        }

        fn spend(&self) -> f64 {
            self.api.totals().spend
        }
    }

    #[track_caller]
    fn assert_close(got: f64, want: f64, what: &str) {
        assert!(
            (got - want).abs() <= 1e-12 * want.abs().max(1e-300),
            "{what}: {got}, by hand {want}"
        );
    }

    #[test]
    fn a_streamed_call_takes_ttft_then_a_per_token_time_for_each_later_token() {
        let spec = Api {
            latency: ApiLatency::Streamed {
                ttft: Dist::Constant((400 * MS) as f64),
                per_output_token: Dist::Constant((20 * MS) as f64),
            },
            ..api()
        };
        let mut h = Harness::new(spec, &[class(None, false)]);
        h.send(req(SimTime::ZERO, 2000, 100));
        h.run_until(SimTime::MAX);
        let (done, answer) = h.answers[0];
        // First token at 400 ms; 99 more at 20 ms each: 400 + 99 × 20 = 2,380 ms.
        assert_eq!(answer.first_token, SimTime(400 * MS));
        assert_eq!(done, SimTime(2_380 * MS));
        assert!(!answer.batch);
    }

    #[test]
    fn a_complete_answer_is_not_streamed() {
        let mut h = Harness::new(api(), &[class(None, false)]);
        h.send(req(SimTime::ZERO, 2000, 100));
        h.run_until(SimTime::MAX);
        assert_eq!(h.answers[0].0, SimTime(1_000 * MS));
        assert_eq!(h.answers[0].1.first_token, NO_TOKEN);
    }

    #[test]
    fn a_prefix_is_written_cold_read_warm_and_written_again_after_its_lifetime() {
        let spec = Api {
            prompt_cache: Some(PromptCache {
                price_per_1k_cached_input_tokens: 0.1,
                write_multiplier: 1.25,
                lifetime: SimTime(5 * MINUTE),
            }),
            ..api()
        };
        let mut h = Harness::new(spec, &[class(Some(1500), false)]);
        // Every call: 2,000 input tokens of which 1,500 are the prefix, 100 output.
        // The 500 fresh tokens and the output cost 0.5 × 0.4 + 0.1 × 1.6 = 0.36.
        let rest = 0.5 * 0.4 + 0.1 * 1.6;
        let cold = rest + 1.5 * 0.4 * 1.25; // the prefix written: 0.75
        let warm = rest + 1.5 * 0.1; // the prefix read: 0.15
        let mut bill = 0.0;
        for (minute, expected, what) in [
            (0, cold, "the first call writes the prefix"),
            (1, warm, "a minute later it is warm"),
            (
                5,
                warm,
                "5 minutes after the first but 4 after the last: each call refreshes it",
            ),
            (
                10,
                cold,
                "a whole lifetime after the last call it has expired",
            ),
            (11, warm, "and the call that wrote it warmed it again"),
        ] {
            h.send(req(SimTime(minute * MINUTE), 2000, 100));
            bill += expected;
            assert_close(h.spend(), bill, what);
        }
        let t = h.api.totals();
        assert_eq!(t.cache_write_tokens, 2 * 1500);
        assert_eq!(t.cached_input_tokens, 3 * 1500);
        assert_eq!(t.input_tokens, 5 * 2000);
    }

    #[test]
    fn a_deferrable_request_pays_the_batch_price_and_comes_back_within_the_turnaround() {
        let spec = Api {
            price_per_request: 0.01,
            // A cache and a timeout that a batch call ignores: it is not interactive.
            prompt_cache: Some(PromptCache {
                price_per_1k_cached_input_tokens: 0.1,
                write_multiplier: 1.0,
                lifetime: SimTime(24 * HOUR),
            }),
            timeout: Some(SimTime::SECOND),
            batch: Some(BatchApi {
                discount: 0.5,
                turnaround: Dist::Uniform {
                    min: HOUR as f64,
                    max: (24 * HOUR) as f64,
                },
                rate_limit: None,
            }),
            ..api()
        };
        let mut h = Harness::new(spec, &[class(Some(1500), true)]);
        let n = 20_000;
        for i in 0..n {
            h.send(req(SimTime(i), 2000, 100));
        }
        h.run_until(SimTime::MAX);
        // Each call: (2 × 0.4 + 0.1 × 1.6 + 0.01) × (1 − 0.5) = 0.485, no cache read.
        // The total is 20,000 roundings of f64 additions (about 1e-16 each): 1e-10
        // relative leaves room for them and for nothing else.
        let per_call = h.spend() / n as f64;
        assert!(
            (per_call / 0.485 - 1.0).abs() < 1e-10,
            "the batch bill: {per_call} a call"
        );
        let t = h.api.totals();
        assert_eq!((t.batch_calls, t.api_calls), (n, n));
        assert_eq!(t.cached_input_tokens + t.cache_write_tokens, 0);
        assert_eq!(h.answers.len(), n as usize, "no batch call times out");
        let turnarounds: Vec<f64> = h
            .answers
            .iter()
            .map(|(done, r)| {
                assert!(r.batch && r.first_token == NO_TOKEN);
                done.minus(r.arrival).0 as f64 / HOUR as f64
            })
            .collect();
        assert!(
            turnarounds.iter().all(|&t| (1.0..=24.0).contains(&t)),
            "every answer within the declared 1 h to 24 h"
        );
        // Uniform on [1, 24] h: mean 12.5 h, sd 23/√12 = 6.64 h. The mean of 20,000
        // draws has a standard error of 0.047 h; 5 of them (0.23 h) fail by chance
        // about once in 1.7 million runs.
        let mean = turnarounds.iter().sum::<f64>() / n as f64;
        let tolerance = 5.0 * 23.0 / 12f64.sqrt() / (n as f64).sqrt();
        assert!((mean - 12.5).abs() < tolerance, "mean turnaround {mean} h");
    }

    #[test]
    fn without_a_batch_path_a_deferrable_class_is_an_ordinary_call() {
        // As when a deferrable request is escalated to an API that has no batch.
        let mut h = Harness::new(api(), &[class(None, true)]);
        h.send(req(SimTime::ZERO, 2000, 100));
        h.run_until(SimTime::MAX);
        assert_eq!(h.api.totals().batch_calls, 0);
        assert_eq!(h.answers[0].0, SimTime(1_000 * MS));
        assert_close(h.spend(), 2.0 * 0.4 + 0.1 * 1.6, "list price");
    }
}
