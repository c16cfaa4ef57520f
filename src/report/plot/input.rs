//! What each chart draws: plain, finished numbers, with no simulation types in them.
//!
//! A chart function takes one of these and returns PNG bytes. They are built from the
//! reports by [`super::data`], or by hand in tests, so a new chart or a new reference
//! line means filling in more data, never computing inside the drawing code.

/// One point of a line. `band` is the lower and upper bound of a confidence interval,
/// drawn as a shaded band around the line when replications provide one.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
    pub band: Option<(f64, f64)>,
    /// Why the simulated system failed here, e.g. "91% served" or "misses SLO": the
    /// point is drawn hollow and labelled with it. `None` for a healthy point.
    pub degraded: Option<String>,
}

impl Point {
    /// A healthy point without a confidence band.
    pub fn new(x: f64, y: f64) -> Point {
        Point {
            x,
            y,
            band: None,
            degraded: None,
        }
    }

    /// The same point, marked as one where the system failed for `why`.
    pub fn degraded(self, why: Option<String>) -> Point {
        Point {
            degraded: why,
            ..self
        }
    }
}

/// A named line.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Shown in the legend.
    pub label: String,
    pub points: Vec<Point>,
}

/// A horizontal line across a chart at a fixed value, e.g. a price per transaction
/// or a latency objective.
#[derive(Clone, Debug, PartialEq)]
pub struct ReferenceLine {
    /// Shown in the legend and beside the line, e.g. "SLO p99 (3 s)".
    pub label: String,
    /// In the units of the chart's vertical axis.
    pub value: f64,
    /// The series (a scenario's line) it belongs to, by index, whose colour it is drawn
    /// in; `None` draws it in ink, for a line that concerns every series.
    pub series: Option<usize>,
}

/// A vertical line at one place on the horizontal axis, e.g. when a tier became the
/// bottleneck, or the load at which a service breaks even.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Written above the plot beside the line, e.g. "llm at max instances".
    pub label: String,
    /// In the units of the horizontal axis: hours on a timeline, users against load.
    pub x: f64,
}

/// Cost per successful transaction against users, one line per scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct CostPerTransactionChart {
    /// Currency code of every amount on the chart.
    pub currency: String,
    /// x: active users, y: cost per successful transaction. One series per scenario.
    pub scenarios: Vec<Series>,
    /// Revenue per successful transaction of each scenario, in the order of `scenarios`
    /// (empty for one that declares no revenue): x: active users, y: revenue per
    /// transaction. Drawn dashed in the scenario's colour: where it lies above the
    /// cost line, each transaction earns more than it costs.
    pub revenue_per_transaction: Vec<Vec<Point>>,
    /// Prices or objectives to compare the costs with.
    pub references: Vec<ReferenceLine>,
    /// Whether some points are loads a break-even search simulated between the scales.
    pub probed: bool,
    /// Runs behind each point; above 1, the points' bands are 95% confidence intervals
    /// of the mean.
    pub replications: u32,
}

/// The p50 and p99 latency of one scenario at each scale.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyLines {
    pub scenario: String,
    /// x: active users, y: median end-to-end latency of successful requests, ms.
    pub p50: Vec<Point>,
    /// x: active users, y: 99th percentile, ms.
    pub p99: Vec<Point>,
}

/// p50 and p99 latency against users, for one or more scenarios.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyChart {
    pub scenarios: Vec<LatencyLines>,
    /// Latency objectives, ms.
    pub objectives: Vec<ReferenceLine>,
    /// Runs behind each point; above 1, the points' bands are 95% confidence intervals
    /// of the mean.
    pub replications: u32,
}

/// Monthly revenue and running costs of one scenario against users, and where they meet.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakEvenChart {
    pub scenario: String,
    pub currency: String,
    /// x: active users, y: monthly revenue, at every load simulated: the scales and the
    /// loads the break-even search tried.
    pub revenue: Vec<Point>,
    /// x: active users, y: monthly running costs (one-off costs excluded), at the same loads.
    pub cost: Vec<Point>,
    /// The break-even load, when the search found one.
    pub break_even: Option<BreakEvenMark>,
    /// Said on the chart when there is no point to mark, e.g. "no break-even between
    /// 5,000 and 500,000 users".
    pub note: Option<String>,
}

/// Where a scenario breaks even: a simulated load, not an interpolation.
#[derive(Clone, Debug, PartialEq)]
pub struct BreakEvenMark {
    /// Active users: the smallest profitable load the search simulated.
    pub users: f64,
    /// Monthly running costs at that load (equal to revenue, within the search's precision).
    pub monthly_cost: f64,
    /// Written above the plot, e.g. "break-even: 14,194 users, USD 11,275 a month".
    pub label: String,
}

/// A figure a sweep chart can draw, one panel each (`--chart-figures`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SweepFigure {
    /// Cost per successful transaction.
    Cost,
    /// Monthly running costs.
    MonthlyCost,
    /// Median latency of successful requests.
    P50,
    /// 99th percentile latency of successful requests.
    P99,
    /// Share of cache lookups that hit.
    HitRate,
    /// Most instances alive at once, summed over the self-hosted tiers.
    Instances,
    /// Share of offered requests served.
    SuccessRate,
}

impl SweepFigure {
    /// Named as on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SweepFigure::Cost => "cost",
            SweepFigure::MonthlyCost => "monthly-cost",
            SweepFigure::P50 => "p50",
            SweepFigure::P99 => "p99",
            SweepFigure::HitRate => "hit-rate",
            SweepFigure::Instances => "instances",
            SweepFigure::SuccessRate => "success-rate",
        }
    }
}

/// What the numbers of a panel are, for its axis.
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    Money(String),
    Millis,
    /// A fraction, shown as a percentage.
    Share,
    /// Whole things, such as instances.
    Count,
}

