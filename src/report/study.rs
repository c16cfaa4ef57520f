//! Tables for `compare` and `sweep`: one row per scenario (or grid point), figures as
//! "mean ± half-width" when there are replications.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::format::{millis, money, percent, quantity, scale, trimmed};
use crate::stats::Estimate;
use crate::study::{Comparison, Point, SloVerdict, Sweep};

/// `mean ± half-width` through `f`, or just the mean for a single run.
fn est(e: &Estimate, f: &dyn Fn(f64) -> String) -> String {
    if e.n > 1 {
        format!("{} ± {}", f(e.mean), f(e.half_width))
    } else {
        f(e.mean)
    }
}

fn slo(verdict: &Option<SloVerdict>, cur: &str) -> String {
    let Some(v) = verdict else {
        return "—".into();
    };
    if v.pass {
        return "pass".into();
    }
    let failed: Vec<String> = v
        .checks
        .iter()
        .filter(|c| !c.pass)
        .map(|c| {
            let by = match c.target {
                "p99_latency_ms" => format!("p99 +{}", millis(c.excess)),
                "error_rate" => format!("errors +{}", percent(c.excess)),
                _ => format!("cost +{}", money(cur, c.excess)),
            };
            match c.excess_pct {
                Some(p) => format!("{by} ({})", percent(p)),
                None => by,
            }
        })
        .collect();
    format!("fail: {}", failed.join(", "))
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(header);
    t
}

/// The figures every row shows, after its leading cells.
fn figure_cells(p: &Point, cur: &str, money_per_txn: &dyn Fn(f64) -> String) -> Vec<String> {
    let f = &p.figures;
    vec![
        est(&f.cost_per_transaction, money_per_txn),
        est(&f.monthly_cost, &|x| money(cur, x)),
        f.margin
            .as_ref()
            .map(|m| est(m, &|x| money(cur, x)))
            .unwrap_or_else(|| "—".into()),
        est(&f.latency_p50_ms, &millis),
        est(&f.latency_p99_ms, &millis),
        est(&f.error_rate, &percent),
        est(&f.peak_instances, &|x| trimmed(x, 1)),
        slo(&p.slo, cur),
    ]
}

const FIGURE_HEADERS: [&str; 8] = [
    "Cost / transaction",
    "Monthly cost",
    "Margin",
    "p50",
    "p99",
    "Errors",
    "Peak instances",
    "SLO",
];

fn add_row(t: &mut Table, cells: Vec<String>, right_from: usize) {
    t.add_row(cells.into_iter().enumerate().map(|(i, c)| {
        let cell = Cell::new(c);
        if i >= right_from {
            cell.set_alignment(CellAlignment::Right)
        } else {
            cell
        }
    }));
}

pub fn render_comparison(c: &Comparison) -> String {
    let cur = c.currency.as_str();
    let mut out = format!(
        "Compared on the same load (seed {}, {} replication{} each); baseline: {}\n",
        c.seed,
        c.replications,
        if c.replications == 1 { "" } else { "s" },
        c.baseline
    );
    for at in &c.scales {
        let users = at
            .rows
            .first()
            .map(|r| quantity(r.point.users))
            .unwrap_or_default();
        out.push_str(&format!("\nAt {} ({} users)\n", scale(at.scale), users));
        let mut header = vec!["Scenario"];
        header.extend(FIGURE_HEADERS.iter().take(1));
        header.push("vs baseline");
        header.extend(FIGURE_HEADERS.iter().skip(1));
        let mut t = table(header);
        for row in &at.rows {
            let mut cells = figure_cells(&row.point, cur, &|x| money(cur, x));
            let name = if row.cheapest_meeting_slo {
                format!("★ {}", row.point.scenario)
            } else {
                row.point.scenario.clone()
            };
            let delta = match (row.cost_delta, row.cost_delta_pct) {
                (Some(d), Some(p)) => format!(
                    "{}{} ({}{})",
                    if d >= 0.0 { "+" } else { "" },
                    money(cur, d),
                    if p >= 0.0 { "+" } else { "" },
                    percent(p)
                ),
                (Some(d), None) => money(cur, d),
                _ => "baseline".into(),
            };
            cells.insert(1, delta);
            cells.insert(0, name);
            add_row(&mut t, cells, 1);
        }
        out.push_str(&format!("{t}\n"));
    }
    out.push_str("★ cheapest per transaction among the scenarios that meet their SLO (all, where none is declared)\n");
    out
}

pub fn render_sweep(s: &Sweep) -> String {
    let cur = s.currency.as_str();
    let mut out = format!(
        "Sweep of {} over {} (seed {}, {} replication{} per point)\n",
        s.scenario,
        s.parameters.join(" × "),
        s.seed,
        s.replications,
        if s.replications == 1 { "" } else { "s" }
    );
    let mut header: Vec<&str> = s.parameters.iter().map(String::as_str).collect();
    header.push("Scale");
    header.extend(FIGURE_HEADERS);
    let mut t = table(header);
    for row in &s.rows {
        let mut cells = row.values.clone();
        cells.push(scale(row.point.scale));
        cells.extend(figure_cells(&row.point, cur, &|x| money(cur, x)));
        add_row(&mut t, cells, 0);
    }
    out.push_str(&format!("{t}\n"));
    out
}
