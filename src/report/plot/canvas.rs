//! What every chart shares: the embedded font, the palette, titles, legends, and the
//! PNG or SVG file a drawing becomes.
//!
//! PNG drawing happens in an RGB buffer in memory and the `png` crate encodes it; SVG
//! is written as text. Neither needs a system library, and the same input gives the
//! same bytes everywhere.

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::lettering::{self, FONT_BYTES};
use super::surface::{Layout, Surface, Svg, Target};

/// The family name the embedded font is registered under.
pub const FAMILY: &str = "Liberation Sans";

/// Width of every chart, pixels.
pub const WIDTH: u32 = 1200;
/// Height of the single-panel charts, pixels.
pub const HEIGHT: u32 = 700;

/// Text and axes: near-black, softer than pure black on white.
pub const INK: RGBColor = RGBColor(34, 34, 34);
/// Secondary text: subtitles, reference lines.
pub const MUTED: RGBColor = RGBColor(100, 100, 100);
/// Grid lines: visible but quieter than the data.
pub const GRID: RGBColor = RGBColor(226, 226, 226);
/// Background shading, e.g. the warm-up of a timeline.
pub const SHADE: RGBColor = RGBColor(236, 236, 236);

/// The Okabe–Ito palette, which people with the common colour-vision deficiencies can
/// tell apart; yellow, the palest on white, comes last.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(230, 159, 0),   // orange
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
];

/// The colour of the `i`th series; the palette repeats after seven.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Black or white, whichever reads better on `background`.
pub fn text_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance > 150.0 { INK } else { WHITE }
}

/// A text style in the embedded font.
pub fn text(size: u32, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        color: colour.to_backend_color(),
        ..TextStyle::from((FAMILY, size).into_font())
    }
}

/// Sizes of text, pixels.
pub const TITLE_SIZE: u32 = 28;
pub const SUBTITLE_SIZE: u32 = 17;
pub const LABEL_SIZE: u32 = 18;
pub const TICK_SIZE: u32 = 16;
pub const LEGEND_SIZE: u32 = 17;

pub type Area<'a> = DrawingArea<Surface<'a>, Shift>;

/// The file format of a chart.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum PlotFormat {
    /// Pixels, 1200 wide: for a README, a chat or a slide.
    #[default]
    Png,
    /// Vector drawing: sharp at any zoom, for documentation sites and print.
    Svg,
}

impl PlotFormat {
    /// The file name extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            PlotFormat::Png => "png",
            PlotFormat::Svg => "svg",
        }
    }
}

/// A finished chart: its file's bytes and where each text and mark went.
#[derive(Clone, Debug)]
pub struct Drawing {
    pub bytes: Vec<u8>,
    pub layout: Layout,
}

/// Reads the embedded font once per process, for the text laid out here and, should
/// plotters ever measure text itself, registered with it under [`FAMILY`].
fn font_ready() -> Result<()> {
    static READY: OnceLock<bool> = OnceLock::new();
    let ok = *READY.get_or_init(|| {
        lettering::font().is_some()
            && plotters::style::register_font(FAMILY, FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the embedded chart font could not be read"))
    }
}

/// Draws on a white `width` × `height` canvas and returns it as a file of `format`.
pub fn render(
    format: PlotFormat,
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area) -> Result<()>,
) -> Result<Drawing> {
    font_ready()?;
    let mut layout = Layout::default();
    let bytes = match format {
        PlotFormat::Png => {
            let mut rgb = vec![255u8; width as usize * height as usize * 3];
            {
                let bitmap = BitMapBackend::with_buffer(&mut rgb, (width, height));
                let root = Surface::new(Target::Bitmap(bitmap), &mut layout).into_drawing_area();
                draw(&root)?;
                root.present()?;
            }
            encode_png(&rgb, width, height)?
        }
        PlotFormat::Svg => {
            let mut svg = String::new();
            {
                let target = Target::Svg(Svg::new(width, height, &mut svg));
                let root = Surface::new(target, &mut layout).into_drawing_area();
                // The white page the PNG starts from.
                root.fill(&WHITE)?;
                draw(&root)?;
                root.present()?;
            }
            svg.into_bytes()
        }
    };
    Ok(Drawing { bytes, layout })
}

/// Encodes 8-bit RGB pixels as PNG. The encoder has no clock or randomness, so equal
/// pixels give equal bytes.
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Charts are mostly flat colour: the slower setting makes files markedly smaller.
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}

/// Writes a title and a subtitle at the top of `area`, the subtitle broken into as
/// many lines as its width needs; returns the area below them.
pub fn titled<'a>(area: &Area<'a>, title: &str, subtitle: &str) -> Result<Area<'a>> {
    let left = 24;
    let (width, _) = area.dim_in_pixel();
    let room = width.saturating_sub(2 * left as u32);
    area.draw_text(title, &text(TITLE_SIZE, INK), (left, 16))?;
    let lines = wrap(subtitle, SUBTITLE_SIZE, room);
    let line_height = SUBTITLE_SIZE as i32 + 5;
    for (i, line) in lines.iter().enumerate() {
        area.draw_text(
            line,
            &text(SUBTITLE_SIZE, MUTED),
            (left, 52 + i as i32 * line_height),
        )?;
    }
    let below = 52 + lines.len().max(1) as i32 * line_height + 6;
    Ok(area.split_vertically(below.max(80)).1)
}

