//! The schema of `outlays.csv`, the one detailed table, in one place: its columns in
//! order, and how a row is read back.
//!
//! [`crate::report`] writes the columns listed here; [`crate::folder`] and `compare`
//! read rows back through [`read`], which checks every row as it goes: the amounts are
//! yuan with at most two decimals, and the four levels add up to the row's total, to the
//! fen. A hand-edited amount is therefore refused with its file, line and column rather
//! than reported as a difference between two runs.

use crate::error::{Error, Location, Result};
use crate::input::UTF8_BOM;
use crate::money::parse_yuan;

/// The columns of `outlays.csv`, in order. The first sixteen are a published contract.
pub const COLUMNS: [&str; 23] = [
    "year",
    "unit_code",
    "unit_name",
    "service_id",
    "service_name",
    "domain",
    "component",
    "budget_class",
    "headcount",
    "coverage",
    "standard_yuan_per_year",
    "total",
    "central",
    "province",
    "city",
    "county",
    "unit_name_en",
    "service_name_en",
    "component_name",
    "cohort",
    "months",
    "split_rule",
    "fiscal_class",
];

/// The columns a row is read back from, in the order of [`Outlay`]'s fields.
const READ: [&str; 11] = [
    "year",
    "unit_code",
    "unit_name",
    "service_id",
    "service_name",
    "domain",
    "total",
    "central",
    "province",
    "city",
    "county",
];

/// One row of `outlays.csv`, read back: what a comparison needs, amounts in whole fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outlay<'r> {
    pub year: i32,
    pub unit_code: &'r str,
    pub unit_name: &'r str,
    pub service_id: u32,
    pub service_name: &'r str,
    /// The domain's id, as the plan names it.
    pub domain: &'r str,
    pub total: i64,
    /// Central, province, city, county.
    pub levels: [i64; 4],
}

/// Read every row of `bytes` (the text of `file`, an `outlays.csv`), checked, and hand
/// each to `each` in file order, with its cells so that an error `each` finds names
/// the row.
pub fn read(
    file: &str,
    bytes: &[u8],
    mut each: impl FnMut(&Outlay, &Cells) -> Result<()>,
) -> Result<()> {
    Table::new(file, bytes, &READ)?.each(|f, cell| {
        let text = |k: usize| {
            std::str::from_utf8(f[k]).map_err(|_| cell.error(k, "text in UTF-8".into()))
        };
        let not = |k: usize, what: &str| -> Error {
            let shown = String::from_utf8_lossy(f[k]);
            cell.error(k, format!("`{shown}` in {file} is not {what}"))
        };
        let amount = |k: usize| {
            text(k).and_then(|t| {
                parse_yuan(t)
                    .filter(|v| *v >= 0)
                    .ok_or_else(|| not(k, "an amount in yuan, 0 or more, with at most two decimals"))
            })
        };
        let mut levels = [0i64; 4];
        for (l, v) in levels.iter_mut().enumerate() {
            *v = amount(7 + l)?;
        }
        let total = amount(6)?;
        let sum = levels.iter().try_fold(0i64, |a, b| a.checked_add(*b));
        if sum != Some(total) {
            let sum = sum.map_or_else(|| "more than fendan can hold".to_owned(), crate::money::yuan);
            return Err(cell.error(
                6,
                format!(
                    "in this row of {file}, central + province + city + county = {sum}, but the total is {}; the levels of a row always add up to its total, so the file was changed after fendan wrote it; rerun `fendan simulate` for a folder that can be compared",
                    crate::money::yuan(total)
                ),
            ));
        }
        let outlay = Outlay {
            year: text(0)?.parse().map_err(|_| not(0, "a year"))?,
            unit_code: text(1)?,
            unit_name: text(2)?,
            service_id: text(3)?.parse().map_err(|_| not(3, "a service number"))?,
            service_name: text(4)?,
            domain: text(5)?,
            total,
            levels,
        };
        each(&outlay, cell)
    })
}

/// A CSV file of an output folder, read back: its header's columns by name and its
/// records, every field addressable by `file:line:col` for error messages.
pub struct Table<'b> {
    file: &'b str,
    bytes: &'b [u8],
    columns: Vec<usize>,
}

/// Where the fields of one record are, to locate an error in it.
pub struct Cells<'t> {
    table: &'t Table<'t>,
    record: &'t csv::ByteRecord,
}

