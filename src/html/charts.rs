//! The report's charts: inline SVG drawn with plotters' SVG backend.
//!
//! Each function draws one kind of chart — stacked columns, lines, sorted bars,
//! diverging bars, a tornado, a percentile band — and returns the `<svg>` element with
//! an `id` and `class="chart …"`, so a test (or a browser) can find each chart. Text
//! stays text (`<text>` elements in a font list that names the common CJK fonts), so the
//! Chinese labels are sharp on screen and in print, and nothing is fetched.
//!
//! Values arrive as `f64` in the unit shown (亿元, 元 per head, a share): they only
//! place shapes. Every figure the report prints as a number comes from whole fen.
//!
//! Category labels and value labels are placed by this module in pixels (plotters'
//! own text layout without a font library measures a Chinese character as three ASCII
//! ones), and widths are estimated with [`unicode_width`]: two columns per Chinese
//! character, about one em.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use unicode_width::UnicodeWidthStr;

use crate::error::Error;
use crate::money::grouped;

/// The font list of every label: common CJK fonts first, then the system's sans-serif.
pub const FONT: &str = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, WenQuanYi Micro Hei, sans-serif";

/// The four levels, in [`crate::model::Level::ALL`] order, and the total.
pub const LEVEL_COLORS: [RGBColor; 4] = [
    RGBColor(0x2F, 0x5D, 0x8A), // central: deep blue
    RGBColor(0xE0, 0x8E, 0x2B), // province: amber
    RGBColor(0x4E, 0x9A, 0x5A), // city: green
    RGBColor(0xC2, 0x4E, 0x4E), // county: brick red
];
pub const TOTAL_COLOR: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Districts and zones (市辖区、开发区) against counties and the county-level city.
pub const DISTRICT_COLOR: RGBColor = RGBColor(0x5B, 0x7F, 0xB5);
pub const COUNTY_COLOR: RGBColor = RGBColor(0xD9, 0x8A, 0x3D);
/// An increase and a decrease; an axis at its low and its high end.
pub const UP_COLOR: RGBColor = RGBColor(0xC2, 0x4E, 0x4E);
pub const DOWN_COLOR: RGBColor = RGBColor(0x2F, 0x7F, 0x9A);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED: RGBColor = RGBColor(0x66, 0x66, 0x66);
const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);

const WIDTH: u32 = 860;

/// A named series of values, one per category, and its colour.
pub struct Series {
    pub name: String,
    pub color: RGBColor,
    pub values: Vec<f64>,
}

/// One bar of a sorted or diverging bar chart.
pub struct Bar {
    pub label: String,
    /// The bar's parts, stacked from zero outwards; positive and negative parts are
    /// stacked separately (a diverging bar).
    pub parts: Vec<f64>,
    /// The colour of each part, or of the whole bar when `parts` has one element.
    pub colors: Vec<RGBColor>,
    /// The number printed at the bar's end, if any.
    pub note: Option<String>,
}

/// The bars at both ends of a sorted list: the first and the last `keep`, with a bar
/// between them that says how many were left out (for thousands of units). The
/// number left out is returned too.
pub fn ends(mut bars: Vec<Bar>, keep: usize) -> (Vec<Bar>, usize) {
    let n = bars.len();
    if n <= 2 * keep + 1 {
        return (bars, 0);
    }
    let skipped = n - 2 * keep;
    let high = bars.split_off(n - keep);
    bars.truncate(keep);
    bars.push(Bar {
        label: format!("…… 另有 {skipped} 个 {skipped} more ……"),
        parts: Vec::new(),
        colors: Vec::new(),
        note: None,
    });
    bars.extend(high);
    (bars, skipped)
}

/// One row of a tornado: the metric's move from its base at the axis's two ends.
pub struct TornadoRow {
    pub axis: String,
    /// Metric minus base at the end giving the lower metric, and at the other end.
    pub low: f64,
    pub high: f64,
    /// The axis values at those ends, as printed.
    pub at_low: String,
    pub at_high: String,
    /// Whether the lower metric comes with the axis at its lower value.
    pub rising: bool,
}

