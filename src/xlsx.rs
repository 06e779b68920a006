//! Excel workbooks for budget officers (cargo feature `xlsx`, on by default).
//!
//! A run's workbook opens on 报告 (see `xlsx/director.rs`): the totals in the chosen
//! display unit, with charts, ready to print for a director. The data sheets follow;
//! the 12,500-row detail sheet 明细 only when asked for, so the workbook opens fast.
//!
//! Each data sheet is one of the published CSV tables, cell for cell: the same rows, with
//! numbers stored as numbers (amounts in yuan, format `#,##0.00`), two header rows — the
//! Chinese label, and beneath it the CSV column name — frozen above the data, a filter
//! on the second header row, and columns as wide as their contents (a Chinese character
//! counts two). The workbook's creation date is fixed, so the same run gives the same
//! bytes.

use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError,
};
use unicode_width::UnicodeWidthStr;

mod director;
mod reconcile;

pub use director::SHEET as REPORT_SHEET;
pub use reconcile::{RECONCILE_SHEETS, reconcile};

use crate::compare::{Comparison, Dim, Row};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::money::Scale;
use crate::report::{CsvStyle, UTF8_BOM};
use crate::scenario::Scenario;

/// How a column is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// A number shown as is: years, service numbers, months.
    Id,
    /// Persons, households, places: `#,##0`.
    Count,
    /// Yuan: `#,##0.00`.
    Money,
    /// A number with this many decimals.
    Fixed(usize),
    /// A number in Excel's general format.
    Number,
}

