//! HTML: one self-contained page for people who read results rather than run them. It
//! opens with the answer (cost per transaction, monthly cost, margin, break-even, the
//! bottleneck, the SLO verdict, degraded scales, the two-year total against the one-off
//! costs), then the breakdown (the table's document), the charts as inline SVG, the
//! assumptions (every value the scenario writes, with its comment) and the warnings.
//!
//! The page needs nothing else: the style sheet is inline, the charts are inline SVG,
//! there is no script, and a Content-Security-Policy forbids every request, so it reads
//! the same offline, from a mail attachment or from an archive years later. Every text
//! from the scenario is escaped; the same outcome gives the same bytes.
//!
//! Each headline figure carries `data-json`, the JSON Pointer of the same figure in
//! `--format json` output of the run, and `data-value`, the figure itself, so a reader
//! (or a test) can check the page against the JSON.

use std::fmt::Write;

use anyhow::Result;
use rayon::prelude::*;

use super::document::{Block, Document, Grid};
use super::format::{millis, money, percent, quantity, scale, trimmed};
use super::plot::{Chart, PlotFormat};
use super::{Artifact, Exporter, table};
use crate::outcome::{BreakEvenStatus, DesignOutcome, Outcome, SloVerdict, Summary};
use crate::scenario::plan::Command;

pub struct Html;

/// The page being written, and how many tables it has, which names each uniquely.
struct Page {
    out: String,
    tables: usize,
}

impl std::ops::Deref for Page {
    type Target = String;
    fn deref(&self) -> &String {
        &self.out
    }
}

impl std::ops::DerefMut for Page {
    fn deref_mut(&mut self) -> &mut String {
        &mut self.out
    }
}

impl Write for Page {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.out.push_str(s);
        Ok(())
    }
}

impl Page {
    /// A title above a table, named by the table's `aria-labelledby`: a `<caption>`
    /// would be as wide as the table and scroll away with it on a phone.
    fn table_title(&mut self, title: &str) -> String {
        self.tables += 1;
        let id = format!("table{}", self.tables);
        let _ = writeln!(
            self.out,
            "<p class=\"caption\" id=\"{id}\">{}</p>",
            text(title)
        );
        id
    }
}

impl Exporter for Html {
    fn export(&self, outcome: &Outcome) -> Result<Vec<Artifact>> {
        Ok(vec![Artifact::main(page(outcome)?.into_bytes())])
    }
}

