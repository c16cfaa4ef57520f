//! Charts: every chart renders for every shipped scenario that has its data (and for a
//! comparison and sweeps of them), as a PNG of the promised size that is not blank,
//! that changes when its data change, and that is the same bytes every time; the
//! break-even, revenue and objective lines show what the results say; `scalecost plot`,
//! `simulate --plot`, `compare --plot` and `sweep --plot` write them to a folder.
//!
//! The shipped scenarios run at 1x and 10x only: the charts need a few scales, not the
//! large ones, and the suite stays quick.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use rayon::prelude::*;
use scalecost::outcome::{BreakEvenStatus, DesignOutcome as ScenarioReport, Outcome};
use scalecost::progress::Progress;
use scalecost::report::plot::{
    self, BreakEvenChart, Chart, CostPerTransactionChart, LatencyChart, MonthlyCostChart,
    NamedChart, Point, ReferenceLine, SweepChart, SweepFigure, SweepPanel, TimelineChart, data,
};
use scalecost::runner;
use scalecost::scenario::overrides;
use scalecost::scenario::plan::{self, Overrides};

/// Scales the shipped scenarios are simulated at here.
const SCALES: [f64; 2] = [1.0, 10.0];

fn shipped_scenarios() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read the scenarios folder")
        .map(|e| e.expect("list the scenarios folder").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 3,
        "expected the shipped scenarios in {dir:?}"
    );
    files
}

/// The shipped scenarios' scales replaced by [`SCALES`], as `--scales` does.
fn at_scales(scales: &[f64]) -> Overrides {
    Overrides {
        scales: Some(scales.to_vec()),
        seed: None,
    }
}

/// Every shipped scenario simulated once, as `scalecost plot` does, shared by the tests
/// of this file.
fn reports() -> &'static [ScenarioReport] {
    static REPORTS: OnceLock<Outcome> = OnceLock::new();
    &REPORTS
        .get_or_init(|| {
            let plan = plan::plot(&shipped_scenarios(), &at_scales(&SCALES)).expect("valid");
            runner::run(&plan, &Progress::silent())
        })
        .designs
}

/// Runs behind each point of the comparison and the sweeps: enough for a band.
const REPLICATIONS: u64 = 3;

/// Every shipped scenario compared with the others, replicated so the charts have bands.
fn comparison() -> &'static Outcome {
    static COMPARISON: OnceLock<Outcome> = OnceLock::new();
    COMPARISON.get_or_init(|| {
        // Each at its own load, as the charts have always shown them.
        let plan = plan::compare(
            &shipped_scenarios(),
            &at_scales(&SCALES),
            REPLICATIONS,
            true,
            &[],
        )
        .expect("valid");
        runner::run(&plan, &Progress::silent())
    })
}

/// A sweep of `path` as `scalecost sweep --set` would run it, with `sets` such as
/// "workload.users=500,1000".
fn sweep_of(path: &Path, sets: &[&str]) -> Outcome {
    let sets: Vec<overrides::SetArg> = sets
        .iter()
        .map(|s| overrides::parse_set(s).expect("a valid --set"))
        .collect();
    let plan = plan::sweep(path, &sets, &at_scales(&[1.0, 2.0]), REPLICATIONS)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    runner::run(&plan, &Progress::silent())
}

/// Each shipped scenario swept over its users (numbers), and over its warm-up
/// (durations: categories) crossed with its users.
fn sweeps() -> &'static [Outcome] {
    static SWEEPS: OnceLock<Vec<Outcome>> = OnceLock::new();
    SWEEPS.get_or_init(|| {
        shipped_scenarios()
            .par_iter()
            .flat_map(|path| {
                [
                    sweep_of(path, &["workload.users=200,500,1000"]),
                    sweep_of(path, &["workload.warmup=1h,2h", "workload.users=200,500"]),
                ]
            })
            .collect()
    })
}

/// The charts of the comparison and of every sweep.
fn study_charts() -> Vec<NamedChart> {
    let mut charts = data::comparison(comparison());
    charts.extend(sweeps().iter().map(|s| data::sweep(s, None)));
    charts
}

