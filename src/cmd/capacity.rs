//! What `simulate` prints about capacity when the scenario gives fiscal figures (see
//! [`fendan::capacity`]): the years with revenue figures, then the units above the
//! threshold in the last such year, largest need first; made-up figures are flagged.

use fendan::money::Scale;

use super::table;

/// What `simulate` prints about capacity: each year with revenue figures, then the units
/// above the threshold in the last such year, largest need first.
pub fn summary(model: &fendan::Model, a: &fendan::capacity::Assessment, scale: Scale) -> String {
    use fendan::capacity::Rule;
    let pct = |x: rust_decimal::Decimal| {
        let p = (x * rust_decimal::Decimal::ONE_HUNDRED)
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        format!("{p:.2} %")
    };
    let rule = match a.rule {
        Rule::Fixed => {
            "threshold: capacity.threshold of own revenue (an assumption, see seeds/capacity.yaml)"
                .to_owned()
        }
        Rule::CityMedian => "threshold: each year's city median of the burden share".to_owned(),
    };
    let mut s = format!(
        "capacity: the county level's outlay against its own general-budget revenue (一般公共预算收入); {rule}:\n"
    );
    let with_data: Vec<_> = a.years.iter().filter(|(_, m)| m.with_revenue > 0).collect();
    let without: Vec<String> = a
        .years
        .iter()
        .filter(|(_, m)| m.with_revenue == 0)
        .map(|(y, _)| y.to_string())
        .collect();
    let amount = |fen: Option<i64>| fen.map(|f| scale.format(f)).unwrap_or_default();
    if !with_data.is_empty() {
        let need = format!("transfer need {}", scale.zh());
        let mut t = table(vec![
            "year",
            "units with revenue",
            "above",
            "threshold",
            "outlay ÷ revenue",
            &need,
        ]);
        for (y, m) in &with_data {
            t.add_row(vec![
                y.to_string(),
                format!("{} of {}", m.with_revenue, m.units.len()),
                m.above.to_string(),
                m.threshold.map(pct).unwrap_or_default(),
                m.share().map(pct).unwrap_or_default(),
                amount(m.need),
            ]);
        }
        s.push_str(&format!("{t}\n"));
    }
    if !without.is_empty() {
        s.push_str(&format!(
            "no own-revenue figure for any unit in {}: nothing can be said for those years\n",
            without.join(", ")
        ));
    }
    if let Some((y, m)) = with_data.last() {
        let mut above: Vec<(usize, &fendan::capacity::UnitMeasure)> = m
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.above() == Some(true))
            .collect();
        above.sort_by(|x, z| z.1.need.cmp(&x.1.need).then(x.0.cmp(&z.0)));
        if !above.is_empty() {
            let ceiling = format!("ceiling {}", scale.zh());
            let need = format!("need {}", scale.zh());
            let mut t = table(vec!["unit", "outlay ÷ revenue", &ceiling, &need]);
            for (u, x) in above {
                let unit = &model.units[u];
                t.add_row(vec![
                    format!("{} {}", unit.code, unit.name_zh),
                    x.share.map(pct).unwrap_or_else(|| "(revenue 0)".to_owned()),
                    amount(x.ceiling),
                    amount(x.need),
                ]);
            }
            s.push_str(&format!(
                "units above the threshold in {y}, largest need first:\n{t}\n"
            ));
        }
        let missing: Vec<String> = m
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.revenue.is_none())
            .map(|(u, _)| format!("{} {}", model.units[u].code, model.units[u].name_zh))
            .collect();
        if !missing.is_empty() {
            s.push_str(&format!(
                "no own-revenue figure in {y} (measures left empty): {}\n",
                missing.join(", ")
            ));
        }
    }
    if a.illustrative {
        let file = model.fiscal.as_ref().map(|f| f.file.as_str()).unwrap_or("");
        s.push_str(&format!(
            "ILLUSTRATIVE 示例数据: fiscal figures of {file} are made up for an example (source `illustrative`), not data; so are the capacity figures above\n"
        ));
    }
    s
}