/// One panel of a percentile band: P10, P50, P90 and the base run per category.
pub struct Band {
    pub name: String,
    pub color: RGBColor,
    pub p10: Vec<f64>,
    pub p50: Vec<f64>,
    pub p90: Vec<f64>,
    pub base: Vec<f64>,
}

/// A vertical marker between two categories (the 2019 reform).
pub struct Marker {
    /// The marker stands before this category.
    pub before: usize,
    pub label: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
type Drawn = Result<(), Box<dyn std::error::Error>>;

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&INK)
}

fn muted(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&MUTED)
}

fn anchored<'a>(style: TextStyle<'a>, h: HPos, v: VPos) -> TextStyle<'a> {
    style.pos(Pos::new(h, v))
}

/// Pixels a text takes at `size` (plotters' size; the SVG font size is size / 1.24).
fn text_width(text: &str, size: f64) -> i32 {
    (text.width() as f64 * size / 1.24 * 0.55).ceil() as i32
}

/// The pixel of a chart coordinate, relative to `area` (which may be a part of the
/// chart's drawing area).
fn at(area: &Area, chart: &Plot<'_, '_>, c: (f64, f64)) -> (i32, i32) {
    let (x, y) = chart.backend_coord(&c);
    let (bx, by) = area.get_base_pixel();
    (x - bx, y - by)
}

/// A number for an axis or a label, with thousands separators.
pub fn figure(v: f64, decimals: usize) -> String {
    let v = if v.abs() < 0.5 * 10f64.powi(-(decimals as i32)) {
        0.0
    } else {
        v
    };
    grouped(&format!("{v:.decimals$}"))
}

/// Draw into an SVG of `size`, then label the `<svg>` element.
fn svg(
    id: &str,
    class: &str,
    label: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> Drawn,
) -> Result<String, Error> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, size).into_drawing_area();
        let result = root
            .fill(&WHITE)
            .map_err(|e| e.into())
            .and_then(|()| draw(&root))
            .and_then(|()| root.present().map_err(|e| e.into()));
        result.map_err(|e| Error::Write {
            path: format!("<chart {id}>").into(),
            source: std::io::Error::other(e.to_string()),
        })?;
    }
    let attrs = format!(
        "<svg id=\"{id}\" class=\"chart {class}\" role=\"img\" aria-label=\"{}\" font-family=\"{FONT}\" ",
        super::page::escape(label)
    );
    Ok(buf.replacen("<svg ", &attrs, 1))
}

/// A row of legend entries (a swatch and a name each), centred at the top of `area`.
fn legend(area: &Area, entries: &[(String, ShapeStyle)], y: i32) -> Drawn {
    let size = 14.0;
    let widths: Vec<i32> = entries
        .iter()
        .map(|(n, _)| 18 + text_width(n, size) + 22)
        .collect();
    let total: i32 = widths.iter().sum();
    let mut x = (area.dim_in_pixel().0 as i32 - total).max(0) / 2;
    for ((name, style), w) in entries.iter().zip(widths) {
        if style.filled {
            area.draw(&Rectangle::new([(x, y - 6), (x + 12, y + 6)], *style))?;
        } else {
            area.draw(&PathElement::new(vec![(x - 2, y), (x + 14, y)], *style))?;
        }
        area.draw(&Text::new(
            name.clone(),
            (x + 18, y),
            anchored(font(size), HPos::Left, VPos::Center),
        ))?;
        x += w;
    }
    Ok(())
}

