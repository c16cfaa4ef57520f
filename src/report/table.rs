//! The terminal table. `simulate` shows one design with a column per scale and a row
//! per figure a reader looks for; `compare` and `sweep` show a row per design (or grid
//! point), with `mean ± half-width` where there are replications.
//!
//! The rows are laid out once, as a [`Document`], which this module draws with
//! box-drawing characters and `markdown.rs` draws as GitHub tables.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table as Comfy};

use super::document::{Block, Document, Grid};
use super::format::{count, day_time, millis, money, percent, quantity, scale, trimmed};
use super::{Artifact, Exporter};
use crate::metrics::TierKindName;
use crate::outcome::{
    BreakEvenStatus, DesignOutcome, Direction, Outcome, ScaleResult, SloTarget, SloVerdict, Summary,
};
use crate::scenario::plan::Command;
use crate::stats::Estimate;

mod decision;
mod diff;

/// The terminal table, at most `width` columns wide when given: a wider grid is split
/// into several, each repeating its label columns (the figure's name, the design or
/// the scale), rather than wrapping numbers inside their cells.
pub struct Table {
    pub width: Option<usize>,
}

impl Exporter for Table {
    fn export(&self, outcome: &Outcome) -> anyhow::Result<Vec<Artifact>> {
        Ok(vec![Artifact::main(
            draw_within(&document(outcome), self.width).into_bytes(),
        )])
    }
}

/// The outcome's report, laid out: the rows of every table and the lines around them.
pub fn document(outcome: &Outcome) -> Document {
    match outcome.command {
        Command::Simulate | Command::Plot => {
            let names: Vec<&str> = outcome
                .designs
                .iter()
                .map(|d| d.scenario.as_str())
                .collect();
            let mut doc = Document::new(names.join(", "));
            for design in &outcome.designs {
                doc.extend(render_one(design));
                if outcome.replications > 1 {
                    doc.extend(replicated(outcome, design));
                }
                doc.end_part();
            }
            doc
        }
        Command::Compare => render_comparison(outcome),
        Command::Sweep => render_sweep(outcome),
        Command::Optimize => decision::optimize(outcome),
        Command::Crossover => decision::crossover(outcome),
        Command::Sensitivity => decision::sensitivity(outcome),
        Command::Diff => diff::diff(outcome),
    }
}

/// The document as terminal text: grids with box-drawing characters.
/// Names come from the scenario, so every cell is escaped ([`crate::text`]) before the
/// table measures it (an escaped name keeps its column straight), and the finished text
/// once more, for the lines around the tables.
pub(super) fn draw(doc: &Document) -> String {
    draw_within(doc, None)
}

/// [`draw`], with each grid wider than `width` split into grids that fit.
pub(super) fn draw_within(doc: &Document, width: Option<usize>) -> String {
    let mut out = String::new();
    let prose = |text: String| wrap(&text, width);
    for block in &doc.blocks {
        match block {
            Block::Line(text) => out.push_str(&prose(text.clone())),
            Block::Section(text) => out.push_str(&format!("\n{}", prose(text.clone()))),
            Block::Note(text) => out.push_str(&prose(format!("note: {text}"))),
            Block::Warning(text) => out.push_str(&prose(format!("warning: {text}"))),
            Block::Grid(grid) => {
                for (i, part) in split(grid, width).iter().enumerate() {
                    if i > 0 {
                        out.push('\n');
                    }
                    out.push_str(&format!("{}\n", comfy(part)));
                }
            }
            Block::Break => out.push('\n'),
        }
    }
    crate::text::escape_lines(&out).into_owned()
}

