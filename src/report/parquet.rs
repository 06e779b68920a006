//! `outlays.parquet` (feature `parquet`, `simulate --format parquet`): the detail of a
//! run with typed columns, for users whose runs outgrow CSV.
//!
//! The columns are those of `outlays.csv` in the same order, but every amount is an
//! exact `int64` in whole fen, and its name says so (`total_fen`, `central_fen`, ...,
//! `standard_fen_per_year`), so pandas and polars read numbers, not decimal objects or
//! strings: divide by 100 for yuan. `coverage` is a `float64`, the nearest double to the
//! four-decimal figure of the CSV. Rows come in the CSV's order, a row group per
//! [`ROW_GROUP`] rows, streamed like the CSV so that memory stays flat; the bytes do not
//! depend on the thread count.

use std::io::Write;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, StringArray,
};
use arrow_schema::{DataType, Field, FieldRef, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use rust_decimal::prelude::ToPrimitive;

use super::Totals;
use super::View;
use super::detail::{CHUNK, Fill, Stop, stream as walk};
use crate::engine::Cell;
use crate::error::{Error, Result};
use crate::model::{Component, Model, Service};

/// Rows per row group.
pub const ROW_GROUP: usize = 131_072;

/// The columns of `outlays.parquet`, in order, with their types.
pub const COLUMNS: [(&str, DataType); 23] = [
    ("year", DataType::Int32),
    ("unit_code", DataType::Utf8),
    ("unit_name", DataType::Utf8),
    ("service_id", DataType::Int32),
    ("service_name", DataType::Utf8),
    ("domain", DataType::Utf8),
    ("component", DataType::Utf8),
    ("budget_class", DataType::Utf8),
    ("headcount", DataType::Int64),
    ("coverage", DataType::Float64),
    ("standard_fen_per_year", DataType::Int64),
    ("total_fen", DataType::Int64),
    ("central_fen", DataType::Int64),
    ("province_fen", DataType::Int64),
    ("city_fen", DataType::Int64),
    ("county_fen", DataType::Int64),
    ("unit_name_en", DataType::Utf8),
    ("service_name_en", DataType::Utf8),
    ("component_name", DataType::Utf8),
    ("cohort", DataType::Utf8),
    ("months", DataType::Int32),
    ("split_rule", DataType::Utf8),
    ("fiscal_class", DataType::Utf8),
];

/// The bytes the Parquet writer produces, handed on to the run's sink; the sink's own
/// error is kept to be returned as it was.
struct Out<'a> {
    put: &'a mut (dyn FnMut(&[u8]) -> Result<()> + Send),
    failed: Option<Error>,
}

impl Write for Out<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.put)(buf).map_err(|e| {
            self.failed = Some(e);
            std::io::Error::other("the output could not be written")
        })?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn parquet_err(e: impl std::fmt::Display) -> Error {
    Error::Usage(format!("cannot write outlays.parquet: {e}"))
}

/// The Arrow schema of `outlays.parquet`: [`COLUMNS`], none nullable.
fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|(name, t)| Field::new(*name, t.clone(), false))
            .collect::<Vec<_>>(),
    ))
}

