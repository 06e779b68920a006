//! A sheet of an Excel workbook read as a table of text cells, so that an `.xlsx` file
//! is accepted wherever a CSV file is (`units`, `cohort_counts`, `budget_classes`, a
//! plan folder's tables) with the same columns and the same checks.
//!
//! Budget offices keep their figures in Excel. Saving a sheet as CSV on Chinese
//! Windows gives GBK (handled in [`crate::input::decode`]); handing fendan the workbook
//! itself avoids that step. The workbook is read with calamine (feature `xlsx-input`,
//! on by default), the first sheet or the one named after `#` (`counts.xlsx#2019`).
//!
//! Every cell becomes the text a CSV file would hold, and nothing is guessed:
//!
//! * A number is written as the shortest decimal that reads back as the same binary
//!   number (the text Excel stored, for a typed figure): 12345 for a headcount stored as
//!   12345.0, 0.6 for a share. A number with more than 15 significant digits is refused:
//!   Excel shows and keeps 15, so such a cell holds a computed value (0.1 + 0.2 =
//!   0.30000000000000004), not a figure someone typed, and rounding it silently could
//!   move money. A fraction where a whole number is expected (12345.5 persons) is
//!   refused by the loader, as in a CSV file.
//! * A date cell is written `YYYY-MM-DD`; a cell with a time of day, an error value
//!   (`#N/A`) or a duration is refused.
//! * Errors name the cell as Excel does: `counts.xlsx#Sheet1!C7`.

use crate::error::{Error, Location, Result};

/// The cells of one sheet, as text, with where each row and column is in the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    /// `file.xlsx#Sheet`: how errors name the sheet.
    pub name: String,
    /// The 0-based column of the first cell of every row (the sheet's used range).
    pub first_col: usize,
    /// Non-empty rows: (1-based row number in the sheet, cells from `first_col` on).
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    /// The location of a cell: `file.xlsx#Sheet!C7` for row 7, the third column.
    pub fn loc(&self, row: usize, col: usize) -> Location {
        Location::file(&format!(
            "{}!{}{row}",
            self.name,
            column_letters(self.first_col + col)
        ))
    }

    /// The sheet as CSV text (a header and rows, `\n` line ends), as `init` writes it.
    pub fn to_csv(&self) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .flexible(true)
            .from_writer(Vec::new());
        for (_, cells) in &self.rows {
            w.write_record(cells).expect("writing to memory");
        }
        String::from_utf8(w.into_inner().expect("writing to memory")).expect("cells are text")
    }
}

/// Excel's name of a 0-based column: A, B, …, Z, AA, AB, ….
pub fn column_letters(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII")
}

/// A number as the shortest decimal that reads back as the same `f64`, or `None` when
/// that takes more than 15 significant digits (see the module doc) or it is not finite.
pub fn exact_number(x: f64) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    // `Display` for f64 prints the shortest round-trip decimal, without an exponent.
    let text = if x == 0.0 {
        "0".to_owned()
    } else {
        format!("{x}")
    };
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    (significant <= 15).then_some(text)
}

/// Read the sheet `sheet` (or the first) of the workbook `bytes`, called `file`.
#[cfg(feature = "xlsx-input")]
pub fn parse(file: &str, bytes: Vec<u8>, sheet: Option<&str>) -> Result<Sheet> {
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| {
        Error::input(
            Location::file(file),
            format!(
                "this file cannot be read as an Excel workbook (.xlsx): {e}; save it from Excel or WPS as .xlsx (not .xls or .et), or as CSV"
            ),
        )
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::input(Location::file(file), "this workbook has no sheets"))?,
        Some(s) => names.iter().find(|n| *n == s).cloned().ok_or_else(|| {
            Error::input(
                Location::file(file),
                format!(
                    "this workbook has no sheet `{s}`; its sheets are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        Error::input(
            Location::file(&format!("{file}#{name}")),
            format!("this sheet cannot be read: {e}"),
        )
    })?;
    let mut out = Sheet {
        name: format!("{file}#{name}"),
        first_col: 0,
        rows: Vec::new(),
    };
    let Some((row0, col0)) = range.start() else {
        return Ok(out);
    };
    out.first_col = col0 as usize;
    for (ri, row) in range.rows().enumerate() {
        let number = row0 as usize + ri + 1;
        let mut cells = Vec::with_capacity(row.len());
        for (ci, cell) in row.iter().enumerate() {
            let refuse = |what: String| Error::input(out.loc(number, ci), what);
            let text = match cell {
                Data::Empty => String::new(),
                Data::String(s) => s.clone(),
                Data::Int(i) => i.to_string(),
                Data::Bool(b) => b.to_string(),
                Data::Float(x) => exact_number(*x).ok_or_else(|| {
                    refuse(format!(
                        "this cell holds the number {x:?}, which has more digits than Excel keeps (15 significant digits): it is a computed value, not a figure as typed; round it in the sheet (e.g. =ROUND(…, 2)) or type the figure"
                    ))
                })?,
                Data::DateTime(d) if d.is_datetime() && d.as_f64().fract() == 0.0 => {
                    let (y, m, day, ..) = d.to_ymd_hms_milli();
                    format!("{y:04}-{m:02}-{day:02}")
                }
                Data::DateTime(_) => {
                    return Err(refuse(
                        "this cell holds a time of day or a duration; fendan takes dates only (format the cell as a date, or type YYYY-MM-DD)".to_owned(),
                    ));
                }
                Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_owned(),
                Data::DurationIso(s) => {
                    return Err(refuse(format!(
                        "this cell holds the duration {s}; fendan takes numbers, text and dates"
                    )));
                }
                Data::Error(e) => {
                    return Err(refuse(format!(
                        "this cell shows the error {e}; fix the formula or type the value"
                    )));
                }
            };
            cells.push(text);
        }
        if cells.iter().any(|c| !c.trim().is_empty()) {
            out.rows.push((number, cells));
        }
    }
    Ok(out)
}

/// Without the `xlsx-input` feature a workbook is refused with what to do instead.
#[cfg(not(feature = "xlsx-input"))]
pub fn parse(file: &str, _: Vec<u8>, _: Option<&str>) -> Result<Sheet> {
    Err(Error::input(
        Location::file(file),
        "this build of fendan reads no Excel workbooks (it was built without the `xlsx-input` feature); save the sheet as CSV, or rebuild with `cargo build --release --features xlsx-input`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_in_excel() {
        let names: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_letters)
            .collect();
        assert_eq!(
            names,
            ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"].map(String::from)
        );
    }

    #[test]
    fn numbers_are_written_as_typed_and_computed_ones_refused() {
        assert_eq!(exact_number(12345.0).as_deref(), Some("12345"));
        assert_eq!(exact_number(12345.5).as_deref(), Some("12345.5"));
        assert_eq!(exact_number(0.6).as_deref(), Some("0.6"));
        assert_eq!(exact_number(-0.0).as_deref(), Some("0"));
        assert_eq!(exact_number(685.35).as_deref(), Some("685.35"));
        assert_eq!(exact_number(1e20).as_deref(), Some("100000000000000000000"));
        // why: 0.1 + 0.2 is 0.30000000000000004, 17 significant digits.
        assert_eq!(exact_number(0.1 + 0.2), None);
        // why: 2^53 + 1 cannot be held; 9007199254740993.0 reads back as …992 (16 digits).
        assert_eq!(exact_number(9_007_199_254_740_993.0), None);
        assert_eq!(exact_number(f64::NAN), None);
        assert_eq!(
            exact_number(123_456_789_012_345.0).as_deref(),
            Some("123456789012345")
        );
    }
}
