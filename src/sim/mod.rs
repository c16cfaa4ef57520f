//! The discrete-event simulation of one scenario at one load multiplier.
//!
//! Each request is an entity: it arrives, may be answered by the cache, is routed to a
//! tier, waits for a slot (or an API's rate limit), is served, and then succeeds, is
//! escalated to a heavier tier, times out, or is shed. Autoscalers launch and retire
//! instances on their own clock. The event queue (`engine`) knows none of this.

pub mod autoscaler;
pub mod cache;
pub mod engine;
pub mod random;
pub mod tier;
pub mod workload;

use crate::metrics::*;
use crate::model::{Escalation, Scaling, Scenario, ServiceTime, TierKind};
use crate::time::SimTime;
use cache::CacheSim;
use engine::EventQueue;
use tier::{ApiState, InstanceState, Pool, Req, TierRun, TierState};
use workload::{Arrivals, RateShape, RequestSource};

#[derive(Clone, Copy, Debug)]
enum Event {
    /// A request reaches a tier (after the cache lookup, an escalation, or a backoff).
    Dispatch {
        tier: u8,
        req: Req,
    },
    ServiceDone {
        tier: u8,
        instance: u32,
        req: Req,
    },
    ApiDone {
        tier: u8,
        req: Req,
    },
    /// The oldest waiting request of a tier reaches its timeout.
    QueueTimeout {
        tier: u8,
    },
    InstanceReady {
        tier: u8,
        instance: u32,
        generation: u32,
    },
    Autoscale {
        tier: u8,
    },
    WarmupEnd,
    HourTick,
}

/// Runs `scenario` at load multiplier `scale`; `replication` selects independent seeds.
///
/// After Ctrl-C ([`crate::interrupt`]) it stops early and returns partial figures, which
/// the writers in [`crate::output`] then refuse to write.
pub fn simulate(scenario: &Scenario, scale: f64, replication: u64) -> RunMetrics {
    Simulation::new(scenario, scale, replication).run()
}

/// Mean service time a pool can expect before it has served anything: the declared
/// mean, or the per-token formula at the mean tokens of the classes routed to it (of
/// all classes, for a tier reached only by escalation).
fn expected_service_us(
    spec: &crate::model::SelfHosted,
    classes: &[crate::model::RequestClass],
    tier: usize,
) -> f64 {
    match spec.service_time {
        ServiceTime::Dist(d) => d.mean(),
        ServiceTime::PerToken {
            base_us,
            per_input_token_us,
            per_output_token_us,
        } => {
            let routed: Vec<_> = classes.iter().filter(|c| c.tier == tier).collect();
            let pool: Vec<_> = if routed.is_empty() {
                classes.iter().collect()
            } else {
                routed
            };
            let weight: f64 = pool.iter().map(|c| c.share).sum();
            let mean = |f: &dyn Fn(&crate::model::RequestClass) -> f64| {
                pool.iter().map(|c| c.share * f(c)).sum::<f64>() / weight.max(f64::MIN_POSITIVE)
            };
            base_us
                + per_input_token_us * mean(&|c| c.input_tokens.mean())
                + per_output_token_us * mean(&|c| c.output_tokens.mean())
        }
    }
}

struct ClassRoute {
    tier: u8,
    cacheable: bool,
}