/// Forbids every request: no script, no font, no image from anywhere. Charts are inline
/// SVG and the style sheet is inline, which is all the page uses.
const POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// Colours pass WCAG AA on white: ink #1b1f24 (16:1), muted #4d5761 (7.4:1), pass
/// #146c2e (6.5:1), fail #a3161a (7.4:1), links and rules only as decoration.
const STYLE: &str = "\
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:#fff;color:#1b1f24;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Liberation Sans',Arial,sans-serif}
main{max-width:75rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.3rem;margin:2rem 0 .5rem;padding-bottom:.2rem;border-bottom:2px solid #c9d1d9}
h3{font-size:1.1rem;margin:1.5rem 0 .4rem}
p,li,figcaption{overflow-wrap:anywhere}
td,th{overflow-wrap:break-word}
.lede{color:#4d5761}
.verdict{font-size:1.1rem}
.scroll{overflow-x:auto;max-width:100%;margin:.5rem 0}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
.caption{font-weight:600;margin:1rem 0 .2rem}
.where{color:#4d5761;font-size:.85em;overflow-wrap:anywhere}
.inputs{width:100%;table-layout:fixed}
.inputs th,.inputs td{overflow-wrap:anywhere}
.inputs thead th:nth-child(1){width:42%}
.inputs thead th:nth-child(2){width:20%}
th,td{border:1px solid #c9d1d9;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#f0f3f6}
tbody th{font-weight:normal}
.n{text-align:right;white-space:nowrap}
.pass{color:#146c2e;font-weight:600}
.fail{color:#a3161a;font-weight:600}
.note{color:#4d5761}
.warnings li{margin:.3rem 0}
figure{margin:1rem 0}
figure svg{display:block;width:100%;height:auto;max-width:75rem;border:1px solid #c9d1d9}
footer{margin-top:2rem;color:#4d5761;font-size:.9rem}
code{font-family:ui-monospace,'Liberation Mono',monospace;font-size:.92em}
@media (max-width:40rem){
main{padding:.6rem}
table{font-size:.85rem}
th,td{padding:.25rem .35rem}
}
@media print{
@page{size:A4;margin:14mm}
body{font-size:10pt}
main{max-width:none;padding:0}
.scroll{overflow:visible}
table{font-size:8.5pt}
h2,h3{break-after:avoid}
figure,tr{break-inside:avoid}
figure svg{max-height:240mm;border:0}
}
";

/// The whole page.
pub fn page(outcome: &Outcome) -> Result<String> {
    let doc = table::document(outcome);
    let charts = super::plot::data::charts(outcome, None, None)?;
    let drawn: Vec<String> = charts
        .par_iter()
        .enumerate()
        .map(|(i, named)| chart(i, &named.chart))
        .collect::<Result<_>>()?;

    let mut out = Page {
        out: String::with_capacity(64 * 1024 + drawn.iter().map(String::len).sum::<usize>()),
        tables: 0,
    };
    head(&mut out, &doc.heading);
    let _ = writeln!(out, "<p class=\"lede\">{}</p>", text(&lede(outcome)));

    out.push_str("<section aria-labelledby=\"answer\">\n<h2 id=\"answer\">The answer</h2>\n");
    answer(&mut out, outcome);
    out.push_str("</section>\n");

    out.push_str("<section aria-labelledby=\"breakdown\">\n<h2 id=\"breakdown\">Breakdown</h2>\n");
    let warnings = blocks(&mut out, &doc);
    out.push_str("</section>\n");

    out.push_str("<section aria-labelledby=\"charts\">\n<h2 id=\"charts\">Charts</h2>\n");
    if drawn.is_empty() {
        out.push_str("<p>This command draws no chart.</p>\n");
    }
    for svg in &drawn {
        let _ = writeln!(out, "<figure>\n{svg}</figure>");
    }
    out.push_str("</section>\n");

    out.push_str(
        "<section aria-labelledby=\"assumptions\">\n<h2 id=\"assumptions\">Assumptions</h2>\n",
    );
    assumptions(&mut out, outcome);
    out.push_str("</section>\n");

    out.push_str("<section aria-labelledby=\"warnings\">\n<h2 id=\"warnings\">Warnings</h2>\n");
    let mut all: Vec<&str> = warnings;
    for design in &outcome.designs {
        for w in &design.scenario_warnings {
            if !all.contains(&w.as_str()) {
                all.push(w);
            }
        }
    }
    if all.is_empty() {
        out.push_str("<p>None: every figure was measured and no input looks doubtful.</p>\n");
    } else {
        out.push_str("<ul class=\"warnings\">\n");
        for w in all {
            let _ = writeln!(out, "<li>{}</li>", text(w));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");

    foot(&mut out);
    Ok(out.out)
}

/// A plain document (a price list) as a page of its own.
pub fn document_page(doc: &Document) -> String {
    let mut out = Page {
        out: String::new(),
        tables: 0,
    };
    head(&mut out, &doc.heading);
    let warnings = blocks(&mut out, doc);
    if !warnings.is_empty() {
        out.push_str("<h2>Warnings</h2>\n<ul class=\"warnings\">\n");
        for w in warnings {
            let _ = writeln!(out, "<li>{}</li>", text(w));
        }
        out.push_str("</ul>\n");
    }
    foot(&mut out);
    out.out
}

/// Everything up to and including the page's `<h1>`.
fn head(out: &mut Page, heading: &str) {
    let title = format!("{heading} — scalecost report");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{POLICY}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"scalecost {}\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        text(&title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", text(heading));
}

/// The footer and the closing tags.
fn foot(out: &mut Page) {
    let _ = write!(
        out,
        "<footer>\n<p>Written by scalecost {}; the same scenario and seed give the same page.</p>\n</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
}

/// What was run, in one line.
fn lede(o: &Outcome) -> String {
    let what = match o.command {
        Command::Simulate | Command::Plot => "Simulated",
        Command::Compare => "Compared",
        Command::Sweep => "Swept",
        Command::Optimize => "Optimized",
        Command::Crossover => "Crossover search",
        Command::Sensitivity => "Sensitivity",
        Command::Diff => "Diff of two designs",
    };
    format!(
        "{what}: seed {}, {} replication{} per design and scale, money in {}.",
        o.seed,
        o.replications,
        if o.replications == 1 { "" } else { "s" },
        o.currency
    )
}

/// The opening figures: what a reader came for, each tied to its place in the JSON.
fn answer(out: &mut Page, o: &Outcome) {
    match o.command {
        Command::Simulate | Command::Plot => {
            let single = o.command == Command::Simulate && o.designs.len() == 1;
            for (i, design) in o.designs.iter().enumerate() {
                let root = if single {
                    String::new()
                } else {
                    format!("/designs/{i}")
                };
                one_design(out, design, &root, o.designs.len() > 1);
            }
        }
        Command::Compare => compare(out, o),
        Command::Sweep => sweep(out, o),
        Command::Optimize => optimize(out, o),
        Command::Crossover => crossover(out, o),
        Command::Sensitivity => sensitivity(out, o),
        Command::Diff => diff(out, o),
    }
}

/// A figure as shown, tied to the JSON value it shows.
fn figure(pointer: &str, value: f64, shown: &str) -> String {
    format!(
        "<span data-json=\"{}\" data-value=\"{value}\">{}</span>",
        text(pointer),
        text(shown)
    )
}

/// A yes/no figure as shown, tied to its JSON value.
fn flag(pointer: &str, value: bool, shown: &str) -> String {
    format!(
        "<span data-json=\"{}\" data-value=\"{value}\">{}</span>",
        text(pointer),
        text(shown)
    )
}

/// The SLO verdict as a coloured word, tied to `…/slo/pass`.
fn verdict(pointer: &str, slo: &Option<SloVerdict>) -> String {
    match slo {
        None => "no SLO declared".into(),
        Some(v) => {
            let (class, word) = if v.pass {
                ("pass", "pass")
            } else {
                ("fail", "fail")
            };
            format!(
                "<span class=\"{class}\">{}</span>",
                flag(&format!("{pointer}/slo/pass"), v.pass, word)
            )
        }
    }
}

fn degraded_cell(pointer: &str, s: &Summary) -> String {
    if s.degraded {
        format!(
            "<span class=\"fail\">{}</span>",
            flag(&format!("{pointer}/degraded"), true, "degraded")
        )
    } else {
        flag(&format!("{pointer}/degraded"), false, "no")
    }
}

/// A table with a header row and row headers in the first column; cells are finished HTML.
fn html_table(out: &mut Page, caption: &str, header: &[String], rows: &[Vec<String>]) {
    table_of(out, caption, header, rows, Cells::Figures);
}

/// What a table's value columns hold: figures are right-aligned so their digits line
/// up; text (an assumption's value and its note) reads from the left.
#[derive(Clone, Copy, PartialEq)]
enum Cells {
    Figures,
    Text,
}

fn table_of(out: &mut Page, caption: &str, header: &[String], rows: &[Vec<String>], cells: Cells) {
    let id = out.table_title(caption);
    let (table_class, value_class) = match cells {
        Cells::Figures => ("", " class=\"n\""),
        Cells::Text => (" class=\"inputs\"", ""),
    };
    let _ = write!(
        out,
        "<div class=\"scroll\">\n<table{table_class} aria-labelledby=\"{id}\">\n<thead><tr>"
    );
    for (i, h) in header.iter().enumerate() {
        let class = if i > 0 { value_class } else { "" };
        let _ = write!(out, "<th scope=\"col\"{class}>{h}</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            if i == 0 {
                let _ = write!(out, "<th scope=\"row\">{cell}</th>");
            } else {
                let _ = write!(out, "<td{value_class}>{cell}</td>");
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// Simulate: one column per scale, one row per headline figure, the largest scale said
/// in a sentence first.
fn one_design(out: &mut Page, d: &DesignOutcome, root: &str, named: bool) {
    let cur = d.currency.as_str();
    if named {
        let _ = writeln!(out, "<h3>{}</h3>", text(&d.scenario));
    }
    let at = |k: usize| format!("{root}/results/{k}");
    let sum = |k: usize| format!("{root}/results/{k}/summary");
    if let Some((k, last)) = d.results.iter().enumerate().last() {
        let s = &last.summary;
        let f = &s.figures;
        let mut sentence = format!(
            "At {} ({} users) a successful transaction costs {} and the service {} a month",
            text(&scale(s.scale)),
            text(&quantity(s.users)),
            figure(
                &format!("{}/figures/cost_per_transaction/mean", sum(k)),
                f.cost_per_transaction.mean,
                &money(cur, f.cost_per_transaction.mean)
            ),
            figure(
                &format!("{}/figures/monthly_cost/mean", sum(k)),
                f.monthly_cost.mean,
                &money(cur, f.monthly_cost.mean)
            ),
        );
        if let Some(m) = &f.margin {
            let _ = write!(
                sentence,
                ", leaving a margin of {} a month",
                figure(
                    &format!("{}/figures/margin/mean", sum(k)),
                    m.mean,
                    &money(cur, m.mean)
                )
            );
        }
        sentence.push('.');
        if s.slo.is_some() {
            let _ = write!(sentence, " SLO: {}.", verdict(&sum(k), &s.slo));
        }
        if s.degraded {
            sentence.push_str(" <span class=\"fail\">This scale is degraded: too few requests succeed for its cost to be a price.</span>");
        }
        let earlier: Vec<String> = d.results[..k]
            .iter()
            .filter(|r| r.summary.degraded)
            .map(|r| scale(r.summary.scale))
            .collect();
        if !earlier.is_empty() {
            let _ = write!(
                sentence,
                " <span class=\"fail\">Degraded also at {}.</span>",
                text(&earlier.join(", "))
            );
        }
        let _ = writeln!(out, "<p class=\"verdict\">{sentence}</p>");
    }
    if let Some(be) = &d.break_even {
        let users = be.users.map(|u| {
            figure(
                &format!("{root}/break_even/users"),
                u,
                &format!("{} users", quantity(u)),
            )
        });
        let line = match (be.status, users) {
            (BreakEvenStatus::Found, Some(u)) => {
                format!("Break-even: {u} (to within {}).", percent(be.precision))
            }
            (BreakEvenStatus::BelowRange, Some(u)) => {
                format!("Break-even: already profitable at {u}, the smallest load simulated.")
            }
            _ => format!(
                "Break-even: not between {} and {} users.",
                quantity(be.search_users[0]),
                quantity(be.search_users[1])
            ),
        };
        let _ = writeln!(out, "<p>{line}</p>");
    }

    let mut header = vec![String::new()];
    header.extend(d.results.iter().map(|r| text(&scale(r.summary.scale))));
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |label: &str, cell: &dyn Fn(usize, &crate::outcome::ScaleOutcome) -> String| {
        let mut cells = vec![text(label)];
        cells.extend(d.results.iter().enumerate().map(|(k, r)| cell(k, r)));
        rows.push(cells);
    };
    row("Users", &|k, r| {
        figure(
            &format!("{}/users", sum(k)),
            r.summary.users,
            &quantity(r.summary.users),
        )
    });
    row("Cost per successful transaction", &|k, r| {
        let e = &r.summary.figures.cost_per_transaction;
        figure(
            &format!("{}/figures/cost_per_transaction/mean", sum(k)),
            e.mean,
            &money(cur, e.mean),
        )
    });
    row("Monthly cost (year 1 average)", &|k, r| {
        let e = &r.summary.figures.monthly_cost;
        figure(
            &format!("{}/figures/monthly_cost/mean", sum(k)),
            e.mean,
            &money(cur, e.mean),
        )
    });
    if d.results.iter().any(|r| r.summary.figures.margin.is_some()) {
        row("Monthly margin", &|k, r| match &r.summary.figures.margin {
            Some(e) => figure(
                &format!("{}/figures/margin/mean", sum(k)),
                e.mean,
                &money(cur, e.mean),
            ),
            None => "—".into(),
        });
    }
    row("Latency p99", &|k, r| {
        let e = &r.summary.figures.latency_p99_ms;
        figure(
            &format!("{}/figures/latency_p99_ms/mean", sum(k)),
            e.mean,
            &millis(e.mean),
        )
    });
    row("Success rate", &|k, r| {
        let e = &r.summary.figures.success_rate;
        figure(
            &format!("{}/figures/success_rate/mean", sum(k)),
            e.mean,
            &percent(e.mean),
        )
    });
    row("SLO", &|k, r| verdict(&sum(k), &r.summary.slo));
    row("Degraded", &|k, r| degraded_cell(&sum(k), &r.summary));
    let details = d.results.iter().all(|r| r.detail.is_some());
    if details {
        row("Bottleneck", &|_, r| match r
            .detail
            .as_ref()
            .and_then(|x| x.metrics.bottleneck.as_ref())
        {
            None => "none".into(),
            Some(b) => text(&format!(
                "{} {} ({})",
                b.tier,
                b.reason.describe(),
                super::format::day_time(b.at_hours)
            )),
        });
        fn economics(r: &crate::outcome::ScaleOutcome) -> Option<&crate::economics::Economics> {
            r.detail.as_ref().map(|x| &x.economics)
        }
        row("Two-year total cost", &|k, r| match economics(r) {
            Some(e) => figure(
                &format!("{}/economics/two_year_total", at(k)),
                e.two_year_total,
                &money(cur, e.two_year_total),
            ),
            None => "—".into(),
        });
        if d.results
            .iter()
            .any(|r| economics(r).is_some_and(|e| e.one_off_total > 0.0))
        {
            row(
                "One-off costs (initial implementation)",
                &|k, r| match economics(r) {
                    Some(e) => figure(
                        &format!("{}/economics/one_off_total", at(k)),
                        e.one_off_total,
                        &money(cur, e.one_off_total),
                    ),
                    None => "—".into(),
                },
            );
            row("Two-year total ÷ one-off costs", &|k, r| match economics(r)
                .and_then(|e| e.two_year_multiple_of_one_off)
            {
                Some(x) => figure(
                    &format!("{}/economics/two_year_multiple_of_one_off", at(k)),
                    x,
                    &format!("{}×", trimmed(x, 1)),
                ),
                None => "—".into(),
            });
        }
    }
    let caption = format!("Headline figures of {} at each scale", d.scenario);
    html_table(out, &caption, &header, &rows);
    if let Some(g) = &d.growth {
        let _ = writeln!(
            out,
            "<p class=\"note\">The two-year total follows {}.</p>",
            text(g)
        );
    }
}

/// Compare: at each scale, every design's headline figures; the cheapest that meets
/// its objectives starred.
fn compare(out: &mut Page, o: &Outcome) {
    let cur = o.currency.as_str();
    let scales = o.designs.first().map_or(0, |d| d.results.len());
    for k in 0..scales {
        let Some(first) = o.designs[0].results.get(k) else {
            continue;
        };
        let header: Vec<String> = [
            "Design",
            "Cost / transaction",
            "vs baseline",
            "Monthly cost",
            "Margin",
            "SLO",
            "Degraded",
        ]
        .iter()
        .map(|h| text(h))
        .collect();
        let mut rows = Vec::new();
        for (i, d) in o.designs.iter().enumerate() {
            let Some(r) = d.results.get(k) else { continue };
            let s = &r.summary;
            let p = format!("/designs/{i}/results/{k}/summary");
            rows.push(design_row(
                cur,
                &p,
                s,
                if s.best {
                    format!("★ {}", text(&d.scenario))
                } else {
                    text(&d.scenario)
                },
                Some(match &s.vs_baseline {
                    None => "baseline".into(),
                    Some(v) => figure(
                        &format!("{p}/vs_baseline/cost_per_transaction"),
                        v.cost_per_transaction,
                        &format!(
                            "{}{}",
                            if v.cost_per_transaction >= 0.0 {
                                "+"
                            } else {
                                ""
                            },
                            money(cur, v.cost_per_transaction)
                        ),
                    ),
                }),
            ));
        }
        let caption = format!(
            "At {} ({} users)",
            scale(first.summary.scale),
            quantity(first.summary.users)
        );
        html_table(out, &caption, &header, &rows);
    }
    out.push_str("<p class=\"note\">★ cheapest per transaction among the designs that meet their SLO and are not degraded.</p>\n");
}

/// One design's row of headline figures: name, cost, (an extra cell), monthly, margin,
/// SLO, degraded.
fn design_row(cur: &str, p: &str, s: &Summary, name: String, extra: Option<String>) -> Vec<String> {
    let f = &s.figures;
    let mut cells = vec![
        name,
        figure(
            &format!("{p}/figures/cost_per_transaction/mean"),
            f.cost_per_transaction.mean,
            &money(cur, f.cost_per_transaction.mean),
        ),
    ];
    cells.extend(extra);
    cells.push(figure(
        &format!("{p}/figures/monthly_cost/mean"),
        f.monthly_cost.mean,
        &money(cur, f.monthly_cost.mean),
    ));
    cells.push(match &f.margin {
        Some(m) => figure(
            &format!("{p}/figures/margin/mean"),
            m.mean,
            &money(cur, m.mean),
        ),
        None => "—".into(),
    });
    cells.push(verdict(p, &s.slo));
    cells.push(degraded_cell(p, s));
    cells
}

/// Sweep: the best point at each scale.
fn sweep(out: &mut Page, o: &Outcome) {
    let cur = o.currency.as_str();
    let scales = o.designs.first().map_or(0, |d| d.results.len());
    let mut header: Vec<String> = vec![text("Scale")];
    header.extend(
        [
            "Best point",
            "Cost / transaction",
            "Monthly cost",
            "Margin",
            "SLO",
            "Degraded",
        ]
        .iter()
        .map(|h| text(h)),
    );
    let mut rows = Vec::new();
    for k in 0..scales {
        let best = o
            .designs
            .iter()
            .enumerate()
            .find(|(_, d)| d.results.get(k).is_some_and(|r| r.summary.best));
        let label = o.designs[0]
            .results
            .get(k)
            .map(|r| text(&scale(r.summary.scale)))
            .unwrap_or_default();
        match best {
            Some((i, d)) => {
                let values: Vec<String> = o
                    .parameters
                    .iter()
                    .zip(&d.values)
                    .map(|(p, v)| format!("{p}={v}"))
                    .collect();
                let mut cells = design_row(
                    cur,
                    &format!("/designs/{i}/results/{k}/summary"),
                    &d.results[k].summary,
                    text(&values.join(", ")),
                    None,
                );
                cells.insert(0, label);
                rows.push(cells);
            }
            None => {
                let mut cells = vec![label, text("no point meets its objectives")];
                cells.extend((0..5).map(|_| "—".to_string()));
                rows.push(cells);
            }
        }
    }
    html_table(
        out,
        "Cheapest point per transaction that meets the SLO and is not degraded",
        &header,
        &rows,
    );
}

/// Optimize: the winner at each scale.
fn optimize(out: &mut Page, o: &Outcome) {
    let cur = o.currency.as_str();
    let header: Vec<String> = [
        "Scale",
        "Cheapest that meets the objectives",
        "Cost / transaction",
        "Monthly cost",
        "Margin",
        "p99",
    ]
    .iter()
    .map(|h| text(h))
    .collect();
    let mut rows = Vec::new();
    for (k, c) in o.choices.iter().enumerate() {
        let mut cells = vec![text(&format!(
            "{} ({} users)",
            scale(c.scale),
            quantity(c.users)
        ))];
        match &c.chosen {
            None => {
                cells.push(text("none of the designs tried"));
                cells.extend((0..4).map(|_| "—".to_string()));
            }
            Some(p) => {
                let name = if p.values.is_empty() {
                    p.scenario.clone()
                } else {
                    p.values
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let close = if c.too_close_to_call {
                    " (too close to call)"
                } else {
                    ""
                };
                let q = format!("/choices/{k}/chosen");
                cells.push(text(&format!("{name}{close}")));
                cells.push(figure(
                    &format!("{q}/cost_per_transaction/mean"),
                    p.cost_per_transaction.mean,
                    &money(cur, p.cost_per_transaction.mean),
                ));
                cells.push(figure(
                    &format!("{q}/monthly_cost/mean"),
                    p.monthly_cost.mean,
                    &money(cur, p.monthly_cost.mean),
                ));
                cells.push(match &p.margin {
                    Some(m) => figure(&format!("{q}/margin/mean"), m.mean, &money(cur, m.mean)),
                    None => "—".into(),
                });
                cells.push(figure(
                    &format!("{q}/latency_p99_ms/mean"),
                    p.latency_p99_ms.mean,
                    &millis(p.latency_p99_ms.mean),
                ));
            }
        }
        rows.push(cells);
    }
    html_table(out, "The cheapest design at each scale", &header, &rows);
}

/// Crossover: where the cheaper design changes.
fn crossover(out: &mut Page, o: &Outcome) {
    let Some(x) = &o.crossover else {
        out.push_str("<p>No crossover was searched.</p>\n");
        return;
    };
    let name = |c: crate::outcome::Cheaper| match c {
        crate::outcome::Cheaper::First => &x.first,
        crate::outcome::Cheaper::Second => &x.second,
    };
    if x.crossings.is_empty() {
        let line = match x.cheaper_at_start {
            Some(c) => format!(
                "{} is cheaper throughout, from {} to {} users.",
                name(c),
                quantity(x.search_users[0]),
                quantity(x.search_users[1])
            ),
            None => "Neither design is cheaper anywhere in the range.".to_string(),
        };
        let _ = writeln!(out, "<p class=\"verdict\">{}</p>", text(&line));
        return;
    }
    out.push_str("<ul class=\"verdict\">\n");
    for (j, c) in x.crossings.iter().enumerate() {
        let _ = writeln!(
            out,
            "<li>{} is cheaper from {} on ({} a month against {}).</li>",
            text(name(c.cheaper_after)),
            figure(
                &format!("/crossover/crossings/{j}/users"),
                c.users,
                &format!("{} users", quantity(c.users))
            ),
            text(&money(&o.currency, c.first_monthly.min(c.second_monthly))),
            text(&money(&o.currency, c.first_monthly.max(c.second_monthly))),
        );
    }
    out.push_str("</ul>\n");
}

/// Sensitivity: the assumptions that move cost per transaction most.
fn sensitivity(out: &mut Page, o: &Outcome) {
    let header: Vec<String> = ["Assumption", "Written", "Moved to", "Largest swing"]
        .iter()
        .map(|h| text(h))
        .collect();
    let rows: Vec<Vec<String>> = o
        .sensitivity
        .iter()
        .enumerate()
        .take(5)
        .map(|(j, a)| {
            let moved: Vec<String> = a
                .moved
                .iter()
                .map(|m| m.clone().unwrap_or_else(|| "not valid".into()))
                .collect();
            vec![
                format!("<code>{}</code>", text(&a.path)),
                text(&a.written),
                text(&moved.join(" / ")),
                figure(
                    &format!("/sensitivity/{j}/swing"),
                    a.swing,
                    &percent(a.swing),
                ),
            ]
        })
        .collect();
    html_table(
        out,
        "The assumptions that move cost per transaction most",
        &header,
        &rows,
    );
}

/// Diff: HEAD against BASE at each scale.
fn diff(out: &mut Page, o: &Outcome) {
    let Some(d) = &o.diff else {
        out.push_str("<p>Nothing to compare.</p>\n");
        return;
    };
    let cur = o.currency.as_str();
    let header: Vec<String> = [
        "Scale",
        "Cost / transaction, base",
        "head",
        "Monthly cost, base",
        "head",
        "Change",
    ]
    .iter()
    .map(|h| text(h))
    .collect();
    let money_fig = |p: String, v: Option<f64>| match v {
        Some(v) => figure(&p, v, &money(cur, v)),
        None => "—".into(),
    };
    let rows: Vec<Vec<String>> = d
        .scales
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let p = format!("/scales/{k}");
            vec![
                text(&scale(s.scale)),
                money_fig(
                    format!("{p}/cost_per_transaction/base"),
                    s.cost_per_transaction.base,
                ),
                money_fig(
                    format!("{p}/cost_per_transaction/head"),
                    s.cost_per_transaction.head,
                ),
                money_fig(format!("{p}/monthly_total/base"), s.monthly_total.base),
                money_fig(format!("{p}/monthly_total/head"), s.monthly_total.head),
                match s.monthly_total.delta_fraction {
                    Some(f) => figure(
                        &format!("{p}/monthly_total/delta_fraction"),
                        f,
                        &format!("{}{}", if f >= 0.0 { "+" } else { "" }, percent(f)),
                    ),
                    None => "—".into(),
                },
            ]
        })
        .collect();
    let caption = format!("{} (head) against {} (base)", d.head, d.base);
    html_table(out, &caption, &header, &rows);
}

/// The table's document as HTML; returns its warnings, which the page lists apart.
fn blocks<'a>(out: &mut Page, doc: &'a Document) -> Vec<&'a str> {
    let mut warnings = Vec::new();
    for block in &doc.blocks {
        match block {
            Block::Line(t) => {
                let _ = writeln!(out, "<p>{}</p>", text(t.trim()));
            }
            Block::Section(t) => {
                let _ = writeln!(out, "<h3>{}</h3>", text(t));
            }
            Block::Note(t) => {
                let _ = writeln!(out, "<p class=\"note\">Note: {}</p>", text(t));
            }
            Block::Warning(t) => {
                if !warnings.contains(&t.as_str()) {
                    warnings.push(t.as_str());
                }
            }
            Block::Grid(grid) => grid_table(out, grid),
            Block::Break => {}
        }
    }
    warnings
}

/// A document's grid: header cells as column headers, label columns as row headers.
fn grid_table(out: &mut Page, grid: &Grid) {
    let columns = grid.header.len();
    out.push_str("<div class=\"scroll\">\n<table>\n<thead><tr>");
    for (i, h) in grid.header.iter().enumerate() {
        let class = if i >= grid.right_from {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", text(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &grid.rows {
        out.push_str("<tr>");
        for i in 0..columns {
            let cell = row.get(i).map(String::as_str).unwrap_or_default();
            if i == 0 && grid.right_from > 0 {
                let _ = write!(out, "<th scope=\"row\">{}</th>", text(cell.trim()));
            } else if i >= grid.right_from {
                let _ = write!(out, "<td class=\"n\">{}</td>", text(cell));
            } else {
                let _ = write!(out, "<td>{}</td>", text(cell));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</div>\n");
}

/// Every value the scenarios write, with where and why: one table per scenario file.
/// A sweep's, an optimization's and a sensitivity study's designs are one scenario with
/// fields changed, so its first design stands for them all.
fn assumptions(out: &mut Page, o: &Outcome) {
    let designs: &[DesignOutcome] = match o.command {
        Command::Sweep | Command::Optimize | Command::Sensitivity => {
            &o.designs[..o.designs.len().min(1)]
        }
        _ => &o.designs,
    };
    out.push_str("<p>Every value the scenario file writes, where it is written and the comment beside it. Values the command line changed say which option set them.</p>\n");
    if !o.parameters.is_empty() {
        let _ = writeln!(
            out,
            "<p>Varied by the command: {}; the tables above give each value tried.</p>",
            o.parameters
                .iter()
                .map(|p| format!("<code>{}</code>", text(p)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    for d in designs {
        let header: Vec<String> = ["Field", "Value", "Source comment"]
            .iter()
            .map(|h| text(h))
            .collect();
        let rows: Vec<Vec<String>> = d
            .inputs
            .iter()
            .map(|i| {
                let note = match (&i.origin, &i.comment) {
                    (Some(origin), Some(c)) => format!("{c} (set by {origin})"),
                    (Some(origin), None) => format!("set by {origin}"),
                    (None, Some(c)) => c.clone(),
                    (None, None) => String::new(),
                };
                vec![
                    format!(
                        "<code>{}</code> <span class=\"where\">line {}</span>",
                        breakable(&i.path),
                        i.line
                    ),
                    text(&i.value),
                    text(&note),
                ]
            })
            .collect();
        let caption = match d.inputs.first() {
            Some(i) => format!("Inputs of {}, from {}", d.scenario, i.file),
            None => format!("Inputs of {}", d.scenario),
        };
        assumption_table(out, &caption, &header, &rows);
    }
}

/// Like [`html_table`], with the value columns left-aligned: they are text, not figures.
fn assumption_table(out: &mut Page, caption: &str, header: &[String], rows: &[Vec<String>]) {
    table_of(out, caption, header, rows, Cells::Text);
}

/// One chart as inline SVG in a figure: no XML prolog, glyph ids made unique to the
/// chart (a page holds several), `href` for `xlink:href`, the font as a style, the
/// chart's title as its accessible name and a caption that states what it shows as its
/// description.
fn chart(index: usize, chart: &Chart) -> Result<String> {
    let svg = String::from_utf8(chart.draw(PlotFormat::Svg)?.bytes)?;
    let svg = svg
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .unwrap_or(&svg);
    let id = format!("chart{}", index + 1);
    let alt = chart.alternative();
    let Some(open_end) = svg.find('>') else {
        anyhow::bail!("a chart's SVG has no opening tag");
    };
    let mut open = svg[..open_end].replacen(" xmlns:xlink=\"http://www.w3.org/1999/xlink\"", "", 1);
    if let Some(at) = open.find(" font-family=\"") {
        let value_start = at + " font-family=\"".len();
        if let Some(len) = open[value_start..].find('"') {
            let family = open[value_start..value_start + len].to_string();
            open.replace_range(
                at..value_start + len + 1,
                &format!(" style=\"font-family:{family}\""),
            );
        }
    }
    let body = svg[open_end + 1..]
        .replace("<path id=\"g", &format!("<path id=\"{id}-g"))
        .replace("xlink:href=\"#g", &format!("href=\"#{id}-g"))
        .replace(" xml:space=\"preserve\"", "");
    Ok(format!(
        "{open} role=\"img\" aria-label=\"{title}\" aria-describedby=\"{id}-caption\">\n<title>{title}</title>{body}<figcaption id=\"{id}-caption\">{}</figcaption>\n",
        text(&alt.description),
        title = text(&alt.title),
    ))
}

/// A field path as HTML that may break after each dot and before each `[`, so a long
/// path wraps on a phone instead of widening its column.
fn breakable(path: &str) -> String {
    text(path).replace('.', ".<wbr>").replace('[', "<wbr>[")
}

/// Text as HTML: markup characters as entities, and control characters (which HTML
/// forbids, and which could hide text) written out as their escapes.
pub fn text(s: &str) -> String {
    let s = crate::text::escape(s);
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_text_cannot_become_markup() {
        assert_eq!(
            text("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(text("a\u{1b}[2Jb\u{202e}"), "a\\u{1b}[2Jb\\u{202e}");
    }

    #[test]
    fn a_figure_names_its_json_value() {
        assert_eq!(
            figure("/results/0/summary/users", 5000.0, "5,000"),
            "<span data-json=\"/results/0/summary/users\" data-value=\"5000\">5,000</span>"
        );
    }
}
