//! Comparing scenarios and sweeping parameters: many independent runs, each reduced to
//! a few figures at once, then summarised with 95% confidence intervals and judged
//! against the scenarios' service-level objectives.

use rayon::prelude::*;
use serde::Serialize;

use crate::model::{Scenario, Slo};
use crate::runner::{self, ScaleResult};
use crate::scenario::overrides::SetValue;
use crate::stats::Estimate;

/// The figures of one run that comparisons and sweeps look at.
#[derive(Clone, Copy, Debug)]
struct Sample {
    cost_per_transaction: f64,
    monthly_cost: f64,
    margin: Option<f64>,
    mean_latency: f64,
    p50: f64,
    p99: f64,
    error_rate: f64,
    peak_instances: f64,
    users: f64,
}

impl Sample {
    fn of(r: &ScaleResult) -> Sample {
        let m = &r.metrics;
        Sample {
            // No successful request: every one of them cost everything; infinity would
            // poison the mean, so the monthly cost itself stands in.
            cost_per_transaction: r
                .economics
                .cost_per_transaction
                .unwrap_or(r.economics.monthly_total),
            monthly_cost: r.economics.monthly_total,
            margin: r.economics.revenue.as_ref().map(|v| v.margin),
            mean_latency: m.latency_ms.mean,
            p50: m.latency_ms.p50,
            p99: m.latency_ms.p99,
            error_rate: m.requests.error_rate,
            peak_instances: m.tiers.iter().map(|t| t.peak_instances as f64).sum(),
            users: m.users,
        }
    }
}

/// Figures of one scenario at one scale, over its replications.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    pub cost_per_transaction: Estimate,
    pub monthly_cost: Estimate,
    /// Monthly revenue minus running costs, when revenue is declared.
    pub margin: Option<Estimate>,
    /// Mean end-to-end latency of successful requests.
    pub latency_mean_ms: Estimate,
    pub latency_p50_ms: Estimate,
    pub latency_p99_ms: Estimate,
    /// Failed ÷ offered requests.
    pub error_rate: Estimate,
    /// Most instances alive at once, summed over the self-hosted tiers.
    pub peak_instances: Estimate,
}

impl Figures {
    fn of(samples: &[Sample]) -> Figures {
        let est = |f: &dyn Fn(&Sample) -> f64| {
            Estimate::from_samples(&samples.iter().map(f).collect::<Vec<_>>())
        };
        Figures {
            cost_per_transaction: est(&|s| s.cost_per_transaction),
            monthly_cost: est(&|s| s.monthly_cost),
            margin: samples
                .iter()
                .all(|s| s.margin.is_some())
                .then(|| est(&|s| s.margin.unwrap_or(0.0))),
            latency_mean_ms: est(&|s| s.mean_latency),
            latency_p50_ms: est(&|s| s.p50),

            latency_p99_ms: est(&|s| s.p99),
            error_rate: est(&|s| s.error_rate),
            peak_instances: est(&|s| s.peak_instances),
        }
    }
}

/// One target of a service-level objective, checked against a mean.
#[derive(Clone, Debug, Serialize)]
pub struct SloCheck {
    /// "p99_latency_ms", "error_rate" or "cost_per_transaction".
    pub target: &'static str,
    pub limit: f64,
    pub value: f64,
    pub pass: bool,
    /// value − limit: positive means over the target by that much.
    pub excess: f64,
    /// excess ÷ limit; null when the limit is 0.
    pub excess_pct: Option<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SloVerdict {
    pub pass: bool,
    pub checks: Vec<SloCheck>,
}

/// Judges the mean figures against `slo`; `None` when it sets no target.
pub fn judge(slo: &Slo, figures: &Figures) -> Option<SloVerdict> {
    let mut checks = Vec::new();
    let mut check = |target, limit: f64, value: f64| {
        let excess = value - limit;
        checks.push(SloCheck {
            target,
            limit,
            value,
            pass: value <= limit,
            excess,
            excess_pct: (limit > 0.0).then(|| excess / limit),
        });
    };
    if let Some(p99) = slo.p99_latency {
        check(
            "p99_latency_ms",
            p99.as_millis_f64(),
            figures.latency_p99_ms.mean,
        );
    }
    if let Some(e) = slo.max_error_rate {
        check("error_rate", e, figures.error_rate.mean);
    }
    if let Some(c) = slo.max_cost_per_transaction {
        check("cost_per_transaction", c, figures.cost_per_transaction.mean);
    }
    (!checks.is_empty()).then(|| SloVerdict {
        pass: checks.iter().all(|c| c.pass),
        checks,
    })
}

/// One scenario at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct Point {
    pub scenario: String,
    pub scale: f64,
    pub users: f64,
    pub replications: u32,
    pub figures: Figures,
    /// Present when the scenario declares an SLO.
    pub slo: Option<SloVerdict>,
}

impl Point {
    /// Whether the point meets its SLO (a point without one meets it).
    pub fn meets_slo(&self) -> bool {
        self.slo.as_ref().is_none_or(|v| v.pass)
    }
}

/// A run to do: which scenario, at which scale, which replication.
#[derive(Clone, Copy, Debug)]
struct Job {
    scenario: usize,
    scale: f64,
    replication: u64,
}