/// Every column the CSV tables have: (CSV name, Chinese label, kind).
const COLUMNS: &[(&str, &str, Kind)] = &[
    ("year", "年度", Kind::Id),
    ("level", "层级", Kind::Text),
    ("unit_code", "单位代码", Kind::Text),
    ("unit_name", "单位名称", Kind::Text),
    ("unit_name_en", "单位英文名", Kind::Text),
    ("kind", "单位类型", Kind::Text),
    ("fiscal_class", "财政体制类别", Kind::Text),
    ("population", "常住人口", Kind::Count),
    ("service_id", "序号", Kind::Id),
    ("service_name", "服务项目", Kind::Text),
    ("service_name_en", "服务项目英文名", Kind::Text),
    ("domain", "领域", Kind::Text),
    ("domain_zh", "领域名称", Kind::Text),
    ("component", "子项", Kind::Text),
    ("component_name", "子项名称", Kind::Text),
    ("budget_class", "预算科目", Kind::Text),
    ("headcount", "服务对象数", Kind::Count),
    ("coverage", "覆盖率", Kind::Fixed(4)),
    ("standard_yuan_per_year", "年标准(元)", Kind::Money),
    ("total", "合计(元)", Kind::Money),
    ("central", "中央(元)", Kind::Money),
    ("province", "省级(元)", Kind::Money),
    ("city", "市级(元)", Kind::Money),
    ("county", "县级(元)", Kind::Money),
    ("cohort", "人群", Kind::Text),
    ("months", "月数", Kind::Id),
    ("split_rule", "分担规则", Kind::Text),
    ("per_capita", "人均支出(元)", Kind::Money),
    ("measure", "口径", Kind::Text),
    ("units", "单位数", Kind::Id),
    ("min_per_capita", "人均最低(元)", Kind::Money),
    ("max_per_capita", "人均最高(元)", Kind::Money),
    ("max_min_ratio", "最高/最低", Kind::Fixed(4)),
    ("cv", "变异系数", Kind::Fixed(6)),
    ("theil", "泰尔指数", Kind::Fixed(6)),
    ("districts_per_capita", "市辖区人均(元)", Kind::Money),
    ("counties_per_capita", "县(市)人均(元)", Kind::Money),
    ("counties_to_districts", "县/区人均比", Kind::Fixed(4)),
    ("a", "A 方案(元)", Kind::Money),
    ("b", "B 方案(元)", Kind::Money),
    ("diff", "差额 B−A(元)", Kind::Money),
    ("pct", "差异率(%)", Kind::Fixed(2)),
    ("years", "年度范围", Kind::Text),
    ("path", "参数路径", Kind::Text),
    ("from", "起始日期", Kind::Text),
    ("value", "数值", Kind::Number),
    ("unit", "计量单位", Kind::Text),
    ("source", "来源", Kind::Text),
    ("assumption", "假设依据", Kind::Text),
    ("defined_at", "定义位置", Kind::Text),
    ("overridden_at", "情景修改位置", Kind::Text),
    ("category", "类别", Kind::Text),
    ("item", "项目", Kind::Text),
    ("in_a", "A 方案", Kind::Text),
    ("in_b", "B 方案", Kind::Text),
    // capacity.csv, capacity_summary.csv and the capacity columns of by_unit.csv
    ("county_outlay", "县级支出(元)", Kind::Money),
    ("own_revenue", "一般公共预算收入(元)", Kind::Money),
    ("burden_share", "县级支出/本级收入", Kind::Fixed(4)),
    ("county_per_head", "县级人均支出(元)", Kind::Money),
    ("revenue_per_head", "人均本级收入(元)", Kind::Money),
    ("threshold", "负担门槛", Kind::Fixed(4)),
    ("ceiling", "可承受上限(元)", Kind::Money),
    ("transfer_need", "所需转移支付(元)", Kind::Money),
    ("status", "是否超出", Kind::Text),
    ("general_transfers", "一般性转移支付(元)", Kind::Money),
    ("equalization_transfers", "均衡性转移支付(元)", Kind::Money),
    ("special_transfers", "专项转移支付(元)", Kind::Money),
    ("total_revenue", "全部财政收入(元)", Kind::Money),
    (
        "burden_share_with_general_transfers",
        "县级支出/(本级收入+一般性转移支付)",
        Kind::Fixed(4),
    ),
    ("basis", "数据性质", Kind::Text),
    ("fiscal_basis", "财政数据性质", Kind::Text),
    ("rule", "门槛规则", Kind::Text),
    ("units_with_revenue", "有收入数据单位数", Kind::Id),
    ("units_above", "超门槛单位数", Kind::Id),
    ("min_share", "最低比重", Kind::Fixed(4)),
    ("max_share", "最高比重", Kind::Fixed(4)),
    ("districts_share", "市辖区比重", Kind::Fixed(4)),
    ("counties_share", "县(市)比重", Kind::Fixed(4)),
    // reconcile
    ("part", "部分", Kind::Text),
    ("budget_class_name", "科目名称", Kind::Text),
    ("modelled", "模型测算(元)", Kind::Money),
    ("actual", "实际(元)", Kind::Money),
    ("ratio", "实际/模型", Kind::Fixed(4)),
    ("share_of_gap", "占差距比重", Kind::Fixed(4)),
    ("stage", "预算/决算", Kind::Text),
];

fn column(key: &str) -> (&str, Kind) {
    COLUMNS
        .iter()
        .find(|c| c.0 == key)
        .map_or((key, Kind::Text), |c| (c.1, c.2))
}

/// Data rows a sheet holds below its two header rows (Excel's limit is 1,048,576 rows).
const ROWS_PER_SHEET: usize = 1_048_576 - 2;

fn xerr(e: XlsxError) -> Error {
    Error::Write {
        path: "<xlsx workbook>".into(),
        source: std::io::Error::other(e.to_string()),
    }
}

fn grey() -> Color {
    Color::RGB(0xF2F2F2)
}

fn value_format(kind: Kind) -> Format {
    match kind {
        Kind::Text | Kind::Number => Format::new(),
        Kind::Id => Format::new().set_num_format("0"),
        Kind::Count => Format::new().set_num_format("#,##0"),
        Kind::Money => Format::new().set_num_format("#,##0.00"),
        Kind::Fixed(0) => Format::new().set_num_format("0"),
        Kind::Fixed(n) => Format::new().set_num_format(format!("0.{}", "0".repeat(n))),
    }
}

