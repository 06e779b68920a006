//! The detail of a run (`outlays.csv`, or `outlays.parquet`), rendered in chunks and
//! handed on in order, never whole in memory.
//!
//! The detail is the one large output: about 300 bytes a row, 541 MB for the 2,860
//! county-level units of China, ten times that at township scale. [`stream`] walks the
//! cells of a run in waves of chunks: the chunks of a wave are computed and rendered in
//! parallel into buffers that are reused, then handed in order to one thread that hashes
//! and writes them while the next wave is rendered, and each cell is added to the
//! [`Totals`] the summary tables are made from. Memory is a few waves of buffers, whatever
//! the size of the run, and the bytes do not depend on the thread count: every chunk is
//! rendered the same way and they are written in their order.
//!
//! A CSV row is mostly text that depends on the unit or on the component and not on the
//! cell, so [`Rows`] quotes that text once (through the `csv` crate's writer, so quoting
//! is the crate's) and a row is a dozen copies and six numbers formatted in place.

use std::ops::Range;
use std::sync::mpsc;

use rayon::prelude::*;

use super::{Totals, csv_writer, dec};
use crate::engine::{Cell, ComponentYear, Years};
use crate::error::{Error, Result};
use crate::model::Model;

/// Cells rendered per chunk at most (about 1.2 MB of CSV; a Parquet record batch).
pub const CHUNK: usize = 4096;

/// The chunk for a CSV detail of `n` cells: [`CHUNK`], or smaller for a small run, so
/// that it still makes a few waves and the hashing and writing of one wave overlap the
/// rendering of the next (a city's 13,300 cells would otherwise be one wave, hashed only
/// once all of it is rendered). The bytes do not depend on the chunk.
pub fn csv_chunk(n: usize) -> usize {
    (n / 32).clamp(256, CHUNK)
}

/// Why a stream stopped early.
#[derive(Debug)]
pub enum Stop {
    /// A cell could not be computed, or the output could not be written.
    Error(Error),
    /// A sum of cells does not fit: the caller locates it (see
    /// [`crate::engine::Prepared::failure`]).
    Overflow,
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Error(e)
    }
}

/// Computes the cells of a range, in order, into a vector it may reuse.
pub type Fill<'a> = dyn Fn(Range<usize>, &mut Vec<Cell>) -> Result<()> + Sync + 'a;

/// One step applied to every rendered chunk, in order, on a thread of its own.
pub type Stage<'a, T> = &'a mut (dyn FnMut(&T) -> Result<()> + Send);

/// Walk the `n` cells that `fill` computes in chunks: `render` each chunk (in parallel)
/// into a reusable `T`, then hand the chunks in order through `stages`, each on a
/// thread of its own (hashing and writing, say, so that neither waits for the other).
/// Returns the totals of every cell.
pub fn stream<T: Send + Default>(
    model: &Model,
    years: Years,
    (n, chunk): (usize, usize),
    fill: &Fill,
    render: &(dyn Fn(&[Cell], &mut T) -> Result<()> + Sync),
    stages: Vec<Stage<T>>,
) -> std::result::Result<Totals, Stop> {
    let per_wave = 2 * rayon::current_num_threads().max(1);
    std::thread::scope(|s| {
        // Chunk buffers go from the renderer through each stage and back.
        let (first_tx, mut rx) = mpsc::channel::<T>();
        let mut threads = Vec::new();
        for stage in stages {
            let (tx, next_rx) = mpsc::channel::<T>();
            let from = std::mem::replace(&mut rx, next_rx);
            threads.push(s.spawn(move || -> Result<()> {
                for t in from {
                    stage(&t)?;
                    // A later step that stopped has its own error to tell.
                    if tx.send(t).is_err() {
                        break;
                    }
                }
                Ok(())
            }));
        }
        let free_rx = rx;
        // `None`: a stage stopped (its error says why).
        let walked = (|| -> std::result::Result<Option<Totals>, Stop> {
            let mut totals = Totals::new(model, years);
            // Three waves of buffers: one rendered while the others are in the stages.
            let mut spare: Vec<T> = (0..3 * per_wave).map(|_| T::default()).collect();
            let mut cells: Vec<Vec<Cell>> = (0..per_wave).map(|_| Vec::new()).collect();
            for start in (0..n).step_by(per_wave * chunk) {
                let ranges: Vec<Range<usize>> = (start..(start + per_wave * chunk).min(n))
                    .step_by(chunk)
                    .map(|s| s..(s + chunk).min(n))
                    .collect();
                let mut outs = Vec::with_capacity(ranges.len());
                for _ in 0..ranges.len() {
                    match spare.pop().map_or_else(|| free_rx.recv().ok(), Some) {
                        Some(t) => outs.push(t),
                        None => return Ok(None),
                    }
                }
                let done: Vec<Result<()>> = outs
                    .par_iter_mut()
                    .zip(cells.par_iter_mut())
                    .zip(ranges.par_iter())
                    .map(|((out, cells), range)| {
                        fill(range.clone(), cells)?;
                        render(cells, out)
                    })
                    .collect();
                // The first error in the output order, whatever the threads met first.
                done.into_iter().collect::<Result<()>>()?;
                for c in cells.iter().take(ranges.len()).flatten() {
                    totals.add(c).map_err(|_| Stop::Overflow)?;
                }
                for out in outs {
                    if first_tx.send(out).is_err() {
                        return Ok(None);
                    }
                }
            }
            Ok(Some(totals))
        })();
        drop(first_tx);
        let mut stopped = None;
        for t in threads {
            let r = t.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            if let (Err(e), None) = (r, &stopped) {
                stopped = Some(e);
            }
        }
        match (walked, stopped) {
            // What the cells say comes first, as when the run was computed before writing.
            (Err(stop), _) => Err(stop),
            (_, Some(e)) => Err(Stop::Error(e)),
            (Ok(Some(totals)), None) => Ok(totals),
            (Ok(None), None) => unreachable!("a stage stops only on an error"),
        }
    })
}

