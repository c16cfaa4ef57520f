//! One plot panel of lines over two axes, with confidence bands, reference lines,
//! vertical markers, ringed points, a note and a shaded span: the drawing every line
//! chart here is made of.

use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Axis;
use super::canvas::{
    ALL_TICKS, Area, GRID, INK, LABEL_SIZE, MUTED, SHADE, TICK_SIZE, Y_DESC_MARGIN, colour, text,
};
use super::input::{Marker, Point, ReferenceLine};

/// How one series is drawn.
pub struct Line<'a> {
    pub points: &'a [Point],
    pub colour: RGBColor,
    /// Dashed with triangles rather than solid with dots, to tell two related lines apart
    /// without relying on colour (p99 against p50).
    pub dashed: bool,
    /// Dots on the data points: useful when there are a few (one per scale), noise when
    /// there is one per hour.
    pub dots: bool,
}

/// A shaded stretch of the horizontal axis with a word in its top corner.
pub struct Shade<'a> {
    pub from: f64,
    pub to: f64,
    pub label: &'a str,
}

/// Everything one panel shows.
pub struct Panel<'a> {
    pub x: &'a Axis,
    pub y: &'a Axis,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    /// Tick labels and description under the horizontal axis; panels stacked on a
    /// shared time axis show them only on the lowest.
    pub x_labels: bool,
    /// Width of the vertical axis labels; equal widths line stacked panels up.
    pub y_label_width: u32,
    pub lines: Vec<Line<'a>>,
    pub references: &'a [ReferenceLine],
    pub markers: &'a [Marker],
    /// Write the markers' labels (once per stack of panels is enough).
    pub marker_labels: bool,
    /// Points to draw attention to with a ring, such as where two lines meet.
    pub rings: &'a [(f64, f64)],
    /// A sentence written above the plot, e.g. why there is nothing to mark.
    pub note: Option<&'a str>,
    pub shade: Option<Shade<'a>>,
}

impl<'a> Panel<'a> {
    /// An empty panel over two axes, with tick labels under it; lines and the rest are
    /// set field by field.
    pub fn new(x: &'a Axis, y: &'a Axis, x_desc: &'a str, y_desc: &'a str) -> Panel<'a> {
        Panel {
            x,
            y,
            x_desc,
            y_desc,
            x_labels: true,
            y_label_width: 0,
            lines: Vec::new(),
            references: &[],
            markers: &[],
            marker_labels: false,
            rings: &[],
            note: None,
            shade: None,
        }
    }
}

/// Room above a panel for the labels of its markers or its note.
const MARKER_STRIP: u32 = 28;

/// Height of the horizontal axis labels and description.
pub const X_LABEL_HEIGHT: u32 = 64;