/// How fendan writes every Parquet file (the detail here, a sweep's points): Snappy,
/// [`ROW_GROUP`] rows a group, `created_by` naming this version.
pub fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_size(ROW_GROUP)
        .set_created_by(format!("fendan {}", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Stream the detail of the `n` cells `fill` computes to `put` as Parquet.
///
/// The chunks' columns are made in parallel; one thread takes the chunks in order and
/// hands each column to its writer in the row group, the writers encoding side by side
/// (building the dictionaries, compressing: most of the work); a full row group's
/// column chunks are appended in column order. The bytes are those [`ArrowWriter`]
/// writes on one thread from record batches of the same rows (tested below).
pub fn stream(
    model: &Model,
    view: &View,
    n: usize,
    fill: &Fill,
    put: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
) -> std::result::Result<Totals, Stop> {
    let schema = schema();
    let props = properties();
    let out = Out { put, failed: None };
    // The arrow writer sets up the file (its magic and the Arrow schema in the footer's
    // metadata); the row groups are then made here.
    let (file, factory) = ArrowWriter::try_new(out, schema.clone(), Some(props))
        .and_then(ArrowWriter::into_serialized_writer)
        .map_err(parquet_err)?;
    let mut groups = Groups {
        file,
        factory,
        fields: schema.fields().iter().cloned().collect(),
        writers: None,
        rows: 0,
        index: 0,
    };
    let per_year = per_year(view)?;
    let texts = Texts::new(model);
    let render = |cells: &[Cell], chunk: &mut Columns| {
        *chunk = columns(model, view, &texts, &per_year, cells)?;
        Ok(())
    };
    let totals = {
        let mut consume = |chunk: &Columns| groups.write(chunk).map_err(parquet_err);
        walk(
            model,
            view.years,
            (n, CHUNK),
            fill,
            &render,
            vec![&mut consume],
        )
    };
    let failed = |g: &mut Groups, e: Error| g.file.inner_mut().failed.take().unwrap_or(e);
    let totals = match totals {
        Ok(t) => t,
        Err(Stop::Error(e)) => return Err(Stop::Error(failed(&mut groups, e))),
        Err(stop) => return Err(stop),
    };
    if let Err(e) = groups.flush() {
        let e = parquet_err(e);
        return Err(Stop::Error(failed(&mut groups, e)));
    }
    let mut out = groups.file.into_inner().map_err(parquet_err);
    match &mut out {
        Ok(o) if o.failed.is_some() => Err(Stop::Error(o.failed.take().expect("checked"))),
        Ok(_) => Ok(totals),
        Err(e) => Err(Stop::Error(std::mem::replace(e, parquet_err("")))),
    }
}

/// A chunk's columns, in [`COLUMNS`]' order.
type Columns = Vec<ArrayRef>;

/// The row groups of the file being written: the column writers of the one in progress
/// and how many rows it holds.
struct Groups<'a> {
    file: SerializedFileWriter<Out<'a>>,
    factory: ArrowRowGroupWriterFactory,
    fields: Vec<FieldRef>,
    writers: Option<Vec<ArrowColumnWriter>>,
    rows: usize,
    /// The index of the row group in progress.
    index: usize,
}

impl Groups<'_> {
    /// Encode a chunk, its columns in parallel, closing each row group as it fills.
    fn write(&mut self, chunk: &Columns) -> parquet::errors::Result<()> {
        let rows = chunk.first().map_or(0, |c| c.len());
        let mut from = 0;
        while from < rows {
            let take = (ROW_GROUP - self.rows).min(rows - from);
            let writers = match &mut self.writers {
                Some(w) => w,
                none => none.insert(self.factory.create_column_writers(self.index)?),
            };
            // Every column is flat: one leaf, one writer.
            debug_assert_eq!(writers.len(), chunk.len());
            writers
                .par_iter_mut()
                .zip(chunk.par_iter())
                .zip(self.fields.par_iter())
                .try_for_each(|((w, column), field)| {
                    compute_leaves(field, &column.slice(from, take))?
                        .iter()
                        .try_for_each(|leaf| w.write(leaf))
                })?;
            self.rows += take;
            from += take;
            if self.rows == ROW_GROUP {
                self.flush()?;
            }
        }
        Ok(())
    }

    /// Close the row group in progress, if any, and append it to the file.
    fn flush(&mut self) -> parquet::errors::Result<()> {
        let Some(writers) = self.writers.take() else {
            return Ok(());
        };
        let chunks = writers
            .into_par_iter()
            .map(ArrowColumnWriter::close)
            .collect::<parquet::errors::Result<Vec<_>>>()?;
        let mut group = self.file.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        self.rows = 0;
        self.index += 1;
        Ok(())
    }
}

