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

use arrow_array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rust_decimal::prelude::ToPrimitive;

use super::Totals;
use super::View;
use super::detail::{CHUNK, Fill, Stop, stream as walk};
use crate::engine::Cell;
use crate::error::{Error, Result};
use crate::model::Model;

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

/// Stream the detail of the `n` cells `fill` computes to `put` as Parquet.
pub fn stream(
    model: &Model,
    view: &View,
    n: usize,
    fill: &Fill,
    put: &mut (dyn FnMut(&[u8]) -> Result<()> + Send),
) -> std::result::Result<Totals, Stop> {
    let schema = Arc::new(Schema::new(
        COLUMNS
            .iter()
            .map(|(name, t)| Field::new(*name, t.clone(), false))
            .collect::<Vec<_>>(),
    ));
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_size(ROW_GROUP)
        .set_created_by(format!("fendan {}", env!("CARGO_PKG_VERSION")))
        .build();
    let out = Out { put, failed: None };
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(parquet_err)?;
    let render = |cells: &[Cell], batch: &mut Option<RecordBatch>| {
        *batch = Some(self::batch(model, view, &schema, cells)?);
        Ok(())
    };
    let totals = {
        let mut consume = |batch: &Option<RecordBatch>| {
            let b = batch.as_ref().expect("a rendered chunk");
            writer.write(b).map_err(parquet_err)
        };
        walk(
            model,
            view.years,
            (n, CHUNK),
            fill,
            &render,
            vec![&mut consume],
        )
    };
    let failed = |w: &mut ArrowWriter<Out>, e: Error| w.inner_mut().failed.take().unwrap_or(e);
    let totals = match totals {
        Ok(t) => t,
        Err(Stop::Error(e)) => return Err(Stop::Error(failed(&mut writer, e))),
        Err(stop) => return Err(stop),
    };
    let mut out = writer.into_inner().map_err(parquet_err);
    match &mut out {
        Ok(o) if o.failed.is_some() => Err(Stop::Error(o.failed.take().expect("checked"))),
        Ok(_) => Ok(totals),
        Err(e) => Err(Stop::Error(std::mem::replace(e, parquet_err("")))),
    }
}

/// The record batch of `cells`.
fn batch<'m>(
    model: &'m Model,
    view: &View,
    schema: &Arc<Schema>,
    cells: &[Cell],
) -> Result<RecordBatch> {
    let unit = |c: &Cell| &model.units[c.unit as usize];
    let service = |c: &Cell| &model.services[c.service as usize];
    let comp = |c: &Cell| &service(c).components[c.component as usize];
    let cy = |c: &Cell| {
        &view.component_years[c.service as usize][c.component as usize]
            [(c.year - view.years.first) as usize]
    };
    let text = |f: &dyn Fn(&Cell) -> &'m str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(cells.iter().map(f)))
    };
    let int64 = |f: &dyn Fn(&Cell) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(cells.iter().map(f)))
    };
    let standard = cells
        .iter()
        .map(|c| {
            crate::money::to_fen(cy(c).standard_annual)
                .ok_or_else(|| parquet_err("a standard does not fit in whole fen"))
        })
        .collect::<Result<Vec<i64>>>()?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int32Array::from_iter_values(cells.iter().map(|c| c.year))),
        text(&|c| &unit(c).code),
        text(&|c| &unit(c).name_zh),
        Arc::new(Int32Array::from_iter_values(
            cells.iter().map(|c| service(c).id as i32),
        )),
        text(&|c| &service(c).name.zh),
        text(&|c| &model.plan.domain(service(c).domain).id),
        text(&|c| &comp(c).id),
        text(&|c| &service(c).budget_class),
        int64(&|c| c.headcount),
        Arc::new(Float64Array::from_iter_values(
            cells
                .iter()
                .map(|c| cy(c).coverage.to_f64().unwrap_or(f64::NAN)),
        )),
        Arc::new(Int64Array::from(standard)),
        int64(&|c| c.total),
        int64(&|c| c.levels[0]),
        int64(&|c| c.levels[1]),
        int64(&|c| c.levels[2]),
        int64(&|c| c.levels[3]),
        text(&|c| &unit(c).name_en),
        text(&|c| &service(c).name.en),
        text(&|c| &comp(c).name.zh),
        text(&|c| &model.cohort(comp(c).cohort).id),
        Arc::new(Int32Array::from_iter_values(
            cells.iter().map(|c| i32::from(c.months)),
        )),
        text(&|c| &model.rule(comp(c).split).id),
        text(&|c| &model.plan.class(unit(c).fiscal_class).id),
    ];
    RecordBatch::try_new(schema.clone(), columns).map_err(parquet_err)
}