/// One panel of a sweep: one figure against the swept field.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPanel {
    pub figure: SweepFigure,
    /// The vertical axis's description, e.g. "p99 latency".
    pub title: String,
    pub quantity: Quantity,
    /// x: the field's value, y: the figure. One series per scale and combination of
    /// the other fields, in the order of [`SweepChart::labels`].
    pub series: Vec<Series>,
    /// Objectives on this figure.
    pub objectives: Vec<ReferenceLine>,
}

/// A sweep: the figures that move against the first swept field, one panel each, one
/// line per scale and combination of the other swept fields' values.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepChart {
    pub scenario: String,
    pub currency: String,
    /// The swept field on the horizontal axis, e.g. "cache.hit_rate".
    pub parameter: String,
    /// The other swept fields, in `--set` order: each combination of their values has
    /// its own line at each scale.
    pub other_parameters: Vec<String>,
    /// Names of its values when they are not all numbers: each point's x is then the
    /// index of its value here. Empty when x is the value itself.
    pub categories: Vec<String>,
    /// Each line's name, e.g. "10x, cache.ttl = 1h", in the order of every panel's series.
    pub labels: Vec<String>,
    /// The panels, top to bottom.
    pub panels: Vec<SweepPanel>,
    /// Runs behind each point; above 1, the bands are 95% confidence intervals.
    pub replications: u32,
}

/// One bar of the monthly cost chart: one scale of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct CostBar {
    /// Names the scale under the bar, e.g. "10x".
    pub label: String,
    /// Added after the label when there is room, e.g. "50k users".
    pub detail: String,
    /// Monthly cost of each component, in the order of [`MonthlyCostChart::components`].
    pub monthly: Vec<f64>,
    /// Each component's share of the monthly total (0–1), in the same order.
    pub shares: Vec<f64>,
    /// Monthly total, written above the bar.
    pub total: f64,
}

/// Monthly cost by component at each scale of one scenario, as stacked bars.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthlyCostChart {
    pub scenario: String,
    pub currency: String,
    /// Component names, stacked from the bottom up.
    pub components: Vec<String>,
    pub bars: Vec<CostBar>,
}

/// One scale of one scenario over simulated time, hour by hour.
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineChart {
    pub scenario: String,
    pub currency: String,
    /// Names the scale in the title, e.g. "100x (500,000 users)".
    pub scale_label: String,
    /// Length of the run, hours.
    pub horizon_hours: f64,
    /// The warm-up, left out of the statistics, is shaded: hours from the start.
    pub warmup_hours: f64,
    /// x: hours, y: requests arriving in the hour.
    pub arrivals: Vec<Point>,
    /// x: hours, y: requests refused in the hour, one series per tier and kind that
    /// refused any: "shed at llm" (queue full), "throttled at api" (rate limit).
    pub refused: Vec<Series>,
    /// x: hours, y: most instances alive at once in the hour; one series per
    /// self-hosted tier. Empty when every tier is a paid API, and the panel is then left out.
    pub peak_instances: Vec<Series>,
    /// x: hours, y: mean instances alive in the hour, in the order of `peak_instances`.
    pub mean_instances: Vec<Series>,
    /// x: hours, y: money spent in the hour, one series per component (each tier, the
    /// cache), stacked in this order.
    pub spend: Vec<Series>,
    /// Moments worth pointing at, such as the first bottleneck.
    pub markers: Vec<Marker>,
}

/// Crossover: both designs' monthly costs against users, with every crossing marked.
#[derive(Clone, Debug, PartialEq)]
pub struct CrossoverChart {
    pub first: String,
    pub second: String,
    pub currency: String,
    /// x: active users, y: year-1 monthly cost, at every load simulated.
    pub first_cost: Vec<Point>,
    pub second_cost: Vec<Point>,
    /// Each crossing: the first load simulated past it, and a cost there.
    pub crossings: Vec<BreakEvenMark>,
    /// Said on the chart when they never cross, e.g. "api is cheaper from 3,000 to 30,000 users".
    pub note: Option<String>,
}

/// Optimize: p99 latency against cost per transaction of every design simulated at
/// each scale, the ones that meet the objectives joined into their frontier.
#[derive(Clone, Debug, PartialEq)]
pub struct FrontierChart {
    pub scenario: String,
    pub currency: String,
    pub scales: Vec<FrontierScale>,
    /// The p99 objective, ms, when the scenario declares one.
    pub objective_ms: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FrontierScale {
    /// e.g. "10x (40k users)".
    pub label: String,
    /// x: cost per transaction, y: p99 ms: the designs that meet every objective and
    /// that no other meeting design beats on both, by cost.
    pub frontier: Vec<Point>,
    /// The other designs that meet the objectives.
    pub dominated: Vec<Point>,
    /// The designs that miss an objective (or serve too few).
    pub missing: Vec<Point>,
    /// The winner.
    pub chosen: Option<Point>,
}

/// Sensitivity: one bar per assumption, the change of cost per transaction with it
/// moved down and up, most influential on top.
#[derive(Clone, Debug, PartialEq)]
pub struct TornadoChart {
    pub scenario: String,
    /// e.g. "1x (5,000 users)".
    pub scale: String,
    /// e.g. "±20%".
    pub by: String,
    pub bars: Vec<TornadoBar>,
    /// Assumptions left off the chart (the least influential).
    pub left_off: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TornadoBar {
    /// The field path.
    pub label: String,
    /// The values it was moved to, e.g. "0.0006 / 0.0009".
    pub moved: String,
    /// Change of cost per transaction as a fraction, moved down and up.
    pub low: Option<f64>,
    pub high: Option<f64>,
}
