//! A batched tier: GPU instances that serve many sequences at once by continuous
//! batching, as LLM inference engines do.
//!
//! Each engine step takes `base + per_prefill_token × prompt tokens prefilled in the
//! step + per_decode_sequence × sequences decoding in it`, and every decoding sequence
//! produces one token per step; a sequence's prompt is prefilled in one step (or in
//! chunks of at most `chunk_tokens` per step), which gives its first token. A sequence
//! is admitted at a step boundary when the batch has room (at most `max_sequences`) and
//! its prompt plus completion fit in what is left of the instance's KV-cache budget; it
//! holds that budget until it finishes. Requests that cannot be admitted wait in one
//! FIFO queue for the whole pool.
//!
//! The simulation does not take one event per token: between changes to a batch its
//! steps are identical, so each instance has one pending event, at the end of its run
//! of identical steps (the next completion, or the end of a prefill step), moved to the
//! next step boundary when a new sequence joins. A generation tag makes the moved
//! event's old copy stale. Memory is the batches and the queue, both bounded.

use std::collections::{BTreeSet, VecDeque};

use super::fleet::{Fleet, InstanceState, Prices};
use super::{Cx, Req, TierBehaviour, TierEvent, Wrap};
use crate::metrics::{Failure, HourTier, TierAccum};
use crate::model::{Batched, RequestClass, Scaling};
use crate::sim::random::{SimRng, round_up_to_1};
use crate::time::SimTime;

/// The pool's own events.
#[derive(Clone, Copy, Debug)]
pub enum Event {
    /// The run of steps of `instance` tagged `tag` ends, or reaches the step boundary a
    /// joining sequence waits for.
    Step {
        instance: u32,
        tag: u32,
    },
    /// The oldest waiting request reaches its timeout.
    QueueTimeout,
    InstanceReady {
        instance: u32,
        generation: u32,
    },
    Autoscale,
    /// A spot instance is warned it will be taken back (`gone` false), or is taken back.
    Preempt {
        instance: u32,
        generation: u32,
        gone: bool,
    },
}

/// A request in a batch.
#[derive(Clone, Copy, Debug)]
struct Seq {
    req: Req,
    admitted: SimTime,
    /// Prompt tokens still to prefill.
    prefill_left: u32,
    /// Tokens still to decode after the first.
    decode_left: u32,
    /// KV-cache tokens it holds: its prompt and completion.
    kv: u64,
}

/// A run of identical steps.
#[derive(Clone, Copy, Debug)]
struct Run {
    start: SimTime,
    step_us: u64,
    steps: u64,
    /// Prompt tokens prefilled in the step (a prefill run is one step).
    prefill_tokens: u64,
}

#[derive(Default)]
struct Batch {
    seqs: Vec<Seq>,
    /// Admitted, waiting for the next step boundary to join.
    joining: Vec<Seq>,
    kv_used: u64,
    run: Option<Run>,
    tag: u32,
}

impl Batch {
    fn size(&self) -> u32 {
        (self.seqs.len() + self.joining.len()) as u32
    }
}

/// Estimated time a request spends in a batch before any is observed, µs (its prefill
/// step and its decode steps at a batch of one), and its mean KV tokens.
pub fn expected_request(spec: &Batched, classes: &[RequestClass], tier: usize) -> (f64, f64) {
    let routed: Vec<&RequestClass> = classes.iter().filter(|c| c.tier == tier).collect();
    let pool: Vec<&RequestClass> = if routed.is_empty() {
        classes.iter().collect()
    } else {
        routed
    };
    let weight: f64 = pool
        .iter()
        .map(|c| c.share)
        .sum::<f64>()
        .max(f64::MIN_POSITIVE);
    let mean = |f: &dyn Fn(&RequestClass) -> f64| {
        pool.iter().map(|c| c.share * f(c)).sum::<f64>() / weight
    };
    let input = mean(&|c| c.input_tokens.mean());
    let output = mean(&|c| c.output_tokens.mean());
    (
        spec.step.of(input.round() as u64, 0) + (output - 1.0).max(0.0) * spec.step.of(0, 1),
        input + output,
    )
}

