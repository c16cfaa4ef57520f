//! A self-hosted tier: a pool of instances with `concurrency` slots each, one FIFO
//! queue, exact queue timeouts, an autoscaler and billing rules.

use std::collections::VecDeque;

use super::fleet::{Fleet, InstanceState, Prices};
use super::{Cx, Req, TierBehaviour, TierEvent, Wrap};
use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::{RequestClass, Scaling, SelfHosted, ServiceTime};
use crate::sim::random::{self, SimRng};
use crate::time::SimTime;

/// The pool's own events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// A request's service on `instance` (launched `generation`) ends.
    ServiceDone {
        instance: u32,
        generation: u32,
        req: Req,
    },
    /// The oldest waiting request reaches its timeout.
    QueueTimeout,
    /// An instance launched `generation` finishes starting up.
    InstanceReady { instance: u32, generation: u32 },
    /// The autoscaler evaluates the pool.
    Autoscale,
    /// A spot instance is warned it will be taken back (`gone` false), or is taken back.
    Preempt {
        instance: u32,
        generation: u32,
        gone: bool,
    },
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

/// A self-hosted pool during a run.
pub struct SelfHostedSim {
    spec: SelfHosted,
    fleet: Fleet,
    /// Requests in service on each instance (by the fleet's index).
    busy_on: Vec<u32>,
    /// One entry per free slot on a serving instance.
    free_slots: Vec<u32>,
    queue: VecDeque<Req>,
    busy: u32,
    /// Requests still in service on draining instances.
    draining_busy: u32,
    /// A timeout check is scheduled (at most one at a time).
    purge_scheduled: bool,
    /// Mean service time expected before any request has been served, µs.
    expected_service_us: f64,
    /// Service times.
    rng: SimRng,
    /// Escalation draws of this tier's answers.
    decisions: SimRng,
    /// When spot instances are taken back.
    spot: SimRng,
    /// With spot instances: the requests each instance has in service and when they
    /// started, to send them back to the queue if it is taken back.
    in_service: Option<Vec<Vec<(Req, SimTime)>>>,
    accum: TierAccum,
    /// ∫ busy slots dt and ∫ waiting requests dt, slot·µs: the levels every arrival
    /// and departure moves, summed in whole numbers (exact, and an integer multiply
    /// per event); read out as `busy_area`, `queue_area` and their sum.
    busy_us: u128,
    queue_us: u128,
    /// Last time those two were brought up to date.
    load_at: SimTime,
    /// Last time the fleet's integrals (capacity, instances alive, spend), which move
    /// only when instances start, drain or stop, were brought up to date.
    updated_at: SimTime,
}

impl SelfHostedSim {
    pub fn new(
        spec: SelfHosted,
        expected_service_us: f64,
        rng: SimRng,
        decisions: SimRng,
        spot: SimRng,
    ) -> SelfHostedSim {
        let spec_has_spot = spec.purchase.spot.is_some();
        let fleet = Fleet::new(Prices {
            on_demand_per_hour: spec.price_per_instance_hour,
            billing: spec.billing,
            purchase: spec.purchase,
        });
        SelfHostedSim {
            spec,
            fleet,
            busy_on: Vec::new(),
            free_slots: Vec::new(),
            queue: VecDeque::new(),
            busy: 0,
            draining_busy: 0,
            purge_scheduled: false,
            expected_service_us,
            rng,
            decisions,
            in_service: spec_has_spot.then(Vec::new),
            spot,
            accum: TierAccum::default(),
            busy_us: 0,
            queue_us: 0,
            load_at: SimTime::ZERO,
            updated_at: SimTime::ZERO,
        }
    }

