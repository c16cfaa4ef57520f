//! A self-hosted tier: a pool of instances with `concurrency` slots each, one FIFO
//! queue, exact queue timeouts, an autoscaler and billing rules.

use std::collections::VecDeque;

use super::autoscaler;
use super::{Cx, Req, TierBehaviour, TierEvent};
use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::{RequestClass, Scaling, SelfHosted, ServiceTime};
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

/// The pool's own events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A request's service on `instance` ends.
    ServiceDone { instance: u32, req: Req },
    /// The oldest waiting request reaches its timeout.
    QueueTimeout,
    /// An instance launched `generation` finishes starting up.
    InstanceReady { instance: u32, generation: u32 },
    /// The autoscaler evaluates the pool.
    Autoscale,
}

/// Mean service time a pool can expect before it has served anything: the declared
/// mean, or the per-token formula at the mean tokens of the classes routed to it (of
/// all classes, for a tier reached only by escalation).
pub fn expected_service_us(spec: &SelfHosted, classes: &[RequestClass], tier: usize) -> f64 {
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
            let mean = |f: &dyn Fn(&RequestClass) -> f64| {
                pool.iter().map(|c| c.share * f(c)).sum::<f64>() / weight.max(f64::MIN_POSITIVE)
            };
            base_us
                + per_input_token_us * mean(&|c| c.input_tokens.mean())
                + per_output_token_us * mean(&|c| c.output_tokens.mean())
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InstanceState {
    Starting,
    Serving,
    Draining,
    Stopped,
}

#[derive(Clone, Copy, Debug)]
struct Instance {
    state: InstanceState,
    busy: u32,
    launched: SimTime,
    /// Distinguishes reuses of the same slot so a stale "ready" event is ignored.
    generation: u32,
}

/// A self-hosted pool during a run.
pub struct SelfHostedSim {
    spec: SelfHosted,
    instances: Vec<Instance>,
    /// Indices of stopped instances, reused before growing `instances`.
    stopped: Vec<u32>,
    /// One entry per free slot on a serving instance.
    free_slots: Vec<u32>,
    queue: VecDeque<Req>,
    busy: u32,
    serving: u32,
    starting: u32,
    alive: u32,
    /// Requests still in service on draining instances.
    draining_busy: u32,
    /// A timeout check is scheduled (at most one at a time).
    purge_scheduled: bool,
    last_scale_out: Option<SimTime>,
    last_change: Option<SimTime>,
    /// ∫ (busy + queued) dt at the last autoscaler evaluation.
    load_area_at_tick: f64,
    /// Requests shed up to the last autoscaler evaluation.
    shed_at_tick: u64,
    /// Mean service time expected before any request has been served, µs.
    expected_service_us: f64,
    /// Service times.
    rng: SimRng,
    /// Escalation draws of this tier's answers.
    decisions: SimRng,
    accum: TierAccum,
    /// Last time the time integrals were brought up to date.
    updated_at: SimTime,
    peak_alive: u32,
    /// Most instances alive in the current hour of the timeline.
    hour_peak_alive: u32,
    /// The autoscaler wanted more than max in the current hour.
    hour_at_max: bool,
    first_at_max: Option<SimTime>,
}

impl SelfHostedSim {
    pub fn new(
        spec: SelfHosted,
        expected_service_us: f64,
        rng: SimRng,
        decisions: SimRng,
    ) -> SelfHostedSim {
        SelfHostedSim {
            spec,
            instances: Vec::new(),
            stopped: Vec::new(),
            free_slots: Vec::new(),
            queue: VecDeque::new(),
            busy: 0,
            serving: 0,
            starting: 0,
            alive: 0,
            draining_busy: 0,
            purge_scheduled: false,
            last_scale_out: None,
            last_change: None,
            load_area_at_tick: 0.0,
            shed_at_tick: 0,
            expected_service_us,
            rng,
            decisions,
            accum: TierAccum::default(),
            updated_at: SimTime::ZERO,
            peak_alive: 0,
            hour_peak_alive: 0,
            hour_at_max: false,
            first_at_max: None,
        }
    }

    /// Adds an instance in the Starting state; returns its index and generation.
    fn launch(&mut self, now: SimTime) -> (u32, u32) {
        let id = match self.stopped.pop() {
            Some(id) => {
                let inst = &mut self.instances[id as usize];
                inst.state = InstanceState::Starting;
                inst.busy = 0;
                inst.launched = now;
                inst.generation += 1;
                id
            }
            None => {
                self.instances.push(Instance {
                    state: InstanceState::Starting,
                    busy: 0,
                    launched: now,
                    generation: 0,
                });
                (self.instances.len() - 1) as u32
            }
        };
        self.starting += 1;
        self.alive += 1;
        (id, self.instances[id as usize].generation)
    }

    /// Starting → Serving: its slots become free.
    fn make_ready(&mut self, id: u32) {
        self.instances[id as usize].state = InstanceState::Serving;
        self.starting -= 1;
        self.serving += 1;
        for _ in 0..self.spec.concurrency {
            self.free_slots.push(id);
        }
    }

    /// Takes one free slot, if any.
    #[inline]
    fn take_slot(&mut self) -> Option<u32> {
        let id = self.free_slots.pop()?;
        self.instances[id as usize].busy += 1;
        self.busy += 1;
        Some(id)
    }

    /// Ends a service on instance `id`; returns whether that instance still serves.
    #[inline]
    fn release_busy(&mut self, id: u32) -> bool {
        let inst = &mut self.instances[id as usize];
        inst.busy -= 1;
        self.busy -= 1;
        if inst.state == InstanceState::Draining {
            self.draining_busy -= 1;
        }
        inst.state == InstanceState::Serving
    }

    /// Serving → Draining: takes no new work; returns whether it is already idle.
    fn drain(&mut self, id: u32) -> bool {
        self.instances[id as usize].state = InstanceState::Draining;
        self.serving -= 1;
        self.free_slots.retain(|&slot| slot != id);
        self.draining_busy += self.instances[id as usize].busy;
        self.instances[id as usize].busy == 0
    }

    /// Instances to retire, cheapest to lose first: those still starting (newest
    /// first), then serving ones with the fewest requests in hand.
    fn retirement_order(&self) -> Vec<u32> {
        let mut starting: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Starting)
            .collect();
        starting.sort_by_key(|&i| std::cmp::Reverse(self.instances[i as usize].launched));
        let mut serving: Vec<u32> = (0..self.instances.len() as u32)
            .filter(|&i| self.instances[i as usize].state == InstanceState::Serving)
            .collect();
        serving.sort_by_key(|&i| (self.instances[i as usize].busy, i));
        starting.into_iter().chain(serving).collect()
    }

    fn in_system(&self) -> u32 {
        self.busy + self.queue.len() as u32
    }

    /// Stops an instance and books the billed time beyond its life (rounding, minimum):
    /// in the hour it stops for the timeline, and to its launch for the month.
    fn stop_instance<E>(&mut self, id: u32, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        let inst = &mut self.instances[id as usize];
        match inst.state {
            InstanceState::Starting => self.starting -= 1,
            InstanceState::Serving => self.serving -= 1,
            InstanceState::Draining | InstanceState::Stopped => {}
        }
        inst.state = InstanceState::Stopped;
        self.alive -= 1;
        self.stopped.push(id);
        let launched = inst.launched;
        let alive = now.minus(launched);
        let billed = self.spec.billing.billed(alive);
        let extra = billed.minus(alive).0 as f64;
        let money = extra / 3.6e9 * self.spec.price_per_instance_hour;
        self.accum.extra_billed_us += extra;
        self.accum.extra_spend += money;
        cx.billed_extra(launched, extra, money);
    }

    /// Starts `req` on a slot of `instance` already taken by the caller.
    #[inline]
    fn start_service<E>(&mut self, instance: u32, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        let wait = now.minus(req.entered_tier);
        self.accum.started += 1;
        if wait > SimTime::ZERO {
            self.accum.waited += 1;
            self.accum.wait_us += wait.0 as f64;
        }
        let service_us = match self.spec.service_time {
            ServiceTime::Dist(d) => random::sample(&d, &mut self.rng),
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
        self.accum.service_us += service.0 as f64;
        if req.escalated {
            self.accum.escalated_service_us += service.0 as f64;
        }
        if let Some(timeout) = self.spec.timeout {
            // The client gives up, but the instance still finishes the work it started.
            req.timed_out = wait.plus(service) > timeout;
        }
        cx.schedule(
            now.plus(service),
            TierEvent::SelfHosted(Event::ServiceDone { instance, req }),
        );
    }

    fn on_service_done<E>(&mut self, instance: u32, req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        self.accum.departures += 1;
        self.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
        self.accum.input_tokens += req.input_tokens as u64;
        self.accum.output_tokens += req.output_tokens as u64;
        if self.release_busy(instance) {
            if let Some(next) = self.queue.pop_front() {
                self.instances[instance as usize].busy += 1;
                self.busy += 1;
                self.start_service(instance, next, now, cx);
            } else {
                self.free_slots.push(instance);
            }
        } else if self.instances[instance as usize].state == InstanceState::Draining
            && self.instances[instance as usize].busy == 0
        {
            self.stop_instance(instance, now, cx);
        }
        if req.timed_out {
            cx.failed(req, Failure::Timeout);
        } else {
            cx.answered(req);
        }
    }

    fn on_queue_timeout<E>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        self.purge_scheduled = false;
        let Some(timeout) = self.spec.timeout else {
            return;
        };
        while let Some(front) = self.queue.front() {
            if front.entered_tier.plus(timeout) > now {
                break;
            }
            let req = self.queue.pop_front().expect("front exists");
            self.accum.departures += 1;
            self.accum.sojourn_us += timeout.0 as f64;
            self.accum.shed += 1;
            cx.failed(req, Failure::Timeout);
        }
        if let Some(front) = self.queue.front() {
            self.purge_scheduled = true;
            cx.schedule(
                front.entered_tier.plus(timeout),
                TierEvent::SelfHosted(Event::QueueTimeout),
            );
        }
    }

    fn on_instance_ready<E>(
        &mut self,
        instance: u32,
        generation: u32,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
        let inst = self.instances[instance as usize];
        if inst.generation != generation || inst.state != InstanceState::Starting {
            return; // retired while starting
        }
        self.advance(now);
        self.make_ready(instance);
        self.serve_queue(now, cx);
    }

    /// Hands waiting requests to free slots.
    fn serve_queue<E>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        while !self.queue.is_empty() && !self.free_slots.is_empty() {
            let req = self.queue.pop_front().expect("queue is not empty");
            let instance = self.take_slot().expect("a slot is free");
            self.start_service(instance, req, now, cx);
        }
    }

    fn on_autoscale<E>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        let Scaling::Auto(rule) = self.spec.scaling else {
            return;
        };
        let area = self.accum.queue_area + self.accum.busy_area;
        // Requests turned away at a full queue are demand too: without them a pool with
        // no queue (or no instances) would never see a reason to grow.
        let mean_service_us = if self.accum.started > 0 {
            self.accum.service_us / self.accum.started as f64
        } else {
            self.expected_service_us
        };
        let rejected_work = (self.accum.shed - self.shed_at_tick) as f64 * mean_service_us;
        let load = (area - self.load_area_at_tick + rejected_work) / rule.interval.0 as f64;
        self.load_area_at_tick = area;
        self.shed_at_tick = self.accum.shed;
        let obs = autoscaler::Observation {
            load,
            serving: self.serving,
            starting: self.starting,
            now,
            last_scale_out: self.last_scale_out,
            last_change: self.last_change,
        };
        let decision = autoscaler::decide(&rule, self.spec.concurrency, &obs);
        if decision.wanted_more_than_max {
            self.hour_at_max = true;
            if self.first_at_max.is_none() && now >= cx.warmup {
                self.first_at_max = Some(now);
            }
        }
        if decision.delta > 0 {
            self.last_scale_out = Some(now);
            self.last_change = Some(now);
            for _ in 0..decision.delta {
                let (id, generation) = self.launch(now);
                if rule.startup_delay == SimTime::ZERO {
                    self.make_ready(id);
                } else {
                    cx.schedule(
                        now.plus(rule.startup_delay),
                        TierEvent::SelfHosted(Event::InstanceReady {
                            instance: id,
                            generation,
                        }),
                    );
                }
            }
            self.peak_alive = self.peak_alive.max(self.alive);
            self.hour_peak_alive = self.hour_peak_alive.max(self.alive);
            self.serve_queue(now, cx);
        } else if decision.delta < 0 {
            self.last_change = Some(now);
            let victims: Vec<u32> = self
                .retirement_order()
                .into_iter()
                .take((-decision.delta) as usize)
                .collect();
            for id in victims {
                let idle = match self.instances[id as usize].state {
                    InstanceState::Starting => true,
                    _ => self.drain(id),
                };
                if idle {
                    self.stop_instance(id, now, cx);
                }
            }
        }
        // A tick at the horizon could only launch instances that never serve.
        if now.plus(rule.interval) < cx.horizon {
            cx.schedule(
                now.plus(rule.interval),
                TierEvent::SelfHosted(Event::Autoscale),
            );
        }
    }
}