/// Per service, component and year: the coverage as a double and the annual standard
/// in whole fen, converted once rather than for every cell.
type PerYear = Vec<Vec<Vec<(f64, i64)>>>;

fn per_year(view: &View) -> Result<PerYear> {
    view.component_years
        .iter()
        .map(|s| {
            s.iter()
                .map(|c| {
                    c.iter()
                        .map(|cy| {
                            let standard =
                                crate::money::to_fen(cy.standard_annual).ok_or_else(|| {
                                    parquet_err("a standard does not fit in whole fen")
                                })?;
                            Ok((cy.coverage.to_f64().unwrap_or(f64::NAN), standard))
                        })
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// The text of the text columns, once: per unit (code, names, fiscal class) and per
/// component (the service's and the component's names, domain, budget class, cohort,
/// split rule). A chunk's text column is a dictionary array of keys into these (see
/// [`stream`]).
struct Texts {
    unit: [ArrayRef; 4],
    component: [ArrayRef; 8],
    /// The index of each service's first component in the per-component arrays.
    first_component: Vec<usize>,
}

impl Texts {
    fn new<'m>(model: &'m Model) -> Texts {
        let units = |f: &dyn Fn(&'m crate::model::Unit) -> &'m str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(model.units.iter().map(f)))
        };
        let pairs: Vec<_> = model
            .component_pairs()
            .into_iter()
            .map(|(si, ci)| (&model.services[si], &model.services[si].components[ci]))
            .collect();
        let components = |f: &dyn Fn(&'m Service, &'m Component) -> &'m str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(
                pairs.iter().map(|(s, c)| f(s, c)),
            ))
        };
        Texts {
            unit: [
                units(&|u| &u.code),
                units(&|u| &u.name_zh),
                units(&|u| &u.name_en),
                units(&|u| &model.plan.class(u.fiscal_class).id),
            ],
            component: [
                components(&|s, _| &s.name.zh),
                components(&|s, _| &model.plan.domain(s.domain).id),
                components(&|_, c| &c.id),
                components(&|s, _| &s.budget_class),
                components(&|s, _| &s.name.en),
                components(&|_, c| &c.name.zh),
                components(&|_, c| &model.cohort(c.cohort).id),
                components(&|_, c| &model.rule(c.split).id),
            ],
            first_component: super::detail::first_components(model),
        }
    }
}

/// The columns of `cells`, in [`COLUMNS`]' order. A text column is a dictionary array
/// (keys into [`Texts`]) for a column declared `Utf8`: the Parquet writer takes it for
/// the same column and encodes the same values, without the text being copied into
/// every chunk (`tests::dictionary_columns_write_the_bytes_of_text_columns`).
fn columns(
    model: &Model,
    view: &View,
    texts: &Texts,
    per_year: &PerYear,
    cells: &[Cell],
) -> Result<Columns> {
    let service = |c: &Cell| &model.services[c.service as usize];
    let cy = |c: &Cell| {
        &per_year[c.service as usize][c.component as usize][(c.year - view.years.first) as usize]
    };
    let unit_keys = Int32Array::from_iter_values(cells.iter().map(|c| c.unit as i32));
    let component_keys =
        Int32Array::from_iter_values(cells.iter().map(|c| {
            (texts.first_component[c.service as usize] + usize::from(c.component)) as i32
        }));
    let text = |keys: &Int32Array, values: &ArrayRef| -> Result<ArrayRef> {
        Ok(Arc::new(
            DictionaryArray::<Int32Type>::try_new(keys.clone(), values.clone())
                .map_err(parquet_err)?,
        ))
    };
    let [code, name_zh, name_en, class] = &texts.unit;
    let [
        service_name,
        domain,
        component,
        budget_class,
        service_name_en,
        component_name,
        cohort,
        split,
    ] = &texts.component;
    let int64 = |f: &dyn Fn(&Cell) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(cells.iter().map(f)))
    };
    Ok(vec![
        Arc::new(Int32Array::from_iter_values(cells.iter().map(|c| c.year))),
        text(&unit_keys, code)?,
        text(&unit_keys, name_zh)?,
        Arc::new(Int32Array::from_iter_values(
            cells.iter().map(|c| service(c).id as i32),
        )),
        text(&component_keys, service_name)?,
        text(&component_keys, domain)?,
        text(&component_keys, component)?,
        text(&component_keys, budget_class)?,
        int64(&|c| c.headcount),
        Arc::new(Float64Array::from_iter_values(
            cells.iter().map(|c| cy(c).0),
        )),
        int64(&|c| cy(c).1),
        int64(&|c| c.total),
        int64(&|c| c.levels[0]),
        int64(&|c| c.levels[1]),
        int64(&|c| c.levels[2]),
        int64(&|c| c.levels[3]),
        text(&unit_keys, name_en)?,
        text(&component_keys, service_name_en)?,
        text(&component_keys, component_name)?,
        text(&component_keys, cohort)?,
        Arc::new(Int32Array::from_iter_values(
            cells.iter().map(|c| i32::from(c.months)),
        )),
        text(&component_keys, split)?,
        text(&unit_keys, class)?,
    ])
}