struct Simulation<'a> {
    scenario: &'a Scenario,
    scale: f64,
    events: EventQueue<Event>,
    arrivals: Arrivals,
    requests: RequestSource,
    routes: Vec<ClassRoute>,
    cache: Option<CacheSim>,
    lookup_latency: SimTime,
    tiers: Vec<TierRun>,
    escalations: Vec<Option<Escalation>>,
    cohort: Cohort,
    tier_cohort: Vec<TierCohort>,
    warmup: SimTime,
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
        let w = &scenario.workload;
        let seed = scenario.seed;
        let distinct_keys = w.keys.map(|k| k.distinct_at(scale)).unwrap_or(1);
        let lru = matches!(
            scenario.cache.as_ref().map(|c| c.model),
            Some(crate::model::CacheModel::Lru { .. })
        );
        let zipf = if lru {
            w.keys.map(|k| (distinct_keys, k.zipf_exponent))
        } else {
            None
        };
        let tiers = scenario
            .tiers
            .iter()
            .enumerate()
            .map(|(i, t)| TierRun {
                state: match &t.kind {
                    TierKind::SelfHosted(s) => {
                        let mut pool = Pool::new(s.clone());
                        pool.expected_service_us = expected_service_us(s, &w.classes, i);
                        TierState::Pool(pool)
                    }
                    TierKind::Api(a) => TierState::Api(ApiState::new(a.clone())),
                },
                rng: random::stream(seed, scale, replication, random::TIER_BASE + 2 * i as u64),
                decisions: random::stream(
                    seed,
                    scale,
                    replication,
                    random::TIER_BASE + 2 * i as u64 + 1,
                ),

                accum: TierAccum::default(),
                updated_at: SimTime::ZERO,
                peak_alive: 0,
                hour_peak_alive: 0,
                hour_at_max: false,
                first_at_max: None,
            })
            .collect();
        let n_tiers = scenario.tiers.len();
        Simulation {
            scenario,
            scale,
            events: EventQueue::default(),
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
            routes: w
                .classes
                .iter()
                .map(|c| ClassRoute {
                    tier: c.tier as u8,
                    cacheable: c.cacheable,
                })
                .collect(),
            cache: scenario.cache.as_ref().map(|c| {
                CacheSim::new(
                    &c.model,
                    distinct_keys,
                    random::stream(seed, scale, replication, random::CACHE),
                )
            }),
            lookup_latency: scenario
                .cache
                .as_ref()
                .map(|c| c.lookup_latency)
                .unwrap_or(SimTime::ZERO),
            tiers,
            escalations: scenario.tiers.iter().map(|t| t.escalation).collect(),
            cohort: Cohort::new(w.horizon),
            tier_cohort: vec![TierCohort::default(); n_tiers],
            warmup: w.warmup,
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
        if self.warmup > SimTime::ZERO {
            // Scheduled first, so at its instant it is handled before anything else.
            self.events.schedule(self.warmup, Event::WarmupEnd);
        }
        let mut hour = SimTime::HOUR;
        while hour < self.horizon {
            self.events.schedule(hour, Event::HourTick);
            hour = hour.plus(SimTime::HOUR);
        }
        for t in 0..self.tiers.len() {
            self.start_tier(t);
        }
        // The next arrival waits beside the queue rather than in it: that halves the
        // heap operations per request. At equal times scheduled events go first, so the
        // order stays total and deterministic.
        let mut next_arrival = self.arrivals.next_arrival();
        loop {
            if let Some(at) = next_arrival
                && self.events.peek_time().is_none_or(|due| at < due)
            {
                next_arrival = self.arrivals.next_arrival();
                self.on_arrival(at);
                // Ctrl-C is polled every 65,536 arrivals (a few milliseconds of work), on
                // a counter the arrival keeps anyway, so the hot path gains nothing. Once
                // asked, the run takes no more arrivals and ends at this instant.
                if self.arrivals_total & 0xFFFF == 0 && self.stop_if_interrupted(at) {
                    next_arrival = None;
                }
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

    fn start_tier(&mut self, t: usize) {
        let TierState::Pool(pool) = &mut self.tiers[t].state else {
            return;
        };
        let initial = match pool.spec.scaling {
            Scaling::Fixed { instances } => instances,
            Scaling::Auto(rule) => {
                if rule.interval < self.horizon {
                    self.events
                        .schedule(rule.interval, Event::Autoscale { tier: t as u8 });
                }
                rule.min
            }
        };
        for _ in 0..initial {
            let (id, _) = pool.launch(SimTime::ZERO);
            pool.make_ready(id);
        }
        self.tiers[t].peak_alive = initial;
        self.tiers[t].hour_peak_alive = initial;
    }

    #[inline]
    fn handle(&mut self, now: SimTime, event: Event) {
        match event {
            Event::Dispatch { tier, req } => self.dispatch(tier as usize, req, now),
            Event::ServiceDone {
                tier,
                instance,
                req,
            } => self.on_service_done(tier as usize, instance, req, now),
            Event::ApiDone { tier, req } => self.on_api_done(tier as usize, req, now),
            Event::QueueTimeout { tier } => self.on_queue_timeout(tier as usize, now),
            Event::InstanceReady {
                tier,
                instance,
                generation,
            } => self.on_instance_ready(tier as usize, instance, generation, now),
            Event::Autoscale { tier } => {
                self.on_autoscale(tier as usize, now);
                // Also polled here and hourly, for runs with few arrivals but many ticks.
                self.stop_if_interrupted(now);
            }
            Event::WarmupEnd => {
                for (t, tier) in self.tiers.iter_mut().enumerate() {
                    tier.advance(now);
                    self.at_warmup[t] = tier.accum;
                }
            }
            Event::HourTick => {
                self.close_hour(now);
                self.stop_if_interrupted(now);
            }
        }
    }

    fn on_arrival(&mut self, now: SimTime) {
        let draw = self.requests.draw();
        let measured = now >= self.warmup;
        self.arrivals_total += 1;
        if measured {
            self.cohort.offered += 1;
        }
        let route = &self.routes[draw.class as usize];
        let tier = route.tier;
        let mut req = Req {
            arrival: now,
            entered_tier: now,
            input_tokens: draw.input_tokens,
            output_tokens: draw.output_tokens,
            attempts: 0,
            timed_out: false,
            measured,
        };
        if route.cacheable
            && let Some(cache) = &mut self.cache
        {
            let hit = cache.lookup(draw.key, now);
            if measured {
                self.cohort.cache_lookups += 1;
                if hit {
                    self.cohort.cache_hits += 1;
                    self.cohort.record_success(self.lookup_latency);
                    self.cohort.served_tokens +=
                        u64::from(req.input_tokens) + u64::from(req.output_tokens);
                }
            }
            if hit {
                return;
            }
            if self.lookup_latency > SimTime::ZERO {
                req.entered_tier = now.plus(self.lookup_latency);
                self.events
                    .schedule(req.entered_tier, Event::Dispatch { tier, req });
                return;
            }
        }
        self.dispatch(tier as usize, req, now);
    }

    fn dispatch(&mut self, t: usize, mut req: Req, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        match &mut tier.state {
            TierState::Pool(pool) => {
                req.entered_tier = now;
                tier.accum.arrivals += 1;
                if let Some(instance) = pool.take_slot() {
                    self.start_service(t, instance, req, now);
                } else if pool.queue.len() < pool.spec.queue_capacity as usize {
                    pool.queue.push_back(req);
                    if let Some(timeout) = pool.spec.timeout
                        && !pool.purge_scheduled
                    {
                        pool.purge_scheduled = true;
                        self.events
                            .schedule(now.plus(timeout), Event::QueueTimeout { tier: t as u8 });
                    }
                } else {
                    tier.accum.shed += 1;
                    self.fail(t, &req, Failure::QueueFull);
                }
            }
            TierState::Api(api) => {
                if req.attempts == 0 {
                    req.entered_tier = now;
                    tier.accum.arrivals += 1;
                    api.in_system += 1;
                }
                if api.admit(now) {
                    // Tokens and fee are booked when the call is accepted, together, so
                    // cost is always calls × price; they are billed even if the client
                    // gives up before the answer.
                    tier.accum.api_calls += 1;
                    tier.accum.input_tokens += req.input_tokens as u64;
                    tier.accum.output_tokens += req.output_tokens as u64;

                    let latency = random::duration(&api.spec.latency, &mut tier.rng);

                    if let Some(timeout) = api.spec.timeout {
                        req.timed_out = latency > timeout;
                    }
                    self.events
                        .schedule(now.plus(latency), Event::ApiDone { tier: t as u8, req });
                } else {
                    tier.accum.throttled_attempts += 1;
                    let retry = api.spec.retry;
                    if (req.attempts as u32) < retry.max_retries {
                        req.attempts += 1;
                        // Exponential backoff with ±50% jitter, as client libraries do.
                        let factor = (1u64 << (req.attempts - 1).min(30)) as f64
                            * (0.5 + random::uniform(&mut tier.decisions));
                        let wait =
                            SimTime((retry.backoff.0 as f64 * factor).round().max(1.0) as u64);
                        self.events
                            .schedule(now.plus(wait), Event::Dispatch { tier: t as u8, req });
                    } else {
                        api.in_system -= 1;
                        tier.accum.departures += 1;
                        tier.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
                        tier.accum.shed += 1;
                        self.fail(t, &req, Failure::Throttled);
                    }
                }
            }
        }
    }

    /// Starts `req` on a slot of `instance` already taken by the caller.
    #[inline]
    fn start_service(&mut self, t: usize, instance: u32, mut req: Req, now: SimTime) {
        let tier = &mut self.tiers[t];
        let TierState::Pool(pool) = &tier.state else {
            unreachable!("service starts only on pools")
        };
        let wait = now.minus(req.entered_tier);
        tier.accum.started += 1;
        if wait > SimTime::ZERO {
            tier.accum.waited += 1;
            tier.accum.wait_us += wait.0 as f64;
        }
        let service_us = match pool.spec.service_time {
            ServiceTime::Dist(d) => random::sample(&d, &mut tier.rng),
            ServiceTime::PerToken {
                base_us,
                per_input_token_us,
                per_output_token_us,
            } => {
                base_us
                    + req.input_tokens as f64 * per_input_token_us
                    + req.output_tokens as f64 * per_output_token_us
            }
        };
        let service = SimTime(random::round_up_to_1(service_us));
        tier.accum.service_us += service.0 as f64;

        if let Some(timeout) = pool.spec.timeout {
            // The client gives up, but the instance still finishes the work it started.
            req.timed_out = wait.plus(service) > timeout;
        }
        self.events.schedule(
            now.plus(service),
            Event::ServiceDone {
                tier: t as u8,
                instance,
                req,
            },
        );
    }

    fn on_service_done(&mut self, t: usize, instance: u32, req: Req, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        tier.accum.departures += 1;
        tier.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
        tier.accum.input_tokens += req.input_tokens as u64;
        tier.accum.output_tokens += req.output_tokens as u64;
        let TierState::Pool(pool) = &mut tier.state else {
            unreachable!("service ends only on pools")
        };
        if pool.release_busy(instance) {
            if let Some(next) = pool.queue.pop_front() {
                pool.instances[instance as usize].busy += 1;
                pool.busy += 1;
                self.start_service(t, instance, next, now);
            } else {
                pool.free_slots.push(instance);
            }
        } else if pool.instances[instance as usize].state == InstanceState::Draining
            && pool.instances[instance as usize].busy == 0
        {
            self.stop_instance(t, instance, now);
        }
        if req.timed_out {
            self.fail(t, &req, Failure::Timeout);
        } else {
            self.succeed(t, req, now);
        }
    }

    fn on_api_done(&mut self, t: usize, req: Req, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        let TierState::Api(api) = &mut tier.state else {
            unreachable!("API calls end only on APIs")
        };
        api.in_system -= 1;
        tier.accum.departures += 1;
        tier.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;

        if req.timed_out {
            self.fail(t, &req, Failure::Timeout);
        } else {
            self.succeed(t, req, now);
        }
    }

    fn on_queue_timeout(&mut self, t: usize, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        let TierState::Pool(pool) = &mut tier.state else {
            unreachable!("only pools queue")
        };
        pool.purge_scheduled = false;
        let Some(timeout) = pool.spec.timeout else {
            return;
        };
        let mut expired = Vec::new();
        while let Some(front) = pool.queue.front() {
            if front.entered_tier.plus(timeout) > now {
                break;
            }
            expired.push(pool.queue.pop_front().expect("front exists"));
        }
        if let Some(front) = pool.queue.front() {
            pool.purge_scheduled = true;
            self.events.schedule(
                front.entered_tier.plus(timeout),
                Event::QueueTimeout { tier: t as u8 },
            );
        }
        for req in expired {
            let tier = &mut self.tiers[t];
            tier.accum.departures += 1;
            tier.accum.sojourn_us += timeout.0 as f64;
            tier.accum.shed += 1;
            self.fail(t, &req, Failure::Timeout);
        }
    }

    fn on_instance_ready(&mut self, t: usize, instance: u32, generation: u32, now: SimTime) {
        let tier = &mut self.tiers[t];
        let TierState::Pool(pool) = &tier.state else {
            return;
        };
        let inst = pool.instances[instance as usize];
        if inst.generation != generation || inst.state != InstanceState::Starting {
            return; // retired while starting
        }
        tier.advance(now);
        let TierState::Pool(pool) = &mut tier.state else {
            return;
        };
        pool.make_ready(instance);
        self.serve_queue(t, now);
    }

    /// Hands waiting requests to free slots.
    fn serve_queue(&mut self, t: usize, now: SimTime) {
        loop {
            let TierState::Pool(pool) = &mut self.tiers[t].state else {
                return;
            };
            if pool.queue.is_empty() || pool.free_slots.is_empty() {
                return;
            }
            let req = pool.queue.pop_front().expect("queue is not empty");
            let instance = pool.take_slot().expect("a slot is free");
            self.start_service(t, instance, req, now);
        }
    }

    fn on_autoscale(&mut self, t: usize, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        let TierState::Pool(pool) = &mut tier.state else {
            return;
        };
        let Scaling::Auto(rule) = pool.spec.scaling else {
            return;
        };
        let area = tier.accum.queue_area + tier.accum.busy_area;
        // Requests turned away at a full queue are demand too: without them a pool with
        // no queue (or no instances) would never see a reason to grow.
        let mean_service_us = if tier.accum.started > 0 {
            tier.accum.service_us / tier.accum.started as f64
        } else {
            pool.expected_service_us
        };
        let rejected_work = (tier.accum.shed - pool.shed_at_tick) as f64 * mean_service_us;
        let load = (area - pool.load_area_at_tick + rejected_work) / rule.interval.0 as f64;
        pool.load_area_at_tick = area;
        pool.shed_at_tick = tier.accum.shed;
        let obs = autoscaler::Observation {
            load,
            serving: pool.serving,
            starting: pool.starting,
            now,
            last_scale_out: pool.last_scale_out,
            last_change: pool.last_change,
        };
        let decision = autoscaler::decide(&rule, pool.spec.concurrency, &obs);
        if decision.wanted_more_than_max {
            tier.hour_at_max = true;
            if tier.first_at_max.is_none() && now >= self.warmup {
                tier.first_at_max = Some(now);
            }
        }
        if decision.delta > 0 {
            pool.last_scale_out = Some(now);
            pool.last_change = Some(now);
            for _ in 0..decision.delta {
                let (id, generation) = pool.launch(now);
                if rule.startup_delay == SimTime::ZERO {
                    pool.make_ready(id);
                } else {
                    self.events.schedule(
                        now.plus(rule.startup_delay),
                        Event::InstanceReady {
                            tier: t as u8,
                            instance: id,
                            generation,
                        },
                    );
                }
            }
            tier.peak_alive = tier.peak_alive.max(pool.alive);
            tier.hour_peak_alive = tier.hour_peak_alive.max(pool.alive);
            self.serve_queue(t, now);
        } else if decision.delta < 0 {
            pool.last_change = Some(now);
            let victims: Vec<u32> = pool
                .retirement_order()
                .into_iter()
                .take((-decision.delta) as usize)
                .collect();
            for id in victims {
                let TierState::Pool(pool) = &mut self.tiers[t].state else {
                    unreachable!()
                };
                let idle = match pool.instances[id as usize].state {
                    InstanceState::Starting => true,
                    _ => pool.drain(id),
                };
                if idle {
                    self.stop_instance(t, id, now);
                }
            }
        }
        // A tick at the horizon could only launch instances that never serve.
        if now.plus(rule.interval) < self.horizon {
            self.events
                .schedule(now.plus(rule.interval), Event::Autoscale { tier: t as u8 });
        }
    }

    /// Stops an instance and books the billed time beyond its life (rounding, minimum).
    fn stop_instance(&mut self, t: usize, id: u32, now: SimTime) {
        let tier = &mut self.tiers[t];
        tier.advance(now);
        let TierState::Pool(pool) = &mut tier.state else {
            return;
        };
        let alive = pool.stop(id, now);
        let billed = pool.spec.billing.billed(alive);
        tier.accum.extra_billed_us += billed.minus(alive).0 as f64;
    }

    fn succeed(&mut self, t: usize, mut req: Req, now: SimTime) {
        if let Some(esc) = self.escalations[t]
            && random::uniform(&mut self.tiers[t].decisions) < esc.share_at(now)
        {
            self.tiers[t].accum.escalated += 1;
            if req.measured {
                self.tier_cohort[t].escalated += 1;
            }
            req.attempts = 0;
            req.timed_out = false;
            self.dispatch(esc.to, req, now);
            return;
        }
        if req.measured {
            self.tier_cohort[t].served += 1;
            self.cohort.record_success(now.minus(req.arrival));
            self.cohort.served_tokens += u64::from(req.input_tokens) + u64::from(req.output_tokens);
        }
    }

    fn fail(&mut self, t: usize, req: &Req, failure: Failure) {
        if req.measured {
            self.cohort.record_failure(failure);
            let c = &mut self.tier_cohort[t];
            match failure {
                Failure::QueueFull => c.queue_full += 1,
                Failure::Timeout => c.timeout += 1,
                Failure::Throttled => c.throttled += 1,
            }
        }
    }

    fn close_hour(&mut self, now: SimTime) {
        let hour_us = now.minus(self.last_hour_start).0 as f64;
        let mut tiers = Vec::with_capacity(self.tiers.len());
        for (t, tier) in self.tiers.iter_mut().enumerate() {
            tier.advance(now);
            let mut row = HourTier::from_accum(&tier.accum.since(&self.at_last_hour[t]), hour_us);
            row.peak_instances = tier.hour_peak_alive;
            row.wanted_more_than_max = tier.hour_at_max;
            tiers.push(row);
            self.at_last_hour[t] = tier.accum;
            // The next hour starts with the instances alive now.
            tier.hour_peak_alive = match &tier.state {
                TierState::Pool(p) => p.alive,
                TierState::Api(_) => 0,
            };
            tier.hour_at_max = false;
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
            let spec = &self.scenario.tiers[t];
            let a = run.accum.since(&self.at_warmup[t]);
            let c = self.tier_cohort[t];
            let failed = FailureCounts {
                queue_full: c.queue_full,
                timeout: c.timeout,
                throttled: c.throttled,
                total: c.queue_full + c.timeout + c.throttled,
            };
            tiers.push(TierStats {
                name: spec.name.clone(),
                kind: match spec.kind {
                    TierKind::SelfHosted(_) => "self_hosted",
                    TierKind::Api(_) => "api",
                },
                requests: a.arrivals,
                served: c.served,
                share_of_served: ratio(c.served as f64, served_total as f64),
                escalated: c.escalated,
                failed,
                utilization: ratio(a.busy_area, a.capacity_area),
                mean_instances: ratio(a.alive_area, window_us),
                peak_instances: run.peak_alive,
                instance_hours: a.alive_area / 3.6e9,
                billed_instance_hours: a.billed_us() / 3.6e9,
                input_tokens: a.input_tokens,
                output_tokens: a.output_tokens,
                api_calls: a.api_calls,
                throttled_attempts: a.throttled_attempts,
                mean_wait_ms: ratio(a.wait_us, a.started as f64) / 1e3,
                wait_probability: ratio(a.waited as f64, a.started as f64),
                mean_in_system: ratio(a.in_system_area, window_us),
                throughput_per_s: ratio(a.departures as f64, window_us / 1e6),
                mean_time_in_tier_ms: ratio(a.sojourn_us, a.departures as f64) / 1e3,
                first_at_max_hours: run.first_at_max.map(|t| t.as_hours_f64()),
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
                run.first_at_max
                    .map(|at| ("at_max_instances", at.as_hours_f64())),
                shedding.map(|h| ("shedding_load", h.hour as f64)),
                self.timeline
                    .iter()
                    .skip(warmup_hour)
                    .find(|h| {
                        h.tiers[t].mean_service_ms > 0.0
                            && h.tiers[t].mean_wait_ms > h.tiers[t].mean_service_ms
                    })
                    .map(|h| ("latency_breaking", h.hour as f64)),
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
        let c = &self.cohort;
        let failed_total = c.queue_full + c.timeout + c.throttled;
        RunMetrics {
            scale: self.scale,
            users: self.scenario.workload.users * self.scale,
            window_hours: window.as_hours_f64(),
            requests: RequestCounts {
                offered: c.offered,
                served: c.served,
                failed: FailureCounts {
                    queue_full: c.queue_full,
                    timeout: c.timeout,
                    throttled: c.throttled,
                    total: failed_total,
                },
                in_flight: c.offered - c.served - failed_total,
                success_rate: ratio(c.served as f64, c.offered as f64),
                served_tokens: c.served_tokens,
                error_rate: ratio(failed_total as f64, c.offered as f64),
            },
            cache: self.cache.as_ref().map(|_| CacheStats {
                lookups: c.cache_lookups,
                hits: c.cache_hits,
                hit_rate: ratio(c.cache_hits as f64, c.cache_lookups as f64),
            }),
            latency_ms: latency_ms(c),
            tiers,
            bottleneck,
            timeline: self.timeline,
            events: self.events.events_processed() + self.arrivals_total,
        }
    }
}