impl TierBehaviour for SelfHostedSim {
    fn start<E>(&mut self, cx: &mut Cx<E>) {
        let initial = match self.spec.scaling {
            Scaling::Fixed { instances } => instances,
            Scaling::Auto(rule) => {
                if rule.interval < cx.horizon {
                    cx.schedule(rule.interval, TierEvent::SelfHosted(Event::Autoscale));
                }
                rule.min
            }
        };
        for _ in 0..initial {
            let (id, _) = self.launch(SimTime::ZERO);
            self.make_ready(id);
        }
        self.peak_alive = initial;
        self.hour_peak_alive = initial;
    }

    #[inline]
    fn arrive<E>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        req.entered_tier = now;
        self.accum.arrivals += 1;
        if let Some(instance) = self.take_slot() {
            self.start_service(instance, req, now, cx);
        } else if self.queue.len() < self.spec.queue_capacity as usize {
            self.queue.push_back(req);
            if let Some(timeout) = self.spec.timeout
                && !self.purge_scheduled
            {
                self.purge_scheduled = true;
                cx.schedule(
                    now.plus(timeout),
                    TierEvent::SelfHosted(Event::QueueTimeout),
                );
            }
        } else {
            self.accum.shed += 1;
            cx.failed(req, Failure::QueueFull);
        }
    }

    #[inline]
    fn handle<E>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
        let TierEvent::SelfHosted(event) = event else {
            unreachable!("events are delivered to the tier that scheduled them")
        };
        match event {
            Event::ServiceDone { instance, req } => self.on_service_done(instance, req, now, cx),
            Event::QueueTimeout => self.on_queue_timeout(now, cx),
            Event::InstanceReady {
                instance,
                generation,
            } => self.on_instance_ready(instance, generation, now, cx),
            Event::Autoscale => self.on_autoscale(now, cx),
        }
    }

    #[inline]
    fn advance(&mut self, now: SimTime) {
        let dt = now.minus(self.updated_at).0 as f64;
        if dt > 0.0 {
            let in_system = self.in_system() as f64;
            let a = &mut self.accum;
            a.busy_area += self.busy as f64 * dt;
            // Draining instances still hold the slots their last requests use, so
            // utilisation stays within [0, 1].
            a.capacity_area +=
                (self.serving * self.spec.concurrency + self.draining_busy) as f64 * dt;
            a.queue_area += self.queue.len() as f64 * dt;
            a.in_system_area += in_system * dt;
            a.alive_area += self.alive as f64 * dt;
            a.spend += self.alive as f64 * dt / 3.6e9 * self.spec.price_per_instance_hour;
            self.updated_at = now;
        }
    }

    fn totals(&self) -> TierAccum {
        self.accum
    }

    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier {
        let mut row = HourTier::from_accum(in_hour, hour_us);
        row.peak_instances = self.hour_peak_alive;
        row.wanted_more_than_max = self.hour_at_max;
        // The next hour starts with the instances alive now.
        self.hour_peak_alive = self.alive;
        self.hour_at_max = false;
        row
    }

    fn peak_instances(&self) -> u32 {
        self.peak_alive
    }

    fn first_at_max(&self) -> Option<SimTime> {
        self.first_at_max
    }

    fn decisions(&mut self) -> &mut SimRng {
        &mut self.decisions
    }

    fn count_escalated(&mut self) {
        self.accum.escalated += 1;
    }
}
