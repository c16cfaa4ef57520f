//! What the integration tests share: reading a scenario from text, running it as
//! `simulate` does, and changing a field of its text the way the command line does.
#![allow(dead_code)]

use scalecost::model::Scenario;
use scalecost::outcome::{BreakEven, DesignOutcome, Outcome, ScaleResult};
use scalecost::progress::Progress;
use scalecost::scenario::{self, Source, plan};

/// The starter scenario with each `(from, to)` edit made; each `from` must occur exactly
/// once, so a test fails loudly instead of silently testing nothing if the starter changes.
pub fn starter_with(edits: &[(&str, &str)]) -> String {
    let mut text = scalecost::STARTER_SCENARIO.to_string();
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` must occur exactly once in the starter scenario"
        );
        text = text.replacen(from, to, 1);
    }
    text
}

/// The starter at a tenth of its users over 4 days, so each run takes well under a
/// second, with each `(from, to)` made as in [`starter_with`].
pub fn small_starter_with(edits: &[(&str, &str)]) -> String {
    let mut all = vec![
        ("users: 1000 ", "users: 100 "),
        ("horizon: 8d ", "horizon: 4d "),
    ];
    all.extend_from_slice(edits);
    starter_with(&all)
}

/// A scenario read from `yaml`; panics with the reader's message if it is invalid.
pub fn parse(yaml: &str) -> Scenario {
    scenario::parse(yaml, "test.yaml", "test").unwrap_or_else(|e| panic!("{e}"))
}

/// `yaml` with the value at `path` replaced (or added) as `--set` would.
pub fn with(yaml: &str, path: &str, value: &str) -> String {
    let mut source = Source::from_text(yaml, "test.yaml", "test");
    source
        .replace(path, value, "test")
        .unwrap_or_else(|e| panic!("{e}"));
    source.text().to_string()
}

/// One scenario's results as `simulate` reports them.
pub struct Report {
    pub scenario: String,
    pub currency: String,
    /// The full result of each scale, in the scenario's order.
    pub results: Vec<ScaleResult>,
    pub break_even: Option<BreakEven>,
    pub design: DesignOutcome,
    /// What the exporters get.
    pub outcome: Outcome,
}

/// Runs a validated scenario as `simulate` does.
pub fn report(scenario: &Scenario) -> Report {
    report_with(scenario, 1)
}

/// Runs a validated scenario as `simulate --replications N` does.
pub fn report_with(scenario: &Scenario, replications: u64) -> Report {
    let plan = plan::single(scenario.clone(), replications);
    let outcome = scalecost::runner::run(&plan, &Progress::silent());
    let design = outcome.designs[0].clone();
    Report {
        outcome,
        scenario: design.scenario.clone(),
        currency: design.currency.clone(),
        results: design.details().cloned().collect(),
        break_even: design.break_even.clone(),
        design,
    }
}

/// Reads and runs `yaml`.
pub fn run(yaml: &str) -> Report {
    report(&parse(yaml))
}

/// The JSON `simulate --format json` prints for `report`.
pub fn json(report: &Report) -> String {
    export(report, scalecost::report::Format::Json)
}

/// What `simulate --format FORMAT` prints for `report`.
pub fn export(report: &Report, format: scalecost::report::Format) -> String {
    let artifacts = scalecost::report::exporter(format)
        .export(&report.outcome)
        .expect("every outcome exports");
    String::from_utf8(artifacts.into_iter().flat_map(|a| a.bytes).collect()).expect("UTF-8")
}

/// Every text box inside the canvas and apart from every other, and none over a mark.
pub fn assert_clear(what: &str, layout: &scalecost::report::plot::surface::Layout) {
    for (i, a) in layout.texts.iter().enumerate() {
        assert!(
            a.rect.inside(layout.width, layout.height),
            "{what}: {:?} at {:?} leaves the {}x{} canvas",
            a.text,
            a.rect,
            layout.width,
            layout.height
        );
        for b in &layout.texts[i + 1..] {
            assert!(
                !a.rect.overlaps(&b.rect),
                "{what}: {:?} at {:?} overlaps {:?} at {:?}",
                a.text,
                a.rect,
                b.text,
                b.rect
            );
        }
        for m in &layout.marks {
            assert!(
                !a.rect.overlaps(m),
                "{what}: {:?} at {:?} covers a point at {m:?}",
                a.text,
                a.rect
            );
        }
    }
}
