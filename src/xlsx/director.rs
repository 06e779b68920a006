//! The first sheet of a run's workbook, 报告: what a director reads and prints.
//!
//! Levels × years and units × levels in the chosen display unit (万元 by default),
//! with totals rows and columns and Chinese headers only — the codes stay on the data
//! sheets. It prints on A4 landscape, one page wide, the title rows repeated on each
//! page, a header with the scenario and a footer with page numbers; the tables are on
//! the first page and two native Excel charts (levels × years, units) on the next.
//!
//! Figures are the run's whole-fen totals shown in the display unit (rounded half away
//! from zero to two decimals, as on screen), so the sheet agrees with the CSV files.

use rust_xlsxwriter::{
    Chart, ChartFont, ChartFormat, ChartLegendPosition, ChartSolidFill, ChartType, Color, Format,
    FormatAlign, FormatBorder, Workbook, XlsxError,
};

use super::csv_records;
use crate::model::{Level, Plan};
use crate::money::{Scale, parse_yuan};
use crate::scenario::Scenario;

/// The sheet's name.
pub const SHEET: &str = "报告";

/// Rows of the layout (0-based).
const TITLE: u32 = 0;
const SUBTITLE: u32 = 1;
const LEVELS_HEAD: u32 = 3;
const UNITS_GAP: u32 = 2;

/// The levels' colours, as in the HTML report's charts.
const LEVEL_COLORS: [u32; 4] = [0x2F5D8A, 0xE08E2B, 0x4E9A5A, 0xC24E4E];

fn fill(level: usize) -> ChartFormat {
    let mut f = ChartFormat::new();
    f.set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(LEVEL_COLORS[level])));
    f
}

/// A run's totals as the sheet needs them, from its rendered CSV files.
struct Totals {
    years: Vec<i32>,
    /// `[year][level]`, whole fen.
    levels: Vec<[i64; 4]>,
    /// (unit name, kind in Chinese, whole fen per level over all years), in file order.
    units: Vec<(String, String, [i64; 4])>,
}

fn fen(text: &str) -> i64 {
    parse_yuan(text).unwrap_or(0)
}

fn totals(plan: &Plan, by_level: &[u8], by_unit: &[u8]) -> Totals {
    let kind_zh = |kind: &str| {
        plan.parse_kind(kind)
            .map(|k| plan.kind(k).name.zh.clone())
            .unwrap_or_default()
    };
    let (header, rows) = csv_records(by_level);
    let col = |name: &str| header.iter().position(|h| h == name);
    let level_cols: Vec<Option<usize>> = Level::ALL.iter().map(|l| col(l.key())).collect();
    let year_col = col("year");
    let mut t = Totals {
        years: Vec::new(),
        levels: Vec::new(),
        units: Vec::new(),
    };
    for r in rows {
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", String::as_str);
        t.years.push(get(year_col).parse().unwrap_or(0));
        let mut v = [0i64; 4];
        for (x, c) in v.iter_mut().zip(&level_cols) {
            *x = fen(get(*c));
        }
        t.levels.push(v);
    }
    let (header, rows) = csv_records(by_unit);
    let col = |name: &str| header.iter().position(|h| h == name);
    let level_cols: Vec<Option<usize>> = Level::ALL.iter().map(|l| col(l.key())).collect();
    let (code_col, name_col, kind_col) = (col("unit_code"), col("unit_name"), col("kind"));
    let mut codes: Vec<String> = Vec::new();
    for r in rows {
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).map_or("", String::as_str);
        let code = get(code_col).to_owned();
        let i = match codes.iter().position(|c| *c == code) {
            Some(i) => i,
            None => {
                codes.push(code);
                t.units
                    .push((get(name_col).to_owned(), kind_zh(get(kind_col)), [0; 4]));
                codes.len() - 1
            }
        };
        for (x, c) in t.units[i].2.iter_mut().zip(&level_cols) {
            *x += fen(get(*c));
        }
    }
    t
}