/// Runs every (scenario, scale, replication) on the thread pool and returns one point
/// per (scenario, scale), in input order, whatever the number of threads.
fn run_points(
    scenarios: &[Scenario],
    replications: u64,
    progress: &crate::progress::Progress,
) -> Vec<Vec<Point>> {
    let jobs: Vec<Job> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.scales.iter().flat_map(move |&scale| {
                (0..replications).map(move |r| Job {
                    scenario: i,
                    scale,
                    replication: r,
                })
            })
        })
        .collect();
    let bar = progress.bar(jobs.len() as u64, scenarios, replications);
    let samples: Vec<Sample> = jobs
        .par_iter()
        .map(|job| {
            let sample = Sample::of(&runner::run_scale(
                &scenarios[job.scenario],
                job.scale,
                job.replication,
            ));
            bar.inc(1);
            sample
        })
        .collect();
    bar.finish_and_clear();
    let mut chunks = samples.chunks(replications as usize);
    scenarios
        .iter()
        .map(|s| {
            s.scales
                .iter()
                .map(|&scale| {
                    let chunk = chunks.next().expect("one chunk per scenario and scale");
                    let figures = Figures::of(chunk);
                    Point {
                        scenario: s.name.clone(),
                        scale,
                        users: chunk[0].users,
                        replications: replications as u32,
                        slo: judge(&s.slo, &figures),
                        figures,
                    }
                })
                .collect()
        })
        .collect()
}

/// One scenario in a comparison at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    #[serde(flatten)]
    pub point: Point,
    /// Mean cost per transaction minus the baseline's (null for the baseline).
    pub cost_delta: Option<f64>,
    /// cost_delta ÷ the baseline's cost per transaction.
    pub cost_delta_pct: Option<f64>,
    /// The cheapest scenario that meets its SLO at this scale.
    pub cheapest_meeting_slo: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CompareScale {
    pub scale: f64,
    pub rows: Vec<CompareRow>,
}

/// Scenarios side by side on the same load, the first as the baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub currency: String,
    pub baseline: String,
    /// The seed every scenario ran with: the same random numbers for the same load.
    pub seed: u64,
    pub replications: u32,
    pub scales: Vec<CompareScale>,
}

/// Runs every scenario at the baseline's scales and seed and lines them up.
pub fn compare(
    mut scenarios: Vec<Scenario>,
    replications: u64,
    progress: &crate::progress::Progress,
) -> Comparison {
    let base = scenarios[0].clone();
    for s in &mut scenarios {
        s.scales = base.scales.clone();
        s.seed = base.seed;
    }
    let points = run_points(&scenarios, replications, progress);
    let scales = base
        .scales
        .iter()
        .enumerate()
        .map(|(k, &scale)| {
            let at: Vec<Point> = points.iter().map(|p| p[k].clone()).collect();
            let base_cost = at[0].figures.cost_per_transaction.mean;
            let cheapest = at
                .iter()
                .enumerate()
                .filter(|(_, p)| p.meets_slo())
                .min_by(|a, b| {
                    a.1.figures
                        .cost_per_transaction
                        .mean
                        .total_cmp(&b.1.figures.cost_per_transaction.mean)
                })
                .map(|(i, _)| i);
            let rows = at
                .into_iter()
                .enumerate()
                .map(|(i, point)| {
                    let delta =
                        (i > 0).then(|| point.figures.cost_per_transaction.mean - base_cost);
                    CompareRow {
                        cost_delta: delta,
                        cost_delta_pct: delta.filter(|_| base_cost > 0.0).map(|d| d / base_cost),
                        cheapest_meeting_slo: cheapest == Some(i),
                        point,
                    }
                })
                .collect();
            CompareScale { scale, rows }
        })
        .collect();
    Comparison {
        currency: base.currency.clone(),
        baseline: base.name.clone(),
        seed: base.seed,
        replications: replications as u32,
        scales,
    }
}

/// One point of a sweep at one scale.
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    /// The swept fields' values at this point, in `--set` order.
    pub values: Vec<String>,
    #[serde(flatten)]
    pub point: Point,
}

/// A scenario run over a grid of field values.
#[derive(Clone, Debug, Serialize)]
pub struct Sweep {
    pub scenario: String,
    pub currency: String,
    /// The swept field paths.
    pub parameters: Vec<String>,
    pub seed: u64,
    pub replications: u32,
    /// One row per point × scale, points in grid order (the first `--set` outermost).
    pub rows: Vec<SweepRow>,
}

/// Runs every grid point (its values and the scenario they give) at every scale.
pub fn sweep(
    parameters: Vec<String>,
    points: Vec<(Vec<SetValue>, Scenario)>,
    replications: u64,
    progress: &crate::progress::Progress,
) -> Sweep {
    let first = points[0].1.clone();
    let scenarios: Vec<Scenario> = points.iter().map(|(_, s)| s.clone()).collect();
    let results = run_points(&scenarios, replications, progress);
    let rows = points
        .iter()
        .zip(results)
        .flat_map(|((values, _), per_scale)| {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            per_scale.into_iter().map(move |point| SweepRow {
                values: values.clone(),
                point,
            })
        })
        .collect();
    Sweep {
        scenario: first.name.clone(),
        currency: first.currency.clone(),
        parameters,
        seed: first.seed,
        replications: replications as u32,
        rows,
    }
}