/// A line of prose with its line break, broken between words to fit `width` (when
/// given), each further line indented by two spaces. A word longer than the width
/// stands alone on its line.
fn wrap(text: &str, width: Option<usize>) -> String {
    use unicode_width::UnicodeWidthStr;
    let Some(width) = width.filter(|&w| UnicodeWidthStr::width(text) > w) else {
        return format!("{text}\n");
    };
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() || line == "  " {
            format!("{line}{word}")
        } else {
            format!("{line} {word}")
        };
        if UnicodeWidthStr::width(candidate.as_str()) > width && !line.trim().is_empty() {
            out.push_str(&line);
            out.push('\n');
            line = format!("  {word}");
        } else {
            line = candidate;
        }
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Columns a drawn table takes on a terminal: its widest line.
fn drawn_width(table: &Comfy) -> usize {
    use unicode_width::UnicodeWidthStr;
    table
        .lines()
        .map(|l| UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0)
}

/// `grid` as one grid when it fits in `width` (or no width is given), else as several
/// with as many figure columns each as fit beside the label columns, in order. A
/// figure column too wide to fit even alone still gets a grid of its own.
fn split(grid: &Grid, width: Option<usize>) -> Vec<Grid> {
    let Some(width) = width else {
        return vec![grid.clone()];
    };
    let columns = grid.header.len();
    let labels = grid.right_from.clamp(1, columns.max(1)).min(columns);
    if columns <= labels + 1 || drawn_width(&comfy(grid)) <= width {
        return vec![grid.clone()];
    }
    let pick = |chosen: &[usize]| -> Grid {
        let take = |cells: &Vec<String>| -> Vec<String> {
            (0..labels)
                .chain(chosen.iter().copied())
                .map(|i| cells.get(i).cloned().unwrap_or_default())
                .collect()
        };
        Grid {
            header: take(&grid.header),
            rows: grid.rows.iter().map(take).collect(),
            right_from: labels,
        }
    };
    let mut parts = Vec::new();
    let mut chosen: Vec<usize> = Vec::new();
    for column in labels..columns {
        chosen.push(column);
        if chosen.len() > 1 && drawn_width(&comfy(&pick(&chosen))) > width {
            chosen.pop();
            parts.push(pick(&chosen));
            chosen = vec![column];
        }
    }
    if !chosen.is_empty() {
        parts.push(pick(&chosen));
    }
    parts
}

fn comfy(grid: &Grid) -> Comfy {
    let mut t = Comfy::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    t.set_header(
        grid.header
            .iter()
            .map(|h| Cell::new(crate::text::escape(h))),
    );
    for row in &grid.rows {
        t.add_row(row.iter().enumerate().map(|(i, c)| {
            let cell = Cell::new(crate::text::escape(c));
            if i >= grid.right_from {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        }));
    }
    t
}

fn render_one(design: &DesignOutcome) -> Document {
    let results: Vec<&ScaleResult> = design.details().collect();
    let summaries: Vec<&Summary> = design.results.iter().map(|r| &r.summary).collect();
    let cur = design.currency.as_str();
    let mut header = vec![String::new()];
    header.extend(summaries.iter().map(|s| {
        // A scale that fails its requests is marked wherever its cost is read.
        let mark = if s.degraded { " (degraded)" } else { "" };
        format!("{}{mark}", scale(s.scale))
    }));
    let mut table = Grid::new(header, 1);

    let mut row = |label: &str, f: &dyn Fn(&ScaleResult) -> String| {
        let mut cells = vec![label.to_string()];
        cells.extend(results.iter().map(|r| f(r)));
        table.row(cells);
    };

    row("Users", &|r| quantity(r.metrics.users));
    row("Requests offered", &|r| count(r.metrics.requests.offered));
    row("Served", &|r| count(r.metrics.requests.served));
    row("Failed: queue full", &|r| {
        count(r.metrics.requests.failed.queue_full)
    });
    row("Failed: timeout", &|r| {
        count(r.metrics.requests.failed.timeout)
    });
    if results.iter().any(|r| {
        r.metrics
            .tiers
            .iter()
            .any(|t| t.kind == TierKindName::Batched)
    }) {
        row("Failed: too large for KV cache", &|r| {
            count(r.metrics.requests.failed.too_large)
        });
    }
    row("Failed: throttled", &|r| {
        count(r.metrics.requests.failed.throttled)
    });
    row("Still in flight at end", &|r| {
        count(r.metrics.requests.in_flight)
    });
    row("Success rate", &|r| {
        percent(r.metrics.requests.success_rate)
    });
    if results.first().is_some_and(|r| r.metrics.cache.is_some()) {
        row("Cache hit rate", &|r| {
            r.metrics
                .cache
                .as_ref()
                .map(|c| percent(c.hit_rate))
                .unwrap_or_default()
        });
    }
    row("Latency p50", &|r| millis(r.metrics.latency_ms.p50));
    row("Latency p95", &|r| millis(r.metrics.latency_ms.p95));
    row("Latency p99", &|r| millis(r.metrics.latency_ms.p99));
    row("Latency max", &|r| millis(r.metrics.latency_ms.max));
    if results.iter().any(|r| r.metrics.ttft_ms.is_some()) {
        let shown = |l: &Option<crate::metrics::Latency>,
                     f: fn(&crate::metrics::Latency) -> f64| {
            l.as_ref()
                .map(|l| millis(f(l)))
                .unwrap_or_else(|| "n/a".into())
        };
        row("Time to first token p50", &|r| {
            shown(&r.metrics.ttft_ms, |l| l.p50)
        });
        row("Time to first token p99", &|r| {
            shown(&r.metrics.ttft_ms, |l| l.p99)
        });
        row("Time per output token p50", &|r| {
            shown(&r.metrics.tpot_ms, |l| l.p50)
        });
        row("Time per output token p99", &|r| {
            shown(&r.metrics.tpot_ms, |l| l.p99)
        });
    }

    let tier_names: Vec<(String, TierKindName)> = results
        .first()
        .map(|r| {
            r.metrics
                .tiers
                .iter()
                .map(|t| (t.name.clone(), t.kind))
                .collect()
        })
        .unwrap_or_default();
    for (i, (name, kind)) in tier_names.iter().enumerate() {
        row(&format!("{name}: share of answers"), &|r| {
            percent(r.metrics.tiers[i].share_of_served)
        });
        row(&format!("{name}: escalated on"), &|r| {
            count(r.metrics.tiers[i].escalated)
        });
        if *kind != TierKindName::Api {
            row(&format!("{name}: utilisation"), &|r| {
                r.metrics.tiers[i].utilization.map_or("—".into(), percent)
            });
            row(&format!("{name}: instances mean / peak"), &|r| {
                let t = &r.metrics.tiers[i];
                format!("{} / {}", trimmed(t.mean_instances, 1), t.peak_instances)
            });
            row(&format!("{name}: billed instance-hours"), &|r| {
                trimmed(r.metrics.tiers[i].billed_instance_hours, 1)
            });
            row(&format!("{name}: mean wait"), &|r| {
                millis(r.metrics.tiers[i].mean_wait_ms)
            });
            if *kind == TierKindName::Batched {
                row(&format!("{name}: peak batch / KV used"), &|r| {
                    let t = &r.metrics.tiers[i];
                    format!(
                        "{} / {}",
                        t.peak_batch.unwrap_or(0),
                        percent(t.kv_utilization.unwrap_or(0.0))
                    )
                });
            }
        } else {
            row(&format!("{name}: calls / throttled"), &|r| {
                let t = &r.metrics.tiers[i];
                format!("{} / {}", count(t.api_calls), count(t.throttled_attempts))
            });
        }
        row(&format!("{name}: tokens in / out"), &|r| {
            let t = &r.metrics.tiers[i];
            format!("{} / {}", compact(t.input_tokens), compact(t.output_tokens))
        });
        // Shown where an API used them: most scenarios have neither.
        let any = |f: &dyn Fn(&crate::metrics::TierStats) -> bool| {
            results.iter().any(|r| f(&r.metrics.tiers[i]))
        };
        if any(&|t| t.cached_input_tokens + t.cache_write_tokens > 0) {
            row(
                &format!("{name}: input from prompt cache / written"),
                &|r| {
                    let t = &r.metrics.tiers[i];
                    format!(
                        "{} / {}",
                        compact(t.cached_input_tokens),
                        compact(t.cache_write_tokens)
                    )
                },
            );
        }
        if any(&|t| t.batch_calls > 0) {
            row(&format!("{name}: batch calls / turnaround p50"), &|r| {
                let t = &r.metrics.tiers[i];
                let p50 = t
                    .batch_turnaround_ms
                    .as_ref()
                    .map(|l| format!("{} h", trimmed(l.p50 / 3.6e6, 1)))
                    .unwrap_or_else(|| "n/a".into());
                format!("{} / {p50}", count(t.batch_calls))
            });
        }
    }

    for (i, name) in design.component_names().iter().enumerate() {
        row(&format!("Monthly cost: {name}"), &|r| {
            money(cur, r.economics.components[i].monthly)
        });
    }
    let first = results.first().map(|r| &r.economics);
    let has_hidden = first.is_some_and(|e| e.components.iter().any(|c| !c.kind.is_simulated()));
    if has_hidden {
        row("Monthly cost: variable", &|r| {
            money(cur, r.economics.variable_monthly)
        });
        row("Monthly cost: fixed and hidden", &|r| {
            money(cur, r.economics.fixed_monthly)
        });
    }
    row("Monthly cost, year 1 (average)", &|r| {
        money(cur, r.economics.monthly_total)
    });
    row("Monthly cost, year 2 (average)", &|r| {
        money(cur, r.economics.monthly_year_2)
    });
    row("Peak month", &|r| {
        let p = &r.economics.peak_month;
        format!("{} (month {})", money(cur, p.cost), p.month)
    });
    row("Transactions per month", &|r| {
        quantity(r.economics.transactions_per_month.round())
    });
    row("Infrastructure cost in window", &|r| {
        money(cur, r.economics.total)
    });
    let optional_money = |x: Option<f64>| x.map(|c| money(cur, c)).unwrap_or_else(|| "n/a".into());
    row("Cost per successful transaction", &|r| {
        optional_money(r.economics.cost_per_transaction)
    });
    if has_hidden {
        row("  of which variable", &|r| {
            optional_money(r.economics.cost_per_transaction_variable)
        });
        row("  of which fixed", &|r| {
            optional_money(r.economics.cost_per_transaction_fixed)
        });
    }
    row("Cost per user per month", &|r| {
        money(cur, r.economics.cost_per_user_per_month)
    });
    if first.is_some_and(|e| e.revenue.is_some()) {
        let rev = |r: &ScaleResult| r.economics.revenue.clone();
        row("Monthly revenue", &|r| {
            rev(r).map(|v| money(cur, v.monthly)).unwrap_or_default()
        });
        row("Revenue per user per month", &|r| {
            rev(r)
                .map(|v| money(cur, v.per_user_per_month))
                .unwrap_or_default()
        });
        row("Monthly margin", &|r| {
            rev(r).map(|v| money(cur, v.margin)).unwrap_or_default()
        });
        row("Margin %", &|r| {
            rev(r)
                .and_then(|v| v.margin_fraction)
                .map(percent)
                .unwrap_or_else(|| "n/a".into())
        });
        let prices: Vec<&'static str> = first
            .map(|e| e.break_even_prices.iter().map(|p| p.field).collect())
            .unwrap_or_default();
        for field in prices {
            let label = match field {
                "revenue.per_seat.price_per_user_per_month" => "Break-even price per paying user",
                "revenue.hybrid.price_per_user_per_month" => {
                    "Break-even seat price (overage as declared)"
                }
                "revenue.usage.price_per_1k_tokens" => "Break-even price per 1k tokens",
                _ => "Break-even price per request",
            };
            row(label, &|r| {
                r.economics
                    .break_even_prices
                    .iter()
                    .find(|p| p.field == field)
                    .map(|p| {
                        format!(
                            "{} (declared {})",
                            money(cur, p.break_even),
                            money(cur, p.declared)
                        )
                    })
                    .unwrap_or_default()
            });
        }
        row(
            "Payback of one-off costs",
            &|r| match r.economics.payback_months {
                Some(0) => "immediate".into(),
                Some(1) => "1 month".into(),
                Some(m) => format!("{m} months"),
                None => "not within 10 years".into(),
            },
        );
    }
    if first.is_some_and(|e| e.one_off_total > 0.0) {
        row("One-off costs", &|r| money(cur, r.economics.one_off_total));
    }
    let two_year = match &design.growth {
        Some(g) => format!("Two-year total cost ({g})"),
        None => "Two-year total cost".to_string(),
    };
    row(&two_year, &|r| money(cur, r.economics.two_year_total));
    if first.is_some_and(|e| e.two_year_multiple_of_one_off.is_some()) {
        row("  ÷ one-off costs (rule of thumb: 3–5×)", &|r| {
            r.economics
                .two_year_multiple_of_one_off
                .map(|x| format!("{}×", trimmed(x, 1)))
                .unwrap_or_default()
        });
    }
    if let Some(limit) = first.and_then(|e| e.budget.as_ref()).map(|b| b.monthly) {
        row(
            &format!("Budget ({}/month)", money(cur, limit)),
            &|r| match &r.economics.budget {
                Some(b) => match (b.first_month_over, b.day_over) {
                    (Some(1), Some(d)) => format!("over on day {d}"),
                    (Some(m), Some(d)) => format!("over in month {m}, day {d}"),
                    (Some(m), None) => format!("over in month {m}"),
                    _ => format!("within ({} used)", percent(b.first_month_use)),
                },
                None => String::new(),
            },
        );
    }
    row("Cost anomalies", &|r| match r.economics.anomalies.len() {
        0 => "none".into(),
        n => format!(
            "{n} (first {})",
            day_time(r.economics.anomalies[0].start_hour as f64)
        ),
    });
    row("Bottleneck", &|r| match &r.metrics.bottleneck {
        None => "none".into(),
        Some(b) => format!(
            "{} {} ({})",
            b.tier,
            b.reason.describe(),
            day_time(b.at_hours)
        ),
    });

    let mut notes = Document::default();
    if let Some(be) = &design.break_even {
        let range = format!(
            "{}–{} users",
            quantity(be.search_users[0]),
            quantity(be.search_users[1])
        );
        notes.line(match (be.status, be.users) {
            (BreakEvenStatus::Found, Some(u)) => format!(
                "Break-even: {} users (to within {}; searched {range})",
                quantity(u),
                percent(be.precision)
            ),
            (BreakEvenStatus::BelowRange, Some(u)) => format!(
                "Break-even: already profitable at {} users, the smallest load simulated",
                quantity(u)
            ),
            _ => format!("Break-even: never within {range}"),
        });
        if be.crossings.len() > 1
            || be
                .crossings
                .iter()
                .any(|c| c.direction == Direction::Unprofitable)
        {
            let all: Vec<String> = be
                .crossings
                .iter()
                .map(|c| {
                    let way = match c.direction {
                        Direction::Profitable => "into profit",
                        Direction::Unprofitable => "back into a loss",
                    };
                    let within = if c.precision > 0.0 {
                        format!(" (±{})", percent(c.precision))
                    } else {
                        " (a step cost's threshold)".to_string()
                    };
                    format!("{} users {way}{within}", quantity(c.users))
                })
                .collect();
            notes.line(format!("  profit crosses zero at: {}", all.join("; ")));
        }
    }
    if let Some(growth) = &design.growth {
        for r in &results {
            let s = &r.economics.schedule;
            let at = |m: usize| {
                s.get(m - 1).map(|x| {
                    format!(
                        "month {m} {} ({} users)",
                        money(cur, x.cost),
                        quantity(x.users.round())
                    )
                })
            };
            let farthest = s
                .iter()
                .map(|x| (x.nearest_simulated_users / x.users).ln().abs().exp())
                .fold(1.0, f64::max);
            let months: Vec<String> = [1, 12, 24].into_iter().filter_map(at).collect();
            notes.line(format!(
                "Schedule at {} with {growth}: {}; every month priced from loads simulated within {}x of it",
                scale(r.metrics.scale),
                months.join(", "),
                trimmed(farthest, 2)
            ));
        }
    }
    let mut warnings: Vec<&String> = Vec::new();
    for r in &results {
        for w in &r.economics.warnings {
            if !warnings.contains(&w) {
                warnings.push(w);
            }
        }
    }
    for w in warnings {
        notes.warning(w.clone());
    }
    if summaries.iter().any(|s| s.degraded) {
        notes.line(DEGRADED_NOTE);
    }
    for r in &results {
        for a in &r.economics.anomalies {
            notes.line(format!(
                "Cost anomaly at {}: {} h from {}, peak {} per hour vs typical {}: {}",
                scale(r.metrics.scale),
                a.hours,
                day_time(a.start_hour as f64),
                money(cur, a.peak_spend),
                money(cur, a.typical_spend),
                a.cause
            ));
        }
    }

    let window = results
        .first()
        .map(|r| r.metrics.window_hours)
        .unwrap_or(0.0);
    let mut doc = Document::new(design.scenario.clone());
    doc.line(format!(
        "{} — seed {}, {} measured after {} warm-up",
        design.scenario,
        design.seed,
        hours_text(window),
        hours_text(design.warmup_hours),
    ));
    doc.grid(table);
    doc.extend(notes);
    doc
}

/// 12345678 → "12.3M": token totals are read for their size, not their digits.
fn compact(n: u64) -> String {
    let x = n as f64;
    if x >= 1e9 {
        format!("{}B", trimmed(x / 1e9, 1))
    } else if x >= 1e6 {
        format!("{}M", trimmed(x / 1e6, 1))
    } else if x >= 1e3 {
        format!("{}k", trimmed(x / 1e3, 1))
    } else {
        n.to_string()
    }
}

fn hours_text(hours: f64) -> String {
    if hours >= 48.0 && (hours / 24.0).fract() == 0.0 {
        format!("{} days", hours / 24.0)
    } else {
        format!("{} h", trimmed(hours, 1))
    }
}

/// `mean ± half-width` through `f`, or just the mean for a single run or a figure
/// the replications agree on (a fixed pool's bill differs only by rounding).
fn est(e: &Estimate, f: &dyn Fn(f64) -> String) -> String {
    if e.n > 1 && e.half_width > 1e-9 * e.mean.abs() {
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
            let Some(excess) = c.excess else {
                let what = match c.target {
                    SloTarget::P99TtftMs => "TTFT",
                    SloTarget::P99TpotMs => "time per token",
                    _ => "figure",
                };
                return format!("{what} not measured (nothing streamed)");
            };
            let by = match c.target {
                SloTarget::P99LatencyMs => format!("p99 +{}", millis(excess)),
                SloTarget::P99TtftMs => format!("TTFT p99 +{}", millis(excess)),
                SloTarget::P99TpotMs => format!("TPOT p99 +{}", millis(excess)),
                SloTarget::ErrorRate => format!("errors +{}", percent(excess)),
                SloTarget::CostPerTransaction => format!("cost +{}", money(cur, excess)),
            };
            match c.excess_fraction {
                Some(p) => format!("{by} ({})", percent(p)),
                None => by,
            }
        })
        .collect();
    format!("fail: {}", failed.join(", "))
}

/// The figures every summary row shows, after its leading cells.
fn figure_cells(s: &Summary, cur: &str) -> Vec<String> {
    let f = &s.figures;
    let cost = est(&f.cost_per_transaction, &|x| money(cur, x));
    vec![
        if s.degraded {
            format!("{cost} (degraded)")
        } else {
            cost
        },
        est(&f.monthly_cost, &|x| money(cur, x)),
        f.margin
            .as_ref()
            .map(|m| est(m, &|x| money(cur, x)))
            .unwrap_or_else(|| "—".into()),
        est(&f.latency_p50_ms, &millis),
        est(&f.latency_p99_ms, &millis),
        est(&f.error_rate, &percent),
        est(&f.peak_instances, &|x| trimmed(x, 1)),
        slo(&s.slo, cur),
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

const DEGRADED_NOTE: &str = "(degraded): fewer requests succeeded than the SLO allows (99% without one); its cost per transaction is that of a failing system";

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Simulate with replications: the headline figures over every run of each scale.
fn replicated(outcome: &Outcome, design: &DesignOutcome) -> Document {
    let cur = design.currency.as_str();
    let mut header = vec!["Scale"];
    header.extend(FIGURE_HEADERS);
    let mut t = Grid::new(header, 0);
    for r in &design.results {
        let mut cells = vec![scale(r.summary.scale)];
        cells.extend(figure_cells(&r.summary, cur));
        t.row(cells);
    }
    let mut doc = Document::default();
    doc.line(format!(
        "Over {} replications (mean ± 95% confidence half-width; the table above is the first):",
        outcome.replications
    ));
    doc.grid(t);
    doc
}

fn render_comparison(c: &Outcome) -> Document {
    let cur = c.currency.as_str();
    let names: Vec<&str> = c.designs.iter().map(|d| d.scenario.as_str()).collect();
    let mut out = Document::new(format!("Compare: {}", names.join(" vs ")));
    out.line(format!(
        "Compared on the same random numbers (seed {}, {} replication{} each); baseline: {}",
        c.seed,
        c.replications,
        plural(c.replications),
        c.baseline.as_deref().unwrap_or_default()
    ));
    for note in &c.notes {
        out.note(note.clone());
    }
    let scales = c.designs.first().map_or(0, |d| d.results.len());
    for k in 0..scales {
        let at: Vec<(&DesignOutcome, &Summary)> = c
            .designs
            .iter()
            .filter_map(|d| d.results.get(k).map(|r| (d, &r.summary)))
            .collect();
        let Some((_, first)) = at.first() else {
            continue;
        };
        let same_users = at.iter().all(|(_, s)| s.users == first.users);
        let users = if same_users {
            format!("{} users", quantity(first.users))
        } else {
            "different loads: see each row's users".to_string()
        };
        out.section(format!("At {} ({users})", scale(first.scale)));
        let mut header = vec!["Scenario"];
        if !same_users {
            header.push("Users");
        }
        header.extend(FIGURE_HEADERS.iter().take(1));
        header.push("vs baseline");
        header.extend(FIGURE_HEADERS.iter().skip(1));
        let mut t = Grid::new(header, 1);
        for (design, s) in &at {
            let mut cells = figure_cells(s, cur);
            let name = if s.best {
                format!("★ {}", design.scenario)
            } else {
                design.scenario.clone()
            };
            let sign = |x: f64| if x >= 0.0 { "+" } else { "" };
            let delta = match &s.vs_baseline {
                Some(d) => match d.cost_per_transaction_fraction {
                    Some(p) => format!(
                        "{}{} ({}{})",
                        sign(d.cost_per_transaction),
                        money(cur, d.cost_per_transaction),
                        sign(p),
                        percent(p)
                    ),
                    None => money(cur, d.cost_per_transaction),
                },
                None => "baseline".into(),
            };
            cells.insert(1, delta);
            if !same_users {
                cells.insert(0, quantity(s.users));
            }
            cells.insert(0, name);
            t.row(cells);
        }
        out.grid(t);
    }
    out.line("★ cheapest per transaction among the scenarios that meet their SLO and serve at least 99% of requests where none is declared");
    if c.designs
        .iter()
        .flat_map(|d| &d.results)
        .any(|r| r.summary.degraded)
    {
        out.line(DEGRADED_NOTE);
    }
    out
}

fn render_sweep(s: &Outcome) -> Document {
    let cur = s.currency.as_str();
    let name = s.designs.first().map_or("", |d| d.scenario.as_str());
    let mut out = Document::new(format!("Sweep: {name}"));
    out.line(format!(
        "Sweep of {} over {} (seed {}, {} replication{} per point)",
        name,
        s.parameters.join(" × "),
        s.seed,
        s.replications,
        plural(s.replications)
    ));
    let mut header: Vec<&str> = s.parameters.iter().map(String::as_str).collect();
    header.push("Scale");
    header.extend(FIGURE_HEADERS);
    let mut t = Grid::new(header, 0);
    for design in &s.designs {
        for r in &design.results {
            let mut cells: Vec<String> = design.values.iter().map(|v| v.to_string()).collect();
            if r.summary.best {
                if let Some(first) = cells.first_mut() {
                    *first = format!("★ {first}");
                }
            }
            cells.push(scale(r.summary.scale));
            cells.extend(figure_cells(&r.summary, cur));
            t.row(cells);
        }
    }
    out.grid(t);
    out.line("★ cheapest point per transaction at its scale among those that meet the SLO and serve at least 99% of requests where none is declared");
    if s.designs
        .iter()
        .flat_map(|d| &d.results)
        .any(|r| r.summary.degraded)
    {
        out.line(DEGRADED_NOTE);
    }
    out
}