/// A table: a header of CSV column names, and rows of fields as the CSV prints them.
struct Table<'a> {
    name: &'a str,
    header: Vec<String>,
    /// (column, Chinese label, English label) replacing the defaults.
    relabel: Vec<(String, String, String)>,
    /// Show the last row in bold (a totals row).
    bold_last: bool,
}

/// The fields of a CSV file written by fendan, without its byte-order mark.
fn csv_records(bytes: &[u8]) -> (Vec<String>, impl Iterator<Item = Vec<String>> + '_) {
    let bytes = bytes.strip_prefix(&UTF8_BOM[..]).unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new().from_reader(bytes);
    let header = r
        .headers()
        .expect("fendan's CSV has a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r.into_records().map(|rec| {
        rec.expect("fendan's CSV is well-formed")
            .iter()
            .map(str::to_owned)
            .collect()
    });
    (header, rows)
}

/// Width in Excel's character units of a field as shown.
fn shown_width(text: &str, kind: Kind) -> usize {
    let w = text.width();
    match kind {
        // Thousands separators.
        Kind::Count | Kind::Money => {
            w + text
                .split('.')
                .next()
                .map_or(0, |i| i.len().saturating_sub(1) / 3)
        }
        _ => w,
    }
}

/// Write `table` with `rows` into one sheet, or into several (`name-2`, …) when the rows
/// do not fit in one.
fn add_table(
    wb: &mut Workbook,
    table: &Table,
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<(), XlsxError> {
    let cols: Vec<(String, String, Kind)> = table
        .header
        .iter()
        .map(|key| {
            let (zh, kind) = column(key);
            match table.relabel.iter().find(|r| &r.0 == key) {
                Some((_, zh, en)) => (zh.clone(), en.clone(), kind),
                None => (zh.to_owned(), key.clone(), kind),
            }
        })
        .collect();
    let head_zh = Format::new()
        .set_bold()
        .set_background_color(grey())
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let head_en = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x595959))
        .set_background_color(grey())
        .set_align(FormatAlign::Center)
        .set_border_bottom(FormatBorder::Thin);
    let formats: Vec<Format> = cols.iter().map(|c| value_format(c.2)).collect();
    let bold: Vec<Format> = formats.iter().map(|f| f.clone().set_bold()).collect();
    let mut rows = rows.peekable();
    let mut part = 1;
    loop {
        let name = if part == 1 {
            table.name.to_owned()
        } else {
            format!("{}-{part}", table.name)
        };
        let ws: &mut Worksheet = wb.add_worksheet();
        ws.set_name(name)?;
        let mut widths: Vec<usize> = cols.iter().map(|c| c.0.width().max(c.1.width())).collect();
        for (j, (zh, en, _)) in cols.iter().enumerate() {
            ws.write_string_with_format(0, j as u16, zh, &head_zh)?;
            ws.write_string_with_format(1, j as u16, en, &head_en)?;
        }
        let mut r = 0usize;
        while r < ROWS_PER_SHEET {
            let Some(fields) = rows.next() else { break };
            let row = (r + 2) as u32;
            let last = table.bold_last && rows.peek().is_none();
            for (j, field) in fields.iter().enumerate() {
                let Some(col) = cols.get(j) else { break };
                let f = if last { &bold[j] } else { &formats[j] };
                widths[j] = widths[j].max(shown_width(field, col.2));
                let number = match col.2 {
                    Kind::Text => None,
                    _ => field.parse::<f64>().ok(),
                };
                if let Some(x) = number {
                    ws.write_number_with_format(row, j as u16, x, f)?;
                } else if !field.is_empty() || last {
                    ws.write_string_with_format(row, j as u16, field, f)?;
                }
            }
            r += 1;
        }
        for (j, w) in widths.iter().enumerate() {
            ws.set_column_width(j as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
        }
        ws.set_freeze_panes(2, 0)?;
        if !cols.is_empty() {
            ws.autofilter(1, 0, (r + 1) as u32, (cols.len() - 1) as u16)?;
        }
        if rows.peek().is_none() {
            return Ok(());
        }
        part += 1;
    }
}

