//! The report's charts: inline SVG drawn with plotters' SVG backend.
//!
//! Each function draws one kind of chart — stacked columns and lines here, sorted and
//! diverging bars in `bars`, a tornado and percentile bands in `spread` — and returns
//! the `<svg>` element with an `id` and `class="chart …"`, so a test (or a browser) can
//! find each chart. Text
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

mod bars;
mod spread;

pub use bars::{Bar, diverging_bars, diverging_columns, ends, sorted_bars};
pub use spread::{Band, TornadoRow, bands, tornado};

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