/// Every chart of every shipped scenario, each scenario on its own, so a chart that
/// fails for one of them names it; then the comparison's and the sweeps' charts.
fn charts_per_scenario() -> Vec<(String, NamedChart)> {
    reports()
        .iter()
        .flat_map(|r| {
            data::scenario_charts(std::slice::from_ref(r), None)
                .expect("build the charts")
                .into_iter()
                .map(|c| (r.scenario.clone(), c))
        })
        .chain(study_charts().into_iter().map(|c| ("study".into(), c)))
        .collect()
}

/// A decoded image: its size and its RGB pixels.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

fn decode(png_bytes: &[u8]) -> Image {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane image size")];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    assert_eq!(info.color_type, png::ColorType::Rgb, "8-bit RGB");
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "8-bit RGB");
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb: buf,
    }
}

impl Image {
    fn distinct_colours(&self) -> usize {
        self.rgb
            .chunks_exact(3)
            .map(|p| (p[0], p[1], p[2]))
            .collect::<HashSet<_>>()
            .len()
    }

    fn ink_share(&self) -> f64 {
        let pixels = self.rgb.len() / 3;
        let ink = self
            .rgb
            .chunks_exact(3)
            .filter(|p| p != &[255, 255, 255])
            .count();
        ink as f64 / pixels as f64
    }

    fn differing_pixels(&self, other: &Image) -> usize {
        self.rgb
            .chunks_exact(3)
            .zip(other.rgb.chunks_exact(3))
            .filter(|(a, b)| a != b)
            .count()
    }
}

#[test]
fn every_chart_renders_for_every_shipped_scenario_at_its_size_and_not_blank() {
    let charts = charts_per_scenario();
    let kinds: HashSet<&str> = charts
        .iter()
        .map(|(_, c)| match c.chart {
            Chart::CostPerTransaction(_) => "cost",
            Chart::Latency(_) => "latency",
            Chart::MonthlyCost(_) => "monthly",
            Chart::Timeline(_) => "timeline",
            Chart::BreakEven(_) => "break-even",
            Chart::Sweep(_) => "sweep",
            // Drawn by the decision commands, checked in tests/decision.rs.
            Chart::Crossover(_) => "crossover",
            Chart::Frontier(_) => "frontier",
            Chart::Tornado(_) => "tornado",
        })
        .collect();
    assert_eq!(kinds.len(), 6, "every kind of chart is drawn: {kinds:?}");
    charts.par_iter().for_each(|(scenario, named)| {
        let what = format!("{scenario}: {}", named.file_name);
        let png_bytes = named
            .chart
            .render()
            .unwrap_or_else(|e| panic!("{what}: {e:#}"));
        let image = decode(&png_bytes);
        assert_eq!((image.width, image.height), named.chart.size(), "{what}");
        // Text is anti-aliased and lines come in several colours: a real chart has
        // hundreds of distinct colours, a blank or a flat one a handful.
        assert!(
            image.distinct_colours() > 50,
            "{what}: only {} colours",
            image.distinct_colours()
        );
        let ink = image.ink_share();
        assert!(
            ink > 0.02 && ink < 0.9,
            "{what}: {:.1}% of pixels are not background",
            ink * 100.0
        );
    });
}

#[test]
fn all_scenarios_together_give_one_cost_and_one_latency_chart_and_two_or_three_per_scenario() {
    let names: Vec<String> = data::scenario_charts(reports(), None)
        .expect("build the charts")
        .into_iter()
        .map(|c| c.file_name)
        .collect();
    let mut expected = vec!["cost-per-transaction.png".to_string(), "latency.png".into()];
    for r in reports() {
        let slug = r.scenario.to_lowercase().replace(' ', "-");
        expected.push(format!("monthly-cost-{slug}.png"));
        if r.break_even.is_some() {
            expected.push(format!("break-even-{slug}.png"));
        }
        expected.push(format!("timeline-{slug}.png"));
    }
    assert_eq!(names, expected);
    assert!(
        names.iter().any(|n| n == "break-even-support-chatbot.png"),
        "the support chatbot declares revenue: {names:?}"
    );
    let study: Vec<String> = study_charts().into_iter().map(|c| c.file_name).collect();
    assert_eq!(
        study[..2],
        ["compare-cost-per-transaction.png", "compare-latency.png"]
    );
    assert_eq!(study[2], "sweep-workload-users.png");
    assert_eq!(study[3], "sweep-workload-warmup.png");
}