/// The index of each service's first component among all components in catalog order
/// (the order of [`Model::component_pairs`]): a cell's component is this plus its own.
pub fn first_components(model: &Model) -> Vec<usize> {
    model
        .services
        .iter()
        .scan(0, |k, s| {
            let first = *k;
            *k += s.components.len();
            Some(first)
        })
        .collect()
}

/// The text of one CSV field as the `csv` writer quotes it, with `after` (a delimiter
/// or the terminator) appended.
fn quoted(field: &str, after: u8) -> Box<[u8]> {
    // The bytes the csv writer quotes a field for (its delimiter, quote and record
    // terminators): a field without them is written as it is.
    if !field
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
    {
        let mut b = Vec::with_capacity(field.len() + 1);
        b.extend_from_slice(field.as_bytes());
        b.push(after);
        return b.into_boxed_slice();
    }
    // A record of two fields, so that no rule for a record of one empty field applies;
    // the second field `x` and the terminator are cut off.
    let mut w = csv_writer(Vec::new());
    w.write_record([field, "x"]).expect("writing to memory");
    let mut b = w.into_inner().expect("writing to memory");
    b.truncate(b.len() - 3);
    b.push(after);
    b.into_boxed_slice()
}

/// Several quoted fields, each followed by a comma.
fn fields(fs: &[&str]) -> Box<[u8]> {
    fs.iter()
        .flat_map(|f| quoted(f, b',').into_vec())
        .collect::<Vec<u8>>()
        .into_boxed_slice()
}

/// The text of `outlays.csv` that does not depend on the cell, quoted once, and the
/// rendering of a row from it.
pub struct Rows {
    first_year: i32,
    years: usize,
    /// `2016,` per year.
    year: Vec<Box<[u8]>>,
    /// Per unit: `code,name_zh,`; `name_en,`; `fiscal_class\n`.
    unit_head: Vec<Box<[u8]>>,
    unit_en: Vec<Box<[u8]>>,
    unit_class: Vec<Box<[u8]>>,
    /// The index of each service's first component in the per-component lists.
    first_component: Vec<usize>,
    /// Per component: `service_id,service_name,domain,component,budget_class,`;
    /// `service_name_en,component_name,cohort,`; `,split_rule,`.
    comp_head: Vec<Box<[u8]>>,
    comp_tail: Vec<Box<[u8]>>,
    comp_split: Vec<Box<[u8]>>,
    /// Per component and year: `,coverage,standard,`.
    comp_year: Vec<Box<[u8]>>,
}

