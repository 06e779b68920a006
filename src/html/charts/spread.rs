//! The charts of a sweep: a tornado per metric and percentile bands by year.

use super::bars::symmetric;
use super::*;

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