#[test]
fn no_text_overlaps_other_text_or_a_point_or_leaves_the_canvas() {
    let mut charts: Vec<NamedChart> = charts_per_scenario().into_iter().map(|(_, c)| c).collect();
    charts.extend(study_charts());
    charts.par_iter().for_each(|named| {
        let drawing = named.chart.draw(plot::PlotFormat::Png).expect("drawn");
        common::assert_clear(&named.file_name, &drawing.layout);
    });
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    let charts = data::scenario_charts(reports(), None).expect("build the charts");
    for named in charts.into_iter().chain(study_charts()) {
        let first = named.chart.render().expect("render");
        let second = named.chart.render().expect("render again");
        assert!(
            first == second,
            "{} differs between renders",
            named.file_name
        );
    }
}

/// Renders `before` and `after` and checks that a visible part of the image changed.
fn assert_pixels_change(what: &str, before: &Chart, after: &Chart) {
    let a = decode(&before.render().expect("render"));
    let b = decode(&after.render().expect("render"));
    let changed = a.differing_pixels(&b);
    assert!(
        changed > 100,
        "{what}: only {changed} pixels changed when the data did"
    );
}

fn first_chart(pick: impl Fn(&Chart) -> bool) -> Chart {
    data::scenario_charts(reports(), None)
        .expect("build the charts")
        .into_iter()
        .map(|c| c.chart)
        .find(|c| pick(c))
        .expect("a chart of that kind")
}

fn cost_chart() -> CostPerTransactionChart {
    match first_chart(|c| matches!(c, Chart::CostPerTransaction(_))) {
        Chart::CostPerTransaction(c) => c,
        _ => unreachable!(),
    }
}

fn latency_chart() -> LatencyChart {
    match first_chart(|c| matches!(c, Chart::Latency(_))) {
        Chart::Latency(c) => c,
        _ => unreachable!(),
    }
}

fn monthly_chart() -> MonthlyCostChart {
    match first_chart(|c| matches!(c, Chart::MonthlyCost(_))) {
        Chart::MonthlyCost(c) => c,
        _ => unreachable!(),
    }
}

fn break_even_chart() -> BreakEvenChart {
    match first_chart(|c| matches!(c, Chart::BreakEven(_))) {
        Chart::BreakEven(c) => c,
        _ => unreachable!(),
    }
}

fn chatbot() -> &'static ScenarioReport {
    reports()
        .iter()
        .find(|r| r.scenario == "support-chatbot")
        .expect("the support chatbot is shipped")
}

/// The timeline of a scenario with self-hosted tiers, so all three panels are drawn.
fn timeline_chart() -> TimelineChart {
    match first_chart(|c| matches!(c, Chart::Timeline(t) if !t.peak_instances.is_empty())) {
        Chart::Timeline(c) => c,
        _ => unreachable!(),
    }
}

#[test]
fn cost_per_transaction_pixels_follow_the_costs() {
    let before = cost_chart();
    let mut after = before.clone();
    after.scenarios[0].points[0].y *= 1.5;
    assert_pixels_change(
        "cost per transaction",
        &Chart::CostPerTransaction(before),
        &Chart::CostPerTransaction(after),
    );
}

#[test]
fn latency_pixels_follow_the_percentiles() {
    let before = latency_chart();
    let mut after = before.clone();
    after.scenarios[0].p99[0].y *= 1.5;
    assert_pixels_change("latency", &Chart::Latency(before), &Chart::Latency(after));
}

#[test]
fn monthly_cost_pixels_follow_the_components() {
    let before = monthly_chart();
    let mut after = before.clone();
    let bar = &mut after.bars[0];
    bar.monthly.reverse();
    bar.shares.reverse();
    bar.total *= 1.0 + 1e-3;
    assert_pixels_change(
        "monthly cost",
        &Chart::MonthlyCost(before),
        &Chart::MonthlyCost(after),
    );
}

#[test]
fn timeline_pixels_follow_the_hours() {
    let before = timeline_chart();
    let mut after = before.clone();
    let middle = after.arrivals.len() / 2;
    after.arrivals[middle].y *= 3.0;
    after.spend[0].points[middle].y *= 3.0;
    after.peak_instances[0].points[middle].y += 4.0;
    assert_pixels_change(
        "timeline",
        &Chart::Timeline(before),
        &Chart::Timeline(after),
    );
}

