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
}

impl Point {
    /// A point without a confidence band.
    pub fn new(x: f64, y: f64) -> Point {
        Point { x, y, band: None }
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
    /// Shown in the legend and beside the line, e.g. "price USD 0.002".
    pub label: String,
    /// In the units of the chart's vertical axis.
    pub value: f64,
}

/// A vertical line at one moment of a timeline, e.g. when a tier became the bottleneck.
#[derive(Clone, Debug, PartialEq)]
pub struct Marker {
    /// Written beside the line, e.g. "llm at max instances".
    pub label: String,
    /// Days from the start of the run.
    pub day: f64,
}

/// Cost per successful transaction against users, one line per scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct CostPerTransactionChart {
    /// Currency code of every amount on the chart.
    pub currency: String,
    /// x: active users, y: cost per successful transaction. One series per scenario.
    pub scenarios: Vec<Series>,
    /// Prices or revenue per transaction to compare the costs with.
    pub references: Vec<ReferenceLine>,
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
    /// Length of the run, days.
    pub horizon_days: f64,
    /// The warm-up, left out of the statistics, is shaded: days from the start.
    pub warmup_days: f64,
    /// x: days, y: requests arriving in the hour.
    pub arrivals: Vec<Point>,
    /// x: days, y: mean instances alive in the hour; one series per self-hosted tier.
    /// Empty when every tier is a paid API, and the panel is then left out.
    pub instances: Vec<Series>,
    /// x: days, y: money spent in the hour.
    pub spend: Vec<Point>,
    /// Moments worth pointing at, such as the first bottleneck.
    pub markers: Vec<Marker>,
}