/// A batched pool during a run.
pub struct BatchedSim {
    spec: Batched,
    fleet: Fleet,
    batches: Vec<Batch>,
    /// Serving instances by batch size, smallest first: where an arrival goes.
    by_size: BTreeSet<(u32, u32)>,
    queue: VecDeque<Req>,
    /// Sequences running or joining, on all instances.
    running: u32,
    /// Of those, on draining instances.
    draining_running: u32,
    /// KV-cache tokens held on all instances.
    kv_used: u64,
    purge_scheduled: bool,
    expected_service_us: f64,
    /// Mean KV tokens of a request, expected until some are admitted, then observed.
    expected_kv: f64,
    kv_admitted: f64,
    peak_batch: u32,
    decisions: SimRng,
    /// When spot instances are taken back.
    spot: SimRng,
    accum: TierAccum,
    updated_at: SimTime,
}

impl BatchedSim {
    pub fn new(
        spec: Batched,
        expected_service_us: f64,
        expected_kv: f64,
        decisions: SimRng,
        spot: SimRng,
    ) -> BatchedSim {
        let fleet = Fleet::new(Prices {
            on_demand_per_hour: spec.price_per_instance_hour,
            billing: spec.billing,
            purchase: spec.purchase,
        });
        BatchedSim {
            spec,
            fleet,
            batches: Vec::new(),
            by_size: BTreeSet::new(),
            queue: VecDeque::new(),
            running: 0,
            draining_running: 0,
            kv_used: 0,
            purge_scheduled: false,
            expected_service_us,
            expected_kv,
            kv_admitted: 0.0,
            peak_batch: 0,
            decisions,
            spot,
            accum: TierAccum::default(),
            updated_at: SimTime::ZERO,
        }
    }