/// `text` broken at spaces into lines at most `room` pixels wide at `size` (a word
/// wider than that gets a line of its own).
pub fn wrap(text: &str, size: u32, room: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if !current.is_empty() && lettering::measure(&candidate, size as f32).0 > room {
            lines.push(std::mem::take(&mut current));
            current = word.to_string();
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// How a legend entry shows its series.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Swatch {
    /// A solid line with a round marker.
    Line,
    /// A dashed line with a triangular marker.
    Dashed,
    /// A thin line of short dashes, for reference lines and markers.
    Reference,
    /// A filled square, for bars and shaded areas.
    Box,
    /// A hollow point, for points where the system failed.
    Ring,
}

/// One entry of a legend.
#[derive(Clone, Debug, PartialEq)]
pub struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, colour: RGBColor, swatch: Swatch) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            colour,
            swatch,
        }
    }
}

const SWATCH_WIDTH: i32 = 34;
const ENTRY_GAP: i32 = 28;
const ROW_HEIGHT: i32 = 28;

/// Draws a legend in rows across the top of `area`, outside the plot so it never covers
/// data; returns the area below it.
pub fn legend<'a>(area: &Area<'a>, entries: &[LegendEntry]) -> Result<Area<'a>> {
    if entries.is_empty() {
        return Ok(area.clone());
    }
    let style = text(LEGEND_SIZE, INK);
    let (width, _) = area.dim_in_pixel();
    let left = 24;
    let right = width as i32 - 24;
    // Lay the entries out first, so the height of the legend is known before drawing.
    let mut placed = Vec::with_capacity(entries.len());
    let (mut x, mut row) = (left, 0);
    for entry in entries {
        let (text_w, _) = area.estimate_text_size(&entry.label, &style)?;
        let w = SWATCH_WIDTH + 8 + text_w as i32;
        if x > left && x + w > right {
            x = left;
            row += 1;
        }
        placed.push((entry, x, row));
        x += w + ENTRY_GAP;
    }
    let rows = row + 1;
    for (entry, x, row) in placed {
        let y = 6 + row * ROW_HEIGHT + ROW_HEIGHT / 2;
        draw_swatch(area, entry, x, y)?;
        area.draw_text(
            &entry.label,
            &style.pos(Pos::new(HPos::Left, VPos::Center)),
            (x + SWATCH_WIDTH + 8, y),
        )?;
    }
    Ok(area.split_vertically(rows * ROW_HEIGHT + 12).1)
}

fn draw_swatch(area: &Area, entry: &LegendEntry, x: i32, y: i32) -> Result<()> {
    let c = entry.colour;
    let (x0, x1) = (x, x + SWATCH_WIDTH);
    match entry.swatch {
        Swatch::Box => {
            area.draw(&Rectangle::new(
                [(x0 + 6, y - 9), (x1 - 6, y + 9)],
                c.filled(),
            ))?;
        }
        Swatch::Ring => {
            area.draw(&Circle::new(((x0 + x1) / 2, y), 5, c.stroke_width(2)))?;
        }
        Swatch::Line => {
            area.draw(&PathElement::new(vec![(x0, y), (x1, y)], c.stroke_width(3)))?;
            area.draw(&Circle::new(((x0 + x1) / 2, y), 5, c.filled()))?;
        }
        Swatch::Dashed | Swatch::Reference => {
            // The dashes of the lines themselves, shortened to fit the swatch.
            let (width, dash, step) = if entry.swatch == Swatch::Reference {
                (2, 5, 10)
            } else {
                (3, 8, 13)
            };
            for start in (x0..x1).step_by(step) {
                let end = (start + dash).min(x1);
                area.draw(&PathElement::new(
                    vec![(start, y), (end, y)],
                    c.stroke_width(width),
                ))?;
            }
            if entry.swatch == Swatch::Dashed {
                area.draw(&TriangleMarker::new(((x0 + x1) / 2, y), 6, c.filled()))?;
            }
        }
    }
    Ok(())
}

/// The number of labels asked of plotters per axis: more than any [`super::axis::Axis`]
/// offers, so all of its ticks are labelled. (plotters multiplies it, so not usize::MAX.)
pub const ALL_TICKS: usize = 100;

/// Room left of a chart for its rotated vertical axis description, which plotters
/// centres on the left edge of the label area, half outside it.
pub const Y_DESC_MARGIN: u32 = LABEL_SIZE / 2 + 8;

/// Width a vertical axis needs for its widest tick label and its rotated description.
pub fn y_label_width(area: &Area, labels: impl IntoIterator<Item = String>) -> Result<u32> {
    let style = text(TICK_SIZE, INK);
    let mut widest = 0;
    for label in labels {
        widest = widest.max(area.estimate_text_size(&label, &style)?.0);
    }
    // Tick marks and gaps, plus one line of the rotated axis description.
    Ok(widest + 16 + LABEL_SIZE + 14)
}
