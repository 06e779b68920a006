//! The report of a sweep: which axis moves each metric most (a tornado per metric,
//! from `summary.csv`), and the spread of every level's total over the points, year by
//! year (the P10-P90 band, computed from `points.csv`).
//!
//! Percentiles are exact nearest-rank, as `fendan sweep` computes them for
//! `summary.csv`: the k-th smallest value with k = ⌈p·n/100⌉. The points' level totals
//! are held in memory (8 bytes per value); past [`BAND_MEMORY`] the report uses the
//! sweep's own P10/P50/P90 from `summary.csv` (sampled designs) or says why there is no band.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::charts::{self, Band, TornadoRow};
use super::files::{Listed, each_record, verify};
use super::page::{self, Align, Table, wan};
use super::run::year_labels;
use crate::error::{Error, Location, Result};
use crate::money::parse_yuan;

/// The largest memory the band's values may take before the summary's are used.
pub const BAND_MEMORY: u64 = 2 << 30;

/// The level totals a sweep records, in the order the report shows them.
const LEVEL_METRICS: [(&str, &str); 5] = [
    ("central", "中央"),
    ("province", "省"),
    ("city", "市"),
    ("county", "县(市、区)"),
    ("total", "合计"),
];

#[derive(Debug, Clone, Deserialize)]
struct SweepManifest {
    fendan_version: String,
    sweep: Named,
    base: Named,
    years: [i32; 2],
    points: u64,
    #[serde(default)]
    sampling: serde_json::Value,
    #[serde(default)]
    metrics: Vec<String>,
    #[serde(default)]
    axes: Vec<serde_json::Value>,
    outputs: Vec<Listed>,
}

#[derive(Debug, Clone, Deserialize)]
struct Named {
    name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    file: String,
}

/// One row of `summary.csv`.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub metric: String,
    pub axis: String,
    pub base: Decimal,
    pub low: Decimal,
    pub high: Decimal,
    pub swing: Decimal,
    pub at_low: String,
    pub at_high: String,
    pub p: Option<[Decimal; 3]>,
}

/// Where the band's percentiles come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BandSource {
    Points,
    Summary,
}

/// P10, P50 and P90 of each level total per year, whole fen: `[level][year]`.
#[derive(Debug, Clone)]
pub struct Percentiles {
    pub source: BandSource,
    pub values: Vec<Vec<[i64; 3]>>,
}

/// A sweep's output folder, verified and read.
pub struct SweepFolder {
    pub dir: PathBuf,
    meta: SweepManifest,
    pub summary: Vec<SummaryRow>,
    /// `None` with the reason when no band can be drawn.
    pub band: std::result::Result<Percentiles, String>,
}

fn years_of(meta: &SweepManifest) -> Vec<i32> {
    (meta.years[0]..=meta.years[1]).collect()
}

/// Exact nearest-rank percentiles of `values` (reordered): P10, P50, P90.
pub fn nearest_rank(values: &mut [i64]) -> Option<[i64; 3]> {
    let n = values.len() as u64;
    if n == 0 {
        return None;
    }
    Some([10u64, 50, 90].map(|p| {
        let k = (p * n).div_ceil(100).max(1) as usize;
        *values.select_nth_unstable(k - 1).1
    }))
}

impl SweepFolder {
    pub fn open(dir: &Path, manifest_text: &str) -> Result<SweepFolder> {
        let mfile = dir.join("manifest.json").display().to_string();
        let meta: SweepManifest = serde_json::from_str(manifest_text).map_err(|e| {
            Error::input(
                Location::in_text(&mfile, manifest_text, e.line(), e.column()),
                format!("{mfile} is not a sweep's manifest: {e}"),
            )
        })?;
        let files = verify(dir, &meta.outputs, &["summary.csv"])?;
        let shown = dir.join("summary.csv").display().to_string();
        let mut summary = Vec::new();
        let want = [
            "metric", "axis", "base", "low", "high", "swing", "at_low", "at_high", "p10", "p50",
            "p90",
        ];
        each_record(&shown, &files["summary.csv"], &want, |r| {
            let d = |k| r.decimal(k).map(Option::unwrap_or_default);
            let p = match (r.decimal(8)?, r.decimal(9)?, r.decimal(10)?) {
                (Some(a), Some(b), Some(c)) => Some([a, b, c]),
                _ => None,
            };
            summary.push(SummaryRow {
                metric: r.text(0).to_owned(),
                axis: r.text(1).to_owned(),
                base: d(2)?,
                low: d(3)?,
                high: d(4)?,
                swing: d(5)?,
                at_low: r.text(6).to_owned(),
                at_high: r.text(7).to_owned(),
                p,
            });
            Ok(())
        })?;
        let mut folder = SweepFolder {
            dir: dir.to_owned(),
            meta,
            summary,
            band: Err(String::new()),
        };
        folder.band = folder.percentiles()?;
        Ok(folder)
    }

