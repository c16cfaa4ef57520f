//! The discrete-event simulation of one scenario at one load multiplier.
//!
//! Each request is an entity: it arrives, may be answered by the cache, is routed to a
//! tier, waits for a slot (or an API's rate limit), is served, and then succeeds, is
//! escalated to a heavier tier, times out, or is shed. Autoscalers launch and retire
//! instances on their own clock. The event queue (`engine`) knows none of this.

pub mod cache;
pub mod engine;
pub mod prompts;
pub mod random;
pub mod recorder;
pub mod replay;
pub mod tier;
pub mod workload;
pub mod zipf;

use crate::metrics::*;
use crate::model::{Escalation, Scenario, TierKind};
use crate::time::SimTime;
use cache::{CacheSim, Lookup};
use engine::EventQueue;
use prompts::{NO_PROMPT, Prompts};
use recorder::{CalendarRecorder, CohortMark};
use tier::{Cx, Finished, NO_FLIGHT, NO_TOKEN, Req, TierBehaviour, TierEvent, TierSim, Wrap};
use workload::{Arrivals, RateShape, RequestDraw, RequestSource};

#[derive(Clone, Copy, Debug)]
enum Event {
    /// A request reaches a tier after its cache lookup.
    Arrive { tier: u8, req: Req },
    /// An event a tier scheduled for itself.
    Tier { tier: u8, event: TierEvent },
}

impl Wrap for Event {
    #[inline]
    fn wrap(tier: u8, event: TierEvent) -> Event {
        Event::Tier { tier, event }
    }
}

/// Runs `scenario` at load multiplier `scale`; `replication` selects independent seeds.
///
/// After Ctrl-C ([`crate::interrupt`]) it stops early and returns partial figures, which
/// the writers in [`crate::output`] then refuse to write.
pub fn simulate(scenario: &Scenario, scale: f64, replication: u64) -> RunMetrics {
    Simulation::new(scenario, scale, replication).run()
}

struct ClassRoute {
    tier: u8,
    cacheable: bool,
    /// Goes through its API's batch path (validated: the tier has one).
    deferrable: bool,
}

/// Where a run's requests come from.
enum Load<'a> {
    /// Drawn: arrival times from the rate shape, attributes from the class mix.
    Synthetic {
        arrivals: Arrivals,
        requests: RequestSource,
    },
    /// Read from a recorded trace.
    Replay(replay::Replay<'a>),
}

impl Load<'_> {
    /// The next request and when it arrives, or `None` past the horizon; a replayed
    /// request's prompt blocks go to `prompts`.
    #[inline]
    fn next_request(&mut self, prompts: &mut Prompts) -> Option<(SimTime, RequestDraw)> {
        match self {
            // Arrival times and attributes come from streams of their own, so drawing
            // the attributes with the time rather than on arrival changes no value.
            Load::Synthetic { arrivals, requests } => {
                arrivals.next_arrival().map(|at| (at, requests.draw()))
            }
            Load::Replay(r) => r.next_request(prompts),
        }
    }
}

struct Simulation<'a> {
    scenario: &'a Scenario,
    scale: f64,
    events: EventQueue<Event>,
    load: Load<'a>,
    routes: Vec<ClassRoute>,
    /// Waiting for an answer being computed are whole requests.
    cache: Option<CacheSim<Req>>,
    /// Waiters of a flight being settled (kept to reuse its memory).
    woken: Vec<Req>,
    /// The prompt blocks of the requests in flight (a trace with `hash_ids` replayed
    /// to an API with a prompt cache; empty otherwise).
    prompts: Prompts,
    lookup_latency: SimTime,
    tiers: Vec<TierSim>,
    /// Requests the tiers have finished with and the simulation has yet to settle.
    finished: Vec<(u8, Req, Finished)>,
    /// Billed time beyond instances' lives the tiers reported: (tier, launched, µs).
    billing: Vec<(u8, SimTime, f64, f64)>,
    /// Of that, what instances launched after the warm-up add to each tier's window:
    /// time and money.
    window_extra_us: Vec<f64>,
    window_extra_spend: Vec<f64>,
    recorder: CalendarRecorder,
    escalations: Vec<Option<Escalation>>,
    cohort: Cohort,
    tier_cohort: Vec<TierCohort>,
    /// Per tier, arrival to answer of the measured batch answers it gave last; made
    /// when the first comes.
    batch_turnaround: Vec<Option<Timings>>,
    warmup: SimTime,
    /// The end of the warm-up is still to come.
    warmup_pending: bool,
    /// The next hour boundary to close, `SimTime::MAX` when none is left.
    next_hour: SimTime,
    /// Warm-up ends and hour boundaries handled: events, though kept off the queue.
    clock_events: u64,
    horizon: SimTime,
    /// Events after this are not handled: the horizon, or the instant Ctrl-C was seen.
    until: SimTime,
    arrivals_total: u64,
    at_warmup: Vec<TierAccum>,
    at_last_hour: Vec<TierAccum>,
    arrivals_at_last_hour: u64,
    last_hour_start: SimTime,
    timeline: Vec<HourStats>,
}