#[cfg(test)]
mod tests {
    use arrow_array::RecordBatch;
    use arrow_array::cast::AsArray;

    use super::*;
    use crate::report::write::cells_of;

    /// The file as [`ArrowWriter`] writes it from record batches whose text columns
    /// are plain strings (how this module wrote it before encoding in parallel): the
    /// bytes [`stream`] must give.
    fn reference(model: &Model, out: &crate::engine::Outcome) -> Vec<u8> {
        let view = View::from(out);
        let (per_year, texts, schema) = (per_year(&view).unwrap(), Texts::new(model), schema());
        let mut w = ArrowWriter::try_new(Vec::new(), schema.clone(), Some(properties())).unwrap();
        for cells in out.cells.chunks(CHUNK) {
            let plain: Vec<ArrayRef> = columns(model, &view, &texts, &per_year, cells)
                .unwrap()
                .into_iter()
                .map(|c| match c.as_dictionary_opt::<Int32Type>() {
                    Some(d) => {
                        let d = d.downcast_dict::<StringArray>().unwrap();
                        Arc::new(StringArray::from_iter_values(d.into_iter().flatten())) as ArrayRef
                    }
                    None => c,
                })
                .collect();
            w.write(&RecordBatch::try_new(schema.clone(), plain).unwrap())
                .unwrap();
        }
        w.into_inner().unwrap()
    }

    #[test]
    fn dictionary_columns_write_the_bytes_of_text_columns() {
        let scenario = crate::Scenario::baseline();
        let model = crate::load(&scenario.inputs).unwrap();
        // The baseline's 13,300 cells eleven times over: 146,300 rows, so that a row
        // group is closed part way through a run and a smaller one follows it.
        let mut out = crate::run(&model, scenario.years).unwrap();
        let once = out.cells.clone();
        for _ in 0..10 {
            out.cells.extend_from_slice(&once);
        }
        assert!(out.cells.len() > ROW_GROUP, "{}", out.cells.len());
        let want = reference(&model, &out);
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut got = Vec::new();
            pool.install(|| {
                let mut put = |b: &[u8]| {
                    got.extend_from_slice(b);
                    Ok(())
                };
                let n = out.cells.len();
                stream(&model, &View::from(&out), n, &cells_of(&out), &mut put)
            })
            .map_err(|_| "stopped")
            .unwrap();
            assert!(
                got == want,
                "{threads} threads: {} bytes, want {}",
                got.len(),
                want.len()
            );
        }
    }
}
