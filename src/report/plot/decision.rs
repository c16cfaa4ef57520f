//! The decision commands' charts: crossover (two designs' monthly costs against users),
//! the cost–latency frontier of optimize, and the tornado of sensitivity.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, Unit, span};
use super::canvas::{
    ALL_TICKS, Drawing, GRID, HEIGHT, INK, LABEL_SIZE, LegendEntry, MUTED, PlotFormat, Swatch,
    TICK_SIZE, WIDTH, Y_DESC_MARGIN, colour, legend, render, text, titled, y_label_width,
};
use super::input::{CrossoverChart, FrontierChart, Marker, ReferenceLine, TornadoChart};
use super::load::{against_users, draw_against_users, users_axis, values};
use super::panel::{self, Line, Panel};

/// Both monthly costs against users, each crossing marked and ringed.
pub fn crossover(chart: &CrossoverChart, format: PlotFormat) -> Result<Drawing> {
    let points = || chart.first_cost.iter().chain(&chart.second_cost);
    let x = users_axis(points());
    let y = Axis::auto(values(points()), Unit::Money(chart.currency.clone()));
    let lines = vec![
        Line::of(&chart.first_cost, colour(0)).labelled(&chart.first),
        Line::of(&chart.second_cost, colour(1))
            .dashed()
            .labelled(&chart.second),
    ];
    let markers: Vec<Marker> = chart
        .crossings
        .iter()
        .map(|c| Marker {
            label: c.label.clone(),
            x: c.users,
        })
        .collect();
    let rings: Vec<(f64, f64)> = chart
        .crossings
        .iter()
        .map(|c| (c.users, c.monthly_cost))
        .collect();
    let subtitle = format!(
        "Year-1 monthly cost at a steady load, both on the same seed; each point a full simulation; users{} on a log scale",
        if y.is_log() { " and money" } else { "" }
    );
    let y_desc = format!("Per month ({})", chart.currency);
    draw_against_users(
        &format!(
            "{} against {}: where they cost the same",
            chart.first, chart.second
        ),
        &subtitle,
        Panel {
            markers: &markers,
            marker_labels: true,
            rings: &rings,
            note: chart.note.as_deref(),
            ..against_users(&x, &y, &y_desc, lines)
        },
        format,
    )
}

/// Height each scale's panel of the frontier takes, pixels.
const FRONTIER_PANEL_HEIGHT: u32 = 330;

/// Height of a frontier chart of `scales` panels: [`HEIGHT`] for one, more for each
/// further scale.
pub fn frontier_height(scales: usize) -> u32 {
    HEIGHT + FRONTIER_PANEL_HEIGHT * scales.max(1).saturating_sub(1) as u32
}

