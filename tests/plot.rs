//! Charts: every chart renders for every shipped scenario, as a PNG of the promised size
//! that is not blank, that changes when its data change, and that is the same bytes
//! every time; `scalecost plot` and `simulate --plot` write them to a folder.
//!
//! The shipped scenarios run at 1x and 10x only: the charts need a few scales, not the
//! large ones, and the suite stays quick.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use rayon::prelude::*;
use scalecost::report::plot::{
    self, Chart, CostPerTransactionChart, LatencyChart, MonthlyCostChart, NamedChart, Point,
    ReferenceLine, TimelineChart, data,
};
use scalecost::runner::{self, ScenarioReport};

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

/// Every shipped scenario simulated once, shared by the tests of this file.
fn reports() -> &'static [ScenarioReport] {
    static REPORTS: OnceLock<Vec<ScenarioReport>> = OnceLock::new();
    REPORTS.get_or_init(|| {
        shipped_scenarios()
            .par_iter()
            .map(|path| {
                let mut scenario = scalecost::scenario::load(path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                scenario.scales = SCALES.to_vec();
                runner::run_scenario(&scenario)
            })
            .collect()
    })
}

/// Every chart of every shipped scenario, each scenario on its own, so a chart that
/// fails for one of them names it.
fn charts_per_scenario() -> Vec<(String, NamedChart)> {
    reports()
        .iter()
        .flat_map(|r| {
            data::charts(std::slice::from_ref(r), None)
                .expect("build the charts")
                .into_iter()
                .map(|c| (r.scenario.clone(), c))
        })
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
        })
        .collect();
    assert_eq!(kinds.len(), 4, "every kind of chart is drawn: {kinds:?}");
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
fn all_scenarios_together_give_one_cost_and_one_latency_chart_and_two_per_scenario() {
    let names: Vec<String> = data::charts(reports(), None)
        .expect("build the charts")
        .into_iter()
        .map(|c| c.file_name)
        .collect();
    let mut expected = vec!["cost-per-transaction.png".to_string(), "latency.png".into()];
    for r in reports() {
        let slug = r.scenario.to_lowercase().replace(' ', "-");
        expected.push(format!("monthly-cost-{slug}.png"));
        expected.push(format!("timeline-{slug}.png"));
    }
    assert_eq!(names, expected);
}

#[test]
fn rendering_twice_gives_identical_bytes() {
    for named in data::charts(reports(), None).expect("build the charts") {
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
    data::charts(reports(), None)
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

/// The timeline of a scenario with self-hosted tiers, so all three panels are drawn.
fn timeline_chart() -> TimelineChart {
    match first_chart(|c| matches!(c, Chart::Timeline(t) if !t.instances.is_empty())) {
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
    after.spend[middle].y *= 3.0;
    after.instances[0].points[middle].y += 4.0;
    assert_pixels_change(
        "timeline",
        &Chart::Timeline(before),
        &Chart::Timeline(after),
    );
}

#[test]
fn reference_lines_and_confidence_bands_are_drawn_when_given() {
    // What the break-even price, latency objectives and replications will add.
    let before = cost_chart();
    let mut after = before.clone();
    let y = after.scenarios[0].points[0].y;
    after.references.push(ReferenceLine {
        label: "price per transaction".into(),
        value: y * 2.0,
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
    });
    assert_pixels_change(
        "latency with an objective",
        &Chart::Latency(before),
        &Chart::Latency(after),
    );
}

#[test]
fn charts_with_nothing_to_show_still_render() {
    let empty = [
        Chart::CostPerTransaction(CostPerTransactionChart {
            currency: "USD".into(),
            scenarios: Vec::new(),
            references: Vec::new(),
        }),
        Chart::Latency(LatencyChart {
            scenarios: Vec::new(),
            objectives: Vec::new(),
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
            horizon_days: 0.0,
            warmup_days: 0.0,
            arrivals: vec![Point::new(0.0, 0.0)],
            instances: Vec::new(),
            spend: Vec::new(),
            markers: Vec::new(),
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