/// `c` mixed with white: `share` of the colour, the rest white.
fn tint(c: RGBColor, share: f64) -> RGBColor {
    let mix = |x: u8| (x as f64 * share + 255.0 * (1.0 - share)).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

fn filled(c: RGBColor) -> ShapeStyle {
    c.filled()
}

/// A chart on `area` with `x` and `y` ranges, a light grid and y tick labels.
fn plot<'a, 'b>(
    area: &'a Area<'b>,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
    margins: (i32, i32, i32, i32),
) -> Result<Plot<'a, 'b>, Box<dyn std::error::Error>> {
    let (top, right, bottom, left) = margins;
    let chart = ChartBuilder::on(area)
        .margin_top(top)
        .margin_right(right)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(x, y)?;
    Ok(chart)
}

/// Which axis carries the values (with ticks and a description); the other carries
/// categories, whose labels the caller draws.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Values {
    OnX,
    OnY,
}

/// The grid and tick labels of the value axis, with thousands separators and as many
/// decimals as the range needs.
fn mesh(chart: &mut Plot<'_, '_>, values: Values, desc: &str) -> Drawn {
    let r = match values {
        Values::OnX => chart.x_range(),
        Values::OnY => chart.y_range(),
    };
    let decimals = tick_decimals(r.end - r.start);
    let fmt = move |v: &f64| figure(*v, decimals);
    let mut m = chart.configure_mesh();
    match values {
        Values::OnX => m
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .x_label_formatter(&fmt)
            .x_desc(desc),
        Values::OnY => m
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(8)
            .y_label_formatter(&fmt)
            .y_desc(desc),
    };
    m.label_style(font(13.0))
        .axis_desc_style(muted(13.0))
        .light_line_style(WHITE)
        .bold_line_style(GRID)
        .axis_style(MUTED)
        .draw()?;
    Ok(())
}

/// Category names under the x axis, one per integer x.
fn x_categories(area: &Area, chart: &Plot<'_, '_>, names: &[String], y0: f64) -> Drawn {
    for (i, n) in names.iter().enumerate() {
        let (px, py) = at(area, chart, (i as f64, y0));
        area.draw(&Text::new(
            n.clone(),
            (px, py + 8),
            anchored(font(14.0), HPos::Center, VPos::Top),
        ))?;
    }
    Ok(())
}

/// Category names left of the y axis, one per integer y.
fn y_categories(area: &Area, chart: &Plot<'_, '_>, names: &[String], x0: f64) -> Drawn {
    for (i, n) in names.iter().enumerate() {
        let (px, py) = at(area, chart, (x0, i as f64));
        area.draw(&Text::new(
            n.clone(),
            (px - 8, py),
            anchored(font(13.0), HPos::Right, VPos::Center),
        ))?;
    }
    Ok(())
}

fn marker_line(area: &Area, chart: &Plot<'_, '_>, m: &Marker, y: std::ops::Range<f64>) -> Drawn {
    let x = m.before as f64 - 0.5;
    let (px, top) = at(area, chart, (x, y.end));
    let (_, bottom) = at(area, chart, (x, y.start));
    let style = ShapeStyle::from(&UP_COLOR).stroke_width(2);
    let mut yy = top;
    while yy < bottom {
        area.draw(&PathElement::new(
            vec![(px, yy), (px, (yy + 6).min(bottom))],
            style,
        ))?;
        yy += 10;
    }
    area.draw(&Text::new(
        m.label.clone(),
        (px + 6, top + 4),
        anchored(
            TextStyle::from((FONT, 13.0).into_font()).color(&UP_COLOR),
            HPos::Left,
            VPos::Top,
        ),
    ))?;
    Ok(())
}

/// Decimals for tick labels over a span of `span` with about eight ticks.
fn tick_decimals(span: f64) -> usize {
    if span <= 0.0 {
        return 0;
    }
    let step = span / 8.0;
    (-step.log10().floor()).max(0.0) as usize
}