    fn years(&self) -> Vec<i32> {
        years_of(&self.meta)
    }

    /// The band from `points.csv` when it fits in memory, else from the summary.
    fn percentiles(&self) -> Result<std::result::Result<Percentiles, String>> {
        let years = self.years();
        let names: Vec<String> = LEVEL_METRICS
            .iter()
            .flat_map(|(l, _)| years.iter().map(move |y| format!("{l}_{y}")))
            .collect();
        if !self.meta.metrics.iter().any(|m| m == "level_totals") {
            return Ok(Err(
                "这次扫描未记录各级合计（metrics 中没有 level_totals）。 The sweep did not record level_totals, so there is no band.".into(),
            ));
        }
        let csv = self.meta.outputs.iter().any(|o| o.name == "points.csv");
        let fits = self.meta.points.saturating_mul(names.len() as u64 * 8) <= BAND_MEMORY;
        if csv && fits {
            let path = self.dir.join("points.csv");
            let shown = path.display().to_string();
            let bytes = std::fs::read(&path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let want: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut cols: Vec<Vec<i64>> =
                vec![Vec::with_capacity(self.meta.points as usize); names.len()];
            each_record(&shown, &bytes, &want, |r| {
                for (k, c) in cols.iter_mut().enumerate() {
                    c.push(r.fen(k)?);
                }
                Ok(())
            })?;
            let mut values = Vec::new();
            for chunk in cols.chunks_mut(years.len()) {
                values.push(
                    chunk
                        .iter_mut()
                        .map(|c| nearest_rank(c).unwrap_or([0; 3]))
                        .collect(),
                );
            }
            return Ok(Ok(Percentiles {
                source: BandSource::Points,
                values,
            }));
        }
        // The sweep's own exact percentiles, for sampled designs.
        let mut values = Vec::new();
        for (l, _) in LEVEL_METRICS {
            let mut per_year = Vec::new();
            for y in &years {
                let row = self
                    .summary
                    .iter()
                    .find(|r| r.metric == format!("{l}_{y}") && r.axis == "*");
                let Some([a, b, c]) = row.and_then(|r| r.p) else {
                    return Ok(Err(format!(
                        "{} 个点超出报告可在内存中排序的范围，且 summary.csv 没有分位数（网格设计）。 The sweep's {} points are too many to sort in memory and summary.csv has no percentiles (a grid design).",
                        self.meta.points, self.meta.points
                    )));
                };
                per_year.push([a, b, c].map(|d| parse_yuan(&d.to_string()).unwrap_or(0)));
            }
            values.push(per_year);
        }
        Ok(Ok(Percentiles {
            source: BandSource::Summary,
            values,
        }))
    }

    /// The base run's value of a metric (the summary's `*` row).
    fn base(&self, metric: &str) -> Option<Decimal> {
        self.summary
            .iter()
            .find(|r| r.metric == metric && r.axis == "*")
            .map(|r| r.base)
    }
}

fn to_f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// What an axis of the manifest varies, in a few words.
fn describe_axis(a: &serde_json::Value) -> String {
    let s = |k: &str| {
        a.get(k).and_then(|v| {
            v.as_str()
                .map(str::to_owned)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        })
    };
    let mut parts = Vec::new();
    if let Some(d) = a.get("distribution") {
        let g = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_owned();
        parts.push(format!("{} {}–{}", g("kind"), g("min"), g("max")));
    } else if let Some(r) = a.get("range") {
        let g = |k: &str| {
            r.get(k)
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
                .unwrap_or_default()
        };
        parts.push(format!(
            "{} 个值 values from {} by {}",
            g("count"),
            g("start"),
            g("step")
        ));
    } else if let Some(n) = s("values") {
        parts.push(format!("{n} 个列举值 listed values"));
    }
    if s("mode").as_deref() == Some("scale") {
        parts.push("乘数 scales the value".into());
    }
    match (s("from"), s("until")) {
        (Some(f), Some(u)) => parts.push(format!("{f} – {u}")),
        (Some(f), None) => parts.push(format!("自 from {f}")),
        (None, Some(u)) => parts.push(format!("至 until {u}")),
        (None, None) => {}
    }
    parts.join("; ")
}

fn header(sw: &SweepFolder) -> String {
    let m = &sw.meta;
    let design = m
        .sampling
        .get("design")
        .and_then(|v| v.as_str())
        .unwrap_or("?")
        .to_owned();
    let mut s = format!(
        "<header>\n<h1>参数扫描：敏感性 <span class=\"en\">Sweep: how sensitive is each level's burden, {}-{}</span></h1>\n",
        m.years[0], m.years[1]
    );
    s.push_str(&page::para(
        "lede",
        &format!("扫描 sweep `{}`: {}", m.sweep.name, m.sweep.title),
    ));
    s.push_str(&page::facts(&[
        (
            "基准情景",
            "base scenario",
            format!("{} ({})", m.base.name, m.base.file),
        ),
        (
            "设计",
            "design",
            format!(
                "{design}, {} 个点 points",
                crate::money::grouped(&m.points.to_string())
            ),
        ),
        ("指标", "metrics", m.metrics.join(", ")),
        ("文件", "sweep file", m.sweep.file.clone()),
    ]));
    let mut t = Table::new(&[
        ("参数轴", "axis", Align::Code),
        ("取值", "values", Align::Text),
    ]);
    for a in &m.axes {
        let name = a.get("name").and_then(|v| v.as_str()).unwrap_or("?");
        t.row(vec![name.to_owned(), describe_axis(a)]);
    }
    s.push_str(&t.html("axes"));
    s.push_str("</header>\n");
    s
}

/// A metric's Chinese and English name: `county_2020` → (县(市、区) 2020, county 2020).
fn metric_name(metric: &str) -> (String, String) {
    let (stem, year) = metric.rsplit_once('_').unwrap_or((metric, ""));
    let zh = LEVEL_METRICS
        .iter()
        .find(|(k, _)| *k == stem)
        .map(|(_, z)| format!("{z}支出"))
        .unwrap_or_else(|| match stem {
            "cv" => "变异系数 CV".to_owned(),
            "theil" => "泰尔指数 Theil".to_owned(),
            other => other.to_owned(),
        });
    (format!("{zh} {year}"), format!("{stem} {year}"))
}

fn tornado_section(sw: &SweepFolder, year: i32) -> Result<String> {
    let mut metrics: Vec<String> = LEVEL_METRICS
        .iter()
        .map(|(l, _)| format!("{l}_{year}"))
        .collect();
    metrics.extend([format!("cv_{year}"), format!("theil_{year}")]);
    let mut s = page::para(
        "",
        &format!(
            "每个参数轴单独取其最低与最高值（其余参数保持基准值）时，{year} 年各指标相对基准情景的变化；条越长影响越大。 Each axis alone at its lowest and highest value, the others at the base: how far each {year} metric moves from the base run. Longest bar first.",
        ),
    );
    let mut drawn = 0;
    for metric in &metrics {
        let rows: Vec<&SummaryRow> = sw
            .summary
            .iter()
            .filter(|r| &r.metric == metric && r.axis != "*")
            .collect();
        if rows.is_empty() {
            continue;
        }
        let money = !metric.starts_with("cv_") && !metric.starts_with("theil_");
        let max_swing = rows.iter().map(|r| r.swing).max().unwrap_or_default();
        let (div, unit) = if !money {
            (Decimal::ONE, "")
        } else if max_swing >= Decimal::from(100_000_000) {
            (Decimal::from(100_000_000), "亿元 (100 million yuan)")
        } else {
            (Decimal::from(10_000), "万元 (10,000 yuan)")
        };
        let trows: Vec<TornadoRow> = rows
            .iter()
            .map(|r| {
                let rising = match (r.at_low.parse::<f64>(), r.at_high.parse::<f64>()) {
                    (Ok(a), Ok(b)) => a <= b,
                    _ => r.at_low <= r.at_high,
                };
                TornadoRow {
                    axis: r.axis.clone(),
                    low: to_f((r.low - r.base) / div),
                    high: to_f((r.high - r.base) / div),
                    at_low: r.at_low.clone(),
                    at_high: r.at_high.clone(),
                    rising,
                }
            })
            .collect();
        let (zh, en) = metric_name(metric);
        let base = rows[0].base;
        let base_text = if money {
            format!(
                "基准 base {} 万元",
                wan(parse_yuan(&base.to_string()).unwrap_or(0))
            )
        } else {
            format!("基准 base {base}")
        };
        let id = format!("chart-tornado-{}", metric.replace('_', "-"));
        let x_desc = if money {
            format!("相对基准的变化 change from the base, {unit}")
        } else {
            "相对基准的变化 change from the base".to_owned()
        };
        let svg = charts::tornado(&id, &format!("{zh} tornado"), &trows, &x_desc)?;
        s.push_str(&page::figure(&format!("{zh}（{base_text}）"), &en, &svg));
        drawn += 1;
    }
    if drawn == 0 {
        s.push_str(&page::para(
            "note",
            &format!(
                "{year} 年没有任何参数轴改变这些指标。 No axis moves these metrics in {year}."
            ),
        ));
    }
    s.push_str(&swing_table(sw));
    Ok(page::section(
        "tornado",
        "一、各参数的影响（龙卷风图）",
        "What moves each metric: tornado charts",
        true,
        &s,
    ))
}

/// The swing of the total per axis and year, in 万元.
fn swing_table(sw: &SweepFolder) -> String {
    let years = sw.years();
    let mut axes: Vec<String> = Vec::new();
    for r in sw
        .summary
        .iter()
        .filter(|r| r.metric.starts_with("total_") && r.axis != "*")
    {
        if !axes.contains(&r.axis) {
            axes.push(r.axis.clone());
        }
    }
    if axes.is_empty() {
        return String::new();
    }
    let names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
    let mut head: Vec<(&str, &str, Align)> = vec![("参数轴", "axis", Align::Code)];
    for n in &names {
        head.push((n.as_str(), "", Align::Num));
    }
    let mut t = Table::new(&head);
    for a in &axes {
        let mut row = vec![a.clone()];
        for y in &years {
            let swing = sw
                .summary
                .iter()
                .find(|r| r.metric == format!("total_{y}") && &r.axis == a)
                .map_or(0, |r| parse_yuan(&r.swing.to_string()).unwrap_or(0));
            row.push(wan(swing));
        }
        t.row(row);
    }
    format!(
        "<h3>{}</h3>\n{}",
        page::bilingual(
            "各参数对四级合计的影响幅度（万元）",
            "Swing of the all-level total per axis and year, 10,000 yuan"
        ),
        t.html("swings")
    )
}

fn band_section(sw: &SweepFolder) -> Result<String> {
    let years = sw.years();
    let mut s = String::new();
    match &sw.band {
        Err(why) => s.push_str(&page::para("note", why)),
        Ok(p) => {
            let panels: Vec<Band> = LEVEL_METRICS
                .iter()
                .enumerate()
                .map(|(li, (l, zh))| {
                    let color = if li < 4 {
                        charts::LEVEL_COLORS[li]
                    } else {
                        charts::TOTAL_COLOR
                    };
                    let pick = |t: usize| p.values[li].iter().map(|v| page::yi(v[t])).collect();
                    Band {
                        name: format!("{zh} {l}"),
                        color,
                        p10: pick(0),
                        p50: pick(1),
                        p90: pick(2),
                        base: years
                            .iter()
                            .map(|y| sw.base(&format!("{l}_{y}")).map_or(0.0, |b| to_f(b) / 1e8))
                            .collect(),
                    }
                })
                .collect();
            let svg = charts::bands(
                "chart-band",
                "P10-P90 各级合计 band by year",
                &year_labels(&years),
                &panels,
                "亿元",
            )?;
            s.push_str(&page::figure(
                "各级合计的 P10–P90 区间（亿元）",
                "P10-P90 band of each level's total by year, 100 million yuan",
                &svg,
            ));
            s.push_str(&page::para(
                "note",
                match p.source {
                    BandSource::Points => "由 points.csv 逐年计算的最近秩分位数（与 fendan sweep 的算法相同）。 Nearest-rank percentiles computed from points.csv, year by year (as fendan sweep computes them).",
                    BandSource::Summary => "分位数取自 summary.csv（点数过多，未在内存中重新排序）。 Percentiles from summary.csv: too many points to sort again in memory.",
                },
            ));
            let names: Vec<String> = years.iter().map(|y| y.to_string()).collect();
            let mut head: Vec<(&str, &str, Align)> = vec![("层级", "level", Align::Tag)];
            for n in &names {
                head.push((n.as_str(), "P10 – P90", Align::Num));
            }
            let mut t = Table::new(&head);
            for (li, (l, zh)) in LEVEL_METRICS.iter().enumerate() {
                let mut row = vec![format!("{zh} {l}")];
                row.extend(
                    p.values[li]
                        .iter()
                        .map(|[a, _, c]| format!("{} – {}", wan(*a), wan(*c))),
                );
                t.row(row);
            }
            s.push_str(&page::para(
                "note",
                "万元；每格为该年 P10 – P90。 10,000 yuan; each cell is the year's P10 – P90 (P50 in the chart).",
            ));
            s.push_str(&t.html("band"));
        }
    }
    Ok(page::section(
        "band",
        "二、各级合计的分布",
        "The spread of each level's total: P10-P90 by year",
        false,
        &s,
    ))
}

/// The whole report of a sweep; the tornado charts are for `year` (default: the last).
pub fn render(sw: &SweepFolder, year: Option<i32>) -> Result<String> {
    let years = sw.years();
    let year = match year {
        None => sw.meta.years[1],
        Some(y) if years.contains(&y) => y,
        Some(y) => {
            return Err(Error::Usage(format!(
                "--year {y} is outside the sweep's years {}-{}",
                sw.meta.years[0], sw.meta.years[1]
            )));
        }
    };
    let mut body = header(sw);
    body.push_str(&tornado_section(sw, year)?);
    body.push_str(&band_section(sw)?);
    body.push_str(&page::footer(
        &sw.meta.fendan_version,
        &format!("扫描 sweep {}", sw.meta.sweep.name),
        &sw.dir,
    ));
    Ok(page::document(
        &format!(
            "参数扫描报告 — {} ({}-{})",
            sw.meta.sweep.name, sw.meta.years[0], sw.meta.years[1]
        ),
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_kth_smallest() {
        // why: n = 10, P10 → k = 1, P50 → k = 5, P90 → k = 9 (1-based ranks).
        let mut v: Vec<i64> = (1..=10).rev().collect();
        assert_eq!(nearest_rank(&mut v), Some([1, 5, 9]));
        // why: n = 3, P10 → ⌈0.3⌉ = 1, P50 → ⌈1.5⌉ = 2, P90 → ⌈2.7⌉ = 3.
        assert_eq!(nearest_rank(&mut [30, 10, 20]), Some([10, 20, 30]));
        assert_eq!(nearest_rank(&mut [7]), Some([7, 7, 7]));
        assert_eq!(nearest_rank(&mut []), None);
    }

    #[test]
    fn metric_names_are_bilingual() {
        assert_eq!(
            metric_name("county_2020"),
            ("县(市、区)支出 2020".to_owned(), "county 2020".to_owned())
        );
        assert_eq!(metric_name("cv_2019").1, "cv 2019");
    }
}