impl Cells<'_> {
    /// An input error at the `k`-th wanted field of this record.
    pub fn error(&self, k: usize, message: String) -> Error {
        let line = self.record.position().map_or(0, |p| p.line() as usize);
        // The column of a field, assuming the fields before it are not quoted (numbers
        // and codes never are).
        let col = 1
            + (0..self.table.columns[k])
                .map(|i| {
                    self.record
                        .get(i)
                        .map_or(0, |f| String::from_utf8_lossy(f).chars().count() + 1)
                })
                .sum::<usize>();
        Error::input(self.table.at(line, col), message)
    }
}

impl<'b> Table<'b> {
    /// The table in `bytes` (after a byte-order mark, if any), which must have the
    /// columns `want`.
    pub fn new(file: &'b str, bytes: &'b [u8], want: &[&str]) -> Result<Table<'b>> {
        let bytes = bytes.strip_prefix(&UTF8_BOM[..]).unwrap_or(bytes);
        let mut r = csv::ReaderBuilder::new().from_reader(bytes);
        let header = r
            .byte_headers()
            .map_err(|e| {
                Error::input(Location::file(file), format!("cannot read the header: {e}"))
            })?
            .clone();
        let mut columns = Vec::new();
        for w in want {
            let i = header
                .iter()
                .position(|h| h == w.as_bytes())
                .ok_or_else(|| {
                    let first =
                        String::from_utf8_lossy(bytes.split(|b| *b == b'\n').next().unwrap_or(&[]));
                    Error::input(
                        Location::in_text(file, &first, 1, 1),
                        format!(
                            "{file} has no column `{w}`; is it a file written by `fendan simulate`?"
                        ),
                    )
                })?;
            columns.push(i);
        }
        Ok(Table {
            file,
            bytes,
            columns,
        })
    }

    /// Call `row` with each record's wanted fields, in the order asked for, and where
    /// they are.
    pub fn each(&self, mut row: impl FnMut(&[&[u8]], &Cells) -> Result<()>) -> Result<()> {
        let mut r = csv::ReaderBuilder::new().from_reader(self.bytes);
        let mut record = csv::ByteRecord::new();
        loop {
            match r.read_byte_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    return Err(Error::input(
                        self.at(line, 1),
                        format!("cannot read {}: {e}", self.file),
                    ));
                }
            }
            let fields: Vec<&[u8]> = self
                .columns
                .iter()
                .map(|&i| record.get(i).unwrap_or(b""))
                .collect();
            let cells = Cells {
                table: self,
                record: &record,
            };
            row(&fields, &cells)?;
        }
    }

    fn at(&self, line: usize, column: usize) -> Location {
        let text = String::from_utf8_lossy(
            self.bytes
                .split(|b| *b == b'\n')
                .nth(line.saturating_sub(1))
                .unwrap_or(&[]),
        )
        .into_owned();
        Location::in_text(self.file, &text, line, column)
    }
}

/// The first row of `bytes` that does not read back or does not add up, as an error;
/// `None` when every row is sound.
pub fn first_broken_row(file: &str, bytes: &[u8]) -> Option<Error> {
    read(file, bytes, |_, _| Ok(())).err()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "year,unit_code,unit_name,service_id,service_name,domain,total,central,province,city,county\n";

    #[test]
    fn rows_read_back_exactly() {
        let text =
            format!("{HEAD}2016,130402,邯山区,1,公用经费,education,10.05,5.00,2.01,1.04,2.00\n");
        let mut seen = Vec::new();
        read("outlays.csv", text.as_bytes(), |o, _| {
            seen.push((o.year, o.unit_code.to_owned(), o.total, o.levels));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [(2016, "130402".to_owned(), 1005, [500, 201, 104, 200])]
        );
    }

    #[test]
    fn a_row_whose_levels_do_not_add_up_is_located() {
        // why: 5.00 + 2.01 + 1.04 + 2.00 = 10.05, so a total of 10.06 is one fen off.
        let text =
            format!("{HEAD}2016,130402,邯山区,1,公用经费,education,10.06,5.00,2.01,1.04,2.00\n");
        let e = first_broken_row("outlays.csv", text.as_bytes()).expect("broken");
        let shown = e.to_string();
        assert!(
            shown.contains("central + province + city + county = 10.05, but the total is 10.06"),
            "{shown}"
        );
        // The total is the seventh column; the caret counts characters, not bytes.
        assert!(shown.contains("--> outlays.csv:2:"), "{shown}");
        let Error::Input { location, .. } = e else {
            panic!("an input error")
        };
        assert_eq!(
            (location.line, location.column),
            (
                2,
                1 + "2016,130402,邯山区,1,公用经费,education,".chars().count()
            )
        );
    }
}
