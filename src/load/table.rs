//! The located CSV table: a file read whole, its header checked against the columns a
//! loader needs, and every cell addressable by `file:line:col` for error messages.
//!
//! The same table comes from a sheet of an `.xlsx` workbook (see [`crate::sheet`]):
//! the first non-empty row is the header, a row's number is its row in the sheet, and
//! a cell's location is `file.xlsx#Sheet!C7`. Loaders do not see the difference.

use super::Source;
use crate::error::{Error, Location, Result};

/// A CSV table read as text, with its header, for located per-cell errors.
pub(super) struct Table<'a> {
    pub(super) src: &'a Source,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<(usize, csv::StringRecord)>,
}

impl<'a> Table<'a> {
    /// Read the whole table: its header, checked for the `required` columns, and every
    /// row (for the small tables; see [`Table::open`] and [`Table::each_row`]).
    pub(super) fn read(src: &'a Source, required: &[&str]) -> Result<Table<'a>> {
        let mut t = Table::open(src, required)?;
        if src.sheet.is_none() {
            let mut rows = Vec::new();
            t.each_row(|line, record| {
                rows.push((line, record.clone()));
                Ok(())
            })?;
            t.rows = rows;
        }
        Ok(t)
    }

    /// The CSV text of `src` (without a byte-order mark) and a reader over it.
    fn csv(src: &Source) -> (&str, csv::Reader<&[u8]>) {
        let text = src.text.strip_prefix('\u{feff}').unwrap_or(&src.text);
        let reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        (text, reader)
    }

    /// The table's header, checked for the `required` columns, with no rows read yet:
    /// [`Table::each_row`] reads them one at a time, so a table of millions of rows is
    /// never held whole.
    pub(super) fn open(src: &'a Source, required: &[&str]) -> Result<Table<'a>> {
        if let Some(sheet) = &src.sheet {
            return Table::from_sheet(src, sheet, required);
        }
        let (text, mut reader) = Table::csv(src);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| {
                Error::input(
                    Location::file(&src.name),
                    format!("cannot read the CSV header: {e}"),
                )
            })?
            .iter()
            .map(|h| h.trim().to_owned())
            .collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    Location::in_text(&src.name, text, 1, 1),
                    format!(
                        "the header has no `{col}` column; expected the columns {}",
                        required.join(",")
                    ),
                ));
            }
        }
        Ok(Table {
            src,
            header,
            rows: Vec::new(),
        })
    }

    /// Give `f` every row in order with its line (or sheet row). A row the CSV reader
    /// cannot read is reported before any error of `f`, wherever it lies, as when the
    /// table was read whole before its cells were checked: after `f`'s first error the
    /// rest is only read, not given to `f`.
    pub(super) fn each_row(
        &self,
        mut f: impl FnMut(usize, &csv::StringRecord) -> Result<()>,
    ) -> Result<()> {
        let mut failed: Option<Error> = None;
        let mut give = |line: usize, record: &csv::StringRecord| {
            if failed.is_none()
                && let Err(e) = f(line, record)
            {
                failed = Some(e);
            }
        };
        match &self.src.sheet {
            Some(_) => {
                for (line, record) in &self.rows {
                    give(*line, record);
                }
            }
            None => {
                let (text, mut reader) = Table::csv(self.src);
                let mut record = csv::StringRecord::new();
                loop {
                    match reader.read_record(&mut record) {
                        Ok(true) => {
                            let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                            give(line, &record);
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                            return Err(Error::input(
                                Location::in_text(&self.src.name, text, line, 1),
                                format!("this CSV row cannot be read: {e}"),
                            ));
                        }
                    }
                }
            }
        }
        failed.map_or(Ok(()), Err)
    }

    /// The table of a workbook sheet: its first row is the header.
    fn from_sheet(
        src: &'a Source,
        sheet: &crate::sheet::Sheet,
        required: &[&str],
    ) -> Result<Table<'a>> {
        let Some(((head_row, head), rest)) = sheet.rows.split_first() else {
            return Err(Error::input(
                Location::file(&sheet.name),
                format!(
                    "this sheet is empty; expected a header row with the columns {}",
                    required.join(",")
                ),
            ));
        };
        let header: Vec<String> = head.iter().map(|h| h.trim().to_owned()).collect();
        for col in required {
            if !header.iter().any(|h| h == col) {
                return Err(Error::input(
                    sheet.loc(*head_row, header.len()),
                    format!(
                        "the header row has no `{col}` column; expected the columns {}",
                        required.join(",")
                    ),
                ));
            }
        }
        let rows = rest
            .iter()
            .map(|(n, cells)| (*n, csv::StringRecord::from(cells.clone())))
            .collect();
        Ok(Table { src, header, rows })
    }

    pub(super) fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .expect("required column checked on read")
    }

    pub(super) fn loc(&self, line: usize, col: usize) -> Location {
        if let Some(sheet) = &self.src.sheet {
            return sheet.loc(line, col);
        }
        // Column = 1 + the characters before this field on the line.
        let text = self
            .src
            .text
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("");
        let mut column = 1;
        let mut field = 0;
        let mut quoted = false;
        for ch in text.chars() {
            if field == col {
                break;
            }
            match ch {
                '"' => quoted = !quoted,
                ',' if !quoted => field += 1,
                _ => {}
            }
            column += 1;
        }
        Location::in_text(&self.src.name, &self.src.text, line, column)
    }

    pub(super) fn cell<'r>(&self, record: &'r csv::StringRecord, col: usize) -> &'r str {
        record.get(col).unwrap_or("").trim()
    }
}
