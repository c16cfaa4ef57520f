//! Monthly cost by component at each scale of one scenario, as stacked bars.
//!
//! Two panels: the amounts, whose tallest bar sets the scale, and each component's
//! share of the total, which keeps the make-up of the small scales readable when the
//! largest one dwarfs them.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::{Axis, Unit};
use super::canvas::{
    self, ALL_TICKS, Area, Drawing, GRID, HEIGHT, INK, LABEL_SIZE, LegendEntry, MUTED, PlotFormat,
    Swatch, TICK_SIZE, WIDTH, Y_DESC_MARGIN, colour, legend, text, text_on, titled, y_label_width,
};
use super::input::MonthlyCostChart;
use crate::report::format::money;

/// Fraction of a category slot a bar fills.
const BAR_WIDTH: f64 = 0.6;

/// A share must be at least this large for its percentage to fit inside its segment.
const LABELLED_SHARE: f64 = 0.06;

pub fn render(chart: &MonthlyCostChart, format: PlotFormat) -> Result<Drawing> {
    let n = chart.bars.len();
    let full_names: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format!("{} · {}", b.label, b.detail))
        .collect();
    let short_names: Vec<String> = chart.bars.iter().map(|b| b.label.clone()).collect();
    let amount_axis = Axis::from_zero(
        chart.bars.iter().map(|b| b.total).fold(0.0, f64::max),
        Unit::Money(chart.currency.clone()),
        false,
    );
    let share_axis = Axis::linear(0.0, 1.0, Unit::Share);
    let entries: Vec<LegendEntry> = chart
        .components
        .iter()
        .enumerate()
        .map(|(i, name)| LegendEntry::new(name, colour(i), Swatch::Box))
        .collect();
    canvas::render(format, WIDTH, HEIGHT, |root| {
        let area = titled(
            root,
            &format!(
                "{}: monthly cost by component at each scale",
                chart.scenario
            ),
            "A 30-day month at each load, averaged over year 1; left: amounts, right: each component's share",
        )?;
        let area = legend(&area, &entries)?;
        let (left, right) = area.split_horizontally((WIDTH as f64 * 0.56) as i32);
        // Names of the scales under the bars, shortened if the long form would collide.
        let slot = (f64::from(right.dim_in_pixel().0) - 120.0) / n.max(1) as f64;
        let widest = full_names
            .iter()
            .map(|s| {
                right
                    .estimate_text_size(s, &text(TICK_SIZE, INK))
                    .map(|d| d.0)
            })
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .max()
            .unwrap_or(0);
        let names = if f64::from(widest) + 16.0 < slot {
            full_names
        } else {
            short_names
        };
        let x = Axis::linear(-0.5, n as f64 - 0.5, Unit::Categories(names));
        let totals: Vec<String> = chart
            .bars
            .iter()
            .map(|b| money(&chart.currency, b.total))
            .collect();
        let amounts: Vec<&[f64]> = chart.bars.iter().map(|b| b.monthly.as_slice()).collect();
        let shares: Vec<&[f64]> = chart.bars.iter().map(|b| b.shares.as_slice()).collect();
        bars(
            &left,
            &x,
            &amount_axis,
            &format!("Monthly cost ({})", chart.currency),
            &amounts,
            Some(&totals),
        )?;
        bars(
            &right,
            &x,
            &share_axis,
            "Share of monthly cost",
            &shares,
            None,
        )
    })
}

/// Stacked bars, one per category, segments bottom-up in component order. With
/// `totals`, each bar is topped by its total; without, segments large enough carry their
/// value as a percentage.
fn bars(
    area: &Area,
    x: &Axis,
    y: &Axis,
    y_desc: &str,
    stacks: &[&[f64]],
    totals: Option<&[String]>,
) -> Result<()> {
    let y_label_width = y_label_width(area, y.ticks().iter().map(|t| y.label(*t)))?;
    let mut chart = ChartBuilder::on(area)
        .margin_left(Y_DESC_MARGIN)
        .margin_top(24)
        .margin_bottom(8)
        .margin_right(24)
        .x_label_area_size(40)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x.clone(), y.clone())?;
    let x_format = |v: &f64| x.label(*v);
    let y_format = |v: &f64| y.label(*v);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(ALL_TICKS)
        .y_labels(ALL_TICKS)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .y_desc(y_desc)
        .label_style(text(TICK_SIZE, INK))
        .axis_desc_style(text(LABEL_SIZE, INK))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    for (i, stack) in stacks.iter().enumerate() {
        let centre = i as f64;
        let (left, right) = (centre - BAR_WIDTH / 2.0, centre + BAR_WIDTH / 2.0);
        // Running sum: where each segment starts, a drawing position rather than a figure.
        let mut base = 0.0;
        for (c, value) in stack.iter().enumerate() {
            let top = base + value;
            let fill = colour(c);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(left, base), (right, top)],
                fill.filled(),
            )))?;
            if totals.is_none() && *value >= LABELLED_SHARE {
                chart.plotting_area().draw(
                    &(EmptyElement::at((centre, base + value / 2.0))
                        + Text::new(
                            y.label(*value),
                            (0, 0),
                            text(TICK_SIZE, text_on(fill))
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        )),
                )?;
            }
            base = top;
        }
        if let Some(totals) = totals {
            chart.plotting_area().draw(
                &(EmptyElement::at((centre, base))
                    + Text::new(
                        totals[i].clone(),
                        (0, -6),
                        text(TICK_SIZE, INK).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )),
            )?;
        }
    }
    Ok(())
}