    /// Adds an instance in the Starting state; returns its index and generation.
    fn launch<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) -> (u32, u32) {
        let (id, generation, bought) = self.fleet.launch(now);
        if self.busy_on.len() <= id as usize {
            self.busy_on.resize(id as usize + 1, 0);
        }
        self.busy_on[id as usize] = 0;
        if let Some(lists) = &mut self.in_service {
            if lists.len() <= id as usize {
                lists.resize_with(id as usize + 1, Vec::new);
            }
            lists[id as usize].clear();
        }
        if bought == super::fleet::Bought::Spot {
            self.fleet.schedule_preemption(
                id,
                generation,
                now,
                &mut self.spot,
                cx,
                |i, g, gone| {
                    TierEvent::SelfHosted(Event::Preempt {
                        instance: i,
                        generation: g,
                        gone,
                    })
                },
            );
        }
        (id, generation)
    }

    /// Starting → Serving: its slots become free.
    fn make_ready(&mut self, id: u32) {
        self.fleet.make_ready(id);
        for _ in 0..self.spec.concurrency {
            self.free_slots.push(id);
        }
    }

    /// Takes one free slot, if any.
    #[inline]
    fn take_slot(&mut self) -> Option<u32> {
        let id = self.free_slots.pop()?;
        self.busy_on[id as usize] += 1;
        self.busy += 1;
        Some(id)
    }

    /// Ends a service on instance `id`; returns whether that instance still serves.
    #[inline]
    fn release_busy(&mut self, id: u32) -> bool {
        self.busy_on[id as usize] -= 1;
        self.busy -= 1;
        let state = self.fleet.instances[id as usize].state;
        if state == InstanceState::Draining {
            self.draining_busy -= 1;
        }
        state == InstanceState::Serving
    }

    /// Serving → Draining: takes no new work; returns whether it is already idle.
    fn drain(&mut self, id: u32) -> bool {
        self.fleet.drain(id);
        self.free_slots.retain(|&slot| slot != id);
        self.draining_busy += self.busy_on[id as usize];
        self.busy_on[id as usize] == 0
    }

    /// Stops an instance and books the billed time beyond its life (rounding, minimum).
    fn stop_instance<E: Wrap>(&mut self, id: u32, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        self.fleet.stop(id, now, false, &mut self.accum, cx);
    }

    /// Brings ∫ busy and ∫ queue up to `now`; enough for an event that moves no
    /// instance.
    #[inline(always)]
    fn advance_load(&mut self, now: SimTime) {
        let dt = u128::from(now.minus(self.load_at).0);
        self.busy_us += u128::from(self.busy) * dt;
        self.queue_us += self.queue.len() as u128 * dt;
        self.load_at = now;
    }

    /// Starts `req` on a slot of `instance` already taken by the caller.
    #[inline]
    fn start_service<E: Wrap>(
        &mut self,
        instance: u32,
        mut req: Req,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
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
        if let Some(lists) = &mut self.in_service {
            lists[instance as usize].push((req, now));
        }
        let generation = self.fleet.instances[instance as usize].generation;
        cx.schedule(
            now.plus(service),
            TierEvent::SelfHosted(Event::ServiceDone {
                instance,
                generation,
                req,
            }),
        );
    }

    fn on_service_done<E: Wrap>(
        &mut self,
        instance: u32,
        generation: u32,
        req: Req,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
        if !self.fleet.is_current(instance, generation) {
            return; // taken back mid-service: the request went back to the queue
        }
        // A draining instance's last services hold capacity: ending one moves the
        // fleet's integrals too.
        if self.fleet.instances[instance as usize].state == InstanceState::Serving {
            self.advance_load(now);
        } else {
            self.advance(now);
        }
        if let Some(lists) = &mut self.in_service {
            let list = &mut lists[instance as usize];
            if let Some(k) = list
                .iter()
                .position(|(r, _)| r.arrival == req.arrival && r.entered_tier == req.entered_tier)
            {
                list.swap_remove(k);
            }
        }
        self.accum.departures += 1;
        self.accum.sojourn_us += now.minus(req.entered_tier).0 as f64;
        self.accum.input_tokens += req.input_tokens as u64;
        self.accum.output_tokens += req.output_tokens as u64;
        if self.release_busy(instance) {
            if let Some(next) = self.queue.pop_front() {
                self.busy_on[instance as usize] += 1;
                self.busy += 1;
                self.start_service(instance, next, now, cx);
            } else {
                self.free_slots.push(instance);
            }
        } else if self.fleet.instances[instance as usize].state == InstanceState::Draining
            && self.busy_on[instance as usize] == 0
        {
            self.stop_instance(instance, now, cx);
        }
        if req.timed_out {
            cx.failed(req, Failure::Timeout);
        } else {
            cx.answered(req);
        }
    }

    fn on_queue_timeout<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) {
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

    fn on_instance_ready<E: Wrap>(
        &mut self,
        instance: u32,
        generation: u32,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
        let inst = self.fleet.instances[instance as usize];
        if inst.generation != generation || inst.state != InstanceState::Starting {
            return; // retired while starting
        }
        self.advance(now);
        self.make_ready(instance);
        self.serve_queue(now, cx);
    }

    /// A spot instance is warned (it takes no new work from now, and stops if idle), or
    /// taken back: what it had in service goes back to the front of the queue, its
    /// service so far lost.
    fn on_preempt<E: Wrap>(
        &mut self,
        id: u32,
        generation: u32,
        gone: bool,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
        if !self.fleet.is_current(id, generation) {
            return;
        }
        self.advance(now);
        let state = self.fleet.instances[id as usize].state;
        if !gone {
            // The provider has decided: the instance is as good as taken back, whether
            // it is let go now (idle), drains first, or is still busy when it goes.
            self.fleet.notice(id);
            self.accum.preemptions += 1;
            if state == InstanceState::Serving && self.drain(id) {
                self.fleet.stop(id, now, true, &mut self.accum, cx);
            }
            return;
        }
        if let Some(lists) = &mut self.in_service {
            let mut taken = std::mem::take(&mut lists[id as usize]);
            taken.sort_by_key(|(r, _)| std::cmp::Reverse(r.entered_tier));
            let n = taken.len() as u32;
            for (mut req, started) in taken {
                self.accum.lost_service_us += now.minus(started).0 as f64;
                self.accum.requeued += 1;
                req.timed_out = false;
                self.queue.push_front(req);
            }
            self.busy -= n;
            self.busy_on[id as usize] = 0;
            if state == InstanceState::Draining {
                self.draining_busy -= n;
            }
        }
        self.free_slots.retain(|&slot| slot != id);
        self.fleet.stop(id, now, true, &mut self.accum, cx);
        if let Some(timeout) = self.spec.timeout
            && !self.purge_scheduled
            && let Some(front) = self.queue.front()
        {
            self.purge_scheduled = true;
            let due = front.entered_tier.plus(timeout).max(now);
            cx.schedule(due, TierEvent::SelfHosted(Event::QueueTimeout));
        }
        self.serve_queue(now, cx);
    }

    /// Hands waiting requests to free slots.
    fn serve_queue<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        while !self.queue.is_empty() && !self.free_slots.is_empty() {
            let req = self.queue.pop_front().expect("queue is not empty");
            let instance = self.take_slot().expect("a slot is free");
            self.start_service(instance, req, now, cx);
        }
    }

    fn on_autoscale<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        let Scaling::Auto(rule) = self.spec.scaling else {
            return;
        };
        let area = (self.queue_us + self.busy_us) as f64;
        let mean_service_us = if self.accum.started > 0 {
            self.accum.service_us / self.accum.started as f64
        } else {
            self.expected_service_us
        };
        let decision = self.fleet.evaluate(
            &rule,
            self.spec.concurrency,
            area,
            self.accum.shed,
            mean_service_us,
            now,
            cx.warmup,
        );
        if decision.delta > 0 {
            for _ in 0..decision.delta {
                let (id, generation) = self.launch(now, cx);
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
            self.serve_queue(now, cx);
        } else if decision.delta < 0 {
            let busy_on = &self.busy_on;
            let victims: Vec<u32> = self
                .fleet
                .retirement_order(|i| busy_on[i as usize])
                .into_iter()
                .take((-decision.delta) as usize)
                .collect();
            for id in victims {
                let idle = match self.fleet.instances[id as usize].state {
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
    fn start<E: Wrap>(&mut self, cx: &mut Cx<E>) {
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
            let (id, _) = self.launch(SimTime::ZERO, cx);
            self.make_ready(id);
        }
    }

    #[inline]
    fn arrive<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance_load(now);
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
    fn handle<E: Wrap>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
        let TierEvent::SelfHosted(event) = event else {
            unreachable!("events are delivered to the tier that scheduled them")
        };
        match event {
            Event::ServiceDone {
                instance,
                generation,
                req,
            } => self.on_service_done(instance, generation, req, now, cx),
            Event::Preempt {
                instance,
                generation,
                gone,
            } => self.on_preempt(instance, generation, gone, now, cx),
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
        self.advance_load(now);
        let dt = now.minus(self.updated_at).0 as f64;
        if dt > 0.0 {
            let a = &mut self.accum;
            // Draining instances still hold the slots their last requests use, so
            // utilisation stays within [0, 1].
            a.capacity_area +=
                (self.fleet.serving * self.spec.concurrency + self.draining_busy) as f64 * dt;
            a.alive_area += self.fleet.alive as f64 * dt;
            a.spend += self.fleet.spend_per_us() * dt;
            self.updated_at = now;
        }
    }

    fn totals(&self) -> TierAccum {
        TierAccum {
            busy_area: self.busy_us as f64,
            queue_area: self.queue_us as f64,
            in_system_area: (self.busy_us + self.queue_us) as f64,
            ..self.accum
        }
    }

    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier {
        let mut row = HourTier::from_accum(in_hour, hour_us);
        (row.peak_instances, row.wanted_more_than_max) = self.fleet.close_hour();
        row
    }

    fn peak_instances(&self) -> u32 {
        self.fleet.peak_alive
    }

    fn first_at_max(&self) -> Option<SimTime> {
        self.fleet.first_at_max
    }

    fn decisions(&mut self) -> &mut SimRng {
        &mut self.decisions
    }

    fn count_escalated(&mut self) {
        self.accum.escalated += 1;
    }
}