/// p99 against cost per transaction, one panel per scale, each with axes fitted to its
/// own designs: scales ten times apart cost and wait on different orders, and the
/// choice is made within a scale, never across them, so a shared axis would only
/// crush the smaller scales' points into a corner. In each: the frontier joined, the
/// other designs that meet the objectives as dots, those that miss hollow, the winner
/// ringed, and the p99 objective as a reference line where it falls near the points.
pub fn frontier(chart: &FrontierChart, format: PlotFormat) -> Result<Drawing> {
    let money = Unit::Money(chart.currency.clone());
    let axes: Vec<(Axis, Axis, bool)> = chart
        .scales
        .iter()
        .map(|s| {
            let all = || s.frontier.iter().chain(&s.dominated).chain(&s.missing);
            // Costs of the designs tried are often within a few percent of each
            // other: an axis from zero would crowd them into a corner.
            let x = match span(all().map(|p| p.x)) {
                Some((lo, hi)) if lo > 0.0 && hi / lo > 10.0 => Axis::log(lo, hi, money.clone()),
                Some((lo, hi)) => {
                    let pad = ((hi - lo) * 0.08).max(hi * 0.01);
                    Axis::linear((lo - pad).max(0.0), hi + pad, money.clone())
                }
                None => Axis::linear(0.0, 1.0, money.clone()),
            };
            // The objective joins the axis when it lies within the points' own spread
            // of them; further off it would flatten them, and the heading says where
            // it is instead.
            let near = match (span(all().map(|p| p.y)), chart.objective_ms) {
                (Some((lo, hi)), Some(v)) => {
                    let reach = (hi - lo).max(hi * 0.1);
                    v >= lo - reach && v <= hi + reach
                }
                _ => chart.objective_ms.is_some(),
            };
            let objective = chart.objective_ms.filter(|_| near);
            let y = Axis::auto(all().map(|p| p.y).chain(objective), Unit::Millis);
            (x, y, near)
        })
        .collect();
    let mut entries = vec![
        LegendEntry::new("frontier: no cheaper design is faster", INK, Swatch::Line),
        LegendEntry::new(
            "ringed: the cheapest that meets the objectives",
            INK,
            Swatch::Ring,
        ),
    ];
    if chart.scales.iter().any(|s| !s.missing.is_empty()) {
        entries.push(LegendEntry::new(
            "hollow: misses an objective",
            MUTED,
            Swatch::Ring,
        ));
    }
    let references: Vec<ReferenceLine> = chart
        .objective_ms
        .map(|v| ReferenceLine {
            label: format!("SLO p99 ({})", Unit::Millis.label(v)),
            value: v,
            series: None,
        })
        .into_iter()
        .collect();
    entries.extend(
        references
            .iter()
            .map(|r| LegendEntry::new(&r.label, INK, Swatch::Reference)),
    );
    let logs = |pick: fn(&(Axis, Axis, bool)) -> bool| axes.iter().any(pick);
    let subtitle = format!(
        "Every design simulated, one panel per scale with its own axes; each point a simulation{}",
        match (logs(|a| a.0.is_log()), logs(|a| a.1.is_log())) {
            (true, true) => "; log axes where the values span tenfold",
            (true, false) => "; cost on a log scale where it spans tenfold",
            (false, true) => "; latency on a log scale where it spans twentyfold",
            (false, false) => "",
        }
    );
    let headings: Vec<String> = chart
        .scales
        .iter()
        .zip(&axes)
        .map(|(s, (_, y, near))| match chart.objective_ms {
            Some(v) if !near => format!(
                "{}: SLO p99 {} is {} the panel",
                s.label,
                Unit::Millis.label(v),
                if v > y.bounds().1 { "above" } else { "below" }
            ),
            _ => s.label.clone(),
        })
        .collect();
    let y_desc = "p99 latency of successful requests";
    let x_desc = format!("Cost per successful transaction ({})", chart.currency);
    render(format, WIDTH, frontier_height(chart.scales.len()), |root| {
        let area = titled(
            root,
            &format!(
                "{}: cost against latency of every design tried",
                chart.scenario
            ),
            &subtitle,
        )?;
        let area = legend(&area, &entries)?;
        // One width for every vertical axis, so the panels line up.
        let mut label_width = 0;
        for (_, y, _) in &axes {
            label_width =
                label_width.max(y_label_width(&area, y.ticks().iter().map(|t| y.label(*t)))?);
        }
        let (_, area_height) = area.dim_in_pixel();
        let count = chart.scales.len().max(1) as u32;
        let mut rest = area;
        for (i, (s, (x, y, near))) in chart.scales.iter().zip(&axes).enumerate() {
            let here = if i + 1 == chart.scales.len() {
                rest.clone()
            } else {
                let (top, below) = rest.split_vertically((area_height / count) as i32);
                rest = below;
                top
            };
            let mut lines = vec![Line::of(&s.frontier, colour(i))];
            // Single points: a dot each, not joined; those that miss an objective hollow.
            for p in s.dominated.iter().chain(&s.missing) {
                lines.push(Line::of(std::slice::from_ref(p), colour(i)));
            }
            let rings: Vec<(f64, f64)> = s.chosen.iter().map(|p| (p.x, p.y)).collect();
            let mut panel = Panel {
                heading: Some(&headings[i]),
                lines,
                references: if *near { &references } else { &[] },
                rings: &rings,
                ..Panel::new(x, y, &x_desc, y_desc)
            };
            panel.y_label_width = label_width;
            panel::draw(&here, &panel)?;
        }
        Ok(())
    })
}

/// Room for the moved values written at each bar's far end.
const VALUE_ROOM: u32 = 150;