/// A sheet from one of fendan's CSV files.
fn add_csv(
    wb: &mut Workbook,
    name: &str,
    csv: &[u8],
    relabel: Vec<(String, String, String)>,
    bold_last: bool,
) -> Result<(), XlsxError> {
    let (header, rows) = csv_records(csv);
    add_table(
        wb,
        &Table {
            name,
            header,
            relabel,
            bold_last,
        },
        rows,
    )
}

/// A workbook whose metadata holds no clock: the creation date is the plan's first day.
fn workbook(title: &str, subject: &str) -> Result<Workbook, XlsxError> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2016, 1, 1)?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_subject(subject)
            .set_author(concat!("fendan ", env!("CARGO_PKG_VERSION")))
            .set_creation_datetime(&created),
    );
    Ok(wb)
}

/// The data sheets of a `simulate` workbook: (sheet, CSV file); the last, 明细 (the
/// outlays), only with [`SimulateOptions::detail`].
pub const SIMULATE_SHEETS: [(&str, &str); 5] = [
    ("汇总-层级", "by_level.csv"),
    ("汇总-单位", "by_unit.csv"),
    ("汇总-领域", "by_domain.csv"),
    ("均等化", "equalization.csv"),
    ("明细", "outlays.csv"),
];

/// The capacity sheets of a `simulate` workbook, when the run has fiscal data:
/// (sheet, CSV file), after the data sheets.
pub const CAPACITY_SHEETS: [(&str, &str); 2] = [
    ("财力-单位", crate::capacity::tables::UNIT_FILE),
    ("财力-汇总", crate::capacity::tables::SUMMARY_FILE),
];

/// The sheet listing every parameter's dated values with its source and, for an
/// assumption, its basis.
pub const ASSUMPTIONS_SHEET: &str = "假设与来源";

/// The detail sheet: one row per year × unit × service × component.
pub const DETAIL_SHEET: &str = "明细";

/// What a run's workbook shows besides its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SimulateOptions {
    /// The display unit of the 报告 sheet.
    pub scale: Scale,
    /// Include the detail sheet 明细 (slow to open in Excel and WPS).
    pub detail: bool,
}

/// The workbook of a run: the 报告 sheet, the summaries, the detail if asked for, and
/// every figure's source, from the rendered `files` of [`crate::report::render`].
pub fn simulate(
    model: &Model,
    scenario: &Scenario,
    files: &[(String, Vec<u8>)],
    options: SimulateOptions,
) -> Result<Vec<u8>> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut wb = workbook(
            &format!("{} — {}", scenario.name, scenario.title),
            "fendan simulate",
        )?;
        let file = |name: &str| files.iter().find(|f| f.0 == name).map(|f| f.1.as_slice());
        if let (Some(by_level), Some(by_unit)) = (file("by_level.csv"), file("by_unit.csv")) {
            director::add(
                &mut wb,
                &model.plan,
                scenario,
                by_level,
                by_unit,
                options.scale,
            )?;
        }
        for (sheet, file) in SIMULATE_SHEETS {
            if sheet == DETAIL_SHEET && !options.detail {
                continue;
            }
            if let Some((_, bytes)) = files.iter().find(|f| f.0 == file) {
                add_csv(&mut wb, sheet, bytes, Vec::new(), false)?;
            }
        }
        for (sheet, file) in CAPACITY_SHEETS {
            if let Some((_, bytes)) = files.iter().find(|f| f.0 == file) {
                add_csv(&mut wb, sheet, bytes, Vec::new(), false)?;
            }
        }
        let mut rows = Vec::new();
        for (_, p) in model.params.iter() {
            for (date, value) in &p.values {
                rows.push(vec![
                    p.path.clone(),
                    date.to_string(),
                    value.normalize().to_string(),
                    p.unit.name().to_owned(),
                    crate::provenance::collapse(p.source_at(*date)),
                    p.assumption_at(*date)
                        .map(crate::provenance::collapse)
                        .unwrap_or_default(),
                    format!("{}:{}", p.origin.file, p.origin.line),
                    p.overridden.get(date).cloned().unwrap_or_default(),
                ]);
            }
        }
        for u in model.units.iter().filter(|u| u.fiscal_class_assumed) {
            rows.push(vec![
                format!("units.{}.fiscal_class", u.code),
                String::new(),
                model.plan.class(u.fiscal_class).id.clone(),
                "class".to_owned(),
                u.source.clone(),
                format!(
                    "{} ({}): {}",
                    u.name_zh,
                    u.name_en,
                    crate::provenance::assumed_class_basis(model, u)
                ),
                scenario.inputs.units.name.clone(),
                String::new(),
            ]);
        }
        let header = [
            "path",
            "from",
            "value",
            "unit",
            "source",
            "assumption",
            "defined_at",
            "overridden_at",
        ];
        add_table(
            &mut wb,
            &Table {
                name: ASSUMPTIONS_SHEET,
                header: header.map(str::to_owned).to_vec(),
                relabel: Vec::new(),
                bold_last: false,
            },
            rows.into_iter(),
        )?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}