/// A rounded-up axis end: 1, 2, 2.5 or 5 times a power of ten, at or above `v`.
fn nice_ceiling(v: f64) -> f64 {
    if v <= 0.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// Stacked columns: one column per category, one colour per series, the column's
/// total above it, an optional marker between two categories.
pub fn stacked_columns(
    id: &str,
    label: &str,
    categories: &[String],
    series: &[Series],
    y_desc: &str,
    marker: Option<&Marker>,
) -> Result<String, Error> {
    let n = categories.len();
    let totals: Vec<f64> = (0..n)
        .map(|i| series.iter().map(|s| s.values[i]).sum())
        .collect();
    let top = nice_ceiling(totals.iter().cloned().fold(0.0, f64::max) * 1.1);
    svg(id, "stacked", label, (WIDTH, 440), |root| {
        let entries: Vec<_> = series
            .iter()
            .map(|s| (s.name.clone(), filled(s.color)))
            .collect();
        legend(root, &entries, 16)?;
        let mut chart = plot(root, -0.5..n as f64 - 0.5, 0.0..top, (40, 20, 36, 90))?;
        mesh(&mut chart, Values::OnY, y_desc)?;
        for (i, total) in totals.iter().enumerate() {
            let mut base = 0.0;
            for s in series {
                let v = s.values[i];
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(i as f64 - 0.32, base), (i as f64 + 0.32, base + v)],
                    filled(s.color),
                )))?;
                base += v;
            }
            let (px, py) = at(root, &chart, (i as f64, *total));
            root.draw(&Text::new(
                figure(*total, 1),
                (px, py - 4),
                anchored(font(13.0), HPos::Center, VPos::Bottom),
            ))?;
        }
        x_categories(root, &chart, categories, 0.0)?;
        if let Some(m) = marker {
            marker_line(root, &chart, m, 0.0..top)?;
        }
        Ok(())
    })
}

/// Lines over categories, each point labelled with its value (`decimals` places, then
/// `suffix`), with an optional marker between two categories.
pub fn lines(
    id: &str,
    label: &str,
    categories: &[String],
    series: &[Series],
    y_desc: &str,
    (decimals, suffix): (usize, &str),
    marker: Option<&Marker>,
) -> Result<String, Error> {
    svg(id, "lines", label, (WIDTH, 400), |root| {
        let entries: Vec<_> = series
            .iter()
            .map(|s| (s.name.clone(), filled(s.color)))
            .collect();
        legend(root, &entries, 16)?;
        line_panel(root, categories, series, y_desc, decimals, suffix, marker)
    })
}

fn line_panel(
    area: &Area,
    categories: &[String],
    series: &[Series],
    y_desc: &str,
    decimals: usize,
    suffix: &str,
    marker: Option<&Marker>,
) -> Drawn {
    let n = categories.len();
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().cloned())
        .fold(0.0, f64::max);
    let top = nice_ceiling(max * 1.15);
    let mut chart = plot(area, -0.5..n as f64 - 0.5, 0.0..top, (40, 20, 36, 80))?;
    mesh(&mut chart, Values::OnY, y_desc)?;
    for s in series {
        let points: Vec<(f64, f64)> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v))
            .collect();
        chart.draw_series(LineSeries::new(
            points.clone(),
            ShapeStyle::from(&s.color).stroke_width(3),
        ))?;
        chart.draw_series(points.iter().map(|p| Circle::new(*p, 4, filled(s.color))))?;
        for (i, (x, v)) in points.iter().enumerate() {
            // Below the point when another series is just above it, so labels do not
            // sit on each other.
            let crowded = series.iter().any(|o| {
                let w = o.values[i];
                !std::ptr::eq(o, s) && w >= *v && w - v < top * 0.06
            });
            let (px, py) = at(area, &chart, (*x, *v));
            let (dy, v_pos) = if crowded {
                (8, VPos::Top)
            } else {
                (-8, VPos::Bottom)
            };
            area.draw(&Text::new(
                format!("{}{suffix}", figure(*v, decimals)),
                (px, py + dy),
                anchored(
                    TextStyle::from((FONT, 12.0).into_font()).color(&s.color),
                    HPos::Center,
                    v_pos,
                ),
            ))?;
        }
    }
    x_categories(area, &chart, categories, 0.0)?;
    if let Some(m) = marker {
        marker_line(area, &chart, m, 0.0..top)?;
    }
    Ok(())
}