impl Rows {
    pub fn new(model: &Model, years: Years, component_years: &[Vec<Vec<ComponentYear>>]) -> Rows {
        let mut r = Rows {
            first_year: years.first,
            years: years.len(),
            year: years.iter().map(|y| quoted(&y.to_string(), b',')).collect(),
            unit_head: model
                .units
                .iter()
                .map(|u| fields(&[&u.code, &u.name_zh]))
                .collect(),
            unit_en: model
                .units
                .iter()
                .map(|u| quoted(&u.name_en, b','))
                .collect(),
            unit_class: model
                .units
                .iter()
                .map(|u| quoted(&model.plan.class(u.fiscal_class).id, b'\n'))
                .collect(),
            first_component: first_components(model),
            comp_head: Vec::new(),
            comp_tail: Vec::new(),
            comp_split: Vec::new(),
            comp_year: Vec::new(),
        };
        for (si, s) in model.services.iter().enumerate() {
            for (ci, c) in s.components.iter().enumerate() {
                r.comp_head.push(fields(&[
                    &s.id.to_string(),
                    &s.name.zh,
                    &model.plan.domain(s.domain).id,
                    &c.id,
                    &s.budget_class,
                ]));
                r.comp_tail.push(fields(&[
                    &s.name.en,
                    &c.name.zh,
                    &model.cohort(c.cohort).id,
                ]));
                let mut split = vec![b','];
                split.extend_from_slice(&quoted(&model.rule(c.split).id, b','));
                r.comp_split.push(split.into_boxed_slice());
                for cy in &component_years[si][ci] {
                    let mut text = vec![b','];
                    text.extend_from_slice(&fields(&[
                        &dec(cy.coverage, 4),
                        &dec(cy.standard_annual, 2),
                    ]));
                    r.comp_year.push(text.into_boxed_slice());
                }
            }
        }
        r
    }

    /// Append the rows of `cells` to `buf`.
    pub fn render(&self, cells: &[Cell], buf: &mut Vec<u8>) {
        let mut fig = Figure::default();
        for c in cells {
            let yi = (c.year - self.first_year) as usize;
            let u = c.unit as usize;
            let k = self.first_component[c.service as usize] + c.component as usize;
            buf.extend_from_slice(&self.year[yi]);
            buf.extend_from_slice(&self.unit_head[u]);
            buf.extend_from_slice(&self.comp_head[k]);
            buf.extend_from_slice(fig.int(c.headcount));
            buf.extend_from_slice(&self.comp_year[k * self.years + yi]);
            buf.extend_from_slice(fig.yuan(c.total));
            for l in c.levels {
                buf.push(b',');
                buf.extend_from_slice(fig.yuan(l));
            }
            buf.push(b',');
            buf.extend_from_slice(&self.unit_en[u]);
            buf.extend_from_slice(&self.comp_tail[k]);
            buf.extend_from_slice(fig.int(i64::from(c.months)));
            buf.extend_from_slice(&self.comp_split[k]);
            buf.extend_from_slice(&self.unit_class[u]);
        }
    }
}

/// Formats whole numbers and fen into a stack buffer: the same text as `i64`'s
/// `Display` and [`crate::money::yuan`], without allocating.
#[derive(Default)]
pub struct Figure {
    buf: [u8; 24],
}

impl Figure {
    pub fn int(&mut self, n: i64) -> &[u8] {
        self.format(n, false)
    }

    pub fn yuan(&mut self, fen: i64) -> &[u8] {
        self.format(fen, true)
    }

    fn format(&mut self, n: i64, fen: bool) -> &[u8] {
        let mut a = n.unsigned_abs();
        let mut i = self.buf.len();
        let mut push = |buf: &mut [u8; 24], b: u8| {
            i -= 1;
            buf[i] = b;
        };
        if fen {
            for _ in 0..2 {
                push(&mut self.buf, b'0' + (a % 10) as u8);
                a /= 10;
            }
            push(&mut self.buf, b'.');
        }
        loop {
            push(&mut self.buf, b'0' + (a % 10) as u8);
            a /= 10;
            if a == 0 {
                break;
            }
        }
        if n < 0 {
            push(&mut self.buf, b'-');
        }
        &self.buf[i..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields written as they are and fields the csv writer quotes give the writer's bytes.
    #[test]
    fn a_field_is_quoted_as_the_csv_writer_quotes_it() {
        for field in [
            "",
            "x",
            "邯山区",
            " a b ",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "#1",
        ] {
            let mut w = csv_writer(Vec::new());
            w.write_record([field, "z"]).unwrap();
            let record = w.into_inner().unwrap();
            let mut want = record[..record.len() - 3].to_vec();
            want.push(b'\n');
            assert_eq!(&*quoted(field, b'\n'), &want[..], "{field:?}");
        }
    }
}
