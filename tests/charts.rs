//! How the charts argue: a small change fills the panel, a failing scale is drawn
//! hollow, SVG is well-formed, names what the PNG names and is the same every time,
//! and `--plot-format` and `--chart-figures` reach the files.
//!
//! Charts are built by hand where a test needs exact figures, and from a scenario
//! built to fail where it needs a real degraded point.

mod common;

use assert_cmd::Command;
use scalecost::report::plot::{
    Chart, PlotFormat, Point, Quantity, Series, SweepChart, SweepFigure, SweepPanel, data,
};

/// Pixels of an image, decoded from PNG bytes.
struct Image {
    width: u32,
    rgb: Vec<u8>,
}

fn decode(bytes: &[u8]) -> Image {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane image size")];
    let info = reader.next_frame(&mut buf).expect("PNG pixels");
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        rgb: buf,
    }
}

impl Image {
    fn at(&self, x: i32, y: i32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }
}

/// The first series colour (Okabe–Ito blue).
const BLUE: [u8; 3] = [0, 114, 178];

/// A one-panel sweep of a cost that moves by `change` (0.05 = 5%) over five values.
fn sweep_moving(change: f64) -> SweepChart {
    let points = (0..5)
        .map(|i| Point::new(f64::from(i), 0.002 * (1.0 + change * f64::from(i) / 4.0)))
        .collect();
    SweepChart {
        scenario: "s".into(),
        currency: "USD".into(),
        parameter: "cache.hit_rate".into(),
        other_parameters: Vec::new(),
        categories: Vec::new(),
        labels: vec!["1x".into()],
        panels: vec![SweepPanel {
            figure: SweepFigure::Cost,
            title: "Cost per successful transaction (USD)".into(),
            quantity: Quantity::Money("USD".into()),
            series: vec![Series {
                label: "1x".into(),
                points,
            }],
            objectives: Vec::new(),
        }],
        replications: 1,
    }
}

#[test]
fn a_five_percent_change_spans_at_least_half_the_panel() {
    let chart = Chart::Sweep(sweep_moving(0.05));
    let drawing = chart.draw(PlotFormat::Png).expect("drawn");
    let image = decode(&drawing.bytes);
    let plot = drawing.layout.plots[0];
    let mut rows = Vec::new();
    for y in plot.top as i32..plot.bottom as i32 {
        if (plot.left as i32..plot.right as i32).any(|x| image.at(x, y) == BLUE) {
            rows.push(y);
        }
    }
    let (first, last) = (rows[0], rows[rows.len() - 1]);
    let height = plot.bottom - plot.top;
    assert!(
        f64::from(last - first) >= height / 2.0,
        "the line spans {} of the panel's {height} pixels",
        last - first
    );
}

#[test]
fn text_stays_clear_on_hand_built_charts_with_crowded_labels() {
    // Two lines ending at the same value and a long name: the end labels must be
    // moved apart and the long one shortened rather than cut by the frame.
    let mut chart = sweep_moving(0.05);
    let mut twin = chart.panels[0].series[0].clone();
    twin.label = "10x, a rather long name for a combination of swept values".into();
    chart.labels.push(twin.label.clone());
    chart.panels[0].series.push(twin);
    let drawing = Chart::Sweep(chart).draw(PlotFormat::Png).expect("drawn");
    common::assert_clear("crowded sweep", &drawing.layout);
    assert!(drawing.layout.texts.iter().any(|t| t.text.ends_with('…')));
}

/// The small starter with one instance and a short queue at four times the requests:
/// 1x is served, 100x is not.
fn built_to_fail() -> common::Report {
    let yaml = common::small_starter_with(&[
        ("max: 6", "max: 1"),
        ("queue_capacity: 500", "queue_capacity: 20"),
        (
            "requests_per_user_per_day: 10",
            "requests_per_user_per_day: 40",
        ),
        ("scales: [1, 10, 100]", "scales: [1, 100]"),
    ]);
    common::run(&yaml)
}