    fn launch<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) -> (u32, u32) {
        let (id, generation, bought) = self.fleet.launch(now);
        if bought == super::fleet::Bought::Spot {
            self.fleet.schedule_preemption(
                id,
                generation,
                now,
                &mut self.spot,
                cx,
                |i, g, gone| {
                    TierEvent::Batched(Event::Preempt {
                        instance: i,
                        generation: g,
                        gone,
                    })
                },
            );
        }
        if self.batches.len() <= id as usize {
            self.batches.resize_with(id as usize + 1, Batch::default);
        }
        let tag = self.batches[id as usize].tag;
        self.batches[id as usize] = Batch {
            tag: tag.wrapping_add(1),
            ..Batch::default()
        };
        (id, generation)
    }

    /// Keeps `by_size` in step after instance `i`'s batch changed from `before`
    /// sequences (or its state changed).
    fn reindex(&mut self, i: usize, before: u32) {
        self.by_size.remove(&(before, i as u32));
        if self.fleet.instances[i].state == InstanceState::Serving {
            self.by_size.insert((self.batches[i].size(), i as u32));
        }
    }

    fn make_ready(&mut self, id: u32) {
        self.fleet.make_ready(id);
        let size = self.batches[id as usize].size();
        self.by_size.insert((size, id));
    }

    fn drain(&mut self, id: u32) {
        let size = self.batches[id as usize].size();
        self.fleet.drain(id);
        self.by_size.remove(&(size, id));
        self.draining_running += size;
    }

    /// Whether instance `i` can take a request of `kv` tokens now.
    fn fits(&self, i: usize, kv: u64) -> bool {
        let b = &self.batches[i];
        self.fleet.instances[i].state == InstanceState::Serving
            && b.size() < self.spec.max_sequences
            && b.kv_used + kv <= self.spec.kv_tokens
    }

    fn kv_of(req: &Req) -> u64 {
        u64::from(req.input_tokens) + u64::from(req.output_tokens)
    }

    /// Admits `req` to instance `i` (which has room): it joins at the next step
    /// boundary, or starts at once on an idle instance.
    fn admit<E: Wrap>(&mut self, i: usize, req: Req, now: SimTime, cx: &mut Cx<E>) {
        let wait = now.minus(req.entered_tier);
        self.accum.started += 1;
        if wait > SimTime::ZERO {
            self.accum.waited += 1;
            self.accum.wait_us += wait.0 as f64;
        }
        let kv = Self::kv_of(&req);
        self.kv_admitted += kv as f64;
        let seq = Seq {
            req,
            admitted: now,
            // Every prompt takes a prefill step, which gives the first token.
            prefill_left: req.input_tokens.max(1),
            decode_left: req.output_tokens.saturating_sub(1),
            kv,
        };
        self.running += 1;
        self.kv_used += kv;
        let before = self.batches[i].size();
        let b = &mut self.batches[i];
        b.kv_used += kv;
        match b.run {
            None => {
                b.seqs.push(seq);
                self.plan(i, now, cx);
            }
            Some(run) => {
                b.joining.push(seq);
                // Moved to the next step boundary, if that comes before the run's end.
                let done = now.minus(run.start).0.div_ceil(run.step_us);
                if done < run.steps {
                    b.tag = b.tag.wrapping_add(1);
                    let at = SimTime(run.start.0 + done * run.step_us);
                    cx.schedule(
                        at,
                        TierEvent::Batched(Event::Step {
                            instance: i as u32,
                            tag: b.tag,
                        }),
                    );
                }
            }
        }
        self.peak_batch = self.peak_batch.max(self.batches[i].size());
        self.reindex(i, before);
    }

    /// Starts the next run of identical steps on instance `i`, if it has sequences.
    fn plan<E: Wrap>(&mut self, i: usize, now: SimTime, cx: &mut Cx<E>) {
        let b = &mut self.batches[i];
        if b.seqs.is_empty() {
            b.run = None;
            return;
        }
        let prefill: u64 = b.seqs.iter().map(|s| u64::from(s.prefill_left)).sum();
        let decoding = b.seqs.iter().filter(|s| s.prefill_left == 0).count() as u32;
        let run = if prefill > 0 {
            let tokens = self
                .spec
                .chunk_tokens
                .map_or(prefill, |c| prefill.min(u64::from(c)));
            Run {
                start: now,
                step_us: round_up_to_1(self.spec.step.of(tokens, decoding)),
                steps: 1,
                prefill_tokens: tokens,
            }
        } else {
            let steps = b
                .seqs
                .iter()
                .map(|s| s.decode_left)
                .min()
                .unwrap_or(1)
                .max(1);
            Run {
                start: now,
                step_us: round_up_to_1(self.spec.step.of(0, decoding)),
                steps: u64::from(steps),
                prefill_tokens: 0,
            }
        };
        b.run = Some(run);
        b.tag = b.tag.wrapping_add(1);
        cx.schedule(
            SimTime(now.0 + run.step_us * run.steps),
            TierEvent::Batched(Event::Step {
                instance: i as u32,
                tag: b.tag,
            }),
        );
    }

    fn on_step<E: Wrap>(&mut self, i: usize, tag: u32, now: SimTime, cx: &mut Cx<E>) {
        if self.batches[i].tag != tag {
            return; // moved to an earlier boundary, or the instance is gone
        }
        self.advance(now);
        let Some(run) = self.batches[i].run.take() else {
            return;
        };
        let done = (now.minus(run.start).0 / run.step_us).min(run.steps);
        let b = &mut self.batches[i];
        if run.prefill_tokens > 0 {
            if done >= 1 {
                // One step: the sequences decoding at its start produce a token, and
                // prompts are prefilled in order; one whose prompt is done has its first.
                let mut budget = run.prefill_tokens;
                for s in b.seqs.iter_mut() {
                    if s.prefill_left == 0 {
                        s.decode_left = s.decode_left.saturating_sub(1);
                    } else {
                        let take = budget.min(u64::from(s.prefill_left));
                        budget -= take;
                        s.prefill_left -= take as u32;
                        if s.prefill_left == 0 {
                            s.req.first_token = now;
                        }
                    }
                }
            }
        } else {
            let k = done as u32;
            for s in b.seqs.iter_mut() {
                s.decode_left -= k.min(s.decode_left);
            }
        }
        // Those with every token out leave; those waiting at the boundary join.
        let before = self.batches[i].size();
        let mut k = 0;
        while k < self.batches[i].seqs.len() {
            let s = self.batches[i].seqs[k];
            if s.prefill_left == 0 && s.decode_left == 0 {
                self.batches[i].seqs.swap_remove(k);
                self.finish(i, s, now, cx);
            } else {
                k += 1;
            }
        }
        let joining = std::mem::take(&mut self.batches[i].joining);
        self.batches[i].seqs.extend(joining);
        self.reindex(i, before);
        self.pull(i, now, cx);
        if self.fleet.instances[i].state == InstanceState::Draining
            && self.batches[i].seqs.is_empty()
        {
            self.stop_instance(i as u32, now, cx);
            return;
        }
        self.plan(i, now, cx);
    }

    fn finish<E: Wrap>(&mut self, i: usize, s: Seq, now: SimTime, cx: &mut Cx<E>) {
        let a = &mut self.accum;
        a.departures += 1;
        a.sojourn_us += now.minus(s.req.entered_tier).0 as f64;
        a.input_tokens += u64::from(s.req.input_tokens);
        a.output_tokens += u64::from(s.req.output_tokens);
        let service = now.minus(s.admitted).0 as f64;
        a.service_us += service;
        if s.req.escalated {
            a.escalated_service_us += service;
        }
        self.batches[i].kv_used -= s.kv;
        self.kv_used -= s.kv;
        self.running -= 1;
        if self.fleet.instances[i].state == InstanceState::Draining {
            self.draining_running -= 1;
        }
        let timed_out = self
            .spec
            .timeout
            .is_some_and(|t| now.minus(s.req.entered_tier) > t);
        if timed_out {
            // The client gave up; the instance finished the work it had started.
            cx.failed(s.req, Failure::Timeout);
        } else {
            cx.answered(s.req);
        }
    }

    /// Admits waiting requests to instance `i` in order while the first one fits.
    fn pull<E: Wrap>(&mut self, i: usize, now: SimTime, cx: &mut Cx<E>) {
        while let Some(front) = self.queue.front() {
            if !self.fits(i, Self::kv_of(front)) {
                break;
            }
            let req = self.queue.pop_front().expect("front exists");
            self.admit(i, req, now, cx);
        }
    }

    fn stop_instance<E: Wrap>(&mut self, id: u32, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        let size = self.batches[id as usize].size();
        self.by_size.remove(&(size, id));
        let b = &mut self.batches[id as usize];
        b.run = None;
        b.tag = b.tag.wrapping_add(1);
        self.fleet.stop(id, now, false, &mut self.accum, cx);
    }

    /// A spot instance is warned (it takes no new work from now, and stops if idle), or
    /// taken back: its batch goes back to the front of the queue, its work lost.
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
        let i = id as usize;
        let state = self.fleet.instances[i].state;
        if !gone {
            // The provider has decided: the instance is as good as taken back, whether
            // it is let go now (idle), drains first, or is still busy when it goes.
            self.fleet.notice(id);
            self.accum.preemptions += 1;
            if state == InstanceState::Serving {
                self.drain(id);
                if self.batches[i].size() == 0 {
                    self.fleet.stop(id, now, true, &mut self.accum, cx);
                }
            }
            return;
        }
        let size = self.batches[i].size();
        self.by_size.remove(&(size, id));
        let b = std::mem::take(&mut self.batches[i]);
        self.batches[i].tag = b.tag.wrapping_add(1);
        let mut taken: Vec<Seq> = b.seqs.into_iter().chain(b.joining).collect();
        taken.sort_by_key(|s| std::cmp::Reverse(s.req.entered_tier));
        for s in taken {
            self.accum.lost_service_us += now.minus(s.admitted).0 as f64;
            self.accum.requeued += 1;
            self.running -= 1;
            self.kv_used -= s.kv;
            if state == InstanceState::Draining {
                self.draining_running -= 1;
            }
            let mut req = s.req;
            req.first_token = super::NO_TOKEN;
            self.queue.push_front(req);
        }
        self.fleet.stop(id, now, true, &mut self.accum, cx);
        if let Some(timeout) = self.spec.timeout
            && !self.purge_scheduled
            && let Some(front) = self.queue.front()
        {
            self.purge_scheduled = true;
            let due = front.entered_tier.plus(timeout).max(now);
            cx.schedule(due, TierEvent::Batched(Event::QueueTimeout));
        }
        // The others take what they can.
        for j in 0..self.batches.len() {
            if j != i {
                self.pull(j, now, cx);
            }
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
                TierEvent::Batched(Event::QueueTimeout),
            );
        }
    }

    fn on_instance_ready<E: Wrap>(
        &mut self,
        id: u32,
        generation: u32,
        now: SimTime,
        cx: &mut Cx<E>,
    ) {
        let inst = self.fleet.instances[id as usize];
        if inst.generation != generation || inst.state != InstanceState::Starting {
            return; // retired while starting
        }
        self.advance(now);
        self.make_ready(id);
        self.pull(id as usize, now, cx);
    }

    fn on_autoscale<E: Wrap>(&mut self, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        let Scaling::Auto(rule) = self.spec.scaling else {
            return;
        };
        let area = self.accum.queue_area + self.accum.busy_area;
        let per_request_us = if self.accum.departures > 0 {
            self.accum.service_us / self.accum.departures as f64
        } else {
            self.expected_service_us
        };
        // What one instance holds: its batch cap, or as many typical requests as its KV
        // budget fits, whichever binds first.
        let mean_kv = if self.accum.started > 0 {
            self.kv_admitted / self.accum.started as f64
        } else {
            self.expected_kv
        };
        let per_instance = ((self.spec.kv_tokens as f64 / mean_kv.max(1.0)).floor() as u32)
            .clamp(1, self.spec.max_sequences);
        let decision = self.fleet.evaluate(
            &rule,
            per_instance,
            area,
            self.accum.shed,
            per_request_us,
            now,
            cx.warmup,
        );
        if decision.delta > 0 {
            for _ in 0..decision.delta {
                let (id, generation) = self.launch(now, cx);
                if rule.startup_delay == SimTime::ZERO {
                    self.make_ready(id);
                    self.pull(id as usize, now, cx);
                } else {
                    cx.schedule(
                        now.plus(rule.startup_delay),
                        TierEvent::Batched(Event::InstanceReady {
                            instance: id,
                            generation,
                        }),
                    );
                }
            }
        } else if decision.delta < 0 {
            let batches = &self.batches;
            let victims: Vec<u32> = self
                .fleet
                .retirement_order(|i| batches[i as usize].size())
                .into_iter()
                .take((-decision.delta) as usize)
                .collect();
            for id in victims {
                let starting = self.fleet.instances[id as usize].state == InstanceState::Starting;
                if !starting {
                    self.drain(id);
                }
                if starting || self.batches[id as usize].size() == 0 {
                    self.stop_instance(id, now, cx);
                }
            }
        }
        if now.plus(rule.interval) < cx.horizon {
            cx.schedule(
                now.plus(rule.interval),
                TierEvent::Batched(Event::Autoscale),
            );
        }
    }
}