/// Two line panels side by side in one chart (e.g. CV and Theil by year), with one
/// legend; each panel has its own title and scale.
pub fn line_pair(
    id: &str,
    label: &str,
    categories: &[String],
    panels: [(&str, &[Series]); 2],
    decimals: usize,
) -> Result<String, Error> {
    svg(id, "lines", label, (WIDTH, 380), |root| {
        let entries: Vec<_> = panels[0]
            .1
            .iter()
            .map(|s| (s.name.clone(), filled(s.color)))
            .collect();
        legend(root, &entries, 16)?;
        let (_, body) = root.split_vertically(30);
        let halves = body.split_evenly((1, 2));
        for (area, (title, series)) in halves.iter().zip(panels) {
            area.draw(&Text::new(
                title.to_owned(),
                (area.dim_in_pixel().0 as i32 / 2, 6),
                anchored(font(14.0), HPos::Center, VPos::Top),
            ))?;
            line_panel(area, categories, series, "", decimals, "", None)?;
        }
        Ok(())
    })
}

/// Horizontal bars, one per item, largest at the top, each coloured by its group; an
/// optional reference line (e.g. the city's average) across them.
pub fn sorted_bars(
    id: &str,
    label: &str,
    bars: &[Bar],
    groups: &[(String, RGBColor)],
    x_desc: &str,
    reference: Option<(f64, &str)>,
) -> Result<String, Error> {
    let n = bars.len();
    let max = bars
        .iter()
        .map(|b| b.parts.iter().sum::<f64>())
        .fold(0.0, f64::max);
    let right = nice_ceiling(max * 1.12);
    let height = 90 + bar_pitch(n) * n as u32;
    let left = bars
        .iter()
        .map(|b| text_width(&b.label, 13.0))
        .max()
        .unwrap_or(40)
        + 24;
    svg(id, "bars", label, (WIDTH, height), |root| {
        let mut entries: Vec<_> = groups
            .iter()
            .map(|(n, c)| (n.clone(), filled(*c)))
            .collect();
        if let Some((_, name)) = reference {
            entries.push((name.to_owned(), ShapeStyle::from(&INK).stroke_width(2)));
        }
        legend(root, &entries, 16)?;
        let mut chart = plot(root, 0.0..right, -0.5..n as f64 - 0.5, (36, 40, 40, left))?;
        mesh(&mut chart, Values::OnX, x_desc)?;
        for (i, b) in bars.iter().enumerate() {
            let mut base = 0.0;
            for (v, c) in b.parts.iter().zip(&b.colors) {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(base, i as f64 - 0.36), (base + v, i as f64 + 0.36)],
                    filled(*c),
                )))?;
                base += v;
            }
            if let Some(note) = &b.note {
                let (px, py) = at(root, &chart, (base, i as f64));
                root.draw(&Text::new(
                    note.clone(),
                    (px + 4, py),
                    anchored(font(12.0), HPos::Left, VPos::Center),
                ))?;
            }
        }
        let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
        y_categories(root, &chart, &names, 0.0)?;
        if let Some((x, _)) = reference {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, -0.5), (x, n as f64 - 0.5)],
                ShapeStyle::from(&INK).stroke_width(2),
            )))?;
        }
        Ok(())
    })
}

/// Pixels per bar: roomy for a few bars, tighter for a long list.
fn bar_pitch(n: usize) -> u32 {
    if n <= 10 { 34 } else { 20 }
}

/// The extent of diverging parts: the sum of the negative and of the positive ones.
fn spread(parts: &[f64]) -> (f64, f64) {
    let neg: f64 = parts.iter().filter(|v| **v < 0.0).sum();
    let pos: f64 = parts.iter().filter(|v| **v > 0.0).sum();
    (neg, pos)
}

