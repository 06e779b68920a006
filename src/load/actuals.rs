//! The actuals `fendan reconcile` compares a run with: budget or final-account figures
//! by unit, year and budget class, one figure a row —
//! `year, unit_code, [unit_name,] budget_class, [level,] [stage,] amount_yuan, [source]`
//! — read through the one located CSV reader ([`super::table`]). `budget_class` is a
//! 政府收支分类科目 expenditure code: a 类 (205), 款 (20502) or 项 (2050202); `level`
//! says who paid (central, province, city, county, or 中央/省/市/县); `stage` is budget
//! (预算) or final (决算). An empty amount is a figure the file does not have.

use std::collections::HashMap;
use std::path::Path;

use super::Source;
use super::table::Table;
use crate::error::{Error, Result};
use crate::model::Level;
use crate::reconcile::{ActualRow, Actuals, Stage, parse_level};

/// What one row says a figure of: year, unit, code, level, stage.
type Said = (i32, String, String, Option<Level>, Option<Stage>);

/// Read and check an actuals file named on the command line: a CSV file (UTF-8 or GBK)
/// or a sheet of an `.xlsx` workbook, as every table input.
pub fn read_actuals(path: &Path) -> Result<Actuals> {
    let src = Source::read_table(path, crate::input::Whence::Arg)?;
    parse_actuals(&src)
}

fn parse_actuals(src: &Source) -> Result<Actuals> {
    let t = Table::read(src, &["year", "unit_code", "budget_class", "amount_yuan"])?;
    let (cy, cu, cc, ca) = (
        t.col("year"),
        t.col("unit_code"),
        t.col("budget_class"),
        t.col("amount_yuan"),
    );
    let optional = |name: &str| t.header.iter().position(|h| h == name);
    let (cl, cs, cn) = (optional("level"), optional("stage"), optional("unit_name"));
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<Said, usize> = HashMap::new();
    for (line, r) in &t.rows {
        let line = *line;
        let year = super::fiscal::budget_year(&t, r, line, cy)?;
        let unit = t.cell(r, cu).to_owned();
        if unit.is_empty() {
            return Err(Error::input(
                t.loc(line, cu),
                "this row has no unit code; give the code of a county-level unit, e.g. 130402",
            ));
        }
        let code = t.cell(r, cc).to_owned();
        let is_code = matches!(code.len(), 3 | 5 | 7)
            && code.starts_with('2')
            && code.bytes().all(|b| b.is_ascii_digit());
        if !is_code {
            return Err(Error::input(
                t.loc(line, cc),
                format!(
                    "`{code}` is not an expenditure code of 政府收支分类科目; write its 类 (3 digits, e.g. 205 教育), 款 (5 digits, e.g. 20502) or 项 (7 digits, e.g. 2050202)"
                ),
            ));
        }
        let level = match cl.map(|c| t.cell(r, c)).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(parse_level(s).ok_or_else(|| {
                Error::input(
                    t.loc(line, cl.expect("level column")),
                    format!(
                        "`{s}` is not a level of government; write central, province, city or county (中央, 省, 市, 县), or leave it empty when the figure covers all levels"
                    ),
                )
            })?),
        };
        let stage = match cs.map(|c| t.cell(r, c)).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(Stage::parse(s).ok_or_else(|| {
                Error::input(
                    t.loc(line, cs.expect("stage column")),
                    format!("`{s}` is not a stage; write budget (预算) or final (决算)"),
                )
            })?),
        };
        let amount = t.cell(r, ca);
        let fen = if amount.is_empty() {
            None
        } else {
            Some(crate::money::parse_yuan(amount).ok_or_else(|| {
                Error::input(
                    t.loc(line, ca),
                    format!(
                        "`{amount}` is not an amount in yuan; write yuan with at most two decimals and no separators (1.2亿元 is 120000000), or leave the cell empty when the figure is not known"
                    ),
                )
            })?)
        };
        if let Some(first) = seen.insert((year, unit.clone(), code.clone(), level, stage), line) {
            return Err(Error::input(
                t.loc(line, cc),
                format!(
                    "{year} / {unit} / {code}{} is given twice (first on line {first}); give each year, unit, code{} once",
                    level.map(|l| format!(" / {}", l.key())).unwrap_or_default(),
                    if cl.is_some() { " and level" } else { "" }
                ),
            ));
        }
        rows.push(ActualRow {
            year,
            class: code[..3].to_owned(),
            code,
            unit,
            unit_name: cn.map(|c| t.cell(r, c).to_owned()).unwrap_or_default(),
            level,
            stage,
            fen,
            line,
            at: [
                t.loc(line, cu).column,
                t.loc(line, cn.unwrap_or(cu)).column,
                t.loc(line, cl.unwrap_or(ca)).column,
                t.loc(line, cs.unwrap_or(ca)).column,
            ],
        });
    }
    Ok(Actuals {
        file: src.name.clone(),
        path: src.path.clone(),
        text: src.text.to_string(),
        rows,
    })
}