#[test]
fn reference_lines_and_confidence_bands_are_drawn_when_given() {
    let before = cost_chart();
    let mut after = before.clone();
    let y = after.scenarios[0].points[0].y;
    after.references.push(ReferenceLine {
        label: "price per transaction".into(),
        value: y * 2.0,
        series: None,
    });
    assert_pixels_change(
        "cost per transaction with a price line",
        &Chart::CostPerTransaction(before.clone()),
        &Chart::CostPerTransaction(after),
    );

    let mut banded = before.clone();
    for p in &mut banded.scenarios[0].points {
        p.band = Some((p.y * 0.8, p.y * 1.25));
    }
    assert_pixels_change(
        "cost per transaction with confidence bands",
        &Chart::CostPerTransaction(before),
        &Chart::CostPerTransaction(banded),
    );

    let before = latency_chart();
    let mut after = before.clone();
    after.objectives.push(ReferenceLine {
        label: "p99 objective 2 s".into(),
        value: 2_000.0,
        series: Some(0),
    });
    assert_pixels_change(
        "latency with an objective",
        &Chart::Latency(before),
        &Chart::Latency(after),
    );
}

#[test]
fn break_even_marks_the_simulated_load_where_profit_turns_and_its_cost() {
    let report = chatbot();
    let be = report.break_even.as_ref().expect("revenue is declared");
    assert_eq!(
        be.status,
        BreakEvenStatus::Found,
        "the chatbot breaks even between 1x and 10x"
    );
    let chart = data::break_even(report).expect("a break-even chart");
    // Every simulated load is drawn, the scales among them.
    assert_eq!(chart.cost.len(), be.probes.len());
    assert_eq!(chart.revenue.len(), be.probes.len());
    for (point, probe) in chart.cost.iter().zip(&be.probes) {
        assert_eq!((point.x, point.y), (probe.users, probe.monthly_cost));
    }
    for r in report.details() {
        assert!(
            chart.revenue.iter().any(|p| p.x == r.metrics.users),
            "scale {} is drawn",
            r.metrics.scale
        );
    }
    // The mark is the search's answer and the cost simulated there, not an interpolation.
    let mark = chart.break_even.as_ref().expect("a break-even mark");
    let probe = be
        .probes
        .iter()
        .find(|p| Some(p.users) == be.users)
        .expect("the answer is a probe");
    assert_eq!(mark.users, probe.users);
    assert_eq!(mark.monthly_cost, probe.monthly_cost);
    assert!(mark.label.starts_with("break-even: "), "{}", mark.label);
    assert_eq!(chart.note, None);
    // Scenarios without revenue have no break-even chart.
    for r in reports().iter().filter(|r| r.break_even.is_none()) {
        assert_eq!(data::break_even(r), None, "{}", r.scenario);
    }
}

#[test]
fn break_even_says_so_when_there_is_none_in_the_range() {
    let found = data::break_even(chatbot()).expect("a break-even chart");
    let mut never = chatbot().clone();
    if let Some(be) = never.break_even.as_mut() {
        be.status = BreakEvenStatus::Never;
        be.users = None;
    }
    let never = data::break_even(&never).expect("a break-even chart");
    assert_eq!(never.break_even, None);
    let note = never.note.clone().expect("a note");
    assert!(
        note.starts_with("no break-even between 5,000 and 50,000 users"),
        "{note}"
    );
    assert_pixels_change(
        "break-even without one",
        &Chart::BreakEven(found.clone()),
        &Chart::BreakEven(never),
    );

    let mut below = chatbot().clone();
    if let Some(be) = below.break_even.as_mut() {
        be.status = BreakEvenStatus::BelowRange;
        be.users = Some(5_000.0);
    }
    let below = data::break_even(&below).expect("a break-even chart");
    assert_eq!(below.break_even, None);
    let note = below.note.expect("a note");
    assert!(
        note.starts_with("profitable already at 5,000 users"),
        "{note}"
    );
}

#[test]
fn break_even_pixels_follow_the_probes() {
    let before = break_even_chart();
    let mut after = before.clone();
    let last = after.cost.len() - 1;
    after.cost[last].y *= 3.0;
    assert_pixels_change(
        "break-even",
        &Chart::BreakEven(before),
        &Chart::BreakEven(after),
    );
}

