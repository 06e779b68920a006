//! Bar charts of units and of differences: sorted bars (outlay per head by unit, by
//! domain), diverging columns and bars (B − A), and the two ends of a long list.

use super::*;

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
pub(super) fn symmetric(bars: impl Iterator<Item = (f64, f64)>) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
