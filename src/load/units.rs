//! `units.csv`: the units (county-level units in Handan's plan), their kind, poverty
//! status and fiscal class, each checked against the plan's lists and code rule
//! (`plan.yaml`); and `budget_classes.csv`, the budget classification codes.

use std::collections::HashSet;

use super::Source;
use super::table::Table;
use crate::date::Date;
use crate::error::{Error, Location, Result};
use crate::model::*;

pub(super) fn load_units(src: &Source, plan: &Plan) -> Result<Vec<Unit>> {
    let cols = [
        "code",
        "name_zh",
        "name_en",
        "kind",
        "poverty",
        "poverty_exit",
        "fiscal_class",
        "fiscal_class_assumed",
        "source",
    ];
    let t = Table::read(src, &cols)?;
    let c: Vec<usize> = cols.iter().map(|n| t.col(n)).collect();
    let conf_col = t.header.iter().position(|h| h == "fiscal_class_confidence");
    let mut units: Vec<Unit> = Vec::new();
    let mut codes: HashSet<String> = HashSet::new();
    for (line, r) in &t.rows {
        let cell = |i: usize| t.cell(r, c[i]);
        let loc = |i: usize| t.loc(*line, c[i]);
        let code = cell(0).to_owned();
        if !plan.code.admits(&code) {
            return Err(Error::input(
                loc(0),
                format!("`{code}` is not {}", plan.code.describe()),
            ));
        }
        if !codes.insert(code.clone()) {
            return Err(Error::input(
                loc(0),
                format!("the unit {code} is listed twice"),
            ));
        }
        let kind = plan.parse_kind(cell(3)).ok_or_else(|| {
            Error::input(
                loc(3),
                format!(
                    "`{}` is not a unit kind; expected {}",
                    cell(3),
                    plan.expected_kinds()
                ),
            )
        })?;
        let poverty = plan.parse_poverty(cell(4)).ok_or_else(|| {
            Error::input(
                loc(4),
                format!(
                    "`{}` is not a poverty status; expected {}",
                    cell(4),
                    plan.expected_poverty()
                ),
            )
        })?;
        let poverty_exit = match cell(5) {
            "" => None,
            text => Some(text.parse::<Date>().map_err(|e| Error::input(loc(5), e))?),
        };
        let fiscal_class = plan.parse_class(cell(6)).ok_or_else(|| {
            Error::input(
                loc(6),
                format!(
                    "`{}` is not a fiscal class; expected {}",
                    cell(6),
                    plan.expected_classes()
                ),
            )
        })?;
        let fiscal_class_assumed = match cell(7) {
            "true" => true,
            "false" => false,
            other => {
                return Err(Error::input(
                    loc(7),
                    format!("`{other}` should be true or false"),
                ));
            }
        };
        let fiscal_class_confidence = match conf_col.map(|i| (i, t.cell(r, i))) {
            None | Some((_, "")) => None,
            Some((i, text)) => Some(crate::grade::Confidence::parse(text).ok_or_else(|| {
                Error::input(
                    t.loc(*line, i),
                    format!("`{text}` is not a confidence grade; use high, medium or low"),
                )
            })?),
        };
        if let Some(col) = conf_col
            && fiscal_class_assumed == fiscal_class_confidence.is_none()
        {
            return Err(Error::input(
                t.loc(*line, col),
                if fiscal_class_assumed {
                    "the fiscal class is assumed but has no confidence grade; give high, medium or low"
                } else {
                    "the fiscal class is not assumed, so it takes no confidence grade; leave the cell empty"
                },
            ));
        }
        units.push(Unit {
            code,
            name_zh: cell(1).to_owned(),
            name_en: cell(2).to_owned(),
            kind,
            poverty,
            poverty_exit,
            fiscal_class,
            fiscal_class_assumed,
            fiscal_class_confidence,
            source: cell(8).to_owned(),
        });
    }
    if units.is_empty() {
        return Err(Error::input(
            Location::file(&src.name),
            "there are no units in this file",
        ));
    }
    Ok(units)
}

pub(super) fn load_budget_classes(src: &Source) -> Result<Vec<BudgetClass>> {
    let t = Table::read(src, &["code", "name_zh", "name_en"])?;
    let (a, b, c) = (t.col("code"), t.col("name_zh"), t.col("name_en"));
    Ok(t.rows
        .iter()
        .map(|(_, r)| BudgetClass {
            code: t.cell(r, a).to_owned(),
            name_zh: t.cell(r, b).to_owned(),
            name_en: t.cell(r, c).to_owned(),
        })
        .collect())
}
