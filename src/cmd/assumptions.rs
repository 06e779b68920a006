//! `fendan assumptions`: every figure that is not from the plan or a cited document,
//! with its basis, its confidence grade and the money at stake — how far each level's
//! total over the run moves when the assumption moves over its plausible range — ranked,
//! so a reviewer sees which assumptions deserve better data first.

use std::path::Path;

use fendan::Error;
use fendan::money::wan;
use fendan::stake::{Assumption, Kind};

use super::{Outcome, print, table};
use crate::cli::Format;

fn span(a: &Assumption) -> String {
    match (a.from, a.until) {
        (None, _) => String::new(),
        (Some(f), None) => format!("{f} on"),
        (Some(f), Some(u)) => format!("{f} – {u}"),
    }
}

fn fen(x: i64) -> String {
    fendan::money::yuan(x)
}

pub fn run(scenario: Option<&Path>, format: Format) -> Outcome {
    let rows = fendan::stake::assumptions(&super::open_scenario(scenario)?)?;
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::new());
            let werr = |e: csv::Error| Error::Usage(e.to_string());
            w.write_record([
                "rank",
                "path",
                "also",
                "kind",
                "from",
                "until",
                "value",
                "unit",
                "confidence",
                "range",
                "range_given",
                "central_low",
                "central_high",
                "province_low",
                "province_high",
                "city_low",
                "city_high",
                "county_low",
                "county_high",
                "total_low",
                "total_high",
                "stake",
                "basis",
                "defined_at",
            ])
            .map_err(werr)?;
            for (i, a) in rows.iter().enumerate() {
                let mut r = vec![
                    (i + 1).to_string(),
                    a.path.clone(),
                    a.also.join(" "),
                    match a.kind {
                        Kind::Param => "value",
                        Kind::LocalShares => "local_shares",
                        Kind::FiscalClass => "fiscal_class",
                    }
                    .to_owned(),
                    a.from.map(|d| d.to_string()).unwrap_or_default(),
                    a.until.map(|d| d.to_string()).unwrap_or_default(),
                    a.value.clone(),
                    a.unit.clone(),
                    a.confidence.map(|c| c.key().to_owned()).unwrap_or_default(),
                    a.range.clone(),
                    a.range_given.to_string(),
                ];
                for l in 0..5 {
                    r.push(fen(a.low[l]));
                    r.push(fen(a.high[l]));
                }
                r.push(fen(a.stake()));
                r.push(a.basis.split_whitespace().collect::<Vec<_>>().join(" "));
                r.push(a.defined_at.clone());
                w.write_record(&r).map_err(werr)?;
            }
            let bytes = w.into_inner().map_err(|e| Error::Usage(e.to_string()))?;
            print(&String::from_utf8_lossy(&bytes))
        }
        Format::Table => {
            let mut t = table(vec![
                "#",
                "assumption",
                "when",
                "conf.",
                "range",
                "central",
                "province",
                "city",
                "county",
                "total",
            ]);
            let w = wan;
            for (i, a) in rows.iter().enumerate() {
                let path = match a.also.len() {
                    0 => a.path.clone(),
                    n => format!("{} (+{n} more)", a.path),
                };
                t.add_row(vec![
                    (i + 1).to_string(),
                    path,
                    span(a),
                    a.confidence.map(|c| c.key().to_owned()).unwrap_or_default(),
                    if a.range_given {
                        a.range.clone()
                    } else {
                        format!("{} (±20%)", a.range)
                    },
                    w(a.swing(0)),
                    w(a.swing(1)),
                    w(a.swing(2)),
                    w(a.swing(3)),
                    w(a.swing(4)),
                ]);
            }
            let graded = rows.iter().filter(|a| a.confidence.is_some()).count();
            print(&format!(
                "{t}\n{} assumptions ({graded} graded), ranked by the money at stake: how far each level's total over the run moves, 万元, when the assumption moves over its range (low to high end). `--format csv` gives both ends, the basis and where each is defined.\n",
                rows.len()
            ))
        }
    }
}