impl<'a> Simulation<'a> {
    fn new(scenario: &'a Scenario, scale: f64, replication: u64) -> Simulation<'a> {
        let w = &scenario.workload();
        let seed = scenario.seed();
        let distinct_keys = w.keys.map(|k| k.distinct_at(scale)).unwrap_or(1);
        let lru = matches!(
            scenario.cache().map(|c| c.model),
            Some(crate::model::CacheModel::Lru { .. })
        );
        let zipf = if lru {
            w.keys.map(|k| (distinct_keys, k.zipf_exponent))
        } else {
            None
        };
        let mut tiers = scenario
            .tiers()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let stream = |k: u64| {
                    random::stream(
                        seed,
                        scale,
                        replication,
                        random::TIER_BASE + 2 * i as u64 + k,
                    )
                };
                let spot = random::stream(seed, scale, replication, random::SPOT_BASE + i as u64);
                TierSim::new(t, i, &w.classes, stream(0), stream(1), spot)
            })
            .collect::<Vec<_>>();
        // A trace's blocks are carried to the APIs only when one has a prompt cache.
        let prompt_caching = scenario
            .tiers()
            .iter()
            .any(|t| matches!(&t.kind, TierKind::Api(a) if a.prompt_cache.is_some()));
        let carry_blocks =
            prompt_caching && w.trace.as_ref().is_some_and(|t| t.has_keys && t.blocks > 0);
        if let Some(trace) = w.trace.as_ref().filter(|_| carry_blocks) {
            let blocks_per_us = trace.blocks as f64 / trace.period.0 as f64 * scale;
            for tier in &mut tiers {
                tier.track_prompt_blocks(blocks_per_us);
            }
        }
        let n_tiers = scenario.tiers().len();
        Simulation {
            scenario,
            scale,
            events: EventQueue::default(),
            load: match &w.trace {
                Some(trace) => Load::Replay(replay::Replay::new(
                    trace,
                    carry_blocks,
                    scale,
                    w.horizon,
                    random::stream(seed, scale, replication, random::ARRIVALS),
                    random::stream(seed, scale, replication, random::REQUESTS),
                )),
                None => Load::Synthetic {
                    arrivals: Arrivals::new(
                        RateShape::new(w),
                        scenario.base_rate_per_us() * scale,
                        w.horizon,
                        random::stream(seed, scale, replication, random::ARRIVALS),
                    ),
                    requests: RequestSource::new(
                        &w.classes,
                        zipf,
                        random::stream(seed, scale, replication, random::REQUESTS),
                    ),
                },
            },
            routes: w
                .classes
                .iter()
                .map(|c| ClassRoute {
                    tier: c.tier as u8,
                    cacheable: c.cacheable,
                    deferrable: c.deferrable,
                })
                .collect(),
            cache: scenario.cache().map(|c| {
                // Reserve no more entries than the run can fill: a capacity of 10⁹ over
                // a large key space would otherwise take gigabytes before one request.
                let fillable = crate::work::RunWork::of(scenario, w.users * scale).cache_entries;
                CacheSim::new(
                    &c.model,
                    distinct_keys.min(fillable.ceil() as u64 + 1),
                    random::stream(seed, scale, replication, random::CACHE),
                )
            }),
            lookup_latency: scenario
                .cache()
                .map(|c| c.lookup_latency)
                .unwrap_or(SimTime::ZERO),
            tiers,
            finished: Vec::new(),
            billing: Vec::new(),
            window_extra_us: vec![0.0; n_tiers],
            window_extra_spend: vec![0.0; n_tiers],
            recorder: CalendarRecorder::new(scenario),
            woken: Vec::new(),
            prompts: Prompts::default(),
            escalations: scenario.tiers().iter().map(|t| t.escalation).collect(),
            cohort: Cohort::new(w.horizon),
            tier_cohort: vec![TierCohort::default(); n_tiers],
            batch_turnaround: (0..n_tiers).map(|_| None).collect(),
            warmup: w.warmup,
            warmup_pending: w.warmup > SimTime::ZERO,
            next_hour: if SimTime::HOUR < w.horizon {
                SimTime::HOUR
            } else {
                SimTime::MAX
            },
            clock_events: 0,
            horizon: w.horizon,
            until: w.horizon,
            arrivals_total: 0,
            at_warmup: vec![TierAccum::default(); n_tiers],
            at_last_hour: vec![TierAccum::default(); n_tiers],
            arrivals_at_last_hour: 0,
            last_hour_start: SimTime::ZERO,
            timeline: Vec::new(),
        }
    }

    fn run(mut self) -> RunMetrics {
        // An interrupted study may still start thousands of runs: each ends here.
        if crate::interrupt::requested() {
            return self.finish();
        }
        for t in 0..self.tiers.len() {
            self.call(t, SimTime::ZERO, |tier, cx| tier.start(cx));
        }
        // The next arrival waits beside the queue rather than in it: that halves the
        // heap operations per request. So do the clock's own instants (the end of the
        // warm-up, each hour): on a long run they would be dozens of keys every heap
        // walk passes. The order stays that of one queue: at equal times the clock goes
        // first (the warm-up before the hour), then scheduled events, then the arrival.
        let mut next_arrival = self.load.next_request(&mut self.prompts);
        loop {
            let due = self.events.peek_time().unwrap_or(SimTime::MAX);
            let clock = self.next_clock();
            if let Some((at, draw)) = next_arrival
                && at < due
                && at < clock
            {
                next_arrival = self.load.next_request(&mut self.prompts);
                self.on_arrival(at, draw);
                // Ctrl-C is polled every 65,536 arrivals (a few milliseconds of work), on
                // a counter the arrival keeps anyway, so the hot path gains nothing. Once
                // asked, the run takes no more arrivals and ends at this instant.
                if self.arrivals_total & 0xFFFF == 0 {
                    crate::progress::count_simulated(0x10000);
                    if self.stop_if_interrupted(at) {
                        next_arrival = None;
                    }
                }
                continue;
            }
            if clock <= due {
                if clock > self.until {
                    break;
                }
                self.on_clock(clock);
                continue;
            }
            match self.events.pop_until(self.until) {
                Some((now, event)) => self.handle(now, event),
                None => break,
            }
        }
        self.finish()
    }

    /// After Ctrl-C, ends the run at `now`; returns whether it did.
    fn stop_if_interrupted(&mut self, now: SimTime) -> bool {
        let stop = crate::interrupt::requested();
        if stop {
            self.until = now;
        }
        stop
    }

    /// Lets tier `t` act, then settles the requests it (and any tier they were
    /// escalated to) finished.
    #[inline]
    fn call(&mut self, t: usize, now: SimTime, f: impl FnOnce(&mut TierSim, &mut Cx<Event>)) {
        self.call_unsettled(t, f);
        self.settle(now);
    }

    #[inline]
    fn call_unsettled(&mut self, t: usize, f: impl FnOnce(&mut TierSim, &mut Cx<Event>)) {
        let mut cx = Cx::new(
            t as u8,
            &mut self.events,
            &mut self.finished,
            &mut self.billing,
            self.horizon,
            self.warmup,
        )
        .with_prompts(&self.prompts);
        f(&mut self.tiers[t], &mut cx);
    }

    /// Settles finished requests in the order they finished; an escalation hands its
    /// request to the next tier, whose outcomes join the end of the list.
    #[inline]
    fn settle(&mut self, now: SimTime) {
        // Most calls finish nothing (an arrival that starts or waits): nothing to do.
        if self.finished.is_empty() && self.billing.is_empty() {
            return;
        }
        self.settle_finished(now);
    }

    fn settle_finished(&mut self, now: SimTime) {
        for (t, launched, extra, money) in self.billing.drain(..) {
            // Rounding and minimums are a cost of launching: they belong to the hour an
            // instance was launched in, and to the window only if that is inside it.
            if launched >= self.warmup {
                self.window_extra_us[t as usize] += extra;
                self.window_extra_spend[t as usize] += money;
                let slice = &mut self.recorder.slice_at(launched).tiers[t as usize];
                slice.billed_us += extra;
                slice.spend += money;
            }
        }
        let mut i = 0;
        while i < self.finished.len() {
            let (t, req, how) = self.finished[i];
            i += 1;
            match how {
                Finished::Answered => self.succeed(t as usize, req, now),
                Finished::Failed(failure) => self.fail(t as usize, &req, failure),
            }
        }
        self.finished.clear();
    }

    #[inline]
    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Arrive { tier, req } => {
                self.call(tier as usize, now, |t, cx| t.arrive(req, now, cx))
            }
            Event::Tier { tier, event } => {
                self.call(tier as usize, now, |t, cx| t.handle(event, now, cx));
                if matches!(
                    event,
                    TierEvent::SelfHosted(tier::self_hosted::Event::Autoscale)
                ) {
                    // Also polled here and hourly, for runs with few arrivals but many ticks.
                    self.stop_if_interrupted(now);
                }
            }
        }
    }

    /// When the clock's next instant is: the end of the warm-up or an hour boundary.
    #[inline]
    fn next_clock(&self) -> SimTime {
        if self.warmup_pending {
            self.warmup.min(self.next_hour)
        } else {
            self.next_hour
        }
    }

    /// The end of the warm-up (first, when an hour ends at the same instant) or of an
    /// hour.
    fn on_clock(&mut self, now: SimTime) {
        self.clock_events += 1;
        if self.warmup_pending && self.warmup == now {
            self.warmup_pending = false;
            for (t, tier) in self.tiers.iter_mut().enumerate() {
                tier.advance(now);
                self.at_warmup[t] = tier.totals();
            }
            return;
        }
        let next = now.plus(SimTime::HOUR);
        self.next_hour = if next < self.horizon {
            next
        } else {
            SimTime::MAX
        };
        self.close_hour(now);
        self.stop_if_interrupted(now);
    }

    fn on_arrival(&mut self, now: SimTime, draw: RequestDraw) {
        let measured = now >= self.warmup;
        self.arrivals_total += 1;
        if measured {
            self.cohort.offered += 1;
        }
        let route = &self.routes[draw.class as usize];
        let (tier, deferrable) = (route.tier, route.deferrable);
        let mut req = Req {
            arrival: now,
            entered_tier: now,
            input_tokens: draw.input_tokens,
            output_tokens: draw.output_tokens,
            attempts: 0,
            timed_out: false,
            measured,
            escalated: false,
            flight: NO_FLIGHT,
            first_token: NO_TOKEN,
            class: draw.class,
            batch: false,
            prompt: draw.prompt,
        };
        if route.cacheable
            && let Some(cache) = &mut self.cache
        {
            let lookup = cache.lookup(draw.key, now);
            if measured {
                self.cohort.cache_lookups += 1;
            }
            // A request the cache answers, or that waits for another's answer, makes no
            // call: its blocks are not needed.
            if matches!(lookup, Lookup::Hit | Lookup::Join(_)) {
                self.prompts.release(req.prompt);
                req.prompt = NO_PROMPT;
            }
            match lookup {
                Lookup::Hit => {
                    if measured {
                        self.cohort.cache_hits += 1;
                        self.cohort.record_success(self.lookup_latency);
                        self.cohort.served_tokens +=
                            u64::from(req.input_tokens) + u64::from(req.output_tokens);
                    }
                    return;
                }
                Lookup::Join(flight) => {
                    if measured {
                        self.cohort.cache_coalesced += 1;
                    }
                    if let Some(lru) = cache.lru() {
                        lru.wait(flight, req);
                    }
                    return;
                }
                // A batch answer comes hours later: no request should wait for one,
                // so a deferrable request never leads a flight, and its answer is
                // not stored.
                Lookup::Miss(Some(flight)) if deferrable => {
                    if let Some(lru) = cache.lru() {
                        lru.abort(flight, &mut self.woken);
                    }
                }
                Lookup::Miss(flight) => req.flight = flight.unwrap_or(NO_FLIGHT),
            }
            if self.lookup_latency > SimTime::ZERO {
                req.entered_tier = now.plus(self.lookup_latency);
                self.events
                    .schedule(req.entered_tier, Event::Arrive { tier, req });
                return;
            }
        }
        self.call(tier as usize, now, |t, cx| t.arrive(req, now, cx));
    }

    fn succeed(&mut self, t: usize, mut req: Req, now: SimTime) {
        if let Some(esc) = self.escalations[t]
            && random::uniform(self.tiers[t].decisions()) < esc.share_at(now)
        {
            self.tiers[t].count_escalated();
            if req.measured {
                self.tier_cohort[t].escalated += 1;
            }
            req.attempts = 0;
            req.timed_out = false;
            req.escalated = true;
            // The user sees the heavier tier's answer: its tokens are the ones timed.
            req.first_token = NO_TOKEN;
            // Its outcome joins the list being settled.
            self.call_unsettled(esc.to, |to, cx| to.arrive(req, now, cx));
            return;
        }
        self.answered(t, &req, now);
        self.prompts.release(req.prompt);
        // The answer exists now: it is stored, and the requests waiting for it have it.
        if req.flight != NO_FLIGHT
            && let Some(lru) = self.cache.as_mut().and_then(|c| c.lru())
        {
            let mut woken = std::mem::take(&mut self.woken);
            lru.commit(req.flight, now, &mut woken);
            for w in woken.drain(..) {
                if w.measured {
                    self.cohort.coalesced_served += 1;
                    self.cohort.record_success(now.minus(w.arrival));
                    self.cohort.served_tokens +=
                        u64::from(w.input_tokens) + u64::from(w.output_tokens);
                }
            }
            self.woken = woken;
        }
    }

    /// Counts a measured request answered (last) by tier `t` at `now`.
    fn answered(&mut self, t: usize, req: &Req, now: SimTime) {
        if req.measured && req.batch {
            self.tier_cohort[t].served += 1;
            self.cohort.record_batch_success();
            let horizon = self.horizon;
            self.batch_turnaround[t]
                .get_or_insert_with(|| Timings::new(horizon))
                .record(now.minus(req.arrival).0 as f64);
            self.cohort.served_tokens += u64::from(req.input_tokens) + u64::from(req.output_tokens);
        } else if req.measured {
            self.tier_cohort[t].served += 1;
            self.cohort.record_success(now.minus(req.arrival));
            if req.first_token != NO_TOKEN {
                self.cohort
                    .ttft
                    .record(req.first_token.minus(req.arrival).0 as f64);
                if req.output_tokens > 1 {
                    self.cohort.tpot.record(
                        now.minus(req.first_token).0 as f64 / (req.output_tokens - 1) as f64,
                    );
                }
            }
            self.cohort.served_tokens += u64::from(req.input_tokens) + u64::from(req.output_tokens);
        }
    }

    fn fail(&mut self, t: usize, req: &Req, failure: Failure) {
        self.count_failure(t, req, failure);
        self.prompts.release(req.prompt);
        // No answer: nothing is stored, and the requests waiting for it fail with it.
        if req.flight != NO_FLIGHT
            && let Some(lru) = self.cache.as_mut().and_then(|c| c.lru())
        {
            let mut woken = std::mem::take(&mut self.woken);
            lru.abort(req.flight, &mut woken);
            for w in woken.drain(..) {
                if w.measured {
                    self.cohort.record_failure(failure);
                    self.cohort.coalesced_failed.add(failure);
                }
            }
            self.woken = woken;
        }
    }

    fn count_failure(&mut self, t: usize, req: &Req, failure: Failure) {
        if req.measured {
            self.cohort.record_failure(failure);
            self.tier_cohort[t].failed.add(failure);
        }
    }

    fn close_hour(&mut self, now: SimTime) {
        let hour_us = now.minus(self.last_hour_start).0 as f64;
        let mut tiers = Vec::with_capacity(self.tiers.len());
        // The part of the hour after the warm-up is measured: it goes to the calendar.
        let measured_from = self.last_hour_start.max(self.warmup);
        let mut measured = Vec::with_capacity(self.tiers.len());
        for (t, tier) in self.tiers.iter_mut().enumerate() {
            tier.advance(now);
            let totals = tier.totals();
            if now > self.warmup {
                let base = if self.last_hour_start >= self.warmup {
                    &self.at_last_hour[t]
                } else {
                    &self.at_warmup[t]
                };
                measured.push(totals.since(base));
            }
            tiers.push(tier.close_hour(&totals.since(&self.at_last_hour[t]), hour_us));
            self.at_last_hour[t] = totals;
        }
        if now > self.warmup {
            let c = &self.cohort;
            let mark = CohortMark {
                offered: c.offered,
                served: c.served,
                failed: c.failed.total,
                served_tokens: c.served_tokens,
            };
            self.recorder.record(measured_from, now, &measured, mark);
        }
        self.timeline.push(HourStats {
            hour: (self.last_hour_start.0 / SimTime::HOUR.0) as u32,
            hours: hour_us / SimTime::HOUR.0 as f64,
            arrivals: self.arrivals_total - self.arrivals_at_last_hour,
            tiers,
        });
        self.arrivals_at_last_hour = self.arrivals_total;
        self.last_hour_start = now;
    }

    fn finish(mut self) -> RunMetrics {
        // The arrivals since the last full step of the progress count.
        crate::progress::count_simulated(self.arrivals_total & 0xFFFF);
        let end = self.horizon;
        // Instances still alive are billed for the time they lived, with no rounding
        // or minimum: they are not stopped, the run just ends, and rounding here would
        // be multiplied by the monthly projection.
        for tier in &mut self.tiers {
            tier.advance(end);
        }
        if end > self.last_hour_start {
            self.close_hour(end);
        }
        let window = self.scenario.window();
        let window_us = window.0 as f64;
        let served_total = self.cohort.served;
        let mut tiers = Vec::with_capacity(self.tiers.len());
        let mut bottleneck: Option<Bottleneck> = None;
        for (t, run) in self.tiers.iter().enumerate() {
            let spec = &self.scenario.tiers()[t];
            let a = run.totals().since(&self.at_warmup[t]);
            let c = self.tier_cohort[t];
            let failed = c.failed;
            tiers.push(TierStats {
                name: spec.name.clone(),
                kind: match spec.kind {
                    TierKind::SelfHosted(_) => TierKindName::SelfHosted,
                    TierKind::Batched(_) => TierKindName::Batched,
                    TierKind::Api(_) => TierKindName::Api,
                },
                requests: a.arrivals,
                served: c.served,
                share_of_served: ratio(c.served as f64, served_total as f64),
                escalated: c.escalated,
                failed,
                utilization: (!matches!(spec.kind, TierKind::Api(_)))
                    .then(|| ratio(a.busy_area, a.capacity_area)),
                mean_instances: ratio(a.alive_area, window_us),
                peak_instances: run.peak_instances(),
                peak_batch: run.peak_batch(),
                kv_utilization: run
                    .peak_batch()
                    .map(|_| ratio(a.kv_area, a.kv_capacity_area)),
                instance_hours: a.alive_area / 3.6e9,
                billed_instance_hours: (a.alive_area + self.window_extra_us[t]) / 3.6e9,
                spend: a.spend + self.window_extra_spend[t],
                input_tokens: a.input_tokens,
                output_tokens: a.output_tokens,
                api_calls: a.api_calls,
                throttled_attempts: a.throttled_attempts,
                cached_input_tokens: a.cached_input_tokens,
                cache_write_tokens: a.cache_write_tokens,
                prompt_blocks_evicted: a.prompt_blocks_evicted,
                batch_calls: a.batch_calls,
                batch_turnaround_ms: self.batch_turnaround[t].as_ref().and_then(Timings::summary),
                mean_wait_ms: ratio(a.wait_us, a.started as f64) / 1e3,
                wait_probability: ratio(a.waited as f64, a.started as f64),
                mean_in_system: ratio(a.in_system_area, window_us),
                throughput_per_s: ratio(a.departures as f64, window_us / 1e6),
                mean_time_in_tier_ms: ratio(a.sojourn_us, a.departures as f64) / 1e3,
                first_at_max_hours: run.first_at_max().map(|t| t.as_hours_f64()),
                preemptions: a.preemptions,
                requeued: a.requeued,
                lost_service_hours: a.lost_service_us / 3.6e9,
            });
            // A tier gives way when it hits its max instances, sheds over 1% of an hour's
            // requests, or makes them wait longer for a slot than their service takes:
            // queueing then dominates latency and grows without bound as load rises.
            let warmup_hour = (self.warmup.0 / SimTime::HOUR.0) as usize;
            let shedding = self.timeline.iter().skip(warmup_hour).find(|h| {
                let ht = &h.tiers[t];
                ht.shed > 0 && ht.shed as f64 > 0.01 * ht.requests as f64
            });
            let candidates = [
                run.first_at_max()
                    .map(|at| (BottleneckReason::AtMaxInstances, at.as_hours_f64())),
                shedding.map(|h| (BottleneckReason::SheddingLoad, h.hour as f64)),
                self.timeline
                    .iter()
                    .skip(warmup_hour)
                    .find(|h| {
                        h.tiers[t].mean_service_ms > 0.0
                            && h.tiers[t].mean_wait_ms > h.tiers[t].mean_service_ms
                    })
                    .map(|h| (BottleneckReason::LatencyBreaking, h.hour as f64)),
            ];

            for (reason, at_hours) in candidates.into_iter().flatten() {
                if bottleneck.as_ref().is_none_or(|b| at_hours < b.at_hours) {
                    bottleneck = Some(Bottleneck {
                        tier: spec.name.clone(),
                        reason,
                        at_hours,
                    });
                }
            }
        }
        let mut timeline = self.timeline;
        for row in &mut timeline {
            for (hour, spec) in row.tiers.iter_mut().zip(&tiers) {
                hour.name.clone_from(&spec.name);
            }
        }
        let c = &self.cohort;
        let failed_total = c.failed.total;
        RunMetrics {
            scale: self.scale,
            users: self.scenario.workload().users * self.scale,
            window_hours: window.as_hours_f64(),
            requests: RequestCounts {
                offered: c.offered,
                served: c.served,
                failed: c.failed,
                in_flight: c.offered - c.served - failed_total,
                success_rate: ratio(c.served as f64, c.offered as f64),
                served_tokens: c.served_tokens,
                error_rate: ratio(failed_total as f64, c.offered as f64),
            },
            cache: self.cache.as_ref().map(|_| CacheStats {
                lookups: c.cache_lookups,
                hits: c.cache_hits,
                coalesced: c.cache_coalesced,
                coalesced_served: c.coalesced_served,
                coalesced_failed: c.coalesced_failed,
                hit_rate: ratio(c.cache_hits as f64, c.cache_lookups as f64),
            }),
            latency_ms: latency_ms(c),
            ttft_ms: c.ttft.summary(),
            tpot_ms: c.tpot.summary(),
            tiers,
            bottleneck,
            timeline,
            calendar: self.recorder.finish(),
            events: self.events.events_processed() + self.clock_events + self.arrivals_total,
        }
    }
}