#[test]
fn a_degraded_point_is_hollow_and_labelled_and_a_healthy_one_is_filled() {
    let report = built_to_fail();
    let charts = data::scenario_charts(std::slice::from_ref(&report.design), None).expect("charts");
    let Some(Chart::CostPerTransaction(cost)) = charts.into_iter().map(|c| c.chart).next() else {
        panic!("a cost chart first")
    };
    let points = &cost.scenarios[0].points;
    assert_eq!(points.len(), 2);
    assert_eq!(points[0].degraded, None, "1x is served: {:?}", points[0]);
    let why = points[1].degraded.clone().expect("100x fails");
    assert!(why.ends_with("served") || why == "misses SLO", "{why}");

    let drawing = Chart::CostPerTransaction(cost)
        .draw(PlotFormat::Png)
        .expect("drawn");
    let image = decode(&drawing.bytes);
    // The marks inside the plot are the two points (the white halo and the mark).
    let plot = drawing.layout.plots[0];
    let centres: Vec<(i32, i32)> = drawing
        .layout
        .marks
        .iter()
        .filter(|m| m.left >= plot.left - 8.0 && m.right <= plot.right + 8.0)
        .map(|m| {
            (
                ((m.left + m.right) / 2.0) as i32,
                ((m.top + m.bottom) / 2.0) as i32,
            )
        })
        .collect();
    let filled = centres
        .iter()
        .filter(|c| image.at(c.0, c.1) == BLUE)
        .count();
    let hollow = centres
        .iter()
        .filter(|c| image.at(c.0, c.1) == [255, 255, 255])
        .count();
    assert!(filled >= 1, "the healthy point is filled: {centres:?}");
    assert!(hollow >= 1, "the failing point is hollow: {centres:?}");
    assert!(
        drawing.layout.texts.iter().any(|t| t.text == why),
        "the failing point says why ({why})"
    );
    common::assert_clear("cost per transaction built to fail", &drawing.layout);
}

/// The text of every `<text>` element, in document order.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("SVG is XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn svg_is_xml_names_what_the_png_names_and_is_the_same_every_time() {
    let report = built_to_fail();
    let charts = data::scenario_charts(std::slice::from_ref(&report.design), None).expect("charts");
    for named in charts {
        let png = named.chart.draw(PlotFormat::Png).expect("png");
        let svg = named.chart.draw(PlotFormat::Svg).expect("svg");
        let again = named.chart.draw(PlotFormat::Svg).expect("svg again");
        assert!(
            svg.bytes == again.bytes,
            "{}: SVG differs between runs",
            named.file_name
        );
        let text = String::from_utf8(svg.bytes).expect("UTF-8");
        // Letters are the embedded font's outlines, as in the PNG, not the viewer's font.
        assert!(
            text.contains("<path id=\"g") && text.contains("<use "),
            "{}: glyph outlines",
            named.file_name
        );
        let png_texts: Vec<String> = png.layout.texts.iter().map(|t| t.text.clone()).collect();
        assert_eq!(svg_texts(&text), png_texts, "{}", named.file_name);
        assert!(
            text.contains(&report.scenario) || named.file_name.starts_with("cost"),
            "{}",
            named.file_name
        );
        assert_eq!(
            svg.layout, png.layout,
            "{}: the same layout",
            named.file_name
        );
    }
}

#[test]
fn sweep_defaults_follow_the_swept_field_and_chart_figures_choose() {
    assert_eq!(
        data::default_figures("cache.lru.capacity"),
        [
            SweepFigure::Cost,
            SweepFigure::HitRate,
            SweepFigure::P50,
            SweepFigure::P99
        ]
    );
    assert_eq!(
        data::default_figures("tiers.small.autoscaling.max"),
        [SweepFigure::Cost, SweepFigure::Instances, SweepFigure::P99]
    );
}