pub fn draw(area: &Area, panel: &Panel) -> Result<()> {
    let (x_lo, x_hi) = panel.x.bounds();
    let (y_lo, y_hi) = panel.y.bounds();
    let mut chart = ChartBuilder::on(area)
        .margin_left(Y_DESC_MARGIN)
        // Marker labels sit in a strip above the plot, where they cannot cover data.
        .margin_top(
            if (panel.marker_labels && !panel.markers.is_empty()) || panel.note.is_some() {
                MARKER_STRIP
            } else {
                12
            },
        )
        .margin_right(36)
        .x_label_area_size(if panel.x_labels { X_LABEL_HEIGHT } else { 4 })
        .y_label_area_size(panel.y_label_width)
        .build_cartesian_2d(panel.x.clone(), panel.y.clone())?;

    // The shade goes under the grid, the grid under the data.
    if let Some(shade) = &panel.shade {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(shade.from, y_lo), (shade.to, y_hi)],
            SHADE.filled(),
        )))?;
    }
    let x_format = |v: &f64| {
        if panel.x_labels {
            panel.x.label(*v)
        } else {
            String::new()
        }
    };
    let y_format = |v: &f64| panel.y.label(*v);
    chart
        .configure_mesh()
        .x_labels(ALL_TICKS)
        .y_labels(ALL_TICKS)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(if panel.x_labels { panel.x_desc } else { "" })
        .y_desc(panel.y_desc)
        .label_style(text(TICK_SIZE, INK))
        .axis_desc_style(text(LABEL_SIZE, INK))
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    if let Some(shade) = &panel.shade {
        chart.plotting_area().draw(
            &(EmptyElement::at((shade.from, y_hi))
                + Text::new(shade.label.to_string(), (8, 8), text(TICK_SIZE, MUTED))),
        )?;
    }

    for line in &panel.lines {
        let band: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter_map(|p| p.band.map(|(_, hi)| (p.x, hi)))
            .chain(
                line.points
                    .iter()
                    .rev()
                    .filter_map(|p| p.band.map(|(lo, _)| (p.x, lo))),
            )
            .collect();
        if band.len() >= 4 {
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                line.colour.mix(0.18).filled(),
            )))?;
        }
    }
    for reference in panel.references {
        chart.draw_series(DashedLineSeries::new(
            [(x_lo, reference.value), (x_hi, reference.value)],
            // Shorter and thinner than a dashed series, so an objective drawn in a
            // scenario's colour is not taken for its p99 line.
            5,
            5,
            reference_colour(reference).stroke_width(2),
        ))?;
    }
    for marker in panel.markers {
        chart.draw_series(DashedLineSeries::new(
            [(marker.x, y_lo), (marker.x, y_hi)],
            8,
            5,
            INK.stroke_width(2),
        ))?;
    }
    for line in &panel.lines {
        let points = line.points.iter().map(|p| (p.x, p.y));
        let style = line.colour.stroke_width(3);
        if line.dashed {
            chart.draw_series(DashedLineSeries::new(points, 12, 7, style))?;
        } else {
            chart.draw_series(LineSeries::new(points, style))?;
        }
        if line.dots {
            let fill = line.colour.filled();
            if line.dashed {
                chart.draw_series(
                    line.points
                        .iter()
                        .map(|p| TriangleMarker::new((p.x, p.y), 7, fill)),
                )?;
            } else {
                chart.draw_series(line.points.iter().map(|p| Circle::new((p.x, p.y), 5, fill)))?;
            }
        }
    }
    for &(x, y) in panel.rings {
        chart.draw_series(std::iter::once(Circle::new(
            (x, y),
            11,
            INK.stroke_width(3),
        )))?;
    }
    // Labels last, on a light box, so the data never hides them.
    let area = chart.plotting_area();
    // Each reference is labelled above its right end; one that would cover an earlier
    // label (two objectives close together) goes below its line, or further left.
    let mut taken: Vec<Rect> = Vec::new();
    for reference in panel.references {
        let pos = chart.backend_coord(&(x_hi, reference.value));
        let size = label_size(area, &reference.label)?;
        let candidates = [
            (pos.0 - 8, pos.1 - 6, VPos::Bottom),
            (pos.0 - 8, pos.1 + 6, VPos::Top),
            (pos.0 - 8 - size.0 - 24, pos.1 - 6, VPos::Bottom),
            (pos.0 - 8 - size.0 - 24, pos.1 + 6, VPos::Top),
        ];
        let (x, y, v) = candidates
            .iter()
            .copied()
            .find(|&(x, y, v)| {
                let r = rect_of(size, (x, y), HPos::Right, v);
                !taken.iter().any(|t| t.overlaps(&r))
            })
            .unwrap_or(candidates[0]);
        taken.push(rect_of(size, (x, y), HPos::Right, v));
        boxed_label(area, &reference.label, (x, y), HPos::Right, v)?;
    }
    if let Some(note) = panel.note {
        let corner = chart.backend_coord(&(x_lo, y_hi));
        boxed_label(
            area,
            note,
            (corner.0 + 4, corner.1 - 4),
            HPos::Left,
            VPos::Bottom,
        )?;
    }
    if panel.marker_labels {
        // Above the plot; a marker in the right third is labelled on its left, so the
        // label stays inside the image.
        let (plot_left, plot_right) = (
            chart.backend_coord(&(x_lo, y_hi)),
            chart.backend_coord(&(x_hi, y_hi)),
        );
        for marker in panel.markers {
            let pos = chart.backend_coord(&(marker.x, y_hi));
            let on_left = pos.0 > plot_left.0 + (plot_right.0 - plot_left.0) * 2 / 3;
            let (x, h) = if on_left {
                (pos.0 - 8, HPos::Right)
            } else {
                (pos.0 + 8, HPos::Left)
            };
            boxed_label(area, &marker.label, (x, pos.1 - 4), h, VPos::Bottom)?;
        }
    }
    Ok(())
}

/// A reference line's colour: its series', or ink when it concerns them all.
fn reference_colour(reference: &ReferenceLine) -> RGBColor {
    reference.series.map_or(INK, colour)
}

/// A box of pixels: left, top, right, bottom.
struct Rect(i32, i32, i32, i32);

impl Rect {
    fn overlaps(&self, other: &Rect) -> bool {
        self.0 < other.2 && other.0 < self.2 && self.1 < other.3 && other.1 < self.3
    }
}

/// Width and height of a label in pixels.
fn label_size<C: CoordTranslate>(
    area: &DrawingArea<BitMapBackend, C>,
    label: &str,
) -> Result<(i32, i32)> {
    let (w, h) = area.estimate_text_size(label, &text(TICK_SIZE, INK))?;
    Ok((w as i32, h as i32))
}

/// The box a label of `size` takes when anchored at `(x, y)` as `h` and `v` say.
fn rect_of((w, ht): (i32, i32), (x, y): (i32, i32), h: HPos, v: VPos) -> Rect {
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - w / 2,
        HPos::Right => x - w,
    };
    let top = match v {
        VPos::Top => y,
        VPos::Center => y - ht / 2,
        VPos::Bottom => y - ht,
    };
    Rect(left - 4, top - 3, left + w + 4, top + ht + 4)
}

/// Writes `label` at a pixel position of the whole image on a mostly opaque white box.
fn boxed_label<C: CoordTranslate>(
    area: &DrawingArea<BitMapBackend, C>,
    label: &str,
    (x, y): (i32, i32),
    h: HPos,
    v: VPos,
) -> Result<()> {
    let style = text(TICK_SIZE, INK);
    let (w, ht) = label_size(area, label)?;
    let Rect(left, top, ..) = rect_of((w, ht), (x, y), h, v);
    let (left, top) = (left + 4, top + 3);
    // Positions are of the whole image; the area's own origin is taken off.
    let (ox, oy) = area.get_base_pixel();
    let root = area.strip_coord_spec();
    root.draw(&Rectangle::new(
        [
            (left - ox - 4, top - oy - 3),
            (left - ox + w + 4, top - oy + ht + 4),
        ],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw_text(label, &style, (left - ox, top - oy))?;
    Ok(())
}