#[test]
fn cost_per_transaction_shows_revenue_per_transaction_where_it_is_declared() {
    let chart = cost_chart();
    assert_eq!(chart.revenue_per_transaction.len(), chart.scenarios.len());
    for (series, revenue) in chart.scenarios.iter().zip(&chart.revenue_per_transaction) {
        let report = reports()
            .iter()
            .find(|r| r.scenario == series.label)
            .expect("a report per series");
        let expected: Vec<(f64, f64)> = report
            .details()
            .filter_map(|r| {
                let per = r.economics.revenue.as_ref()?.per_transaction?;
                Some((r.metrics.users, per))
            })
            .collect();
        let drawn: Vec<(f64, f64)> = revenue.iter().map(|p| (p.x, p.y)).collect();
        assert_eq!(drawn, expected, "{}", series.label);
    }
    assert!(
        chart.revenue_per_transaction.iter().any(|r| !r.is_empty()),
        "the support chatbot declares revenue"
    );
    let mut without = chart.clone();
    without
        .revenue_per_transaction
        .iter_mut()
        .for_each(Vec::clear);
    assert_pixels_change(
        "cost per transaction with revenue",
        &Chart::CostPerTransaction(without),
        &Chart::CostPerTransaction(chart),
    );
}

#[test]
fn latency_shows_each_declared_p99_objective() {
    let mut slo = chatbot().clone();
    slo.p99_objective_ms = Some(2_500.0);
    let alone = data::latency(std::slice::from_ref(&slo));
    assert_eq!(
        alone.objectives,
        [ReferenceLine {
            label: "SLO p99 (2.5 s)".into(),
            value: 2_500.0,
            series: None,
        }]
    );
    assert_pixels_change(
        "latency with a p99 objective",
        &Chart::Latency(data::latency(std::slice::from_ref(chatbot()))),
        &Chart::Latency(alone),
    );
    // Beside scenarios without one, the line takes its scenario's colour and name.
    let mut several: Vec<ScenarioReport> = reports().to_vec();
    let i = several
        .iter()
        .position(|r| r.scenario == "support-chatbot")
        .expect("the chatbot");
    several[i].p99_objective_ms = Some(2_500.0);
    let chart = data::latency(&several);
    assert_eq!(
        chart.objectives,
        [ReferenceLine {
            label: "SLO p99 (2.5 s): support-chatbot".into(),
            value: 2_500.0,
            series: Some(i),
        }]
    );
}

#[test]
fn compare_charts_have_a_line_and_a_band_per_scenario() {
    let charts = data::comparison(comparison());
    let Chart::CostPerTransaction(cost) = &charts[0].chart else {
        panic!("the cost chart first")
    };
    let Chart::Latency(latency) = &charts[1].chart else {
        panic!("then the latency chart")
    };
    let names: Vec<&str> = comparison()
        .designs
        .iter()
        .map(|d| d.scenario.as_str())
        .collect();
    assert_eq!(
        cost.scenarios
            .iter()
            .map(|s| s.label.as_str())
            .collect::<Vec<_>>(),
        names
    );
    assert_eq!(cost.replications, REPLICATIONS as u32);
    for (i, series) in cost.scenarios.iter().enumerate() {
        assert_eq!(series.points.len(), SCALES.len());
        for (point, r) in series.points.iter().zip(&comparison().designs[i].results) {
            let e = r.summary.figures.cost_per_transaction;
            assert_eq!(point.y, e.mean);
            assert_eq!(point.band, Some((e.low(), e.high())));
        }
    }
    for lines in &latency.scenarios {
        assert!(
            lines.p99.iter().all(|p| p.band.is_some()),
            "{}",
            lines.scenario
        );
    }

    let mut narrower = cost.clone();
    for p in &mut narrower.scenarios[0].points {
        p.band = None;
        p.y *= 1.5;
    }
    assert_pixels_change(
        "compare cost",
        &Chart::CostPerTransaction(cost.clone()),
        &Chart::CostPerTransaction(narrower),
    );
}

/// The panel of a sweep chart that draws `figure`.
fn panel(chart: &SweepChart, figure: SweepFigure) -> &SweepPanel {
    chart
        .panels
        .iter()
        .find(|p| p.figure == figure)
        .unwrap_or_else(|| panic!("a {} panel", figure.name()))
}