/// A symmetric axis around zero that holds every bar.
fn symmetric(bars: impl Iterator<Item = (f64, f64)>) -> f64 {
    let m = bars.fold(0.0f64, |m, (lo, hi)| m.max(-lo).max(hi));
    nice_ceiling(m * 1.15)
}

/// Diverging columns: for each category, one column per series from zero up or down
/// (B − A by year and level).
pub fn diverging_columns(
    id: &str,
    label: &str,
    categories: &[String],
    series: &[Series],
    y_desc: &str,
) -> Result<String, Error> {
    let n = categories.len();
    let k = series.len().max(1);
    let m = symmetric(
        series
            .iter()
            .flat_map(|s| s.values.iter().map(|v| (v.min(0.0), v.max(0.0)))),
    );
    svg(id, "diverging", label, (WIDTH, 440), |root| {
        let entries: Vec<_> = series
            .iter()
            .map(|s| (s.name.clone(), filled(s.color)))
            .collect();
        legend(root, &entries, 16)?;
        let mut chart = plot(root, -0.5..n as f64 - 0.5, -m..m, (40, 20, 36, 90))?;
        mesh(&mut chart, Values::OnY, y_desc)?;
        let w = 0.8 / k as f64;
        for i in 0..n {
            for (j, s) in series.iter().enumerate() {
                let x0 = i as f64 - 0.4 + j as f64 * w;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x0 + 0.01, 0.0), (x0 + w - 0.01, s.values[i])],
                    filled(s.color),
                )))?;
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
            ShapeStyle::from(&INK).stroke_width(1),
        )))?;
        x_categories(root, &chart, categories, -m)?;
        Ok(())
    })
}

/// Diverging horizontal bars: one bar per item, its parts stacked left of zero
/// (negative) and right of zero (positive), a tick at the item's net change.
pub fn diverging_bars(
    id: &str,
    label: &str,
    bars: &[Bar],
    legend_entries: &[(String, RGBColor)],
    x_desc: &str,
) -> Result<String, Error> {
    let n = bars.len();
    let m = symmetric(bars.iter().map(|b| spread(&b.parts)));
    let left = bars
        .iter()
        .map(|b| text_width(&b.label, 13.0))
        .max()
        .unwrap_or(40)
        + 24;
    let height = 90 + bar_pitch(n) * n as u32;
    svg(id, "diverging", label, (WIDTH, height), |root| {
        let mut entries: Vec<_> = legend_entries
            .iter()
            .map(|(n, c)| (n.clone(), filled(*c)))
            .collect();
        entries.push(("净变化 net".to_owned(), filled(INK)));
        legend(root, &entries, 16)?;
        let mut chart = plot(root, -m..m, -0.5..n as f64 - 0.5, (36, 30, 40, left))?;
        mesh(&mut chart, Values::OnX, x_desc)?;
        for (i, b) in bars.iter().enumerate() {
            let (mut neg, mut pos) = (0.0, 0.0);
            for (v, c) in b.parts.iter().zip(&b.colors) {
                let (from, to) = if *v < 0.0 {
                    neg += v;
                    (neg - v, neg)
                } else {
                    pos += v;
                    (pos - v, pos)
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(from, i as f64 - 0.34), (to, i as f64 + 0.34)],
                    filled(*c),
                )))?;
            }
            if b.parts.is_empty() {
                continue;
            }
            let net: f64 = b.parts.iter().sum();
            chart.draw_series(std::iter::once(Rectangle::new(
                [(net, i as f64 - 0.42), (net, i as f64 + 0.42)],
                ShapeStyle::from(&INK).stroke_width(3),
            )))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            ShapeStyle::from(&INK).stroke_width(1),
        )))?;
        let names: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
        y_categories(root, &chart, &names, -m)?;
        Ok(())
    })
}