/// One horizontal bar per assumption: left of zero the move that lowers cost per
/// transaction, right the one that raises it, the most influential on top.
pub fn tornado(chart: &TornadoChart, format: PlotFormat) -> Result<Drawing> {
    let n = chart.bars.len();
    // Top to bottom in ranking order: the first bar gets the highest slot.
    let names: Vec<String> = chart.bars.iter().rev().map(|b| b.label.clone()).collect();
    let y = Axis::categories(names);
    let effects = || chart.bars.iter().flat_map(|b| [b.low, b.high]).flatten();
    let (lo, hi) = span(effects().chain([0.0])).unwrap_or((-0.1, 0.1));
    let reach = lo.abs().max(hi.abs()).max(1e-6);
    let x = Axis::linear(-reach * 1.15, reach * 1.15, Unit::Share);
    let entries = [
        LegendEntry::new("moved down", colour(0), Swatch::Box),
        LegendEntry::new("moved up", colour(1), Swatch::Box),
    ];
    let subtitle = format!(
        "Change of cost per successful transaction at {} with each assumption moved {}, the rest as written{}",
        chart.scale,
        chart.by,
        if chart.left_off > 0 {
            format!("; {} less influential left off", chart.left_off)
        } else {
            String::new()
        }
    );
    render(format, WIDTH, HEIGHT, |root| {
        let area = titled(
            root,
            &format!("{}: which assumptions move the cost", chart.scenario),
            &subtitle,
        )?;
        let area = legend(&area, &entries)?;
        let label_width = y_label_width(&area, y.ticks().iter().map(|t| y.label(*t)))?;
        let mut plot = ChartBuilder::on(&area)
            .margin_left(Y_DESC_MARGIN)
            .margin_top(12)
            .margin_right(VALUE_ROOM / 4)
            .x_label_area_size(64)
            .y_label_area_size(label_width)
            .build_cartesian_2d(x.clone(), y.clone())?;
        let x_format = |v: &f64| {
            let s = x.label(*v);
            if *v > 0.0 { format!("+{s}") } else { s }
        };
        let y_format = |v: &f64| y.label(*v);
        plot.configure_mesh()
            .disable_y_mesh()
            .x_labels(ALL_TICKS)
            .y_labels(ALL_TICKS)
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .x_desc("Change of cost per transaction")
            .label_style(text(TICK_SIZE, INK))
            .axis_desc_style(text(LABEL_SIZE, INK))
            .bold_line_style(GRID)
            .axis_style(MUTED)
            .draw()?;
        for (i, bar) in chart.bars.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            for (side, value) in [bar.low, bar.high].into_iter().enumerate() {
                let Some(v) = value else { continue };
                plot.draw_series(std::iter::once(Rectangle::new(
                    [(0.0, row - 0.32), (v, row + 0.32)],
                    colour(side).filled(),
                )))?;
            }
            // The values tried, beside the bar on the side with more room.
            let end = [bar.low, bar.high]
                .into_iter()
                .flatten()
                .fold(0.0f64, |a, v| if v.abs() > a.abs() { v } else { a });
            let (anchor, dx) = if end >= 0.0 {
                (HPos::Left, 6)
            } else {
                (HPos::Right, -6)
            };
            plot.plotting_area().draw(
                &(EmptyElement::at((end, row))
                    + Text::new(
                        bar.moved.clone(),
                        (dx, 0),
                        text(TICK_SIZE, MUTED).pos(Pos::new(anchor, VPos::Center)),
                    )),
            )?;
        }
        plot.draw_series(std::iter::once(PathElement::new(
            [(0.0, -0.5), (0.0, n as f64 - 0.5)],
            INK.stroke_width(2),
        )))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plot::input::{FrontierScale, Point, TornadoBar};

    #[test]
    fn each_chart_draws_and_draws_the_same_bytes_twice() {
        let tornado_chart = TornadoChart {
            scenario: "s".into(),
            scale: "1x (1k users)".into(),
            by: "±20%".into(),
            bars: vec![
                TornadoBar {
                    label: "tiers.llm.price_per_1k_output_tokens".into(),
                    moved: "0.0032 / 0.0048".into(),
                    low: Some(-0.133),
                    high: Some(0.133),
                },
                TornadoBar {
                    label: "workload.users".into(),
                    moved: "800 / 1200".into(),
                    low: Some(0.05),
                    high: None,
                },
            ],
            left_off: 0,
        };
        let frontier_chart = FrontierChart {
            scenario: "s".into(),
            currency: "USD".into(),
            scales: vec![FrontierScale {
                label: "1x".into(),
                frontier: vec![Point::new(1e-4, 300.0), Point::new(2e-4, 250.0)],
                dominated: vec![Point::new(3e-4, 260.0)],
                missing: vec![Point::new(5e-5, 900.0)],
                chosen: Some(Point::new(1e-4, 300.0)),
            }],
            objective_ms: Some(400.0),
        };
        for render in [
            tornado(&tornado_chart, PlotFormat::Png),
            frontier(&frontier_chart, PlotFormat::Png),
        ] {
            let png = render.expect("drawn").bytes;
            assert_eq!(&png[1..4], b"PNG");
        }
        assert_eq!(
            tornado(&tornado_chart, PlotFormat::Png).unwrap().bytes,
            tornado(&tornado_chart, PlotFormat::Png).unwrap().bytes
        );
    }
}