impl TierBehaviour for BatchedSim {
    fn start<E: Wrap>(&mut self, cx: &mut Cx<E>) {
        let initial = match self.spec.scaling {
            Scaling::Fixed { instances } => instances,
            Scaling::Auto(rule) => {
                if rule.interval < cx.horizon {
                    cx.schedule(rule.interval, TierEvent::Batched(Event::Autoscale));
                }
                rule.min
            }
        };
        for _ in 0..initial {
            let (id, _) = self.launch(SimTime::ZERO, cx);
            self.make_ready(id);
        }
    }

    fn arrive<E: Wrap>(&mut self, mut req: Req, now: SimTime, cx: &mut Cx<E>) {
        self.advance(now);
        req.entered_tier = now;
        self.accum.arrivals += 1;
        let kv = Self::kv_of(&req);
        if kv > self.spec.kv_tokens {
            self.accum.shed += 1;
            cx.failed(req, Failure::TooLarge);
            return;
        }
        // First come, first served: nobody overtakes a waiting request.
        if self.queue.is_empty() {
            // The instance with the smallest batch that can take it.
            let max = self.spec.max_sequences;
            let best = self
                .by_size
                .iter()
                .take_while(|&&(size, _)| size < max)
                .find(|&&(_, i)| self.batches[i as usize].kv_used + kv <= self.spec.kv_tokens)
                .map(|&(_, i)| i as usize);
            if let Some(i) = best {
                self.admit(i, req, now, cx);
                return;
            }
        }
        if self.queue.len() < self.spec.queue_capacity as usize {
            self.queue.push_back(req);
            if let Some(timeout) = self.spec.timeout
                && !self.purge_scheduled
            {
                self.purge_scheduled = true;
                cx.schedule(now.plus(timeout), TierEvent::Batched(Event::QueueTimeout));
            }
        } else {
            self.accum.shed += 1;
            cx.failed(req, Failure::QueueFull);
        }
    }