/// The sheets of a `compare` workbook.
pub const COMPARE_SHEETS: [&str; 2] = ["对比", "输入差异"];

/// The workbook of a comparison: A, B, B − A and % for each row of the breakdown, the
/// totals row last; and how the runs' inputs differ.
pub fn compare(cmp: &Comparison, dims: &[Dim], rows: &[Row], total: &Row) -> Result<Vec<u8>> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let (a, b) = (&cmp.a, &cmp.b);
        let mut wb = workbook(
            &format!("{} vs {}", a.scenario, b.scenario),
            "fendan compare",
        )?;
        let csv = cmp.csv(dims, rows, total, CsvStyle::default());
        // The headers say which years the totals cover.
        let years = cmp.years_text();
        let relabel = vec![
            (
                "a".to_owned(),
                format!("A 方案 {years} 合计(元)"),
                format!("a: {}", a.scenario),
            ),
            (
                "b".to_owned(),
                format!("B 方案 {years} 合计(元)"),
                format!("b: {}", b.scenario),
            ),
            (
                "diff".to_owned(),
                format!("差额 B−A {years}(元)"),
                "diff".to_owned(),
            ),
        ];
        add_csv(&mut wb, COMPARE_SHEETS[0], &csv, relabel, true)?;
        let mut lines = vec![
            vec![
                "情景 scenario".to_owned(),
                "name".to_owned(),
                a.scenario.clone(),
                b.scenario.clone(),
            ],
            vec![
                "情景 scenario".to_owned(),
                "title".to_owned(),
                a.title.clone(),
                b.title.clone(),
            ],
            vec![
                "情景 scenario".to_owned(),
                "extends".to_owned(),
                a.extends.join(" → "),
                b.extends.join(" → "),
            ],
            vec![
                "情景 scenario".to_owned(),
                "run".to_owned(),
                a.label.clone(),
                b.label.clone(),
            ],
        ];
        let diff = cmp.inputs();
        let absent = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        for d in &diff.files {
            lines.push(vec![
                "输入文件 input file".to_owned(),
                d.item.clone(),
                absent(&d.a),
                absent(&d.b),
            ]);
        }
        for d in &diff.parameters {
            lines.push(vec![
                "参数 parameter".to_owned(),
                d.item.clone(),
                absent(&d.a),
                absent(&d.b),
            ]);
        }
        add_table(
            &mut wb,
            &Table {
                name: COMPARE_SHEETS[1],
                header: ["category", "item", "in_a", "in_b"]
                    .map(str::to_owned)
                    .to_vec(),
                relabel: vec![
                    (
                        "in_a".to_owned(),
                        "A 方案".to_owned(),
                        format!("a: {}", a.scenario),
                    ),
                    (
                        "in_b".to_owned(),
                        "B 方案".to_owned(),
                        format!("b: {}", b.scenario),
                    ),
                ],
                bold_last: false,
            },
            lines.into_iter(),
        )?;
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}