/// Text for an Excel header or footer: `&` doubled, at most `max` characters.
fn hf_text(text: &str, max: usize) -> String {
    text.chars()
        .take(max)
        .collect::<String>()
        .replace('&', "&&")
}

/// Add the 报告 sheet for the run `scenario` of the plan `plan`, from its rendered
/// `by_level.csv` and `by_unit.csv`, with amounts in `scale`.
pub fn add(
    wb: &mut Workbook,
    plan: &Plan,
    scenario: &Scenario,
    by_level: &[u8],
    by_unit: &[u8],
    scale: Scale,
) -> Result<(), XlsxError> {
    let t = totals(plan, by_level, by_unit);
    let plan_title = &plan.identity.title.zh;
    let ny = t.years.len() as u16;
    let value = |fen: i64| -> f64 { scale.format(fen).parse().unwrap_or(0.0) };
    let unit = scale.zh();
    let years_text = match (t.years.first(), t.years.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}-{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };

    let title = Format::new().set_bold().set_font_size(15);
    let note = Format::new().set_font_color(Color::RGB(0x595959));
    let head = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xF2F2F2))
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_border_bottom(FormatBorder::Thin)
        .set_text_wrap();
    let name = Format::new();
    let number = Format::new().set_num_format("#,##0.00");
    let total_name = Format::new().set_bold().set_border_top(FormatBorder::Thin);
    let total_number = number.clone().set_bold().set_border_top(FormatBorder::Thin);

    let ws = wb.add_worksheet();
    ws.set_name(SHEET)?;
    ws.write_string_with_format(TITLE, 0, plan_title, &title)?;
    ws.write_string_with_format(
        SUBTITLE,
        0,
        format!(
            "情景：{}（{}）　年度：{years_text}　单位：{unit}",
            scenario.name, scenario.title
        ),
        &note,
    )?;

    // Levels × years, with a totals row and a totals column.
    ws.write_string_with_format(LEVELS_HEAD, 0, "层级", &head)?;
    for (j, y) in t.years.iter().enumerate() {
        ws.write_string_with_format(LEVELS_HEAD, 1 + j as u16, y.to_string(), &head)?;
    }
    ws.write_string_with_format(LEVELS_HEAD, 1 + ny, format!("{years_text} 合计"), &head)?;
    for (li, l) in Level::ALL.into_iter().enumerate() {
        let row = LEVELS_HEAD + 1 + li as u32;
        ws.write_string_with_format(row, 0, l.zh(), &name)?;
        for (j, v) in t.levels.iter().enumerate() {
            ws.write_number_with_format(row, 1 + j as u16, value(v[li]), &number)?;
        }
        let sum: i64 = t.levels.iter().map(|v| v[li]).sum();
        ws.write_number_with_format(row, 1 + ny, value(sum), &number)?;
    }
    let levels_total = LEVELS_HEAD + 5;
    ws.write_string_with_format(levels_total, 0, "合计", &total_name)?;
    for (j, v) in t.levels.iter().enumerate() {
        ws.write_number_with_format(
            levels_total,
            1 + j as u16,
            value(v.iter().sum()),
            &total_number,
        )?;
    }
    let all: i64 = t.levels.iter().flat_map(|v| v.iter()).sum();
    ws.write_number_with_format(levels_total, 1 + ny, value(all), &total_number)?;

    // Units × levels over all years, with a totals row and column.
    let units_head = levels_total + UNITS_GAP;
    let heads = ["单位", "类型", "中央", "省", "市", "县(市、区)"];
    for (j, h) in heads.iter().enumerate() {
        ws.write_string_with_format(units_head, j as u16, *h, &head)?;
    }
    ws.write_string_with_format(units_head, 6, format!("{years_text} 合计"), &head)?;
    let mut sums = [0i64; 4];
    for (i, (unit_name, kind, v)) in t.units.iter().enumerate() {
        let row = units_head + 1 + i as u32;
        ws.write_string_with_format(row, 0, unit_name, &name)?;
        ws.write_string_with_format(row, 1, kind, &name)?;
        for (li, x) in v.iter().enumerate() {
            ws.write_number_with_format(row, 2 + li as u16, value(*x), &number)?;
            sums[li] += x;
        }
        ws.write_number_with_format(row, 6, value(v.iter().sum()), &number)?;
    }
    let units_total = units_head + 1 + t.units.len() as u32;
    ws.write_string_with_format(units_total, 0, "合计", &total_name)?;
    ws.write_string_with_format(units_total, 1, "", &total_name)?;
    for (li, x) in sums.iter().enumerate() {
        ws.write_number_with_format(units_total, 2 + li as u16, value(*x), &total_number)?;
    }
    ws.write_number_with_format(units_total, 6, value(sums.iter().sum()), &total_number)?;

    ws.set_column_width(0, 22)?;
    for c in 1..=(1 + ny).max(6) {
        ws.set_column_width(c, 15)?;
    }
    ws.set_row_height(LEVELS_HEAD, 22)?;
    ws.set_row_height(units_head, 22)?;

    // Charts, side by side on the second printed page.
    let charts_row = units_total + 2;
    let mut by_year = Chart::new(ChartType::ColumnStacked);
    for li in 0..4u32 {
        let row = LEVELS_HEAD + 1 + li;
        by_year
            .add_series()
            .set_name((SHEET, row, 0))
            .set_categories((SHEET, LEVELS_HEAD, 1, LEVELS_HEAD, ny))
            .set_values((SHEET, row, 1, row, ny))
            .set_format(&mut fill(li as usize))
            .set_gap(60);
    }
    by_year
        .title()
        .set_name(&format!("各级政府支出（{unit}）"))
        .set_font(ChartFont::new().set_size(12));
    by_year.y_axis().set_num_format("#,##0");
    by_year.legend().set_position(ChartLegendPosition::Bottom);
    by_year.set_width(390).set_height(560);
    ws.insert_chart(charts_row, 0, &by_year)?;

    let mut by_unit_chart = Chart::new(ChartType::BarStacked);
    let (first, last) = (units_head + 1, units_total - 1);
    for li in 0..4u16 {
        by_unit_chart
            .add_series()
            .set_name((SHEET, units_head, 2 + li))
            .set_categories((SHEET, first, 0, last, 0))
            .set_values((SHEET, first, 2 + li, last, 2 + li))
            .set_format(&mut fill(li as usize))
            .set_gap(40);
    }
    by_unit_chart
        .title()
        .set_name(&format!("各单位支出，{years_text} 合计（{unit}）"))
        .set_font(ChartFont::new().set_size(12));
    by_unit_chart.x_axis().set_num_format("#,##0");
    // Units read top to bottom in the table's order, every one labelled.
    by_unit_chart
        .y_axis()
        .set_reverse()
        .set_font(ChartFont::new().set_size(8));
    by_unit_chart
        .legend()
        .set_position(ChartLegendPosition::Bottom);
    by_unit_chart.set_width(430).set_height(560);
    ws.insert_chart_with_offset(charts_row, 0, &by_unit_chart, 400, 0)?;

    // Printing: A4 landscape, one page wide, tables then charts.
    ws.set_paper_size(9);
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_print_center_horizontally(true);
    ws.set_margins(0.5, 0.5, 0.65, 0.6, 0.3, 0.3);
    ws.set_repeat_rows(TITLE, SUBTITLE)?;
    ws.set_page_breaks(&[charts_row - 1])?;
    ws.set_header(format!(
        "&L{}&R情景：{}",
        hf_text(plan_title, 60),
        hf_text(&scenario.name, 80)
    ));
    ws.set_footer(format!(
        "&L{}&C第 &P 页，共 &N 页&R单位：{unit}",
        hf_text(&scenario.title, 60)
    ));
    ws.set_active(true);
    Ok(())
}