fn scalecost() -> Command {
    let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary");
    cmd.env_remove("RUST_BACKTRACE")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

#[test]
fn plot_format_svg_writes_svg_files() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("charts");
    scalecost()
        .args([
            "plot",
            "scenarios/starter.yaml",
            "--scales",
            "1,2",
            "--plot-format",
            "svg",
            "-q",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.iter().all(|n| n.ends_with(".svg")), "{names:?}");
    assert!(
        names.contains(&"timeline-my-ai-service.svg".to_string()),
        "{names:?}"
    );
    for name in names {
        let text = std::fs::read_to_string(out.join(&name)).expect("readable");
        assert!(!svg_texts(&text).is_empty(), "{name} has text");
    }
}

#[test]
fn chart_figures_draw_one_panel_each_and_a_bad_name_is_refused() {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("charts");
    scalecost()
        .args([
            "sweep",
            "scenarios/starter.yaml",
            "--set",
            "cache.hit_rate=0.1,0.5",
            "--scales",
            "1",
            "--chart-figures",
            "cost,hit-rate,p50",
            "-q",
            "--plot",
        ])
        .arg(&out)
        .assert()
        .success();
    let bytes = std::fs::read(out.join("sweep-cache-hit-rate.png")).expect("the chart");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let info = decoder.read_info().expect("a PNG").info().clone();
    assert_eq!(info.height, scalecost::report::plot::sweep_height(3));

    let assert = scalecost()
        .args([
            "sweep",
            "scenarios/starter.yaml",
            "--set",
            "cache.hit_rate=0.1,0.5",
            "--chart-figures",
            "cost,speed",
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("speed") && stderr.contains("hit-rate"),
        "{stderr}"
    );
}

#[test]
fn the_decision_charts_keep_their_text_clear_too() {
    use scalecost::report::plot::{
        BreakEvenMark, CrossoverChart, FrontierChart, FrontierScale, TornadoBar, TornadoChart,
    };
    let users = [1e3, 3e3, 1e4, 3e4, 1e5];
    let crossover = CrossoverChart {
        first: "self-hosted".into(),
        second: "api".into(),
        currency: "USD".into(),
        first_cost: users
            .iter()
            .map(|u| Point::new(*u, 900.0 + u * 0.01))
            .collect(),
        second_cost: users.iter().map(|u| Point::new(*u, u * 0.05)).collect(),
        crossings: vec![BreakEvenMark {
            users: 3e4,
            monthly_cost: 1_200.0,
            label: "self-hosted cheaper from 30,000 users".into(),
        }],
        note: None,
    };
    let frontier = FrontierChart {
        scenario: "s".into(),
        currency: "USD".into(),
        scales: vec![FrontierScale {
            label: "10x (10k users)".into(),
            frontier: vec![Point::new(2e-3, 900.0), Point::new(2.2e-3, 600.0)],
            dominated: vec![Point::new(2.3e-3, 700.0)],
            missing: vec![Point::new(1.9e-3, 4_000.0).degraded(Some(String::new()))],
            chosen: Some(Point::new(2e-3, 900.0)),
        }],
        objective_ms: Some(1_000.0),
    };
    let tornado = TornadoChart {
        scenario: "s".into(),
        scale: "1x (5,000 users)".into(),
        by: "±20%".into(),
        bars: vec![
            TornadoBar {
                label: "workload.users".into(),
                moved: "4000 / 6000".into(),
                low: Some(0.23),
                high: Some(-0.16),
            },
            TornadoBar {
                label: "tiers.llm.price_per_1k_output_tokens".into(),
                moved: "0.0036 / 0.0054".into(),
                low: Some(-0.01),
                high: Some(0.01),
            },
        ],
        left_off: 3,
    };
    for (what, chart) in [
        ("crossover", Chart::Crossover(crossover)),
        ("frontier", Chart::Frontier(frontier)),
        ("tornado", Chart::Tornado(tornado)),
    ] {
        let drawing = chart.draw(PlotFormat::Png).expect("drawn");
        common::assert_clear(what, &drawing.layout);
    }
}

/// The second series colour (Okabe–Ito vermillion).
const VERMILLION: [u8; 3] = [213, 94, 0];

/// Rows of the plot area `[left, top, right, bottom]` holding a pixel of `colour`: the
/// first and last.
fn rows_of(image: &Image, [left, top, right, bottom]: [f64; 4], colour: [u8; 3]) -> (i32, i32) {
    let rows: Vec<i32> = (top as i32..bottom as i32)
        .filter(|&y| (left as i32..right as i32).any(|x| image.at(x, y) == colour))
        .collect();
    assert!(!rows.is_empty(), "no pixel of {colour:?} in the plot");
    (rows[0], rows[rows.len() - 1])
}

#[test]
fn each_scale_of_the_frontier_fills_its_own_panel_when_scales_are_ten_times_apart() {
    use scalecost::report::plot::{FrontierChart, FrontierScale};
    // 10x costs a tenth as much per transaction and waits ten times as long: on one
    // pair of axes either scale's points would sit in a corner of the other's range.
    let scale = |label: &str, cost: f64, p99: f64| FrontierScale {
        label: label.into(),
        frontier: vec![
            Point::new(cost, p99 * 1.5),
            Point::new(cost * 1.2, p99 * 1.2),
            Point::new(cost * 1.4, p99),
        ],
        dominated: vec![Point::new(cost * 1.3, p99 * 1.4)],
        missing: Vec::new(),
        chosen: Some(Point::new(cost, p99 * 1.5)),
    };
    let chart = FrontierChart {
        scenario: "s".into(),
        currency: "USD".into(),
        scales: vec![
            scale("1x (1k users)", 1e-3, 200.0),
            scale("10x (10k users)", 1e-4, 2_000.0),
        ],
        objective_ms: None,
    };
    let drawing = Chart::Frontier(chart).draw(PlotFormat::Png).expect("drawn");
    common::assert_clear("frontier of two scales", &drawing.layout);
    let image = decode(&drawing.bytes);
    let plots = &drawing.layout.plots;
    assert_eq!(plots.len(), 2, "one panel per scale");
    for (plot, colour) in plots.iter().zip([BLUE, VERMILLION]) {
        let (first, last) = rows_of(
            &image,
            [plot.left, plot.top, plot.right, plot.bottom],
            colour,
        );
        let height = plot.bottom - plot.top;
        assert!(
            f64::from(last - first) >= height / 2.0,
            "{colour:?}: the points span {} of the panel's {height} pixels",
            last - first
        );
        // Across too: the cheapest and dearest design of the scale lie far apart.
        let columns: Vec<i32> = (plot.left as i32..plot.right as i32)
            .filter(|&x| (plot.top as i32..plot.bottom as i32).any(|y| image.at(x, y) == colour))
            .collect();
        let width = plot.right - plot.left;
        assert!(
            f64::from(columns[columns.len() - 1] - columns[0]) >= width / 2.0,
            "{colour:?}: the points span too little of the panel's {width} pixels across"
        );
    }
}

#[test]
fn the_cost_per_transaction_curve_runs_through_the_break_even_probes_each_marked() {
    // The small starter sold per seat: a break-even search probes loads between its
    // scales (1x, 10x and 100x are ten times apart, more than the search's spacing).
    let yaml = format!(
        "{}\nrevenue:\n  per_seat: {{price_per_user_per_month: 2, free_share: 0.6}}\n",
        common::small_starter_with(&[])
    );
    let plan = scalecost::scenario::plan::single(common::parse(&yaml), 1);
    let outcome = scalecost::runner::run(&plan, &scalecost::progress::Progress::silent());
    let design = &outcome.designs[0];
    let be = design.break_even.as_ref().expect("a break-even search ran");
    // Each probe's cost per transaction is its monthly cost over its transactions, and
    // at a simulated scale it is the figure the scale reports (to rounding: one is
    // summed by cost line, the other by month).
    for p in &be.probes {
        let c = p
            .cost_per_transaction
            .expect("transactions succeed at every probe");
        assert!((c - p.monthly_cost / p.transactions_per_month).abs() <= c * 1e-12);
    }
    let scales: Vec<(f64, f64)> = design
        .details()
        .map(|r| {
            (
                r.metrics.users,
                r.economics.cost_per_transaction.expect("a cost"),
            )
        })
        .collect();
    for (users, cost) in &scales {
        let probe = be
            .probes
            .iter()
            .find(|p| (p.users - users).abs() <= users * 1e-9)
            .expect("each scale is a probe of the search");
        let c = probe.cost_per_transaction.expect("a cost");
        assert!(
            (c - cost).abs() <= cost * 1e-9,
            "{users} users: {c} and {cost}"
        );
    }
    let between = be
        .probes
        .iter()
        .filter(|p| !scales.iter().any(|(u, _)| (p.users - u).abs() <= u * 1e-9))
        .count();
    assert!(between > 0, "the search probed no load between the scales");
    let charts = data::cost_per_transaction(&outcome.designs);
    let points = &charts[0].scenarios[0].points;
    assert_eq!(
        points.len(),
        scales.len() + between,
        "scales and probes, once each"
    );
    assert!(
        points.windows(2).all(|w| w[0].x < w[1].x),
        "in order of users"
    );
    // Every point is marked: the SVG draws a dot (a white halo and the dot) for each.
    let drawing = Chart::CostPerTransaction(charts[0].clone())
        .draw(PlotFormat::Svg)
        .expect("drawn");
    let svg = String::from_utf8(drawing.bytes).expect("SVG is text");
    let dots = svg.matches("<circle").count();
    assert!(
        dots >= 2 * points.len(),
        "{dots} circles for {} points",
        points.len()
    );
    common::assert_clear("cost per transaction with probes", &drawing.layout);
}