#[test]
fn sweep_charts_put_the_first_field_across_with_a_line_per_scale_and_other_value() {
    let sweep = &sweeps()[0];
    let Chart::Sweep(chart) = data::sweep(sweep, None).chart else {
        panic!("a sweep chart")
    };
    assert_eq!(chart.parameter, "workload.users");
    assert!(chart.categories.is_empty(), "users are numbers");
    assert_eq!(chart.labels, ["1x", "2x"]);
    let cost = panel(&chart, SweepFigure::Cost);
    let xs: Vec<f64> = cost.series[0].points.iter().map(|p| p.x).collect();
    assert_eq!(xs, [200.0, 500.0, 1000.0]);
    let p99 = panel(&chart, SweepFigure::P99);
    assert!(p99.series[1].points.iter().all(|p| p.band.is_some()));

    let Chart::Sweep(grid) = data::sweep(&sweeps()[1], None).chart else {
        panic!("a sweep chart")
    };
    assert_eq!(grid.categories, ["1h", "2h"], "durations are categories");
    assert_eq!(grid.other_parameters, ["workload.users"]);
    assert_eq!(
        grid.labels,
        [
            "1x, workload.users = 200",
            "2x, workload.users = 200",
            "1x, workload.users = 500",
            "2x, workload.users = 500"
        ]
    );
    assert!(grid.panels[0].series.iter().all(|s| s.points.len() == 2));

    let mut after = chart.clone();
    after.panels[1].series[0].points[1].y *= 2.0;
    after.panels[0].series[1].points[0].y *= 2.0;
    assert_pixels_change("sweep", &Chart::Sweep(chart), &Chart::Sweep(after));
}

#[test]
fn charts_with_nothing_to_show_still_render() {
    let empty = [
        Chart::CostPerTransaction(CostPerTransactionChart {
            currency: "USD".into(),
            scenarios: Vec::new(),
            revenue_per_transaction: Vec::new(),
            references: Vec::new(),
            probed: false,
            replications: 1,
        }),
        Chart::Latency(LatencyChart {
            scenarios: Vec::new(),
            objectives: Vec::new(),
            replications: 1,
        }),
        Chart::MonthlyCost(MonthlyCostChart {
            scenario: "nothing".into(),
            currency: "USD".into(),
            components: Vec::new(),
            bars: Vec::new(),
        }),
        Chart::Timeline(TimelineChart {
            scenario: "nothing".into(),
            currency: "USD".into(),
            scale_label: "1x".into(),
            horizon_hours: 0.0,
            warmup_hours: 0.0,
            arrivals: vec![Point::new(0.0, 0.0)],
            refused: Vec::new(),
            peak_instances: Vec::new(),
            mean_instances: Vec::new(),
            spend: Vec::new(),
            markers: Vec::new(),
        }),
        Chart::BreakEven(BreakEvenChart {
            scenario: "nothing".into(),
            currency: "USD".into(),
            revenue: Vec::new(),
            cost: Vec::new(),
            break_even: None,
            note: Some("no break-even".into()),
        }),
        Chart::Sweep(SweepChart {
            scenario: "nothing".into(),
            currency: "USD".into(),
            parameter: "cache.hit_rate".into(),
            other_parameters: Vec::new(),
            categories: Vec::new(),
            labels: Vec::new(),
            panels: Vec::new(),
            replications: 1,
        }),
    ];
    for chart in &empty {
        let image = decode(&chart.render().expect("render an empty chart"));
        assert_eq!((image.width, image.height), chart.size());
    }
}

#[test]
fn sizes_are_the_published_ones() {
    assert_eq!((plot::WIDTH, plot::HEIGHT), (1200, 700));
    assert_eq!(plot::TIMELINE_HEIGHT, 900);
    assert_eq!(plot::SWEEP_HEIGHT, 900);
}

