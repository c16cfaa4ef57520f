//! The terminal table: one column per scale, one row per figure a reader looks for.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use super::format::{count, day_time, millis, money, percent, quantity, scale, trimmed};
use crate::runner::{ScaleResult, ScenarioReport};

pub fn render(reports: &[ScenarioReport]) -> String {
    let mut out = String::new();
    for report in reports {
        out.push_str(&render_one(report));
        out.push('\n');
    }
    out
}

fn render_one(report: &ScenarioReport) -> String {
    let results = &report.results;
    let cur = report.currency.as_str();
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    let mut header = vec![Cell::new("")];
    header.extend(results.iter().map(|r| Cell::new(scale(r.metrics.scale))));
    table.set_header(header);

    let mut row = |label: &str, f: &dyn Fn(&ScaleResult) -> String| {
        let mut cells = vec![Cell::new(label)];
        cells.extend(
            results
                .iter()
                .map(|r| Cell::new(f(r)).set_alignment(CellAlignment::Right)),
        );
        table.add_row(cells);
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

    let tier_names: Vec<(String, &'static str)> = results
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
        if *kind == "self_hosted" {
            row(&format!("{name}: utilisation"), &|r| {
                percent(r.metrics.tiers[i].utilization)
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
    }

    for (i, name) in report.component_names().iter().enumerate() {
        row(&format!("Monthly cost: {name}"), &|r| {
            money(cur, r.economics.components[i].monthly)
        });
    }
    let first = results.first().map(|r| &r.economics);
    let has_hidden = first.is_some_and(|e| {
        e.components
            .iter()
            .any(|c| !matches!(c.kind, "cache" | "compute" | "api"))
    });
    if has_hidden {
        row("Monthly cost: variable", &|r| {
            money(cur, r.economics.variable_monthly)
        });
        row("Monthly cost: fixed and hidden", &|r| {
            money(cur, r.economics.fixed_monthly)
        });
    }
    row("Monthly cost (30 days)", &|r| {
        money(cur, r.economics.monthly_total)
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
                .and_then(|v| v.margin_pct)
                .map(percent)
                .unwrap_or_else(|| "n/a".into())
        });
        row("Break-even price per transaction", &|r| {
            optional_money(r.economics.break_even_price_per_transaction)
        });
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
    row("Two-year total cost", &|r| {
        money(cur, r.economics.two_year_total)
    });
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
            match b.reason {
                "at_max_instances" => "at max instances",
                "shedding_load" => "shedding load",
                _ => "waits exceed service",
            },
            day_time(b.at_hours)
        ),
    });

    let mut notes = String::new();
    if let Some(be) = &report.break_even {
        let range = format!(
            "{}–{} users",
            quantity(be.search_users[0]),
            quantity(be.search_users[1])
        );
        notes.push_str(&match (be.status, be.users) {
            ("found", Some(u)) => format!(
                "Break-even: {} users (to within {}; searched {range})\n",
                quantity(u),
                percent(be.precision)
            ),
            ("below_range", Some(u)) => format!(
                "Break-even: already profitable at {} users, the smallest load simulated\n",
                quantity(u)
            ),
            _ => format!("Break-even: never within {range}\n"),
        });
    }
    for r in results {
        for a in &r.economics.anomalies {
            notes.push_str(&format!(
                "Cost anomaly at {}: {} h from {}, peak {} per hour vs typical {}: {}\n",
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
    format!(
        "{} — seed {}, {} measured after {} warm-up\n{table}\n{notes}",
        report.scenario,
        report.seed,
        hours_text(window),
        hours_text(report.warmup_hours),
    )
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