/// A tornado: one bar per axis, largest swing at the top, from the metric's low to its
/// high around the base run (zero), each half coloured by the axis end that gives it.
pub fn tornado(id: &str, label: &str, rows: &[TornadoRow], x_desc: &str) -> Result<String, Error> {
    let n = rows.len();
    let m = symmetric(rows.iter().map(|r| (r.low.min(0.0), r.high.max(0.0))));
    let left = rows
        .iter()
        .map(|r| text_width(&r.axis, 12.0))
        .max()
        .unwrap_or(40)
        + 20;
    let height = 110 + 34 * n as u32;
    svg(id, "tornado", label, (WIDTH, height), |root| {
        legend(
            root,
            &[
                (
                    "参数取低值 axis at its low end".to_owned(),
                    filled(DOWN_COLOR),
                ),
                (
                    "参数取高值 axis at its high end".to_owned(),
                    filled(UP_COLOR),
                ),
            ],
            16,
        )?;
        let mut chart = plot(root, -m..m, -0.5..n as f64 - 0.5, (36, 60, 40, left))?;
        mesh(&mut chart, Values::OnX, x_desc)?;
        for (k, r) in rows.iter().enumerate() {
            let i = (n - 1 - k) as f64;
            let (low_color, high_color) = if r.rising {
                (DOWN_COLOR, UP_COLOR)
            } else {
                (UP_COLOR, DOWN_COLOR)
            };
            for (from, to, c) in [(r.low, 0.0, low_color), (0.0, r.high, high_color)] {
                if from != to {
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(from, i - 0.32), (to, i + 0.32)],
                        filled(c),
                    )))?;
                }
            }
            let (lx, py) = at(root, &chart, (r.low.min(0.0), i));
            let (hx, _) = at(root, &chart, (r.high.max(0.0), i));
            root.draw(&Text::new(
                r.at_low.clone(),
                (lx - 4, py),
                anchored(muted(12.0), HPos::Right, VPos::Center),
            ))?;
            root.draw(&Text::new(
                r.at_high.clone(),
                (hx + 4, py),
                anchored(muted(12.0), HPos::Left, VPos::Center),
            ))?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.5), (0.0, n as f64 - 0.5)],
            ShapeStyle::from(&INK).stroke_width(1),
        )))?;
        let names: Vec<String> = rows.iter().rev().map(|r| r.axis.clone()).collect();
        for (i, name) in names.iter().enumerate() {
            let (px, py) = at(root, &chart, (-m, i as f64));
            root.draw(&Text::new(
                name.clone(),
                (px - 8, py),
                anchored(font(12.0), HPos::Right, VPos::Center),
            ))?;
        }
        Ok(())
    })
}