    fn handle<E: Wrap>(&mut self, event: TierEvent, now: SimTime, cx: &mut Cx<E>) {
        let TierEvent::Batched(event) = event else {
            unreachable!("events are delivered to the tier that scheduled them")
        };
        match event {
            Event::Step { instance, tag } => self.on_step(instance as usize, tag, now, cx),
            Event::QueueTimeout => self.on_queue_timeout(now, cx),
            Event::InstanceReady {
                instance,
                generation,
            } => self.on_instance_ready(instance, generation, now, cx),
            Event::Autoscale => self.on_autoscale(now, cx),
            Event::Preempt {
                instance,
                generation,
                gone,
            } => self.on_preempt(instance, generation, gone, now, cx),
        }
    }

    fn advance(&mut self, now: SimTime) {
        let dt = now.minus(self.updated_at).0 as f64;
        if dt > 0.0 {
            let a = &mut self.accum;
            let serving = self.fleet.serving;
            a.busy_area += self.running as f64 * dt;
            a.capacity_area +=
                (serving * self.spec.max_sequences + self.draining_running) as f64 * dt;
            a.queue_area += self.queue.len() as f64 * dt;
            a.in_system_area += (self.running as f64 + self.queue.len() as f64) * dt;
            a.alive_area += self.fleet.alive as f64 * dt;
            a.kv_area += self.kv_used as f64 * dt;
            a.kv_capacity_area += serving as f64 * self.spec.kv_tokens as f64 * dt;
            a.spend += self.fleet.spend_per_us() * dt;
            self.updated_at = now;
        }
    }

    fn totals(&self) -> TierAccum {
        self.accum
    }

    fn close_hour(&mut self, in_hour: &TierAccum, hour_us: f64) -> HourTier {
        let mut row = HourTier::from_accum(in_hour, hour_us);
        (row.peak_instances, row.wanted_more_than_max) = self.fleet.close_hour();
        row
    }

    fn peak_instances(&self) -> u32 {
        self.fleet.peak_alive
    }

    fn peak_batch(&self) -> Option<u32> {
        Some(self.peak_batch)
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
