//! The workbook of `fendan reconcile`: the reconciliation CSV, one sheet per part —
//! matched rows with their total, the classes by gap, and what is on one side only —
//! each sheet the CSV's rows of that part, cell for cell.

use rust_xlsxwriter::XlsxError;

use super::{Table, add_table, workbook, xerr};
use crate::error::Result;
use crate::reconcile::{COLUMNS, Reconciliation};

/// The sheets: (name, the CSV `part`s it holds).
pub const RECONCILE_SHEETS: [(&str, &[&str]); 4] = [
    ("对账", &["matched", "total"]),
    ("差距-科目", &["by_class"]),
    ("模型有实际无", &["model_only"]),
    ("实际有模型无", &["actual_only"]),
];

/// The workbook of a reconciliation, titled `title`.
pub fn reconcile(rec: &Reconciliation, title: &str) -> Result<Vec<u8>> {
    let build = || -> Result<Vec<u8>, XlsxError> {
        let mut wb = workbook(title, "fendan reconcile")?;
        let records = rec.records();
        for (name, parts) in RECONCILE_SHEETS {
            let rows: Vec<Vec<String>> = records
                .iter()
                .filter(|r| parts.contains(&r[0].as_str()))
                .cloned()
                .collect();
            add_table(
                &mut wb,
                &Table {
                    name,
                    header: COLUMNS.map(str::to_owned).to_vec(),
                    relabel: vec![(
                        "diff".to_owned(),
                        "差额 实际−模型(元)".to_owned(),
                        "diff".to_owned(),
                    )],
                    bold_last: parts.contains(&"total"),
                },
                rows.into_iter(),
            )?;
        }
        wb.save_to_buffer()
    };
    build().map_err(xerr)
}