/// Percentile bands in small panels (one per series): the P10-P90 range shaded, the
/// median as a line and the base run dashed, over the categories.
pub fn bands(
    id: &str,
    label: &str,
    categories: &[String],
    panels: &[Band],
    y_desc: &str,
) -> Result<String, Error> {
    let cols = 3usize;
    let rows = panels.len().div_ceil(cols).max(1);
    let height = 50 + 300 * rows as u32;
    svg(id, "band", label, (WIDTH, height), |root| {
        legend(
            root,
            &[
                ("P10–P90".to_owned(), filled(RGBColor(0xBB, 0xBB, 0xBB))),
                (
                    "中位数 P50".to_owned(),
                    ShapeStyle::from(&INK).stroke_width(3),
                ),
                (
                    "基准 base run".to_owned(),
                    ShapeStyle::from(&MUTED).stroke_width(1),
                ),
            ],
            16,
        )?;
        let (_, body) = root.split_vertically(34);
        let areas = body.split_evenly((rows, cols));
        let n = categories.len();
        for (area, p) in areas.iter().zip(panels) {
            let lo = p
                .p10
                .iter()
                .chain(&p.base)
                .cloned()
                .fold(f64::INFINITY, f64::min);
            let hi = p
                .p90
                .iter()
                .chain(&p.base)
                .cloned()
                .fold(f64::NEG_INFINITY, f64::max);
            let pad = ((hi - lo) * 0.15).max(hi.abs() * 0.01).max(1e-9);
            area.draw(&Text::new(
                p.name.clone(),
                (area.dim_in_pixel().0 as i32 / 2, 4),
                anchored(font(14.0), HPos::Center, VPos::Top),
            ))?;
            let mut chart = plot(
                area,
                -0.5..n as f64 - 0.5,
                (lo - pad)..(hi + pad),
                (28, 12, 30, 70),
            )?;
            mesh(&mut chart, Values::OnY, y_desc)?;
            let band: Vec<(f64, f64)> = (0..n)
                .map(|i| (i as f64, p.p90[i]))
                .chain((0..n).rev().map(|i| (i as f64, p.p10[i])))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(
                band,
                filled(tint(p.color, 0.3)),
            )))?;
            let line = |v: &[f64]| -> Vec<(f64, f64)> {
                v.iter().enumerate().map(|(i, y)| (i as f64, *y)).collect()
            };
            chart.draw_series(LineSeries::new(
                line(&p.p50),
                ShapeStyle::from(&p.color).stroke_width(3),
            ))?;
            chart.draw_series(DashedLineSeries::new(
                line(&p.base),
                6,
                4,
                ShapeStyle::from(&MUTED).stroke_width(1),
            ))?;
            x_categories(area, &chart, categories, lo - pad)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ends_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(1.3), 1.5);
        assert_eq!(nice_ceiling(176.0), 200.0);
        assert_eq!(nice_ceiling(515.0), 600.0);
        assert_eq!(nice_ceiling(2100.0), 2500.0);
        assert_eq!(nice_ceiling(0.031), 0.04);
        assert_eq!(tick_decimals(200.0), 0);
        assert_eq!(tick_decimals(0.2), 2);
        assert_eq!(tick_decimals(0.015), 3);
    }

    #[test]
    fn long_lists_keep_both_ends() {
        let bars = |n: usize| -> Vec<Bar> {
            (0..n)
                .map(|i| Bar {
                    label: i.to_string(),
                    parts: vec![i as f64],
                    colors: vec![UP_COLOR],
                    note: None,
                })
                .collect()
        };
        let (b, skipped) = ends(bars(11), 5);
        assert_eq!((b.len(), skipped), (11, 0));
        let (b, skipped) = ends(bars(100), 5);
        assert_eq!((b.len(), skipped), (11, 90));
        assert_eq!(b[4].label, "4");
        assert!(b[5].parts.is_empty() && b[5].label.contains("90"));
        assert_eq!(b[6].label, "95");
    }

    #[test]
    fn figures_have_separators_and_no_negative_zero() {
        assert_eq!(figure(1234567.891, 1), "1,234,567.9");
        assert_eq!(figure(-0.0001, 2), "0.00");
        assert_eq!(figure(-12345.0, 0), "-12,345");
    }

    #[test]
    fn a_chart_is_an_svg_with_its_id_class_and_chinese_text() {
        let svg = stacked_columns(
            "chart-test",
            "测试 test",
            &["2016".into(), "2017".into()],
            &[Series {
                name: "中央 central".into(),
                color: LEVEL_COLORS[0],
                values: vec![1.0, 2.0],
            }],
            "亿元",
            Some(&Marker {
                before: 1,
                label: "改革 reform".into(),
            }),
        )
        .unwrap();
        assert!(
            svg.starts_with("<svg id=\"chart-test\" class=\"chart stacked\""),
            "{}",
            &svg[..200]
        );
        assert!(svg.contains(">中央 central<") || svg.contains("中央 central"));
        assert!(svg.contains("改革 reform"));
        assert_eq!(svg.matches("<svg").count(), 1);
    }
}