fn scalecost() -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary");
    cmd.env_remove("RUST_BACKTRACE")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn plot_command_writes_every_chart_into_a_new_folder() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("charts");
    let assert = scalecost()
        .args([
            "plot",
            "scenarios/starter.yaml",
            "scenarios/support-chatbot.yaml",
            "--scales",
            "1,2",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for name in [
        "cost-per-transaction.png",
        "latency.png",
        "monthly-cost-my-ai-service.png",
        "monthly-cost-support-chatbot.png",
        "break-even-support-chatbot.png",
        "timeline-my-ai-service.png",
        "timeline-support-chatbot.png",
    ] {
        let path = out.join(name);
        let image = decode(&std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!(image.width, plot::WIDTH, "{name}");
        assert!(
            stderr.contains(&path.display().to_string()),
            "{name} is named on stderr: {stderr}"
        );
    }
}

#[test]
fn simulate_can_draw_its_charts_too() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("charts");
    scalecost()
        .args([
            "simulate",
            "scenarios/starter.yaml",
            "--scales",
            "1,2",
            "--format",
            "csv",
            "--plot",
        ])
        .arg(&out)
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("the chart folder")
        .map(|e| {
            e.expect("a file")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "cost-per-transaction.png",
            "latency.png",
            "monthly-cost-my-ai-service.png",
            "timeline-my-ai-service.png"
        ]
    );
}

#[test]
fn plot_rejects_a_timeline_scale_that_was_not_simulated() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    scalecost()
        .args([
            "plot",
            "scenarios/starter.yaml",
            "--scales",
            "1,2",
            "--timeline-scale",
            "5",
            "-o",
        ])
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--timeline-scale 5: my-ai-service runs at 1x, 2x; choose one of those",
        ));
}

#[test]
fn plot_rejects_an_output_that_is_a_file() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("charts.png");
    std::fs::write(&file, b"not a folder").expect("write a file");
    scalecost()
        .args(["plot", "scenarios/starter.yaml", "-o"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "this is a file; charts go in a folder",
        ));
}

/// Two small variants of the starter scenario, with different latency objectives.
fn variants(dir: &Path) -> [PathBuf; 2] {
    let starter = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/starter.yaml"),
    )
    .expect("the starter scenario");
    ["a", "b"].map(|name| {
        let path = dir.join(format!("{name}.yaml"));
        let p99 = if name == "a" { "2s" } else { "3s" };
        std::fs::write(
            &path,
            format!("{starter}\nslo: {{p99_latency: {p99}}}\n").replacen(
                "name: my-ai-service",
                &format!("name: variant-{name}"),
                1,
            ),
        )
        .expect("write a variant");
        path
    })
}

#[test]
fn compare_can_draw_its_charts() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let [a, b] = variants(tmp.path());
    let out = tmp.path().join("charts");
    let assert = scalecost()
        .arg("compare")
        .args([&a, &b])
        .args([
            "--scales",
            "1,2",
            "--replications",
            "2",
            "--format",
            "csv",
            "--plot",
        ])
        .arg(&out)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    for name in ["compare-cost-per-transaction.png", "compare-latency.png"] {
        let path = out.join(name);
        let image = decode(&std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}")));
        assert_eq!((image.width, image.height), (plot::WIDTH, plot::HEIGHT));
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    }
}

#[test]
fn sweep_can_draw_its_chart() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("charts");
    scalecost()
        .args([
            "sweep",
            "scenarios/starter.yaml",
            "--set",
            "workload.bursts[0].multiplier=1,2,3",
            "--scales",
            "1",
            "--jobs",
            "1",
            "-q",
            "--plot",
        ])
        .arg(&out)
        .assert()
        .success();
    let path = out.join("sweep-workload-bursts-0-multiplier.png");
    let image = decode(&std::fs::read(&path).expect("the sweep chart"));
    assert_eq!(
        (image.width, image.height),
        (plot::WIDTH, plot::SWEEP_HEIGHT)
    );
}

#[test]
fn plot_takes_the_thread_and_quiet_options() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    scalecost()
        .args([
            "plot",
            "scenarios/starter.yaml",
            "--scales",
            "1",
            "--jobs",
            "1",
            "--quiet",
            "-o",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(tmp.path().join("latency.png").is_file());
}

#[test]
fn compare_and_sweep_refuse_a_chart_folder_that_is_a_file_before_running() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let file = tmp.path().join("charts.png");
    std::fs::write(&file, b"not a folder").expect("write a file");
    for args in [
        vec!["compare", "scenarios/starter.yaml"],
        vec![
            "sweep",
            "scenarios/starter.yaml",
            "--set",
            "cache.hit_rate=0.1,0.2",
        ],
    ] {
        scalecost()
            .args(&args)
            .arg("--plot")
            .arg(&file)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicates::str::contains(
                "this is a file; charts go in a folder",
            ));
    }
}
